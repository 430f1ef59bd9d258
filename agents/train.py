"""`v2c train`: GRPO (TRL 1.16) of a VLM on any task source with our rewards. GPU-ready, CPU-capable.

    result = run_train(TrainConfig(model="tiny", tasks="template:pick"), grpo_config(..., max_steps=20))
    result.rewards            # mean reward per logged step

    v2c train --model tiny --tasks template:pick --max_steps 20 --loss_type dr_grpo \\
        --reward_funcs appearance,temporal,format --reward_weights 1 2 0.2 --report_to trackio

Settings: `TrainConfig` (model, data, reward, rendering) and TRL's own `GRPOConfig`, parsed together by
`trl.TrlParser` — every GRPO flag works (`--loss_type`, `--importance_sampling_level sequence` for GSPO,
`--epsilon_high`, `--scale_rewards`, `--mask_truncated_completions`, `--reward_weights`,
`--multi_objective_aggregation`, `--report_to`, `--save_steps`, `--log_completions`, ...), and so does
`--config run.yaml` with any of them. `trainer_defaults` lists what v2c changes from TRL's defaults
(CPU: bf16 off; the tiny model's rate and length); nothing else is forced.

Single turn (default): rows show the coarse pass as images (`v2c.agents.trl_dataset`), the model
answers once, and one reward function per component in `--reward_funcs` (`v2c.agents.trl_rewards`)
scores every completion of the batch, rendering each once. Multi turn (`--multi_turn`):
`VideoToCodeToolEnv` through `environment_factory`; the model may call `request_clip` and must call
`submit_code`; the env's `get_reward` is the reward, and `env_steps` (weight 0) logs the env's metrics
(actions used, clip calls, submissions, best reward, the final pages' scores).

A real run (one 80 GB GPU): `--model Qwen/Qwen3-VL-8B-Instruct` (or 2B/4B to start) `--use_lora`
(r 16–64 on the text decoder's projections), `--per_device_train_batch_size 8 --num_generations 8
--gradient_accumulation_steps 4 --max_completion_length 4096 --learning_rate 1e-5 --bf16`, a few
hundred to a thousand steps over `builtin:animations` (difficulty 1 first), then Animation2Code /
Video2Code data; rendering runs on CPU cores beside it. Generation with vLLM: `--use_vllm` (colocate,
one process), or a vLLM server on its own GPU — `trl vllm-serve --model Qwen/Qwen3-VL-8B-Instruct` there,
then `--use_vllm --vllm_mode server --vllm_server_base_url http://HOST:8000` here.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train")

from v2c.rewards.model_weights import ensure_torchvision_importable  # noqa: E402

ensure_torchvision_importable()  # TRL imports transformers' trainer, which imports torchvision (a no-op when they match)

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from v2c.envs.config import EnvConfig
from v2c.rewards import RewardConfig
from v2c.rewards.backend import ScoringBackend, make_backend
from v2c.render import RenderConfig

TINY_DEFAULTS = {"learning_rate": 1e-2, "max_completion_length": 6}
"""GRPO settings for the tiny model when left unset: it starts random, so it needs a high rate and short answers."""
TINY_SFT_DEFAULTS = {"learning_rate": 3e-3}
"""SFT settings for the tiny model when left unset: a small random model memorises the format at a high rate."""
METHODS = ("grpo", "sft")
TEXT_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainConfig:
    """v2c's settings of one run. Every trainer setting is TRL's own (`GRPOConfig`, `SFTConfig`), parsed
    beside this by `trl.TrlParser` (`v2c train --help` lists both; `--config run.yaml` takes either).

    Method:
        method
    Model:
        model, use_lora, lora_r, lora_alpha, lora_dropout, lora_target_modules
    Data:
        tasks, num_tasks, fps, max_frames, frame_size
    Reward:
        reward, reward_options, reward_funcs, multi_turn
    Rendering and output:
        frame_format, backend, workers, ray_address, save_model
    """

    method: str = field(default="grpo", metadata={"help": "grpo (TRL's GRPOTrainer on our rewards) or sft (TRL's "
                                                           "SFTTrainer on `v2c data sft` conversations, v2c.agents.sft)."})
    model: str = field(default="tiny", metadata={"help": "Hub id (Qwen/Qwen3-VL-2B-Instruct, ...), local folder, or "
                                                         "`tiny` (the offline tiny Qwen3-VL, built on first use)."})
    use_lora: bool = field(default=False, metadata={"help": "Train LoRA adapters (peft) instead of all weights."})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha (scale = alpha / r)."})
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch."})
    lora_target_modules: str = field(default=",".join(TEXT_PROJECTIONS),
                                     metadata={"help": "Comma-separated module names to adapt, or `all-linear`."})
    tasks: str = field(default="template:pick", metadata={
        "help": "Task source spec: template:pick, builtin:animations, builtin:interactions, a dataset path, ...; "
                "with --method sft also a folder `v2c data sft` wrote."})
    num_tasks: int = field(default=16, metadata={"help": "Tasks taken from the source (rows of the dataset)."})
    fps: float = field(default=2.0, metadata={"help": "Rate of the coarse pass shown to the model."})
    max_frames: int = field(default=8, metadata={"help": "Frames per prompt at most."})
    frame_size: list[int] = field(default_factory=lambda: [256, 192],
                                  metadata={"help": "Frame width and height in prompts (two numbers)."})
    reward: str = field(default="default", metadata={"help": "RewardConfig: `default` (weight-free) or `paper` "
                                                              "(DreamSim + CoTracker3; weights needed)."})
    reward_options: str = field(default="{}", metadata={
        "help": "Each score's options, by score name, as JSON (a mapping in a --config YAML): "
                '\'{"appearance": {"alignment": "dtw"}, "temporal": {"flow": {"timing": {"sigma": 0.3}}}}\'; '
                "the fields are those of the score's options dataclass (RewardConfig.options)."})
    reward_funcs: str = field(default="v2c", metadata={
        "help": "Comma-separated reward functions, one TRL reward column each (weight them with --reward_weights, "
                "in this order): v2c (the combined total), a score name (appearance, temporal, functional), format "
                "(the completion holds a page), overlong (TRL's soft overlong punishment)."})
    multi_turn: bool = field(default=False, metadata={"help": "Train through the tool env (request_clip, "
                                                               "submit_code) instead of single answers."})
    frame_format: str = field(default="png", metadata={
        "help": "Frames of the reward renderer: png (lossless) or jpeg (1.3-4x faster renders, JPEG artefacts); "
                "used when no backend is passed in."})
    backend: str = field(default="local", metadata={
        "help": "Where rewards are computed: local (browsers in this process) or ray (a Ray backend of "
                "--workers actors, v2c.rewards.ray_pool: completions go out, breakdowns come back; the prompts' "
                "reference frames and the multi-turn env render on the same actors)."})
    workers: int = field(default=2, metadata={"help": "Scoring actors of the Ray pool (--backend ray)."})
    ray_address: str | None = field(default=None, metadata={
        "help": "Ray cluster to join (--backend ray): auto (this machine's `ray start`), ray://HEAD:10001, or "
                "none to start one here (or join $RAY_ADDRESS)."})
    save_model: bool = field(default=True, metadata={"help": "Save the final model and processor to OUTPUT_DIR/model."})

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")

    def reward_config(self) -> RewardConfig:
        """`reward` with `reward_options` applied (a bad option names the fields it could have been)."""
        options = json.loads(self.reward_options) if isinstance(self.reward_options, str) else self.reward_options
        config = RewardConfig.named(self.reward).with_options(**options)
        for name in options:
            config.score_options(name)
        return config

    def components(self) -> list[str]:
        return [c.strip() for c in self.reward_funcs.split(",") if c.strip()]

    def env_config(self) -> EnvConfig:
        """The tool env's settings of a multi-turn run (`v2c data sft` makes its conversations with the same)."""
        return EnvConfig.for_frames(self.fps, self.max_frames, tuple(self.frame_size))


