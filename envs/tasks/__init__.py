"""Tasks and data: the task model, built-in generators, a real-animation corpus, dataset loaders.

    from v2c.envs.tasks import load_tasks, render_reference
    source = load_tasks("builtin:animations?seed=0")      # or builtin:interactions|animatecss, template:pick, a path
    task = source[0]                                       # task i of seed s is always the same
    source.get(task.id)                                    # lookup by id, on every source
    reference = task.to_reference(video=render_reference(task))   # rendered once, cached on disk
    RewardScorer().score(reference, task.cheat())          # ≈ 1: the oracle reproduces the reference

Modules: `task` (Task), `source` (the TaskSource contract, seeded generators), `motion` +
`techniques` + `generator_animations` (procedural animations), `widgets` + `generator_interactions`
(interactive pages), `animatecss` (animate.css corpus), `pick` (the word-answered template family),
`answers` (answer formats: what a task asks for, how words become a page), `loading` + `anim2code` +
`video2code` + `folder` + `pages` (datasets), `load` (load_tasks, take_tasks: the one registry of
specs), `cache` (reference cache), `hf` (Hugging Face view), `cli` (`v2c tasks`). Names are imported lazily so `v2c --help` stays fast.
"""
from __future__ import annotations

from v2c.lazy import lazy_getattr


_EXPORTS = {
    "Task": "task", "TaskKind": "task", "NoOracleError": "task",
    "TaskSource": "source", "GeneratedSource": "source",
    "AnimationTaskSource": "generator_animations", "AnimationConfig": "generator_animations",
    "InteractionTaskSource": "generator_interactions", "InteractionConfig": "generator_interactions",
    "AnimateCssTaskSource": "animatecss", "AnimateCssConfig": "animatecss",
    "PickTaskSource": "pick", "PickConfig": "pick",
    "AnswerFormat": "answers", "answer_format": "answers", "instructions_for": "answers", "answer_page": "answers",
    "LoadReport": "loader_base", "LoadedSource": "loader_base", "TaskLoadError": "loader_base",
    "load_anim2code": "anim2code", "load_video2code": "video2code", "load_folder": "folder",
    "load_tasks": "specs", "take_tasks": "specs", "detect_layout": "specs", "read_page": "pages",
    "ReferenceCache": "cache", "ReferenceRenderError": "cache", "render_reference": "cache",
    "render_reference_async": "cache",
    "to_hf_dataset": "hf", "task_from_row": "hf",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return __all__
