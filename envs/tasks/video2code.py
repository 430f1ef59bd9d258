"""Load a Video2Code (WebVideo2Code) folder (arXiv 2606.20711): UI recordings with their operations.

Layout::

    ROOT/
      results/<id>.json     the recorded operations with their times
      videos/<id>.mp4       the screen recording
      htmls/<id>.html       (optional) the page that was recorded: becomes the oracle

Each recorded segment becomes an `interaction` task whose reference is its part of the video and
whose interaction script replays its operations at their times from the segment's start. The
recorder reloads the page before each segment (the timeline's segments are separate clips laid end to
end), so each segment is its own episode on a freshly loaded page: `Task.video_start_s` and
`duration_s` give its range of the video, and its operation times are rebased to it. A recording
with one such segment (or a flat list of operations) is one task named `<id>`; one with several gives
`<id>-<segment_index>`. Segments without user operations (the recorder's init scroll) are no episode.

Operations JSON
---------------
The public repository (`kiwixu1024/Video2code`, `data_construct/.../video_edit_tools.py` and
`data_process/01_build_timeline_dataset.py`) writes `results/<id>.json` with the operations
inside a timeline of recorded segments; a flat list is accepted too. Accepted top levels:

* `{"action_frames_timeline_filtered": [{"segment_index": k, "segment_start_time": s,
  "segment_end_time": e, "operations": [op, ...]}, ...]}` (the recorder's output;
  `action_frames_timeline_all` and `segments` are read the same way). A timeline in which some
  segment lacks its start or end time is read as one episode over the whole video, as a flat list;
* `{"operations": [op, ...]}` or a bare `[op, ...]`: one episode over the whole video.

An operation is an object with:

* **type** — `action`, else `subtype`, else `type`: `click` (alias `tap`), `type` (aliases `input`,
  `enter`, `fill`, `input_duration`), `select` (`choose`), `scroll`, `press` (`key`), `hover`,
  `wait`. The recorder's `init_scroll` (its scroll through the page before the operations) and
  labels such as "New Operation" in `type` are not user actions: init scrolls are dropped and
  counted in the task's metadata.
* **time** in seconds from the start of the video — the first of `t`, `time`,
  `global_start_time` (the recorder's moment of the action), `start`, `timestamp`.
* **target** (required for click, type, select, hover) — a descriptor object `target`
  (see `v2c/render/targets.js`), else built from `selector`, `target_text` / `text`,
  `placeholder`, `label`, `role` + `name`, or the recorder's element record `dom_info` /
  `action_detail.dom_info` (`visible_text`, `tag`, `attrs.placeholder`, `attrs.aria-label`).
* **value** — `value`, `input_val`, `input_text`, `text_input` or `option` (typed text, option,
  key, scroll pixels); also read from `action_detail`.

Anything else (an operation that is not an object, an unknown type, no time, a negative time, a
time outside its segment, a click without a target, a segment past the end of the video) skips the
whole recording with a message naming the file and the index.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v2c.render import Interaction, Page

from .loader_base import (
    LoadedSource, TaskLoadError, load_items, parse_viewport, probe_video, read_json, read_text,
)
from .task import Task

TYPE_ALIASES: dict[str, str] = {
    "click": "click", "tap": "click",
    "type": "type", "input": "type", "enter": "type", "fill": "type", "input_duration": "type",
    "select": "select", "choose": "select",
    "scroll": "scroll", "press": "press", "key": "press", "keypress": "press", "hover": "hover", "wait": "wait",
}
DROPPED_TYPES = frozenset({"init_scroll"})
TIME_KEYS = ("t", "time", "global_start_time", "start", "timestamp")
VALUE_KEYS = ("value", "input_val", "input_text", "text_input", "option")
TIMELINE_KEYS = ("action_frames_timeline_filtered", "action_frames_timeline_all", "segments")
SEGMENT_START_KEYS = ("segment_start_time", "start_time", "start")
SEGMENT_END_KEYS = ("segment_end_time", "end_time", "end")
_TIME_TOLERANCE_S = 1e-3
_NEEDS_TARGET = frozenset({"click", "type", "select", "hover"})


def is_video2code_root(path: Path) -> bool:
    return path.is_dir() and (path / "results").is_dir() and (path / "videos").is_dir()


def load_video2code(root: str | Path, fps: float = 10.0, viewport: tuple[int, int] | None = None,
                    tail_s: float = 1.0) -> LoadedSource:
    """Tasks from a Video2Code folder; the viewport defaults to each video's frame size."""
    root = Path(root)
    name = f"video2code:{root}"
    if not is_video2code_root(root):
        raise TaskLoadError(root, "expected results/ and videos/ folders")
    files = sorted((root / "results").glob("*.json"))

    def make(path: Path, _: None) -> list[Task]:
        return _tasks(root, path, fps, viewport, tail_s, name)

    return load_items(name, ((p, None) for p in files), make)


