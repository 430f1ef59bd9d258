"""The `v2c` command line: each command imports what it uses and nothing else, so it starts at once."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from v2c.cli import COMMANDS, build_parser

# Seconds of imports each (OpenEnv brings gradio): a command that does not use them must not load them.
HEAVY = {"openenv", "gradio", "fastapi", "uvicorn", "trl", "transformers", "torch", "ray"}


def imported_by(*argv: str) -> set[str]:
    """The top-level packages a `v2c` command line has imported when it exits, run in a fresh interpreter."""
    code = ("import contextlib, io, sys\n"
            "from v2c.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            "    try:\n"
            f"        main({list(argv)!r})\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"], ["score", "--help"], ["serve", "--help"]],
                         ids=" ".join)
def test_help_imports_no_heavy_package(argv):
    assert not imported_by(*argv) & HEAVY


def test_render_and_score_runs_import_neither_the_server_nor_training(tmp_path: Path):
    # Each stops at its missing file, after importing everything its work needs (renderer, rewards).
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    render = imported_by("render", str(tmp_path / "missing.html"), "--out", str(tmp_path / "out.mp4"))
    score = imported_by("score", str(page), str(tmp_path / "missing.html"))
    assert "playwright" in render and not render & {"openenv", "gradio", "fastapi", "uvicorn", "trl", "ray"}
    assert "cv2" in score and not score & {"openenv", "gradio", "fastapi", "uvicorn", "trl", "ray"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_function_each_command_names_registers_that_command(command):
    parser = build_parser(command)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert command in commands and set(commands) <= set(COMMANDS)
