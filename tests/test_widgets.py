"""The widgets: what each sends to the front end, its static fallback, and its front end in Chromium.

Episodes here are synthetic (a square sliding over 12 frames), so the viewer's numbers are known
without an env; the task browser renders real built-in tasks; the monitor is fed like a trainer
would. The front-end tests load each widget's ES module into a bare page with a stand-in for
anywidget's model (get/set/on/off/save_changes), so they run in a second, without JupyterLab
(test_jupyterlab.py runs the real thing).
"""
from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import traitlets
from PIL import Image

from v2c.envs.episode import Episode, EpisodeStep
from v2c.render import RenderResult, RenderStatus
from v2c.rewards import Reference, RewardBreakdown, RewardConfig, RewardScorer
from v2c.video import Video
from v2c.widgets import EpisodeViewer, ScoreTable, TaskBrowser, TrainingMonitor
from v2c.widgets.score_details import detail_svgs, register_detail_view

FPS = 10.0
H, W = 96, 128
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"


def sliding_square(n: int = 12, colour: tuple[int, int, int] = (220, 40, 40), dx: int = 6) -> np.ndarray:
    frames = np.full((n, H, W, 3), 245, np.uint8)
    for k in range(n):
        frames[k, 30:60, 10 + dx * k:40 + dx * k] = colour
    return frames


def scored(reference: np.ndarray, candidate: np.ndarray) -> RewardBreakdown:
    """The real scorer's breakdown of `candidate` frames against `reference` frames (no browser: a video
    reference, and the candidate as an ok render), as an episode stores it. Temporal with the `lk` backend:
    its point tracks are what the viewer overlays (the default `flow` backend has none)."""
    scorer = RewardScorer(RewardConfig(backends={"appearance": "labssim", "temporal": "lk"}))
    video = Video(reference, np.arange(len(reference)) / FPS, FPS)
    prepared = scorer.prepare(Reference(video=video, duration_s=len(reference) / FPS, fps=FPS, viewport=(W, H)))
    render = RenderResult(frames=candidate, timestamps=np.arange(len(candidate)) / FPS, status=RenderStatus.OK,
                          fps=FPS, viewport=(W, H))
    return scorer.score_render(prepared, render, code_bytes=100)


@pytest.fixture
def episode_dir(tmp_path: Path) -> Path:
    """clip → a static page → a patch that makes it move like the reference → finish, saved to disk."""
    reference = sliding_square()
    steps = [
        EpisodeStep(0, '{"segments": [{"start": 0.2, "end": 0.6}]}', "clip", 0.0, feedback="Clip: 4 frames",
                    clip_frames=reference[2:6], clip_timestamps=np.arange(2, 6) / FPS, clip_segments=[(0.2, 0.6)]),
        EpisodeStep(1, "```html ...```", "code", 0.33, feedback="Rendered your page.",
                    code="<html><body>\n<div id=a>static</div>\n</body></html>",
                    breakdown=scored(reference, np.repeat(reference[:1], 12, 0)),
                    candidate_frames=np.repeat(reference[:1], 12, 0)),
        EpisodeStep(2, "<<<<<<< SEARCH ...", "patch", 0.99, feedback="Rendered your page.",
                    code="<html><body>\n<div id=a>moving</div>\n</body></html>",
                    breakdown=scored(reference, reference.copy()), candidate_frames=reference.copy()),
        EpisodeStep(3, "finish", "finish", 0.0, feedback="Finished."),
    ]
    task = {"id": "synthetic-0", "kind": "animation", "source": "test", "duration_s": 1.2, "fps": FPS,
            "viewport": [W, H], "difficulty": 1,
            "interactions": [{"action": "click", "t": 0.5, "target": {"role": "button", "name": "Go"}, "value": None}]}
    return Episode(task=task, reference_frames=reference, fps=FPS, steps=steps).save(tmp_path / "episode")


# ---------------------------------------------------------------------- EpisodeViewer


