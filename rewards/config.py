"""`RewardConfig`: which scores make the reward, with which backends, weights and gates."""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from . import registry


def _default_model_cache() -> str:
    return str(Path.home() / ".cache" / "v2c" / "models")


_DEFAULT_WEIGHTS = {"appearance": 1.0, "temporal": 1.0, "functional": 1.0}
_DEFAULT_BACKENDS = {"appearance": "labssim", "temporal": "flow"}


@dataclass(frozen=True)
class RewardConfig:
    """How a candidate page is scored against a reference.

    Scores (by name, see `v2c.rewards.registry`):
        weights, backends, options, score_fps, align_recording, model_cache_dir
    Gates (anti-hacking):
        blank_std, change_level, static_max_pixels, max_code_bytes, size_penalty
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    """Score name → weight in the total. Every score named here is computed and reported (a weight of
    0 reports without counting); the total is the weighted mean over the scores that apply."""
    backends: Mapping[str, str] = field(default_factory=lambda: dict(_DEFAULT_BACKENDS))
    """Score name → backend. appearance: `labssim` (embedded, weight-free) or `dreamsim` (Animation2Code's
    metric; needs weights). temporal: `flow` (embedded dense optical flow with an explicit timing measure), `lk`
    (embedded Lucas–Kanade tracks) or `cotracker3` (needs weights); see `rewards/temporal.py`.
    Scores not named use their own default."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Score name → its options: the dataclass it registered (`register_score(..., options=...)`), or a dict of
    that dataclass's fields, nested dataclasses as dicts too (what YAML and `v2c train --reward_options` give):
    `{"appearance": {"alignment": "dtw"}, "temporal": {"flow": {"timing": {"sigma": 0.3}}},
    "functional": {"pass_threshold": 0.8}}`. Scores not named use their defaults; `score_options(name)`
    builds them."""
    score_fps: float | None = 10.0
    """Frames per second the reference and the candidate are rendered and compared at, at most (a 30 fps task
    is scored at 10; None: the task's own rate). Rendering and the per-frame scores cost in proportion. 10
    because the flow temporal score describes motion at 10 steps per second whatever it is given
    (`FlowConfig.motion_fps`): at 10 it sees exactly the frames it picks from 30 fps (frame k at k/10 s), while
    15 fps left it 7.5 steps per second. `benchmarks/score_resolution.py` prints the scores at the task's
    30 fps beside these, and the timing ladder at both rates."""
    align_recording: bool = True
    """Align a recorded reference that comes with the page that made it (a dataset sample's source) to that page: of
    the display frames (`RenderConfig.display_hz`) within one comparison step, render every candidate from the one
    at which the page's own render scores best against the recording (`PreparedReference.start_s`). A real-time
    recording's frames show the page at display frame times counted from a first paint some frames after its
    animations started: 17 or 50 ms off the comparison grid cost sources 0.03-0.13 against their own recordings
    (`benchmarks/recorded_fidelity.py`: motion-rotate 0.857 unaligned, 0.983 at its phase of 50 ms). Where the
    recording held an older picture (dropped display frames), candidates are compared through their frame nearest
    the time it shows (`v2c.rewards.recording`: smil-puff 0.936 → 0.978). The same render says whether the page's
    frames depend on its randomness (`ReferenceClip.depends_on_seed`; one more render with another seed where it
    drew any): only then can a copy be another random stream of it, which the temporal and appearance scores
    compare without asking where things are (`v2c.rewards.temporal`, "Known randomness"). Costs one render at the
    display rate and a score per phase, once per reference (kept on disk)."""
    model_cache_dir: str = field(default_factory=_default_model_cache)
    """Where DreamSim/CoTracker3 weights are looked up (and downloaded to, when online)."""
    blank_std: float = 2.0
    """A candidate whose every frame has a pixel standard deviation below this (0–255 levels) is blank: total 0."""
    change_level: int = 12
    """A pixel changed between two frames when a channel moved by more than this many levels (above codec noise)."""
    static_max_pixels: int = 16
    """A video in which no two consecutive frames differ in more pixels than this is static; a static
    candidate against a moving reference gets 0 on the scores that need motion (temporal)."""
    max_code_bytes: int = 200_000
    """Pages larger than this are penalised (generated pages are a few kB; huge outputs are a known hack)."""
    size_penalty: float = 0.5
    """Fraction of the total taken away from a page over `max_code_bytes`."""

    def __post_init__(self) -> None:
        # Plain dicts, copied: a caller's mapping changed later must not change this config.
        object.__setattr__(self, "weights", dict(self.weights))
        object.__setattr__(self, "backends", dict(self.backends))
        object.__setattr__(self, "options", dict(self.options))
        if self.score_fps is not None and not self.score_fps > 0:
            raise ValueError(f"score_fps must be positive (or None for the task's rate), got {self.score_fps!r}")
        if not self.weights:
            raise ValueError("weights must name at least one score")
        if min(self.weights.values()) < 0:
            raise ValueError(f"reward weights must be non-negative, got {self.weights}")
        unknown = set(self.backends) - set(self.weights)
        if unknown:
            raise ValueError(f"backends for scores that are not in weights: {sorted(unknown)}")
        unknown = set(self.options) - set(self.weights)
        if unknown:
            raise ValueError(f"options for scores that are not in weights: {sorted(unknown)}")

    def backend(self, score: str, default: str) -> str:
        """The backend chosen for `score`, else the score's own `default`."""
        return self.backends.get(score, default)

    def score_options(self, score: str) -> Any:
        """`score`'s options as the dataclass it registered: `options[score]`, a dict of fields built into it (a
        misspelt field is an error that names the fields), else the defaults; None for a score without options."""
        cls = registry.options_class(score)
        given = self.options.get(score)
        if cls is None:
            if given:
                raise ValueError(f"score {score!r} takes no options, got {given!r}")
            return None
        if given is None:
            return cls()
        return given if isinstance(given, cls) else _build(cls, given, score)

    def with_options(self, **options: Any) -> "RewardConfig":
        """A copy with some scores' options replaced (`config.with_options(appearance={"alignment": "dtw"})`)."""
        return replace(self, options={**self.options, **options})

    def with_weights(self, **weights: float) -> "RewardConfig":
        """A copy with some weights changed or added (`config.with_weights(temporal=2.0)`)."""
        return replace(self, weights={**self.weights, **weights})

    @classmethod
    def paper(cls, **overrides: object) -> "RewardConfig":
        """Animation2Code's metrics: DreamSim appearance aligned by DTW and CoTracker3 temporal (weights required)."""
        return replace(cls(backends={"appearance": "dreamsim", "temporal": "cotracker3"},
                           options={"appearance": {"alignment": "dtw"}}), **overrides)

    @classmethod
    def named(cls, name: str) -> "RewardConfig":
        """`default` or `paper`, as the CLI's `--config` takes them."""
        if name == "default":
            return cls()
        if name == "paper":
            return cls.paper()
        raise ValueError(f"unknown reward config {name!r}; expected 'default' or 'paper'")


def _build(cls: type, fields: Mapping[str, Any], where: str) -> Any:
    """`cls(**fields)`, with nested dataclass fields built from dicts the same way."""
    if not isinstance(fields, Mapping):
        raise TypeError(f"options of {where} must be a {cls.__name__} or a dict of its fields, got {fields!r}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ValueError(f"unknown options of {where} ({cls.__name__}): {', '.join(unknown)}; "
                         f"it takes {', '.join(known)}")
    hints = typing.get_type_hints(cls)
    built = {}
    for name, value in fields.items():
        kind = hints.get(name)
        nested = dataclasses.is_dataclass(kind) and isinstance(value, Mapping)
        built[name] = _build(kind, value, f"{where}.{name}") if nested else \
            (tuple(value) if isinstance(value, list) else value)
    return cls(**built)
