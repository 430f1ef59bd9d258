"""benchmarks/learning.py's warm-start section at its smallest budget: one SFT step, one GRPO step of
each run, and the pieces that make it a fair test (the SFT answers carry the task's colour and nothing about its
duration; the control's prompts show the next row's frames)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("trl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import learning  # noqa: E402


@pytest.fixture(scope="module")
def rows():
    from v2c.agents.trl_dataset import build_dataset

    return build_dataset("template:pick?seed=2", 6)


def _metadata(row: dict) -> dict:
    return json.loads(json.loads(row["task"])["metadata"])


def test_the_control_shows_the_next_rows_frames(rows) -> None:
    shifted = learning.shuffled_videos(rows)
    assert shifted["task"] == rows["task"]  # the scored task is unchanged
    for i in range(len(rows)):
        after = [np.asarray(image) for image in shifted[i]["images"]]
        following = [np.asarray(image) for image in rows[(i + 1) % len(rows)]["images"]]
        own = [np.asarray(image) for image in rows[i]["images"]]
        assert all(np.array_equal(a, b) for a, b in zip(after, following))
        other_video = {k: _metadata(rows[i])[k] for k in ("colour", "duration_s")} != \
            {k: _metadata(rows[(i + 1) % len(rows)])[k] for k in ("colour", "duration_s")}
        assert other_video == (not all(np.array_equal(a, b) for a, b in zip(after, own)))
    assert any(_metadata(rows[i])["colour"] != _metadata(rows[i + 1])["colour"] for i in range(len(rows) - 1))


def test_sft_answers_carry_the_tasks_colour_and_a_random_duration(rows) -> None:
    from v2c.envs.tasks.pick import DURATIONS, parse_answer

    sft = learning.answer_rows(rows, seed=0)
    answers = [parse_answer(row["messages"][-1]["content"][0]["text"]) for row in sft]
    assert [colour for colour, _ in answers] == [_metadata(row)["colour"] for row in rows]
    assert all(duration in DURATIONS for _, duration in answers)
    assert learning.answer_rows(rows, seed=0)["messages"] == sft["messages"]  # seeded
    # One image placeholder per frame, before the prompt's text, as TRL lays out GRPO's prompt.
    user = sft[0]["messages"][1]["content"]
    assert [block["type"] for block in user] == ["image"] * len(rows[0]["images"]) + ["text"]
    assert user[-1]["text"] == rows[0]["prompt"][1]["content"]


def test_group_metrics_score_each_answer_by_its_group() -> None:
    task = ["a", "a", "b", "b"]
    completions = ["red 1", "red 2", "blue 1", "blue 1"]
    assert learning.duration_entropy([], completions, task) == [1.0, 1.0, 0.0, 0.0]


def test_warm_start_runs_one_sft_and_one_grpo_step_per_run() -> None:
    cfg = learning.WarmStartConfig(sft_tasks=2, eval_tasks=1, sft_steps=1, sft_batch=2, samples=2, grpo_steps=1,
                                   prompts_per_step=2, generations=2, window=1, diagnose=False)
    result = learning.warm_start(learning.warm_start_model(cfg, learning.Device()), cfg, learning.Device())
    assert len(result.sft.losses) == 1 and result.after_sft["answers"] == 2
    for run in result.runs.values():
        assert run.result.trainer.state.global_step == 1
        for column in ("colour", "duration", "entropy", "sampled"):  # the weight-0 metric columns were logged
            assert len(run.columns[column]) == 1 and 0.0 <= run.columns[column][0] <= 2.0, (column, run.columns)
    report = "\n".join(result.lines())
    assert "| GRPO control, last 1 steps |" in report and "SFT: colour match" in report
