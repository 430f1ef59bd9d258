"""GRPO against a served env: TRL's `environment_factory` wrapping `V2CEnv`, as TRL's own OpenEnv examples do.

    v2c serve --port 8000 --tasks builtin:animations --max-sessions 8          # on the rendering machine
    python examples/trl_openenv.py --url http://127.0.0.1:8000 --tasks builtin:animations --steps 2

Each rollout holds one WebSocket session: `reset(**row)` starts the row's task on the server (its
`task_id`), the model's tool `submit_code` sends a page and reads back the feedback, scores and
candidate frames, and `get_reward` is the last page's total. With no `--model`, the tiny offline
Qwen3-VL (random weights) runs a couple of CPU steps. Set `$V2C_SERVER_TOKEN` for a server that has one.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
from typing import Any

from v2c.server import V2CAction, V2CEnv

DEFAULT_URL = "http://127.0.0.1:8000"


class ServedVideoToCode:
    """One rollout's episode on a `v2c serve` server (TRL pools instances; each keeps its own session)."""

    def __init__(self, url: str | None = None) -> None:
        url = url or os.environ.get("V2C_SERVER_URL", DEFAULT_URL)
        self.env = V2CEnv(url, token=os.environ.get("V2C_SERVER_TOKEN"), message_timeout_s=300).sync()
        self.env.connect()
        self.total = 0.0

    def reset(self, **row: Any) -> list[dict[str, Any]]:
        observation = self.env.reset(task_id=row.get("task_id")).observation
        self.total = 0.0
        return [{"type": "text", "text": observation.feedback}, *_images(observation.frames)]

    def submit_code(self, html: str) -> list[dict[str, Any]]:
        """Render an HTML page in the env and score it against the reference video.

        Args:
            html: A complete HTML document (inline CSS and JS) that reproduces the video.

        Returns:
            The env's feedback and a few frames of the rendered page.
        """
        observation = self.env.step(V2CAction(text=html)).observation
        self.total = observation.total or 0.0
        return [{"type": "text", "text": observation.feedback}, *_images(observation.frames)]

    def get_reward(self) -> float:
        return self.total


def _images(frames: list[str]) -> list[dict[str, Any]]:
    from PIL import Image

    return [{"type": "image", "image": Image.open(io.BytesIO(base64.b64decode(f))).convert("RGB")} for f in frames]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("V2C_SERVER_URL", DEFAULT_URL), help="the v2c server (default $V2C_SERVER_URL or :8000)")
    parser.add_argument("--model", default="tiny", help="hub id or local folder (default: the tiny offline model)")
    parser.add_argument("--tasks", default="builtin:animations", help="the task source the server was started with")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--output_dir", default="runs/trl_openenv")
    cli = parser.parse_args()
    os.environ["V2C_SERVER_URL"] = cli.url  # the trainer calls the factory with no arguments
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # environment_factory is marked experimental

    import torch

    from v2c.agents import DatasetConfig, build_dataset  # first: on a CPU-only torch it makes torchvision importable
    from v2c.agents.tiny_vlm import resolve_model

    from transformers import AutoModelForImageTextToText, AutoProcessor
    from trl import GRPOConfig, GRPOTrainer

    path = resolve_model(cli.model)
    dataset = build_dataset(cli.tasks, 4, DatasetConfig(tools=True))  # prompt + images + task_id of each row
    args = GRPOConfig(output_dir=cli.output_dir, max_steps=cli.steps, per_device_train_batch_size=4, num_generations=4,
                      max_completion_length=8 if cli.model == "tiny" else 4096, logging_steps=1, save_strategy="no",
                      bf16=torch.cuda.is_available(), use_cpu=not torch.cuda.is_available())
    trainer = GRPOTrainer(model=AutoModelForImageTextToText.from_pretrained(path),
                          processing_class=AutoProcessor.from_pretrained(path),
                          args=args, train_dataset=dataset, environment_factory=ServedVideoToCode)
    trainer.train()
    last = [h for h in trainer.state.log_history if "reward" in h][-1]
    print({k: round(v, 4) for k, v in last.items() if k.startswith("rewards/") and k.endswith("/mean")})


if __name__ == "__main__":
    main()
