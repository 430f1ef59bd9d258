"""Shared fixtures: renderer pools are expensive to start, so tests share them per session."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def pool():
    from v2c.render import LocalRendererPool, RenderConfig

    with LocalRendererPool(size=2, config=RenderConfig(load_timeout_s=15, frame_timeout_s=5, render_timeout_s=60)) as p:
        yield p


@pytest.fixture(scope="session")
def backend(pool):
    """The scoring backend every consumer takes (`backend=`): local, on the shared test pool."""
    from v2c.rewards.backend import LocalBackend

    return LocalBackend(renderer=pool)
