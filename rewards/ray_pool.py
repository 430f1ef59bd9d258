"""Score on a Ray cluster: HTML goes out, a `RewardBreakdown` comes back; frames never cross the network.

Each `ScoringWorker` actor holds a `RewardScorer` and its own `LocalRendererPool`, so a reference is
rendered and prepared where its candidates are rendered. `RayScoringPool` routes every request by the
reference's key on a consistent-hash ring: the candidates of a GRPO group land on the worker that has
already prepared that reference (its cache hit). A request spills over to the next worker on the ring
when its own worker already holds `max_in_flight` requests, and is retried there when its worker dies
(the dead worker is replaced). A worker whose browser keeps crashing — `crash_loop_renders` different
pages in a row reported `crashed` — is killed and replaced too, and its requests in flight are retried.

    backend = make_backend("ray", RewardConfig(), workers=4)   # v2c.rewards.backend; address="auto" on a cluster
    breakdowns = await backend.reward_scorer().score_many_async(task.to_reference(), pages)

`RayBackend` (the `ScoringBackend` of this module) hands out the pool itself as the reward scorer
(`prepare_async`, `score_async`, `score_many_async`, `scores`: what TRL's reward functions call).

Envs — the Gymnasium env, its vector copies, the TRL tool env, `v2c eval` — show the agent frames, so they
score through `pool.episode_scorer()`, an `EpisodeScorer` (`v2c.rewards.episode_scoring`): the reference
is prepared on its worker (the same `RewardScorer.prepare_async` as in one process, so local and Ray
references are byte-identical) and each candidate rendered and scored there; what comes back is the
breakdown and the frames at the env's `obs_size` (by default 256×192: a quarter of a 512×384 render's
bytes, 1/16 of a 1024×768 one's). It pickles by the actors' names and the cluster's address into
other processes (the workers of an `AsyncVectorEnv`, started with spawn), so N envs share the pool's
browsers instead of starting N pools. A request whose worker died goes to the next one on the ring.
`pool.render_backend()` is the `RenderBackend` on the same browsers for consumers that need whole
renders (a training dataset's prompt frames); its frames do cross from the actor to the caller.
"""
from __future__ import annotations

import asyncio
import bisect
import hashlib
import os
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Sequence

from v2c.extras import require_extra
from v2c.render import Interaction, LocalRendererPool, Page, RenderConfig, RenderResult, RenderStatus

from .breakdown import RewardBreakdown
from .config import RewardConfig
from .episode_scoring import EpisodeReference, HasReference, resized_render
from .reference import Reference
from .scorer import PreparedReference, RewardScorer, run_sync


@dataclass(frozen=True)
class RayPoolConfig:
    """How many scoring actors, and how requests are spread over them."""

    workers: int = 2
    """Scoring actors (each one `RewardScorer` and one `LocalRendererPool`)."""
    cpus_per_worker: float = 1.0
    """Ray `num_cpus` each actor reserves: its browsers render on these cores."""
    browsers_per_worker: int = 1
    """Headless browsers in each actor's renderer pool (on 2 cores throughput stopped rising past 2–3, which
    is also `LocalRendererPool`'s default size)."""
    max_in_flight: int = 8
    """Requests one worker holds before further ones spill over to the next worker on the ring. 8 keeps a
    whole GRPO group of 8 on the worker that prepared its reference; beyond it, preparing the reference a
    second time elsewhere costs less than queueing."""
    max_attempts: int = 3
    """Workers a request is tried on when the one scoring it dies."""
    crash_loop_renders: int = 3
    """A worker whose renders of this many different pages in a row came back `crashed` is killed and
    replaced: its browser restarts did not help. Counting different pages keeps one page that crashes
    every browser (a memory bomb repeated across a GRPO group) from condemning a healthy worker."""
    ring_points: int = 64
    """Points per worker on the hash ring. Measured on 20k keys, each worker's share of references relative to an
    even split: 16 points gave 0.77–1.23 (2 workers) and 0.54–1.46 (8 workers); 64 gave 0.94–1.06 and 0.81–1.28."""
    render: RenderConfig = field(default_factory=RenderConfig)
    """The actors' renderer settings (the pixels every score sees)."""