def test_viewer_loads_an_episode_folder_and_sends_every_code_version(episode_dir: Path) -> None:
    viewer = EpisodeViewer(episode_dir)  # a path: Episode.load, no env anywhere
    data = viewer.data
    assert data["n_frames"] == 12 and len(data["reference"]["frames"]) == 12
    assert data["reference"]["frames"][0].startswith("data:image/jpeg;base64,")
    assert [v["step"] for v in data["versions"]] == [1, 2] and viewer.step == 2  # the last version first
    static, moving = data["versions"]
    assert [g["name"] for g in static["gates"]] == ["static"] and moving["scores"]["total"] == pytest.approx(1.0)
    assert static["scores"]["temporal"] == 0.0 and static["scores"]["functional"] is None
    # One chart per score from what it emitted: the identical candidate's appearance curve is at distance 0
    # everywhere, the static one's is not; the lk temporal counts its moving tracks.
    charts = {c["name"]: c["svg"] for c in moving["details"]}
    assert "data-t1" in charts["appearance"] and "mean → 1.000" in charts["appearance"]
    assert "mean → 1.000" not in {c["name"]: c["svg"] for c in static["details"]}["appearance"]
    assert "moving tracks, candidate" in charts["temporal"] and "functional" not in charts
    # Tracks: the reference's square moves; the static page has no moving point.
    assert data["reference"]["tracks"] and static["tracks"] == [] and len(moving["tracks"]) >= 1
    xs = [p[0] for p in data["reference"]["tracks"][0] if p is not None]
    assert xs[-1] - xs[0] > 20, "a reference track should follow the square to the right"
    # The diff of the patch shows the line it replaced.
    assert ">-&lt;div id=a&gt;static" in moving["diff_html"].split("class='del'")[1]
    assert ">+&lt;div id=a&gt;moving" in moving["diff_html"].split("class='add'")[1]
    assert "first version" in static["diff_html"]
    assert "step 0 clip" in data["timeline_svg"] and "click" in data["timeline_svg"]
    # The clip strip shows the frames the agent was given, at their source times.
    (clip,) = data["clips"]
    assert clip["step"] == 0 and clip["n_frames"] == 4 and clip["segments"] == [[0.2, 0.6]]
    assert clip["labels"] == ["0.20 s", "0.30 s", "0.40 s", "0.50 s"] and len(clip["frames"]) == 4
    assert [a["type"] for a in data["actions"]] == ["clip", "code", "patch", "finish"]
    assert data["bars_svg"].count("class='group") == 2
    json.dumps(data)  # everything crosses the comm as JSON


def test_the_default_flow_temporal_has_a_detail_view_of_where_and_how_fast_things_change() -> None:
    reference = sliding_square()
    slower = sliding_square(dx=3)
    breakdown = RewardScorer(RewardConfig())  # flow temporal: no tracks to overlay, a grid of change energy
    video = Video(reference, np.arange(len(reference)) / FPS, FPS)
    prepared = breakdown.prepare(Reference(video=video, duration_s=len(reference) / FPS, fps=FPS, viewport=(W, H)))
    render = RenderResult(frames=slower, timestamps=np.arange(len(slower)) / FPS, status=RenderStatus.OK, fps=FPS,
                          viewport=(W, H))
    scored_dict = breakdown.score_render(prepared, render, code_bytes=100).to_dict()
    charts = {c["name"]: c["svg"] for c in detail_svgs(scored_dict, FPS)}
    temporal = charts["temporal"]
    assert "temporal (flow)" in temporal and "content" in temporal and "timing" in temporal
    assert temporal.count("<rect") == 2 * 16  # the reference's and the candidate's 4×4 grids
    assert "reference: where it changes" in temporal and "candidate" in temporal
    # A registered score without a view of its own shows its scalar details as a table; one can bring a view.
    mine = {"scores": {"text_visible": 0.5}, "details": {"text_visible": {"candidate_share": 0.25}}}
    (chart,) = detail_svgs(mine, FPS)
    assert chart["name"] == "text_visible" and "candidate_share" in chart["svg"] and "0.250" in chart["svg"]
    register_detail_view("text_visible", lambda details, fps: f"<svg>{details['candidate_share']}</svg>")
    assert detail_svgs(mine, FPS) == [{"name": "text_visible", "svg": "<svg>0.25</svg>"}]


def test_viewer_step_is_a_code_version(episode_dir: Path) -> None:
    viewer = EpisodeViewer(Episode.load(episode_dir), step=1)
    assert viewer.step == 1 and viewer.selected.action_type == "code"
    with pytest.raises(traitlets.TraitError, match="no code version"):
        viewer.step = 0  # the clip request
    viewer.step = 2
    assert viewer.selected.breakdown.total == pytest.approx(1.0)


