"""The quickstart notebook in a real JupyterLab, driven by Chromium: the viewer shows up and plays.

Starts `jupyter lab` from this repo's venv on 127.0.0.1 (a free port, a token, `--allow-root`, a temp
root with the notebook copied in, temp config/settings/runtime folders so nothing of the user's leaks
in or out), opens the notebook in Chromium through Playwright, runs *Run > Run All Cells* from the
menu, and checks that the `EpisodeViewer` is on the page with two canvases whose frames change over
time and reward bars. A screenshot is kept under the test's tmp dir and in
`runs/test-artifacts/jupyterlab-quickstart.png`. Timeouts are generous: a 2-core machine takes a while
to load JupyterLab and start a kernel.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_quickstart.ipynb"
ARTIFACTS = REPO / "runs" / "test-artifacts"
CHROMIUM = "/usr/lib/chromium/chromium"  # the full build: JupyterLab is an ordinary page load
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TOKEN = "v2c-test-token"
SERVER_START_S = 90
NOTEBOOK_RUN_S = 240

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"needs the full Chromium at {CHROMIUM}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (it and its kernels), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def quiet_settings(settings: Path) -> None:
    """No news or update toasts over the notebook."""
    target = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@contextlib.contextmanager
def lab_server(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab serving a temp root with the quickstart notebook; yields its base URL (token in TOKEN)."""
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / "quickstart.ipynb")
    quiet_settings(tmp_path / "settings")
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",  # the kernel is this venv's python
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "V2C_NOTEBOOK_BUDGET": "small",
        "V2C_RUNS_DIR": str(tmp_path / "runs"),
    }
    port = free_port()
    log = tmp_path / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0"]
    with open(log, "wb") as log_file:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # its own group: kernels die with it in stop_server
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(f"{base}/api/status?token={TOKEN}", server, log, SERVER_START_S)
        yield base
        kernels = [p.cmdline() for p in psutil.Process(server.pid).children(recursive=True)
                   if "ipykernel_launcher" in " ".join(p.cmdline())]
        assert kernels and all(cmd[0] == sys.executable for cmd in kernels), f"not this venv's kernel: {kernels}"
    finally:
        stop_server(server)
        assert server.poll() is not None, "jupyter lab is still running"


def keep_screenshot(page: Any, tmp_path: Path, name: str, element: Any = None) -> Path:
    """A screenshot under the test's tmp dir, copied to runs/test-artifacts/."""
    shot = tmp_path / name
    (element or page).screenshot(path=str(shot))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return ARTIFACTS / name


KERNEL_IDLE = ("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
               ".some(item => /\\|\\s*Idle/.test(item.textContent))")
FIRST_CELL_STARTED = ("() => { const p = document.querySelector('.jp-CodeCell .jp-InputPrompt');"
                      " return !!p && /\\[(\\*|\\d+)\\]/.test(p.textContent); }")


def run_all_cells(page: Any) -> None:
    """Run > Run All Cells once the kernel is connected and idle.

    Cells run while the session is still connecting are silently skipped by JupyterLab, so this waits
    for the status bar's "| Idle" and, should the first cell still not start, tries once more.
    """
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    for attempt in range(2):
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(FIRST_CELL_STARTED, timeout=30_000)
            return
        except Exception:
            if attempt:
                raise


def test_quickstart_runs_in_jupyterlab_and_the_viewer_plays(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with lab_server(tmp_path) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{base}/lab/tree/quickstart.ipynb?token={TOKEN}", timeout=120_000)
            run_all_cells(page)
            # The last cell prints the exported page's path: every cell before it has run.
            page.locator(".jp-OutputArea-output", has_text="by-hand.html").first.wait_for(
                state="attached", timeout=NOTEBOOK_RUN_S * 1000)
            error_outputs = page.locator("[data-mime-type='application/vnd.jupyter.error']")
            assert error_outputs.count() == 0, "a cell raised: " + error_outputs.first.inner_text()

            viewer = page.locator(".v2c-ev").first
            viewer.scroll_into_view_if_needed()
            canvases = viewer.locator("canvas")
            assert canvases.count() == 2, "expected a reference and a candidate canvas"

            def snapshot() -> list[list[str]]:
                return canvases.evaluate_all("cs => cs.map(c => [c.dataset.frame, c.toDataURL()])")

            first = snapshot()
            page.wait_for_timeout(1300)
            second = snapshot()
            for role, before, after in zip(("reference", "candidate"), first, second):
                assert before[0] != after[0], f"the {role} frame index did not advance"
                assert before[1] != after[1], f"the {role} canvas pixels did not change while playing"
            heights = viewer.locator("svg.v2c-bars rect[height]").evaluate_all(
                "rs => rs.map(r => parseFloat(r.getAttribute('height')))")
            assert sum(h > 1 for h in heights) >= 4, f"no reward bars drawn: {heights}"
            assert viewer.locator(".v2c-steps button").count() == 3, "three code versions expected"
            assert not errors, f"front-end errors: {errors}"
            # The viewer's top just under the notebook toolbar, with JupyterLab around it.
            viewer.evaluate("e => { e.scrollIntoView({block: 'start'});"
                            " e.closest('.jp-WindowedPanel-outer')?.scrollBy(0, -60); }")
            page.wait_for_timeout(300)
            shot = keep_screenshot(page, tmp_path, "jupyterlab-quickstart.png")
        except Exception:
            keep_screenshot(page, tmp_path, "jupyterlab-quickstart-failure.png")
            raise
        finally:
            browser.close()
    print(f"JupyterLab quickstart: {time.monotonic() - started:.1f} s; screenshot {shot}")
