"""One episode of a transformers VLM through the TRL tool env, outside a trainer: what a multi-turn GRPO rollout
does (the same prompt, tools, tool calls and tool answers), recorded as an `Episode` for `EpisodeViewer`.

    episode = play_tool_episode(model, processor, task, EnvConfig.for_frames(2.0, 8, (256, 192)), backend=make_backend())
    EpisodeViewer(episode)
"""
from __future__ import annotations

import json
import re
from typing import Any

from v2c.envs.config import EnvConfig
from v2c.envs.episode import Episode
from v2c.envs.tasks.task import Task
from v2c.rewards.backend import ScoringBackend, resolve_backend

from .row_tasks import serialise_task
from .trl_dataset import DatasetConfig, task_row
from .trl_env import make_tool_env_factory, tool_methods, tool_schemas

_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)


def tool_calls(text: str) -> list[dict[str, Any]]:
    """The `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks of a turn that are valid JSON calls."""
    calls = []
    for body in _CALL.findall(text):
        try:
            call = json.loads(body)
        except ValueError:
            continue
        if isinstance(call, dict) and isinstance(call.get("name"), str) and isinstance(call.get("arguments"), dict):
            calls.append(call)
    return calls


def play_tool_episode(model: Any, processor: Any, task: Task, config: EnvConfig | None = None,
                      backend: ScoringBackend | None = None, max_turns: int = 4, max_new_tokens: int = 1024,
                      temperature: float = 0.0) -> Episode:
    """Let the model call `request_clip` / `submit_code` until it stops calling tools (or `max_turns` turns)."""
    import torch

    backend = resolve_backend(backend)
    env = make_tool_env_factory(config, backend=backend)()
    tools = tool_schemas(env)
    methods = {m.__name__: m for m in tool_methods(env)}
    prompt = task_row(task, DatasetConfig(tools=True), backend.renderer())["prompt"]
    messages = prompt[:-1] + [{"role": "user", "content": [{"type": "text", "text": prompt[-1]["content"]}]
                               + env.reset(task=serialise_task(task))}]
    for _ in range(max_turns):
        inputs = processor.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=True,
                                               return_dict=True, return_tensors="pt").to(model.device)
        sample = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=max_new_tokens, **sample)
        text = processor.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        calls = [c for c in tool_calls(text) if c["name"] in methods]
        messages.append({"role": "assistant", "content": [{"type": "text", "text": _CALL.sub("", text).strip()}],
                         "tool_calls": [{"type": "function", "function": c} for c in calls]})
        if not calls:
            break
        for call in calls:
            try:
                answer = methods[call["name"]](**call["arguments"])
            except TypeError as error:  # wrong arguments: what TRL answers too
                answer = [{"type": "text", "text": json.dumps({"error": str(error)})}]
            messages.append({"role": "tool", "name": call["name"], "content": answer})
    return env.episode


__all__ = ["play_tool_episode", "tool_calls"]
