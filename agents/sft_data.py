"""Video2Code's action-aligned supervision as an SFT dataset, from any task source (`v2c data sft`).

    dataset = build_sft_dataset("builtin:interactions", SFTDataConfig(limit=64, seed=0), backend=make_backend())
    save_sft_dataset(dataset, "runs/sft-data")           # save_to_disk + README.md (the dataset card)

One row is one conversation of Video2Code's two stages, exactly as the multi-turn GRPO run sees them
(`v2c train --multi_turn`, the TRL tool env `v2c.agents.trl_env`), so what SFT teaches is what RL parses:

1. system, then user: the task instructions and the tool line (the tool-env row's prompt), then the
   coarse pass (2 fps, as images) with its line — what `VideoToCodeToolEnv.reset` appends;
2. assistant: a short description of what happens, templated from the task's own facts (elements,
   properties, easings; the script's actions and targets; where the reference moves) — no language model —
   and one `request_clip(start, end)` tool call per action-aligned range;
3. tool: each call's answer from the tool env itself (its feedback line and the clip frames);
4. assistant: the page's code (`task.cheat_html()`: the oracle, or a template family's short page, as one
   document with a multi-file source's files inlined), handed in with the tool env's `submit_code(html)` call.

Action-aligned ranges: for an interaction, each step of the script from `margin_s` before it to
`after_s` after it; for an animation, the intervals where the reference render moves by the static
gate's rule (`v2c.rewards.gates.moving_intervals`), grown by `margin_s`; the whole video when nothing
moves. Overlapping ranges merge, the closest ones merge until at most `max_ranges` remain (the env's
clip budget), and every range lies inside the video.

Columns (TRL's conversational vision format): `messages` (content blocks `{"type": "image"}` /
`{"type": "text", "text": ...}`; assistant turns carry `tool_calls` with JSON-string arguments),
`images` (every frame, in the order of the placeholders: the coarse pass, then each clip — TRL fills
only user-turn placeholders, `v2c.agents.sft.ToolFramesCollator` fills tool-turn ones too), `tools`
(the tool env's JSON schemas, as TRL's tool-calling datasets carry them), and `task`, `task_id`,
`task_source`, `kind`, `ranges`, `range_rule`.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train", "datasets")

from v2c.rewards.model_weights import ensure_torchvision_importable  # noqa: E402

ensure_torchvision_importable()  # the rows are for TRL, whose import goes through torchvision

import json
import math
import random
import statistics
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Sequence

from v2c.envs.config import EnvConfig
from v2c.envs.tasks import TaskSource, instructions_for, load_tasks, render_reference
from v2c.envs.tasks.specs import GENERATORS
from v2c.envs.tasks.task import Task
from v2c.rewards import RewardConfig
from v2c.rewards.gates import moving_intervals
from v2c.render import RenderBackend
from v2c.rewards.backend import ScoringBackend, resolve_backend

from .prompts import PROMPTS, task_text
from .row_tasks import serialise_task
from .trl_env import VideoToCodeToolEnv, make_tool_env_factory, tool_schemas

Range = tuple[float, float]


@dataclass
class SFTDataConfig:
    """What `build_sft_dataset` makes. The frame settings match `TrainConfig`'s defaults, so a multi-turn GRPO run
    from the SFT checkpoint shows the model the same frames.

    Selection:
        limit, seed
    Frames:
        fps, max_frames, frame_size
    Ranges:
        margin_s, after_s, max_ranges
    """

    limit: int | None = 32
    """Tasks taken from the source (None: all of a bounded one). Tasks with no known page are skipped."""
    seed: int = 0
    """Seeds the description wording and the row order, and generated sources given without `?seed=`."""
    fps: float = 2.0
    """Rate of the coarse pass (Video2Code's 2 fps)."""
    max_frames: int = 8
    """Frames of the coarse pass and of each clip at most (evenly sampled)."""
    frame_size: tuple[int, int] = (256, 192)
    """(width, height) every frame is resized to."""
    margin_s: float = 0.25
    """Seconds added before each step (interactions) and on both sides of each moving interval (animations)."""
    after_s: float = 0.6
    """Seconds kept after each step of an interaction, for the page's response to show."""
    max_ranges: int = EnvConfig.clip_budget
    """Clip calls per conversation at most (the env's clip budget: more would be refused)."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_ranges <= EnvConfig.clip_budget:
            raise ValueError(f"max_ranges must be 1 to the env's clip budget {EnvConfig.clip_budget}, "
                             f"got {self.max_ranges}")

    def env_config(self) -> EnvConfig:
        """The tool env's settings: those of `v2c train --multi_turn` with the same frame settings."""
        return EnvConfig.for_frames(self.fps, self.max_frames, tuple(self.frame_size))


# ---------------------------------------------------------------------------------------------------- ranges


def merge_ranges(ranges: Sequence[Range], duration_s: float, max_ranges: int) -> list[Range]:
    """Ranges clipped to [0, duration_s], overlaps merged, then the closest neighbours merged until `max_ranges`."""
    clipped = sorted((max(0.0, s), min(duration_s, e)) for s, e in ranges if min(duration_s, e) > max(0.0, s))
    merged: list[Range] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    while len(merged) > max(1, max_ranges):
        gap = min(range(len(merged) - 1), key=lambda i: merged[i + 1][0] - merged[i][1])
        merged[gap:gap + 2] = [(merged[gap][0], merged[gap + 1][1])]
    # Two decimals, rounded inwards where rounding would leave the video.
    return [(_floor2(s), min(_ceil2(e), _floor2(duration_s))) for s, e in merged]


def _floor2(x: float) -> float:
    return math.floor(x * 100 + 1e-9) / 100


def _ceil2(x: float) -> float:
    return math.ceil(x * 100 - 1e-9) / 100


def action_ranges(task: Task, config: SFTDataConfig, renderer: RenderBackend | None = None,
                  reward_config: RewardConfig | None = None) -> tuple[list[Range], str]:
    """The task's action-aligned ranges and the rule that chose them (`steps`, `motion` or `whole`)."""
    if task.interactions:
        raw = [(step.t - config.margin_s, step.t + config.after_s) for step in task.interactions]
        return merge_ranges(raw, task.duration_s, config.max_ranges), "steps"
    video = task.load_video() if task.video is not None else render_reference(task, renderer)
    moving = moving_intervals(video.frames, video.fps, reward_config or RewardConfig())
    if not moving:
        return merge_ranges([(0.0, task.duration_s)], task.duration_s, 1), "whole"
    raw = [(s - config.margin_s, e + config.margin_s) for s, e in moving]
    return merge_ranges(raw, task.duration_s, config.max_ranges), "motion"


# ---------------------------------------------------------------------------------------------------- words

_OPENINGS = ("In the video, ", "The recording shows this: ", "Watching the whole video: ")
_CLOSINGS = ("I will look closer at {ranges}.", "I want to see {ranges} at the full frame rate.",
             "The moments to check frame by frame are {ranges}.")


def _seconds(ranges: Sequence[Range]) -> str:
    return ", ".join(f"{s:g}-{e:g} s" for s, e in ranges)


def _target(target: Any) -> str:
    if not target:
        return "the page"
    for key, words in (("name", "the {role} \"{value}\""), ("label", "the field \"{value}\""),
                       ("placeholder", "the field \"{value}\""), ("text", "\"{value}\""), ("selector", "{value}")):
        if target.get(key):
            return words.format(role=target.get("role", "element"), value=target[key])
    return f"the {target.get('role') or target.get('tag') or 'element'}"


def _step(step: Any) -> str:
    verb = {"click": "clicks", "type": "types \"{value}\" into", "press": "presses {value} on",
            "select": "selects \"{value}\" in", "scroll": "scrolls", "hover": "hovers over", "wait": "waits on"}
    words = verb.get(step.action, step.action).format(value=step.value)
    return f"at {step.t:g} s the user {words} {_target(step.target)}"


def describe(task: Task, ranges: Sequence[Range], rule: str, rng: random.Random) -> str:
    """The assistant's description before the clip calls, from the task's facts only (no language model)."""
    facts = task.metadata
    if task.interactions:
        family = facts.get("family")
        what = f"{'an' if str(family)[:1] in 'aeiou' else 'a'} {family} page" if family else "an interactive page"
        body = f"{what}; " + "; ".join(_step(s) for s in task.interactions) + ", and the page responds each time."
    else:
        parts = []
        if facts.get("animation"):  # animate.css
            parts.append(f"a {facts.get('element', 'element')} plays {facts['animation']}"
                         + (f" for {facts['duration_s']:g} s" if facts.get("duration_s") else ""))
        elif facts.get("colour"):  # template families
            parts.append(f"a {facts['colour']} square slides"
                         + (f" over {facts['duration_s']:g} s" if facts.get("duration_s") else ""))
        else:
            count = facts.get("elements", 1)
            props = ", ".join(facts.get("properties") or [facts.get("family", "motion")])
            easing = ", ".join(facts.get("easings") or [])
            parts.append(f"{count} element{'s' if count != 1 else ''} animate{'s' if count == 1 else ''} {props}"
                         + (f" ({easing})" if easing else ""))
        moving = "nothing moves" if rule == "whole" else f"it moves during {_seconds(ranges)}"
        body = f"{parts[0]}; {moving}."
    return rng.choice(_OPENINGS) + body + " " + rng.choice(_CLOSINGS).format(ranges=_seconds(ranges))


# ---------------------------------------------------------------------------------------------------- rows


def _call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)}}


