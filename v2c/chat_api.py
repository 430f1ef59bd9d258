"""`ChatClient`: one OpenAI-compatible `POST …/chat/completions` client, with one set of retry rules.

Used by the API-backed policy (`v2c.agents.openai_agent`) and the VLM judge (`v2c.rewards.judge`).
Standard library only. Retried, with exponential back-off (doubling from `backoff_s`, capped at
60 s; a numeric `Retry-After` wins): timeouts, connection errors, and HTTP 408/409/429/5xx. Any
other HTTP error, or a reply that is not JSON, raises `ChatAPIError` at once.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
"""HTTP statuses worth retrying: rate limits, timeouts and server errors."""
MAX_BACKOFF_S = 60.0


class ChatAPIError(RuntimeError):
    """The endpoint answered with an error (after retries, when retryable), or not at all."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ChatClient:
    """`complete(body)` → the assistant's text; `post(body)` → the whole JSON reply."""

    def __init__(self, url: str, api_key: str | None = None, timeout_s: float = 120.0, max_retries: int = 2,
                 backoff_s: float = 1.0) -> None:
        self.url = url
        """The full endpoint, …/v1/chat/completions."""
        self.api_key = api_key
        """Sent as `Authorization: Bearer …`; None sends no header (local servers)."""
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        """Retries after the first attempt, for retryable failures only."""
        self.backoff_s = backoff_s

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode()
        wait = self.backoff_s
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                    return json.loads(reply.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                detail = error.read().decode("utf-8", "replace")[:500]
                if error.code not in RETRY_STATUS or last:
                    raise ChatAPIError(f"{self.url}: HTTP {error.code}: {detail}", status=error.code) from None
                retry_after = error.headers.get("Retry-After") if error.headers else None
                delay = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else wait
            except json.JSONDecodeError as error:
                raise ChatAPIError(f"{self.url}: response is not JSON: {error}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
                if last:
                    raise ChatAPIError(f"{self.url}: {getattr(error, 'reason', error)} "
                                       f"(after {attempt + 1} attempts)") from None
                delay = wait
            time.sleep(min(delay, MAX_BACKOFF_S))
            wait = min(wait * 2, MAX_BACKOFF_S)
        raise AssertionError("unreachable")

    def complete(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(the first choice's text, the whole reply); content given in parts is joined."""
        reply = self.post(body)
        try:
            content = reply["choices"][0]["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ChatAPIError(f"malformed response from {self.url}: {str(reply)[:300]}") from None
        if isinstance(content, list):  # some servers return content parts
            content = "".join(p.get("text") or "" for p in content if isinstance(p, dict))
        return str(content), reply


__all__ = ["ChatAPIError", "ChatClient", "RETRY_STATUS"]
