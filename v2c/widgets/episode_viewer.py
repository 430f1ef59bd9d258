"""`EpisodeViewer`: watch an episode — reference and candidate in sync, every code version, its scores.

    from v2c.envs.episode import Episode
    from v2c.widgets import EpisodeViewer
    EpisodeViewer(Episode.load("runs/demo/episodes/anim-0-1826701614-oracle"))   # or a path

Shows, for the selected code version (`step`): the reference and the candidate played in sync
(play/pause, frame slider, speed) with the moving point tracks of the temporal score drawn over
them; reward breakdown bars for every version; one chart per score of what it explained (the per-frame
appearance curve, where the flow temporal saw change and its time scale, the replayed steps;
`v2c.widgets.score_details`); the diff from the
previous version; the clip requests and interaction steps on a timeline; and every action with its
feedback. Playback runs in the browser (no kernel round trip per frame). Displayed, it also carries
a static HTML fallback (an animated GIF, the charts, the diff) for viewers without a kernel.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("notebooks")

from html import escape
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from v2c.envs.episode import Episode, EpisodeStep

from . import svg
from .code_diff import diff_html
from .media import frame_urls, gif_data_url, side_by_side
from .static import CELL, NOTE, PRE, ROW, mimebundle_with_html, section, svg_image
from .score_details import detail_svgs

class EpisodeViewer(anywidget.AnyWidget):
    """An `Episode` (or the folder `Episode.save` wrote) as a synced player with its scores and diffs.

    Arguments:
        max_side: longer side, in pixels, of the frames sent to the browser.
        step: the episode step to show first (a code or patch step); default the last one.
    """

    _esm = Path(__file__).with_name("episode_viewer.js")
    _css = Path(__file__).with_name("episode_viewer.css")

    data = traitlets.Dict().tag(sync=True)
    """Everything the front end draws, built once from the episode."""
    step = traitlets.Int(-1).tag(sync=True)
    """Index of the episode step whose code version is shown (-1 when the episode has none)."""
    frame = traitlets.Int(0).tag(sync=True)
    """Frame shown while paused (the front end advances it locally while playing)."""
    playing = traitlets.Bool(True).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    """Playback speed relative to the task's fps."""
    show_tracks = traitlets.Bool(True).tag(sync=True)
    """Draw the temporal score's moving point tracks over the frames."""

    def __init__(self, episode: Episode | str | Path, *, max_side: int = 256, step: int | None = None, **kwargs: Any) -> None:
        self.episode = episode if isinstance(episode, Episode) else Episode.load(episode)
        self.max_side = max_side
        self._static: str | None = None
        versions = self.episode.code_steps()
        default = versions[-1].index if versions else -1
        super().__init__(data=build_payload(self.episode, max_side), step=default, **kwargs)
        if step is not None:
            self.step = step

    @traitlets.validate("step")
    def _check_step(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        allowed = [s.index for s in self.episode.code_steps()]
        if value not in allowed and not (value == -1 and not allowed):
            raise traitlets.TraitError(f"step {value} has no code version; code steps are {allowed}")
        return value

    @traitlets.observe("step")
    def _step_changed(self, _: dict[str, Any]) -> None:
        self._static = None

    @property
    def selected(self) -> EpisodeStep | None:
        """The episode step currently shown."""
        return next((s for s in self.episode.steps if s.index == self.step), None)

    # ------------------------------------------------------------------ static fallback

    def static_html(self) -> str:
        """Self-contained HTML (no script): GIF of reference | candidate, bars, curve, timeline, diff, actions."""
        if self._static is None:
            self._static = static_html(self.episode, self.data, self.step)
        return self._static

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        return mimebundle_with_html(super()._repr_mimebundle_(**kwargs), self.static_html(), repr(self))

    def save_html(self, path: str | Path) -> Path:
        """Write the static view to a standalone HTML file (for reports)."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"<!doctype html><meta charset='utf-8'><title>{escape(self.episode.task_id)}</title>"
                       + self.static_html())
        return out

    def __repr__(self) -> str:
        return (f"EpisodeViewer(task={self.episode.task_id!r}, steps={len(self.episode.steps)}, "
                f"best_total={self.episode.best_total:.3f})")


# ---------------------------------------------------------------------- payload


def build_payload(episode: Episode, max_side: int = 256) -> dict[str, Any]:
    """The viewer's synced state: frames as data URLs, per-version scores, curves, tracks, diffs, charts.

    A pure view: curves and tracks are what the scorer put in each breakdown's `details`; nothing is
    scored here."""
    reference = np.asarray(episode.reference_frames)
    fps = float(episode.fps)
    height, width = reference.shape[1:3] if reference.ndim == 4 else (192, 256)
    scale = min(1.0, max_side / max(height, width))
    n_frames = int(len(reference))
    versions, previous_code, reference_tracks = [], "", []
    for step in episode.code_steps():
        breakdown = step.breakdown.to_dict() if step.breakdown is not None else {}
        details = breakdown.get("details", {})
        temporal = details.get("temporal", {})
        track_scale = _track_scale(temporal, width * scale)
        entry: dict[str, Any] = {
            "step": step.index, "action_type": step.action_type, "reward": step.reward,
            "label": f"step {step.index}", "frames": frame_urls(step.candidate_frames, max_side),
            "scores": {**breakdown.get("scores", {}), "total": breakdown.get("total")},
            "gates": [{"name": g.get("name", ""), "reason": g.get("reason", "")} for g in breakdown.get("gates", [])],
            "render_status": breakdown.get("render_status", ""),
            "diff_html": diff_html(previous_code, step.code or ""), "code_chars": len(step.code or ""),
            "tracks": _tracks_json(temporal.get("candidate_tracks", []), temporal, fps, n_frames, track_scale),
            "details": detail_svgs(breakdown, fps),
        }
        if temporal.get("reference_tracks") and not reference_tracks:
            reference_tracks = _tracks_json(temporal["reference_tracks"], temporal, fps, n_frames, track_scale)
        previous_code = step.code or previous_code
        versions.append(entry)
    names = list(dict.fromkeys(name for v in versions for name in v["scores"]))
    task = episode.task
    clips = [(f"step {s.index} clip", list(s.clip_segments or [])) for s in episode.steps if s.clip_segments]
    watched = [_clip_strip(s, max_side) for s in episode.steps if s.clip_frames is not None and len(s.clip_frames)]
    marks = [(float(i.get("t", 0.0)), f"{i.get('action', '')} {_target_text(i.get('target'))}")
             for i in task.get("interactions", [])]
    duration = float(task.get("duration_s") or len(reference) / fps)
    return {
        "title": f"{episode.task_id} · {task.get('kind', '')}",
        "task": {k: task.get(k) for k in ("id", "kind", "source", "duration_s", "fps", "viewport", "difficulty")},
        "fps": fps, "n_frames": int(len(reference)),
        "width": int(round(width * scale)), "height": int(round(height * scale)),
        "reference": {"frames": frame_urls(reference, max_side), "tracks": reference_tracks},
        "versions": versions,
        "score_names": names,
        "bars_svg": svg.bars([v["scores"] for v in versions], names, [v["label"] for v in versions],
                             title="reward breakdown per code version") if versions else "",
        "timeline_svg": svg.timeline(duration, clips, marks, title="clip requests"),
        "clips": watched,
        "actions": [{"index": s.index, "type": s.action_type, "reward": round(s.reward, 4),
                     "feedback": s.feedback, "action": _shorten(s.action, 160)} for s in episode.steps],
        "best_total": episode.best_total, "total_reward": episode.total_reward,
    }


CLIP_STRIP_FRAMES = 12
"""Thumbnails per clip in the viewer: enough to see the motion the agent asked for, few enough to send."""


def _clip_strip(step: Any, max_side: int) -> dict[str, Any]:
    """The frames a clip request returned, evenly thinned to `CLIP_STRIP_FRAMES`, with their times."""
    frames = np.asarray(step.clip_frames)
    keep = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), CLIP_STRIP_FRAMES)).round().astype(int))
    times = step.clip_timestamps
    labels = ([f"{float(times[i]):.2f} s" for i in keep] if times is not None else [f"frame {i}" for i in keep])
    return {"step": step.index, "segments": [list(s) for s in step.clip_segments or []], "n_frames": int(len(frames)),
            "frames": frame_urls(frames[keep], max_side // 2), "labels": labels}


def _track_scale(temporal: dict[str, Any], display_width: float) -> float:
    """Display pixels per pixel of the frames the temporal score tracked (the render's, not the episode's copy)."""
    frame_size = temporal.get("frame_size")
    return display_width / frame_size[0] if frame_size else 1.0


def _tracks_json(tracks: list[dict[str, Any]], temporal: dict[str, Any], fps: float, n_frames: int,
                 scale: float) -> list[list[list[float] | None]]:
    """The scorer's tracks (points every 1/`track_rate` s from `start_s`) as one point per displayed frame,
    linearly interpolated between samples, None where the track does not exist."""
    rate = float(temporal.get("track_rate") or fps)
    out = []
    for track in tracks:
        points = np.asarray(track["points"], float) * scale
        sample_times = track["start_s"] + np.arange(len(points)) / rate
        frame_times = np.arange(n_frames) / fps
        inside = (frame_times >= sample_times[0] - 1e-9) & (frame_times <= sample_times[-1] + 1e-9)
        xs = np.interp(frame_times, sample_times, points[:, 0])
        ys = np.interp(frame_times, sample_times, points[:, 1])
        out.append([[round(float(x), 1), round(float(y), 1)] if keep else None for x, y, keep in zip(xs, ys, inside)])
    return out


def _target_text(target: Any) -> str:
    if isinstance(target, dict):
        return str(target.get("name") or target.get("text") or target.get("selector") or "")
    return str(target or "")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------- static view


def _static_clip(clip: dict[str, Any]) -> str:
    images = "".join(f"<figure style='margin:0'><img alt='clip frame' src='{url}'>"
                     f"<figcaption style='{NOTE}'>{label}</figcaption></figure>"
                     for url, label in zip(clip["frames"], clip["labels"]))
    return (f"<details><summary>step {clip['step']} clip: {clip['n_frames']} frames</summary>"
            f"<div style='{ROW}'>{images}</div></details>")


def static_html(episode: Episode, data: dict[str, Any], step: int) -> str:
    versions = data["versions"]
    chosen = next((v for v in versions if v["step"] == step), None)
    selected = next((s for s in episode.steps if s.index == step), None)
    candidate = selected.candidate_frames if selected is not None else None
    movie = gif_data_url(side_by_side(np.asarray(episode.reference_frames), candidate), episode.fps, max_side=360)
    charts = []
    if versions:
        highlight = versions.index(chosen) if chosen is not None else None
        charts.append(svg_image(svg.bars([v["scores"] for v in versions], data["score_names"], [v["label"] for v in versions],
                                         highlight=highlight, title="reward breakdown per code version"), "bars"))
    if chosen is not None:
        charts += [svg_image(chart["svg"], f"{chart['name']} details") for chart in chosen["details"]]
    charts.append(svg_image(data["timeline_svg"], "timeline"))
    scores = ""
    if chosen is not None:
        scores = " · ".join(f"{k} {v:.3f}" for k, v in chosen["scores"].items() if v is not None)
        gates = ", ".join(g["name"] for g in chosen["gates"])
        scores += f" · gates: {gates}" if gates else ""
    rows = "".join(f"<tr><td style='{CELL}'>{a['index']}</td><td style='{CELL}'>{escape(a['type'])}</td>"
                   f"<td style='{CELL}'>{a['reward']:.3f}</td><td style='{CELL}'>{escape(a['feedback'])}</td></tr>"
                   for a in data["actions"])
    caption = f"reference | candidate (step {step})" if chosen is not None else "reference (no code version)"
    body = (f"<div style='{ROW}'><figure style='margin:0'><img alt='reference and candidate' src='{movie}'>"
            f"<figcaption style='{NOTE}'>{escape(caption)}</figcaption></figure>"
            f"<div><div>{charts[0]}</div><div>{escape(scores)}</div></div></div>"
            f"<div style='{ROW}'>{''.join(f'<div>{c}</div>' for c in charts[1:])}</div>"
            + "".join(_static_clip(clip) for clip in data["clips"]) +
            f"<details><summary>code diff (step {step})</summary><pre style='{PRE}'>"
            f"{chosen['diff_html'] if chosen else ''}</pre></details>"
            f"<details><summary>actions</summary><table style='border-collapse:collapse'><tr><th style='{CELL}'>#</th>"
            f"<th style='{CELL}'>action</th><th style='{CELL}'>reward</th><th style='{CELL}'>feedback</th></tr>{rows}"
            "</table></details>")
    return section("v2c-episode-static", f"{data['title']} — best total {data['best_total']:.3f}", body,
                   "Static snapshot; run the notebook for the interactive viewer.")
