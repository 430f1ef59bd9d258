"""Scripted baselines: the floor and ceiling any learned policy is compared with.

- `OracleAgent`: the task's `cheat()` page, its files inlined (`cheat_html()`; the ceiling: ≈ 1 on every
  built-in task);
- `BlankAgent`: an empty page (the floor: gated to 0);
- `FirstFrameAgent`: a static page showing the first observed frame (Animation2Code's
  "static output" failure, scored by appearance alone);
- `RandomAnimationAgent`: a box with random animation parameters (a seeded random policy).
Each submits one page, then finishes.
"""
from __future__ import annotations

import base64
import random
from typing import Any

import cv2
import numpy as np

BLANK_PAGE = "<!doctype html><html><body></body></html>"


class _OneShot:
    """Submit one page, then `finish`."""

    name = "one-shot"

    def __init__(self) -> None:
        self.submitted = False

    def reset(self) -> None:
        self.submitted = False

    def act(self, observation: dict[str, Any], task: Any | None = None) -> str:
        if self.submitted:
            return "finish"
        self.submitted = True
        return self.page(observation, task)

    def page(self, observation: dict[str, Any], task: Any | None) -> str:
        raise NotImplementedError


class OracleAgent(_OneShot):
    name = "oracle"

    def page(self, observation: dict[str, Any], task: Any | None) -> str:
        if task is None:
            raise ValueError("the oracle needs the task (it submits task.cheat_html())")
        return task.cheat_html()


class BlankAgent(_OneShot):
    name = "blank"

    def page(self, observation: dict[str, Any], task: Any | None) -> str:
        return BLANK_PAGE


class FirstFrameAgent(_OneShot):
    """Shows the first observed frame as a full-viewport image: right look, no motion."""

    name = "first-frame"

    def page(self, observation: dict[str, Any], task: Any | None) -> str:
        frame = np.asarray(observation["video"][0])
        ok, png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        data = base64.b64encode(png.tobytes()).decode("ascii") if ok else ""
        return ("<!doctype html><html><body style='margin:0'><img style='width:100vw;height:100vh;display:block' "
                f"src='data:image/png;base64,{data}'></body></html>")


class RandomAnimationAgent(_OneShot):
    """A box with random colour, path, duration and easing: a seeded random policy."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.rng = random.Random(seed)

    def page(self, observation: dict[str, Any], task: Any | None) -> str:
        r = self.rng
        colour = f"rgb({r.randrange(256)},{r.randrange(256)},{r.randrange(256)})"
        x, y = r.randrange(0, 300), r.randrange(0, 250)
        easing = r.choice(["linear", "ease", "ease-in", "ease-out", "ease-in-out"])
        return ("<!doctype html><html><body style='margin:0'><style>@keyframes m{to{transform:"
                f"translate({x}px,{y}px) rotate({r.randrange(0, 360)}deg)}}}}</style><div style='position:absolute;"
                f"left:40px;top:40px;width:{r.randrange(20, 120)}px;height:{r.randrange(20, 120)}px;background:{colour};"
                f"animation:m {r.uniform(0.5, 3):.2f}s {easing} infinite alternate'></div></body></html>")


BASELINES = {cls.name: cls for cls in (OracleAgent, BlankAgent, FirstFrameAgent, RandomAnimationAgent)}


def make_baseline(name: str) -> Any:
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; expected one of {', '.join(BASELINES)}")
    return BASELINES[name]()