@dataclass(frozen=True)
class RoutedReference:
    """What `RayScoringPool.prepare_async` returns: the reference, prepared on the worker it routes to."""

    reference: Reference
    key: str


WORKER_REFERENCES = 64
"""Prepared references each worker keeps (the `RewardScorer` default)."""


class ScoringWorker:
    """One Ray actor's state: a scorer over a local renderer pool (created through `ray.remote`)."""

    def __init__(self, reward_config: RewardConfig, render_config: RenderConfig, browsers: int) -> None:
        self.renderer = LocalRendererPool(browsers, config=render_config)
        self.scorer = RewardScorer(reward_config, renderer=self.renderer, cache_size=WORKER_REFERENCES)
        self.scored = 0

    async def prepare(self, reference: Reference, key: str) -> None:
        await self.scorer.prepare_async(reference, key)

    async def score(self, reference: Reference, key: str, html: str) -> dict[str, Any]:
        prepared = await self.scorer.prepare_async(reference, key)  # the driver's key: no hashing here
        breakdown = await self.scorer.score_async(prepared, Page(html=html))
        self.scored += 1
        return breakdown.to_dict()

    async def render(self, page: Page, duration_s: float, fps: float, viewport: tuple[int, int],
                     interactions: list[Interaction], start_s: float, seed: int | None = None) -> RenderResult:
        return await self.renderer.render_async(page, duration_s, fps, viewport, interactions, start_s, seed)

    async def prepare_episode(self, reference: Reference, key: str, frame_size: tuple[int, int]) -> EpisodeReference:
        return EpisodeReference.of(await self.scorer.prepare_async(reference, key), frame_size)

    async def evaluate_episode(self, reference: Reference, key: str, html: str,
                               frame_size: tuple[int, int]) -> tuple[dict[str, Any], RenderResult]:
        breakdown, rendered = await self.scorer.evaluate_async(await self.scorer.prepare_async(reference, key),
                                                               Page(html=html))
        self.scored += 1
        return breakdown.to_dict(), resized_render(rendered, frame_size)

    def stats(self) -> dict[str, Any]:
        renderer = self.renderer.stats()
        return {"pid": os.getpid(), "scored": self.scored, **self.scorer.cache_stats,
                **{k: renderer[k] for k in ("browser_starts", "browser_pids")}}

    def close(self) -> None:
        self.renderer.close()


EPISODE_REFERENCES = 16
"""Prepared references (at an episode's frame size) each process's `RayEpisodeScorer` keeps."""
REFERENCES_KEPT = 256
"""References whose keys and object-store copies the pool keeps (a few GRPO steps' worth)."""


def connect(address: str | None = None, **init: Any) -> Any:
    """Ray, connected: `address` None joins the cluster named by `$RAY_ADDRESS` or started on this machine,
    else starts a local one; "auto" joins this machine's `ray start` cluster; "ray://head:10001" a remote
    one. A no-op when this process is already connected."""
    require_extra("ray")
    import ray

    if not ray.is_initialized():
        ray.init(address=address, **init)
    return ray


def _ring_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


class HashRing:
    """A consistent-hash ring over worker slots: the same key routes the same way in every process."""

    def __init__(self, slots: int, points: int) -> None:
        self.slots = slots
        self._ring = sorted((_ring_hash(f"worker-{slot}-{point}"), slot)
                            for slot in range(slots) for point in range(points))

    def route(self, key: str) -> list[int]:
        """Worker slots for a reference key: its owner first, then the fallbacks in ring order."""
        start = bisect.bisect(self._ring, (_ring_hash(key), -1))
        order: list[int] = []
        for i in range(len(self._ring)):
            slot = self._ring[(start + i) % len(self._ring)][1]
            if slot not in order:
                order.append(slot)
                if len(order) == self.slots:
                    break
        return order


