"""`PickTaskSource`: the easiest family — pick the colour and the duration of a template animation.

A tiny random policy cannot write HTML, so GRPO on code tasks gives it nothing but zeros. Here the
page is a fixed template (one square that slides across the page) with two slots: the square's
colour (a CSS colour name) and the slide's duration in seconds. The model answers with a few words,
e.g. `teal 1.5`; `page_from_answer` fills the template and the answer is rendered and scored by the
same `RewardScorer` as any page, so the reward keeps its meaning (appearance: colour; temporal:
duration). An answer without a colour has no page (reward 0, like code that does not parse); a
colour without a duration slides in `DEFAULT_DURATION` seconds.

Task `i` of seed `s` is always the same. Tasks carry `metadata["answer_format"] = "pick"`, which
`v2c.envs.tasks.answers` uses to turn an answer into a page and to tell the model what to answer.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from v2c.render import Page

from .source import GeneratedSource
from .task import Task

COLOURS: tuple[str, ...] = ("red", "blue", "green", "orange", "purple", "teal")
"""CSS colour names the answer picks from: far apart in CIELAB, each one BPE token in the tiny tokenizer."""
DURATIONS: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
"""Slide durations in seconds."""
DEFAULT_DURATION = 1.0
"""Used when an answer names a colour but no usable duration."""
ANSWER_FORMAT = "pick"

_COLOUR_RE = re.compile(r"(?<![a-z])(" + "|".join(COLOURS) + r")(?![a-z])", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class PickConfig:
    """What `PickTaskSource` generates.

    Recording:
        viewport, fps, duration_s
    Content:
        colours, durations
    """

    viewport: tuple[int, int] = (256, 192)
    """Page size in CSS pixels (small: these tasks exist to be cheap)."""
    fps: float = 10.0
    """Frames per second of the reference and of candidate renders."""
    duration_s: float = 2.5
    """Seconds recorded: the longest slide plus a hold, so the end state is seen."""
    colours: tuple[str, ...] = COLOURS
    """Colours drawn from."""
    durations: tuple[float, ...] = DURATIONS
    """Durations drawn from."""

    def __post_init__(self) -> None:
        if not set(self.colours) <= set(COLOURS) or not self.colours:
            raise ValueError(f"colours must be among {', '.join(COLOURS)}")
        if not self.durations or min(self.durations) <= 0 or max(self.durations) >= self.duration_s:
            raise ValueError("durations must be positive and shorter than duration_s")


def template_page(colour: str | None, duration_s: float, viewport: tuple[int, int] = (256, 192)) -> Page:
    """The template filled in; `colour=None` leaves the page empty (nothing was picked)."""
    width, height = viewport
    size = height // 3
    travel = width - size - 2 * (size // 4)
    box = "" if colour is None else (
        f"<div id='box' style='position:absolute;left:{size // 4}px;top:{(height - size) // 2}px;width:{size}px;"
        f"height:{size}px;background:{colour};border-radius:6px;animation:slide {duration_s:g}s ease-in-out both'>"
        "</div>")
    return Page(html=("<!doctype html><html><head><style>html,body{margin:0;height:100%;background:#f4f4f0}"
                      f"@keyframes slide{{from{{transform:translateX(0)}}to{{transform:translateX({travel}px)}}}}"
                      f"</style></head><body>{box}</body></html>"))


def parse_answer(text: str, durations: tuple[float, ...] = DURATIONS) -> tuple[str | None, float]:
    """(colour, duration) named in an answer: the first colour word; the first number, snapped to the nearest
    allowed duration (`DEFAULT_DURATION` when there is none)."""
    colour = _COLOUR_RE.search(text or "")
    number = _NUMBER_RE.search(text or "")
    duration = DEFAULT_DURATION
    if number is not None:
        value = float(number.group(1))
        duration = min(durations, key=lambda d: abs(d - value))
    return (colour.group(1).lower() if colour else None), duration


def page_from_answer(text: str, task: Task) -> Page | None:
    """The page an answer stands for on `task` (its viewport); None when it names no colour."""
    colour, duration = parse_answer(text)
    return None if colour is None else template_page(colour, duration, task.viewport)


def instructions(task: Task) -> str:
    """What the model is asked to answer for a pick task."""
    return ("The video shows a square sliding across the page. Answer with its colour and how many seconds the slide "
            f"takes, nothing else, e.g. `teal 1.5`. Colours: {', '.join(COLOURS)}. "
            f"Durations: {', '.join(f'{d:g}' for d in DURATIONS)}.")


class PickTaskSource(GeneratedSource):
    """Pick tasks: `PickTaskSource(seed)[i]` is always the same (colour, duration)."""

    namespace = "pick"
    name = "template:pick"

    def __init__(self, seed: int = 0, config: PickConfig | None = None) -> None:
        super().__init__(seed)
        self.config = config or PickConfig()

    def make(self, index: int, rng: random.Random) -> Task:
        cfg = self.config
        colour, duration = rng.choice(cfg.colours), rng.choice(cfg.durations)
        page = template_page(colour, duration, cfg.viewport)
        return Task(id=f"pick-{self.seed}-{index}", kind="animation", page=page,
                    duration_s=cfg.duration_s, fps=cfg.fps, viewport=cfg.viewport, difficulty=1, source=self.name,
                    metadata={"family": "pick", "answer_format": ANSWER_FORMAT, "answer": f"{colour} {duration:g}",
                              "colour": colour, "duration_s": duration, "seed": self.seed, "index": index})
