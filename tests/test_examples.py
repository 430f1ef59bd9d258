"""The scripts in examples/ run as a user runs them (a subprocess, tiny budget), CleanRL-style."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_users_own_grpo_script_trains_with_our_rewards_and_dataset(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "grpo_minimal.py"), "--output_dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    means = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert set(means) == {f"rewards/{name}/mean" for name in ("v2c", "appearance", "temporal", "format")}
