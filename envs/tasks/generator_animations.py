"""`AnimationTaskSource`: seeded, unbounded procedural animations — the embedded default tasks.

Each task is a `Scene` (elements with keyframed property tracks) compiled with one technique for
the reference and a different one for the oracle (`cheat()`), so an oracle scores ≈ 1 only if the
rewards compare what is seen rather than how it was coded.

Families (what moves):
    translate, rotate, scale, opacity, colour, size — one property leads;
    path — a translate through many keyframes along a curve (circle, ellipse, figure eight, wave);
    text — a word that slides, fades, pops or changes colour;
    sequence — one element through keyframe sequences of several properties;
    stagger — a row of identical elements with delays in steps;
    multi — several elements with their own motions, started one after another.
Difficulty:
    1 — one element, one property, two keyframes, one run, a named easing;
    2 — adds a second property, 3 keyframes, delays, repeats and alternate directions, cubic-Béziers;
    3 — several elements, 3–4 keyframes, endless runs, steps(), sequencing.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .motion import RGB, Element, Keyframe, Scene, Track
from .palette import BACKGROUNDS, WORDS, text_colour_for, visible_on
from .source import GeneratedSource
from .task import Task
from .techniques import TECHNIQUES, applicable, compile_scene

FAMILIES: tuple[str, ...] = (
    "translate", "rotate", "scale", "opacity", "colour", "size", "path", "text", "sequence", "stagger", "multi",
)
_MIN_DIFFICULTY = {"sequence": 2, "stagger": 2, "multi": 2}
_PROPERTY_OF = {"translate": "translate", "rotate": "rotate", "scale": "scale", "opacity": "opacity",
                "colour": "background", "size": "size"}
_OVERSHOOT_OK = ("translate", "rotate", "scale")  # overshooting opacity/colour would be clamped: no visible bounce
_BEZIERS = ("cubic-bezier(0.34,1.56,0.64,1)", "cubic-bezier(0.68,-0.55,0.27,1.55)", "cubic-bezier(0.22,1,0.36,1)",
            "cubic-bezier(0.65,0,0.35,1)")


@dataclass(frozen=True)
class AnimationConfig:
    """What `AnimationTaskSource` generates.

    Recording:
        viewport, fps, min_duration_s, max_duration_s, hold_s
    Content:
        families, difficulties, techniques, cheat_techniques
    """

    viewport: tuple[int, int] = (512, 384)
    """Page size in CSS pixels; the layout scales with it."""
    fps: float = 10.0
    """Frames per second of the reference and of candidate renders."""
    min_duration_s: float = 2.0
    """Shortest recording; short animations hold their last frame until then."""
    max_duration_s: float = 4.0
    """Longest recording; timings are drawn so finite animations end before it."""
    hold_s: float = 0.4
    """Still time recorded after the last animation ends, so the end state is seen."""
    families: tuple[str, ...] = FAMILIES
    """Families drawn from, uniformly."""
    difficulties: tuple[int, ...] = (1, 2, 3)
    """Difficulty levels drawn from, uniformly (families that need more raise it: sequence, stagger, multi ≥ 2)."""
    techniques: tuple[str, ...] = TECHNIQUES
    """Techniques the reference page may use."""
    cheat_techniques: tuple[str, ...] = TECHNIQUES
    """Techniques the oracle may use; always one other than the reference's when possible."""

    def __post_init__(self) -> None:
        unknown = set(self.families) - set(FAMILIES)
        if unknown or not self.families:
            raise ValueError(f"unknown animation families {sorted(unknown)}; expected some of {', '.join(FAMILIES)}")
        if set(self.techniques + self.cheat_techniques) - set(TECHNIQUES) or not self.techniques:
            raise ValueError(f"techniques must be among {', '.join(TECHNIQUES)}")
        if not self.difficulties or not set(self.difficulties) <= {1, 2, 3}:
            raise ValueError(f"difficulties must be among 1, 2, 3, got {self.difficulties}")
        if not (0 < self.min_duration_s <= self.max_duration_s) or self.fps <= 0:
            raise ValueError("need 0 < min_duration_s <= max_duration_s and fps > 0")


