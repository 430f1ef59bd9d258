"""Check the import layers of `pyproject.toml` ([tool.importlinter]) with import-linter's `lint-imports`.

import-linter finds a package's modules by walking its folder, and `v2c.envs`, `v2c.agents` and
`v2c.rewards` live in top-level folders mapped in by setuptools (`[tool.setuptools.package-dir]`),
not under `v2c/`. So the check runs on the package laid out as it installs: a temporary copy of each
mapped folder at its dotted place, first on the path.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc")


def installed_layout(into: Path) -> None:
    """Copy every package folder of the setuptools mapping to where its dotted name puts it."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package, folder in sorted(mapping.items()):  # parents before children
        shutil.copytree(ROOT / folder, into.joinpath(*package.split(".")), ignore=SKIP, dirs_exist_ok=True)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="v2c-layers-") as tmp:
        installed_layout(Path(tmp))
        env = {**os.environ, "PYTHONPATH": tmp + os.pathsep + os.environ.get("PYTHONPATH", "")}
        lint = Path(sys.executable).with_name("lint-imports")
        return subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
