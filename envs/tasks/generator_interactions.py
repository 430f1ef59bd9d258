"""`InteractionTaskSource`: seeded, unbounded interactive pages with a user's script.

Each task is a widget from `widgets.FAMILIES` (counter, to-do list, tabs, select, modal,
accordion, form validation, carousel) in a random theme, with the user's steps spaced out in
time. The reference page uses one implementation of the behaviour (imperative DOM or state +
render) and the oracle the other, so the functional score is tested on code that differs but
behaves the same.

Difficulty: 1 — one control, two or three steps; 2 — more controls, keyboard and hover steps,
CSS animations on change; 3 — the widget's full feature set and the longest scripts.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

from v2c.render import Interaction, Page

from .palette import text_colour_for
from .source import GeneratedSource
from .task import Task
from .ui_families import FAMILIES, STYLES, Widget

_ACCENTS = ((37, 99, 235), (220, 38, 38), (5, 150, 105), (124, 58, 237), (234, 88, 12), (8, 145, 178), (219, 39, 119))
_PAGES = ((248, 248, 246), (240, 244, 248), (250, 245, 240), (30, 33, 40))
_FONTS = ('"DejaVu Sans", sans-serif', '"Liberation Sans", sans-serif', '"DejaVu Serif", serif',
          '"Liberation Serif", serif')


@dataclass(frozen=True)
class InteractionConfig:
    """What `InteractionTaskSource` generates.

    Recording:
        viewport, fps, lead_s, step_gap_s, tail_s, max_duration_s
    Content:
        families, difficulties
    """

    viewport: tuple[int, int] = (512, 384)
    """Page size in CSS pixels (widgets are laid out for ≥ 480 × 360)."""
    fps: float = 10.0
    """Frames per second of the reference and of candidate renders."""
    lead_s: float = 0.5
    """Time before the first step, so the untouched page is seen."""
    step_gap_s: tuple[float, float] = (0.5, 0.8)
    """Range the time between two steps is drawn from."""
    tail_s: float = 0.7
    """Time after the last step, for its effect and any transition to show."""
    max_duration_s: float = 5.0
    """Gaps shrink (down to 0.3 s) so long scripts fit in this."""
    families: tuple[str, ...] = tuple(FAMILIES)
    """Widget families drawn from, uniformly."""
    difficulties: tuple[int, ...] = (1, 2, 3)
    """Difficulty levels drawn from, uniformly."""

    def __post_init__(self) -> None:
        unknown = set(self.families) - set(FAMILIES)
        if unknown or not self.families:
            raise ValueError(f"unknown widget families {sorted(unknown)}; expected some of {', '.join(FAMILIES)}")
        if not self.difficulties or not set(self.difficulties) <= {1, 2, 3}:
            raise ValueError(f"difficulties must be among 1, 2, 3, got {self.difficulties}")
        if not (0 < self.step_gap_s[0] <= self.step_gap_s[1]) or self.fps <= 0:
            raise ValueError("need 0 < step_gap_s[0] <= step_gap_s[1] and fps > 0")


class InteractionTaskSource(GeneratedSource):
    """Procedural interactive tasks: `InteractionTaskSource(seed)[i]` is always the same task."""

    namespace = "interactions"
    name = "builtin:interactions"

    def __init__(self, seed: int = 0, config: InteractionConfig | None = None) -> None:
        super().__init__(seed)
        self.config = config or InteractionConfig()

    def make(self, index: int, rng: random.Random) -> Task:
        cfg = self.config
        family = rng.choice(cfg.families)
        difficulty = rng.choice(cfg.difficulties)
        widget = FAMILIES[family](rng, difficulty)
        theme = _theme(rng)
        style = rng.choice(STYLES)
        cheat_style = next(s for s in STYLES if s != style)
        steps = self._timed(widget, rng)
        duration = steps[-1].t + cfg.tail_s
        return Task(
            id=f"ui-{self.seed}-{index}", kind="interaction", page=widget_page(widget, theme, style),
            oracle=widget_page(widget, theme, cheat_style), duration_s=round(duration, 3), fps=cfg.fps,
            viewport=cfg.viewport, interactions=tuple(steps), difficulty=difficulty, source=self.name,
            metadata={"family": family, "technique": style, "cheat_technique": cheat_style,
                      "actions": sorted({s.action for s in steps}), "seed": self.seed, "index": index,
                      **widget.summary},
        )

    def _timed(self, widget: Widget, rng: random.Random) -> list[Interaction]:
        cfg = self.config
        count = len(widget.steps)
        room = cfg.max_duration_s - cfg.lead_s - cfg.tail_s
        widest = room / max(1, count - 1)
        t, out = cfg.lead_s, []
        for step in widget.steps:
            out.append(Interaction(action=step["action"], t=round(t, 2), target=step.get("target"),
                                   value=step.get("value")))
            t += max(0.3, min(widest, rng.uniform(*cfg.step_gap_s)))
        return out


def _theme(rng: random.Random) -> dict[str, str]:
    page = rng.choice(_PAGES)
    dark = page[0] < 100
    surface = (44, 48, 58) if dark else (255, 255, 255)
    accent = rng.choice(_ACCENTS)
    return {
        "--accent": _rgb(accent), "--page": _rgb(page), "--surface": _rgb(surface),
        "--text": _rgb(text_colour_for(page)), "--radius": f"{rng.choice((4, 8, 12))}px", "--font": rng.choice(_FONTS),
    }


def _rgb(colour: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*colour)


# Controls share one look in every widget; colours and fonts come from the theme's variables.
_BASE_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:18px 22px;font:15px/1.4 var(--font);color:var(--text);background:var(--page)}
h1{font-size:20px;margin:0 0 10px}
.card{background:var(--surface);border-radius:var(--radius);padding:14px 16px;box-shadow:0 1px 4px rgba(0,0,0,.18);max-width:440px}
.row{display:flex;gap:8px;align-items:center}
button{font:inherit;padding:6px 14px;border:0;border-radius:var(--radius);background:var(--accent);color:#fff;cursor:pointer}
button.ghost{background:transparent;color:var(--accent);box-shadow:inset 0 0 0 1px var(--accent)}
input,select{font:inherit;padding:5px 8px;border:1px solid #aaa;border-radius:var(--radius);background:#fff;color:#222}
"""


def widget_page(widget: Widget, theme: dict[str, str], style: str) -> Page:
    """The widget as a standalone page, behaviour written in `style` (`dom` or `state`)."""
    variables = ";".join(f"{k}:{v}" for k, v in theme.items())
    script = f"const DATA = {json.dumps(widget.data)};\n{widget.scripts[style]}"
    html = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{widget.family}</title><style>\n"
            f":root{{{variables}}}{_BASE_CSS}{widget.css}</style></head>\n<body>\n{widget.markup}\n"
            f"<script>\n{script}</script>\n</body></html>\n")
    return Page(html=html)
