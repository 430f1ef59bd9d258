"""Test pages from real CSS loader libraries on npm, and their variants made only by CSS rewrites.

The libraries (spinkit, load-awesome, three-dots) are pinned in v2c/render/vendor/package.json and
installed by scripts/vendor_js.sh; their CSS is read from node_modules and inlined into a page, so
no byte of the animations was written here. Shared by tests/test_reward_validity_real.py and
benchmarks/reward_validity.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from v2c.render.network import default_vendor_dir

__all__ = ["Loader", "LOADERS", "VARIANTS", "TIMING_FACTORS", "page", "variant_page", "vendor_css"]


@dataclass(frozen=True)
class Loader:
    """One loader: the CSS file it comes from, its markup, and the colour it is drawn in."""

    name: str
    css: str
    """Path under node_modules."""
    markup: str
    colour_rule: str = ""
    """Extra CSS that sets the loader's colour (the libraries default to grey or white)."""


def _children(cls: str, child: str, n: int) -> str:
    inner = "".join(f"<div class='{child}'></div>" if child else "<div></div>" for _ in range(n))
    return f"<div class='{cls}'>{inner}</div>"


_SK = "spinkit/spinkit.css"
_SK_COLOUR = ":root{--sk-color:#e4572e}"


def _la(name: str, n: int) -> Loader:
    return Loader(f"la-{name}", f"load-awesome/css/{name}.css", _children(f"la-{name}", "", n),
                  f".la-{name}{{color:#2a7de1}}")


def _dots(name: str) -> Loader:
    return Loader(name, "three-dots/dist/three-dots.css", f"<div class='{name}'></div>")


LOADERS: dict[str, Loader] = {
    loader.name: loader
    for loader in [
        Loader("sk-chase", _SK, _children("sk-chase", "sk-chase-dot", 6), _SK_COLOUR),
        Loader("sk-wave", _SK, _children("sk-wave", "sk-wave-rect", 5), _SK_COLOUR),
        Loader("sk-pulse", _SK, "<div class='sk-pulse'></div>", _SK_COLOUR),
        Loader("sk-grid", _SK, _children("sk-grid", "sk-grid-cube", 9), _SK_COLOUR),
        Loader("sk-swing", _SK, _children("sk-swing", "sk-swing-dot", 2), _SK_COLOUR),
        _la("ball-spin-clockwise-fade", 8),
        _la("ball-zig-zag", 2),
        _la("ball-clip-rotate", 1),
        _la("ball-pulse", 3),
        _dots("dot-flashing"),
        _dots("dot-elastic"),
        _dots("dot-revolution"),
    ]
}

TIMING_FACTORS = {"timing_x1.15": 1.15, "timing_x1.6": 1.6, "timing_x2.5": 2.5}
VARIANTS = ("identical", *TIMING_FACTORS, "tint", "recolour", "moved", "frozen_none", "frozen_paused", "reversed",
            "blank")
"""Every page is rendered as each of these (see `variant_page`)."""

_ANIMATION_DECL = re.compile(r"((?:-[a-z]+-)?animation(?:-duration|-delay|-direction)?\s*:)([^;}]*)")
_TOP_LEVEL_COMMA = re.compile(r",(?![^(]*\))")  # not the commas inside cubic-bezier(...)
_TIME = re.compile(r"(?<![\w.])(-?(?:\d+\.?\d*|\.\d+))(ms|s)(?![\w-])")


def vendor_css(loader: Loader) -> str:
    path = default_vendor_dir() / "node_modules" / loader.css
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `bash scripts/vendor_js.sh`")
    return Path(path).read_text()


def _scale_times(css: str, factor: float) -> str:
    """Every animation duration and delay times `factor` (negative delays too: the whole timeline
    is stretched about t = 0)."""

    def times(m: re.Match) -> str:
        return m.group(1) + _TIME.sub(lambda t: f"{float(t.group(1)) * factor:.6g}{t.group(2)}", m.group(2))

    return _ANIMATION_DECL.sub(times, css)


def _reverse(css: str) -> str:
    """Every animation played the other way: normal ↔ reverse, alternate ↔ alternate-reverse."""
    swap = {"normal": "reverse", "reverse": "normal", "alternate": "alternate-reverse",
            "alternate-reverse": "alternate"}  # fmt: skip

    def one(value: str, shorthand: bool) -> str:
        words = value.split()
        for k, w in enumerate(words):
            if w in swap:
                words[k] = swap[w]
                return " ".join(words)
        return value + " reverse" if shorthand and value.strip() not in ("none", "") else value

    def decl(m: re.Match) -> str:
        prop, value = m.group(1), m.group(2)
        if "duration" in prop or "delay" in prop:
            return m.group(0)
        shorthand = "direction" not in prop
        return prop + ",".join(one(v, shorthand) for v in _TOP_LEVEL_COMMA.split(value))

    return _ANIMATION_DECL.sub(decl, css)


def page(css: str, markup: str, extra: str = "", left: int = 196, top: int = 132) -> str:
    """A 512×384 page: the loader, zoomed ×3 so that it is big enough to see, at (left, top)."""
    return ("<!doctype html><html><head><style>" + css + "</style><style>"
            "html,body{margin:0;background:#f7f7f2;overflow:hidden}"
            f".stage{{position:absolute;left:{left}px;top:{top}px}}"
            ".zoom{zoom:3;width:40px;height:40px;display:flex;align-items:center;justify-content:center}"
            + extra + f"</style></head><body><div class='stage'><div class='zoom'>{markup}</div></div></body></html>")


def variant_page(loader: Loader, variant: str) -> str:
    """The loader's page rewritten as `variant` (one of `VARIANTS`)."""
    css = vendor_css(loader) + loader.colour_rule
    if variant == "blank":
        return page("", "")
    if variant in TIMING_FACTORS:
        css = _scale_times(css, TIMING_FACTORS[variant])
    elif variant == "reversed":
        css = _reverse(css)
    extra = {
        "tint": ".stage{filter:hue-rotate(20deg)}",
        "recolour": ".stage{filter:hue-rotate(165deg)}",
        "frozen_none": "*,*::before,*::after{animation:none!important}",
        "frozen_paused": "*,*::before,*::after{animation-play-state:paused!important}",
    }.get(variant, "")
    if variant == "moved":
        return page(css, loader.markup, left=236, top=162)
    return page(css, loader.markup, extra)
