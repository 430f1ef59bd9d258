"""`TrainingMonitor`: live curves of every numeric training metric, fed by the trainer's logs.

    from v2c.widgets import TrainingMonitor
    monitor = TrainingMonitor(prefix="rewards/")          # only keys starting with it; "" shows all
    monitor.show()                                        # display it (and refresh its static copy at the end)
    trainer = GRPOTrainer(..., callbacks=[monitor.callback()])   # a transformers.TrainerCallback
    trainer.train()

    TrainingMonitor.from_trainer_state("runs/grpo/checkpoint-50")   # a finished or running run, from disk

Rows are whatever the trainer logs (`loss`, `reward`, `rewards/<name>/mean`, `completions/mean_length`,
custom metrics…): every value that is a number is kept, under its key, against the global step.
The prefix filter (comma-separated prefixes, editable in the widget) picks the curves shown. The
front end redraws at most every `min_interval_s`, so logging every step does not flood the comm.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("notebooks")

import json
import math
import numbers
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import anywidget
import traitlets

from . import svg
from .static import ROW, mimebundle_with_html, section, svg_image

STEP = "step"


def numeric_items(logs: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers of a log record (numpy and 0-d torch scalars included; bools and text dropped)."""
    out = {}
    for key, value in logs.items():
        if isinstance(value, bool) or key == STEP:
            continue
        if not isinstance(value, numbers.Number):
            try:  # numpy / torch scalars
                value = value.item() if getattr(value, "ndim", 1) == 0 else None
            except (AttributeError, ValueError, TypeError):
                value = None
        if isinstance(value, numbers.Real) and math.isfinite(float(value)):
            out[str(key)] = float(value)
    return out


def parse_prefixes(prefix: str | Sequence[str]) -> list[str]:
    items = prefix.split(",") if isinstance(prefix, str) else list(prefix)
    return [p.strip() for p in items if p.strip()]


def find_trainer_state(path: str | Path) -> Path:
    """A JSON file with a `log_history`: the file itself, or in a folder its `trainer_state.json` (transformers),
    `train_log.json` (`v2c train`), or the newest `checkpoint-N/trainer_state.json`."""
    path = Path(path)
    if path.is_file():
        return path
    for name in ("trainer_state.json", "train_log.json"):
        if (path / name).is_file():
            return path / name
    def number(p: Path) -> int:
        tail = p.parent.name.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else -1

    checkpoints = sorted(path.glob("checkpoint-*/trainer_state.json"), key=number)
    if checkpoints:
        return checkpoints[-1]
    raise FileNotFoundError(f"{path}: no trainer_state.json or train_log.json (looked in the folder and its "
                            "checkpoint-* folders)")


