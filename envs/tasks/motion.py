"""The motion model of generated animations: a scene of elements, each with property tracks.

One `Scene` is compiled to HTML by several techniques (`techniques.py`), so the same motion can be
written as CSS keyframes, transitions, the Web Animations API, rAF JavaScript or a canvas. Every
technique follows the Web Animations timing model, which CSS animations are defined by:

* a track runs `iterations` times (0 = forever) for `duration_s` each, after `delay_s`, filling
  both ways (the first keyframe shows during the delay, the last one after the end);
* `direction` reverses every (`reverse`) or every other (`alternate`) iteration;
* each keyframe carries the easing of the segment that *starts* at it (CSS's per-keyframe
  `animation-timing-function`), applied to the segment in keyframe order even when the
  iteration plays backwards.

Values are tuples of numbers: (x, y) px for `translate`, degrees for `rotate`, a factor for
`scale`, 0–1 for `opacity`, (r, g, b) for `background` and `color`, (w, h) px for `size`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

RGB = tuple[int, int, int]

PROPERTY_ARITY: dict[str, int] = {
    "translate": 2, "rotate": 1, "scale": 1, "opacity": 1, "background": 3, "color": 3, "size": 2,
}
"""Animatable properties and the length of their values."""

NAMED_EASINGS: dict[str, tuple[float, float, float, float]] = {
    "linear": (0.0, 0.0, 1.0, 1.0),
    "ease": (0.25, 0.1, 0.25, 1.0),
    "ease-in": (0.42, 0.0, 1.0, 1.0),
    "ease-out": (0.0, 0.0, 0.58, 1.0),
    "ease-in-out": (0.42, 0.0, 0.58, 1.0),
}
"""CSS's named easings as cubic Béziers (CSS Easing Functions Level 1)."""

DIRECTIONS = ("normal", "reverse", "alternate", "alternate-reverse")
SHAPES = ("rect", "circle", "text")


@dataclass(frozen=True)
class Keyframe:
    """A value at an offset of the iteration."""

    offset: float
    """0 … 1 within one iteration."""
    value: tuple[float, ...]
    """The property's value (see the module docstring for units)."""
    easing: str = "linear"
    """Easing of the segment from this keyframe to the next: a CSS name, `cubic-bezier(a,b,c,d)` or `steps(n, end)`."""


@dataclass(frozen=True)
class Track:
    """One property of one element animated through keyframes."""

    prop: str
    """One of `PROPERTY_ARITY`."""
    keyframes: tuple[Keyframe, ...]
    """At least two, offsets strictly increasing from 0 to 1."""
    duration_s: float
    """Seconds per iteration."""
    delay_s: float = 0.0
    """Seconds before the first iteration starts."""
    iterations: int = 1
    """How many times it plays; 0 means forever."""
    direction: str = "normal"
    """normal, reverse, alternate or alternate-reverse."""

    def __post_init__(self) -> None:
        if self.prop not in PROPERTY_ARITY:
            raise ValueError(f"unknown property {self.prop!r}")
        offsets = [k.offset for k in self.keyframes]
        if len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != 1 or any(b <= a for a, b in zip(offsets, offsets[1:])):
            raise ValueError(f"{self.prop}: keyframe offsets must rise strictly from 0 to 1, got {offsets}")
        if any(len(k.value) != PROPERTY_ARITY[self.prop] for k in self.keyframes):
            raise ValueError(f"{self.prop}: every value needs {PROPERTY_ARITY[self.prop]} numbers")
        if self.direction not in DIRECTIONS or self.duration_s <= 0 or self.delay_s < 0 or self.iterations < 0:
            raise ValueError(f"{self.prop}: bad timing {self.duration_s}s/{self.delay_s}s/{self.iterations}/{self.direction}")

    @property
    def end_s(self) -> float:
        """When the track stops changing (infinity for endless tracks)."""
        return math.inf if self.iterations == 0 else self.delay_s + self.duration_s * self.iterations