def _message(role: str, blocks: Sequence[dict[str, Any]], images: list, tool_calls: list | None = None,
             name: str | None = None) -> dict[str, Any]:
    """A message with its images moved into `images` (placeholders stay), in the one shape every row has."""
    content = []
    for block in blocks:
        if block["type"] == "image":
            images.append(block["image"])
            content.append({"type": "image", "text": None})
        else:
            content.append({"type": "text", "text": block["text"]})
    return {"role": role, "content": content, "tool_calls": tool_calls, "name": name}


def sft_row(task: Task, env: VideoToCodeToolEnv, config: SFTDataConfig, spec: str | None = None,
            renderer: RenderBackend | None = None) -> dict[str, Any]:
    """One conversation for `task`; the coarse pass and the clips come from the tool env `env` itself."""
    ranges, rule = action_ranges(task, config, renderer)
    rng = random.Random(f"{config.seed}|{task.source}|{task.id}")
    images: list = []
    prompt = f"{task_text(task.kind, instructions_for(task))}\n\n{PROMPTS['tools']}"
    serialised = serialise_task(task)
    messages = [{"role": "system", "content": [{"type": "text", "text": PROMPTS["system"]}], "tool_calls": None,
                 "name": None},
                _message("user", [{"type": "text", "text": prompt}] + env.reset(task=serialised), images),
                _message("assistant", [{"type": "text", "text": describe(task, ranges, rule, rng)}], images,
                         tool_calls=[_call("request_clip", {"start": s, "end": e}) for s, e in ranges])]
    for start, end in ranges:
        messages.append(_message("tool", env.request_clip(start, end), images, name="request_clip"))
    messages.append(_message("assistant", [], images, tool_calls=[_call("submit_code", {"html": task.cheat_html()})]))
    return {"messages": messages, "images": images, "task": serialised, "task_id": task.id,
            "task_source": spec or task.source, "kind": task.kind, "ranges": [list(r) for r in ranges],
            "range_rule": rule}