@dataclass
class TrainResult:
    """What `run_train` returns."""

    output_dir: Path
    log_history: list[dict[str, Any]]
    rewards: list[float]
    """Mean reward of each logged step (GRPO)."""
    seconds: float
    steps_per_s: float
    model_dir: Path | None = None
    trainer: Any = None
    losses: list[float] = field(default_factory=list)
    """Training loss of each logged step."""


def trainer_defaults(cfg: TrainConfig | None = None) -> dict[str, Any]:
    """The TRL settings v2c changes from TRL's defaults, and why; any of them can be overridden.

    CPU machines get `bf16=False` and `use_cpu=True` (TRL's bf16 default fails without a GPU); runs log
    every step into `runs/train` (`runs/sft`), and a few steps is the default length (a demo, not a run: set
    `--max_steps` or `--num_train_epochs`). With `cfg`, also what depends on the method and the model: SFT
    trains on the assistant turns only and never truncates (a cut would split an image's tokens); LoRA's rate,
    and `TINY_DEFAULTS` / `TINY_SFT_DEFAULTS` for the tiny model."""
    import torch

    cuda = torch.cuda.is_available()
    defaults: dict[str, Any] = {"output_dir": "runs/train", "max_steps": 10, "logging_steps": 1, "bf16": cuda,
                                "use_cpu": not cuda, "lr_scheduler_type": "constant", "seed": 0}
    sft = cfg is not None and cfg.method == "sft"
    if sft:
        defaults.update(output_dir="runs/sft", per_device_train_batch_size=4, assistant_only_loss=True,
                        max_length=None)
    else:
        defaults.update(per_device_train_batch_size=16, num_generations=8, max_completion_length=4096,
                        max_tool_calling_iterations=4)
    if cfg is None:
        return defaults
    if cfg.use_lora:
        defaults["learning_rate"] = 1e-5
    from .tiny_vlm import is_tiny

    if is_tiny(cfg.model):
        defaults.update(TINY_SFT_DEFAULTS if sft else TINY_DEFAULTS)
    return defaults


