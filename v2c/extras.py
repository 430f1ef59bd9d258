"""Optional dependencies by extra: a module that needs one says which `pip install` brings it.

The core install (`pip install v2c-gym`) renders, scores and runs the env. Training needs
`[train]`, the widgets `[notebooks]`, the papers' perceptual backends `[paper]`; `[all]` has everything.
"""
from __future__ import annotations

import importlib.util

EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch", "transformers", "trl", "peft", "accelerate", "datasets"),
    "notebooks": ("anywidget", "ipywidgets", "traitlets"),
    "paper": ("torch", "dreamsim"),
    "ray": ("ray",),
    "serve": ("openenv", "fastapi", "uvicorn"),
}
"""The import names each extra provides (pyproject.toml's optional dependencies)."""


def require_extra(extra: str, *modules: str) -> None:
    """Raise ImportError naming the extra when any of `modules` (default: all of the extra's) is missing."""
    missing = [m for m in modules or EXTRAS[extra] if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; this part of "
                          f"v2c-gym needs the [{extra}] extra: pip install 'v2c-gym[{extra}]'")
