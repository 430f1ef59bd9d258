"""Where scoring runs: one `ScoringBackend`, made by `make_backend`, taken by every consumer as `backend=`.

A backend hands out the three things the layers above need, all over the same browsers and the same
prepared references:

- `reward_scorer()`: the async scorer TRL's reward functions call (`prepare_async`, `score_async`,
  `score_many_async`, `scores`);
- `episode_scorer()`: the `EpisodeScorer` an env's episode prepares its reference and scores its
  candidates through (`v2c.rewards.episode_scoring`);
- `renderer()`: a `RenderBackend` for whole renders (a training dataset's prompt frames, a task browser);

and `close()` frees what it started. `LocalBackend` scores in this process; `RayBackend`
(`v2c.rewards.ray_pool`) on a Ray cluster's actors, where frames never travel in full. The Gym env,
its vector copies, the TRL reward functions and tool env, `v2c eval`, `v2c train`, the OpenEnv server
and the widgets take a backend and nothing else, so a new backend is one class here or beside
`ray_pool` (`tests/test_backend.py` adds a toy one and runs every consumer on it).

    backend = make_backend("local", RewardConfig())                 # or make_backend("ray", workers=4)
    env = gym.make("v2c/Animation-v0", backend=backend)
    reward_funcs = make_reward_funcs(backend=backend)
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from v2c.render import LocalRendererPool, Page, RenderBackend, RenderConfig, default_pool

from .breakdown import RewardBreakdown
from .config import RewardConfig
from .episode_scoring import EpisodeScorer, LocalEpisodeScorer
from .reference import Reference
from .scorer import RewardScorer

BACKENDS = ("local", "ray")
"""The kinds `make_backend` builds."""


class ReferenceScorer(Protocol):
    """What reward functions score through: prepare a reference once, then score its candidates."""

    scores: Mapping[str, Any]
    """Score names, in the config's order."""

    async def prepare_async(self, reference: Reference) -> Any: ...

    async def score_async(self, reference: Any, candidate: Page | str) -> RewardBreakdown: ...

    async def score_many_async(self, reference: Any, candidates: Sequence[Page | str]) -> list[RewardBreakdown]: ...


class ScoringBackend(Protocol):
    """Renders and scores for the layers above; see the module docstring."""

    reward_config: RewardConfig
    """The scores, weights and gates every scorer of the backend applies."""

    def reward_scorer(self) -> ReferenceScorer: ...

    def episode_scorer(self) -> EpisodeScorer: ...

    def renderer(self) -> RenderBackend: ...

    def close(self) -> None: ...


class LocalBackend:
    """Scoring in this process: one `RewardScorer` over one renderer, shared by everything it hands out.

    The renderer is `renderer` when given (shared, not closed here), else the process-wide pool for the
    default `RenderConfig`, else a pool of `browsers` browsers with `render_config`, started on first use
    and closed by `close()`. Copies (Gymnasium deep-copies env kwargs) are the same backend; a pickled
    one (a spawned vector-env worker's) is a new backend with the same settings in that process."""

    def __init__(self, reward_config: RewardConfig | None = None, render_config: RenderConfig | None = None,
                 browsers: int | None = None, renderer: RenderBackend | None = None,
                 cache_size: int = 64) -> None:
        if renderer is not None and (render_config is not None or browsers is not None):
            raise TypeError("a renderer brings its own render config and browsers: pass renderer= alone")
        self.reward_config = reward_config or RewardConfig()
        self.render_config = render_config
        self.browsers = browsers
        self.cache_size = cache_size
        self._given = renderer
        self._owned: LocalRendererPool | None = None
        self._scorer: RewardScorer | None = None

    def renderer(self) -> RenderBackend:
        if self._given is not None:
            return self._given
        if self.render_config in (None, RenderConfig()) and self.browsers is None:
            return default_pool()
        if self._owned is None:
            self._owned = LocalRendererPool(self.browsers, config=self.render_config)
        return self._owned

    def reward_scorer(self) -> RewardScorer:
        if self._scorer is None:
            self._scorer = RewardScorer(self.reward_config, renderer=self.renderer(), cache_size=self.cache_size)
        return self._scorer

    def episode_scorer(self) -> LocalEpisodeScorer:
        return LocalEpisodeScorer(self.reward_scorer())

    def close(self) -> None:
        """Close the pool this backend started (a given renderer and the process-wide pool stay open)."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None
        self._scorer = None

    def __deepcopy__(self, memo: dict) -> "LocalBackend":
        return self

    def __getstate__(self) -> dict[str, Any]:
        # A given renderer pickles as itself (a LocalRendererPool refuses, saying why); the rest is settings.
        return {"reward_config": self.reward_config, "render_config": self.render_config, "browsers": self.browsers,
                "renderer": self._given, "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __enter__(self) -> "LocalBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_backend(kind: str = "local", reward_config: RewardConfig | None = None,
                 render_config: RenderConfig | None = None, *, workers: int = 2, browsers: int | None = None,
                 address: str | None = None, **ray_options: Any) -> ScoringBackend:
    """A `LocalBackend` (`kind="local"`: `browsers` browsers) or a `RayBackend` (`"ray"`: `workers` actors of
    `browsers` browsers each, on the cluster at `address`, `ray_options` being further `RayPoolConfig` fields).
    `workers` means nothing locally (a config's default passes through); a cluster address does."""
    if kind == "local":
        if ray_options or address is not None:
            raise TypeError(f"{', '.join([*ray_options, *(['address'] if address else [])])}: only for the ray "
                            "backend")
        return LocalBackend(reward_config, render_config, browsers)
    if kind == "ray":
        from .ray_pool import RayBackend, RayPoolConfig

        pool = RayPoolConfig(workers=workers, browsers_per_worker=browsers or 1,
                             render=render_config or RenderConfig(), **ray_options)
        return RayBackend(reward_config, pool, address)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {kind!r}")


def resolve_backend(backend: ScoringBackend | None, reward_config: RewardConfig | None = None,
                    **local: Any) -> ScoringBackend:
    """`backend`, or a `LocalBackend(reward_config, **local)` when there is none: what consumers that also accept
    a bare `reward_config=` (the env's `gym.make(..., reward_config=...)`) call."""
    if backend is None:
        return LocalBackend(reward_config, **local)
    if reward_config is not None:
        raise TypeError("a backend brings its own reward config: pass backend= alone")
    return backend
