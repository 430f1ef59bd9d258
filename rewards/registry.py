"""Scores by name: `register_score`, `make_score`, and the built-in scores, one line each.

A new score registers itself the same way (`register_score("text_visible", TextVisible)`; see
`v2c.rewards.score` for the contract). A "module:attribute" path is imported on first use, so
registering a score never imports its dependencies.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Union

from .score import Score

if TYPE_CHECKING:
    from .config import RewardConfig

__all__ = ["ScoreFactory", "make_score", "register_score", "registered_scores", "unregister_score"]

ScoreFactory = Callable[["RewardConfig"], Score]
"""Builds a score from the reward config (it reads its backend and options there)."""

_REGISTRY: dict[str, Union[ScoreFactory, str]] = {}


def register_score(name: str, factory: ScoreFactory | str, *, replace: bool = False) -> None:
    """Make `name` usable in `RewardConfig.weights`; `factory` is a callable or a "module:attribute" path."""
    if name in _REGISTRY and not replace:
        raise ValueError(f"a score named {name!r} is already registered (pass replace=True to override it)")
    _REGISTRY[name] = factory


def unregister_score(name: str) -> None:
    """Forget a registered score (a notebook or test that registered one for a while)."""
    del _REGISTRY[name]


def registered_scores() -> list[str]:
    """Every registered score name, in registration order."""
    return list(_REGISTRY)


def make_score(name: str, config: "RewardConfig") -> Score:
    """The score registered as `name`, built for `config`."""
    if name not in _REGISTRY:
        raise KeyError(f"no score named {name!r}; registered: {', '.join(_REGISTRY)} "
                       "(add one with v2c.rewards.register_score)")
    factory = _REGISTRY[name]
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
        _REGISTRY[name] = factory
    score = factory(config)
    if getattr(score, "name", None) != name:
        raise TypeError(f"the factory registered as {name!r} built a score named {getattr(score, 'name', None)!r}")
    return score


register_score("appearance", "v2c.rewards.appearance:AppearanceScore")
register_score("temporal", "v2c.rewards.temporal:TemporalScore")
register_score("functional", "v2c.rewards.functional:FunctionalScore")
