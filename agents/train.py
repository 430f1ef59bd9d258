"""`v2c train`: GRPO (TRL 1.16) of a VLM on any task source with our rewards. GPU-ready, CPU-capable.

    result = run_train(TrainConfig(model="tiny", tasks="template:pick", max_steps=20))
    result.rewards            # mean reward per logged step

Single turn (default): rows show the coarse pass as images (`v2c.agents.trl_dataset`), the model
answers once, `VideoCodeReward` renders and scores every completion of the batch concurrently.
Multi turn (`multi_turn=True`): `VideoToCodeToolEnv` through `environment_factory`; the model may
call `request_clip` and must call `submit_code`; the env's `get_reward` is the reward.

What a real run looks like (one 80 GB GPU): `model=Qwen/Qwen3-VL-8B-Instruct` (or 2B/4B to start),
`use_lora=True` (r 16–64 on the text decoder's projections), `per_device_train_batch_size=8`,
`num_generations=8`, `gradient_accumulation_steps=4`, `max_completion_length=4096`,
`learning_rate=1e-5` (LoRA), `bf16`, `use_vllm=True` (colocate) for generation, a few hundred to a
thousand steps over `builtin:animations` (difficulty 1 first) then Animation2Code/Video2Code data;
rendering runs on CPU cores beside it (`LocalRendererPool(size≈cores/2)`). The defaults here are
the tiny CPU setting.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train")

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from v2c.envs.config import EnvConfig
from v2c.rewards import RewardConfig
from v2c.render import LocalRendererPool, RenderBackend, RenderConfig

TINY_DEFAULTS = {"learning_rate": 1e-2, "max_completion_length": 6}
"""Settings for the tiny model when left unset: it starts random, so it needs a high rate and short answers."""
TEXT_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainConfig:
    """Settings of one GRPO run (`v2c train` takes each field as `--field-name`).

    Model:
        model, use_lora, lora_r, lora_alpha, lora_dropout, lora_target_modules, bf16, gradient_checkpointing
    Data:
        tasks, num_tasks, fps, max_frames, frame_size
    Reward:
        reward, multi_turn, max_tool_calling_iterations
    GRPO:
        max_steps, learning_rate, lr_scheduler_type, warmup_steps, per_device_train_batch_size, num_generations,
        gradient_accumulation_steps, max_completion_length, temperature, beta, use_vllm, seed
    Output:
        output_dir, logging_steps, save_model
    """

    model: str = field(default="tiny", metadata={"help": "Hub id (Qwen/Qwen3-VL-2B-Instruct, ...), local folder, or "
                                                         "`tiny` (the offline tiny Qwen3-VL, built on first use)."})
    use_lora: bool = field(default=False, metadata={"help": "Train LoRA adapters (peft) instead of all weights."})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha (scale = alpha / r)."})
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch."})
    lora_target_modules: str = field(default=",".join(TEXT_PROJECTIONS),
                                     metadata={"help": "Comma-separated module names to adapt, or `all-linear`."})
    bf16: bool | None = field(default=None, metadata={"help": "bfloat16 training; None: on when CUDA is available."})
    gradient_checkpointing: bool = field(default=False, metadata={"help": "Trade compute for memory (large models)."})
    tasks: str = field(default="template:pick", metadata={
        "help": "Task source spec: template:pick, builtin:animations, builtin:interactions, a dataset path, ..."})
    num_tasks: int = field(default=16, metadata={"help": "Tasks taken from the source (rows of the dataset)."})
    fps: float = field(default=2.0, metadata={"help": "Rate of the coarse pass shown to the model."})
    max_frames: int = field(default=8, metadata={"help": "Frames per prompt at most."})
    frame_size: tuple[int, int] = field(default=(256, 192), metadata={"help": "Frame (width, height) in prompts."})
    reward: str = field(default="default", metadata={"help": "RewardConfig: `default` (weight-free) or `paper` "
                                                              "(DreamSim + CoTracker3; weights needed)."})
    multi_turn: bool = field(default=False, metadata={"help": "Train through the tool env (request_clip, "
                                                               "submit_code) instead of single answers."})
    max_tool_calling_iterations: int = field(default=4, metadata={"help": "Tool rounds per rollout (multi turn)."})
    max_steps: int = field(default=10, metadata={"help": "Optimizer steps."})
    learning_rate: float | None = field(default=None, metadata={
        "help": "None: 1e-2 for the tiny model, 1e-5 with LoRA, 1e-6 for full fine-tuning."})
    per_device_train_batch_size: int = field(default=16, metadata={"help": "Completions per device per step."})
    num_generations: int = field(default=8, metadata={"help": "Completions per prompt (the GRPO group)."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Batches per optimizer step."})
    max_completion_length: int | None = field(default=None, metadata={"help": "Tokens per completion; None: 6 for "
                                                                                "the tiny model, 4096 otherwise."})
    lr_scheduler_type: str = field(default="constant", metadata={"help": "Learning-rate schedule (constant, linear, "
                                                                          "cosine, ...)."})
    warmup_steps: int = field(default=0, metadata={"help": "Linear warm-up steps."})
    temperature: float = field(default=1.0, metadata={"help": "Sampling temperature of the rollouts."})
    beta: float = field(default=0.0, metadata={"help": "KL coefficient (0: no reference model, as TRL's default)."})
    frame_format: str = field(default="png", metadata={
        "help": "Frames of the reward renderer: png (lossless) or jpeg (1.3-4x faster renders, JPEG artefacts); "
                "used when no renderer is passed in."})
    use_vllm: bool = field(default=False, metadata={"help": "Generate with vLLM (GPU; colocate mode)."})
    seed: int = field(default=0, metadata={"help": "Seed of the trainer (sampling, shuffling, init of new heads)."})
    output_dir: str = field(default="runs/train", metadata={"help": "Checkpoints, logs and the final model."})
    logging_steps: int = field(default=1, metadata={"help": "Log every N steps."})
    save_model: bool = field(default=True, metadata={"help": "Save the final model and processor to OUTPUT_DIR/model."})

    def resolved(self, name: str) -> Any:
        """A field's value with the model-dependent defaults filled in."""
        value = getattr(self, name)
        if value is not None:
            return value
        from .tiny_vlm import is_tiny

        if name in TINY_DEFAULTS and is_tiny(self.model):
            return TINY_DEFAULTS[name]
        if name == "learning_rate":
            return 1e-5 if self.use_lora else 1e-6
        if name == "max_completion_length":
            return 4096
        if name == "bf16":
            import torch

            return torch.cuda.is_available()
        raise KeyError(name)


