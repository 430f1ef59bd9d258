"""Pages built from real front-end libraries on npm, and their variants, for benchmarks/recorded_fidelity.py.

Every animation here comes from a library pinned in v2c/render/vendor/package.json (installed by
scripts/vendor_js.sh): its files are read from node_modules and served beside the page (or, for CSS
loaders, inlined by tests/real_loaders.py). A page may add a few lines of glue (markup that places a
loader, a call that starts a library, a colour), never an animation of its own.

Techniques covered, one library or more each: CSS animations (spinkit, load-awesome, three-dots), SMIL
SVG (svg-loaders, inline and as an <img>), web components with shadow-root CSS (ldrs), animated GIFs
(lightbox2, slick-carousel, blueimp-gallery), the Web Animations API (anime.js v4 `waapi`, motion),
rAF with canvas and randomness (canvas-confetti, particles.js, fireworks-js), rAF frame counting
(vivus), timers with randomness (typed.js, nprogress).

Variants (`VARIANTS`) change only timing, colour or presence, by one mechanism per kind of source:

* script-driven pages (`kind == "js"`): `time_scale_script(k)` goes first in <head>, as part of the
  candidate page: performance.now, Date, rAF timestamps and timer delays run 1/k as fast, rAF
  callbacks are delivered on every k-th display frame (pages that step per call slow down too), and
  every Web Animation (element.animate, CSS animations and transitions, in shadow roots too) gets
  playbackRate/k as it appears;
* CSS pages: animation durations and delays rewritten (tests/real_loaders.py);
* SMIL: `dur`/`begin`/`end` clock values rewritten; GIFs: frame delays rewritten (`scale_gif_delays`).

`frozen` is the same stretch with k = 10⁶ (CSS loaders: `animation-play-state: paused`); `recolour`
is a CSS filter on the page; `blank` is an empty page of the same background.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.real_loaders import LOADERS, variant_page  # noqa: E402
from v2c.render import Page  # noqa: E402
from v2c.render.network import default_vendor_dir  # noqa: E402

__all__ = ["LibraryPage", "PAGES", "TIMING_FACTORS", "VARIANTS", "FROZEN", "scale_gif_delays", "scale_smil",
           "time_scale_script"]

TIMING_FACTORS = {"timing_x1.15": 1.15, "timing_x1.6": 1.6, "timing_x2.5": 2.5}
FROZEN = 1e6
"""The stretch of `frozen`: 3 s of page time become 3 µs."""
VARIANTS = ("oracle", *TIMING_FACTORS, "recolour", "frozen", "blank")
_SCALES = {"oracle": 1.0, **TIMING_FACTORS, "recolour": 1.0, "frozen": FROZEN}
_RECOLOUR = "hue-rotate(165deg)"
_RECOLOUR_GREY = "sepia(1) saturate(6) hue-rotate(165deg)"
"""Grey or black drawings do not change under a hue rotation: they are tinted first."""


def _vendor(path: str) -> Path:
    full = default_vendor_dir() / "node_modules" / path
    if not full.is_file():
        raise FileNotFoundError(f"{full} is missing: run `bash scripts/vendor_js.sh`")
    return full


def _text(path: str) -> str:
    return _vendor(path).read_text()


# ------------------------------------------------------------------------------------------------
# Variant mechanisms

_TIME_SCALE_JS = r"""(function (k) {
  var MAX_DELAY = 2147483647, seen = new WeakSet(), roots = new Set();
  var rate = Object.getOwnPropertyDescriptor(Animation.prototype, 'playbackRate');
  function slow(a) { if (!seen.has(a)) { seen.add(a); rate.set.call(a, rate.get.call(a) / k); } }
  function slowAll() {
    try {
      document.getAnimations().forEach(slow);
      roots.forEach(function (r) { r.getAnimations().forEach(slow); });
    } catch (e) { /* a document without getAnimations: nothing to slow */ }
  }
  Object.defineProperty(Animation.prototype, 'playbackRate', { configurable: true, get: rate.get,
    set: function (v) { rate.set.call(this, seen.has(this) ? v / k : v); } });
  var update = Animation.prototype.updatePlaybackRate;
  Animation.prototype.updatePlaybackRate = function (v) { return update.call(this, seen.has(this) ? v / k : v); };
  var animate = Element.prototype.animate;
  Element.prototype.animate = function () { var a = animate.apply(this, arguments); slow(a); return a; };
  var attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function () { var r = attach.apply(this, arguments); roots.add(r); return r; };
  var now = performance.now.bind(performance), t0 = now();
  var scaled = function (t) { return t0 + (t - t0) / k; };
  Object.defineProperty(performance, 'now', { configurable: true, value: function () { return scaled(now()); } });
  var RealDate = Date, dateNow = Date.now, d0 = dateNow();
  var dnow = function () { return Math.floor(d0 + (dateNow() - d0) / k); };
  function ScaledDate() {
    var a = Array.prototype.slice.call(arguments);
    if (!new.target) return new RealDate(dnow()).toString();
    return a.length ? new (Function.prototype.bind.apply(RealDate, [null].concat(a)))() : new RealDate(dnow());
  }
  ScaledDate.prototype = RealDate.prototype; ScaledDate.now = dnow; ScaledDate.parse = RealDate.parse;
  ScaledDate.UTC = RealDate.UTC; window.Date = ScaledDate;
  var after = function (fn) {
    return function () {
      try { return typeof fn === 'function' ? fn.apply(this, arguments) : (0, eval)(String(fn)); }
      finally { slowAll(); }
    };
  };
  var st = window.setTimeout, si = window.setInterval;
  var delay = function (ms) { return Math.min(MAX_DELAY, Math.max(0, Number(ms) || 0) * k); };
  window.setTimeout = function (fn, ms) {
    var a = Array.prototype.slice.call(arguments, 2);
    return st.apply(window, [after(fn), delay(ms)].concat(a));
  };
  window.setInterval = function (fn, ms) {
    var a = Array.prototype.slice.call(arguments, 2);
    return si.apply(window, [after(fn), delay(ms)].concat(a));
  };
  var raf = window.requestAnimationFrame.bind(window), queue = new Map(), seq = 0, running = false, credit = 1;
  function tick(t) {
    if (credit >= 1) {
      credit -= 1;
      var due = Array.from(queue.values()); queue.clear();
      due.forEach(function (cb) { try { cb(scaled(t)); } catch (e) { st(function () { throw e; }); } });
    }
    credit += 1 / k;
    slowAll();
    if (queue.size) raf(tick); else running = false;
  }
  window.requestAnimationFrame = function (cb) {
    queue.set(++seq, cb);
    if (!running) { running = true; raf(tick); }
    return seq;
  };
  window.cancelAnimationFrame = function (id) { queue.delete(id); };
  document.addEventListener('DOMContentLoaded', slowAll);
  window.addEventListener('load', slowAll);
  ['animationstart', 'transitionrun'].forEach(function (e) { document.addEventListener(e, slowAll, true); });
})(K);"""


def time_scale_script(k: float) -> str:
    """A <script> that runs everything time-driven on the page 1/k as fast (see the module docstring).
    It must be the page's first script."""
    return "<script>" + _TIME_SCALE_JS.replace("(K);", f"({k:.9g});") + "</script>"


