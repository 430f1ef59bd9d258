"""`HFVLMAgent`: a transformers vision-language model as a `VideoToCodeEnv` policy.

Qwen2.5-VL / Qwen3-VL first (any `AutoModelForImageTextToText` whose processor has a chat template
should do): a hub id, a local folder, or `tiny` (the offline tiny Qwen3-VL of `v2c.agents.tiny_vlm`).
The prompt follows one of the papers' settings (`v2c.agents.prompts`): `video`, `frames`, or the
two-stage `revisit` (coarse pass → clip request → code).

    agent = HFVLMAgent(HFAgentConfig(model="Qwen/Qwen3-VL-8B-Instruct", mode="revisit"))
    episode = run_episode(env, agent)
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train", "torch", "transformers")

from dataclasses import dataclass
from typing import Any

import numpy as np

from .prompted import PromptedAgent, PromptSettings
from .prompts import Prompt


@dataclass
class HFAgentConfig(PromptSettings):
    """Settings of `HFVLMAgent`.

    Prompt (from `PromptSettings`):
        mode, use_video, frame_size, max_segments, clip_fps
    Model:
        model, device, dtype
    Decoding:
        max_new_tokens, temperature, top_p, seed
    """

    model: str = "tiny"
    """Hub id (`Qwen/Qwen3-VL-8B-Instruct`, `Qwen/Qwen2.5-VL-7B-Instruct`), a local folder, or `tiny`."""
    device: str = "auto"
    """`auto` (CUDA when available), `cpu`, `cuda`, `cuda:1`, ..."""
    dtype: str = "auto"
    """`auto` (bfloat16 on GPU, float32 on CPU), `float32`, `bfloat16`, `float16`."""
    max_new_tokens: int = 4096
    """Tokens generated per turn (a page is typically 1–4 k tokens)."""
    temperature: float = 0.0
    """0: greedy decoding; > 0: sampling."""
    top_p: float = 1.0
    """Nucleus sampling when `temperature > 0`."""
    seed: int = 0
    """Seed of the sampling RNG (set once, at the agent's first sampled turn)."""


class HFVLMAgent(PromptedAgent):
    """A transformers VLM that watches the env's frames and answers with a clip request or a page."""

    def __init__(self, config: HFAgentConfig | None = None, model: Any = None, processor: Any = None) -> None:
        super().__init__()
        self.config = config or HFAgentConfig()
        self.name = f"hf:{self.config.model}"
        self._model, self._processor = model, processor
        self._seeded = False

    def _load(self) -> None:
        if self._model is not None and self._processor is not None:
            return
        from v2c.rewards.model_weights import ensure_torchvision_importable

        ensure_torchvision_importable()
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        from .tiny_vlm import resolve_model

        path = resolve_model(self.config.model)
        device = self.config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = self.config.dtype
        if dtype == "auto":
            dtype = "bfloat16" if device.startswith("cuda") else "float32"
        self._processor = self._processor or AutoProcessor.from_pretrained(path)
        if self._model is None:
            self._model = AutoModelForImageTextToText.from_pretrained(path, dtype=getattr(torch, dtype)).to(device)
        self._model.eval()

    @property
    def takes_video(self) -> bool:
        if self.config.use_video is not None:
            return self.config.use_video
        self._load()
        return getattr(self._processor, "video_processor", None) is not None

    def generate(self, prompt: Prompt) -> str:
        """One assistant turn for `prompt`."""
        import torch

        self._load()
        processor, model = self._processor, self._model
        text = processor.apply_chat_template(prompt.messages(), add_generation_prompt=True, tokenize=False)
        kwargs: dict[str, Any] = {"text": [text], "return_tensors": "pt"}
        if prompt.video is not None:
            from transformers.video_utils import VideoMetadata

            # Qwen3-VL needs the frames' times (else it assumes 24 fps): pass the sampled indices at `video_fps`.
            frames = np.stack([np.asarray(im) for im in prompt.video])
            indices = [int(round(t * prompt.video_fps)) for t in prompt.video_times] or list(range(len(frames)))
            kwargs.update(videos=[frames], do_sample_frames=False, video_metadata=[VideoMetadata(
                total_num_frames=max(indices) + 1, fps=prompt.video_fps, frames_indices=indices)])
        elif prompt.images:
            kwargs["images"] = prompt.images
        inputs = processor(**kwargs).to(model.device)
        sample = self.config.temperature > 0
        generation: dict[str, Any] = {"max_new_tokens": self.config.max_new_tokens, "do_sample": sample}
        if sample:
            if not self._seeded:  # once per agent: later turns and tasks draw fresh samples, reproducibly
                torch.manual_seed(self.config.seed)
                self._seeded = True
            generation.update(temperature=self.config.temperature, top_p=self.config.top_p)
        with torch.no_grad():
            output = model.generate(**inputs, **generation)
        return processor.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
