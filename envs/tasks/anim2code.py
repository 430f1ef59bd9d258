"""Load an Animation2Code folder (arXiv 2606.28593): CodePen animations with their recordings.

Layout (one folder per sample, as published on the Hugging Face hub as `anim2code/dataset`)::

    ROOT/
      _record_manifest.json        {"results": [{"folder", "status", "animationType": "css"|"js", "durationS"}]}
      codepen-<user>-<pen>/
        metadata.json              {"title", "url", ...}
        src/index.html
        src/style.css              (optional: pens animated by script alone have none)
        src/script.js              (optional)
        animation.mp4              (the recording; optional here)

Online users fetch it once with `download_anim2code()` (`huggingface_hub.snapshot_download` of
`anim2code/dataset` into the hub cache, or `local_dir=`), then `load_tasks(path)`; offline
(`HF_HUB_OFFLINE=1`) the same call finds the cached snapshot or says how to fetch it. Nothing else
here downloads.

Each sample becomes an `animation` task. The reference is `animation.mp4` when present, else the
rendered source; the source page (with `style.css`, `script.js` and any other file of `src/`
served beside `index.html`, so relative links work) is the oracle. Defaults follow the paper:
30 fps; the viewport is the recording's frame size (the page must be laid out at the size it was
recorded at, or the candidate is compared with another layout), 1024×768 without a recording;
both can be overridden. The duration is the manifest's `durationS`, else the
recording's, else `default_duration_s`.

A sample is skipped (and reported) when: the manifest marks it failed (`FAILED_STATUSES`);
`metadata.json` is malformed; it has neither a recording nor `src/index.html`; the recording is
corrupt. A status the loader does not know is loaded and noted in the report, so a new status in a
later release is seen rather than silently dropped. A malformed manifest is reported and ignored.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from v2c.render import Page

from .loader_base import (
    LoadedSource, LoadReport, TaskLoadError, load_items, parse_viewport, positive, probe_video, read_json, read_text,
)
from .task import Task

MANIFEST = "_record_manifest.json"
OK_STATUSES = frozenset({"ok", "success", "succeeded", "done", "recorded", "complete", "completed"})
"""Manifest statuses of a usable recording."""
FAILED_STATUSES = frozenset({"failed", "failure", "error", "errored", "timeout", "timed_out", "crashed", "skipped",
                             "invalid"})
"""Manifest statuses that skip the sample (with `skip_failed`); any other status loads it, with a note."""
HUB_DATASET = "anim2code/dataset"
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
    for folder in folders:
        status = manifest.get(folder.name, {}).get("status")
        if status is not None and str(status).lower() not in OK_STATUSES | FAILED_STATUSES:
            manifest_notes.append(f"{folder}: unknown manifest status {status!r} (loaded as usable)")
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
    if skip_failed and status is not None and str(status).lower() in FAILED_STATUSES:
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
    files: dict[str, bytes] = {}
    for path in sorted(p for p in src.rglob("*") if p.is_file() and p.name != "index.html"):
        if path.stat().st_size > MAX_ASSET_BYTES:
            raise TaskLoadError(path, f"asset over {MAX_ASSET_BYTES} bytes")
        files[path.relative_to(src).as_posix()] = path.read_bytes()
    linked = set(_LINKED.findall(html))
    # A CodePen export keeps the three panes apart; its preview joins them. Do the same when the
    # HTML pane does not link them itself.
    head, tail = "", ""
    if "style.css" in files and "style.css" not in linked:
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


def download_anim2code(local_dir: str | Path | None = None, revision: str | None = None,
                       cache_dir: str | Path | None = None) -> Path:
    """The published dataset's folder, fetched once with `huggingface_hub.snapshot_download` (needs network
    and the `huggingface_hub` package, which `[train]` brings). Offline (`HF_HUB_OFFLINE=1`) it returns the
    cached snapshot, or raises a `TaskLoadError` that says how to fetch it."""
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        raise ImportError("downloading the dataset needs huggingface_hub: pip install 'v2c-gym[train]'") from None
    try:
        path = snapshot_download(HUB_DATASET, repo_type="dataset", revision=revision, local_dir=local_dir,
                                 cache_dir=cache_dir)
    except LocalEntryNotFoundError:
        raise TaskLoadError(Path(cache_dir or "the Hugging Face cache"),
                            f"no snapshot of {HUB_DATASET} and no network (HF_HUB_OFFLINE?): run "
                            f"`hf download {HUB_DATASET} --repo-type dataset` where the hub is reachable, or "
                            "copy a downloaded folder here and load it by path") from None
    return Path(path)


__all__ = ["LoadReport", "download_anim2code", "is_anim2code_root", "load_anim2code"]
