"""`make demo`: the main job on the built-in default content, small enough for a laptop CPU.

Renders every built-in example page, writes its video, checks that a second render is
byte-identical, and prints a table; the last line says where the outputs are.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from envs.examples import TECHNIQUES
from v2c.render import LocalRendererPool
from v2c.video import write_video

DURATION_S = 2.5
FPS = 10
VIEWPORT = (512, 384)


def run_demo(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with LocalRendererPool() as pool:
        futures = {name: pool.submit(html, DURATION_S, FPS, VIEWPORT) for name, html in TECHNIQUES.items()}
        repeats = {name: pool.submit(html, DURATION_S, FPS, VIEWPORT) for name, html in TECHNIQUES.items()}
        for name, future in futures.items():
            result = future.result()
            video = write_video(out / f"{name}.mp4", result.frames, FPS)
            rows.append({
                "page": name,
                "status": result.status.value,
                "frames": int(result.frames.shape[0]),
                "ms_per_frame": round(1000 * result.timings.get("frames", 0.0) / max(1, result.frames.shape[0]), 1),
                "identical_rerun": bool(np.array_equal(result.frames, repeats[name].result().frames)),
                "video": str(video),
            })
    (out / "results.json").write_text(json.dumps(rows, indent=2))
    print(f"{'page':<22}{'status':<9}{'frames':>7}{'ms/frame':>10}  identical")
    for row in rows:
        print(f"{row['page']:<22}{row['status']:<9}{row['frames']:>7}{row['ms_per_frame']:>10}  {row['identical_rerun']}")
    print(f"videos and results.json are in {out}/")
    return 0 if all(r["status"] == "ok" and r["identical_rerun"] for r in rows) else 1