def test_viewer_static_fallback_is_a_gif_and_charts_without_script(episode_dir: Path, tmp_path: Path) -> None:
    viewer = EpisodeViewer(episode_dir)
    data, _ = viewer._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == viewer.model_id
    html = data["text/html"]
    # Sanitizer-proof: no script, no inline SVG or <style> (JupyterLab strips them), charts as images.
    assert "<script" not in html and "<svg" not in html and "<style" not in html and "synthetic-0" in html
    assert html.count("data:image/svg+xml;base64,") == 4  # bars, appearance curve, temporal tracks, timeline
    assert html.count("alt='clip frame'") == 4 and "step 0 clip: 4 frames" in html
    gif = Image.open(io.BytesIO(base64.b64decode(html.split("data:image/gif;base64,")[1].split("'")[0])))
    assert gif.n_frames == 12 and gif.width > 2 * gif.height, "reference | candidate side by side"
    assert data["text/plain"].startswith("EpisodeViewer(task='synthetic-0'")
    page = viewer.save_html(tmp_path / "report" / "episode.html")
    assert page.read_text().startswith("<!doctype html>")


def test_viewer_shows_an_episode_without_code(tmp_path: Path) -> None:
    episode = Episode(task={"id": "empty", "kind": "animation", "duration_s": 1.2}, reference_frames=sliding_square(),
                      fps=FPS, steps=[EpisodeStep(0, "hello", "invalid", -0.05, feedback="Invalid action")])
    viewer = EpisodeViewer(episode)
    assert viewer.step == -1 and viewer.data["versions"] == [] and viewer.selected is None
    assert "reference (no code version)" in viewer.static_html()


# ---------------------------------------------------------------------- TaskBrowser


@pytest.fixture(scope="module")
def task_browser(backend, pool, tmp_path_factory) -> TaskBrowser:
    """An interactive and an animated built-in task, and a task whose video does not exist."""
    from v2c.envs.tasks import Task, load_tasks

    broken = Task(id="missing-video", kind="animation", video=tmp_path_factory.mktemp("tasks") / "nope.mp4")
    tasks = [load_tasks("builtin:interactions")[1], load_tasks("builtin:animations")[0], broken]
    return TaskBrowser(tasks, backend=backend)


def test_task_browser_previews_tasks_scores_oracles_and_keeps_broken_tasks(task_browser: TaskBrowser) -> None:
    tasks = task_browser.tasks
    cards = {c["id"]: c for c in task_browser.cards}
    assert list(cards) == [t.id for t in tasks]
    for task in tasks[:2]:
        card = cards[task.id]
        assert card["oracle"]["total"] > 0.95 and card["error"] is None, card["error"]
        assert card["preview"].startswith("data:image/gif;base64,") and card["kind"] == task.kind
    assert cards[tasks[0].id]["interactions"] and cards[tasks[0].id]["oracle"]["scores"]["functional"] == 1.0
    assert "nope.mp4" in cards["missing-video"]["error"] and cards["missing-video"]["oracle"] is None
    assert task_browser.selected == tasks[0].id and task_browser.selected_task is tasks[0]
    with pytest.raises(KeyError):
        task_browser.task("nothing")
    html = task_browser._repr_mimebundle_()[0]["text/html"]
    assert html.count("class='card'") == 3 and "<script" not in html


def test_task_browser_shows_the_template_family(backend, pool) -> None:
    browser = TaskBrowser("template:pick?seed=1", limit=1, backend=backend)
    card = browser.cards[0]
    assert browser.source_name == "template:pick" and card["id"] == "pick-1-0" and card["error"] is None
    assert card["oracle"]["total"] > 0.99 and card["metadata"]["answer_format"] == "pick"


def test_task_browser_reports_what_a_loader_skipped(backend, pool) -> None:
    browser = TaskBrowser(Path(__file__).parent / "fixtures" / "anim2code", oracle_score=False, backend=backend)
    assert len(browser.cards) == 2 and all(c["oracle"] is None for c in browser.cards)
    assert "skipped 4" in browser.report and "codepen-frank-empty" in browser.report


# ---------------------------------------------------------------------- TrainingMonitor


def test_monitor_keeps_numeric_values_and_filters_by_prefix() -> None:
    import torch

    monitor = TrainingMonitor(prefix="rewards/, loss", min_interval_s=0)
    monitor.add({"loss": 0.5, "rewards/appearance/mean": np.float32(0.25), "rewards/temporal/mean": torch.tensor(0.5),
                 "learning_rate": 1e-5, "note": "text", "flag": True, "vector": [1, 2], "nan": float("nan")}, step=1)
    monitor.add({"loss": 0.4, "rewards/appearance/mean": 0.5, "my_metric": 3}, step=2)
    assert monitor.metric_keys() == ["loss", "rewards/appearance/mean", "rewards/temporal/mean"]
    assert monitor.metric_keys("") == ["loss", "rewards/appearance/mean", "rewards/temporal/mean", "learning_rate",
                                       "my_metric"]
    assert monitor.series("rewards/appearance/mean") == ([1.0, 2.0], [0.25, 0.5])
    assert monitor.rows[-1] == {"step": 2.0, "loss": 0.4, "rewards/appearance/mean": 0.5, "my_metric": 3.0}
    assert monitor.add({"only": "text"}) == {} and len(monitor.history) == 2
    html = monitor.static_html()
    assert html.count("data:image/svg+xml") == 3 and "<script" not in html and "<svg" not in html


