"""Agents: prompts for the papers' settings, the pick family, the HF VLM agent (tiny offline Qwen3-VL),
the OpenAI-compatible agent against a local stub server, and `v2c eval` of the scripted baselines.

No network, no downloaded weights: the tiny model is built in a temporary folder.
"""
from __future__ import annotations

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gymnasium as gym
import numpy as np
import pytest

import v2c.envs  # noqa: F401  (registers the env ids)
from v2c.agents.evaluate import EvalConfig, run_eval
from v2c.agents.hf_agent import HFAgentConfig, HFVLMAgent
from v2c.agents.openai_agent import APIError, OpenAIAgentConfig, OpenAICompatibleAgent
from v2c.agents.prompts import build_prompt
from v2c.agents.registry import make_agent
from v2c.agents.rollout import run_episode
from v2c.agents.tiny_vlm import build_tiny_vlm
from v2c.envs.actions import Code, Finish, page_for_answer, parse_answer
from v2c.envs.tasks import load_tasks, take_tasks
from v2c.envs.tasks.pick import COLOURS, DURATIONS, PickTaskSource, parse_answer as parse_pick

SMALL = {"max_steps": 4, "max_frames": 8, "obs_size": (128, 96)}


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory):
    # One folder per test session, shared by the agent and TRL tests: the second build finds it done.
    return build_tiny_vlm(tmp_path_factory.getbasetemp() / "tiny-vlm")


@pytest.fixture(scope="module")
def pick_env(backend, pool):
    environment = gym.make("v2c/VideoToCode-v0", tasks=take_tasks("template:pick", 3), backend=backend, **SMALL)
    yield environment
    environment.close()


# ------------------------------------------------------------------ prompts and answers

def test_prompts_follow_the_three_settings():
    frames = np.zeros((4, 48, 64, 3), np.uint8)
    times = np.array([0.0, 0.5, 1.0, 1.5])
    frames_prompt = build_prompt("frames", "animation", frames, times)
    assert len(frames_prompt.images) == 4 and "4 frames sampled at 2 fps" in frames_prompt.text
    assert frames_prompt.messages()[1]["content"][:4] == [{"type": "image"}] * 4
    assert frames_prompt.messages(placeholders=False)[1]["content"] == frames_prompt.text
    video = build_prompt("video", "interaction", frames, times, as_video=True)
    assert video.video is not None and not video.images and "every line of text" in video.text
    coarse = build_prompt("revisit", "animation", frames, times, stage="coarse")
    assert '"segments"' in coarse.text and "Do not write code yet" in coarse.text
    code = build_prompt("revisit", "animation", frames, times, clip=frames[:2], clip_times=np.array([0.5, 0.6]))
    assert len(code.images) == 6 and "0.5 s, 0.6 s" in code.text and "<html></html>" in code.text


def test_pick_family_is_reproducible_and_its_answers_become_pages():
    first, again = PickTaskSource(3)[5], load_tasks("template:pick?seed=3")[5]
    assert first == again and first.metadata["colour"] in COLOURS and first.metadata["duration_s"] in DURATIONS
    assert parse_pick("Teal, 1.4 seconds") == ("teal", 1.5) and parse_pick("no idea") == (None, 1.0)
    assert page_for_answer(first, "nothing here") is None
    assert page_for_answer(first, first.metadata["answer"]).html == first.page.html
    assert page_for_answer(first, first.page.html).html == first.page.html  # HTML is a page on every task
    assert parse_answer("red 2", first).html.startswith("<!doctype html>")
    assert isinstance(parse_answer("finish", first), Finish)
    code_task = load_tasks("builtin:animations")[0]  # words are no page on a code task
    assert page_for_answer(code_task, "red 2") is None and not isinstance(parse_answer("red 2", code_task), Code)


def test_the_oracle_of_a_pick_task_scores_one_and_its_template_answer_too(pick_env):
    pick_env.reset(options={"task_id": "pick-0-0"})
    task = pick_env.unwrapped.task
    assert pick_env.step(task.metadata["answer"])[1] > 0.99  # the env reads the template answer itself
    wrong = next(c for c in COLOURS if c != task.metadata["colour"])
    assert pick_env.step(f"{wrong} {task.metadata['duration_s']:g}")[1] < 1.0