class TrainingMonitor(anywidget.AnyWidget):
    """Curves of logged metrics against the global step, one small chart per key, filtered by prefix.

    Arguments:
        prefix: a prefix or comma-separated prefixes (or a list); "" shows every key.
        title: shown above the charts.
        min_interval_s: the least time between two pushes of new rows to the front end.
    """

    _esm = Path(__file__).with_name("training_monitor.js")
    _css = Path(__file__).with_name("training_monitor.css")

    rows = traitlets.List().tag(sync=True)
    """Every record: `{"step": N, key: value, ...}` (pushed at most every `min_interval_s`)."""
    prefix = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("training").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    """A line about the run: waiting, running (step N of M), finished."""

    def __init__(self, prefix: str | Sequence[str] = "", *, title: str = "training", min_interval_s: float = 0.5,
                 **kwargs: Any) -> None:
        super().__init__(prefix=",".join(parse_prefixes(prefix)), title=title, status="waiting for logs", **kwargs)
        self.min_interval_s = min_interval_s
        self.max_steps: int | None = None
        self._rows: list[dict[str, float]] = []
        # None = never pushed: time.monotonic() counts from boot, so a 0.0 start would make the first
        # record look "too recent" on a machine up for less than min_interval_s.
        self._pushed_at: float | None = None
        self._handle: Any = None

    # ------------------------------------------------------------------ feeding

    def add(self, logs: Mapping[str, Any], step: int | float | None = None) -> dict[str, float]:
        """Add one record; its numeric values are kept. `step` defaults to `logs["step"]`, else last + 1."""
        values = numeric_items(logs)
        if step is None:
            step = logs.get(STEP) if isinstance(logs.get(STEP), numbers.Real) else (
                self._rows[-1][STEP] + 1 if self._rows else 0)
        if not values:
            return {}
        row = {STEP: float(step), **values}
        self._rows.append(row)
        self._push()
        return row

    def extend(self, history: Iterable[Mapping[str, Any]]) -> "TrainingMonitor":
        """Add many records at once (e.g. a `log_history`), pushed once."""
        for record in history:
            values = numeric_items(record)
            if values:
                step = record.get(STEP, self._rows[-1][STEP] + 1 if self._rows else 0)
                self._rows.append({STEP: float(step), **values})
        self.flush()
        return self

    def load_trainer_state(self, path: str | Path) -> "TrainingMonitor":
        """Add the `log_history` of a saved run: `trainer_state.json` or `train_log.json`, or the folder holding it."""
        state = json.loads(find_trainer_state(path).read_text())
        self.max_steps = state.get("max_steps") or self.max_steps
        self.extend(state.get("log_history", []))
        self.status = f"loaded {len(self._rows)} records from {path}"
        return self

    @classmethod
    def from_trainer_state(cls, path: str | Path, **kwargs: Any) -> "TrainingMonitor":
        return cls(**kwargs).load_trainer_state(path)

    def replay(self, history: Iterable[Mapping[str, Any]], delay_s: float = 0.05) -> "TrainingMonitor":
        """Feed records one by one with a pause between them, as a live run would (demos, tests)."""
        for record in history:
            self.add(record)
            if delay_s > 0:
                time.sleep(delay_s)
        self.finish()
        return self

    def callback(self) -> Any:
        """A `transformers.TrainerCallback` that feeds this monitor from `on_log` (imports transformers)."""
        from .training_callback import MonitorCallback

        return MonitorCallback(self)

    def finish(self, status: str | None = None) -> None:
        """Push everything, mark the run finished, and refresh the displayed static copy."""
        self.status = status or f"finished at step {self.last_step:g} · {len(self._rows)} records"
        self.flush()
        if self._handle is not None:
            self._handle.update(self)  # re-sends the bundle: the saved notebook keeps final static curves

    # ------------------------------------------------------------------ reading

    @property
    def history(self) -> list[dict[str, float]]:
        return list(self._rows)

    @property
    def last_step(self) -> float:
        return self._rows[-1][STEP] if self._rows else 0.0

    def metric_keys(self, prefix: str | Sequence[str] | None = None) -> list[str]:
        """Logged keys that match the prefix filter (this monitor's when None), in first-seen order."""
        prefixes = parse_prefixes(self.prefix if prefix is None else prefix)
        seen: dict[str, None] = {}
        for row in self._rows:
            for key in row:
                if key != STEP and (not prefixes or any(key.startswith(p) for p in prefixes)):
                    seen[key] = None
        return list(seen)

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of one key."""
        pairs = [(row[STEP], row[key]) for row in self._rows if key in row]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    # ------------------------------------------------------------------ front end

    def _push(self) -> None:
        if self._pushed_at is None or time.monotonic() - self._pushed_at >= self.min_interval_s:
            self.flush()

    def flush(self) -> None:
        """Send all rows to the front end now."""
        self._pushed_at = time.monotonic()
        self.rows = [dict(row) for row in self._rows]  # a new list: traitlets syncs on assignment
        if self._rows and not self.status.startswith(("finished", "loaded")):
            total = f" of {self.max_steps}" if self.max_steps else ""
            self.status = f"running · step {self.last_step:g}{total} · {len(self._rows)} records"

    def show(self) -> "TrainingMonitor":
        """Display the monitor and keep its display handle, so `finish` can refresh the static copy."""
        from IPython.display import display

        self._handle = display(self, display_id=True)
        return self

    def static_html(self) -> str:
        """Self-contained HTML (no script): one chart per shown key, as images."""
        keys = self.metric_keys()
        charts = "".join(svg_image(svg.line_chart(*self.series(k), title=k, stroke=svg.PALETTE[i % len(svg.PALETTE)]), k)
                         for i, k in enumerate(keys))
        shown = f" · keys starting with {self.prefix}" if self.prefix else ""
        return section("v2c-monitor-static", self.title, f"<div style='{ROW}'>{charts}</div>",
                       (self.status + shown) if keys else "no records yet")

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        return mimebundle_with_html(super()._repr_mimebundle_(**kwargs), self.static_html(), repr(self))

    def __repr__(self) -> str:
        return f"TrainingMonitor(records={len(self._rows)}, keys={len(self.metric_keys(''))}, prefix={self.prefix!r})"