@dataclass(frozen=True)
class RecordedSegment:
    """One recorded segment: its operations (times from the video's start) and its range of the video."""

    index: int
    """The timeline's `segment_index` (else the position in the timeline)."""
    steps: tuple[Interaction, ...]
    """User operations, sorted by time, on the video's own clock."""
    dropped: int
    """Recorder-only operations left out (init scrolls)."""
    start_s: float | None = None
    """Where the segment starts in the video; None: the whole video (a flat list or an untimed timeline)."""
    end_s: float | None = None
    """Where the segment ends in the video; None with `start_s`."""
    name: str | None = None
    """The recorder's name for the segment's clip (`video_name`)."""


def _tasks(root: Path, path: Path, fps: float, viewport: tuple[int, int] | None, tail_s: float,
           source: str) -> list[Task]:
    stem = path.stem
    video = root / "videos" / f"{stem}.mp4"
    if not video.exists():
        raise TaskLoadError(video, f"missing video for {path.name}")
    segments = [s for s in parse_segments(read_json(path), path) if s.steps]
    info = probe_video(video)
    page_path = root / "htmls" / f"{stem}.html"
    page = Page(html=read_text(page_path)) if page_path.exists() else None
    size = viewport or parse_viewport(info.size, video)
    tasks = []
    for segment in segments:
        last = segment.steps[-1].t
        video_end = info.duration_s or last + tail_s
        start = segment.start_s or 0.0
        end = video_end if segment.end_s is None else segment.end_s
        if end > video_end + _TIME_TOLERANCE_S:
            raise TaskLoadError(path, f"segment {segment.index} ends at {end:.2f} s, past the end of the "
                                      f"{video_end:.2f} s video")
        if last >= end:
            raise TaskLoadError(path, f"an operation at {last:.2f} s is past the end of the {end:.2f} s "
                                      f"{'video' if segment.end_s is None else f'segment {segment.index}'}")
        steps = tuple(Interaction(s.action, round(s.t - start, 6), s.target, s.value) for s in segment.steps)
        metadata: dict[str, Any] = {"operations": len(steps), "dropped_operations": segment.dropped,
                                    "video_size": list(info.size)}
        if segment.start_s is not None:
            metadata.update(segment=segment.index, segment_name=segment.name, video_range=[start, end])
        tasks.append(Task(
            id=stem if len(segments) == 1 else f"{stem}-{segment.index}", kind="interaction", page=page, video=video,
            video_fps=info.fps, video_start_s=start, duration_s=round(end - start, 3), fps=fps, viewport=size,
            interactions=steps, difficulty=0, source=source, metadata=metadata,
        ))
    return tasks


def parse_segments(data: Any, path: Path) -> list[RecordedSegment]:
    """The recorded segments of a results JSON, each with its user operations (times from the video's start).

    Operations are numbered across the whole file in error messages. A recording without any user
    operation raises `TaskLoadError`."""
    parts = _segment_list(data, path)
    segments, position = [], 0
    for k, (meta, operations) in enumerate(parts):
        steps, dropped = [], 0
        for op in operations:
            step = _operation(op, position, path)
            position += 1
            if step is None:
                dropped += 1
            else:
                steps.append(step)
        start, end = (None, None) if meta is None else _segment_range(meta, k, path)
        for step in steps:
            if start is not None and not start - _TIME_TOLERANCE_S <= step.t <= end + _TIME_TOLERANCE_S:
                raise TaskLoadError(path, f"segment {k}: an operation at {step.t:g} s is outside the segment "
                                          f"[{start:g}, {end:g}] s")
        index = meta.get("segment_index", k) if meta is not None else k
        segments.append(RecordedSegment(index=int(index) if isinstance(index, int) else k,
                                        steps=tuple(sorted(steps, key=lambda s: s.t)), dropped=dropped,
                                        start_s=start, end_s=end,
                                        name=str(meta["video_name"]) if meta and meta.get("video_name") else None))
    if not any(s.steps for s in segments):
        raise TaskLoadError(path, "no user operations (nothing to replay)")
    return segments


def parse_operations(data: Any, path: Path) -> tuple[list[Interaction], int]:
    """Every operation of a results JSON as timed interactions (all segments together, times from the video's
    start), and how many recorder-only ones were dropped."""
    segments = parse_segments(data, path)
    steps = sorted((step for s in segments for step in s.steps), key=lambda s: s.t)
    return steps, sum(s.dropped for s in segments)


