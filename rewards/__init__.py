"""Rewards: how well a candidate page reproduces a reference video (appearance, temporal, functional).

`RewardScorer` renders and scores; each score lives in its own module (`appearance`, `temporal`,
`functional`), gates in `gates`, settings in `RewardConfig`.
"""
from .breakdown import GateHit, RewardBreakdown
from .config import RewardConfig
from .scorer import PreparedReference, Reference, RewardScorer

__all__ = ["GateHit", "PreparedReference", "Reference", "RewardBreakdown", "RewardConfig", "RewardScorer"]