@dataclass
class TrainResult:
    """What `run_train` returns."""

    output_dir: Path
    log_history: list[dict[str, Any]]
    rewards: list[float]
    """Mean reward of each logged step."""
    seconds: float
    steps_per_s: float
    model_dir: Path | None = None
    trainer: Any = None


def grpo_config(cfg: TrainConfig) -> Any:
    """The `trl.GRPOConfig` of a run."""
    import torch
    from trl import GRPOConfig

    bf16 = cfg.resolved("bf16")
    # transformers 5 calls it activation checkpointing (gradient_checkpointing is a deprecated alias).
    checkpointing = {"activation_checkpointing": True} if cfg.gradient_checkpointing else {}
    return GRPOConfig(
        output_dir=cfg.output_dir, max_steps=cfg.max_steps, learning_rate=cfg.resolved("learning_rate"),
        lr_scheduler_type=cfg.lr_scheduler_type, warmup_steps=cfg.warmup_steps,
        per_device_train_batch_size=cfg.per_device_train_batch_size, num_generations=cfg.num_generations,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        max_completion_length=cfg.resolved("max_completion_length"), temperature=cfg.temperature, beta=cfg.beta,
        use_vllm=cfg.use_vllm, vllm_mode="colocate", seed=cfg.seed, data_seed=cfg.seed, bf16=bf16,
        use_cpu=not torch.cuda.is_available(),
        logging_steps=cfg.logging_steps, save_strategy="no", report_to="none", disable_tqdm=True,
        max_tool_calling_iterations=cfg.max_tool_calling_iterations if cfg.multi_turn else None, **checkpointing,
    )


def _peft_config(cfg: TrainConfig) -> Any:
    if not cfg.use_lora:
        return None
    from peft import LoraConfig

    targets: Any = cfg.lora_target_modules
    targets = "all-linear" if targets == "all-linear" else [t.strip() for t in targets.split(",") if t.strip()]
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM")


def renderer_for(cfg: TrainConfig) -> RenderBackend | None:
    """A pool rendering `cfg.frame_format` frames; None (the process-wide default pool) for PNG."""
    if cfg.frame_format == RenderConfig.frame_format:
        return None
    return LocalRendererPool(config=RenderConfig(frame_format=cfg.frame_format))  # type: ignore[arg-type]


