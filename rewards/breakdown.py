"""`RewardBreakdown`: every score, the total, and why gates fired — what RL logs and `info` carry."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class GateHit:
    """One anti-hacking gate that changed the reward."""

    name: str
    """render_failed, blank, static, oversize."""
    reason: str
    """What was observed, in words."""


@dataclass
class RewardBreakdown:
    """Every score of one candidate against one reference, each in [0, 1], and the total."""

    scores: dict[str, float | None] = field(default_factory=dict)
    """Score name → value, in the order of `RewardConfig.weights`; None where a score does not apply
    (functional on a task without an interaction script)."""
    total: float = 0.0
    """The weighted mean of the scores that apply, after the gates."""
    gates: list[GateHit] = field(default_factory=list)
    backends: dict[str, str] = field(default_factory=dict)
    """Score name → what computed it."""
    timings_s: dict[str, float] = field(default_factory=dict)
    """Seconds spent per score, rendering, and in all."""
    render_status: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)
    """Explanations for `info` and widgets: `render` (the render's summary), `reference` when the
    reference is a video (`lead_in_frames`, `lead_in_s`: the lead-in dropped from a recording's start,
    `Task.trim_lead_in`; 0 for none; `start_s`: the virtual time candidates were rendered from to align them
    with a recording of their source page, `RewardConfig.align_recording`; `held_frames`: recorded frames that
    held an older picture, `v2c.rewards.recording`; `depends_on_seed`: whether the source page's frames depend
    on its randomness, None without a page, `ReferenceClip.depends_on_seed`)
    and, per score name, what that score emitted (alignments, per-frame distances, tracks, crop boxes,
    per-step results)."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["timings_s"] = {k: round(v, 4) for k, v in self.timings_s.items()}
        return out

    def score_dict(self) -> dict[str, Any]:
        """The stable, JSON-ready summary printed by `v2c score --json` (no details)."""
        out = self.to_dict()
        del out["details"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RewardBreakdown":
        """The inverse of `to_dict` (an episode's saved breakdowns)."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["gates"] = [GateHit(**g) for g in data.get("gates", [])]
        return cls(**fields)


def format_scores(scores: Mapping[str, float | None], total: float | None = None, sep: str = ", ") -> str:
    """`appearance 0.912, temporal 0.450, functional -, total 0.681`: scores in words, for logs and feedback."""
    parts = [f"{name} {'-' if value is None else f'{value:.3f}'}" for name, value in scores.items()]
    if total is not None:
        parts.append(f"total {total:.3f}")
    return sep.join(parts)
