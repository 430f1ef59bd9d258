"""`v2c serve`: the env over OpenEnv's HTTP/WebSocket API (implemented in `app`)."""
from __future__ import annotations

import argparse

from .config import ServeConfig


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    """Register `serve` on the `v2c` subparsers (its line in `v2c --help` is in `v2c.cli.COMMANDS`)."""
    defaults = ServeConfig()
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default=defaults.host, help="interface to bind (default 127.0.0.1; others need a token)")
    serve.add_argument("--port", type=int, default=defaults.port, help="port (default 8000)")
    serve.add_argument("--tasks", default=defaults.tasks, help="task source spec (default builtin:animations)")
    serve.add_argument("--max-sessions", type=int, default=defaults.max_sessions, help="concurrent sessions (default 8)")
    serve.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout_s,
                       help="seconds before an idle session is reaped (default 300)")
    serve.add_argument("--browsers", type=int, default=None, help="browsers in the shared renderer pool")
    serve.add_argument("--token", default=None, help="token every request must carry (default $V2C_SERVER_TOKEN)")
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from v2c.extras import require_extra

    require_extra("serve")
    from .app import serve

    serve(ServeConfig(tasks=args.tasks, host=args.host, port=args.port, max_sessions=args.max_sessions,
                      idle_timeout_s=args.idle_timeout, browsers=args.browsers, token=args.token))
    return 0
