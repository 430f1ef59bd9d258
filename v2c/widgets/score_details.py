"""One chart per score, drawn from what the score put in `breakdown.details`: the widgets' detail views.

A view is chosen by `score:backend` (a temporal score explains itself differently with `flow` than with
point tracks), then by `score`, and a score nobody wrote a view for gets its scalar details as a table:

- `appearance`: the aligned per-frame distance curve and the same-time one;
- `temporal:flow`: where the change energy sits on the crop's grid, reference beside candidate, with the
  content and timing factors and the measured time scale (the candidate plays at ×ratio, lagging by lag);
- `temporal:lk`, `temporal:cotracker3`: the matched share of tracks (the tracks themselves are drawn over
  the frames);
- `functional`: each replayed step's similarity and whether it passed.

`register_detail_view("text_visible", view)` adds one for a score of your own. Views only draw: nothing is
scored here.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from . import svg

DetailView = Callable[[Mapping[str, Any], float], str]
"""(a score's details, the frames' fps) → an SVG, or "" when there is nothing to draw."""

_VIEWS: dict[str, DetailView] = {}


def register_detail_view(key: str, view: DetailView) -> None:
    """Draw score `key` (`name`, or `name:backend` for one backend of it) with `view`."""
    _VIEWS[key] = view


def detail_svgs(breakdown: Mapping[str, Any], fps: float) -> list[dict[str, str]]:
    """`[{"name", "svg"}]`: one chart per score of a serialised breakdown that explained itself."""
    details, backends = breakdown.get("details", {}), breakdown.get("backends", {})
    charts = []
    for name in breakdown.get("scores", {}):
        if not details.get(name):
            continue
        backend = str(details[name].get("backend") or backends.get(name, ""))
        view = _VIEWS.get(f"{name}:{backend}") or _VIEWS.get(name) or _scalar_table(name)
        chart = view(details[name], fps)
        if chart:
            charts.append({"name": name, "svg": chart})
    return charts


def _appearance(details: Mapping[str, Any], fps: float) -> str:
    if not details.get("aligned"):
        return ""
    mean = 1.0 - sum(details["aligned"]) / len(details["aligned"])
    return svg.curves({"aligned": details["aligned"], "same time": details.get("same_time", [])},
                      1.0 / float(details.get("fps", fps)),
                      title=f"appearance distance per frame (mean → {mean:.3f})", dashed=("same time",))


def _flow(details: Mapping[str, Any], fps: float) -> str:
    reference, candidate = details.get("cell_energy_reference"), details.get("cell_energy_candidate")
    if not reference or not candidate:
        return ""
    scale = details.get("time_scale", {})
    title = (f"temporal (flow) {details.get('score', 0):.3f} = content {details.get('content', 0):.3f} × timing "
             f"{details.get('timing', 0):.3f}; candidate at ×{scale.get('ratio', 1):.2f}, "
             f"lag {scale.get('lag_s', 0):+.2f} s")
    return svg.heatmaps({"reference: where it changes": reference, "candidate": candidate}, title=title)


def _tracks(details: Mapping[str, Any], fps: float) -> str:
    reference, candidate = details.get("reference_tracks", []), details.get("candidate_tracks", [])
    if not reference and not candidate:
        return ""
    rows = [("moving tracks, reference", len(reference)), ("moving tracks, candidate", len(candidate))]
    rows += [(k, v) for k, v in details.items() if isinstance(v, (int, float, str))]
    return svg.table(rows, title=f"temporal ({details.get('backend', 'tracks')}): tracks drawn over the frames")


def _functional(details: Mapping[str, Any], fps: float) -> str:
    steps = details.get("functional_steps") or []
    if not steps:
        return ""
    return svg.bars([{"similarity": s.get("similarity") if s.get("scored") else None} for s in steps],
                    ["similarity"], [f"{s.get('index')} {'✓' if s.get('passed') else '✗'}" for s in steps],
                    title="functional: similarity per replayed step (✓ passed)")


def _scalar_table(name: str) -> DetailView:
    def view(details: Mapping[str, Any], fps: float) -> str:
        rows = [(k, v) for k, v in details.items() if isinstance(v, (int, float, str))]
        return svg.table(rows, title=name) if rows else ""

    return view


for _key, _view in (("appearance", _appearance), ("temporal:flow", _flow), ("temporal:lk", _tracks),
                    ("temporal:cotracker3", _tracks), ("functional", _functional)):
    register_detail_view(_key, _view)

__all__ = ["DetailView", "detail_svgs", "register_detail_view"]
