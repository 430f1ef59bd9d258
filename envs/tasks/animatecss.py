"""`AnimateCssTaskSource`: real, widely used animations nobody here wrote — animate.css (MIT).

The animation names, their categories and their duration multipliers are read from the vendored
npm package (`v2c/render/vendor/node_modules/animate.css`), not hard-coded, so a newer
animate.css brings its new animations along. Each task applies one named animation to a card, a
button, a heading or an icon, with a drawn duration, delay and repeat count. The reference page
links animate.css from its CDN URL (the renderer serves the vendored copy, see
`v2c/render/network.py`); the oracle inlines just the rules it needs — same motion, no library.

Order: the first N tasks of a seed (N = number of animations) use every animation once, in an
order shuffled by the seed; later tasks cycle through them again with other elements and timings.
"""
from __future__ import annotations

import functools
import html
import random
import re
from dataclasses import dataclass
from pathlib import Path

from v2c.render import Page
from v2c.render.network import default_vendor_dir

from .palette import BACKGROUNDS, luminance, text_colour_for, visible_on
from .source import GeneratedSource
from .task import Task

CDN_URL = "https://cdnjs.cloudflare.com/ajax/libs/animate.css/4.1.1/animate.min.css"
ELEMENTS: tuple[str, ...] = ("card", "button", "heading", "icon")
_EASY = ("attention_seekers",)
_MEDIUM = ("fading_entrances", "fading_exits", "zooming_entrances", "zooming_exits", "sliding_entrances",
           "sliding_exits", "bouncing_entrances", "bouncing_exits")


def animatecss_dir() -> Path:
    return default_vendor_dir() / "node_modules" / "animate.css"


@dataclass(frozen=True)
class AnimateCssAnimation:
    """One named animation as animate.css defines it."""

    name: str
    """The keyframes name, e.g. `bounceInLeft` (class `animate__bounceInLeft`)."""
    category: str
    """The source folder it lives in (attention_seekers, fading_entrances, ...), or `other`."""
    duration_factor: float
    """Its duration as a multiple of `--animate-duration` (hinge runs 2×, bounceIn 0.75×)."""
    keyframes_css: str
    """The `@keyframes` block."""
    class_css: str
    """The `.animate__<name>` rule(s)."""


@dataclass(frozen=True)
class AnimateCssLibrary:
    """Everything parsed from one animate.css file."""

    path: Path
    """The stylesheet parsed (the unminified `animate.css`)."""
    base_css: str
    """`:root` variables and the `.animate__animated` rules every animation needs."""
    animations: dict[str, AnimateCssAnimation]
    """By name, in file order."""


