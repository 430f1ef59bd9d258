"""Finding, starting and killing Chromium processes.

We start Chromium ourselves (rather than through Playwright's `launch`) and attach over CDP so that
we own its process group: a page stuck in an infinite loop blocks every CDP call, and the only
reliable way out is to kill the browser, which needs its pid.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass

import psutil

from .config import RenderConfig

HEADLESS_SHELL_PATHS = (
    "/usr/lib/chromium/chromium-headless-shell",  # Debian's chromium-headless-shell
    "~/.cache/ms-playwright/chromium_headless_shell-*/chrome-*/headless_shell",
    "~/.cache/ms-playwright/chromium_headless_shell-*/chrome-headless-shell-*/chrome-headless-shell",
)
FULL_CHROMIUM_PATHS = (
    "/usr/lib/chromium/chromium",  # /usr/bin/chromium is a wrapper script that adds GPU flags
    "~/.cache/ms-playwright/chromium-*/chrome-linux*/chrome",
    "/usr/bin/chromium",
    "/usr/bin/google-chrome",
)

INSTALL_HINT = (
    "No Chromium was found. Install one of:\n"
    "  Debian/Ubuntu as root: apt-get install -y chromium chromium-headless-shell\n"
    "  anywhere with internet:  playwright install chromium chromium-headless-shell\n"
    "or point $V2C_CHROMIUM at a Chromium or chrome-headless-shell binary."
)

# Flags for a hermetic, repeatable browser: no network chatter on a closed machine, no GPU,
# one device pixel per CSS pixel, no hinting or LCD text so glyphs rasterise the same everywhere.
COMMON_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
    "--disable-lcd-text",
    "--disable-font-subpixel-positioning",
    "--disable-threaded-animation",
    "--disable-threaded-scrolling",
    "--disable-checker-imaging",
    "--disable-image-animation-resync",
    "--disable-features=PaintHolding,Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
    "--block-new-web-contents",
    # Pages are served at an https origin (worker.ORIGIN), as datasets' pages ran; an http:// library URL
    # in them is still served (network.py) rather than blocked as mixed content.
    "--allow-running-insecure-content",
    "--remote-debugging-port=0",
)
# Only the headless shell supports CDP HeadlessExperimental.beginFrame: frames are produced on
# demand, so capture is as fast as the page paints and never waits for a display refresh.
BEGIN_FRAME_FLAGS = ("--deterministic-mode", "--enable-begin-frame-control", "--run-all-compositor-stages-before-draw")


@dataclass(frozen=True)
class ChromiumBuild:
    path: str
    begin_frame_control: bool
    """True for a headless-shell build, which can be driven frame by frame."""


def _first_existing(patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        for candidate in sorted(glob.glob(os.path.expanduser(pattern)), reverse=True):
            if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
                return candidate
    return None


def find_chromium(config: RenderConfig) -> ChromiumBuild:
    """The Chromium to use, preferring a headless shell (frame-by-frame control)."""
    explicit = config.executable or os.environ.get("V2C_CHROMIUM")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise FileNotFoundError(f"Chromium executable {explicit!r} does not exist or is not executable.\n{INSTALL_HINT}")
        name = os.path.basename(explicit)
        return ChromiumBuild(explicit, begin_frame_control="headless" in name)
    shell = _first_existing(HEADLESS_SHELL_PATHS)
    if shell:
        return ChromiumBuild(shell, begin_frame_control=True)
    full = _first_existing(FULL_CHROMIUM_PATHS) or shutil.which("chromium")
    if full:
        # Same frames (the clock is ours), but each capture waits for a display refresh: ~3x slower.
        warnings.warn(f"no Chromium headless shell found; rendering with {full} via Page.captureScreenshot, "
                      "which is several times slower. Install chromium-headless-shell for speed.", stacklevel=2)
        return ChromiumBuild(full, begin_frame_control=False)
    raise FileNotFoundError(INSTALL_HINT)


def _die_with_parent() -> None:
    # Linux: the browser gets SIGKILL when the thread that started it ends, so a crashed or killed
    # Python process leaves no Chromium behind.
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class BrowserProcess:
    """One Chromium process (group) that we started, with its DevTools websocket URL."""

    def __init__(self, build: ChromiumBuild, config: RenderConfig) -> None:
        self.build = build
        self.user_data_dir = tempfile.mkdtemp(prefix="v2c-chromium-")
        flags = list(COMMON_FLAGS)
        if build.begin_frame_control:
            flags += BEGIN_FRAME_FLAGS
        flags += [f"--js-flags=--max-old-space-size={config.js_heap_mb}", f"--user-data-dir={self.user_data_dir}"]
        flags += list(config.extra_flags)
        self.proc = subprocess.Popen(
            [build.path, *flags, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.ws_endpoint = self._read_endpoint(timeout_s=config.load_timeout_s * 2)
        # Keep draining stderr: a full pipe would block Chromium.
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_endpoint(self, timeout_s: float) -> str:
        timer = threading.Timer(timeout_s, self.kill)
        timer.start()
        seen: list[str] = []
        try:
            for line in self.proc.stderr:  # type: ignore[union-attr]
                seen.append(line)
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                if match:
                    return match.group(1)
        finally:
            timer.cancel()
        self.kill()
        raise RuntimeError(f"Chromium at {self.build.path} did not start:\n" + "".join(seen[-20:]))

    def _drain(self) -> None:
        for _ in self.proc.stderr:  # type: ignore[union-attr]
            pass

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        """Resident memory of the browser and all its children (renderers, GPU, utility processes)."""
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def kill(self) -> None:
        """Kill the whole process group and reap it; safe to call twice."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.user_data_dir, ignore_errors=True)


def chromium_processes() -> list[psutil.Process]:
    """Chromium processes started by this Python process (for leak checks)."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name() or "headless" in p.name():
                found.append(p)
        except psutil.Error:
            pass
    return found
