"""The `v2c` command line: a thin layer over the library (render, score, demo, tasks, train, eval, serve).

Each command's parser is built only when that command runs (`COMMANDS`), so `v2c --help` and each
command start without the others' imports.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Sequence


def size_argument(text: str) -> tuple[int, int]:
    """A `WxH` option (`v2c.envs.tasks.loader_base.parse_size`) with argparse's error type."""
    from v2c.envs.tasks.loader_base import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def read_page(path: str):
    """`v2c.envs.tasks.read_page`, a missing file turned into the CLI's error exit."""
    from v2c.envs.tasks.pages import read_page as read

    try:
        return read(path)
    except FileNotFoundError as error:
        raise SystemExit(f"error: {error}") from None


def cmd_render(args: argparse.Namespace) -> int:
    from v2c.render import LocalRendererPool, RenderConfig
    from v2c.video import write_video

    out = Path(args.out)  # a wrong --out or a missing page fails at once, not after a browser start and a render
    if out.suffix.lower() not in {".mp4", ".npz", ".gif", ".webm"}:
        raise SystemExit(f"error: --out must end in .mp4, .npz, .gif or .webm, got {out.name}")
    page = read_page(args.page)
    interactions = json.loads(Path(args.interactions).read_text()) if args.interactions else None
    with LocalRendererPool(size=1, config=RenderConfig(frame_format=args.frames, raster_scale=args.raster_scale)) as pool:
        result = pool.render(page, duration_s=args.duration, fps=args.fps, viewport=args.size,
                             interactions=interactions)
    if result.frames.shape[0]:
        write_video(out, result.frames, fps=args.fps, lossless=args.lossless)
    print(json.dumps({"out": str(out), **result.summary()}, indent=2))
    return 0 if result.ok else 1


def load_reference(args: argparse.Namespace):
    """REFERENCE as a `rewards.Reference`: an .html page to render, or a video file."""
    from v2c.envs.tasks.task import Task
    from v2c.rewards.scorer import Reference
    from v2c.render import Interaction
    from v2c.video import VideoError, read_video

    steps = ()
    if args.interactions:
        try:
            raw = json.loads(Path(args.interactions).read_text())
            steps = tuple(Interaction.from_dict(s) for s in (raw["steps"] if isinstance(raw, dict) else raw))
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise SystemExit(f"error: {args.interactions}: malformed interaction steps: {error}")
    path = Path(args.reference)
    if not path.exists():
        raise SystemExit(f"error: {path}: no such file")
    if path.suffix.lower() in {".html", ".htm"}:
        return Reference(page=read_page(str(path)), interactions=steps, duration_s=args.duration or 3.0, fps=args.fps,
                         viewport=args.size)
    try:
        video = read_video(path)
    except VideoError as error:
        raise SystemExit(f"error: {error}")
    # As a task's recording: its lead-in trimmed the way every recorded reference is (`Task.trim_lead_in`).
    task = Task(id=path.name, kind="interaction" if steps else "animation", video=path, interactions=steps,
                duration_s=args.duration or video.duration, fps=args.fps, viewport=video.size)
    return task.to_reference(video=task.part_of(video))