def _tasks(source: str | Path | Sequence[Task] | TaskSource, config: SFTDataConfig) -> tuple[list[Task], str | None]:
    spec = str(source) if isinstance(source, (str, Path)) else None
    if spec is not None and spec.partition("?")[0] in GENERATORS and "seed=" not in spec:
        tasks_source = load_tasks(spec, seed=config.seed)
    else:
        tasks_source = load_tasks(source)
    if config.limit is None and not tasks_source.bounded:
        raise ValueError(f"{tasks_source.name} is unbounded: give a limit")
    return list(islice(iter(tasks_source), config.limit)), spec


def features() -> Any:
    """The dataset's `datasets.Features` (fixed, so rows of any source share one schema)."""
    from datasets import Features, Image, List, Value

    block = {"type": Value("string"), "text": Value("string")}
    call = {"type": Value("string"), "function": {"name": Value("string"), "arguments": Value("string")}}
    message = {"role": Value("string"), "content": List(block), "tool_calls": List(call), "name": Value("string")}
    return Features({"messages": List(message), "images": List(Image()), "tools": Value("string"),
                     "task": Value("string"), "task_id": Value("string"), "task_source": Value("string"),
                     "kind": Value("string"), "ranges": List(List(Value("float64"))), "range_rule": Value("string")})