_CLOCK_ATTR = re.compile(r"""\b(dur|begin|end)\s*=\s*(["'])(.*?)\2""")
_CLOCK_VALUE = re.compile(r"(?<![\w.#-])(-?(?:\d+\.?\d*|\.\d+))(ms|s|min|h)?(?![\w.])")


def scale_smil(svg: str, k: float) -> str:
    """Every SMIL clock value of `dur`, `begin` and `end` (offsets in `x.end+0.2s` too) times k."""

    def number(m: re.Match) -> str:
        return f"{float(m.group(1)) * k:.6f}".rstrip("0").rstrip(".") + (m.group(2) or "")

    return _CLOCK_ATTR.sub(lambda m: f"{m.group(1)}={m.group(2)}{_CLOCK_VALUE.sub(number, m.group(3))}{m.group(2)}",
                           svg)


def scale_gif_delays(data: bytes, k: float) -> bytes:
    """The GIF with every frame delay times k (rounded to whole centiseconds, at most 655 s). Browsers
    show delays of 0 or 1 cs as 10 cs: those are scaled from 10."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    out = bytearray(data)
    pos = 13
    if data[10] & 0x80:
        pos += 3 * (2 << (data[10] & 7))

    def skip_sub_blocks(p: int) -> int:
        while data[p]:
            p += data[p] + 1
        return p + 1

    while pos < len(data):
        block = data[pos]
        if block == 0x3B:
            break
        if block == 0x21:
            if data[pos + 1] == 0xF9 and data[pos + 2] == 4:
                delay = int.from_bytes(data[pos + 4:pos + 6], "little")
                delay = min(65535, max(2, round((delay if delay >= 2 else 10) * k)))
                out[pos + 4:pos + 6] = delay.to_bytes(2, "little")
            pos = skip_sub_blocks(pos + 2)
        elif block == 0x2C:
            flags = data[pos + 9]
            pos += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
            pos = skip_sub_blocks(pos + 1)  # after the LZW minimum code size
        else:
            raise ValueError(f"unexpected GIF block 0x{block:02x} at byte {pos}")
    return bytes(out)


# ------------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class Parts:
    """A page before its variant is applied."""

    body: str
    head: str = ""
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    background: str = "#f7f7f2"


@dataclass(frozen=True)
class LibraryPage:
    """One page: where its animation comes from, and how to build each of its variants."""

    name: str
    library: str
    """The package (its name in v2c/render/vendor/package.json: `animejs-v4` is animejs 4) whose bytes animate it."""
    technique: str
    kind: str
    """Animation2Code's `animationType`: "css" (no script) or "js"."""
    make: Callable[[float], Parts] | None = None
    """The page with its timing stretched k times (1: as the library made it); for `kind == "js"` k is applied
    by `time_scale_script` and `make` gets 1."""
    grey: bool = False
    """Drawn in greys: `recolour` tints before rotating hues."""
    css_loader: str | None = None
    """A loader of tests/real_loaders.py, whose variants are made there."""

    def page(self, variant: str = "oracle") -> Page:
        """This page as `variant` (one of `VARIANTS`)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
        if self.css_loader is not None:
            loader = LOADERS[self.css_loader]
            name = {"oracle": "identical", "frozen": "frozen_paused"}.get(variant, variant)
            return Page(variant_page(loader, name))
        assert self.make is not None
        scale = _SCALES.get(variant, 1.0)
        parts = self.make(1.0 if self.kind == "js" else scale)
        head = time_scale_script(scale) if self.kind == "js" and scale != 1.0 else ""
        style = (f"html{{background:{parts.background}}}html,body{{margin:0;width:100%;height:100%;overflow:hidden}}"
                 ".stage{position:absolute;inset:0;display:flex;align-items:center;justify-content:center}")
        if variant == "recolour":
            style += f"body{{filter:{_RECOLOUR_GREY if self.grey else _RECOLOUR}}}"
        body = "" if variant == "blank" else parts.body
        html = (f"<!doctype html><html><head><meta charset='utf-8'>{head}<style>{style}</style>"
                f"{'' if variant == 'blank' else parts.head}</head><body>{body}</body></html>")
        return Page(html=html, files={} if variant == "blank" else dict(parts.files))


def _css_loader(name: str) -> LibraryPage:
    library = LOADERS[name].css.split("/")[0]
    return LibraryPage(name, library, "css-animation", "css", css_loader=name)


def _smil(name: str, zoom: float, as_image: bool = False) -> LibraryPage:
    def make(k: float) -> Parts:
        svg = scale_smil(_text(f"svg-loaders/svg-smil-loaders/{name}.svg"), k)
        if as_image:
            return Parts(f"<div class='stage'><img src='{name}.svg' style='zoom:{zoom}'></div>",
                         files={f"{name}.svg": svg}, background="#1f3a5f")
        return Parts(f"<div class='stage'><div style='zoom:{zoom};display:flex'>{svg}</div></div>",
                     background="#1f3a5f")

    return LibraryPage(f"smil-{'img-' if as_image else ''}{name}", "svg-loaders", "smil" + ("-img" if as_image else ""),
                       "css", make, grey=True)  # white strokes


def _ldrs(element: str, module: str, attributes: str) -> LibraryPage:
    def make(_: float) -> Parts:
        files = {f"ldrs/{p}": _text(f"ldrs/dist/{p}")
                 for p in (f"auto/{module}.js", f"elements/{module}.js", "lib/LdrsBaseElement.js", "lib/scaleD.js")}
        return Parts(f"<div class='stage'><{element} {attributes}></{element}></div>",
                     head=f"<script type='module' src='ldrs/auto/{module}.js'></script>", files=files)

    return LibraryPage(f"ldrs-{element.removeprefix('l-')}", "ldrs", "shadow-css", "js", make)


def _gif(name: str, library: str, path: str, zoom: int) -> LibraryPage:
    def make(k: float) -> Parts:
        data = _vendor(path).read_bytes()
        return Parts(f"<div class='stage'><img src='loading.gif' style='zoom:{zoom};image-rendering:pixelated'></div>",
                     files={"loading.gif": data if k == 1.0 else scale_gif_delays(data, k)}, background="#ffffff")

    return LibraryPage(name, library, "gif", "css", make, grey=True)


def _script_page(name: str, library: str, technique: str, scripts: dict[str, str], body: str, start: str,
                 background: str = "#f7f7f2", head: str = "", grey: bool = False,
                 assets: Mapping[str, str] | None = None) -> LibraryPage:
    """A page that loads `scripts` (served name → node_modules path) and runs the glue `start` after them;
    `assets` are more files served beside it (stylesheets the glue links)."""

    def make(_: float) -> Parts:
        tags = "".join(f"<script src='{served}'></script>" for served in scripts)
        files = {served: _text(path) for served, path in {**scripts, **(assets or {})}.items()}
        return Parts(body + tags + (f"<script>{start}</script>" if start else ""), head=head, files=files,
                     background=background)

    return LibraryPage(name, library, technique, "js", make, grey=grey)


_ANIME_V4 = "<script src='https://cdn.jsdelivr.net/npm/animejs@4.5.0/dist/bundles/anime.umd.min.js'></script>"
"""Served by v2c/render/network.py from the vendored `animejs-v4` package (the recorder routes it the same way)."""


def _anime_waapi(name: str, body: str, start: str) -> LibraryPage:
    def make(_: float) -> Parts:
        return Parts(body + _ANIME_V4 + f"<script>{start}</script>")

    return LibraryPage(name, "animejs-v4", "waapi", "js", make)


def _vivus(name: str, svg_id: str, options: str) -> LibraryPage:
    def make(_: float) -> Parts:
        demo = _text("vivus/index.html")
        match = re.search(rf"<svg[^>]*\bid=\"{svg_id}\"[\s\S]*?</svg>", demo)
        if match is None:
            raise ValueError(f"vivus/index.html has no <svg id={svg_id!r}>")
        svg = re.sub(r"\sonclick=\"[^\"]*\"", "", match.group(0))
        style = ("<style>.stage svg{width:300px;height:300px}"
                 ".stage svg *{fill:none;stroke:#e4572e;stroke-width:3}</style>")
        return Parts(f"<div class='stage'>{svg}</div><script src='vivus.min.js'></script>"
                     f"<script>new Vivus('{svg_id}', {options});</script>", head=style,
                     files={"vivus.min.js": _text("vivus/dist/vivus.min.js")})

    return LibraryPage(name, "vivus", "raf-frames", "js", make)


def _particles(name: str, with_stats: bool) -> LibraryPage:
    """particles.js's own demo: with its stats.js FPS meter (as shipped) or without it."""

    def make(_: float) -> Parts:
        demo = _text("particles.js/demo/index.html")
        files = {"particles.js": _text("particles.js/particles.js"),
                 "css/style.css": _text("particles.js/demo/css/style.css"),
                 "js/app.js": _text("particles.js/demo/js/app.js")}
        if with_stats:
            files["js/lib/stats.js"] = _text("particles.js/demo/js/lib/stats.js")
        else:
            demo = re.sub(r"<!-- stats.js -->[\s\S]*?</script>\s*<script>[\s\S]*?</script>", "", demo)
        demo = demo.replace("../particles.js", "particles.js")
        head = re.search(r"<head>([\s\S]*)</head>", demo).group(1)  # type: ignore[union-attr]
        body = re.search(r"<body>([\s\S]*)</body>", demo).group(1)  # type: ignore[union-attr]
        return Parts(body, head=head, files=files, background="#111")

    return LibraryPage(name, "particles.js", "raf-canvas-random", "js", make)


