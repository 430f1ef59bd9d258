"""Jupyter widgets: episodes you can watch, tasks you can browse, training you can follow.

- `EpisodeViewer(episode)` (`episode_viewer`): reference and candidate in sync, every code version,
  its reward breakdown, appearance curve, point tracks, diff, and clip requests on a timeline;
- `TaskBrowser(source)` (`task_browser`): previews of a task source with metadata and the oracle's score;
- `TrainingMonitor()` (`training_monitor`): live curves of any numeric training metric, fed by a
  `transformers.TrainerCallback` or a saved `trainer_state.json`;
- `ScoreTable(rows)` (`score_table`): reward breakdowns side by side (plain HTML).

Each is an `anywidget` (the front end lives next to it as `<name>.js`) and, displayed, also carries
a static HTML fallback for viewers without a kernel. Names are imported lazily: importing the
package does not import anywidget, the rewards or transformers.
"""
from __future__ import annotations

from v2c.lazy import lazy_getattr


_EXPORTS = {
    "EpisodeViewer": "episode_viewer",
    "TaskBrowser": "task_browser",
    "TrainingMonitor": "training_monitor",
    "MonitorCallback": "training_callback",
    "ScoreTable": "score_table",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return __all__
