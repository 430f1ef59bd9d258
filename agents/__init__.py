"""Agents: the `Agent` contract and scripted baselines (VLM policies and TRL training build on these)."""
from .base import Agent
from .baselines import BASELINES, BlankAgent, FirstFrameAgent, OracleAgent, RandomAnimationAgent, make_baseline

__all__ = ["Agent", "BASELINES", "BlankAgent", "FirstFrameAgent", "OracleAgent", "RandomAnimationAgent", "make_baseline"]
