"""Rewards: how well a candidate page reproduces a reference video.

`RewardScorer` renders and scores. Each score is one class in its own module (`appearance`, `temporal`,
`functional`) registered by name in `registry`; the contract is `score.Score`. Gates are in `gates`,
settings in `RewardConfig`, results in `RewardBreakdown` (`scores` is a mapping by name).
"""
from .breakdown import GateHit, RewardBreakdown, format_scores
from .config import RewardConfig
from .registry import make_score, register_score, registered_scores, unregister_score
from .score import CandidateClip, ReferenceClip, Score, ScoreResult
from .scorer import PreparedReference, Reference, RewardScorer

__all__ = ["CandidateClip", "GateHit", "PreparedReference", "Reference", "ReferenceClip", "RewardBreakdown",
           "RewardConfig", "RewardScorer", "Score", "ScoreResult", "format_scores", "make_score", "register_score",
           "registered_scores", "unregister_score"]
