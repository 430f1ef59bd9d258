"""Make any model write a given text: a `sequence_bias` for `generate` (and TRL's `generation_kwargs`).

A randomly initialised model never calls a tool, so tests of the multi-turn tool env force
the call text, as TRL's own tool tests do. Key `k` of the bias is the first `k` tokens of the text
and boosts token `k` once tokens `0..k-1` were just generated; its weight doubles with `k`, so the
longest matching prefix always wins over any shorter keys that happen to match too (weights stop
doubling at 60 tokens: a text whose opening recurs inside it for dozens of tokens could derail).
Every assistant turn then starts the text again (only the 1-token key matches a fresh turn).
"""
from __future__ import annotations

from typing import Any


def forced_text_bias(tokenizer: Any, text: str, strength: float = 50.0) -> list[list]:
    """`sequence_bias` (list form, JSON-safe) that makes greedy or sampled decoding emit `text` token by token."""
    ids = tokenizer.encode(text, add_special_tokens=False)
    if not ids:
        raise ValueError("nothing to force: the text has no tokens")
    return [[ids[:k], float(strength * 2.0 ** min(k, 60))] for k in range(1, len(ids) + 1)]


def tool_call_text(calls: list[tuple[str, dict]], end: str = "<|im_end|>") -> str:
    """Tool calls as the Qwen chat templates write them (`<tool_call>{json}</tool_call>`), then the end of turn."""
    import json

    return "\n".join(f"<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>" for n, a in calls) + end