@pytest.mark.parametrize("uptime_s", [0.0, 5.0, 1e6], ids=["just-booted", "young", "old"])
def test_monitor_pushes_to_the_front_end_at_most_every_interval(monkeypatch, uptime_s: float) -> None:
    monkeypatch.setattr("v2c.widgets.training_monitor.time.monotonic", lambda: uptime_s)  # the clock counts from boot
    monitor = TrainingMonitor(min_interval_s=3600)
    monitor.add({"reward": 0.1}, step=1)  # the first record goes out at once
    for step in range(2, 6):
        monitor.add({"reward": 0.1 * step}, step=step)
    assert len(monitor.rows) == 1 and len(monitor.history) == 5
    monitor.finish()
    assert len(monitor.rows) == 5 and monitor.status.startswith("finished at step 5")


def test_monitor_reads_trainer_state_files_and_folders(tmp_path: Path) -> None:
    def state(path: Path, steps: int) -> None:
        path.mkdir(parents=True)
        history = [{"step": s, "loss": 1 / s, "rewards/v2c/mean": s / 10, "epoch": s / steps} for s in range(1, steps + 1)]
        history.append({"step": steps, "train_runtime": 12.5, "train_loss": 0.3})  # the closing summary record
        (path / "trainer_state.json").write_text(json.dumps({"max_steps": steps, "log_history": history}))

    state(tmp_path / "run" / "checkpoint-5", 5)
    state(tmp_path / "run" / "checkpoint-10", 10)
    monitor = TrainingMonitor.from_trainer_state(tmp_path / "run", prefix="rewards/")
    assert monitor.series("rewards/v2c/mean")[0] == [float(s) for s in range(1, 11)]  # the newest checkpoint
    assert monitor.max_steps == 10 and "train_runtime" in monitor.metric_keys("")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "train_log.json").write_text(json.dumps({"log_history": [{"step": 1, "reward": 0.2}]}))
    assert TrainingMonitor.from_trainer_state(tmp_path / "cli").series("reward") == ([1.0], [0.2])
    with pytest.raises(FileNotFoundError, match="trainer_state.json"):
        TrainingMonitor.from_trainer_state(tmp_path)


def test_monitor_callback_is_a_trainer_callback_fed_by_on_log() -> None:
    monitor = TrainingMonitor(min_interval_s=0)
    callback = monitor.callback()  # first: it makes transformers importable on a CPU-only torch (see model_weights)
    from transformers import TrainerCallback, TrainerControl, TrainerState

    assert isinstance(callback, TrainerCallback)
    state, control = TrainerState(max_steps=20), TrainerControl()
    callback.on_train_begin(None, state, control)
    assert monitor.max_steps == 20
    state.global_step = 3
    callback.on_log(None, state, control, logs={"reward": 0.5, "rewards/appearance/mean": 0.7})
    assert monitor.rows == [{"step": 3.0, "reward": 0.5, "rewards/appearance/mean": 0.7}]
    assert monitor.status == "running · step 3 of 20 · 1 records"
    state.is_world_process_zero = False  # other ranks of a distributed run stay silent
    callback.on_log(None, state, control, logs={"reward": 0.9})
    assert len(monitor.history) == 1
    state.is_world_process_zero = True
    callback.on_train_end(None, state, control)
    assert monitor.status.startswith("finished")


# ---------------------------------------------------------------------- ScoreTable


def test_score_table_draws_a_bar_per_score_and_drops_empty_columns() -> None:
    reference = sliding_square()
    table = ScoreTable({"oracle": scored(reference, reference.copy()).to_dict(),  # a breakdown or its dict
                        "first frame": scored(reference, np.repeat(reference[:1], 12, 0))})
    assert table.columns == ["appearance", "temporal", "total"]  # functional is None everywhere
    html = table._repr_html_()
    assert html.count("<tr>") == 3 and "static" in html and "width:80px" in html
    assert "first frame" in repr(table)


# ---------------------------------------------------------------------- front ends in Chromium