_CONFETTI_CANVAS = ("<canvas id='c' style='position:absolute;inset:0;width:100%;height:100%'></canvas>"
                    "<script src='confetti.browser.js'></script>"
                    "<script>var fire = confetti.create(document.getElementById('c'),"
                    " {resize: true, useWorker: false});</script>")
"""canvas-confetti on the main thread (`useWorker: false`): the default cannon draws in a worker, whose
time the renderer cannot drive (it reports it)."""


def _confetti(name: str, start: str) -> LibraryPage:
    def make(_: float) -> Parts:
        return Parts(_CONFETTI_CANVAS + f"<script>{start}</script>",
                     files={"confetti.browser.js": _text("canvas-confetti/dist/confetti.browser.js")})

    return LibraryPage(name, "canvas-confetti", "raf-canvas-random", "js", make)


_TYPED_STYLE = "<style>.stage{font:600 34px/1.2 sans-serif;color:#1d4e89}</style>"

PAGES: dict[str, LibraryPage] = {
    page.name: page
    for page in [
        *(_css_loader(name) for name in LOADERS),
        _smil("puff", 4),
        _smil("oval", 4),
        _smil("three-dots", 3),
        _smil("bars", 2),
        _smil("rings", 4),
        _smil("tail-spin", 4, as_image=True),
        _ldrs("l-ring", "ring", "size='140' stroke='12' color='#2a7de1'"),
        _ldrs("l-quantum", "quantum", "size='160' color='#e4572e'"),
        _ldrs("l-tail-chase", "tailChase", "size='140' color='#2a9d8f'"),
        _ldrs("l-hourglass", "hourglass", "size='140' color='#8e44ad'"),
        _gif("gif-lightbox2", "lightbox2", "lightbox2/dist/images/loading.gif", 4),
        _gif("gif-slick", "slick-carousel", "slick-carousel/slick/ajax-loader.gif", 6),
        _gif("gif-blueimp", "blueimp-gallery", "blueimp-gallery/img/loading.gif", 3),
        _anime_waapi("anime-waapi-squares",
                     "<style>.row{display:flex;gap:24px;flex-direction:column}"
                     ".sq{width:48px;height:48px;border-radius:8px;background:#e4572e}</style>"
                     "<div class='stage'><div class='row'>" + "<div class='sq'></div>" * 4 + "</div></div>",
                     "anime.waapi.animate('.sq', {translate: '200px', rotate: '1turn', delay: anime.stagger(150),"
                     " duration: 1200, loop: true, alternate: true, ease: 'inOutSine'});"),
        _anime_waapi("anime-waapi-pulse",
                     "<style>.row{display:flex;gap:20px}.dot{width:40px;height:40px;border-radius:50%;"
                     "background:#2a7de1}</style><div class='stage'><div class='row'>"
                     + "<div class='dot'></div>" * 5 + "</div></div>",
                     "anime.waapi.animate('.dot', {scale: [1, 2, 1], opacity: [1, .3, 1], delay: anime.stagger(120),"
                     " duration: 900, loop: true, ease: 'inOutQuad'});"),
        _script_page("motion-rotate", "motion", "waapi",
                     {"motion.js": "motion/dist/motion.js"},
                     "<div class='stage'><div class='box' style='width:120px;height:120px;border-radius:18px;"
                     "background:#8e44ad'></div></div>",
                     "Motion.animate('.box', {rotate: 360, borderRadius: ['18px', '60px', '18px']},"
                     " {duration: 1.5, repeat: Infinity, ease: 'linear'});"),
        _script_page("motion-stagger", "motion", "waapi",
                     {"motion.js": "motion/dist/motion.js"},
                     "<div class='stage'><div style='display:flex;gap:18px'>"
                     + "<div class='bar' style='width:26px;height:120px;background:#2a9d8f;"
                       "border-radius:6px'></div>" * 6
                     + "</div></div>",
                     "Motion.animate('.bar', {scaleY: [0.3, 1, 0.3], opacity: [0.4, 1, 0.4]},"
                     " {duration: 1, repeat: Infinity, delay: Motion.stagger(0.12)});"),
        _confetti("confetti-cannon", "fire({particleCount: 150, spread: 70, origin: {y: 0.6}});"),
        _confetti("confetti-random",
                  "function r(a, b) { return Math.random() * (b - a) + a; }"
                  "setInterval(function () { fire({angle: r(55, 125), spread: r(50, 70), particleCount: r(30, 60),"
                  " origin: {x: r(0.2, 0.8), y: 0.6}}); }, 500);"),
        _particles("particles-demo", with_stats=True),
        _particles("particles-config", with_stats=False),
        _script_page("fireworks", "fireworks-js", "raf-canvas-random",
                     {"fireworks.js": "fireworks-js/dist/index.umd.js"},
                     "<div id='fw' style='position:absolute;inset:0'></div>",
                     "new Fireworks.default(document.getElementById('fw'), {}).start();", background="#000"),
        _vivus("vivus-hi-there", "hi-there", "{type: 'scenario-sync', duration: 20, start: 'autostart', dashGap: 20}"),
        _vivus("vivus-obturateur", "obturateur1", "{type: 'delayed', duration: 150}"),
        _script_page("typed-humanize", "typed.js", "timers-random", {"typed.js": "typed.js/dist/typed.umd.js"},
                     "<div class='stage'><span id='t'></span></div>",
                     "new Typed('#t', {strings: ['npm install typed.js', 'Typed.js is a library'],"
                     " typeSpeed: 40, backSpeed: 20, loop: true});", head=_TYPED_STYLE),
        _script_page("typed-smart-backspace", "typed.js", "timers-random", {"typed.js": "typed.js/dist/typed.umd.js"},
                     "<div class='stage'><span id='t'></span></div>",
                     "new Typed('#t', {strings: ['Loading frames', 'Loading pixels', 'Loading motion'],"
                     " typeSpeed: 30, backSpeed: 15, backDelay: 400, smartBackspace: true, loop: true});",
                     head=_TYPED_STYLE),
        _script_page("nprogress", "nprogress", "timers-random", {"nprogress.js": "nprogress/nprogress.js"},
                     "<div class='stage' style='font:24px sans-serif;color:#555'>loading</div>",
                     "NProgress.configure({trickleSpeed: 200}); NProgress.start();",
                     head="<link rel='stylesheet' href='nprogress.css'>",
                     assets={"nprogress.css": "nprogress/nprogress.css"}),
    ]
}


def library_versions() -> dict[str, str]:
    """The pinned version of each library the pages use."""
    pinned = json.loads((Path(__file__).resolve().parents[1] / "v2c/render/vendor/package.json").read_text())
    deps = pinned["dependencies"]
    return {lib: deps.get(lib, "?").removeprefix("npm:") for lib in sorted({p.library for p in PAGES.values()})}