class RayScoringPool:
    """`workers` scoring actors on the connected Ray cluster (call `ray.init` first, or it starts a local one)."""

    def __init__(self, reward_config: RewardConfig | None = None, config: RayPoolConfig | None = None) -> None:
        require_extra("ray")
        import ray

        self._ray = ray
        self.reward_config = reward_config or RewardConfig()
        self.config = config or RayPoolConfig()
        if self.config.workers < 1 or self.config.max_attempts < 1:
            raise ValueError(f"a pool needs at least one worker and one attempt, got {self.config}")
        if self.config.crash_loop_renders < 1:
            raise ValueError(f"crash_loop_renders must be at least 1, got {self.config.crash_loop_renders}")
        self._actor_class = self._ray.remote(num_cpus=self.config.cpus_per_worker)(ScoringWorker)
        # Named, so that processes holding only an `episode_scorer()` or `render_backend()` find a slot's replacement.
        self._names = tuple(f"v2c-scoring-{uuid.uuid4().hex[:12]}-{slot}" for slot in range(self.config.workers))
        self._actors = [self._start_actor(slot) for slot in range(self.config.workers)]
        self._crashed_pages: list[set[str]] = [set() for _ in range(self.config.workers)]
        self._in_flight = [0] * self.config.workers
        self._ring = HashRing(self.config.workers, self.config.ring_points)
        self._reference_refs: OrderedDict[str, Any] = OrderedDict()
        self.counts = {"requests": 0, "completed": 0, "retries": 0, "spilled": 0, "replaced": 0, "crash_loops": 0}
        """Requests made, breakdowns returned, tries repeated after a worker died, requests that left their
        reference's worker because it was full, workers replaced, and of those the ones killed for a crash loop."""

    @property
    def scores(self) -> dict[str, str]:
        """Score name → backend, in the config's order (what reward functions iterate)."""
        return {name: self.reward_config.backends.get(name, "") for name in self.reward_config.weights}

    def _start_actor(self, slot: int) -> Any:
        options = self._actor_class.options(name=self._names[slot], namespace=NAMESPACE)
        deadline = time.monotonic() + 30
        while True:
            try:
                return options.remote(self.reward_config, self.config.render, self.config.browsers_per_worker)
            except ValueError:  # the name is freed once Ray has marked the slot's killed actor dead
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def episode_scorer(self) -> "RayEpisodeScorer":
        """An `EpisodeScorer` on this pool's actors, for envs (the Gym env, the TRL tool env, `v2c eval`, through
        `RayBackend.episode_scorer()`): references are prepared and candidates rendered and scored on the actors, and only
        frames at the episode's frame size come back. It pickles into worker processes (an `AsyncVectorEnv`'s),
        which join this Ray cluster on first use."""
        return RayEpisodeScorer(self._names, self._address(), self.config.ring_points)

    def render_backend(self) -> "RayRenderer":
        """A `RenderBackend` on this pool's browsers, for consumers that need the full frames of a render (a
        training dataset's prompt frames); it pickles like `episode_scorer()`. Every frame crosses from the
        actor to the caller: an env scores through `episode_scorer()` instead."""
        return RayRenderer(self._names, self._address(), self.config.render)

    def _address(self) -> str:
        return self._ray.get_runtime_context().gcs_address

    # ------------------------------------------------------------------ routing

    def route(self, key: str) -> list[int]:
        """Worker slots for a reference key: its owner on the ring first, then the fallbacks in ring order."""
        return self._ring.route(key)

    def actor(self, slot: int) -> Any:
        """The actor now serving `slot` (tests kill it)."""
        return self._actors[slot]

    def _pick(self, key: str, excluded: set[int]) -> int:
        candidates = [slot for slot in self.route(key) if slot not in excluded] or self.route(key)
        for slot in candidates:
            if self._in_flight[slot] < self.config.max_in_flight:
                if slot != candidates[0]:
                    self.counts["spilled"] += 1
                return slot
        return min(candidates, key=lambda slot: self._in_flight[slot])

    def _reference_ref(self, reference: Reference, key: str) -> Any:
        """The reference in Ray's object store, put once: a group's requests all pass the same object."""
        ref = self._reference_refs.get(key)
        if ref is None:
            ref = self._reference_refs[key] = self._ray.put(reference)
            while len(self._reference_refs) > REFERENCES_KEPT:
                self._reference_refs.popitem(last=False)
        self._reference_refs.move_to_end(key)
        return ref

    def _replace(self, slot: int, dead: Any) -> None:
        if self._actors[slot] is dead:  # not already replaced by another request that saw it die
            self._actors[slot] = self._start_actor(slot)
            self._crashed_pages[slot] = set()
            self.counts["replaced"] += 1

    def _watch_crashes(self, slot: int, actor: Any, html: str, breakdown: dict[str, Any]) -> None:
        """Count this worker's crashed renders of different pages in a row; replace it after `crash_loop_renders`."""
        if self._actors[slot] is not actor:  # already replaced: the count belongs to the new one
            return
        if breakdown.get("render_status") != RenderStatus.CRASHED.value:
            self._crashed_pages[slot].clear()
            return
        self._crashed_pages[slot].add(hashlib.sha256(html.encode("utf-8", "surrogatepass")).hexdigest())
        if len(self._crashed_pages[slot]) >= self.config.crash_loop_renders:
            # Its requests in flight fail with RayActorError and are retried on the replacement or elsewhere.
            self._ray.kill(actor)
            self.counts["crash_loops"] += 1
            self._replace(slot, actor)

    async def _call(self, reference: Reference, method: str, *args: Any) -> Any:
        key = reference.key()
        ref = self._reference_ref(reference, key)
        held: list[int] = []  # the slot of the attempt under way, counted in flight while it runs

        def attempts() -> Iterator[int]:
            tried: set[int] = set()
            for attempt in range(self.config.max_attempts):
                if held:  # the previous attempt's worker died
                    self._in_flight[held.pop()] -= 1
                    self.counts["retries"] += 1
                slot = self._pick(key, tried)
                tried.add(slot)
                self._in_flight[slot] += 1
                held.append(slot)
                yield slot

        try:
            slot, actor, result = await route(attempts(), self._actors.__getitem__, method, (ref, key, *args),
                                              self._replace)
        finally:
            if held:
                self._in_flight[held.pop()] -= 1
        if method == "score":
            self._watch_crashes(slot, actor, args[0], result)
        return result

    # ------------------------------------------------------------------ the scorer's async surface

    async def prepare(self, reference: Reference) -> RoutedReference:
        """Prepare `reference` on its worker ahead of its candidates (optional: scoring prepares on demand)."""
        await self._call(reference, "prepare")
        return RoutedReference(reference, reference.key())

    async def score(self, reference: Reference | RoutedReference | PreparedReference,
                    candidate: Page | str) -> RewardBreakdown:
        """Render and score `candidate` on the worker that holds `reference`."""
        if isinstance(reference, (RoutedReference, PreparedReference)):
            reference = reference.reference
        html = candidate.html if isinstance(candidate, Page) else str(candidate)
        self.counts["requests"] += 1
        breakdown = RewardBreakdown.from_dict(await self._call(reference, "score", html))
        self.counts["completed"] += 1
        return breakdown

    async def score_many(self, reference: Reference | RoutedReference | PreparedReference,
                         candidates: Sequence[Page | str]) -> list[RewardBreakdown]:
        """Score a group of candidates of one reference concurrently."""
        return list(await asyncio.gather(*(self.score(reference, c) for c in candidates)))

    prepare_async = prepare
    score_async = score
    score_many_async = score_many

    def worker_stats(self) -> list[dict[str, Any]]:
        """Per worker slot: its pid, candidates scored, reference cache hits and misses, browser starts and pids."""
        return self._ray.get([actor.stats.remote() for actor in self._actors])

    def close(self) -> None:
        """Stop every actor's browsers, then the actors."""
        for actor in self._actors:
            try:
                self._ray.get(actor.close.remote(), timeout=30)
            except Exception:  # a dead or stuck actor: killing it below still frees its browsers
                pass
            self._ray.kill(actor)
        self._actors = []

    def score_many_sync(self, reference: Reference, candidates: Sequence[Page | str]) -> list[RewardBreakdown]:
        """`score_many` from sync code (scripts, benchmarks)."""
        return run_sync(self.score_many(reference, candidates))

    def __enter__(self) -> "RayScoringPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