def grpo_config(cfg: TrainConfig, **overrides: Any) -> Any:
    """A `trl.GRPOConfig` with `trainer_defaults(cfg)` under `overrides` (any GRPOConfig field)."""
    from trl import GRPOConfig

    return GRPOConfig(**{**trainer_defaults(cfg), **overrides})


def peft_config(cfg: TrainConfig) -> Any:
    if not cfg.use_lora:
        return None
    from peft import LoraConfig

    targets: Any = cfg.lora_target_modules
    targets = "all-linear" if targets == "all-linear" else [t.strip() for t in targets.split(",") if t.strip()]
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM")


def load_model(cfg: TrainConfig, args: Any) -> tuple[Any, Any]:
    """The model (bf16 when `args.bf16`) and processor of `cfg.model`: a hub id, a folder (a checkpoint of an earlier
    run's `model/` included), or `tiny`."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from .tiny_vlm import resolve_model

    path = resolve_model(cfg.model)
    model = AutoModelForImageTextToText.from_pretrained(path, dtype=torch.bfloat16 if args.bf16 else torch.float32)
    return model, AutoProcessor.from_pretrained(path)


def backend_for(cfg: TrainConfig) -> ScoringBackend:
    """The scoring backend of `cfg`: `--backend local` or `ray` (`--workers` actors on `--ray_address`), with
    `cfg.reward`'s scores and renderers producing `cfg.frame_format` frames."""
    render = None if cfg.frame_format == RenderConfig.frame_format else \
        RenderConfig(frame_format=cfg.frame_format)  # type: ignore[arg-type]
    return make_backend(cfg.backend, cfg.reward_config(), render, workers=cfg.workers,
                        address=cfg.ray_address)