class AnimationTaskSource(GeneratedSource):
    """Procedural animation tasks: `AnimationTaskSource(seed)[i]` is always the same task."""

    namespace = "animations"
    name = "builtin:animations"

    def __init__(self, seed: int = 0, config: AnimationConfig | None = None) -> None:
        super().__init__(seed)
        self.config = config or AnimationConfig()

    def make(self, index: int, rng: random.Random) -> Task:
        cfg = self.config
        family = rng.choice(cfg.families)
        difficulty = max(rng.choice(cfg.difficulties), _MIN_DIFFICULTY.get(family, 1))
        scene = _SceneBuilder(rng, cfg, difficulty).build(family)
        technique = rng.choice([t for t in cfg.techniques if applicable(t, scene)] or ["waapi"])
        others = [t for t in cfg.cheat_techniques if t != technique and applicable(t, scene)]
        cheat_technique = rng.choice(others) if others else technique
        end = scene.end_s
        duration = cfg.max_duration_s if math.isinf(end) else min(max(end + cfg.hold_s, cfg.min_duration_s),
                                                                  cfg.max_duration_s)
        return Task(
            id=f"anim-{self.seed}-{index}", kind="animation", page=compile_scene(scene, technique),
            oracle=compile_scene(scene, cheat_technique), duration_s=round(duration, 3), fps=cfg.fps,
            viewport=cfg.viewport, difficulty=difficulty, source=self.name,
            metadata={
                "family": family, "technique": technique, "cheat_technique": cheat_technique,
                "elements": len(scene.elements), "properties": sorted({t.prop for t in scene.tracks}),
                "easings": sorted({k.easing for t in scene.tracks for k in t.keyframes[:-1]}),
                "animation_end_s": None if math.isinf(end) else round(end, 3), "seed": self.seed, "index": index,
            },
        )


