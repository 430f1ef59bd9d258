"""Task sources: the built-in generators are reproducible, every family renders, moves, and its oracle
scores ≈ 1 against its reference with the default rewards; animate.css is parsed, not listed; the
reference cache renders once; the Hugging Face view and the `v2c tasks` commands work.

Renders are kept short (≤ 3 s, 10 fps, 512×384) and share the session's renderer pool.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from v2c.envs.tasks import (
    AnimateCssConfig, AnimateCssTaskSource, AnimationConfig, AnimationTaskSource, InteractionConfig,
    InteractionTaskSource, NoOracleError, PickTaskSource, ReferenceCache, ReferenceRenderError, Task, load_tasks,
    render_reference, take_tasks, task_from_row, to_hf_dataset,
)
from v2c.envs.tasks.animatecss import load_library
from v2c.envs.tasks.generator_animations import FAMILIES as ANIMATION_FAMILIES
from v2c.envs.tasks.techniques import TECHNIQUES
from v2c.envs.tasks.ui_families import FAMILIES as WIDGET_FAMILIES
from v2c.rewards import RewardConfig, RewardScorer
from v2c.rewards.gates import is_static
from v2c.render import Page

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"fps": 10.0, "viewport": (512, 384)}


@pytest.fixture(scope="module")
def scorer(pool):
    return RewardScorer(RewardConfig(), renderer=pool)


def check_oracle(scorer: RewardScorer, task: Task) -> dict:
    """Render the reference and the oracle, return what the tests assert on."""
    prepared = scorer.prepare(task.to_reference())
    breakdown = scorer.score(prepared, task.cheat())
    return {"prepared": prepared, "breakdown": breakdown}


# ----------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("make", [AnimationTaskSource, InteractionTaskSource, AnimateCssTaskSource])
def test_task_i_of_seed_s_is_always_the_same(make):
    first, again, other = make(7), make(7), make(8)
    picked = [first[i] for i in (41, 3, 17)]
    assert [again[i] for i in (3, 17, 41)] == [picked[1], picked[2], picked[0]]  # no hidden state between draws
    assert first[0:5] == again.take(5) == [t for t, _ in zip(again, range(5))]
    assert first[5].page.html == again[5].page.html and first[5].cheat().html == again[5].cheat().html
    assert [t.page.html for t in first[0:5]] != [t.page.html for t in other[0:5]]
    assert len({t.id for t in first[0:50]}) == 50
    with pytest.raises(IndexError):
        first[-1]


def test_the_same_task_in_a_fresh_process():
    code = ("from v2c.envs.tasks import AnimationTaskSource, InteractionTaskSource;"
            "print(AnimationTaskSource(3)[12].page.content_hash(), InteractionTaskSource(3)[5].page.content_hash())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "123"})
    assert out.stdout.split() == [AnimationTaskSource(3)[12].page.content_hash(),
                                  InteractionTaskSource(3)[5].page.content_hash()]


def test_generators_cover_every_family_technique_and_difficulty():
    animations = AnimationTaskSource(0).take(400)
    meta = Counter((t.metadata["family"], t.difficulty) for t in animations)
    assert {f for f, _ in meta} == set(ANIMATION_FAMILIES)
    assert {d for _, d in meta} == {1, 2, 3}
    assert {t.metadata["technique"] for t in animations} == set(TECHNIQUES)
    assert {t.metadata["cheat_technique"] for t in animations} == set(TECHNIQUES)
    assert all(t.metadata["technique"] != t.metadata["cheat_technique"] for t in animations)
    easings = {e.split("(")[0] for t in animations for e in t.metadata["easings"]}
    assert easings == {"linear", "ease", "ease-in", "ease-out", "ease-in-out", "cubic-bezier", "steps"}
    assert all(2.0 <= t.duration_s <= 4.0 and t.kind == "animation" and not t.interactions for t in animations)
    assert max(t.metadata["elements"] for t in animations) >= 4

    interactions = InteractionTaskSource(0).take(200)
    assert {t.metadata["family"] for t in interactions} == set(WIDGET_FAMILIES)
    assert {t.difficulty for t in interactions} == {1, 2, 3}
    actions = {a for t in interactions for a in t.metadata["actions"]}
    assert {"click", "type", "press", "select", "scroll", "wait"} <= actions
    assert all(t.kind == "interaction" and t.interactions and t.page.html != t.cheat().html for t in interactions)
    assert all(t.interactions[-1].t < t.duration_s <= 5.0 for t in interactions)


def test_configs_restrict_what_is_generated_and_reject_nonsense():
    source = AnimationTaskSource(1, AnimationConfig(families=("rotate",), difficulties=(1,), techniques=("canvas",)))
    assert {(t.metadata["family"], t.difficulty, t.metadata["technique"]) for t in source.take(10)} == {("rotate", 1, "canvas")}
    with pytest.raises(ValueError, match="unknown animation families"):
        AnimationConfig(families=("wobble",))
    with pytest.raises(ValueError, match="unknown widget families"):
        InteractionConfig(families=("spreadsheet",))
    with pytest.raises(TypeError):
        AnimationTaskSource("7")


# ----------------------------------------------------------------------------- the task model


def test_task_model_validates_and_converts():
    page = Page("<p>hi</p>")
    task = Task(id="t", kind="interaction", page=page, interactions=[{"action": "click", "t": 1.0, "target": {"text": "hi"}},
                                                                     {"action": "wait", "t": 0.5}])
    assert [s.t for s in task.interactions] == [0.5, 1.0]  # dicts become Interactions, sorted by time
    reference = task.to_reference()
    assert reference.page is page and reference.interactions == task.interactions and reference.fps == task.fps
    assert task.cheat() is page and json.loads(json.dumps(task.to_dict()))["interactions"][1]["action"] == "click"
    with pytest.raises(ValueError, match="kind"):
        Task(id="t", kind="movie", page=page)
    with pytest.raises(ValueError, match="needs a source page or a video"):
        Task(id="t", kind="animation")
    with pytest.raises(ValueError, match="positive"):
        Task(id="t", kind="animation", page=page, fps=0)
    video_only = Task(id="v", kind="animation", video=Path("clip.mp4"))
    with pytest.raises(NoOracleError, match="only a video"):
        video_only.cheat()


# ----------------------------------------------------------------------------- every family renders and its oracle scores ≈ 1

# Each family with a chosen (reference, oracle) pair of techniques, so that together they use all five
# techniques on both sides; css_transition needs difficulty 1 (one run from one value to another).
ANIMATION_CASES = [
    ("translate", 1, "css_keyframes", "canvas"), ("rotate", 2, "waapi", "raf"), ("scale", 3, "raf", "css_keyframes"),
    ("opacity", 1, "css_transition", "waapi"), ("colour", 1, "canvas", "css_transition"), ("size", 2, "css_keyframes", "raf"),
    ("path", 3, "waapi", "canvas"), ("text", 2, "canvas", "css_keyframes"), ("sequence", 3, "css_keyframes", "waapi"),
    ("stagger", 2, "raf", "canvas"), ("multi", 3, "canvas", "waapi"),
]


def test_animation_cases_cover_every_family_and_technique():
    assert {c[0] for c in ANIMATION_CASES} == set(ANIMATION_FAMILIES)
    assert {c[2] for c in ANIMATION_CASES} == {c[3] for c in ANIMATION_CASES} == set(TECHNIQUES)


@pytest.mark.parametrize("family,difficulty,technique,cheat", ANIMATION_CASES, ids=[c[0] for c in ANIMATION_CASES])
def test_animation_family_renders_moves_and_its_oracle_scores_about_one(scorer, family, difficulty, technique, cheat):
    config = AnimationConfig(families=(family,), difficulties=(difficulty,), techniques=(technique,),
                             cheat_techniques=(cheat,), max_duration_s=3.0, **SHORT)
    # The first task whose scene both techniques can express (canvas does not take scenes that scale).
    task = next(t for t in AnimationTaskSource(11, config).take(40)
                if (t.metadata["technique"], t.metadata["cheat_technique"]) == (technique, cheat))
    result = check_oracle(scorer, task)
    prepared, breakdown = result["prepared"], result["breakdown"]
    assert prepared.moving, f"{task.id} ({family}) does not move"
    assert breakdown.render_status == "ok" and not breakdown.gates, breakdown.score_dict()
    assert breakdown.total > 0.9, (family, breakdown.score_dict())


@pytest.mark.parametrize("family", sorted(WIDGET_FAMILIES))
def test_interactive_family_renders_reacts_and_its_oracle_scores_about_one(scorer, family):
    difficulty = 1 + sorted(WIDGET_FAMILIES).index(family) % 3
    config = InteractionConfig(families=(family,), difficulties=(difficulty,), max_duration_s=3.0, **SHORT)
    task = InteractionTaskSource(5, config)[0]
    result = check_oracle(scorer, task)
    states = result["prepared"].prepared["functional"].states
    assert states.status == "ok" and all(states.ok), list(zip(task.interactions, states.errors))
    texts = [state.text for state in states.states]
    frames = np.stack([state.frame for state in states.states])
    assert len(set(texts)) > 1 or not is_static(frames, RewardConfig()), "the steps change nothing"
    breakdown = result["breakdown"]
    assert not breakdown.details["render"]["page_errors"], breakdown.details["render"]
    assert breakdown.scores["functional"] == 1.0 and breakdown.total > 0.9, (family, breakdown.score_dict())


def test_an_interactive_page_without_its_behaviour_fails_the_functional_score(scorer):
    task = InteractionTaskSource(5, InteractionConfig(families=("counter",), difficulties=(1,), **SHORT))[0]
    dead = Page(task.page.html.split("<script>")[0] + "</body></html>")
    assert scorer.score(task.to_reference(), dead).scores["functional"] == 0.0


# ----------------------------------------------------------------------------- animate.css


def test_animatecss_names_come_from_the_vendored_stylesheet(tmp_path):
    library = load_library()
    css = library.path.read_text()
    assert len(library.animations) == css.count("@keyframes ") >= 90
    assert {"bounce", "fadeIn", "hinge", "jackInTheBox", "backOutUp"} <= set(library.animations)
    assert library.animations["hinge"].duration_factor == 2.0 and library.animations["bounce"].category == "attention_seekers"
    source = AnimateCssTaskSource(3)
    assert sorted(t.metadata["animation"] for t in source.take(len(source.order))) == sorted(library.animations)
    # Another animate.css file brings its own animations: nothing is hard-coded.
    custom = tmp_path / "tiny.css"
    custom.write_text(":root{--animate-duration:1s}.animate__animated{animation-duration:var(--animate-duration);"
                      "animation-fill-mode:both}@keyframes grow{to{transform:scale(2)}}.animate__grow{animation-name:grow}"
                      "@keyframes orphan{to{opacity:0}}")
    tiny = AnimateCssTaskSource(0, AnimateCssConfig(css_path=str(custom)))
    assert tiny.order == ["grow"] and tiny[1].metadata["animation"] == "grow"


def test_animatecss_tasks_render_from_the_vendored_cdn_and_their_oracle_scores_about_one(scorer):
    source = AnimateCssTaskSource(0, AnimateCssConfig(max_duration_s=3.0, **SHORT))
    picked = {}
    for task in source.take(len(source.order)):  # one of each difficulty (attention seeker, entrance/exit, special)
        picked.setdefault(task.difficulty, task)
    assert set(picked) == {1, 2, 3}
    for task in picked.values():
        result = check_oracle(scorer, task)
        assert '<link rel="stylesheet" href="https://cdnjs' in task.page.html and "<link" not in task.cheat().html
        assert result["prepared"].moving, task.metadata
        breakdown = result["breakdown"]
        assert not breakdown.details["render"]["blocked_requests"] and breakdown.total > 0.9, breakdown.score_dict()


# ----------------------------------------------------------------------------- the reference cache


class CountingRenderer:
    """A renderer that counts the renders it passes on."""

    def __init__(self, pool):
        self.pool, self.renders = pool, 0  # no `config`: such a backend is taken to render PNG

    async def render_async(self, *args, **kwargs):
        self.renders += 1
        return await self.pool.render_async(*args, **kwargs)


def test_references_render_once_and_come_back_from_the_cache(pool, tmp_path, monkeypatch):
    monkeypatch.setenv("V2C_CACHE_DIR", str(tmp_path))
    assert ReferenceCache().root == tmp_path / "references"
    task = InteractionTaskSource(2, InteractionConfig(families=("tabs",), difficulties=(1,), **SHORT))[0]
    renderer = CountingRenderer(pool)
    first = render_reference(task, renderer)
    again = render_reference(task, renderer)
    assert renderer.renders == 1 and np.array_equal(first.frames, again.frames) and again.fps == task.fps
    direct = pool.render(task.page, task.duration_s, task.fps, task.viewport, task.interactions)
    assert np.array_equal(first.frames, direct.frames)  # lossless: exactly the rendered frames
    entry = ReferenceCache().path(ReferenceCache.key(task.to_reference()))
    assert entry.is_file() and entry.suffix == ".npz"
    entry.write_bytes(b"torn write")  # a damaged entry is dropped and rendered again
    assert np.array_equal(render_reference(task, renderer).frames, first.frames) and renderer.renders == 2
    # Another fps is another entry.
    reference = task.to_reference()
    assert ReferenceCache.key(dataclasses.replace(reference, fps=5.0)) != ReferenceCache.key(reference)
    # JPEG frames are other pixels: another entry too.
    assert ReferenceCache.key(reference, "jpeg:90") != ReferenceCache.key(reference) != \
        ReferenceCache.key(reference, "jpeg:70")
    # A scorer prepares a reference from the same entry: one path, one cache, no second render of the source.
    animation = AnimationTaskSource(2, AnimationConfig(max_duration_s=2.5, **SHORT))[0]
    video = render_reference(animation, renderer)
    counted = RewardScorer(RewardConfig(), renderer=renderer)
    renders = renderer.renders
    prepared = counted.prepare(animation.to_reference())
    assert renderer.renders == renders and np.array_equal(prepared.source.frames, video.frames)
    assert counted.score(prepared, animation.cheat()).total > 0.9 and renderer.renders == renders + 1
    # What the render said of the page's randomness comes back with its frames (none drawn here), and an entry
    # without it is rendered again.
    assert prepared.clip.depends_on_seed is False
    ReferenceCache().source_path(ReferenceCache.key(animation.to_reference())).unlink()
    assert RewardScorer(RewardConfig(), renderer=renderer).prepare(animation.to_reference()).clip.depends_on_seed \
        is False and renderer.renders == renders + 2


def test_a_reference_that_cannot_render_names_the_task(pool, tmp_path):
    huge = Task(id="too-big", kind="animation", page=Page("<p>" + "x" * 4_100_000 + "</p>"), source="test")
    with pytest.raises(ReferenceRenderError, match=r"task too-big \(test\).*could not be rendered \(error\).*byte"):
        render_reference(huge, pool, ReferenceCache(tmp_path))


# ----------------------------------------------------------------------------- Hugging Face view


def test_any_source_becomes_a_hugging_face_dataset_and_back():
    source = InteractionTaskSource(4)
    dataset = to_hf_dataset(source, limit=3)
    assert len(dataset) == 3 and {"id", "kind", "html", "interactions", "viewport", "metadata"} <= set(dataset.column_names)
    assert dataset[0]["id"] == source[0].id and json.loads(dataset[1]["interactions"])
    assert task_from_row(dataset[2]) == source[2]
    with pytest.raises(ValueError, match="unbounded"):
        to_hf_dataset(source)


@pytest.mark.parametrize("spec", ["builtin:animations?seed=2", "builtin:interactions", "builtin:animatecss",
                                  "template:pick?seed=5"])
def test_generated_sources_look_up_ids_and_are_unbounded(spec):
    source = load_tasks(spec)
    task = source[17]
    assert source.get(task.id) == task and not source.bounded
    with pytest.raises(TypeError, match="unbounded"):
        len(source)
    with pytest.raises(KeyError):
        source.get(task.id.rsplit("-", 2)[0] + "-999-17")  # another seed's id
    with pytest.raises(KeyError):
        source.get("no-such-task")
    with pytest.raises(ValueError, match="unbounded"):
        take_tasks(source, None)
    assert [t.id for t in take_tasks(spec, 2)] == [source[0].id, source[1].id]


# ----------------------------------------------------------------------------- command line


def test_cli_lists_tasks():
    out = subprocess.run([sys.executable, "-m", "v2c.cli", "tasks", "list", "builtin:animations", "--limit", "20"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].split()[:4] == ["id", "kind", "duration", "difficulty"] and len(out) == 21
    assert out[1].split()[:2] == ["anim-0-0", "animation"]
    rows = subprocess.run([sys.executable, "-m", "v2c.cli", "tasks", "list", "builtin:interactions?seed=3", "--limit", "2",
                           "--json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    assert [json.loads(r)["id"] for r in rows] == ["ui-3-0", "ui-3-1"]


def test_cli_lists_the_template_family_too():
    rows = subprocess.run([sys.executable, "-m", "v2c.cli", "tasks", "list", "template:pick?seed=2", "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(rows) == 20  # a generator lists 20 unless told otherwise
    first = json.loads(rows[0])
    assert first["id"] == "pick-2-0" and first["metadata"]["answer_format"] == "pick"


def test_cli_renders_reference_videos_and_thumbnails(tmp_path):
    out = tmp_path / "x"
    done = subprocess.run([sys.executable, "-m", "v2c.cli", "tasks", "render", "builtin:animations", "--limit", "3",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "V2C_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"anim-0-{i}.{ext}" for i in range(3) for ext in ("mp4", "png")] + ["tasks.json"])
    assert "rendering references" in done.stderr and "3/3" in done.stderr  # the tqdm bar
    assert len(json.loads((out / "tasks.json").read_text())) == 3


def test_load_tasks_reads_builtin_specs():
    assert load_tasks("builtin:animations?seed=4")[2] == AnimationTaskSource(4)[2]
    assert load_tasks("builtin:interactions", fps=5.0)[0].fps == 5.0
    assert load_tasks("builtin:animatecss?seed=1")[0] == AnimateCssTaskSource(1)[0]
    assert load_tasks("template:pick?seed=1")[3] == PickTaskSource(1)[3]
    source = AnimationTaskSource(4)
    assert load_tasks(source) is source  # a source passes through
    with pytest.raises(ValueError, match="unknown generated source"):
        load_tasks("builtin:physics")
    with pytest.raises(ValueError, match="unknown generated source"):
        load_tasks("template:guess")
    with pytest.raises(ValueError, match="only \\?seed=N"):
        load_tasks("builtin:animations?sede=3")
    with pytest.raises(ValueError, match="unknown options"):
        load_tasks("builtin:animations", frames_per_second=30)