def build_trainer(cfg: TrainConfig, args: Any = None, backend: ScoringBackend | None = None, dataset: Any = None,
                  generation_kwargs: dict[str, Any] | None = None, extra_reward_funcs: Sequence[Any] = ()) -> Any:
    """A ready `GRPOTrainer` for `cfg` and `args` (a `GRPOConfig`; default `grpo_config(cfg)`); the dataset
    is built from `cfg.tasks` unless given. Rewards, rollouts and the dataset's prompt frames all go through
    `backend` (default `backend_for(cfg)`, which then lives as long as the process; `run_train` closes the
    one it makes); a given backend brings its own reward config. `extra_reward_funcs` (any TRL reward
    functions) come after the run's own, and so do their `reward_weights` entries: give a function weight 0
    to only log it (`rewards/<name>/mean`), as `benchmarks/learning.py` does."""
    import torch
    from trl import GRPOTrainer

    from .trl_dataset import DatasetConfig, build_dataset
    from .trl_env import env_steps, make_tool_env_factory
    from .trl_rewards import make_reward_funcs

    args = args if args is not None else grpo_config(cfg)
    if args.per_device_train_batch_size * args.gradient_accumulation_steps % args.num_generations:
        raise ValueError("per_device_train_batch_size × gradient_accumulation_steps must be a multiple of "
                         "num_generations")
    torch.manual_seed(args.seed)
    backend = backend if backend is not None else backend_for(cfg)
    if dataset is None:
        dataset = build_dataset(cfg.tasks, cfg.num_tasks, DatasetConfig(fps=cfg.fps, max_frames=cfg.max_frames,
                                                                        frame_size=tuple(cfg.frame_size),
                                                                        tools=cfg.multi_turn), backend=backend)
    if generation_kwargs:
        args.generation_kwargs = {**(args.generation_kwargs or {}), **generation_kwargs}
    model, processor = load_model(cfg, args)
    extra: dict[str, Any] = {}
    if cfg.multi_turn:
        extra["environment_factory"] = make_tool_env_factory(cfg.env_config(), backend=backend)
        reward_funcs: list[Any] = [env_steps]
        if args.reward_weights is None:  # env_steps only logs; TRL appends the env's own reward with weight 1
            args.reward_weights = [0.0] + [1.0] * len(extra_reward_funcs)
    else:
        reward_funcs = make_reward_funcs(backend=backend, components=cfg.components(),
                                         max_completion_length=args.max_completion_length)
    reward_funcs = [*reward_funcs, *extra_reward_funcs]
    return GRPOTrainer(model=model, processing_class=processor, reward_funcs=reward_funcs, args=args,
                       train_dataset=dataset, peft_config=peft_config(cfg), **extra)


def run_train(cfg: TrainConfig, args: Any = None, backend: ScoringBackend | None = None, dataset: Any = None,
              generation_kwargs: dict[str, Any] | None = None, extra_reward_funcs: Sequence[Any] = ()) -> TrainResult:
    """GRPO: train, save the model (with `save_model`) and `train_log.json`, and return the reward curve.
    (`cfg.method == "sft"` is `v2c.agents.sft.run_sft`'s.)"""
    import os
    import warnings

    if cfg.method != "grpo":
        raise ValueError(f"run_train runs GRPO; method {cfg.method!r} is v2c.agents.sft.run_sft's")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # environment_factory is marked experimental
    warnings.filterwarnings("ignore", message=".*experimental.*")
    owned = backend_for(cfg) if backend is None else None
    try:
        trainer = build_trainer(cfg, args, backend or owned, dataset, generation_kwargs,
                                extra_reward_funcs=extra_reward_funcs)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    finally:
        if owned is not None:
            owned.close()
    return finish_run(trainer, cfg, seconds)


def finish_run(trainer: Any, cfg: TrainConfig, seconds: float) -> TrainResult:
    """Save the model (LoRA merged; with `save_model`) and processor to OUTPUT_DIR/model, and `train_log.json`."""
    out = Path(trainer.args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    history = [dict(h) for h in trainer.state.log_history]
    model_dir = None
    if cfg.save_model:
        model_dir = out / "model"
        model = trainer.model.merge_and_unload() if cfg.use_lora and hasattr(trainer.model, "merge_and_unload") \
            else trainer.model
        model.save_pretrained(model_dir)
        trainer.processing_class.save_pretrained(model_dir)
    steps = trainer.state.global_step
    (out / "train_log.json").write_text(json.dumps({"config": asdict(cfg), "trainer": trainer.args.to_dict(),
                                                     "log_history": history,
                                                     "seconds": seconds}, indent=1, default=str))
    return TrainResult(output_dir=out, log_history=history, rewards=[float(h["reward"]) for h in history if "reward" in h],
                       seconds=seconds, steps_per_s=steps / seconds if seconds > 0 else 0.0, model_dir=model_dir,
                       trainer=trainer, losses=[float(h["loss"]) for h in history if "loss" in h])
