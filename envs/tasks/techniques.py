"""Compile a `Scene` to an HTML page with one of five animation techniques.

The same scene compiled twice gives two pages that draw the same pixels at every virtual time,
written in unrelated ways: CSS `@keyframes`, CSS transitions started by script, the Web Animations
API, a requestAnimationFrame loop that sets styles, or a canvas redrawn every frame. A task's
reference uses one technique and its `cheat()` another, which tests that the rewards judge what is
seen and not how it was written.

The two JavaScript techniques carry a small engine (`ENGINE_JS`) that reimplements the Web
Animations timing model (iterations, direction, fill, per-keyframe cubic-Bézier/steps easing) on
integer microseconds, as Blink does, so that iteration boundaries land on the same frame.
"""
from __future__ import annotations

import json
from typing import Callable

from v2c.render import Page

from .motion import Element, Scene, Track, css_declarations, num, rgb

TECHNIQUES: tuple[str, ...] = ("css_keyframes", "css_transition", "waapi", "raf", "canvas")


def applicable(technique: str, scene: Scene) -> bool:
    """Whether `technique` can express `scene` exactly."""
    if technique == "css_transition":
        # A transition goes once from one value to another.
        return all(len(t.keyframes) == 2 and t.iterations == 1 and t.direction == "normal" for t in scene.tracks)
    if technique == "canvas":
        # The compositor re-rasterises a scaled layer at moments of its own choosing (sharper on some
        # frames than others); a canvas cannot follow that, so scenes that scale stay in the DOM.
        return all(t.prop != "scale" for t in scene.tracks)
    return technique in TECHNIQUES


def compile_scene(scene: Scene, technique: str) -> Page:
    """The scene as a page animated with `technique`."""
    if technique not in TECHNIQUES:
        raise ValueError(f"unknown technique {technique!r}; expected one of {', '.join(TECHNIQUES)}")
    if not applicable(technique, scene):
        raise ValueError(f"{technique} cannot express this scene (it needs one 2-keyframe, 1-iteration, normal run per track)")
    return Page(html=_COMPILERS[technique](scene))


# --------------------------------------------------------------------------- shared page parts


def _document(scene: Scene, css: str, body: str) -> str:
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><style>\n"
        f"html,body{{margin:0;height:100%}}\nbody{{background:{rgb(scene.background)};overflow:hidden;position:relative}}\n"
        f"{css}</style></head>\n<body>\n{body}</body></html>\n"
    )


def _element_css(index: int, element: Element) -> str:
    left, top, width, height = element.box
    rules = [f"left:{num(left)}px", f"top:{num(top)}px", f"width:{num(width)}px", f"height:{num(height)}px"]
    if element.fill is not None:
        rules.append(f"background-color:{rgb(element.fill)}")
    if element.shape == "circle":
        rules.append("border-radius:50%")
    elif element.radius:
        rules.append(f"border-radius:{num(element.radius)}px")
    if element.text:
        rules += [f"color:{rgb(element.text_color)}",
                  f"font:{element.font_weight} {element.font_px}px \"{element.font_family}\""]
    return f"#e{index}{{{';'.join(rules)}}}\n"


# Flex centring puts the line box's middle on the box's middle; the canvas engine places its
# baseline by the same rule (font ascent/descent), so text lands on the same pixels.
_ELEMENT_BASE_CSS = (".el{position:absolute;box-sizing:border-box;display:flex;align-items:center;"
                     "justify-content:center;white-space:nowrap;line-height:normal;will-change:transform}\n")


