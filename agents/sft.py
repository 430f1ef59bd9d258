"""`v2c train --method sft`: TRL's `SFTTrainer` on `v2c data sft` conversations — the warm start before GRPO.

    result = run_sft(TrainConfig(method="sft", tasks="runs/sft-data"), sft_config(cfg, max_steps=200))
    result.losses                 # training loss per logged step; result.model_dir: the checkpoint
    v2c train --method sft --tasks runs/sft-data --max_steps 200 --output_dir runs/sft
    v2c train --method grpo --multi_turn --model runs/sft/model --tasks builtin:animations ...

Same model, LoRA and config handling as the GRPO path (`v2c.agents.train`: `load_model`, `peft_config`,
`trainer_defaults`, `finish_run`); the trainer's settings are TRL's own `SFTConfig`. `--tasks` is a folder
`v2c data sft` wrote, or any task source (the conversations are then built first, `--num_tasks` of them,
with the run's frame settings). The loss is on the assistant turns only (`assistant_only_loss`, TRL's
training chat template): the description, the clip calls and the page.

`ToolFramesCollator` is TRL's vision collator (`DataCollatorForVisionLanguageModeling`) with two
additions the tool-calling conversations need: the frames of tool turns (TRL 1.16 fills image
placeholders of user turns only) and the tool schemas in the system turn (TRL's vision collator
renders without the row's `tools`), so the model trains on exactly the text a multi-turn GRPO
rollout shows it.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train")

from v2c.rewards.model_weights import ensure_torchvision_importable  # noqa: E402

ensure_torchvision_importable()  # TRL imports transformers' trainer, which imports torchvision

import json
import time
from pathlib import Path
from typing import Any

from v2c.rewards.backend import ScoringBackend

from .train import TrainConfig, TrainResult, backend_for, finish_run, load_model, peft_config, trainer_defaults


def sft_config(cfg: TrainConfig, **overrides: Any) -> Any:
    """A `trl.SFTConfig` with `trainer_defaults(cfg)` (cfg.method "sft") under `overrides` (any SFTConfig field)."""
    from dataclasses import replace

    from trl import SFTConfig

    cfg = cfg if cfg.method == "sft" else replace(cfg, method="sft")
    return SFTConfig(**{**trainer_defaults(cfg), **overrides})


def fill_frames(example: dict[str, Any]) -> dict[str, Any]:
    """The row with its `images` put into every image placeholder, tool turns included, in order (then no
    `images` left for TRL to place); unset keys (Arrow's None) dropped so the chat template sees what a rollout has."""
    images = iter(example["images"])
    messages = []
    for message in example["messages"]:
        content = [{**block, "image": next(images)} if block["type"] == "image" and "image" not in block
                   else {k: v for k, v in block.items() if v is not None} for block in message["content"]]
        messages.append({**{k: v for k, v in message.items() if v is not None}, "content": content})
    if next(images, None) is not None:
        raise ValueError("more images than image placeholders in the row")
    return {"messages": messages, "images": []}


class _WithTools:
    """A processor whose `apply_chat_template` shows `tools` (everything else is the processor's)."""

    def __init__(self, processor: Any, tools: list[dict[str, Any]] | None) -> None:
        self._processor, self._tools = processor, tools

    def apply_chat_template(self, *args: Any, **kwargs: Any) -> Any:
        return self._processor.apply_chat_template(*args, tools=self._tools, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._processor(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._processor, name)


class ToolFramesCollator:
    """TRL's vision collator for tool-calling conversations: tool-turn frames filled in, the tools rendered."""

    def __init__(self, processor: Any, tools: list[dict[str, Any]] | None, args: Any) -> None:
        from trl.chat_template_utils import get_training_chat_template
        from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

        template = get_training_chat_template(processor) if args.assistant_only_loss else None
        self.inner = DataCollatorForVisionLanguageModeling(
            processor=_WithTools(processor, tools), max_length=args.max_length, pad_to_multiple_of=args.pad_to_multiple_of,
            assistant_only_loss=args.assistant_only_loss, chat_template=template)

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        return self.inner([fill_frames(e) for e in examples])


def is_sft_data(path: str | Path) -> bool:
    """A folder `datasets.Dataset.save_to_disk` wrote (as `v2c data sft` does)."""
    path = Path(path)
    return (path / "dataset_info.json").is_file() and (path / "state.json").is_file()


def sft_dataset(cfg: TrainConfig, backend: ScoringBackend | None = None) -> Any:
    """`cfg.tasks` as SFT conversations: loaded when it is a saved dataset, else built (`cfg.num_tasks` tasks)."""
    if is_sft_data(cfg.tasks):
        from datasets import load_from_disk

        return load_from_disk(cfg.tasks)
    from .sft_data import SFTDataConfig, build_sft_dataset

    return build_sft_dataset(cfg.tasks, SFTDataConfig(limit=cfg.num_tasks, fps=cfg.fps, max_frames=cfg.max_frames,
                                                      frame_size=tuple(cfg.frame_size)), backend=backend)


def build_sft_trainer(cfg: TrainConfig, args: Any = None, dataset: Any = None,
                      backend: ScoringBackend | None = None) -> Any:
    """A ready `SFTTrainer` for `cfg` and `args` (an `SFTConfig`; default `sft_config(cfg)`)."""
    import torch
    from trl import SFTTrainer

    args = args if args is not None else sft_config(cfg)
    torch.manual_seed(args.seed)
    dataset = dataset if dataset is not None else sft_dataset(cfg, backend)
    model, processor = load_model(cfg, args)
    tools = json.loads(dataset[0]["tools"]) if "tools" in dataset.column_names and dataset[0]["tools"] else None
    return SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=processor,
                      data_collator=ToolFramesCollator(processor, tools, args), peft_config=peft_config(cfg))


def run_sft(cfg: TrainConfig, args: Any = None, backend: ScoringBackend | None = None,
            dataset: Any = None) -> TrainResult:
    """SFT, then the model saved to OUTPUT_DIR/model (a checkpoint `--model` takes) and `train_log.json`.
    The data's episodes render and score on `backend` (default `backend_for(cfg)`, closed here)."""
    owned = None if backend is not None or dataset is not None else backend_for(cfg)
    try:
        trainer = build_sft_trainer(cfg, args, dataset, backend or owned)
    finally:
        if owned is not None:
            owned.close()
    started = time.perf_counter()
    trainer.train()
    return finish_run(trainer, cfg, time.perf_counter() - started)


__all__ = ["ToolFramesCollator", "build_sft_trainer", "fill_frames", "is_sft_data", "run_sft", "sft_config",
           "sft_dataset"]
