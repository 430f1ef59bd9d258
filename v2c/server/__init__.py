"""The Gymnasium env served over OpenEnv's HTTP/WebSocket API (`v2c serve`), and its client `V2CEnv`.

Laid out as OpenEnv's own environments are: `models` (action and observation), `client` (the
`EnvClient`), `environment` (the server-side episode over `VideoToCodeEnv`), `app` (`create_app`,
the token gate and `serve`), `config` (`ServeConfig`). Needs the [serve] extra.

    from v2c.server import V2CAction, V2CEnv

The client and models are exported as OpenEnv's environments export theirs (`from echo_env import
EchoAction, EchoEnv`), imported lazily: OpenEnv's import brings gradio (seconds), which `v2c --help`
and `v2c serve --help` must not pay for.
"""
from __future__ import annotations

from v2c.lazy import lazy_getattr

_EXPORTS = {
    "V2CAction": "models",
    "V2CObservation": "models",
    "V2CEnv": "client",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
