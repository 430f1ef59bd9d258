"""What every dataset loader shares: errors that name the file, a report of skipped items, a list source.

Loaders never stop half-way on a bad item: they raise `TaskLoadError` for it internally, record
`(path, reason)` in the `LoadReport`, move on, and log one summary at the end.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import av
import av.error

from .task import Task

log = logging.getLogger("v2c.tasks")

VIDEO_EXTENSIONS = frozenset({".mp4", ".webm", ".gif", ".mov", ".mkv", ".avi", ".npz"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})

T = TypeVar("T")


class TaskLoadError(ValueError):
    """An item that cannot become a task; the message names the file and what is wrong with it."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class LoadReport:
    """What a loader did: how many tasks it made and which items it skipped, and why."""

    source: str
    """The loader and the path it read (`anim2code:/data/a2c`)."""
    loaded: int = 0
    """Tasks made."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) for every item left out."""
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that did not cost an item (a malformed manifest ignored, operations dropped)."""

    def skip(self, path: str | Path, reason: str) -> None:
        self.skipped.append((str(path), reason))
        log.debug("skipped %s: %s", path, reason)  # the summary at the end lists it

    def note(self, message: str) -> None:
        self.notes.append(message)
        log.info("%s", message)

    def summary(self) -> str:
        lines = [f"{self.source}: loaded {self.loaded} task(s), skipped {len(self.skipped)}"]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def log_summary(self) -> None:
        (log.warning if self.skipped else log.info)("%s", self.summary())


class LoadedSource:
    """A finite list of tasks with the report of how it was loaded; iterable, indexable, sized, looked up by id."""

    bounded = True

    def __init__(self, name: str, tasks: Sequence[Task], report: LoadReport | None = None) -> None:
        self.name = name
        self.tasks = list(tasks)
        self.report = report or LoadReport(source=name, loaded=len(self.tasks))
        self._by_id: dict[str, Task] | None = None

    def get(self, task_id: str) -> Task:
        if self._by_id is None:
            self._by_id = {task.id: task for task in reversed(self.tasks)}  # the first of a repeated id wins
        try:
            return self._by_id[task_id]
        except KeyError:
            raise KeyError(f"no task {task_id!r} in {self.name}") from None

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def __getitem__(self, index: int) -> Task:
        return self.tasks[index]

    def take(self, n: int, start: int = 0) -> list[Task]:
        return self.tasks[start:start + n]

    def __repr__(self) -> str:
        return f"LoadedSource({self.name!r}, {len(self.tasks)} tasks, {len(self.report.skipped)} skipped)"


def load_items(name: str, items: Iterable[tuple[Path, T]],
               make: Callable[[Path, T], Task | list[Task] | None]) -> LoadedSource:
    """Make the task (or tasks: a recording of several episodes) of every item; a `TaskLoadError` (or an
    unexpected error) skips that item only."""
    report = LoadReport(source=name)
    tasks = []
    for path, item in items:
        try:
            task = make(path, item)
        except TaskLoadError as error:
            report.skip(error.path, error.reason)
            continue
        except Exception as error:  # a loader bug or a file we did not foresee: still only this item
            report.skip(path, f"unexpected {type(error).__name__}: {error}")
            continue
        if isinstance(task, Task):
            tasks.append(task)
        elif task:
            tasks.extend(task)
    report.loaded = len(tasks)
    report.log_summary()
    return LoadedSource(name, tasks, report)


def read_json(path: Path) -> Any:
    """Parsed JSON, or `TaskLoadError` saying whether the file is missing, unreadable or malformed (and where)."""
    if not path.is_file():
        raise TaskLoadError(path, "missing file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TaskLoadError(path, f"unreadable: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TaskLoadError(path, f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}") from None


def read_text(path: Path) -> str:
    if not path.is_file():
        raise TaskLoadError(path, "missing file")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise TaskLoadError(path, f"unreadable: {error}") from None


@dataclass(frozen=True)
class VideoInfo:
    """What a cheap look at a video file tells: enough to build a task without decoding it all."""

    fps: float
    """Average frame rate."""
    duration_s: float | None
    """Container duration, when the container states one."""
    size: tuple[int, int]
    """Width × height of the first frame."""


def probe_video(path: Path) -> VideoInfo:
    """Open the container and decode the first frame, so corrupt files are caught at load time, not mid-training."""
    if not path.is_file():
        raise TaskLoadError(path, "missing video file")
    if path.suffix.lower() == ".npz":
        from v2c.video import VideoError, read_video

        try:
            video = read_video(path)
        except VideoError as error:
            raise TaskLoadError(path, str(error).split(": ", 1)[-1]) from None
        return VideoInfo(fps=video.fps, duration_s=video.duration, size=video.size)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise TaskLoadError(path, "corrupt video: no video stream")
            stream = container.streams.video[0]
            frame = next(container.decode(stream), None)
            if frame is None:
                raise TaskLoadError(path, "corrupt video: no decodable frame")
            rate = stream.average_rate or stream.guessed_rate
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            return VideoInfo(fps=float(rate) if rate else 30.0, duration_s=duration, size=(frame.width, frame.height))
    except TaskLoadError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, StopIteration) as error:
        # FFmpeg's message repeats the file name; the TaskLoadError already leads with it.
        raise TaskLoadError(path, f"corrupt video: cannot decode ({getattr(error, 'strerror', None) or error})") from None


def parse_size(text: str) -> tuple[int, int]:
    """"WxH" (e.g. `512x384`) as (width, height); `ValueError` saying what was expected otherwise."""
    try:
        width, height = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 512x384, got {text!r}") from None
    return width, height


def parse_viewport(value: Any, path: Path) -> tuple[int, int]:
    """[w, h], (w, h) or "WxH" as a viewport; `TaskLoadError` otherwise."""
    try:
        width, height = parse_size(value) if isinstance(value, str) else (int(v) for v in value)
    except (TypeError, ValueError):
        raise TaskLoadError(path, f"viewport must be [width, height] or 'WxH', got {value!r}") from None
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise TaskLoadError(path, f"viewport must be 16–4096 pixels a side, got {width}x{height}")
    return width, height


def positive(value: Any, what: str, path: Path) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TaskLoadError(path, f"{what} must be a number, got {value!r}") from None
    if not number > 0:
        raise TaskLoadError(path, f"{what} must be positive, got {value!r}")
    return number
