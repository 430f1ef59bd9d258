"""`MonitorCallback`: the `transformers.TrainerCallback` that feeds a `TrainingMonitor` (TRL trainers included).

Kept apart from the monitor so that showing curves never imports transformers.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train", "transformers")

from typing import TYPE_CHECKING, Any

from v2c.rewards.model_weights import ensure_torchvision_importable

if TYPE_CHECKING:
    from .training_monitor import TrainingMonitor

ensure_torchvision_importable()  # transformers' trainer imports torchvision, whose CUDA wheel breaks on CPU torch
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments  # noqa: E402


class MonitorCallback(TrainerCallback):
    """Sends every `on_log` record to the monitor, on the main process only (one curve per run)."""

    def __init__(self, monitor: "TrainingMonitor") -> None:
        self.monitor = monitor

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.monitor.max_steps = state.max_steps or None
            self.monitor.status = f"running · step 0 of {state.max_steps}"

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if state.is_world_process_zero and logs:
            self.monitor.add(logs, step=state.global_step)

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.monitor.finish()
