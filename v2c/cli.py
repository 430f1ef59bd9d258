"""The `v2c` command line: a thin layer over the library (render, score, demo)."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Sequence


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 512x384, got {text!r}") from None
    return width, height


_RELATIVE_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"':?#]+)["']""", re.IGNORECASE)


def read_page(path: str):
    """An .html file as a Page, with the local files it references (style.css, script.js, ...) served beside it."""
    from v2c.render import Page

    file = Path(path)
    if not file.is_file():
        raise SystemExit(f"error: {path}: no such file")
    html = file.read_text(encoding="utf-8", errors="replace")
    root = file.parent.resolve()
    files = {}
    for ref in _RELATIVE_REF.findall(html):
        target = (root / ref).resolve()
        if target.is_file() and root in target.parents:
            files[str(target.relative_to(root))] = target.read_bytes()
    return Page(html=html, files=files)


def cmd_render(args: argparse.Namespace) -> int:
    from v2c.render import render
    from v2c.video import write_video

    interactions = json.loads(Path(args.interactions).read_text()) if args.interactions else None
    result = render(read_page(args.page), duration_s=args.duration, fps=args.fps, viewport=args.size,
                    interactions=interactions)
    out = Path(args.out)
    if out.suffix.lower() not in {".mp4", ".npz", ".gif", ".webm"}:
        raise SystemExit(f"error: --out must end in .mp4, .npz, .gif or .webm, got {out.name}")
    if result.frames.shape[0]:
        write_video(out, result.frames, fps=args.fps, lossless=args.lossless)
    print(json.dumps({"out": str(out), **result.summary()}, indent=2))
    return 0 if result.ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from v2c.demo import run_demo

    return run_demo(Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="v2c", description="Video-to-code as reinforcement learning.")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render an HTML page to a video (mp4) or frames (npz)")
    render.add_argument("page", help="an .html file; files beside it are served at the same origin")
    render.add_argument("--duration", type=float, default=3.0, help="seconds of animation (default 3)")
    render.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    render.add_argument("--size", type=parse_size, default=(512, 384), help="viewport WxH (default 512x384)")
    render.add_argument("--interactions", help="a JSON file with a list of interaction steps")
    render.add_argument("--lossless", action="store_true", help="bit-exact mp4 (libx264rgb), for reference videos")
    render.add_argument("--out", required=True, help="output path ending in .mp4, .npz, .gif or .webm")
    render.set_defaults(func=cmd_render)

    demo = sub.add_parser("demo", help="the main job on the built-in default tasks")
    demo.add_argument("--out", default="runs/demo", help="folder for videos and results")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
