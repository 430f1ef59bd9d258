"""The renderer: HTML/CSS/JS pages to frames at exact virtual times, hermetically and repeatably."""
from .config import RenderConfig
from .inline import inline_page
from .pool import LocalRendererPool, RenderBackend, default_pool, render, render_async
from .types import Interaction, Page, RenderResult, RenderStatus, StepResult

__all__ = [
    "Interaction", "LocalRendererPool", "Page", "RenderBackend", "RenderConfig", "RenderResult", "RenderStatus",
    "StepResult", "default_pool", "inline_page", "render", "render_async",
]