def cmd_score(args: argparse.Namespace) -> int:
    from v2c.rewards.backend import make_backend
    from v2c.rewards.breakdown import format_scores
    from v2c.rewards.config import RewardConfig

    from v2c.weights import require as require_weights

    if not Path(args.candidate).is_file():
        raise SystemExit(f"error: {args.candidate}: no such file")
    require_weights(RewardConfig.named(args.config))  # missing weights: one message, before any work
    reference = load_reference(args)
    from v2c.render import RenderConfig

    try:
        with make_backend("local", RewardConfig.named(args.config), RenderConfig(raster_scale=args.raster_scale),
                          browsers=1) as backend:
            breakdown = backend.reward_scorer().score(reference, read_page(args.candidate))
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"error: {error}")
    if args.json:
        print(json.dumps(breakdown.score_dict()))
    else:
        print(format_scores(breakdown.scores, breakdown.total, sep="  "))
        for gate in breakdown.gates:
            print(f"gate {gate.name}: {gate.reason}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from v2c.demo import run_demo

    return run_demo(Path(args.out))


def raster_scale_argument(text: str) -> float | None:
    """A `--raster-scale` value (`v2c.render.config.parse_raster_scale`), the renderer imported only when one is
    given: `v2c render --help` loads no browser code."""
    from v2c.render.config import parse_raster_scale

    return parse_raster_scale(text)


def add_render_parser(sub: argparse._SubParsersAction) -> None:
    render = sub.add_parser("render")
    render.add_argument("page", help="an .html file; files beside it are served at the same origin")
    render.add_argument("--duration", type=float, default=3.0, help="seconds of animation (default 3)")
    render.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    render.add_argument("--size", type=size_argument, default=(512, 384), help="viewport WxH (default 512x384)")
    render.add_argument("--interactions", help="a JSON file with a list of interaction steps")
    render.add_argument("--lossless", action="store_true", help="bit-exact mp4 (libx264rgb), for reference videos")
    render.add_argument("--frames", choices=("png", "jpeg"), default="png",
                        help="how Chromium hands over frames: png (lossless, default) or jpeg (faster)")
    render.add_argument("--raster-scale", type=raster_scale_argument, default=1.0,
                        help="device pixels per CSS pixel of the frames (default 1: full resolution; auto: longer "
                             "side at most 512)")
    render.add_argument("--out", required=True, help="output path ending in .mp4, .npz, .gif or .webm")
    render.set_defaults(func=cmd_render)


def add_score_parser(sub: argparse._SubParsersAction) -> None:
    score = sub.add_parser("score")
    score.add_argument("reference", help="an .html page or a video (mp4, webm, gif)")
    score.add_argument("candidate", help="an .html page")
    score.add_argument("--interactions", help="a JSON file: a list of steps (or {'steps': [...]}) replayed on both")
    score.add_argument("--duration", type=float, default=None, help="seconds compared (default 3, or the video's)")
    score.add_argument("--fps", type=float, default=10.0, help="frames per second compared (default 10)")
    score.add_argument("--size", type=size_argument, default=(512, 384), help="viewport WxH for a page reference")
    score.add_argument("--config", choices=("default", "paper"), default="default",
                       help="default: embedded weight-free scores; paper: DreamSim + CoTracker3")
    score.add_argument("--raster-scale", type=raster_scale_argument, default=None,
                       help="device pixels per CSS pixel both are rendered at (default auto: the longer side at most "
                            "512 device pixels, so 1024x768 is scored at 0.5; 1 for full resolution)")
    score.add_argument("--json", action="store_true", help="print exactly one JSON object")
    score.set_defaults(func=cmd_score)


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo")
    demo.add_argument("--out", default="runs/demo", help="folder for videos and results")
    demo.set_defaults(func=cmd_demo)


# Each command: its line in `v2c --help`, and the function ("module:name") that registers its parser on the
# subparsers. A module is imported only when one of its commands runs, so each command pays for its own imports
# alone: OpenEnv (and gradio), TRL and Ray take seconds to import.
COMMANDS: dict[str, tuple[str, str]] = {
    "render": ("render an HTML page to a video (mp4) or frames (npz)", "v2c.cli:add_render_parser"),
    "score": ("score a candidate page against a reference page or video", "v2c.cli:add_score_parser"),
    "demo": ("the main job on the built-in default tasks", "v2c.cli:add_demo_parser"),
    "tasks": ("list or render tasks of a source (built-in generators, datasets)",
              "v2c.envs.tasks.cli:add_tasks_parser"),
    "train": ("GRPO- (or with --method sft, SFT-) train a VLM on a task source (TRL; `v2c train --help` lists every "
              "GRPOConfig option)", "v2c.agents.cli:add_agent_parsers"),
    "data": ("make training data from a task source", "v2c.agents.cli:add_agent_parsers"),
    "eval": ("run agents on a task source; write results.json/.csv and report.html",
             "v2c.agents.cli:add_agent_parsers"),
    "weights": ("check or fetch the model weights of --config paper", "v2c.weights:add_weights_parser"),
    "serve": ("serve the env over OpenEnv's HTTP/WebSocket API (needs the [serve] extra)",
              "v2c.server.cli:add_serve_parser"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """`v2c`'s parser. Without `command`, every command as a bare entry: enough for `v2c --help` and to tell
    which command was asked for. With one, that command's own parser (its module imported)."""
    parser = argparse.ArgumentParser(prog="v2c", description="Video-to-code as reinforcement learning.")
    sub = parser.add_subparsers(dest="command", required=True)
    if command is None:
        for name, (line, _) in COMMANDS.items():
            sub.add_parser(name, help=line, add_help=False)  # `v2c NAME --help` is answered by NAME's own parser
    else:
        module, function = COMMANDS[command][1].split(":")
        getattr(importlib.import_module(module), function)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = build_parser()
    args, rest = build_parser(commands.parse_known_args(argv)[0].command).parse_known_args(argv)
    if getattr(args, "takes_trainer_args", False):  # `v2c train`: its own parser (TRL's) reads the rest
        args.trainer_args = rest
    elif rest:
        commands.error(f"unrecognized arguments: {' '.join(rest)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