HARNESS = """
async ({esm, css, state}) => {
  // A stand-in for anywidget's model: the calls the widgets make, with change events like Backbone's.
  const listeners = {};
  window.saved = [];
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    off: (e, f) => { listeners[e] = (listeners[e] || []).filter((g) => g !== f); },
    save_changes: () => { window.saved.push(JSON.parse(JSON.stringify(
      Object.fromEntries(Object.entries(state).filter(([k]) => !k.startsWith("_")))))); },
  };
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const el = document.createElement("div");
  document.body.append(el);
  const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
  const module = await import(url);
  window.model = model;
  window.cleanup = module.default.render({model, el});
}
"""


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    if not os.access(HEADLESS_SHELL, os.X_OK):
        pytest.skip(f"needs {HEADLESS_SHELL}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=HEADLESS_SHELL, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


def mount(browser: Any, widget: Any) -> Any:
    """A fresh page with `widget`'s front end rendered from its synced state."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    state = {k: v for k, v in widget.get_state().items() if not isinstance(v, (bytes, memoryview))}
    page.evaluate(HARNESS, {"esm": widget._esm, "css": widget._css, "state": state})
    page.errors = errors
    return page


def test_viewer_front_end_plays_both_videos_in_sync_and_switches_versions(browser_page, episode_dir: Path) -> None:
    page = mount(browser_page, EpisodeViewer(episode_dir))
    canvases = page.locator(".v2c-ev canvas")
    assert canvases.count() == 2
    frames = "() => [...document.querySelectorAll('.v2c-ev canvas')].map(c => [c.dataset.frame, c.toDataURL()])"
    first = page.evaluate(frames)
    page.wait_for_timeout(450)
    second = page.evaluate(frames)
    assert first[0][0] == first[1][0] and second[0][0] == second[1][0], "both canvases show the same frame"
    assert first[0][0] != second[0][0] and first[0][1] != second[0][1] and first[1][1] != second[1][1]
    assert page.locator(".v2c-steps button").count() == 2
    page.locator(".v2c-steps button", has_text="step 1").click()
    assert page.evaluate("window.saved.at(-1).step") == 1
    assert "the candidate never changes while the reference moves" in page.locator(".v2c-ev").inner_text()
    page.locator(".v2c-play").click()  # pause: the frame goes back to the kernel
    assert page.evaluate("window.saved.at(-1).playing") is False
    assert page.locator("svg.v2c-bars g.group.selected").count() == 1
    assert page.locator(".v2c-curve-box svg line.playhead").count() == 1
    assert page.locator(".v2c-clips details[data-step='0'] img").count() == 4
    assert "0.20–0.60 s" in page.locator(".v2c-clips summary").inner_text()
    page.evaluate("window.cleanup()")
    assert not page.errors, page.errors


def test_task_browser_front_end_filters_and_selects(browser_page, task_browser: TaskBrowser) -> None:
    page = mount(browser_page, task_browser)
    assert page.locator(".v2c-card").count() == 3 and page.locator(".v2c-card img").count() == 2
    page.locator(".v2c-search").fill("missing")
    assert page.locator(".v2c-card").count() == 1
    page.locator(".v2c-search").fill("")
    page.locator(".v2c-kind").select_option("animation")
    assert page.locator(".v2c-card").count() == 2
    page.locator(".v2c-card", has_text="missing-video").click()
    assert page.evaluate("window.saved.at(-1).selected") == "missing-video"
    assert "nope.mp4" in page.locator(".v2c-detail").inner_text()
    assert not page.errors, page.errors


def test_monitor_front_end_draws_a_chart_per_matching_key_and_updates_live(browser_page) -> None:
    monitor = TrainingMonitor(prefix="rewards/", min_interval_s=0)
    for step in range(1, 6):
        monitor.add({"loss": 1 / step, "rewards/a/mean": step / 10, "rewards/b/mean": step / 20}, step=step)
    page = mount(browser_page, monitor)
    assert page.locator("svg.v2c-chart").count() == 2
    assert "rewards/a/mean = 0.5" in page.locator("svg.v2c-chart").first.text_content()
    page.evaluate("window.model.set('rows', [...window.model.get('rows'), {step: 6, 'rewards/c/mean': 1}])")
    assert page.locator("svg.v2c-chart").count() == 3  # a new key appears as it is logged
    page.locator(".v2c-prefix").fill("loss")
    page.locator(".v2c-prefix").dispatch_event("change")
    assert page.evaluate("window.saved.at(-1).prefix") == "loss"
    assert page.locator("svg.v2c-chart").count() == 1
    assert not page.errors, page.errors
