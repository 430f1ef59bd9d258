"""Agents: the `Agent` contract, scripted baselines, VLM policies, and GRPO training with TRL.

Policies (`Agent`: `reset()`, `act(observation, task) -> action string`):
    baselines       OracleAgent, BlankAgent, FirstFrameAgent, RandomAnimationAgent (`make_baseline`)
    hf_agent        HFVLMAgent: a transformers VLM (Qwen2.5-VL / Qwen3-VL first), hub id or local folder
    openai_agent    OpenAICompatibleAgent: any OpenAI-compatible chat endpoint
    prompts         the papers' settings: direct video, sampled frames, two-stage revisit (`prompted` runs them)
    registry        make_agent("oracle" | "tiny" | "hf:MODEL" | "openai:MODEL")
Training (TRL 1.16 `GRPOTrainer`):
    trl_dataset     build_dataset(source, n): `prompt` + `images` + the task of each row
    trl_rewards     VideoCodeReward: async, renders and scores a whole batch, logs each component
    trl_env         VideoToCodeToolEnv for `environment_factory` (request_clip, submit_code, get_reward):
                    a thin adapter over the env's episode core (`v2c.envs.episode_core`), one `EnvConfig`
    train           TrainConfig, run_train (`v2c train`)
Evaluation and support:
    evaluate, report    run_eval (`v2c eval`): results.json/.csv, report.html
    tiny_vlm        build_tiny_vlm(path): an offline ~0.5 M-parameter Qwen3-VL for tests and the demo
Task sources (`template:pick` among them) and answer formats live in the task layer, `v2c.envs.tasks`.
Heavy modules (torch, transformers, trl) load only when their names are first used.
"""
from __future__ import annotations

from v2c.lazy import lazy_getattr


from .base import Agent
from .baselines import BASELINES, BlankAgent, FirstFrameAgent, OracleAgent, RandomAnimationAgent, make_baseline

_LAZY = {
    "HFVLMAgent": "hf_agent", "HFAgentConfig": "hf_agent",
    "OpenAICompatibleAgent": "openai_agent", "OpenAIAgentConfig": "openai_agent",
    "make_agent": "registry", "build_prompt": "prompts", "Prompt": "prompts",
    "build_dataset": "trl_dataset", "DatasetConfig": "trl_dataset",
    "VideoCodeReward": "trl_rewards", "make_reward_funcs": "trl_rewards",
    "VideoToCodeToolEnv": "trl_env", "make_tool_env_factory": "trl_env",
    "TrainConfig": "train", "run_train": "train",
    "EvalConfig": "evaluate", "run_eval": "evaluate",
    "build_tiny_vlm": "tiny_vlm", "TinyVLMConfig": "tiny_vlm",
}

__all__ = ["Agent", "BASELINES", "BlankAgent", "FirstFrameAgent", "OracleAgent", "RandomAnimationAgent",
           "make_baseline", *sorted(_LAZY)]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