def _segment_list(data: Any, path: Path) -> list[tuple[dict[str, Any] | None, list[Any]]]:
    """(the segment's own entry, or None for an untimed episode; its operations) in timeline order."""
    if isinstance(data, list):
        return [(None, data)]
    if not isinstance(data, dict):
        raise TaskLoadError(path, f"expected an object or a list of operations, got {type(data).__name__}")
    if isinstance(data.get("operations"), list):
        return [(None, data["operations"])]
    for key in TIMELINE_KEYS:
        segments = data.get(key)
        if isinstance(segments, list) and segments:
            if not all(isinstance(s, dict) and isinstance(s.get("operations"), list) for s in segments):
                raise TaskLoadError(path, f"every entry of {key!r} needs an \"operations\" list")
            if all(_first(s, SEGMENT_START_KEYS) is not None and _first(s, SEGMENT_END_KEYS) is not None
                   for s in segments):
                return [(s, s["operations"]) for s in segments]
            return [(None, [op for s in segments for op in s["operations"]])]
    raise TaskLoadError(path, "no operations: expected \"operations\": [...], "
                              f"a timeline ({', '.join(TIMELINE_KEYS)}) or a list")


def _first(entry: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((entry[k] for k in keys if entry.get(k) is not None), None)


def _segment_range(entry: dict[str, Any], k: int, path: Path) -> tuple[float, float]:
    start, end = _first(entry, SEGMENT_START_KEYS), _first(entry, SEGMENT_END_KEYS)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (start, end)) or not 0 <= start < end:
        raise TaskLoadError(path, f"segment {k}: needs 0 <= start < end in seconds, got {start!r}, {end!r}")
    return float(start), float(end)


def _operation(op: Any, i: int, path: Path) -> Interaction | None:
    where = f"operation {i}"
    if not isinstance(op, dict):
        raise TaskLoadError(path, f"{where}: expected an object, got {type(op).__name__}")
    detail = op.get("action_detail") if isinstance(op.get("action_detail"), dict) else {}
    raw = next((str(op[k]) for k in ("action", "subtype", "type") if isinstance(op.get(k), str)
                and (str(op[k]).lower() in TYPE_ALIASES or str(op[k]).lower() in DROPPED_TYPES)), None)
    raw = raw or (str(detail["action"]) if isinstance(detail.get("action"), str) else None)
    if raw is None:
        found = {k: op.get(k) for k in ("action", "subtype", "type") if k in op}
        raise TaskLoadError(path, f"{where}: unknown operation type {found or 'missing'}; expected one of "
                                  f"{', '.join(sorted(TYPE_ALIASES))}")
    if raw.lower() in DROPPED_TYPES:
        return None
    action = TYPE_ALIASES[raw.lower()]
    time = next((op[k] for k in TIME_KEYS if op.get(k) is not None), None)
    if isinstance(time, bool) or not isinstance(time, (int, float)):
        raise TaskLoadError(path, f"{where}: needs a time in seconds ({', '.join(TIME_KEYS)}), got {time!r}")
    if time < 0:
        raise TaskLoadError(path, f"{where}: negative time {time}")
    target = _target(op, detail)
    if action in _NEEDS_TARGET and not target:
        raise TaskLoadError(path, f"{where}: a {action} needs a target (target, selector, target_text, placeholder, "
                                  "label, role+name or dom_info)")
    value = next((src[k] for src in (op, detail) for k in VALUE_KEYS if src.get(k) is not None), None)
    if action == "type" and value is None:
        raise TaskLoadError(path, f"{where}: a type operation needs the text ({', '.join(VALUE_KEYS)})")
    return Interaction(action=action, t=float(time), target=target or None, value=value)


def _target(op: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    if isinstance(op.get("target"), dict):
        return dict(op["target"])
    target: dict[str, Any] = {}
    if isinstance(op.get("selector"), str):
        target["selector"] = op["selector"]
    text = op.get("target_text", op.get("text"))
    if isinstance(text, str) and text.strip():
        target["text"] = text.strip()
    for key in ("placeholder", "label", "role", "name"):
        if isinstance(op.get(key), str) and op[key].strip():
            target[key] = op[key].strip()
    if target:
        return target
    dom = op.get("dom_info") if isinstance(op.get("dom_info"), dict) else detail.get("dom_info")
    if isinstance(dom, dict):
        attrs = dom.get("attrs") if isinstance(dom.get("attrs"), dict) else {}
        if attrs.get("placeholder"):
            target["placeholder"] = str(attrs["placeholder"])
        elif attrs.get("aria-label"):
            target["label"] = str(attrs["aria-label"])
        elif isinstance(dom.get("visible_text"), str) and dom["visible_text"].strip():
            target["text"] = dom["visible_text"].strip()[:200]
        if target and isinstance(dom.get("tag"), str) and dom["tag"]:
            target["tag"] = dom["tag"].lower()
    return target


__all__ = ["RecordedSegment", "is_video2code_root", "load_video2code", "parse_operations", "parse_segments"]