# ------------------------------------------------------------------ the HF agent

@pytest.mark.parametrize("mode", ["frames", "video", "revisit"])
def test_hf_agent_plays_an_episode_in_each_setting(backend, mode, tiny_vlm, pool):
    environment = gym.make("v2c/VideoToCode-v0", tasks=take_tasks("builtin:animations", 1), backend=backend, **SMALL)
    agent = HFVLMAgent(HFAgentConfig(model=str(tiny_vlm), mode=mode, max_new_tokens=8, temperature=1.0))
    episode = run_episode(environment, agent, seed=0)
    turns = 2 if mode == "revisit" else 1
    assert len(agent.transcript) == turns and episode.steps[-1].action_type == "finish"
    assert all(isinstance(t["answer"], str) for t in agent.transcript)
    if mode == "revisit":
        assert "Do not write code yet" in agent.transcript[0]["prompt"]
    if mode == "video":
        assert agent.takes_video and "attached as a video" in agent.transcript[0]["prompt"]


def test_hf_agent_takes_a_qwen2_5_vl_too(backend, tmp_path_factory, pool):
    from v2c.agents.tiny_vlm import TinyVLMConfig

    model = build_tiny_vlm(tmp_path_factory.getbasetemp() / "tiny-qwen2.5-vl", TinyVLMConfig(family="qwen2_5_vl"))
    environment = gym.make("v2c/VideoToCode-v0", tasks=take_tasks("builtin:animations", 1), backend=backend, **SMALL)
    for mode in ("video", "frames"):
        agent = HFVLMAgent(HFAgentConfig(model=str(model), mode=mode, max_new_tokens=4, temperature=1.0))
        run_episode(environment, agent, seed=0)
        assert type(agent._model).__name__ == "Qwen2_5_VLForConditionalGeneration" and len(agent.transcript) == 1


def test_hf_agent_revisit_sends_the_requested_clip_back(tiny_vlm, pick_env):
    class Scripted(HFVLMAgent):  # the tiny model never writes a clip request: script its answers
        def generate(self, prompt):
            return '{"segments": [{"start": 0.5, "end": 1.0}]}' if self.turn == 0 else "red 1"

    agent = Scripted(HFAgentConfig(model=str(tiny_vlm), mode="revisit", clip_fps=10))
    episode = run_episode(pick_env, agent, seed=0, options={"task_id": "pick-0-1"})
    assert [s.action_type for s in episode.steps] == ["clip", "code", "finish"]
    assert agent.transcript[1]["images"] > agent.transcript[0]["images"]  # coarse frames + the clip
    assert "0.5 s, 0.6 s" in agent.transcript[1]["prompt"]


# ------------------------------------------------------------------ the OpenAI-compatible agent