@dataclass
class _SceneBuilder:
    """Draws one scene of a family at a difficulty; all randomness comes from `rng`."""

    rng: random.Random
    cfg: AnimationConfig
    difficulty: int
    background: RGB = (250, 250, 248)
    used_fills: list[RGB] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.width, self.height = self.cfg.viewport
        self.unit = min(self.width, self.height)
        self.margin = 0.06 * self.unit
        # Time for the animation to play out inside the recording.
        self.budget = max(0.6, self.cfg.max_duration_s - self.cfg.hold_s)
        self.background = self.rng.choice(BACKGROUNDS)

    # ------------------------------------------------------------------ families

    def build(self, family: str) -> Scene:
        if family == "stagger":
            elements = self._stagger()
        elif family == "multi":
            elements = self._multi()
        else:
            count = 1 if self.difficulty < 3 or family == "sequence" else self.rng.randint(2, 3)
            elements = [self._single(family)]
            # Harder tasks add companions with their own motion, started after the lead's first run.
            for _ in range(count - 1):
                elements.append(self._single(self.rng.choice(list(_PROPERTY_OF)), after=elements[-1]))
        return Scene(viewport=self.cfg.viewport, background=self.background, elements=tuple(elements))

    def _single(self, family: str, after: Element | None = None) -> Element:
        rng = self.rng
        delay = min(after.tracks[0].delay_s + after.tracks[0].duration_s, self.budget * 0.5) if after else None
        if family == "text":
            return self._text(delay)
        element = self._shape(circle_ok=family != "size")
        if family == "path":
            lead = "translate"
        else:
            lead = _PROPERTY_OF[family] if family in _PROPERTY_OF else rng.choice(list(_PROPERTY_OF.values()))
        props = [lead]
        if family == "sequence":
            props += rng.sample([p for p in _PROPERTY_OF.values() if p != lead], 2)
        elif self.difficulty >= 2 and rng.random() < 0.6:
            props.append(rng.choice([p for p in _PROPERTY_OF.values() if p != lead]))
        timing = self._timing(delay)
        tracks = []
        for prop in props:
            if family == "path" and prop == "translate":
                tracks.append(self._path_track(element, timing))
                continue
            n = 2 if self.difficulty == 1 else rng.choice((2, 3)) if self.difficulty == 2 else rng.choice((3, 4))
            if family == "sequence":
                n = rng.choice((3, 4, 5))
            tracks.append(self._track(prop, element, n, timing))
        return _with_tracks(element, tracks)

    def _text(self, delay: float | None) -> Element:
        rng = self.rng
        font = rng.choice((26, 32, 40))
        word = rng.choice(WORDS)
        width, height = font * (0.75 * len(word) + 1), font * 1.6
        left = rng.uniform(self.margin, max(self.margin, self.width - width - self.margin))
        top = rng.uniform(self.margin, max(self.margin, self.height - height - self.margin))
        colour = text_colour_for(self.background)
        pill = self.difficulty >= 2 and rng.random() < 0.4
        element = Element(shape="text", box=(left, top, width, height), text=word, font_px=font,
                          font_weight=rng.choice((400, 700)), text_color=(244, 244, 244) if pill else colour,
                          fill=self._fill() if pill else None, radius=height / 2 if pill else 0.0,
                          font_family=rng.choice(("DejaVu Sans", "DejaVu Serif", "Liberation Sans")))
        motions = [("opacity", "translate"), ("scale",), ("color",), ("translate",), ("rotate", "opacity")]
        if pill:
            motions = [m for m in motions if m != ("color",)]
        props = list(rng.choice(motions))
        if self.difficulty == 1:
            props = props[:1]
        timing = self._timing(delay)
        tracks = [self._track(p, element, 2 if self.difficulty == 1 else rng.choice((2, 3)), timing) for p in props]
        return _with_tracks(element, tracks)

    def _stagger(self) -> list[Element]:
        rng = self.rng
        count = rng.randint(3, 5) if self.difficulty == 2 else rng.randint(4, 6)
        size = self.unit * rng.uniform(0.09, 0.13)
        gap = (self.width - 2 * self.margin - count * size) / max(1, count - 1)
        top = rng.uniform(0.35, 0.55) * self.height
        fill = self._fill()
        shape = rng.choice(("rect", "circle"))
        motion = rng.choice((("translate",), ("scale",), ("rotate",), ("opacity", "translate"), ("background",)))
        step = rng.choice((0.1, 0.15, 0.2, 0.25))
        base = self._timing(None, budget=self.budget - step * (count - 1))
        template = Element(shape=shape, box=(self.margin, top, size, size), fill=fill, radius=size * 0.18)
        n = 2 if self.difficulty == 2 else 3
        # One set of tracks shared by every element; only the delay differs. Translation is vertical
        # (a wave) so neighbours never collide.
        tracks = [self._track(p, template, n, base, vertical=True) for p in motion]
        elements = []
        for i in range(count):
            left = self.margin + i * (size + gap)
            delayed = tuple(_retime(t, delay_s=round(t.delay_s + i * step, 3)) for t in tracks)
            elements.append(Element(shape=shape, box=(left, top, size, size), fill=fill, radius=size * 0.18,
                                    tracks=delayed))
        return elements

    def _multi(self) -> list[Element]:
        count = self.rng.randint(2, 3) if self.difficulty == 2 else self.rng.randint(3, 4)
        families = [self.rng.choice(("translate", "rotate", "scale", "opacity", "colour", "size", "text"))
                    for _ in range(count)]
        elements: list[Element] = []
        for family in families:
            previous = elements[-1] if elements and self.difficulty == 3 else None
            elements.append(self._single(family, after=previous))
        return elements

    # ------------------------------------------------------------------ pieces

    def _fill(self) -> RGB:
        fill = visible_on(self.background, self.rng, exclude=tuple(self.used_fills))
        self.used_fills.append(fill)
        return fill

    def _shape(self, circle_ok: bool = True) -> Element:
        rng = self.rng
        size = self.unit * rng.uniform(0.1, 0.18)
        width, height = size, size if rng.random() < 0.6 else size * rng.uniform(0.6, 1.4)
        shape = "circle" if circle_ok and width == height and rng.random() < 0.35 else "rect"
        left = rng.uniform(self.margin, self.width - width - self.margin)
        top = rng.uniform(self.margin, self.height - height - self.margin)
        radius = rng.choice((0.0, 0.08, 0.2)) * min(width, height)
        return Element(shape=shape, box=(left, top, width, height), fill=self._fill(), radius=radius)

    def _timing(self, delay: float | None, budget: float | None = None) -> dict:
        """Duration, delay, iterations and direction that fit in the recording."""
        rng = self.rng
        budget = self.budget if budget is None else max(0.5, budget)
        if delay is None:
            delay = 0.0 if self.difficulty == 1 else rng.choice((0.0, 0.0, 0.2, 0.3, 0.5))
        delay = min(delay, budget * 0.5)
        left = budget - delay
        if self.difficulty == 1:
            return {"delay_s": delay, "duration_s": round(rng.uniform(0.5, 1.0) * min(2.0, left), 2),
                    "iterations": 1, "direction": "normal"}
        iterations = rng.choice((1, 2) if self.difficulty == 2 else (1, 2, 3, 0))
        direction = rng.choice(("normal", "reverse", "alternate", "alternate-reverse"))
        if iterations != 1 and direction in ("normal", "reverse"):
            direction = "alternate"  # a jump back at each repeat would make one frame's content depend on rounding
        per = left / max(1, iterations)
        duration = round(max(0.3, min(per, rng.uniform(0.6, 1.6))), 2)
        return {"delay_s": round(delay, 2), "duration_s": duration, "iterations": iterations, "direction": direction}

    def _easing(self, prop: str) -> str:
        rng = self.rng
        named = ("linear", "ease", "ease-in", "ease-out", "ease-in-out")
        if self.difficulty == 1:
            return rng.choice(named)
        overshoots = ("1.56", "-0.55")
        pool = list(named) + [b for b in _BEZIERS if prop in _OVERSHOOT_OK or not any(o in b for o in overshoots)]
        if self.difficulty == 3:
            pool += ["steps(4, end)", "steps(6, end)"]
        return rng.choice(pool)

    def _track(self, prop: str, element: Element, n: int, timing: dict, vertical: bool = False) -> Track:
        values = self._values(prop, element, n, vertical)
        offsets = [0.0] + sorted(round(self.rng.uniform(0.2, 0.8), 2) for _ in range(n - 2)) + [1.0]
        offsets = [o for i, o in enumerate(offsets) if i == 0 or o > offsets[i - 1]]  # drop rare duplicates
        values = values[:len(offsets) - 1] + [values[-1]]
        keyframes = tuple(Keyframe(o, v, self._easing(prop)) for o, v in zip(offsets, values))
        return Track(prop=prop, keyframes=keyframes, **timing)

    def _values(self, prop: str, element: Element, n: int, vertical: bool) -> list[tuple[float, ...]]:
        rng = self.rng
        left, top, width, height = element.box
        if prop == "translate":
            points = [(0.0, 0.0)]
            for _ in range(n - 1):
                points.append(self._far_point(element, points[-1], vertical))
            return points
        if prop == "rotate":
            angles = [0.0]
            for _ in range(n - 1):
                angles.append(angles[-1] + rng.choice((-1, 1)) * rng.choice((45, 90, 135, 180, 270, 360)))
            return [(a,) for a in angles]
        if prop == "scale":
            return [(1.0,)] + [(rng.choice((0.4, 0.6, 1.4, 1.7, 2.0)),) for _ in range(n - 1)]
        if prop == "opacity":
            start = rng.choice((0.0, 1.0))
            middle = [rng.choice((0.15, 0.4, 0.7, 0.9)) for _ in range(n - 2)]
            return [(start,)] + [(m,) for m in middle] + [(1.0 - start,)]
        if prop in ("background", "color"):
            start = element.fill if prop == "background" else element.text_color
            colours = [tuple(start or (0, 0, 0))]
            for _ in range(n - 1):
                colours.append(visible_on(self.background, rng, exclude=(tuple(colours[-1]),)))
            return [tuple(float(c) for c in colour) for colour in colours]
        if prop == "size":
            room_w = self.width - left - self.margin
            room_h = self.height - top - self.margin
            sizes = [(width, height)]
            for _ in range(n - 1):
                factor_w, factor_h = rng.choice(((1.8, 1.0), (1.0, 1.8), (2.0, 2.0), (0.5, 0.5), (1.6, 0.6)))
                sizes.append((round(min(width * factor_w, room_w), 1), round(min(height * factor_h, room_h), 1)))
            if element.shape == "circle":
                sizes = [(s[0], s[0]) for s in sizes]
            return sizes
        raise ValueError(prop)

    def _far_point(self, element: Element, start: tuple[float, float], vertical: bool) -> tuple[float, float]:
        """A translation that keeps the box on screen and moves it visibly far from `start`."""
        left, top, width, height = element.box
        lo_x, hi_x = self.margin - left, self.width - self.margin - width - left
        lo_y, hi_y = self.margin - top, self.height - self.margin - height - top
        best, best_distance = start, -1.0
        for _ in range(12):
            x = 0.0 if vertical else self.rng.uniform(lo_x, hi_x)
            y = self.rng.uniform(lo_y, hi_y)
            distance = math.hypot(x - start[0], y - start[1])
            if distance > best_distance:
                best, best_distance = (round(x, 1), round(y, 1)), distance
            if distance > 0.35 * self.unit:
                break
        return best

    def _path_track(self, element: Element, timing: dict) -> Track:
        """A translate through 12–24 keyframes along a curve, at constant speed between them."""
        rng = self.rng
        left, top, width, height = element.box
        cx, cy = self.width / 2 - left - width / 2, self.height / 2 - top - height / 2
        rx = rng.uniform(0.22, 0.38) * self.width
        ry = rng.uniform(0.18, 0.32) * self.height
        curve = rng.choice(("circle", "ellipse", "figure8", "wave"))
        count = rng.choice((12, 16, 24))
        points = []
        for i in range(count + 1):
            a = 2 * math.pi * i / count
            if curve == "circle":
                x, y = min(rx, ry) * math.cos(a), min(rx, ry) * math.sin(a)
            elif curve == "ellipse":
                x, y = rx * math.cos(a), ry * math.sin(a)
            elif curve == "figure8":
                x, y = rx * math.sin(a), ry * math.sin(2 * a) / 2
            else:
                x, y = rx * (2 * i / count - 1), ry * 0.6 * math.sin(2 * a)
            points.append((round(cx + x, 1), round(cy + y, 1)))
        # Closed curves loop seamlessly; the wave goes there and back.
        closed = curve != "wave"
        iterations = 0 if closed and self.difficulty == 3 else max(1, timing["iterations"])
        direction = "normal" if closed else "alternate"
        run = max(1.2, min(3.0, (self.budget - timing["delay_s"]) / (1 if iterations == 0 else iterations)))
        keyframes = tuple(Keyframe(round(i / count, 4), p, "linear") for i, p in enumerate(points))
        return Track("translate", keyframes, duration_s=round(run, 2), delay_s=timing["delay_s"],
                     iterations=iterations, direction=direction)


def _with_tracks(element: Element, tracks: list[Track]) -> Element:
    return Element(**{**element.__dict__, "tracks": tuple(tracks)})


def _retime(track: Track, **changes: float) -> Track:
    return Track(**{**track.__dict__, **changes})