def css_blocks(css: str) -> list[tuple[str, str]]:
    """Top-level `(prelude, whole block)` pairs of a stylesheet; nested blocks (keyframes, media) stay whole."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks, depth, start, prelude_end = [], 0, 0, 0
    for i, ch in enumerate(css):
        if ch == ";" and depth == 0:  # an at-statement such as @charset: not a block
            start = i + 1
        elif ch == "{":
            if depth == 0:
                prelude_end = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                blocks.append((css[start:prelude_end].strip(), css[start:i + 1].strip()))
                start = i + 1
    return blocks


@functools.lru_cache(maxsize=4)
def load_library(path: str | None = None) -> AnimateCssLibrary:
    """Parse animate.css (default: the vendored copy); raises `FileNotFoundError` with the fix when it is missing."""
    file = Path(path) if path else animatecss_dir() / "animate.css"
    if not file.is_file():
        raise FileNotFoundError(f"{file}: animate.css is not vendored; run `make vendor` (npm) to install it")
    blocks = css_blocks(file.read_text(encoding="utf-8"))
    keyframes = {m.group(1): block for prelude, block in blocks
                 if (m := re.fullmatch(r"@keyframes\s+([\w-]+)", prelude))}
    class_rules: dict[str, list[str]] = {}
    base = []
    for prelude, block in blocks:
        classes = re.findall(r"\.animate__([\w-]+)", prelude)
        named = [c for c in classes if c in keyframes]
        for name in named:  # `.animate__bounce`, `.animate__animated.animate__flip`
            class_rules.setdefault(name, []).append(block)
        if not named and (prelude == ":root" or classes):  # variables, `.animate__animated`, repeat/delay/speed helpers
            base.append(block)
    categories = {}
    source = file.parent / "source"
    if source.is_dir():
        categories = {css.stem: css.parent.name for css in source.glob("*/*.css")}
    animations = {}
    for name, block in keyframes.items():
        rules = class_rules.get(name)
        if not rules:
            continue  # keyframes with no class of their own are not part of the public API
        factor = re.search(r"var\(--animate-duration\)\s*\*\s*([\d.]+)", "".join(rules))
        animations[name] = AnimateCssAnimation(name=name, category=categories.get(name, "other"),
                                               duration_factor=float(factor.group(1)) if factor else 1.0,
                                               keyframes_css=block, class_css="\n".join(rules))
    if not animations:
        raise ValueError(f"{file}: no animate.css animations found (expected @keyframes with .animate__ classes)")
    return AnimateCssLibrary(path=file, base_css="\n".join(base), animations=animations)


@dataclass(frozen=True)
class AnimateCssConfig:
    """What `AnimateCssTaskSource` generates.

    Recording:
        viewport, fps, min_duration_s, max_duration_s, hold_s
    Content:
        elements, css_path
    """

    viewport: tuple[int, int] = (512, 384)
    """Page size in CSS pixels."""
    fps: float = 10.0
    """Frames per second of the reference and of candidate renders."""
    min_duration_s: float = 2.0
    """Shortest recording."""
    max_duration_s: float = 4.0
    """Longest recording; durations and repeats are drawn to fit."""
    hold_s: float = 0.4
    """Still time recorded after the animation ends."""
    elements: tuple[str, ...] = ELEMENTS
    """What gets animated: card, button, heading, icon."""
    css_path: str | None = None
    """An animate.css file to parse instead of the vendored one."""


class AnimateCssTaskSource(GeneratedSource):
    """animate.css's named animations on varied elements: `AnimateCssTaskSource(seed)[i]` is always the same task."""

    namespace = "animatecss"
    name = "builtin:animatecss"

    def __init__(self, seed: int = 0, config: AnimateCssConfig | None = None) -> None:
        super().__init__(seed)
        self.config = config or AnimateCssConfig()
        self.library = load_library(self.config.css_path)
        names = list(self.library.animations)
        random.Random(f"v2c:{self.namespace}:order:{seed}").shuffle(names)
        self.order = names
        """Animation names in this seed's order; task i uses `order[i % len(order)]`."""

    def make(self, index: int, rng: random.Random) -> Task:
        cfg = self.config
        animation = self.library.animations[self.order[index % len(self.order)]]
        element = rng.choice(cfg.elements)
        background = rng.choice(BACKGROUNDS)
        delay = rng.choice((0.0, 0.0, 0.2, 0.4))
        room = cfg.max_duration_s - cfg.hold_s - delay
        repeats = rng.choice((1, 1, 2)) if animation.category in _EASY else 1
        duration = rng.choice((0.6, 0.8, 1.0, 1.2, 1.5))
        duration = round(min(duration, room / (animation.duration_factor * repeats)), 2)
        run = delay + duration * animation.duration_factor * repeats
        difficulty = 1 if animation.category in _EASY else 2 if animation.category in _MEDIUM else 3
        difficulty = min(3, difficulty + (repeats > 1))
        body = _element_html(element, rng, background)
        style = f"--animate-duration:{duration}s;animation-delay:{delay}s"
        classes = f"animate__animated animate__{animation.name}" + (f" animate__repeat-{repeats}" if repeats > 1 else "")
        return Task(
            id=f"animatecss-{self.seed}-{index}", kind="animation",
            page=_page(body.format(classes=classes, style=style), background, f'<link rel="stylesheet" href="{CDN_URL}">'),
            oracle=_page(body.format(classes=classes, style=style), background,
                         f"<style>\n{self._inline_css(animation, repeats)}\n</style>"),
            duration_s=round(min(cfg.max_duration_s, max(cfg.min_duration_s, run + cfg.hold_s)), 3), fps=cfg.fps,
            viewport=cfg.viewport, difficulty=difficulty, source=self.name,
            metadata={"animation": animation.name, "category": animation.category, "element": element,
                      "duration_s": duration, "delay_s": delay, "repeats": repeats, "license": "MIT (animate.css)",
                      "technique": "animate.css (CDN)", "cheat_technique": "inline @keyframes",
                      "seed": self.seed, "index": index},
        )

    def _inline_css(self, animation: AnimateCssAnimation, repeats: int) -> str:
        wanted = {":root", ".animate__animated", f".animate__animated.animate__repeat-{repeats}"}
        base = "\n".join(block for prelude, block in css_blocks(self.library.base_css) if prelude in wanted)
        return f"{base}\n{animation.keyframes_css}\n{animation.class_css}"


