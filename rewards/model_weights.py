"""Loading model weights offline: shared by the DreamSim and CoTracker3 backends.

Users who are online let the libraries download; here (and in CI) nothing may be downloaded, so
each backend checks its cache first and fails with instructions. Two library side effects are
contained here: dreamsim's global `torch.hub.set_dir`, and torchvision's failing import next to a
CPU-only torch.
"""
from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator


@dataclass(frozen=True)
class WeightSet:
    """The files one model needs, which of them the cache lacks, and how to fetch them (what a score declares
    through `register_score(..., weights=...)`; `v2c weights` checks and downloads them)."""

    name: str
    """The model, as messages name it (e.g. "DreamSim (ensemble)")."""
    cache_dir: Path
    """Where its files go."""
    missing: tuple[str, ...]
    """Paths relative to `cache_dir` that are not there."""
    download: Callable[[], None]
    """Loads the model once with downloads allowed (needs the internet), filling `cache_dir`."""


def downloads_disabled(explicit: bool | None) -> bool:
    """Downloads are off when asked explicitly, else when HF_HUB_OFFLINE is set."""
    if explicit is not None:
        return explicit
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


@contextlib.contextmanager
def torch_hub_dir(path: Path | None = None) -> Iterator[None]:
    """Inside the block torch.hub uses `path` (when given); afterwards the caller's setting is back."""
    import torch.hub

    saved = getattr(torch.hub, "_hub_dir", None)
    if path is not None:
        torch.hub.set_dir(str(path))
    try:
        yield
    finally:
        if hasattr(torch.hub, "_hub_dir"):
            torch.hub._hub_dir = saved  # None keeps "follow $TORCH_HOME", which set_dir can't express
        elif saved is not None:
            torch.hub.set_dir(saved)


def ensure_torchvision_importable() -> None:
    """Make `import torchvision` work when its compiled ops do not match the installed torch.

    A CUDA build of torchvision next to a CPU build of torch cannot load its `_C` extension,
    and then fails at import on `torchvision::nms` (its fake-tensor registrations need the op
    schema). Declaring the two schemas lets transforms and models import; only the
    `torchvision.ops` kernels stay unavailable, which DreamSim does not use. With matching
    builds this does nothing.
    """
    import sys

    import torch

    if "torchvision" in sys.modules:
        return
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return
    libs = [p for d in spec.submodule_search_locations for p in glob.glob(os.path.join(d, "_C*.so"))]
    libs += [p for d in spec.submodule_search_locations for p in glob.glob(os.path.join(d, "_C*.pyd"))]
    try:
        for lib in libs:
            torch.ops.load_library(lib)
        if libs:
            return
    except (OSError, RuntimeError):
        pass
    try:
        torch.ops.torchvision.nms  # noqa: B018  (already declared by someone else)
        return
    except (AttributeError, RuntimeError):
        pass
    lib = torch.library.Library("torchvision", "FRAGMENT")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    ensure_torchvision_importable._keepalive = lib  # type: ignore[attr-defined]  # a dropped Library unregisters
