"""`v2c serve` started as a user would (a subprocess on 127.0.0.1), driven through `V2CEnv` and raw sockets."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

pytest.importorskip("openenv")

from v2c.envs.tasks import load_tasks  # noqa: E402
from v2c.server.client import V2CEnv  # noqa: E402
from v2c.server.models import V2CAction  # noqa: E402

TOKEN = "test-token-1234"
BLANK = "<!doctype html><html><body style='background:#fff'></body></html>"
SERVE = [sys.executable, "-m", "v2c.cli", "serve"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = TOKEN) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def _wait(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_the_package_exports_its_client_and_models_as_openenv_environments_do():
    """`from echo_env import EchoAction, EchoEnv` in OpenEnv; here `from v2c.server import ...` (lazily: `v2c --help`
    imports `v2c.server` without OpenEnv, see tests/test_cli.py)."""
    from v2c.server import V2CAction, V2CEnv, V2CObservation, client, models

    assert (V2CEnv, V2CAction, V2CObservation) == (client.V2CEnv, models.V2CAction, models.V2CObservation)


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "V2C_SERVER_TOKEN"}
    process = subprocess.Popen(SERVE + ["--host", "127.0.0.1", "--port", str(port), "--tasks", "builtin:animations",
                                        "--max-sessions", "4", "--idle-timeout", "4", "--browsers", "2",
                                        "--token", TOKEN], env=env)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, "the server exited"
        try:
            return _get(url + "/health")[0] == 200
        except OSError:
            return False

    try:
        _wait(healthy, 120, "the server to answer /health")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _chromium_renderers(process: subprocess.Popen) -> int:
    """Chromium page (renderer) processes under the server: one per open tab."""
    count = 0
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if "--type=renderer" in " ".join(child.cmdline()):
                count += 1
        except psutil.NoSuchProcess:
            pass
    return count


def _open_sessions(url: str) -> int:
    return _get(url + "/v2c/stats")[1]["open_sessions"]


TASKS = load_tasks("builtin:animations").take(4)


def test_oracle_scores_high_and_blank_low_through_the_client(server):
    url, _ = server
    task = TASKS[0]
    with V2CEnv(url, token=TOKEN, message_timeout_s=120).sync() as env:
        reset = env.reset(task_id=task.id, seed=0)
        assert reset.observation.task_id == task.id and reset.observation.frames
        oracle = env.step(V2CAction(text=task.cheat().html))
        blank = env.step(V2CAction(text=BLANK))
    assert oracle.observation.total >= 0.9 and oracle.reward >= 0.9
    assert blank.observation.total <= 0.2
    assert set(oracle.observation.scores) >= {"appearance", "temporal"}
    assert base64.b64decode(oracle.observation.frames[0])[:2] == b"\xff\xd8"  # JPEG
    assert oracle.observation.step == 1 and blank.observation.step == 2


def test_four_sessions_at_once_and_a_fifth_is_refused(server):
    url, _ = server

    async def episode(task, env):
        await env.reset(task_id=task.id)
        return (await env.step(V2CAction(text=task.cheat().html))).observation

    async def main():
        clients = [V2CEnv(url, token=TOKEN, message_timeout_s=180) for _ in TASKS]
        for client in clients:
            await client.connect()
        try:
            observations = await asyncio.gather(*(episode(t, c) for t, c in zip(TASKS, clients)))
            for wait_s in (0.0, 1.0):  # reset sent at once, and after the server's refusal has closed the socket
                extra = V2CEnv(url, token=TOKEN)
                await extra.connect()
                await asyncio.sleep(wait_s)
                with pytest.raises(RuntimeError, match="CAPACITY_REACHED"):
                    await extra.reset()
                await extra.close()
        finally:
            for client in clients:
                await client.close()
        return observations

    observations = asyncio.run(main())
    assert [o.task_id for o in observations] == [t.id for t in TASKS]
    assert all(o.total >= 0.9 for o in observations)


def test_malformed_and_oversized_messages_get_errors_and_the_server_keeps_serving(server):
    import websockets

    url, _ = server
    ws_url = url.replace("http", "ws") + f"/ws?token={TOKEN}"

    async def main():
        async with websockets.connect(ws_url, max_size=None) as ws:
            await ws.send("{not json")
            assert json.loads(await ws.recv())["data"]["code"] == "INVALID_JSON"
            await ws.send(json.dumps({"type": "step", "data": {"text": 5}}))
            assert json.loads(await ws.recv())["type"] == "error"
        async with websockets.connect(ws_url, max_size=None) as ws:
            await ws.send("x" * (3 * 1024 * 1024))  # over the 2 MiB message bound
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1009
        with pytest.raises(Exception):  # no token, no session
            async with websockets.connect(url.replace("http", "ws") + "/ws") as ws:
                await ws.recv()

    asyncio.run(main())
    assert _get(url + "/health", token=None)[0] == 401
    with V2CEnv(url, token=TOKEN).sync() as env:
        assert env.reset(task_id=TASKS[1].id).observation.task_id == TASKS[1].id


def test_trl_example_environment_drives_a_session(server, monkeypatch):
    import importlib.util

    url, _ = server
    spec = importlib.util.spec_from_file_location("trl_openenv", Path(__file__).parents[1] / "examples" / "trl_openenv.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setenv("V2C_SERVER_TOKEN", TOKEN)
    environment = example.ServedVideoToCode(url)
    try:
        shown = environment.reset(task_id=TASKS[0].id, prompt="ignored: TRL passes every column")
        assert shown[0]["type"] == "text" and TASKS[0].id in shown[0]["text"] and shown[1]["type"] == "image"
        answer = environment.submit_code(TASKS[0].cheat().html)
        assert answer[0]["text"].startswith("Rendered your page") and answer[1]["image"].size[0] > 0
        assert environment.get_reward() >= 0.9
    finally:
        environment.env.close()


def test_gone_and_idle_clients_are_reaped_with_their_tabs(server):
    import websockets

    url, process = server
    _wait(lambda: _open_sessions(url) == 0, 30, "earlier sessions to close")
    tabs_before = _chromium_renderers(process)
    ws_url = url.replace("http", "ws") + f"/ws?token={TOKEN}"

    async def main():
        gone = await websockets.connect(ws_url, max_size=None)
        await gone.send(json.dumps({"type": "reset", "data": {"task_id": TASKS[2].id}}))
        await gone.recv()
        await gone.send(json.dumps({"type": "step", "data": {"text": TASKS[2].cheat().html}}))
        gone.transport.abort()  # the client vanishes mid-step, without a close frame
        idle = await websockets.connect(ws_url, max_size=None)
        await idle.send(json.dumps({"type": "reset", "data": {"task_id": TASKS[3].id}}))
        await idle.recv()
        assert _open_sessions(url) == 2
        await asyncio.to_thread(_wait, lambda: _open_sessions(url) == 0, 60, "the reaper")
        await idle.close()

    asyncio.run(main())
    _wait(lambda: _chromium_renderers(process) <= tabs_before, 30, "the sessions' tabs to close")


def test_a_non_local_bind_without_a_token_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "V2C_SERVER_TOKEN"}
    done = subprocess.run(SERVE + ["--host", "0.0.0.0", "--port", str(_free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "token" in done.stderr
