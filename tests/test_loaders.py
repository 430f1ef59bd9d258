"""Dataset loaders: Animation2Code, Video2Code and plain folders read their fixture layouts, become tasks
the scorer takes, and skip broken items (missing file, corrupt video, malformed JSON, unknown
operation) with messages that name the file and what is wrong. Fixtures: tests/fixtures/ (written by
tests/fixtures/make_fixtures.py).
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from v2c.envs.tasks import LoadedSource, NoOracleError, TaskLoadError, detect_layout, load_tasks, task_from_row, to_hf_dataset
from v2c.envs.tasks.anim2code import load_anim2code
from v2c.envs.tasks.folder import load_folder
from v2c.envs.tasks.pages import read_page
from v2c.envs.tasks.video2code import load_video2code, parse_operations
from v2c.rewards import RewardConfig, RewardScorer
from v2c.video import write_video

FIXTURES = Path(__file__).parent / "fixtures"
A2C, V2C, FOLDER = FIXTURES / "anim2code", FIXTURES / "video2code", FIXTURES / "folder"


@pytest.fixture(scope="module")
def scorer(pool):
    return RewardScorer(RewardConfig(), renderer=pool)


def skipped(source: LoadedSource) -> dict[str, str]:
    """Skipped items by file name (the folder's name for a sample folder)."""
    return {Path(path).relative_to(FIXTURES).parts[1]: reason for path, reason in source.report.skipped}


# ----------------------------------------------------------------------------- Animation2Code


def test_anim2code_loads_script_only_pens_and_reports_statuses_it_does_not_know(tmp_path):
    import json

    root = tmp_path / "a2c"
    shutil.copytree(A2C, root)
    pen = root / "codepen-gina-canvas" / "src"
    pen.mkdir(parents=True)
    (pen / "index.html").write_text("<canvas id=c width=100 height=100></canvas>")
    (pen / "script.js").write_text("const x = c.getContext('2d'); x.fillRect(10, 10, 50, 50);")
    manifest = json.loads((root / "_record_manifest.json").read_text())
    manifest["results"].append({"folder": "codepen-gina-canvas", "status": "requeued", "durationS": 1.0})
    (root / "_record_manifest.json").write_text(json.dumps(manifest))
    source = load_anim2code(root)
    gina = next(t for t in source if t.id == "codepen-gina-canvas")
    assert set(gina.page.files) == {"script.js"} and "style.css" not in gina.page.html  # no sheet to link
    assert '<script src="script.js"></script>' in gina.page.html
    assert any("unknown manifest status 'requeued'" in note for note in source.report.notes)
    assert "codepen-carol-failed" not in [t.id for t in source]  # a known failure still skips


def test_anim2code_hub_download_finds_a_cached_snapshot_offline(tmp_path, monkeypatch):
    from v2c.envs.tasks.anim2code import download_anim2code

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(TaskLoadError, match="hf download anim2code/dataset --repo-type dataset"):
        download_anim2code(cache_dir=tmp_path)
    # The hub cache's own layout: refs/main names the snapshot folder.
    repo = tmp_path / "datasets--anim2code--dataset"
    revision = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(A2C, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    path = download_anim2code(cache_dir=tmp_path)
    assert path == repo / "snapshots" / revision
    assert [t.id for t in load_anim2code(path)] == ["codepen-alice-spin", "codepen-bob-slide"]


def test_anim2code_reads_samples_and_skips_the_broken_ones(caplog):
    with caplog.at_level(logging.WARNING, logger="v2c.tasks"):
        source = load_anim2code(A2C)
    assert [t.id for t in source] == ["codepen-alice-spin", "codepen-bob-slide"]
    reasons = skipped(source)
    assert reasons["codepen-carol-failed"] == "the manifest marks it 'failed'"
    assert reasons["codepen-dave-badmeta"].startswith("malformed JSON at line 1")
    assert "corrupt video" in reasons["codepen-erin-corrupt"]
    assert "neither animation.mp4 nor src/index.html" in reasons["codepen-frank-empty"]
    assert any("loaded 2 task(s), skipped 4" in r.message and "metadata.json" in r.message for r in caplog.records)
    # The skip names the exact file: the metadata, or the recording.
    paths = [p for p, _ in source.report.skipped]
    assert any(p.endswith("codepen-dave-badmeta/metadata.json") for p in paths)
    assert any(p.endswith("codepen-erin-corrupt/animation.mp4") for p in paths)

    alice, bob = source
    # The viewport is the recording's size (the fixture is a 160x120 recording); 1024x768 without one.
    assert (alice.fps, alice.viewport, alice.kind, alice.duration_s) == (30.0, (160, 120), "animation", 1.5)
    assert bob.viewport == (1024, 768)
    assert alice.video == A2C / "codepen-alice-spin" / "animation.mp4" and alice.video_fps == 10.0
    assert alice.metadata["title"] == "Red spinner" and alice.metadata["animation_type"] == "css"
    assert bob.video is None and bob.metadata["animation_type"] == "js"
    # Bob's HTML pane links neither pane: the loader joins them, and serves them beside index.html.
    assert set(bob.page.files) == {"style.css", "script.js"}
    assert '<link rel="stylesheet" href="style.css">' in bob.page.html and '<script src="script.js">' in bob.page.html
    assert "style.css" in alice.page.files and alice.page.html.count("style.css") == 1  # already linked: untouched


def test_anim2code_tasks_score_their_source_against_the_recording(scorer):
    alice, bob = load_tasks(A2C, fps=10.0, viewport=(160, 120))
    assert (alice.fps, alice.viewport) == (10.0, (160, 120))
    reference = alice.to_reference()
    assert reference.video is not None and reference.video.frames.shape == (15, 120, 160, 3)
    # The source page against its own (lossy) recording.
    assert scorer.score(reference, alice.cheat()).total > 0.85
    # A page-only sample renders with its linked CSS and script: the green dot slides right.
    prepared = scorer.prepare(bob.to_reference())
    green = [np.flatnonzero(((f[..., 1] > 150) & (f[..., 0] < 100)).any(axis=0)) for f in prepared.frames]
    assert prepared.moving and green[0].size and green[-1].min() > green[0].min() + 80


def test_a_malformed_manifest_is_reported_and_ignored(tmp_path):
    root = tmp_path / "a2c"
    shutil.copytree(A2C, root)
    (root / "_record_manifest.json").write_text('{"results": [')
    source = load_anim2code(root)
    assert any("_record_manifest.json: malformed JSON" in n and "manifest ignored" in n for n in source.report.notes)
    # Without the manifest nothing says Carol's recording failed, and her sources are fine.
    assert "codepen-carol-failed" in [t.id for t in source]


# ----------------------------------------------------------------------------- Video2Code


def test_video2code_turns_the_recorders_timeline_into_a_script():
    source = load_video2code(V2C)
    assert [t.id for t in source] == ["counter", "picker"]
    by_file = {Path(p).name: r for p, r in source.report.skipped}
    assert by_file["badtype.json"].startswith("operation 0: unknown operation type {'type': 'drag'}")
    assert by_file["novideo.mp4"] == "missing video for novideo.json"
    assert by_file["truncated.json"].startswith("malformed JSON at line 1")

    counter, picker = source
    # The init-scroll segment (0-0.3 s) holds no user action: the one episode is the click segment, 0.3-2 s.
    assert counter.kind == "interaction" and counter.viewport == (192, 144)
    assert (counter.video_start_s, counter.duration_s) == (0.3, 1.7) and counter.metadata["segment"] == 1
    assert parse_operations(json.loads((V2C / "results" / "counter.json").read_text()), V2C)[1] == 1
    steps = [s.to_dict() for s in counter.interactions]  # times from the segment's start
    assert steps == [
        {"action": "click", "t": 0.2, "target": {"label": "Increase", "tag": "button"}, "value": None},
        {"action": "click", "t": 0.6, "target": {"label": "Increase", "tag": "button"}, "value": None},
        {"action": "type", "t": 1.0, "target": {"placeholder": "Your name", "tag": "input"}, "value": "Ada"},
    ]
    assert counter.page is not None and "Increase" in counter.page.html  # htmls/counter.html is the oracle
    # The flat format with aliases: target_text, label, `time` and `start`.
    assert [s.to_dict() for s in picker.interactions] == [
        {"action": "click", "t": 0.5, "target": {"text": "Next"}, "value": None},
        {"action": "select", "t": 1.0, "target": {"label": "Colour"}, "value": "Blue"},
    ]
    with pytest.raises(NoOracleError):
        picker.cheat()


@pytest.mark.parametrize("data,message", [
    ({"operations": ["click"]}, "operation 0: expected an object, got str"),
    ({"operations": [{"type": "click", "target_text": "Go"}]}, "operation 0: needs a time in seconds"),
    ({"operations": [{"type": "click", "target_text": "Go", "time": -1}]}, "operation 0: negative time -1"),
    ({"operations": [{"type": "click", "time": 1}]}, "operation 0: a click needs a target"),
    ({"operations": [{"type": "input", "placeholder": "Name", "time": 1}]}, "a type operation needs the text"),
    ({"operations": [{"subtype": "init_scroll", "global_start_time": 0}]}, "no user operations"),
    ({"segments": [{"ops": []}]}, "every entry of 'segments' needs an \"operations\" list"),
    ({"pages": []}, "no operations: expected"),
    ({"action_frames_timeline_filtered": [{"start": 0}]}, "needs an \"operations\" list"),
    ("click at 3s", "expected an object or a list of operations, got str"),
])
def test_video2code_rejects_what_it_does_not_understand(data, message):
    with pytest.raises(TaskLoadError) as error:
        parse_operations(data, Path("results/x.json"))
    assert str(error.value).startswith("results/x.json: ") and message in str(error.value)


def test_video2code_tasks_replay_on_the_recorded_page(scorer):
    counter = load_tasks(V2C)[0]
    good = scorer.score(counter.to_reference(), counter.cheat())
    assert good.scores["functional"] == 1.0 and good.total > 0.9, good.score_dict()
    dead = scorer.score(counter.to_reference(), counter.cheat().html.replace("oninput=", "data-x="))
    assert dead.scores["functional"] < 1.0


def test_video2code_keeps_each_recorded_segment_as_its_own_episode_on_a_fresh_page(pool, scorer, tmp_path):
    # A recording laid out like WebVideo2Code's: the recorder reloads the page, records a segment, and the
    # segments' clips are laid end to end in one video; the timeline gives each segment's range.
    page = (V2C / "htmls" / "counter.html").read_text()
    increase = {"label": "Increase", "tag": "button"}
    name = {"placeholder": "Your name"}
    clicks = pool.render(page, 1.0, 10, (192, 144), [{"action": "click", "t": 0.2, "target": increase},
                                                      {"action": "type", "t": 0.5, "target": name, "value": "Bo"}])
    types = pool.render(page, 1.0, 10, (192, 144), [{"action": "type", "t": 0.3, "target": name, "value": "Ada"}])
    assert clicks.ok and types.ok
    (tmp_path / "videos").mkdir()
    write_video(tmp_path / "videos" / "rec.mp4", np.concatenate([clicks.frames, types.frames]), 10)
    (tmp_path / "htmls").mkdir()
    (tmp_path / "htmls" / "rec.html").write_text(page)
    (tmp_path / "results").mkdir()
    segments = [
        {"segment_index": 0, "segment_start_time": 0.0, "segment_end_time": 1.0, "video_name": "click_plus",
         "operations": [{"subtype": "click", "global_start_time": 0.2,
                         "action_detail": {"action": "click", "dom_info": {"tag": "button", "attrs": {"aria-label": "Increase"}}}},
                        {"subtype": "input", "global_start_time": 0.5, "input_text": "Bo",
                         "action_detail": {"action": "input", "dom_info": {"tag": "input", "attrs": {"placeholder": "Your name"}}}}]},
        {"segment_index": 1, "segment_start_time": 1.0, "segment_end_time": 2.0, "video_name": "type_name",
         "operations": [{"subtype": "input", "global_start_time": 1.3, "input_text": "Ada",
                         "action_detail": {"action": "input", "dom_info": {"tag": "input", "attrs": {"placeholder": "Your name"}}}}]},
    ]
    (tmp_path / "results" / "rec.json").write_text(json.dumps({"action_frames_timeline_filtered": segments}))

    first, second = load_video2code(tmp_path)
    assert (first.id, second.id) == ("rec-0", "rec-1")
    assert (first.video_start_s, first.duration_s, second.video_start_s, second.duration_s) == (0.0, 1.0, 1.0, 1.0)
    assert [(s.action, s.t) for s in first.interactions] == [("click", 0.2), ("type", 0.5)]
    assert [(s.action, s.t) for s in second.interactions] == [("type", pytest.approx(0.3))]  # from its segment's start
    reference = second.load_video()
    assert len(reference) == 10 and reference.timestamps[0] == 0.0
    # The second episode starts on the reloaded page (count 0, no greeting), not where the first left it.
    fresh, after_click = (np.abs(reference.frames[0].astype(int) - f.astype(int)).mean()
                          for f in (types.frames[0], clicks.frames[-1]))
    assert fresh < after_click, (fresh, after_click)
    for task in (first, second):  # each segment replays on a freshly loaded page and matches its own range
        result = scorer.score(task.to_reference(), task.cheat())
        assert result.scores["functional"] == 1.0 and result.total > 0.9, (task.id, result.score_dict())
    assert task_from_row(to_hf_dataset(load_video2code(tmp_path))[1]) == second  # the range survives a dataset row


# ----------------------------------------------------------------------------- plain folders


def test_folder_pairs_pages_videos_and_sidecars_by_name():
    source = load_folder(FOLDER)
    assert [t.id for t in source] == ["bounce", "clicker", "spin"]
    by_file = {Path(p).name: r for p, r in source.report.skipped}
    assert set(by_file) == {"broken.mp4", "orphan.json", "typo.json"}
    assert "corrupt video" in by_file["broken.mp4"]
    assert by_file["orphan.json"] == "a sidecar with no .html page or video of the same name"
    assert by_file["typo.json"].startswith("unknown keys ['fsp']")

    bounce, clicker, spin = source
    assert (bounce.kind, bounce.duration_s, bounce.fps, bounce.viewport, bounce.difficulty) == ("animation", 1.5, 10.0, (160, 120), 1)
    assert bounce.metadata["note"] == "a bouncing ball"
    assert clicker.kind == "interaction" and clicker.interactions[0].target == {"role": "button", "name": "Tap"}
    assert set(clicker.page.files) == {"clicker.css"}  # referenced local files are served beside the page
    assert spin.page is None and spin.viewport == (160, 120) and spin.duration_s == pytest.approx(1.5)
    with pytest.raises(NoOracleError, match="spin.mp4"):
        spin.cheat()
    assert spin.to_reference().video.frames.shape[1:] == (120, 160, 3)
    assert [t.id for t in load_folder(FOLDER / "bounce.html")] == ["bounce"]  # one file works too
    with pytest.raises(FileNotFoundError, match="no such file"):  # a library error, not an exit
        read_page(FOLDER / "nowhere.html")


def test_folder_tasks_render_and_replay(scorer):
    bounce, clicker, _ = load_tasks(f"folder:{FOLDER}")
    assert scorer.prepare(bounce.to_reference()).moving
    result = scorer.score(clicker.to_reference(), clicker.cheat())
    assert result.scores["functional"] == 1.0 and result.total > 0.9


# ----------------------------------------------------------------------------- load_tasks and the HF view


def test_load_tasks_detects_the_layout():
    assert detect_layout(A2C) == "anim2code" and detect_layout(V2C) == "video2code" and detect_layout(FOLDER) == "folder"
    assert load_tasks(str(A2C)).name == f"anim2code:{A2C}"
    assert load_tasks(f"video2code:{V2C}").name == f"video2code:{V2C}"
    tasks = list(load_tasks(FOLDER))
    assert load_tasks(tasks).tasks == tasks
    loaded = load_tasks(FOLDER)
    assert loaded.bounded and len(loaded) == 3 and loaded.get("clicker") == tasks[1]
    with pytest.raises(KeyError, match="no task 'nobody'"):
        loaded.get("nobody")
    with pytest.raises(TaskLoadError, match="no such file or folder"):
        load_tasks(FIXTURES / "nowhere")
    with pytest.raises(TaskLoadError, match="cannot tell its layout"):
        load_tasks(V2C / "results")


def test_loaded_tasks_become_a_hugging_face_dataset_and_back():
    source = load_tasks(FOLDER)
    dataset = to_hf_dataset(source)
    assert dataset["id"] == ["bounce", "clicker", "spin"]
    assert [task_from_row(row) for row in dataset] == list(source)