_ICONS = {
    "heart": "M12 21s-7.5-4.6-9.6-9.1C.9 8.6 2.9 4.5 6.6 4.5c2.1 0 3.6 1.2 4.4 2.6.8-1.4 2.3-2.6 4.4-2.6 3.7 0 5.7 4.1 "
             "4.2 7.4C19.5 16.4 12 21 12 21z",
    "star": "M12 2l3 6.6 7.2.8-5.4 4.9 1.5 7.1L12 17.8 5.7 21.4l1.5-7.1L1.8 9.4 9 8.6z",
    "bell": "M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11c0-3.3-2.1-6-5-6.8V3.5a2 2 0 0 0-4 0v.7C7.1 5 5 "
            "7.7 5 11v5l-2 2v1h18v-1z",
}
_TITLES = ("Weekly report", "New message", "Summer sale", "Level complete", "Order shipped")
_BUTTONS = ("Buy now", "Sign up", "Download", "Get started", "Try again")
_HEADINGS = ("Hello, world!", "Welcome back", "Big news", "Game over", "Ta-da!")


def _element_html(element: str, rng: random.Random, background: tuple[int, int, int]) -> str:
    """The element's markup with `{classes}` and `{style}` slots for the animation."""
    accent = visible_on(background, rng)
    ink = text_colour_for(background)
    on_accent = (255, 255, 255) if luminance(accent) < 150 else (20, 20, 20)
    if element == "card":
        surface = (255, 255, 255) if luminance(background) > 128 else (48, 52, 62)
        text = text_colour_for(surface)
        return (f'<div class="{{classes}}" style="{{style}};width:220px;padding:16px 18px;border-radius:12px;'
                f'background:{_rgb(surface)};color:{_rgb(text)};box-shadow:0 6px 20px rgba(0,0,0,.18);'
                f'border-top:6px solid {_rgb(accent)}"><h3 style="margin:0 0 6px;font:700 18px sans-serif">'
                f'{html.escape(rng.choice(_TITLES))}</h3><p style="margin:0;font:14px/1.4 sans-serif">'
                f'Tap to see the details.</p></div>')
    if element == "button":
        return (f'<button class="{{classes}}" style="{{style}};font:700 20px sans-serif;padding:14px 30px;border:0;'
                f'border-radius:999px;background:{_rgb(accent)};color:{_rgb(on_accent)}">'
                f'{html.escape(rng.choice(_BUTTONS))}</button>')
    if element == "heading":
        return (f'<h1 class="{{classes}}" style="{{style}};margin:0;font:800 44px serif;color:{_rgb(ink)}">'
                f'{html.escape(rng.choice(_HEADINGS))}</h1>')
    if element == "icon":
        path = _ICONS[rng.choice(sorted(_ICONS))]
        return (f'<svg class="{{classes}}" style="{{style}}" width="110" height="110" viewBox="0 0 24 24">'
                f'<path d="{path}" fill="{_rgb(accent)}"/></svg>')
    raise ValueError(f"unknown element {element!r}; expected one of {', '.join(ELEMENTS)}")


def _page(body: str, background: tuple[int, int, int], head: str) -> Page:
    return Page(html=(
        f"<!doctype html>\n<html><head><meta charset=\"utf-8\">{head}<style>html,body{{margin:0;height:100%}}"
        f"body{{display:flex;align-items:center;justify-content:center;overflow:hidden;background:{_rgb(background)}}}"
        f"</style></head>\n<body>\n{body}\n</body></html>\n"))


def _rgb(colour: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*colour)


__all__ = ["AnimateCssAnimation", "AnimateCssConfig", "AnimateCssLibrary", "AnimateCssTaskSource", "CDN_URL",
           "css_blocks", "load_library"]
