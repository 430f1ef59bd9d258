"""`v2c serve`'s settings, apart from the app so that `v2c serve --help` shows their defaults without
importing OpenEnv (and through it gradio: seconds)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServeConfig:
    """`v2c serve`'s settings."""

    tasks: str = "builtin:animations"
    """The task source spec every session draws from."""
    host: str = "127.0.0.1"
    """Interface to bind; anything but loopback needs `token`."""
    port: int = 8000
    max_sessions: int = 8
    """Concurrent WebSocket sessions (episodes); one more is refused with a clear error."""
    idle_timeout_s: float = 300.0
    """A session with no message for this long is closed by OpenEnv's reaper (checked every ≥ 5 s)."""
    max_message_bytes: int = 2 * 1024 * 1024
    """Largest WebSocket message accepted (the env caps an action at 400k characters); a bigger one closes that
    connection with code 1009 and the server keeps serving."""
    browsers: int | None = None
    """Browsers in the shared renderer pool (None: the pool's default, 1–3 by cores)."""
    token: str | None = None
    """Required on every request when set (`Authorization: Bearer …` or `?token=…`)."""