class _Stub(BaseHTTPRequestHandler):
    """A chat-completions endpoint: replies from a script, records what it was sent."""

    script: list = []
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        status, payload = type(self).script.pop(0) if type(self).script else (200, "finish")
        if status == "sleep":
            import time

            time.sleep(payload)
            status, payload = 200, "late"
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": payload}}],
                           "usage": {"total_tokens": 7}} if status == 200 else {"error": payload}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Stub.script, _Stub.received = [], []
    monkeypatch.setenv("V2C_OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("V2C_OPENAI_API_KEY", "sk-test")
    yield _Stub
    server.shutdown()
    server.server_close()


def test_openai_agent_retries_then_plays_the_revisit_pipeline(stub, pick_env):
    task = take_tasks("template:pick", 3)[2]
    stub.script = [(503, "busy"), (200, '<tool>{"segments": [{"start": 0, "end": 1}]}</tool>'),
                   (200, "```html\n" + task.page.html + "\n```")]
    agent = OpenAICompatibleAgent(OpenAIAgentConfig(model="stub-vl", mode="revisit", backoff_s=0.01))
    episode = run_episode(pick_env, agent, seed=0, options={"task_id": task.id})
    assert [s.action_type for s in episode.steps] == ["clip", "code", "finish"] and episode.best_total > 0.99
    assert len(stub.received) == 3 and stub.received[0]["path"] == "/v1/chat/completions"
    request = stub.received[-1]
    assert request["auth"] == "Bearer sk-test" and request["body"]["model"] == "stub-vl"
    parts = request["body"]["messages"][1]["content"]
    images = [p for p in parts if p["type"] == "image_url"]
    assert len(images) > 5 and images[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[-1]["type"] == "text" and agent.usage == [{"total_tokens": 7}] * 2


def test_openai_agent_gives_up_on_client_errors_and_timeouts(stub, monkeypatch):
    monkeypatch.setenv("V2C_OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback")
    prompt = build_prompt("frames", "animation", np.zeros((1, 8, 8, 3), np.uint8), np.array([0.0]))
    agent = OpenAICompatibleAgent(OpenAIAgentConfig(model="m", backoff_s=0.01, max_retries=1, timeout_s=0.3))
    stub.script = [(400, "bad request")]
    with pytest.raises(APIError, match="HTTP 400") as error:
        agent.generate(prompt)
    assert error.value.status == 400 and len(stub.received) == 1 and stub.received[0]["auth"] == "Bearer sk-fallback"
    stub.script = [("sleep", 1.0), ("sleep", 1.0)]
    with pytest.raises(APIError, match="after 2 attempts"):
        agent.generate(prompt)


# ------------------------------------------------------------------ v2c eval

def test_eval_of_the_baselines_writes_the_table_and_the_report(backend, pool, tmp_path):
    rows = run_eval(EvalConfig(agents=("oracle", "blank", "first-frame"), tasks="builtin:animations", limit=2,
                               out=str(tmp_path), obs_size=(128, 96)), backend=backend)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved == rows and len(rows) == 6
    assert set(rows[0]) >= {"task_id", "agent", "total", "scores", "static"}
    assert set(rows[0]["scores"]) == {"appearance", "temporal", "functional"}
    by_agent = {a: [r for r in rows if r["agent"] == a] for a in ("oracle", "blank", "first-frame")}
    assert all(r["total"] > 0.9 and not r["static"] for r in by_agent["oracle"])
    assert all(r["total"] == 0.0 and r["static"] for r in by_agent["blank"])
    assert all(r["static"] and r["scores"]["temporal"] == 0.0 for r in by_agent["first-frame"])
    csv_lines = (tmp_path / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("task_id,agent,total,appearance,temporal,functional,static") and len(csv_lines) == 7
    table = list(csv.DictReader(io.StringIO((tmp_path / "results.csv").read_text())))
    assert [(r["task_id"], r["agent"]) for r in table] == [(r["task_id"], r["agent"]) for r in rows]
    report = (tmp_path / "report.html").read_text()
    for task_id in {r["task_id"] for r in rows}:
        assert f"videos/{task_id}.reference.mp4" in report and f"videos/{task_id}.oracle.mp4" in report
        assert (tmp_path / "videos" / f"{task_id}.oracle.mp4").stat().st_size > 0
    assert "static output" in report and "100.0%" in report  # blank and first-frame are static every time


def test_eval_cli_runs_agents_by_name_on_a_folder_whose_oracle_is_the_page(tmp_path, capsys, monkeypatch):
    from .technique_pages import TECHNIQUES
    from v2c.cli import main

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "slide.html").write_text(TECHNIQUES["waapi"])
    out = tmp_path / "out"
    assert main(["eval", "--agent", "oracle,blank", "--tasks", str(pages), "--out", str(out), "--no-videos"]) == 0
    printed = capsys.readouterr().out
    assert "oracle" in printed and "report.html" in printed
    rows = json.loads((out / "results.json").read_text())
    assert [(r["task_id"], r["agent"]) for r in rows] == [("slide", "oracle"), ("slide", "blank")]
    assert rows[0]["total"] > 0.99 and rows[1]["total"] == 0.0


def test_agents_by_name():
    assert make_agent("oracle").name == "oracle"
    assert make_agent("hf:some/model", mode="revisit").config.mode == "revisit"
    assert make_agent("openai:gpt-x", max_new_tokens=10).config.max_tokens == 10
    with pytest.raises(ValueError, match="unknown agent"):
        make_agent("nobody")
