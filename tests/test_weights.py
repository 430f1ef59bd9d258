"""`v2c weights check` against a weight cache built in the real layout, and `v2c score --config paper` without it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from v2c.rewards.appearance import dreamsim_missing_files
from v2c.rewards.temporal import CoTrackerTracker

V2C = [sys.executable, "-m", "v2c.cli"]


def fill_cache(cache: Path, variant: str = "ensemble") -> list[str]:
    """Every file DreamSim `variant` and CoTracker3 load, as (empty) files in their libraries' layout."""
    needed = dreamsim_missing_files(cache, variant) + list(CoTrackerTracker.FILES)
    for rel in needed:
        path = cache / rel
        if rel.endswith("/"):  # a LoRA adapter folder, recognised by its config
            path.mkdir(parents=True, exist_ok=True)
            (path / "adapter_config.json").write_text("{}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    return needed


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "HF_HUB_OFFLINE": ""}  # offline because nothing is reachable, not told
    return subprocess.run([*V2C, *args], capture_output=True, text=True, env=env, timeout=120)


def test_check_reports_a_complete_cache_and_names_what_a_partial_one_lacks(tmp_path):
    cache = tmp_path / "models"
    needed = fill_cache(cache)
    complete = cli("weights", "check", "paper", "--cache-dir", str(cache), home=tmp_path)
    assert complete.returncode == 0, complete.stdout + complete.stderr
    assert "DreamSim (ensemble): ok" in complete.stdout and "CoTracker3 (offline model): ok" in complete.stdout
    (cache / "checkpoints" / "scaled_offline.pth").unlink()
    partial = cli("weights", "check", "paper", "--cache-dir", str(cache), home=tmp_path)
    assert partial.returncode == 1 and "missing checkpoints/scaled_offline.pth" in partial.stdout
    assert "DreamSim (ensemble): ok" in partial.stdout and "v2c weights download paper" in partial.stdout
    other = cli("weights", "check", "--cache-dir", str(cache), "--dreamsim-variant", "clip_vitb32", home=tmp_path)
    assert other.returncode == 1 and "clip_vitb32_pretrain.pth.tar" in other.stdout
    assert "checkpoints/scaled_offline.pth" in needed
    default = cli("weights", "check", "default", home=tmp_path)
    assert default.returncode == 0 and "no model weights needed" in default.stdout


def test_score_with_the_paper_config_and_no_weights_stops_with_one_message(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    result = cli("score", str(page), str(page), "--config", "paper", home=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    message = result.stderr
    cache = str(tmp_path / ".cache" / "v2c" / "models")
    assert "DreamSim (ensemble)" in message and "CoTracker3" in message and cache in message
    assert "checkpoints/scaled_offline.pth" in message and "`v2c weights download paper`" in message
    assert len(message.splitlines()) == 4  # one message: a header, one line per model, the command
