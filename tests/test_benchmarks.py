"""Every benchmark runs at its smallest budget and prints its figures (the timings themselves are the
benchmarks' job, run on a quiet machine; here only that they run and report, as CleanRL smoke-tests its scripts)."""
from __future__ import annotations

import json
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


def test_recorded_fidelity_scores_pages_against_their_real_time_recordings(tmp_path: Path) -> None:
    """benchmarks/recorded_fidelity.py on a CSS page and a web-component page: both are recorded in real
    time, scored with every variant, tabled, and written as Animation2Code samples."""
    out = tmp_path / "out"
    pages = ("sk-pulse", "ldrs-ring")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "recorded_fidelity.py"), "--pages",
                             ",".join(pages), "--out", str(out)], capture_output=True, text=True, timeout=900,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "| page | library | class |" in result.stdout and "oracle: min" in result.stdout, result.stdout[-2000:]
    results = json.loads((out / "results.json").read_text())
    for page in pages:
        scores = results["pages"][page]["scores"]
        assert set(scores) == {"oracle", "timing_x1.15", "timing_x1.6", "timing_x2.5", "recolour", "frozen", "blank"}
        assert all(isinstance(s["total"], float) and 0.0 <= s["total"] <= 1.0 for s in scores.values()), scores
        assert (out / "a2c" / f"codepen-{page}" / "animation.mp4").is_file()
    assert (out / "a2c" / "_record_manifest.json").is_file()


def test_recorded_pages_stretch_gif_delays_and_smil_clocks() -> None:
    import io

    from PIL import Image

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from recorded_pages import scale_gif_delays, scale_smil

    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=[80, 0, 120], loop=0)
    stretched = Image.open(io.BytesIO(scale_gif_delays(buffer.getvalue(), 2.5)))
    delays = []
    for i in range(stretched.n_frames):
        stretched.seek(i)
        delays.append(stretched.info["duration"])
    assert delays == [200, 250, 300]  # a 0 cs delay plays as 10 cs, so it is stretched from there
    svg = '<animate dur="1.8s" begin="-0.9s; a.end+200ms" values="1; 20" repeatCount="indefinite"/>'
    assert scale_smil(svg, 2) == ('<animate dur="3.6s" begin="-1.8s; a.end+400ms" values="1; 20"'
                                  ' repeatCount="indefinite"/>')
