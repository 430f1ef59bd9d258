"""`OpenAICompatibleAgent`: any OpenAI-compatible chat-completions endpoint as a policy.

OpenAI, vLLM (`vllm serve`), SGLang, llama.cpp's server, LiteLLM, OpenRouter... Frames go as
`image_url` parts with base64 PNG data URLs (endpoints rarely take video: `video` mode sends the
frames as images). The key and base URL come from the config or the environment:
`V2C_OPENAI_API_KEY` / `OPENAI_API_KEY` and `V2C_OPENAI_BASE_URL` / `OPENAI_BASE_URL` (default
`https://api.openai.com/v1`). Calls go through `v2c.chat_api.ChatClient`, the client the judge
uses too: retried with exponential back-off on timeouts, connection errors, 408/409/429 and 5xx
(honouring `Retry-After`); other errors raise `APIError` at once. Uses only the standard library.

    agent = OpenAICompatibleAgent(OpenAIAgentConfig(model="gpt-5.4", mode="revisit"))
"""
from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from typing import Any

from v2c.chat_api import ChatAPIError as APIError
from v2c.chat_api import ChatClient

from .prompted import PromptedAgent, PromptSettings
from .prompts import Prompt


@dataclass
class OpenAIAgentConfig(PromptSettings):
    """Settings of `OpenAICompatibleAgent`.

    Prompt (from `PromptSettings`):
        mode, use_video, frame_size, max_segments, clip_fps
    Endpoint:
        model, base_url, api_key, timeout_s, max_retries, backoff_s
    Decoding:
        max_tokens, temperature, extra_body
    """

    model: str = "gpt-4o-mini"
    """Model name as the endpoint knows it."""
    base_url: str | None = None
    """API root (…/v1); None: `$V2C_OPENAI_BASE_URL`, `$OPENAI_BASE_URL`, else https://api.openai.com/v1."""
    api_key: str | None = None
    """None: `$V2C_OPENAI_API_KEY`, else `$OPENAI_API_KEY` (local servers usually accept any key or none)."""
    timeout_s: float = 300.0
    """Seconds one HTTP call may take."""
    max_retries: int = 4
    """Retries after the first attempt, for retryable failures only."""
    backoff_s: float = 1.0
    """First wait between retries; doubles each time (capped at 60 s); `Retry-After` wins when given."""
    max_tokens: int = 8192
    """`max_tokens` of the request."""
    temperature: float = 0.0
    """`temperature` of the request."""
    extra_body: dict[str, Any] | None = None
    """Merged into the request body (e.g. `{"top_p": 0.9}` or a server's own options)."""

    def resolved_base_url(self) -> str:
        url = self.base_url or os.environ.get("V2C_OPENAI_BASE_URL") or os.environ.get("OPENAI_BASE_URL") \
            or "https://api.openai.com/v1"
        return url.rstrip("/")

    def resolved_api_key(self) -> str | None:
        return self.api_key or os.environ.get("V2C_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")


def image_url(image: Any) -> dict[str, Any]:
    """A PIL image as an OpenAI `image_url` content part (PNG data URL)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(buffer.getvalue())
                                               .decode("ascii")}}


def openai_messages(prompt: Prompt) -> list[dict[str, Any]]:
    """The prompt as chat-completions messages: images (or the video's frames) first, then the text."""
    images = prompt.video if prompt.video is not None else prompt.images
    return [{"role": "system", "content": prompt.system},
            {"role": "user", "content": [image_url(im) for im in images] + [{"type": "text", "text": prompt.text}]}]


class OpenAICompatibleAgent(PromptedAgent):
    """A policy served behind `POST {base_url}/chat/completions`."""

    def __init__(self, config: OpenAIAgentConfig | None = None) -> None:
        super().__init__()
        self.config = config or OpenAIAgentConfig()
        self.name = f"openai:{self.config.model}"
        self.usage: list[dict[str, Any]] = []
        """The `usage` block of every response (tokens), for cost accounting."""

    def generate(self, prompt: Prompt) -> str:
        cfg = self.config
        body = {"model": cfg.model, "messages": openai_messages(prompt), "max_tokens": cfg.max_tokens,
                "temperature": cfg.temperature, **(cfg.extra_body or {})}
        client = ChatClient(cfg.resolved_base_url() + "/chat/completions", cfg.resolved_api_key(),
                            timeout_s=cfg.timeout_s, max_retries=cfg.max_retries, backoff_s=cfg.backoff_s)
        text, reply = client.complete(body)
        if reply.get("usage"):
            self.usage.append(reply["usage"])
        return text


__all__ = ["APIError", "OpenAIAgentConfig", "OpenAICompatibleAgent", "image_url", "openai_messages"]