def build_trainer(cfg: TrainConfig, renderer: RenderBackend | None = None, dataset: Any = None,
                  generation_kwargs: dict[str, Any] | None = None) -> Any:
    """A ready `GRPOTrainer` for `cfg` (the dataset is built from `cfg.tasks` unless given). Without a
    `renderer`, a JPEG `cfg.frame_format` gets a pool of its own that lives as long as the process
    (`run_train` closes the one it makes)."""
    from v2c.rewards.model_weights import ensure_torchvision_importable

    ensure_torchvision_importable()
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import GRPOTrainer

    from .tiny_vlm import resolve_model
    from .trl_dataset import DatasetConfig, build_dataset
    from .trl_env import log_env_metrics, make_tool_env_factory
    from .trl_rewards import make_reward_funcs

    if cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps % cfg.num_generations:
        raise ValueError("per_device_train_batch_size × gradient_accumulation_steps must be a multiple of "
                         "num_generations")
    torch.manual_seed(cfg.seed)
    renderer = renderer or renderer_for(cfg)
    path = resolve_model(cfg.model)
    reward_config = RewardConfig.named(cfg.reward)
    if dataset is None:
        dataset = build_dataset(cfg.tasks, cfg.num_tasks, DatasetConfig(fps=cfg.fps, max_frames=cfg.max_frames,
                                                                        frame_size=tuple(cfg.frame_size),
                                                                        tools=cfg.multi_turn), renderer=renderer)
    args = grpo_config(cfg)
    if generation_kwargs:
        args.generation_kwargs = {**(args.generation_kwargs or {}), **generation_kwargs}
    dtype = torch.bfloat16 if args.bf16 else torch.float32
    model = AutoModelForImageTextToText.from_pretrained(path, dtype=dtype)
    processor = AutoProcessor.from_pretrained(path)
    extra: dict[str, Any] = {}
    if cfg.multi_turn:
        env_config = EnvConfig(obs_fps=cfg.fps, max_frames=cfg.max_frames, clip_max_frames=cfg.max_frames,
                               obs_size=tuple(cfg.frame_size))
        extra["environment_factory"] = make_tool_env_factory(env_config, renderer=renderer, reward_config=reward_config)
        reward_funcs: list[Any] = [log_env_metrics]
    else:
        reward_funcs = make_reward_funcs(reward_config, renderer=renderer)
    trainer = GRPOTrainer(model=model, processing_class=processor, reward_funcs=reward_funcs, args=args,
                          train_dataset=dataset, peft_config=_peft_config(cfg), **extra)
    _compact_logging(trainer)
    return trainer


def _compact_logging(trainer: Any) -> None:
    """One line per logged step (reward, its components, speed) instead of the full log dict."""
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback

    class StepLine(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **_: Any) -> None:
            if not logs or "reward" not in logs:
                return
            parts = [f"step {state.global_step}/{state.max_steps}", f"reward {logs['reward']:.3f}"]
            parts += [f"{k.split('/')[-1]} {logs[k]:.3f}" for k in ("v2c/appearance", "v2c/temporal", "v2c/has_page",
                                                                   "tools/call_frequency") if k in logs]
            if "step_time" in logs:
                parts.append(f"{logs['step_time']:.2f} s/step")
            print("  ".join(parts), flush=True)

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(StepLine())


def run_train(cfg: TrainConfig, renderer: RenderBackend | None = None, dataset: Any = None,
              generation_kwargs: dict[str, Any] | None = None) -> TrainResult:
    """Train, save the model (with `save_model`) and `train_log.json`, and return the reward curve."""
    import os
    import warnings

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # environment_factory is marked experimental
    warnings.filterwarnings("ignore", message=".*experimental.*")
    own_renderer = None if renderer is not None else renderer_for(cfg)
    try:
        trainer = build_trainer(cfg, renderer or own_renderer, dataset, generation_kwargs)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    finally:
        if own_renderer is not None:
            own_renderer.close()
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    history = [dict(h) for h in trainer.state.log_history]
    rewards = [float(h["reward"]) for h in history if "reward" in h]
    model_dir = None
    if cfg.save_model:
        model_dir = out / "model"
        model = trainer.model.merge_and_unload() if cfg.use_lora and hasattr(trainer.model, "merge_and_unload") \
            else trainer.model
        model.save_pretrained(model_dir)
        trainer.processing_class.save_pretrained(model_dir)
    steps = trainer.state.global_step
    (out / "train_log.json").write_text(json.dumps({"config": asdict(cfg), "log_history": history,
                                                     "seconds": seconds}, indent=1, default=str))
    return TrainResult(output_dir=out, log_history=history, rewards=rewards, seconds=seconds,
                       steps_per_s=steps / seconds if seconds > 0 else 0.0, model_dir=model_dir, trainer=trainer)
