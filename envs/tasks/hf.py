"""A Hugging Face `datasets` view of any task source, and the way back.

`to_hf_dataset(source, limit)` streams tasks through `Dataset.from_generator` into flat rows (one
fixed schema for every source: nested parts are JSON strings) that TRL trainers, `.map()` and
`push_to_hub` take as they are. `task_from_row(row)` rebuilds the `Task`. Videos stay files: a row
holds the path.

Hub datasets of the papers, for online users (nothing here downloads them):
    Animation2Code  `anim2code/dataset` (CC-BY-4.0; one `codepen-*/` folder per sample) and
                    `anim2code/baselines` (model outputs). Fetch once with
                    `huggingface-cli download anim2code/dataset --repo-type dataset --local-dir data/anim2code`,
                    then `load_tasks("data/anim2code")`.
"""
from __future__ import annotations

import json
import tempfile
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from v2c.render import Page

from .source import TaskSource
from .task import Task, page_from_dict

HUB_DATASETS: dict[str, str] = {
    "anim2code/dataset": "Animation2Code: 1,069 CodePen animations with 30 fps 1024×768 recordings (CC-BY-4.0)",
    "anim2code/baselines": "Animation2Code model outputs: ground_truth/{name}.mp4, {model}/{run}/{name}/animation.mp4",
}
"""Hub ids worth knowing; download them yourself, then load the folder with `load_tasks`."""


ROW_COLUMNS: tuple[str, ...] = ("id", "kind", "source", "duration_s", "fps", "viewport", "difficulty", "html", "files",
                                 "oracle_html", "oracle_files", "video", "video_fps", "video_start_s", "interactions",
                                 "metadata")
"""The columns of a task row (`task_to_row`); a row with all of them rebuilds its task (`task_from_row`)."""
_NON_STRING = {"duration_s": "float64", "fps": "float64", "difficulty": "int32", "video_fps": "float64",
               "video_start_s": "float64"}


def _features():
    from datasets import Features, Sequence, Value

    return Features({name: Sequence(Value("int32"), length=2) if name == "viewport"
                     else Value(_NON_STRING.get(name, "string")) for name in ROW_COLUMNS})


def task_to_row(task: Task) -> dict[str, Any]:
    """One flat row; `files`, `interactions` and `metadata` are JSON strings."""
    data = task.to_dict()
    page, oracle = data["page"] or {}, data["oracle"] or {}
    return {
        "id": task.id, "kind": task.kind, "source": task.source, "duration_s": task.duration_s, "fps": task.fps,
        "viewport": list(task.viewport), "difficulty": task.difficulty,
        "html": page.get("html"), "files": json.dumps(page.get("files", {})),
        "oracle_html": oracle.get("html"), "oracle_files": json.dumps(oracle.get("files", {})),
        "video": str(task.video) if task.video else None, "video_fps": task.video_fps,
        "video_start_s": task.video_start_s,
        "interactions": json.dumps(data["interactions"]), "metadata": json.dumps(data["metadata"]),
    }


def task_from_row(row: dict[str, Any]) -> Task:
    """The task a row was made from."""
    def page(html: str | None, files: str) -> Page | None:
        return None if html is None else page_from_dict({"html": html, "files": json.loads(files)})

    return Task(
        id=row["id"], kind=row["kind"], page=page(row["html"], row["files"]), video=Path(row["video"]) if row["video"] else None,
        video_fps=row["video_fps"], video_start_s=row["video_start_s"], duration_s=row["duration_s"], fps=row["fps"],
        viewport=tuple(row["viewport"]),
        interactions=tuple(json.loads(row["interactions"])), difficulty=row["difficulty"], source=row["source"],
        metadata=json.loads(row["metadata"]), oracle=page(row["oracle_html"], row["oracle_files"]),
    )


def _rows(source: TaskSource, limit: int | None) -> Iterator[dict[str, Any]]:
    yield from (task_to_row(t) for t in islice(iter(source), limit))


def to_hf_dataset(source: TaskSource, limit: int | None = None):
    """A `datasets.Dataset` of the first `limit` tasks (all of a finite source; an unbounded one needs a limit)."""
    from datasets import Dataset

    if limit is None and not source.bounded:
        raise ValueError(f"{getattr(source, 'name', source)} is unbounded: pass a limit")
    # The rows live in memory and the build folder is thrown away: a cached build keyed by the
    # generator's hash could return stale rows after a dataset folder changed.
    with tempfile.TemporaryDirectory(prefix="v2c-hf-") as cache_dir:
        return Dataset.from_generator(_rows, features=_features(), gen_kwargs={"source": source, "limit": limit},
                                      cache_dir=cache_dir, keep_in_memory=True,
                                      fingerprint=f"v2c-tasks-{id(source)}-{limit}")
