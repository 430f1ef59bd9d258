"""`v2c tasks list|render SOURCE`: look at any task source from the shell.

    v2c tasks list builtin:animations --limit 20       ids, kind, duration, difficulty (--json for rows)
    v2c tasks render builtin:interactions --limit 3 --out runs/refs   reference mp4 + png thumbnail per task

Imports stay inside the commands so `v2c --help` does not load the renderer. A dataset's skipped
items are logged once, as a summary, by the loader.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def add_tasks_parser(sub: Any) -> None:
    """Register `tasks` and its subcommands on the `v2c` parser's subparsers."""
    tasks = sub.add_parser("tasks", help="list or render tasks of a source (built-in generators, datasets)")
    commands = tasks.add_subparsers(dest="tasks_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("source", help="builtin:animations|interactions|animatecss[?seed=N], template:pick, "
                                       "or a dataset path")
    common.add_argument("--limit", type=int, default=None,
                        help="at most this many tasks (default: all of a dataset, 20 of a generator)")

    listing = commands.add_parser("list", parents=[common], help="one line per task: id, kind, duration, difficulty")
    listing.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    listing.set_defaults(func=cmd_list)

    render = commands.add_parser("render", parents=[common], help="render reference videos (mp4) and thumbnails (png)")
    render.add_argument("--out", required=True, help="folder for <id>.mp4 and <id>.png")
    render.add_argument("--no-cache", action="store_true", help="render even when the reference cache has the frames")
    render.set_defaults(func=cmd_render)


def _tasks(args: argparse.Namespace) -> list[Any]:
    from .specs import load_tasks, take_tasks
    from .loader_base import TaskLoadError

    if args.limit is not None and args.limit < 0:
        raise SystemExit("error: --limit must be non-negative")
    try:
        source = load_tasks(args.source)
    except (TaskLoadError, ValueError) as error:
        raise SystemExit(f"error: {error}")
    return take_tasks(source, args.limit if args.limit is not None else (None if source.bounded else 20))


def cmd_list(args: argparse.Namespace) -> int:
    tasks = _tasks(args)
    if args.json:
        for task in tasks:
            print(json.dumps({**task.summary(), "metadata": task.metadata}, default=str))
    else:
        print(f"{'id':<28}{'kind':<13}{'duration':>9}{'difficulty':>11}  {'steps':>5}  detail")
        for task in tasks:
            detail = task.metadata.get("family") or task.metadata.get("animation") or task.metadata.get("title") or ""
            print(f"{task.id:<28}{task.kind:<13}{task.duration_s:>8.2f}s{task.difficulty:>11}  "
                  f"{len(task.interactions):>5}  {detail}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from PIL import Image
    from tqdm import tqdm

    from v2c.video import write_video

    from .cache import ReferenceRenderError, render_reference

    tasks = _tasks(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[int, dict[str, Any]] = {}
    failures = 0
    # As many threads as the default pool has browsers (it starts on the first cache miss only);
    # render() is safe to call from threads.
    with ThreadPoolExecutor(max_workers=max(1, min(3, os.cpu_count() or 1))) as executor:
        futures = {executor.submit(render_reference, task, None, None, not args.no_cache): i
                   for i, task in enumerate(tasks)}
        for future in tqdm(as_completed(futures), total=len(futures), desc="rendering references", unit="task",
                           file=sys.stderr):
            task = tasks[futures[future]]
            try:
                video = future.result()
            except (ReferenceRenderError, ValueError) as error:  # VideoError is a ValueError
                failures += 1
                tqdm.write(f"error: {error}", file=sys.stderr)
                continue
            mp4 = write_video(out / f"{task.id}.mp4", video.frames, video.fps)
            png = out / f"{task.id}.png"
            Image.fromarray(video.frames[len(video) // 2]).save(png)
            rows[futures[future]] = {**task.summary(), "mp4": str(mp4), "png": str(png), "frames": len(video)}
    (out / "tasks.json").write_text(json.dumps([rows[i] for i in sorted(rows)], indent=2))
    print(f"rendered {len(rows)} of {len(tasks)} task(s) into {out}/ (tasks.json lists them)")
    return 1 if failures else 0
