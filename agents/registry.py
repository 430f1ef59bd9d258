"""Agents by name, as `v2c eval --agent NAME` takes them.

    oracle | blank | first-frame | random     scripted baselines (`v2c.agents.baselines`)
    tiny                                      the offline tiny Qwen3-VL (`hf:tiny`)
    hf:MODEL                                  `HFVLMAgent`: a hub id or a local folder (a `v2c train` output)
    openai:MODEL                              `OpenAICompatibleAgent` (key and URL from the environment)
Options (`mode`, `max_new_tokens`, `temperature`, ...) go to the model-backed agents' configs.
"""
from __future__ import annotations

from typing import Any

from .baselines import BASELINES, make_baseline


def make_agent(name: str, **options: Any) -> Any:
    """An `Agent` for `name` (see the module docstring); unknown names raise `ValueError`."""
    options = {k: v for k, v in options.items() if v is not None}
    if name in BASELINES:
        return make_baseline(name)
    if name == "tiny":
        name = "hf:tiny"
    kind, _, model = name.partition(":")
    if kind == "hf" and model:
        from .hf_agent import HFAgentConfig, HFVLMAgent

        return HFVLMAgent(HFAgentConfig(model=model, **options))
    if kind == "openai" and model:
        from .openai_agent import OpenAIAgentConfig, OpenAICompatibleAgent

        if "max_new_tokens" in options:
            options["max_tokens"] = options.pop("max_new_tokens")
        return OpenAICompatibleAgent(OpenAIAgentConfig(model=model, **options))
    raise ValueError(f"unknown agent {name!r}; expected one of {', '.join(BASELINES)}, tiny, hf:MODEL, openai:MODEL")
