"""`RewardConfig`: which scores make the reward, with which backends, weights and gates."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .functional import FunctionalConfig
from .temporal import TEMPORAL_BACKENDS


def _default_model_cache() -> str:
    return str(Path.home() / ".cache" / "v2c" / "models")


@dataclass(frozen=True)
class RewardConfig:
    """How a candidate page is scored against a reference.

    Scores:
        appearance_backend, temporal_backend, dreamsim_variant, model_cache_dir
    Combination:
        appearance_weight, temporal_weight, functional_weight
    Gates (anti-hacking):
        blank_std, change_level, static_max_pixels, max_code_bytes, size_penalty
    Functional replay:
        functional
    """

    appearance_backend: str = "labssim"
    """`labssim` (embedded, weight-free: CIELAB colour + SSIM structure) or `dreamsim` (Animation2Code's metric; needs weights)."""
    temporal_backend: str = "flow"
    """`flow` (embedded dense optical flow: every kind of change, with an explicit timing measure), `lk` (embedded
    OpenCV Lucas–Kanade point tracks) or `cotracker3` (Animation2Code's tracker; needs weights). See `rewards/temporal.py`."""
    dreamsim_variant: str = "ensemble"
    """DreamSim variant when `appearance_backend="dreamsim"` (ensemble, dino_vitb16, clip_vitb32, open_clip_vitb32, ...)."""
    model_cache_dir: str = field(default_factory=_default_model_cache)
    """Where DreamSim/CoTracker3 weights are looked up (and downloaded to, when online)."""
    appearance_weight: float = 1.0
    """Weight of appearance in the total."""
    temporal_weight: float = 1.0
    """Weight of temporal in the total."""
    functional_weight: float = 1.0
    """Weight of functional replay in the total; used only when the task has an interaction script."""
    blank_std: float = 2.0
    """A candidate whose every frame has a pixel standard deviation below this (0–255 levels) is blank: total 0."""
    change_level: int = 12
    """A pixel changed between two frames when a channel moved by more than this many levels (above codec noise)."""
    static_max_pixels: int = 16
    """A video in which no two consecutive frames differ in more pixels than this is static; a static
    candidate against a moving reference gets temporal 0."""
    max_code_bytes: int = 200_000
    """Pages larger than this are penalised (generated pages are a few kB; huge outputs are a known hack)."""
    size_penalty: float = 0.5
    """Fraction of the total taken away from a page over `max_code_bytes`."""
    functional: FunctionalConfig = field(default_factory=FunctionalConfig)
    """Per-step similarity rule and thresholds of the functional-replay score."""

    def __post_init__(self) -> None:
        if self.appearance_backend not in ("labssim", "dreamsim"):
            raise ValueError(f"appearance_backend must be 'labssim' or 'dreamsim', got {self.appearance_backend!r}")
        if self.temporal_backend not in TEMPORAL_BACKENDS:
            raise ValueError(f"temporal_backend must be one of {TEMPORAL_BACKENDS}, got {self.temporal_backend!r}")
        if min(self.appearance_weight, self.temporal_weight, self.functional_weight) < 0:
            raise ValueError("reward weights must be non-negative")

    @classmethod
    def paper(cls, **overrides: object) -> "RewardConfig":
        """Animation2Code's metrics: DreamSim appearance and CoTracker3 temporal (weights required)."""
        return replace(cls(appearance_backend="dreamsim", temporal_backend="cotracker3"), **overrides)

    @classmethod
    def named(cls, name: str) -> "RewardConfig":
        """`default` or `paper`, as the CLI's `--config` takes them."""
        if name == "default":
            return cls()
        if name == "paper":
            return cls.paper()
        raise ValueError(f"unknown reward config {name!r}; expected 'default' or 'paper'")
