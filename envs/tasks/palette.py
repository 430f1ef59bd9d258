"""Colours and words the generators draw from, and the contrast rule that keeps shapes visible."""
from __future__ import annotations

import random

from .motion import RGB

FILLS: tuple[RGB, ...] = (
    (231, 76, 60), (52, 152, 219), (46, 204, 113), (155, 89, 182), (241, 196, 15), (230, 126, 34),
    (26, 188, 156), (236, 72, 153), (99, 102, 241), (30, 30, 36), (244, 244, 244), (120, 200, 80),
)
"""Saturated fills for shapes (plus near-black and near-white for dark and light pages)."""

BACKGROUNDS: tuple[RGB, ...] = (
    (250, 250, 248), (244, 244, 240), (236, 240, 245), (245, 238, 230), (232, 245, 240),
    (30, 32, 40), (18, 24, 38), (250, 244, 250),
)
"""Page backgrounds, light and dark."""

WORDS: tuple[str, ...] = (
    "Hello", "Launch", "Welcome", "Ready?", "Sale", "Go!", "Hi there", "Loading", "Wow", "Play", "Done", "New",
    "Hooray", "Next", "Sparkle", "Level up",
)
"""Short texts for text animations."""


def luminance(colour: RGB) -> float:
    r, g, b = colour
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def visible_on(background: RGB, rng: random.Random, exclude: tuple[RGB, ...] = ()) -> RGB:
    """A fill that stands out from `background` (luminance or hue far enough apart), not in `exclude`."""
    choices = [c for c in FILLS if c not in exclude and (abs(luminance(c) - luminance(background)) > 45
                                                          or max(abs(a - b) for a, b in zip(c, background)) > 150)]
    return rng.choice(choices or list(FILLS))


def text_colour_for(background: RGB) -> RGB:
    """Near-black on light backgrounds, near-white on dark ones."""
    return (24, 24, 28) if luminance(background) > 128 else (240, 240, 236)
