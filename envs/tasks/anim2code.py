"""Load an Animation2Code folder (arXiv 2606.28593): CodePen animations with their recordings.

Layout (one folder per sample, as published on the Hugging Face hub as `anim2code/dataset`)::

    ROOT/
      _record_manifest.json        {"results": [{"folder", "status", "animationType": "css"|"js", "durationS"}]}
      codepen-<user>-<pen>/
        metadata.json              {"title", "url", ...}
        src/index.html
        src/style.css
        src/script.js              (optional)
        animation.mp4              (the recording; optional here)

Online users fetch it once, e.g. `huggingface-cli download anim2code/dataset --repo-type dataset
--local-dir data/anim2code`, then `load_tasks("data/anim2code")`; nothing here downloads.

Each sample becomes an `animation` task. The reference is `animation.mp4` when present, else the
rendered source; the source page (with `style.css`, `script.js` and any other file of `src/`
served beside `index.html`, so relative links work) is the oracle. Defaults follow the paper:
30 fps; the viewport is the recording's frame size (the page must be laid out at the size it was
recorded at, or the candidate is compared with another layout), 1024×768 without a recording;
both can be overridden. The duration is the manifest's `durationS`, else the
recording's, else `default_duration_s`.

A sample is skipped (and reported) when: the manifest marks it failed; `metadata.json` is
malformed; it has neither a recording nor `src/index.html`; `index.html` has no `style.css`
beside it; the recording is corrupt. A malformed manifest is reported and ignored.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from v2c.render import Page

from .loading import (
    LoadedSource, LoadReport, TaskLoadError, load_items, parse_viewport, positive, probe_video, read_json, read_text,
)
from .task import Task

MANIFEST = "_record_manifest.json"
OK_STATUSES = frozenset({"ok", "success", "succeeded", "done", "recorded", "complete", "completed"})
"""Manifest statuses of a usable recording; anything else (failed, error, timeout, ...) skips the sample."""
MAX_ASSET_BYTES = 2_000_000
PAPER_VIEWPORT = (1024, 768)
"""The paper's recording size, for samples without a recording."""


def is_anim2code_root(path: Path) -> bool:
    return path.is_dir() and ((path / MANIFEST).is_file() or any(path.glob("codepen-*/src")))


def load_anim2code(root: str | Path, fps: float = 30.0, viewport: tuple[int, int] | None = None,
                   default_duration_s: float = 5.0, skip_failed: bool = True) -> LoadedSource:
    """Tasks from an Animation2Code folder; bad samples are skipped and listed in `.report`."""
    root = Path(root)
    name = f"anim2code:{root}"
    if not root.is_dir():
        raise TaskLoadError(root, "not a folder")
    manifest, manifest_notes = _read_manifest(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("codepen-"))
    for entry in manifest:
        if not (root / entry).is_dir():
            manifest_notes.append(f"{root / MANIFEST}: lists {entry!r}, which is not in the folder")

    def make(folder: Path, _: None) -> Task:
        return _task(folder, manifest.get(folder.name, {}), fps, viewport, default_duration_s, skip_failed, name)

    source = load_items(name, ((f, None) for f in folders), make)
    for note in manifest_notes:
        source.report.note(note)
    if not folders:
        source.report.note(f"{root}: no codepen-* folders")
    return source


def _read_manifest(root: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    path = root / MANIFEST
    if not path.is_file():
        return {}, []
    try:
        data = read_json(path)
    except TaskLoadError as error:
        return {}, [f"{error} (manifest ignored)"]
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return {}, [f"{path}: expected {{\"results\": [...]}} (manifest ignored)"]
    entries, notes = {}, []
    for i, entry in enumerate(results):
        if not isinstance(entry, dict) or not isinstance(entry.get("folder"), str):
            notes.append(f"{path}: results[{i}] has no \"folder\" (entry ignored)")
            continue
        entries[Path(entry["folder"]).name] = entry
    return entries, notes


def _task(folder: Path, entry: dict[str, Any], fps: float, viewport: tuple[int, int] | None, default_duration_s: float,
          skip_failed: bool, source: str) -> Task:
    status = entry.get("status")
    if skip_failed and status is not None and str(status).lower() not in OK_STATUSES:
        raise TaskLoadError(folder, f"the manifest marks it {status!r}")
    meta: dict[str, Any] = {}
    if (folder / "metadata.json").exists():
        meta = read_json(folder / "metadata.json")
        if not isinstance(meta, dict):
            raise TaskLoadError(folder / "metadata.json", f"expected a JSON object, got {type(meta).__name__}")
    video = folder / "animation.mp4"
    video = video if video.exists() else None
    page = _source_page(folder / "src") if (folder / "src" / "index.html").exists() else None
    if video is None and page is None:
        raise TaskLoadError(folder, "neither animation.mp4 nor src/index.html: nothing to reproduce")
    info = probe_video(video) if video else None
    duration = entry.get("durationS")
    if duration is not None:
        duration = positive(duration, "durationS in the manifest", folder)
    elif info and info.duration_s:
        duration = info.duration_s
    return Task(
        id=folder.name, kind="animation", page=page, video=video, video_fps=info.fps if info else None,
        duration_s=round(duration or default_duration_s, 3), fps=fps,
        viewport=viewport or (parse_viewport(info.size, video) if info else PAPER_VIEWPORT), difficulty=0, source=source,
        metadata={"title": meta.get("title"), "url": meta.get("url"), "animation_type": entry.get("animationType"),
                  "status": status, "folder": str(folder), **({"video_size": list(info.size)} if info else {})},
    )


_LINKED = re.compile(r"""(?:src|href)\s*=\s*["']\.?/?([^"':?#]+)["']""", re.IGNORECASE)


def _source_page(src: Path) -> Page:
    """index.html with every file of src/ served beside it; style.css and script.js are linked if the HTML does not."""
    html = read_text(src / "index.html")
    if not (src / "style.css").is_file():
        raise TaskLoadError(src / "style.css", "missing file (every Animation2Code sample has one)")
    files: dict[str, bytes] = {}
    for path in sorted(p for p in src.rglob("*") if p.is_file() and p.name != "index.html"):
        if path.stat().st_size > MAX_ASSET_BYTES:
            raise TaskLoadError(path, f"asset over {MAX_ASSET_BYTES} bytes")
        files[path.relative_to(src).as_posix()] = path.read_bytes()
    linked = set(_LINKED.findall(html))
    # A CodePen export keeps the three panes apart; its preview joins them. Do the same when the
    # HTML pane does not link them itself.
    head, tail = "", ""
    if "style.css" not in linked:
        head = '<link rel="stylesheet" href="style.css">'
    if "script.js" in files and "script.js" not in linked:
        tail = '<script src="script.js"></script>'
    if head or tail:
        html = _inject(html, head, tail)
    return Page(html=html, files=files)


def _inject(html: str, head: str, tail: str) -> str:
    if head:
        match = re.search(r"</head\s*>", html, re.IGNORECASE)
        html = html[:match.start()] + head + html[match.start():] if match else head + html
    if tail:
        match = re.search(r"</body\s*>", html, re.IGNORECASE)
        html = html[:match.start()] + tail + html[match.start():] if match else html + tail
    return html


__all__ = ["LoadReport", "is_anim2code_root", "load_anim2code"]
