"""Every benchmark runs at its smallest budget and prints its figures (the timings themselves are the
benchmarks' job, run on a quiet machine; here only that they run and report, as CleanRL smoke-tests its scripts)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE = {
    "score.py": (["--setting", "small", "--repeats", "1"], "cached"),
    "reward_validity.py": (["--quick"], "| variant |"),
    "env.py": (["--steps", "1"], "vs 1 env"),
    "render.py": (["--quick", "--soak", "0", "--repeats", "1", "--formats", "png"], "speed-up"),
    # the SFT section's pieces are tested in tests/test_sft.py; its run takes minutes
    "learning.py": (["--steps", "1", "--video-steps", "1", "--window", "1", "--min-gain", "-1", "--sft-steps", "0"],
                    "colour"),
}


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs_at_its_smallest_budget(script: str, tmp_path: Path) -> None:
    args, expected = SMOKE[script]
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                            text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert expected in result.stdout, result.stdout[-2000:]
