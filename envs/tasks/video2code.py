"""Load a Video2Code (WebVideo2Code) folder (arXiv 2606.20711): UI recordings with their operations.

Layout::

    ROOT/
      results/<id>.json     the recorded operations with their times
      videos/<id>.mp4       the screen recording
      htmls/<id>.html       (optional) the page that was recorded: becomes the oracle

Each `<id>` becomes an `interaction` task whose reference is the video and whose interaction
script replays the operations at their times.

Operations JSON
---------------
The public repository (`kiwixu1024/Video2code`, `data_construct/.../video_edit_tools.py` and
`data_process/01_build_timeline_dataset.py`) writes `results/<id>.json` with the operations
inside a timeline of recorded segments; a flat list is accepted too. Accepted top levels:

* `{"action_frames_timeline_filtered": [{"operations": [op, ...]}, ...]}` (the recorder's output;
  `action_frames_timeline_all` and `segments` are read the same way);
* `{"operations": [op, ...]}` or a bare `[op, ...]`.

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
click without a target) skips the whole recording with a message naming the file and the index.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from v2c.render import Interaction, Page

from .loading import (
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

    def make(path: Path, _: None) -> Task:
        return _task(root, path, fps, viewport, tail_s, name)

    return load_items(name, ((p, None) for p in files), make)


def _task(root: Path, path: Path, fps: float, viewport: tuple[int, int] | None, tail_s: float, source: str) -> Task:
    stem = path.stem
    video = root / "videos" / f"{stem}.mp4"
    if not video.exists():
        raise TaskLoadError(video, f"missing video for {path.name}")
    steps, dropped = parse_operations(read_json(path), path)
    info = probe_video(video)
    page_path = root / "htmls" / f"{stem}.html"
    page = Page(html=read_text(page_path)) if page_path.exists() else None
    last = max((s.t for s in steps), default=0.0)
    duration = info.duration_s or last + tail_s
    if steps and last >= duration:
        raise TaskLoadError(path, f"an operation at {last:.2f} s is past the end of the {duration:.2f} s video")
    return Task(
        id=stem, kind="interaction", page=page, video=video, video_fps=info.fps, duration_s=round(duration, 3),
        fps=fps, viewport=viewport or parse_viewport(info.size, video), interactions=tuple(steps), difficulty=0,
        source=source, metadata={"operations": len(steps), "dropped_operations": dropped, "video_size": list(info.size)},
    )


def parse_operations(data: Any, path: Path) -> tuple[list[Interaction], int]:
    """The operations of a results JSON as timed interactions, and how many recorder-only ones were dropped."""
    operations = _operation_list(data, path)
    steps, dropped = [], 0
    for i, op in enumerate(operations):
        step = _operation(op, i, path)
        if step is None:
            dropped += 1
        else:
            steps.append(step)
    if not steps:
        raise TaskLoadError(path, "no user operations (nothing to replay)")
    return sorted(steps, key=lambda s: s.t), dropped


def _operation_list(data: Any, path: Path) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise TaskLoadError(path, f"expected an object or a list of operations, got {type(data).__name__}")
    if isinstance(data.get("operations"), list):
        return data["operations"]
    for key in TIMELINE_KEYS:
        segments = data.get(key)
        if isinstance(segments, list) and segments:
            if not all(isinstance(s, dict) and isinstance(s.get("operations"), list) for s in segments):
                raise TaskLoadError(path, f"every entry of {key!r} needs an \"operations\" list")
            return [op for s in segments for op in s["operations"]]
    raise TaskLoadError(path, "no operations: expected \"operations\": [...], "
                              f"a timeline ({', '.join(TIMELINE_KEYS)}) or a list")


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


__all__ = ["is_video2code_root", "load_video2code", "parse_operations"]