@dataclass(frozen=True)
class Element:
    """A box, a disc or a piece of text, positioned absolutely, with its tracks."""

    shape: str
    """rect, circle (a square box with fully rounded corners) or text (no fill unless `fill` is set)."""
    box: tuple[float, float, float, float]
    """left, top, width, height in CSS pixels, before any transform."""
    fill: RGB | None = None
    """Background colour; None for transparent."""
    radius: float = 0.0
    """Corner radius in px for rect (circle ignores it)."""
    text: str = ""
    """Text drawn centred in the box."""
    text_color: RGB = (20, 20, 20)
    """Colour of the text."""
    font_px: int = 24
    """Font size in px."""
    font_weight: int = 700
    """CSS font weight (400 or 700)."""
    font_family: str = "DejaVu Sans"
    """An installed family: the renderer's fonts are the machine's, and canvas must draw the same glyphs."""
    tracks: tuple[Track, ...] = ()
    """At most one per property."""

    def __post_init__(self) -> None:
        # Layout snaps an untransformed box to whole pixels and a canvas does not: whole-pixel
        # geometry keeps every technique on the same pixels.
        object.__setattr__(self, "box", tuple(float(round(v)) for v in self.box))
        object.__setattr__(self, "radius", float(round(self.radius)))
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}")
        props = [t.prop for t in self.tracks]
        if len(props) != len(set(props)):
            raise ValueError(f"an element animates each property once, got {props}")


@dataclass(frozen=True)
class Scene:
    """What a generated animation page shows: a background and elements in paint order."""

    viewport: tuple[int, int]
    """Width × height in CSS pixels."""
    background: RGB
    """Page background colour."""
    elements: tuple[Element, ...] = field(default_factory=tuple)
    """Painted in order (later on top)."""

    @property
    def tracks(self) -> list[Track]:
        return [t for e in self.elements for t in e.tracks]

    @property
    def end_s(self) -> float:
        """When the last finite track ends (infinity when one runs forever)."""
        return max((t.end_s for t in self.tracks), default=0.0)

    def to_json(self) -> dict[str, Any]:
        """The scene for the JS engines (rAF and canvas): times in integer microseconds, as Blink keeps them."""
        return {
            "w": self.viewport[0], "h": self.viewport[1],
            "els": [{
                "shape": e.shape, "box": list(e.box), "fill": list(e.fill) if e.fill else None,
                "radius": e.radius, "text": e.text, "tc": list(e.text_color),
                "font": f"{e.font_weight} {e.font_px}px \"{e.font_family}\"",
                "tracks": [{
                    "p": t.prop, "d": round(t.duration_s * 1e6), "delay": round(t.delay_s * 1e6),
                    "n": t.iterations, "dir": t.direction,
                    "kf": [{"o": k.offset, "v": list(k.value), "e": k.easing} for k in t.keyframes],
                } for t in e.tracks],
            } for e in self.elements],
        }


def rgb(colour: tuple[float, ...]) -> str:
    return "rgb({})".format(",".join(num(c) for c in colour))


def num(value: float) -> str:
    """A compact, exact-enough decimal: 3 places are below a thousandth of a pixel or degree."""
    text = f"{round(float(value), 3):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def css_declarations(prop: str, value: tuple[float, ...]) -> list[tuple[str, str]]:
    """(CSS property, CSS value) pairs that set `prop` to `value`; `size` needs two."""
    if prop == "translate":
        return [("translate", f"{num(value[0])}px {num(value[1])}px")]
    if prop == "rotate":
        return [("rotate", f"{num(value[0])}deg")]
    if prop in ("scale", "opacity"):
        return [(prop, num(value[0]))]
    if prop == "background":
        return [("background-color", rgb(value))]
    if prop == "color":
        return [("color", rgb(value))]
    if prop == "size":
        return [("width", f"{num(value[0])}px"), ("height", f"{num(value[1])}px")]
    raise ValueError(f"unknown property {prop!r}")