def build_sft_dataset(source: str | Path | Sequence[Task] | TaskSource, config: SFTDataConfig | None = None,
                      backend: ScoringBackend | None = None) -> Any:
    """A `datasets.Dataset` of one conversation per task of `source` that has a known page (see the module doc),
    its episodes played on `backend` (default: a `LocalBackend` on the process-wide pool)."""
    from datasets import Dataset

    cfg = config or SFTDataConfig()
    tasks, spec = _tasks(source, cfg)
    backend = resolve_backend(backend)
    env = make_tool_env_factory(cfg.env_config(), backend=backend)()
    schemas = json.dumps(tool_schemas(env))
    rows = [{**sft_row(t, env, cfg, spec, backend.renderer()), "tools": schemas} for t in tasks if t.has_oracle]
    if not rows:
        raise ValueError(f"no task of {source!r} has a known page to learn from")
    random.Random(cfg.seed).shuffle(rows)
    dataset = Dataset.from_list(rows, features=features())
    dataset.info.description = json.dumps({"config": asdict(cfg), "tasks": len(tasks), "skipped": len(tasks) - len(rows),
                                           "source": spec or getattr(source, "name", "tasks")})
    return dataset


# ---------------------------------------------------------------------------------------------------- card


def card(dataset: Any) -> str:
    """The dataset card: what the rows are, counts by kind, range lengths and how ranges were chosen."""
    info = json.loads(dataset.info.description or "{}")
    kinds = Counter(dataset["kind"])
    rules = Counter(dataset["range_rule"])
    lengths = [e - s for ranges in dataset["ranges"] for s, e in ranges]
    cfg = info.get("config", {})
    lines = [
        "# v2c SFT data: action-aligned video-to-code conversations", "",
        f"Source: `{info.get('source', '?')}`, seed {cfg.get('seed')}: {len(dataset)} conversations "
        f"({info.get('skipped', 0)} tasks skipped: no known page). Made by `v2c data sft` (`v2c.agents.sft_data`).", "",
        "| kind | conversations |", "|---|---|", *[f"| {k} | {n} |" for k, n in sorted(kinds.items())], "",
        f"Clip ranges: {len(lengths)} in all, median length {statistics.median(lengths):.2f} s "
        f"(min {min(lengths):.2f}, max {max(lengths):.2f}); by rule: "
        + ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items())) + ".", "",
        "## How ranges were chosen", "",
        f"- **steps** (interactions): each step of the task's script, from {cfg.get('margin_s')} s before it to "
        f"{cfg.get('after_s')} s after it.",
        f"- **motion** (animations): the intervals where the reference render moves — a frame-to-frame step moves when "
        f"more pixels change than the static gate allows (`v2c.rewards.gates.moving_intervals`) — grown by "
        f"{cfg.get('margin_s')} s on each side.",
        "- **whole**: nothing in the reference moves; the whole video.",
        f"Overlapping ranges are merged, then the closest ones until at most {cfg.get('max_ranges')} remain; every range "
        "lies inside its video.", "",
        "## Conversations", "",
        "system; user (task instructions and the tool line, then the coarse pass at "
        f"{cfg.get('fps')} fps, at most {cfg.get('max_frames')} frames of {cfg.get('frame_size')}); assistant (a short "
        "description and one `request_clip(start, end)` tool call per range); one tool turn per call (the tool env's "
        "feedback and clip frames); assistant (`submit_code(html)` with the page's code: the task's oracle page, or a "
        "template family's short page).", "",
        "**The descriptions are templated from the task's own facts** (elements, animated properties and easings, the "
        "script's actions and targets, where the reference moves). **No language model wrote any text here.**", "",
        "The coarse pass and the clips are what `VideoToCodeToolEnv` returns (`v2c train --multi_turn` with the same "
        "frame settings shows the same), and every tool call parses with `v2c.envs.actions.parse_action`.", "",
        "## Loading", "",
        "```python", "from datasets import load_from_disk", "dataset = load_from_disk(PATH)", "```", "",
        "`images` holds every frame in the order of the `{\"type\": \"image\"}` placeholders, the tool turns' included: "
        "train with `v2c train --method sft --tasks PATH` (its collator, `v2c.agents.sft.ToolFramesCollator`, fills "
        "them; TRL's own fills user turns only).", "",
    ]
    return "\n".join(lines)


def save_sft_dataset(dataset: Any, out: str | Path) -> Path:
    """`save_to_disk(out)` and the dataset card as `out/README.md`."""
    out = Path(out)
    dataset.save_to_disk(str(out))
    (out / "README.md").write_text(card(dataset))
    return out


__all__ = ["SFTDataConfig", "action_ranges", "build_sft_dataset", "card", "describe", "features", "merge_ranges",
           "save_sft_dataset", "sft_row"]