def _dom_body(scene: Scene, script: str = "") -> str:
    divs = "".join(f"<div class=\"el\" id=\"e{i}\">{_escape(e.text)}</div>\n" for i, e in enumerate(scene.elements))
    return divs + (f"<script>\n{script}</script>\n" if script else "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dom_css(scene: Scene) -> str:
    return _ELEMENT_BASE_CSS + "".join(_element_css(i, e) for i, e in enumerate(scene.elements))


def _declarations(track: Track, value: tuple[float, ...]) -> str:
    return ";".join(f"{p}:{v}" for p, v in css_declarations(track.prop, value))


def _iterations_css(track: Track) -> str:
    return "infinite" if track.iterations == 0 else str(track.iterations)


# --------------------------------------------------------------------------- CSS @keyframes


def _css_keyframes(scene: Scene) -> str:
    css = [_dom_css(scene)]
    for i, element in enumerate(scene.elements):
        runs = []
        for track in element.tracks:
            name = f"e{i}-{track.prop}"
            frames = " ".join(
                f"{num(k.offset * 100)}%{{{_declarations(track, k.value)};animation-timing-function:{k.easing}}}"
                for k in track.keyframes)
            css.append(f"@keyframes {name}{{{frames}}}\n")
            runs.append(f"{name} {num(track.duration_s)}s linear {num(track.delay_s)}s {_iterations_css(track)} "
                        f"{track.direction} both")
        if runs:
            css.append(f"#e{i}{{animation:{','.join(runs)}}}\n")
    return _document(scene, "".join(css), _dom_body(scene))


# --------------------------------------------------------------------------- CSS transitions


def _css_transition(scene: Scene) -> str:
    css = [_dom_css(scene)]
    lines = ["// Read layout once so the start values are committed; the changes below then transition.",
             "document.body.getBoundingClientRect();"]
    for i, element in enumerate(scene.elements):
        if not element.tracks:
            continue
        starts, transitions = [], []
        for track in element.tracks:
            first, last = track.keyframes
            starts.append(_declarations(track, first.value))
            for prop, _ in css_declarations(track.prop, first.value):
                transitions.append(f"{prop} {num(track.duration_s)}s {first.easing} {num(track.delay_s)}s")
            for prop, value in css_declarations(track.prop, last.value):
                lines.append(f"document.getElementById('e{i}').style.setProperty('{prop}', '{value}');")
        css.append(f"#e{i}{{{';'.join(starts)};transition:{','.join(transitions)}}}\n")
    return _document(scene, "".join(css), _dom_body(scene, "\n".join(lines) + "\n"))


# --------------------------------------------------------------------------- Web Animations API


def _camel(prop: str) -> str:
    head, *rest = prop.split("-")
    return head + "".join(w.capitalize() for w in rest)


def _waapi(scene: Scene) -> str:
    lines = []
    for i, element in enumerate(scene.elements):
        for track in element.tracks:
            frames = []
            for k in track.keyframes:
                frame = {"offset": k.offset, "easing": k.easing}
                frame.update({_camel(p): v for p, v in css_declarations(track.prop, k.value)})
                frames.append(frame)
            timing = (f"{{duration:{num(track.duration_s * 1000)},delay:{num(track.delay_s * 1000)},"
                      f"iterations:{'Infinity' if track.iterations == 0 else track.iterations},"
                      f"direction:'{track.direction}',fill:'both'}}")
            lines.append(f"document.getElementById('e{i}').animate({json.dumps(frames)}, {timing});")
    return _document(scene, _dom_css(scene), _dom_body(scene, "\n".join(lines) + "\n"))


# --------------------------------------------------------------------------- JavaScript engine

ENGINE_JS = r"""
const NAMED = {linear: null, ease: [0.25, 0.1, 0.25, 1], 'ease-in': [0.42, 0, 1, 1],
               'ease-out': [0, 0, 0.58, 1], 'ease-in-out': [0.42, 0, 0.58, 1]};
function bezier(x1, y1, x2, y2) {
  const cx = 3 * x1, bx = 3 * (x2 - x1) - cx, ax = 1 - cx - bx;
  const cy = 3 * y1, by = 3 * (y2 - y1) - cy, ay = 1 - cy - by;
  const X = (t) => ((ax * t + bx) * t + cx) * t, Y = (t) => ((ay * t + by) * t + cy) * t;
  const dX = (t) => (3 * ax * t + 2 * bx) * t + cx;
  return (x) => {
    let t = x;
    for (let i = 0; i < 8; i++) {
      const err = X(t) - x;
      if (Math.abs(err) < 1e-7) return Y(t);
      const d = dX(t);
      if (Math.abs(d) < 1e-6) break;
      t -= err / d;
    }
    let lo = 0, hi = 1; t = x;
    while (hi - lo > 1e-7) { if (X(t) < x) lo = t; else hi = t; t = (lo + hi) / 2; }
    return Y(t);
  };
}
const easings = new Map();
function easing(name) {
  if (!easings.has(name)) {
    let fn = (p) => p, m;
    if (NAMED[name]) fn = bezier(...NAMED[name]);
    else if ((m = /^cubic-bezier\(([^)]*)\)$/.exec(name))) fn = bezier(...m[1].split(',').map(Number));
    else if ((m = /^steps\((\d+)/.exec(name))) { const n = +m[1]; fn = (p) => (p >= 1 ? 1 : Math.floor(p * n) / n); }
    easings.set(name, fn);
  }
  return easings.get(name);
}
// Directed progress of a track at `us` microseconds: iterations, direction and fill 'both'.
function progress(tr, us) {
  const n = tr.n === 0 ? Infinity : tr.n, local = us - tr.delay;
  let it = 0, f = 0;
  if (local >= tr.d * n) { it = n - 1; f = 1; }
  else if (local > 0) { it = Math.floor(local / tr.d); f = (local - it * tr.d) / tr.d; }
  const back = tr.dir === 'reverse' || (tr.dir === 'alternate' && it % 2 === 1)
    || (tr.dir === 'alternate-reverse' && it % 2 === 0);
  return back ? 1 - f : f;
}
function sample(tr, us) {
  const p = progress(tr, us), k = tr.kf;
  let i = 0;
  while (i < k.length - 2 && p >= k[i + 1].o) i++;
  const a = k[i], b = k[i + 1], e = easing(a.e)((p - a.o) / (b.o - a.o));
  return a.v.map((x, j) => x + (b.v[j] - x) * e);
}
function current(el, us) {
  const v = {translate: [0, 0], rotate: [0], scale: [1], opacity: [1], background: el.fill,
             color: el.tc, size: [el.box[2], el.box[3]]};
  for (const tr of el.tracks) v[tr.p] = sample(tr, us);
  v.opacity = [Math.min(1, Math.max(0, v.opacity[0]))];
  return v;
}
const rgb = (c) => `rgb(${c.map((x) => Math.min(255, Math.max(0, x))).join(',')})`;
const T0 = performance.now();
const clockUs = () => Math.round((performance.now() - T0) * 1000);
"""

_RAF_JS = r"""
const nodes = SCENE.els.map((_, i) => document.getElementById('e' + i));
function paint() {
  const us = clockUs();
  SCENE.els.forEach((el, i) => {
    if (!el.tracks.length) return;
    const v = current(el, us), s = nodes[i].style;
    s.translate = `${v.translate[0]}px ${v.translate[1]}px`;
    s.rotate = `${v.rotate[0]}deg`;
    s.scale = `${v.scale[0]}`;
    s.opacity = `${v.opacity[0]}`;
    if (el.fill) s.backgroundColor = rgb(v.background);
    s.color = rgb(v.color);
    s.width = `${v.size[0]}px`;
    s.height = `${v.size[1]}px`;
  });
  requestAnimationFrame(paint);
}
paint();
"""

_CANVAS_JS = r"""
const canvas = document.getElementById('stage'), ctx = canvas.getContext('2d');
const PAD = 2;
// Each element is painted untransformed into its own bitmap, then that bitmap is drawn turned
// and scaled: what the compositor does with an animated layer, so the edges filter the same way.
const layers = SCENE.els.map(() => document.createElement('canvas'));
function paintLayer(layer, el, v, w, h) {
  layer.width = w + 2 * PAD; layer.height = h + 2 * PAD;
  const g = layer.getContext('2d');
  if (el.fill) {
    g.fillStyle = rgb(v.background);
    g.beginPath();
    g.roundRect(PAD, PAD, w, h, el.shape === 'circle' ? Math.min(w, h) / 2 : Math.min(el.radius, w / 2, h / 2));
    g.fill();
  }
  if (el.text) {
    g.font = el.font;
    g.fillStyle = rgb(v.color);
    g.textAlign = 'center';
    const m = g.measureText(el.text);
    g.fillText(el.text, PAD + w / 2, PAD + h / 2 + (m.fontBoundingBoxAscent - m.fontBoundingBoxDescent) / 2);
  }
}
function draw() {
  const us = clockUs();
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  SCENE.els.forEach((el, i) => {
    // Layout snaps a box's size to whole pixels; so does this, to paint the same edges.
    const v = current(el, us), [left, top] = el.box, [w, h] = v.size.map(Math.round);
    paintLayer(layers[i], el, v, w, h);
    ctx.save();
    ctx.globalAlpha = v.opacity[0];
    // CSS transforms turn about the box's centre: translate, then rotate, then scale.
    ctx.translate(left + w / 2 + v.translate[0], top + h / 2 + v.translate[1]);
    ctx.rotate(v.rotate[0] * Math.PI / 180);
    ctx.scale(v.scale[0], v.scale[0]);
    ctx.drawImage(layers[i], -w / 2 - PAD, -h / 2 - PAD);
    ctx.restore();
  });
  requestAnimationFrame(draw);
}
draw();
"""


def _scene_script(scene: Scene, loop: str) -> str:
    return f"const SCENE = {json.dumps(scene.to_json(), separators=(',', ':'))};\n{ENGINE_JS}{loop}"


def _raf(scene: Scene) -> str:
    return _document(scene, _dom_css(scene), _dom_body(scene, _scene_script(scene, _RAF_JS)))


def _canvas(scene: Scene) -> str:
    width, height = scene.viewport
    body = (f"<canvas id=\"stage\" width=\"{width}\" height=\"{height}\" style=\"position:absolute;left:0;top:0\"></canvas>\n"
            f"<script>\n{_scene_script(scene, _CANVAS_JS)}</script>\n")
    return _document(scene, "", body)


_COMPILERS: dict[str, Callable[[Scene], str]] = {
    "css_keyframes": _css_keyframes, "css_transition": _css_transition, "waapi": _waapi, "raf": _raf,
    "canvas": _canvas,
}