NAMESPACE = "v2c"
"""Ray namespace of the scoring actors: other drivers (vector env workers) look them up by name there."""


async def route(slots: Iterable[int], actor_of: Callable[[int], Any], method: str, args: tuple,
                on_dead: Callable[[int, Any], None]) -> tuple[int, Any, Any]:
    """The one routing loop, of the pool and of its handles in other processes: `method(*args)` on the actor
    of each of `slots` in turn until one answers; returns (slot, actor, result). An actor that died is
    reported to `on_dead` (the pool replaces it; a handle in another process forgets it and finds the
    replacement by name) and the request, whose result died with it, goes to the next slot, so nothing is
    scored twice. A slot with no live actor under its name (`actor_of` raises ValueError) is skipped."""
    import ray

    failure: Exception | None = None
    for slot in slots:
        try:
            actor = actor_of(slot)
        except ValueError as error:
            failure = error
            continue
        try:
            return slot, actor, await getattr(actor, method).remote(*args)
        except ray.exceptions.RayActorError as error:
            failure = error
            on_dead(slot, actor)
    raise RuntimeError(f"no scoring worker of the pool could {method}: {failure}")


class _NamedActors:
    """A process's handles on a pool's actors, found by their names (a slot's replacement takes its name),
    joining the pool's cluster on first use. Pickles by the names and the cluster's address (`_state`)."""

    def __init__(self, names: Sequence[str], address: str) -> None:
        self.names = tuple(names)
        self.address = address
        self._handles: dict[int, Any] = {}

    def _state(self) -> dict[str, Any]:
        return {"names": self.names, "address": self.address}

    def __getstate__(self) -> dict[str, Any]:
        return self._state()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __deepcopy__(self, memo: dict) -> "_NamedActors":
        return self  # a shared backend, like `LocalRendererPool` (Gymnasium deep-copies env kwargs)

    def _actor(self, slot: int) -> Any:
        if slot not in self._handles:  # ValueError when no live actor has the name (it is being replaced)
            self._handles[slot] = connect(self.address).get_actor(self.names[slot], namespace=NAMESPACE)
        return self._handles[slot]

    def _forget(self, slot: int, dead: Any) -> None:
        """Drop a dead actor's handle: the next try finds the slot's replacement by name."""
        if self._handles.get(slot) is dead:
            del self._handles[slot]

    def _call(self, slots: Sequence[int], method: str, *args: Any) -> Any:
        """`method(*args)` on the first of `slots` whose actor answers (`route`); each slot is tried twice, as a
        cached handle may be the slot's dead actor and the second try looks its name up again."""
        order = [slot for slot in slots for _ in (0, 1)]
        return run_sync(route(order, self._actor, method, args, self._forget))[2]


