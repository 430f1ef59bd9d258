"""Small SVG charts, drawn in Python so a widget's live view and its static fallback show the same thing.

Charts that a live view animates carry their plot geometry as `data-` attributes on the root
(`data-x0`/`data-x1`: the plot's left and right edge in viewBox units, `data-t0`/`data-t1`: the
time those edges stand for), so the front end can draw a playhead without knowing the layout.
"""
from __future__ import annotations

import math
from html import escape
from typing import Mapping, Sequence

COLOURS: dict[str, str] = {
    "appearance": "#4c78a8", "temporal": "#f58518", "functional": "#54a24b", "total": "#333333",
    "reference": "#4c78a8", "candidate": "#e45756",
}
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")
FONT = "font-family='system-ui,sans-serif' font-size='11'"


class Chart:
    """An SVG chart that displays in a notebook as an image, so a saved notebook keeps it (HTML sanitizers,
    JupyterLab's among them, drop inline SVG): `display(Chart(curves(...)))`."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_html_(self) -> str:
        from .static import svg_image

        return svg_image(self.svg)


def colour(name: str, index: int = 0) -> str:
    return COLOURS.get(name, PALETTE[index % len(PALETTE)])


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, body: str, attrs: str = "") -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
            f"height='{height}' style='max-width:100%;height:auto' {attrs}>{body}</svg>")


def bars(groups: Sequence[Mapping[str, float | None]], keys: Sequence[str], labels: Sequence[str],
         highlight: int | None = None, title: str = "", width: int = 420, height: int = 170) -> str:
    """Grouped bars in [0, 1]: one group per entry of `groups` (a step), one bar per key (a reward component).

    A missing or None value leaves its slot empty (functional is None on pure animations). Each group is a
    `<g class='group' data-group='i'>`, so a live view can highlight the selected one.
    """
    keys = [k for k in keys if any(g.get(k) is not None for g in groups)] or list(keys)  # drop all-empty series
    left, right, top, bottom = 30, 8, 18 if title else 8, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(groups))
    slot = plot_w / n
    bar_w = max(2.0, min(22.0, (slot - 8) / max(1, len(keys))))
    parts = [f"<text x='{left}' y='12' {FONT} font-weight='600'>{escape(title)}</text>" if title else ""]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f"<line x1='{left}' x2='{width - right}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd'/>"
                     f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end' {FONT} fill='#666'>{_fmt(tick)}</text>")
    for g, (values, label) in enumerate(zip(groups, labels)):
        x0 = left + g * slot + (slot - bar_w * len(keys)) / 2
        selected = " selected" if g == highlight else ""
        rects = [f"<rect class='slot' x='{left + g * slot + 1:.1f}' y='{top}' width='{slot - 2:.1f}' "
                 f"height='{plot_h}' fill='{'#fff3c4' if selected else 'transparent'}'/>"]
        for k, key in enumerate(keys):
            value = values.get(key)
            if value is None:
                continue
            v = min(1.0, max(0.0, float(value)))
            h = plot_h * v
            rects.append(f"<rect x='{x0 + k * bar_w:.1f}' y='{top + plot_h - h:.1f}' width='{bar_w - 1:.1f}' "
                         f"height='{h:.1f}' fill='{colour(key, k)}'><title>{escape(key)} {v:.3f}</title></rect>")
        rects.append(f"<text x='{left + (g + 0.5) * slot:.1f}' y='{top + plot_h + 13}' text-anchor='middle' "
                     f"{FONT}>{escape(label)}</text>")
        parts.append(f"<g class='group{selected}' data-group='{g}'>{''.join(rects)}</g>")
    legend_x = left
    for k, key in enumerate(keys):
        parts.append(f"<rect x='{legend_x}' y='{height - 11}' width='9' height='9' fill='{colour(key, k)}'/>"
                     f"<text x='{legend_x + 12}' y='{height - 3}' {FONT}>{escape(key)}</text>")
        legend_x += 18 + 7 * len(key)
    return _svg(width, height, "".join(parts), "class='v2c-bars'")


def curves(series: Mapping[str, Sequence[float | None]], dt: float, title: str = "", y_max: float = 1.0,
           width: int = 420, height: int = 150, dashed: Sequence[str] = ()) -> str:
    """Lines over time: sample i of every series is at t = i·dt (None/NaN breaks the line).

    The root carries `data-x0/x1/t0/t1` for a playhead (see the module docstring).
    """
    left, right, top, bottom = 30, 8, 18 if title else 8, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    length = max((len(v) for v in series.values()), default=0)
    t1 = max(dt * max(1, length), 1e-9)
    parts = [f"<text x='{left}' y='12' {FONT} font-weight='600'>{escape(title)}</text>" if title else ""]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f"<line x1='{left}' x2='{width - right}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd'/>"
                     f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end' {FONT} fill='#666'>"
                     f"{_fmt(tick * y_max)}</text>")
    for t in _ticks(t1):
        x = left + plot_w * t / t1
        parts.append(f"<text x='{x:.1f}' y='{top + plot_h + 12}' text-anchor='middle' {FONT} fill='#666'>{_fmt(t)}s</text>")
    for k, (name, values) in enumerate(series.items()):
        style = " stroke-dasharray='4 3'" if name in dashed else ""
        for run in _runs(values):
            points = " ".join(f"{left + plot_w * (i + 0.5) * dt / t1:.1f},"
                              f"{top + plot_h * (1 - min(1.0, max(0.0, v / y_max))):.1f}" for i, v in run)
            parts.append(f"<polyline points='{points}' fill='none' stroke='{colour(name, k)}' stroke-width='1.8'{style}/>")
    legend_x = left
    for k, name in enumerate(series):
        parts.append(f"<line x1='{legend_x}' x2='{legend_x + 12}' y1='{height - 6}' y2='{height - 6}' "
                     f"stroke='{colour(name, k)}' stroke-width='2'/><text x='{legend_x + 15}' y='{height - 2}' "
                     f"{FONT}>{escape(name)}</text>")
        legend_x += 24 + 7 * len(name)
    geometry = f"class='v2c-curve' data-x0='{left}' data-x1='{width - right}' data-t0='0' data-t1='{t1:g}'"
    return _svg(width, height, "".join(parts), geometry)


def heatmaps(grids: Mapping[str, Sequence[Sequence[float]]], title: str = "", cell: int = 22) -> str:
    """Grids of shares in [0, 1] side by side, each cell shaded by its value (darker: more)."""
    top, gap = 18 if title else 4, 18
    rows = max((len(g) for g in grids.values()), default=0)
    cols = max((len(r) for g in grids.values() for r in g), default=0)
    block = cols * cell
    width = max(len(grids) * (block + gap) + gap, 7 * len(title) + 8)
    height = top + rows * cell + 18
    parts = [f"<text x='4' y='12' {FONT} font-weight='600'>{escape(title)}</text>" if title else ""]
    for k, (name, grid) in enumerate(grids.items()):
        x0 = gap + k * (block + gap)
        peak = max((v for row in grid for v in row), default=0.0) or 1.0
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                shade = min(1.0, max(0.0, value / peak))
                parts.append(f"<rect x='{x0 + j * cell}' y='{top + i * cell}' width='{cell - 1}' height='{cell - 1}' "
                             f"fill='{colour(name, k)}' fill-opacity='{0.08 + 0.92 * shade:.2f}'>"
                             f"<title>{value:.3f}</title></rect>")
        parts.append(f"<text x='{x0}' y='{height - 4}' {FONT}>{escape(name)}</text>")
    return _svg(width, height, "".join(parts))


def table(rows: Sequence[tuple[str, object]], title: str = "", width: int = 360) -> str:
    """Name–value rows (numbers to 3 decimals), for what a score explains in scalars."""
    top, line = 18 if title else 4, 15
    parts = [f"<text x='4' y='12' {FONT} font-weight='600'>{escape(title)}</text>" if title else ""]
    for i, (name, value) in enumerate(rows):
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        y = top + (i + 1) * line
        parts.append(f"<text x='8' y='{y}' {FONT} fill='#666'>{escape(str(name))}</text>"
                     f"<text x='{width - 8}' y='{y}' text-anchor='end' {FONT}>{escape(text)}</text>")
    return _svg(width, top + (len(rows) + 1) * line, "".join(parts))


def timeline(duration_s: float, rows: Sequence[tuple[str, Sequence[tuple[float, float]]]],
             marks: Sequence[tuple[float, str]] = (), title: str = "", width: int = 420) -> str:
    """Time ranges on a 0 … duration axis, one labelled row each (clip requests), plus point marks
    (interaction steps). The root carries `data-x0/x1/t0/t1` for a playhead."""
    left, right, row_h = 90, 8, 16
    top = 18 if title else 6
    height = top + row_h * max(1, len(rows)) + (row_h if marks else 0) + 18
    plot_w = width - left - right
    t1 = max(duration_s, 1e-9)

    def x(t: float) -> float:
        return left + plot_w * min(max(t, 0.0), t1) / t1

    parts = [f"<text x='4' y='12' {FONT} font-weight='600'>{escape(title)}</text>" if title else ""]
    parts.append(f"<rect x='{left}' y='{top}' width='{plot_w}' height='{height - top - 18}' fill='#f6f6f6'/>")
    for r, (label, segments) in enumerate(rows):
        y = top + r * row_h
        parts.append(f"<text x='{left - 4}' y='{y + 12}' text-anchor='end' {FONT}>{escape(label)}</text>")
        for start, end in segments:
            parts.append(f"<rect x='{x(start):.1f}' y='{y + 3}' width='{max(2.0, x(end) - x(start)):.1f}' height='{row_h - 6}' "
                         f"rx='2' fill='{PALETTE[r % len(PALETTE)]}'><title>{_fmt(start)}–{_fmt(end)} s</title></rect>")
    if not rows:
        parts.append(f"<text x='{left + 6}' y='{top + 12}' {FONT} fill='#888'>no clip requests</text>")
    if marks:
        y = top + row_h * max(1, len(rows))
        parts.append(f"<text x='{left - 4}' y='{y + 12}' text-anchor='end' {FONT}>interactions</text>")
        for t, label in marks:
            parts.append(f"<path d='M{x(t):.1f},{y + 3} l4,5 l-4,5 l-4,-5 z' fill='#333'><title>{escape(label)} "
                         f"at {_fmt(t)} s</title></path>")
    base = height - 18
    for t in _ticks(t1):
        parts.append(f"<text x='{x(t):.1f}' y='{base + 12}' text-anchor='middle' {FONT} fill='#666'>{_fmt(t)}s</text>")
    geometry = f"class='v2c-timeline' data-x0='{left}' data-x1='{width - right}' data-t0='0' data-t1='{t1:g}'"
    return _svg(width, height, "".join(parts), geometry)


def line_chart(xs: Sequence[float], ys: Sequence[float], title: str, width: int = 260, height: int = 140,
               stroke: str = PALETTE[0]) -> str:
    """One metric against the training step, with its y range and last value (the monitor's static fallback)."""
    left, right, top, bottom = 50, 8, 18, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    pts = [(float(a), float(b)) for a, b in zip(xs, ys) if b is not None and math.isfinite(b)]
    last = f" = {pts[-1][1]:.4g}" if pts else ""
    parts = [f"<text x='4' y='12' {FONT} font-weight='600'>{escape(title)}{escape(last)}</text>",
             f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#ddd'/>"]
    if pts:
        x_lo, x_hi = min(p[0] for p in pts), max(p[0] for p in pts)
        y_lo, y_hi = min(p[1] for p in pts), max(p[1] for p in pts)
        if y_hi - y_lo < 1e-12:
            y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
        x_span = max(x_hi - x_lo, 1e-12)
        coords = [(left + plot_w * ((a - x_lo) / x_span if x_hi > x_lo else 0.5),
                   top + plot_h * (1 - (b - y_lo) / (y_hi - y_lo))) for a, b in pts]
        parts.append("<polyline points='" + " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
                     + f"' fill='none' stroke='{stroke}' stroke-width='1.6'/>")
        if len(coords) == 1:
            parts.append(f"<circle cx='{coords[0][0]:.1f}' cy='{coords[0][1]:.1f}' r='2.5' fill='{stroke}'/>")
        parts.append(f"<text x='{left - 3}' y='{top + 9}' text-anchor='end' {FONT} fill='#666'>{y_hi:.3g}</text>"
                     f"<text x='{left - 3}' y='{top + plot_h}' text-anchor='end' {FONT} fill='#666'>{y_lo:.3g}</text>"
                     f"<text x='{left}' y='{height - 4}' {FONT} fill='#666'>{x_lo:g}</text>"
                     f"<text x='{width - right}' y='{height - 4}' text-anchor='end' {FONT} fill='#666'>step {x_hi:g}</text>")
    return _svg(width, height, "".join(parts), "class='v2c-line'")


def _ticks(t1: float) -> list[float]:
    step = next((s for s in (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60) if t1 / s <= 6), 120.0)
    return [i * step for i in range(int(t1 / step + 1e-9) + 1)]


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive finite samples, so a gap breaks the line instead of bridging it."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, float(v)))
    return [r for r in runs if r]
