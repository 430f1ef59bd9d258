"""`RewardBreakdown`: every score, the total, and why gates fired — what RL logs and `info` carry."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class GateHit:
    """One anti-hacking gate that changed the reward."""

    name: str
    """render_failed, blank, static, oversize."""
    reason: str
    """What was observed, in words."""


@dataclass
class RewardBreakdown:
    """The scores of one candidate against one reference, each in [0, 1]."""

    appearance: float = 0.0
    temporal: float = 0.0
    functional: float | None = None
    """None when the task has no interaction script."""
    total: float = 0.0
    gates: list[GateHit] = field(default_factory=list)
    backends: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    render_status: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)
    """Per-step functional results, render errors, blocked requests: explanations for `info` and widgets."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["timings_s"] = {k: round(v, 4) for k, v in self.timings_s.items()}
        return out

    def score_dict(self) -> dict[str, Any]:
        """The stable, JSON-ready summary printed by `v2c score --json`."""
        return {
            "appearance": self.appearance, "temporal": self.temporal, "functional": self.functional,
            "total": self.total, "gates": [asdict(g) for g in self.gates], "backends": dict(self.backends),
            "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
        }