class RayRenderer(_NamedActors):
    """A `RenderBackend` on a `RayScoringPool`'s actors (`pool.render_backend()`): each render goes to the
    slot this process has the fewest renders in flight on (ties taken in turn, from a slot that differs
    between processes, so N env workers spread over the slots), and to the next slot when that actor is dead.
    Its frames come back whole. `close` is a no-op: the pool owns the actors."""

    def __init__(self, names: Sequence[str], address: str, config: RenderConfig) -> None:
        super().__init__(names, address)
        self.config = config
        """The actors' renderer settings (the reference cache keys renders by their pixel recipe)."""
        self._in_flight = [0] * len(self.names)
        self._turn = os.getpid()

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "config": self.config}

    def render(self, page: Page | str, duration_s: float, fps: float, viewport: tuple[int, int] = (512, 384),
               interactions: Sequence[Interaction | dict] | None = None, start_s: float = 0.0,
               seed: int | None = None) -> RenderResult:
        page = page if isinstance(page, Page) else Page(html=str(page))
        steps = [s if isinstance(s, Interaction) else Interaction.from_dict(s) for s in interactions or ()]
        n, self._turn = len(self.names), self._turn + 1
        order = sorted(range(n), key=lambda s: (self._in_flight[s], (s - self._turn) % n))
        self._in_flight[order[0]] += 1
        try:
            return self._call(order, "render", page, duration_s, fps, tuple(viewport), steps, start_s, seed)
        finally:
            self._in_flight[order[0]] -= 1

    async def render_async(self, page: Page | str, duration_s: float, fps: float,
                           viewport: tuple[int, int] = (512, 384),
                           interactions: Sequence[Interaction | dict] | None = None,
                           start_s: float = 0.0, seed: int | None = None) -> RenderResult:
        return await asyncio.to_thread(self.render, page, duration_s, fps, viewport, interactions, start_s, seed)

    def close(self) -> None:
        """Nothing to free here: the pool owns the actors."""


