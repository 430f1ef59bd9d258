"""A reward component is one class plus one registration line, and every consumer picks it up."""
from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import pytest

import v2c.envs  # noqa: F401  (registers the env ids)
from v2c.render import Page
from v2c.rewards import (Reference, RewardConfig, RewardScorer, make_score, register_score, registered_scores,
                         unregister_score)
from v2c.rewards.backend import LocalBackend
from v2c.widgets import ScoreTable

MOVING = ("<!doctype html><body style='margin:0;background:#fff'><style>@keyframes m{to{transform:translateX(200px)}}"
          "</style><div style='width:60px;height:60px;background:#c33;animation:m 1s linear infinite'></div>"
          "<p style='position:absolute;top:260px;font:20px sans-serif'>Hello</p></body>")


def readme_section(heading: str) -> str:
    """The first python block under `heading` in the README: the snippet users copy is the one tested."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text().split(heading, 1)[1]
    return re.search(r"^```python\n(.*?)^```$", text, re.S | re.M).group(1)


@pytest.fixture
def text_visible():
    """The README's toy score (`TextVisible`), registered while a test runs; its weight is 2 here."""
    namespace: dict = {}
    exec(readme_section("### Adding a reward"), namespace)  # defines and registers it, as a user would
    assert namespace["scorer"].config.weights["text_visible"] == 0.5
    yield RewardConfig().with_weights(text_visible=2.0)
    unregister_score("text_visible")


def test_a_registered_score_is_computed_weighted_and_explained(pool, text_visible: RewardConfig) -> None:
    assert "text_visible" in registered_scores()
    scorer = RewardScorer(text_visible, renderer=pool)
    reference = scorer.prepare(Reference(page=Page(MOVING), duration_s=1.0, fps=5))
    without_text = MOVING.replace("Hello", "")
    same, other = scorer.score_many(reference, [MOVING, without_text])
    assert list(same.scores) == ["appearance", "temporal", "functional", "text_visible"]
    assert same.scores["text_visible"] == 1.0 and other.scores["text_visible"] == 0.0
    assert other.details["text_visible"] == {"candidate_share": 0.0}
    assert same.backends["text_visible"] == "pixels" and "text_visible" in same.timings_s
    # The total is the weighted mean over the scores that apply (functional does not: no script).
    s = other.scores
    assert other.total == pytest.approx((s["appearance"] + s["temporal"] + 2.0 * s["text_visible"]) / 4.0)


def test_every_consumer_shows_a_registered_score(pool, text_visible: RewardConfig) -> None:
    env = gym.make("v2c/Animation-v0", backend=LocalBackend(text_visible, renderer=pool), max_steps=2,
                   reveal_scores=True)
    env.reset(seed=0)
    observation, _, _, _, info = env.step(f"```html\n{MOVING}\n```")
    env.close()
    assert "text_visible" in info["reward_breakdown"]["scores"]
    assert "text_visible " in observation["feedback"]  # the model is told every score by name
    table = ScoreTable({"page": info["reward_breakdown"]})
    assert "text_visible" in table.columns


def test_the_registry_refuses_what_it_cannot_build() -> None:
    with pytest.raises(KeyError, match="no score named 'nope'"):
        make_score("nope", RewardConfig())
    with pytest.raises(ValueError, match="already registered"):
        register_score("appearance", "somewhere:Else")
    register_score("misnamed", lambda config: make_score("appearance", config))
    try:
        with pytest.raises(TypeError, match="built a score named 'appearance'"):
            RewardScorer(RewardConfig().with_weights(misnamed=1.0))
    finally:
        unregister_score("misnamed")
    with pytest.raises(ValueError, match="non-negative"):
        RewardConfig().with_weights(temporal=-1.0)
    with pytest.raises(ValueError, match="backends for scores that are not in weights"):
        RewardConfig(backends={"nope": "x"})
    with pytest.raises(ValueError, match="appearance backend must be"):
        RewardScorer(RewardConfig(backends={"appearance": "nope"}))


def test_a_score_registers_its_options_and_weights_and_reads_them_by_name(tmp_path) -> None:
    from dataclasses import dataclass

    from v2c.rewards.model_weights import WeightSet
    from v2c.weights import weight_sets

    @dataclass(frozen=True)
    class ShareOptions:
        threshold: float = 0.5
        """Share of text that counts as visible."""

    class Share:
        name, needs_motion, backend = "share", False, "pixels"

        def __init__(self, config: RewardConfig) -> None:
            self.options = config.score_options("share")

    register_score("share", Share, options=ShareOptions,
                   weights=lambda config: [WeightSet("share model", tmp_path, ("share.pt",), lambda: None)])
    try:
        config = RewardConfig().with_weights(share=1.0).with_options(share={"threshold": 0.9})
        assert make_score("share", config).options == ShareOptions(0.9)
        assert make_score("share", RewardConfig().with_weights(share=1.0)).options == ShareOptions()
        assert [s.name for s in weight_sets(config)] == ["share model"]  # `v2c weights` lists it
        with pytest.raises(ValueError, match="unknown options of share .ShareOptions.: limit; it takes threshold"):
            config.with_options(share={"limit": 1}).score_options("share")
        with pytest.raises(ValueError, match="options for scores that are not in weights"):
            RewardConfig(options={"share": {}})
    finally:
        unregister_score("share")
    assert weight_sets(RewardConfig()) == []  # the default scores are embedded
