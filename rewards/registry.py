"""Scores by name: `register_score`, `make_score`, and the built-in scores, one line each.

A score is registered with what it is built from and what it declares:

    register_score("text_visible", TextVisible)                       # a class (or any factory) taking the config
    register_score("appearance", "v2c.rewards.appearance:AppearanceScore",
                   options="v2c.rewards.appearance:AppearanceConfig",   # its options' dataclass
                   weights="v2c.rewards.appearance:appearance_weights") # the model files it needs, for `v2c weights`

Its options live in `RewardConfig.options[name]` (that dataclass, or a dict of its fields: what YAML and
`v2c train --reward_options` give) and the score reads them with `config.score_options(name)`. A
"module:attribute" path is imported on first use, so registering a score never imports its dependencies.
See `v2c.rewards.score` for the contract.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

from .score import Score

if TYPE_CHECKING:
    from .config import RewardConfig
    from .model_weights import WeightSet

__all__ = ["ScoreFactory", "make_score", "options_class", "register_score", "registered_scores", "unregister_score",
           "weight_sets"]

ScoreFactory = Callable[["RewardConfig"], Score]
"""Builds a score from the reward config (it reads its backend and options there)."""
WeightsDeclaration = Callable[["RewardConfig"], list["WeightSet"]]
"""The model weights a score needs under a config (none for an embedded backend)."""


@dataclass
class _Entry:
    factory: Union[ScoreFactory, str]
    options: Union[type, str, None]
    weights: Union[WeightsDeclaration, str, None]


_REGISTRY: dict[str, _Entry] = {}


def _resolve(value: Any) -> Any:
    """A "module:attribute" path imported; anything else as it is."""
    if isinstance(value, str):
        module, _, attribute = value.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return value


def register_score(name: str, factory: ScoreFactory | str, options: type | str | None = None,
                   weights: WeightsDeclaration | str | None = None, *, replace: bool = False) -> None:
    """Make `name` usable in `RewardConfig.weights`. `factory`: a callable taking the `RewardConfig`, or a
    "module:attribute" path; `options`: the dataclass of its options (`RewardConfig.options[name]`); `weights`:
    a function naming the model files it needs under a config (`v2c weights` checks and fetches them)."""
    if name in _REGISTRY and not replace:
        raise ValueError(f"a score named {name!r} is already registered (pass replace=True to override it)")
    _REGISTRY[name] = _Entry(factory, options, weights)


def unregister_score(name: str) -> None:
    """Forget a registered score (a notebook or test that registered one for a while)."""
    del _REGISTRY[name]


def registered_scores() -> list[str]:
    """Every registered score name, in registration order."""
    return list(_REGISTRY)


def _entry(name: str) -> _Entry:
    if name not in _REGISTRY:
        raise KeyError(f"no score named {name!r}; registered: {', '.join(_REGISTRY)} "
                       "(add one with v2c.rewards.register_score)")
    return _REGISTRY[name]


def options_class(name: str) -> type | None:
    """The dataclass of `name`'s options, None when it takes none."""
    entry = _entry(name)
    entry.options = _resolve(entry.options)
    return entry.options


def weight_sets(name: str, config: "RewardConfig") -> list["WeightSet"]:
    """The model weights score `name` needs under `config`."""
    entry = _entry(name)
    entry.weights = _resolve(entry.weights)
    return entry.weights(config) if entry.weights is not None else []


def make_score(name: str, config: "RewardConfig") -> Score:
    """The score registered as `name`, built for `config`."""
    entry = _entry(name)
    entry.factory = _resolve(entry.factory)
    score = entry.factory(config)
    if getattr(score, "name", None) != name:
        raise TypeError(f"the factory registered as {name!r} built a score named {getattr(score, 'name', None)!r}")
    return score


register_score("appearance", "v2c.rewards.appearance:AppearanceScore", options="v2c.rewards.appearance:AppearanceConfig",
               weights="v2c.rewards.appearance:appearance_weights")
register_score("temporal", "v2c.rewards.temporal:TemporalScore", options="v2c.rewards.temporal:TemporalOptions",
               weights="v2c.rewards.tracks:temporal_weights")
register_score("functional", "v2c.rewards.functional:FunctionalScore",
               options="v2c.rewards.functional:FunctionalConfig")