class RayEpisodeScorer(_NamedActors):
    """An `EpisodeScorer` (`v2c.rewards.episode_scoring`) on a `RayScoringPool`'s actors
    (`pool.episode_scorer()`): a task's reference goes out once per episode (into Ray's object store),
    each candidate's HTML goes out, and what comes back is the `RewardBreakdown` and the render with its
    frames at the episode's frame size, as is the prepared reference. Requests are routed by the
    reference's key on the pool's ring, so the episodes of a GRPO group share the worker that prepared
    their reference, and go to the next worker on the ring when that one is dead."""

    def __init__(self, names: Sequence[str], address: str, ring_points: int) -> None:
        super().__init__(names, address)
        self.ring_points = ring_points
        self._ring = HashRing(len(self.names), ring_points)
        # The episodes of a GRPO group reset on one task: its reference crosses from the actor once.
        self._prepared: OrderedDict[str, EpisodeReference] = OrderedDict()

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "ring_points": self.ring_points}

    def prepare(self, task: HasReference, frame_size: tuple[int, int]) -> EpisodeReference:
        reference = task.to_reference()
        key = reference.key()
        memo = f"{key}|{tuple(frame_size)}"
        if memo not in self._prepared:
            handle = (connect(self.address).put(reference), key)
            prepared = self._call(self._ring.route(key), "prepare_episode", *handle, tuple(frame_size))
            self._prepared[memo] = replace(prepared, handle=handle)
            while len(self._prepared) > EPISODE_REFERENCES:
                self._prepared.popitem(last=False)
        self._prepared.move_to_end(memo)
        return self._prepared[memo]

    def evaluate(self, reference: EpisodeReference, page: Page,
                 frame_size: tuple[int, int]) -> tuple[RewardBreakdown, RenderResult]:
        ref, key = reference.handle
        breakdown, rendered = self._call(self._ring.route(key), "evaluate_episode", ref, key, page.html,
                                         tuple(frame_size))
        return RewardBreakdown.from_dict(breakdown), rendered


class RayBackend:
    """The `ScoringBackend` (`v2c.rewards.backend`) of a `RayScoringPool` it starts on the cluster at `address`
    (`make_backend("ray", ...)`): reward functions score through the pool, episodes through its
    `episode_scorer()`, whole renders through its `render_backend()`. Copies are the same backend; pickled
    into another process (a spawned vector-env worker) it is a `RayBackendView` of the same actors."""

    def __init__(self, reward_config: RewardConfig | None = None, config: RayPoolConfig | None = None,
                 address: str | None = None) -> None:
        connect(address)
        self.pool = RayScoringPool(reward_config, config)
        self.reward_config = self.pool.reward_config

    def reward_scorer(self) -> RayScoringPool:
        return self.pool

    def episode_scorer(self) -> RayEpisodeScorer:
        return self.pool.episode_scorer()

    def renderer(self) -> RayRenderer:
        return self.pool.render_backend()

    def close(self) -> None:
        """Stop the pool's actors and their browsers."""
        self.pool.close()

    def __deepcopy__(self, memo: dict) -> "RayBackend":
        return self

    def __reduce__(self) -> Any:
        return RayBackendView, (self.reward_config, self.pool.episode_scorer(), self.pool.render_backend())

    def __enter__(self) -> "RayBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class RayBackendView:
    """A `RayBackend` in a process other than the one that started it: episodes and renders go to the same
    actors by name; the actors' lifetime, and `reward_scorer()` (its routing state), stay with the owner."""

    reward_config: RewardConfig
    episodes: RayEpisodeScorer
    renders: RayRenderer

    def reward_scorer(self) -> RayScoringPool:
        raise RuntimeError("a Ray backend's reward scorer lives in the process that made the backend; score rows there "
                           "(this copy reaches the same actors through episode_scorer() and renderer())")

    def episode_scorer(self) -> RayEpisodeScorer:
        return self.episodes

    def renderer(self) -> RayRenderer:
        return self.renders

    def close(self) -> None:
        """Nothing to free here: the backend that started the actors owns them."""
