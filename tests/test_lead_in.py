"""Recorded references as datasets ship them: a recording started at navigation opens on blank pre-paint
frames, and often on one frame of the page before its scripts changed it; `Task.load_video` trims both
(`v2c.video.trim_lead_in`) so that the source page still scores what it scores against a recording without
them; the trim is reported in the score's details.
"""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from v2c.envs.tasks.task import Task
from v2c.render import Page
from v2c.rewards import RewardConfig, RewardScorer
from v2c.rewards.recording import frame_differences, held_frames, repeated_pictures
from v2c.rewards.reference import ReferenceCache
from v2c.video import Video, trim_lead_in, write_video

from tests.test_tasks import CountingRenderer

LOADER = """<!doctype html><html><head><style>
body{margin:0;background:#20232a;display:flex;align-items:center;justify-content:center;height:100vh}
.ring{width:60px;height:60px;border:8px solid #3a3f4b;border-top-color:#61dafb;border-radius:50%;
  animation:spin 1s linear infinite}
.dots{display:flex;gap:8px;margin-left:24px}
.dots i{width:12px;height:12px;border-radius:50%;background:#f5a623;animation:pulse .9s ease-in-out infinite}
.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}
@keyframes spin{to{transform:rotate(360deg)}}@keyframes pulse{50%{transform:scale(.3);opacity:.4}}
</style></head><body><div class="ring"></div><div class="dots"><i></i><i></i><i></i></div></body></html>"""
"""A CSS loader: the kind of page whose own source a lead-in charged most."""
FPS, DURATION, VIEWPORT = 30.0, 2.0, (320, 240)


def flat(count: int, level: int, noise: int = 0, size: tuple[int, int] = (24, 32)) -> np.ndarray:
    rng = np.random.default_rng(level)
    frames = np.full((count, *size, 3), level, np.int16) + rng.integers(-noise, noise + 1, (count, *size, 3))
    return frames.clip(0, 255).astype(np.uint8)


def drawn(count: int) -> np.ndarray:
    frames = flat(count, 40)
    for i in range(count):
        frames[i, 8:16, i:i + 8] = (220, 60, 60)
    return frames


def video(*parts: np.ndarray, fps: float = 10.0) -> Video:
    frames = np.concatenate(parts)
    return Video(frames, np.arange(len(frames)) / fps, fps)


# ------------------------------------------------------------------ what counts as a lead-in


def test_leading_frames_of_one_flat_colour_are_dropped_and_the_first_painted_frame_is_t0():
    trimmed = trim_lead_in(video(flat(3, 255, noise=2), drawn(5)))
    assert (trimmed.lead_in_frames, trimmed.lead_in_s) == (3, pytest.approx(0.3))
    assert np.array_equal(trimmed.frames, drawn(5)) and np.allclose(trimmed.timestamps, np.arange(5) / 10)


def test_only_the_blank_colour_goes_when_the_page_paints_its_own_flat_background_first():
    trimmed = trim_lead_in(video(flat(2, 255), flat(2, 40), drawn(3)))
    assert trimmed.lead_in_frames == 2 and np.array_equal(trimmed.frames[:2], flat(2, 40))


@pytest.mark.parametrize("frames", [flat(6, 255), np.concatenate([flat(3, 255), flat(3, 0)]), drawn(4)],
                         ids=["blank throughout", "flat colours throughout", "painted from the start"])
def test_a_video_without_a_lead_in_is_kept_whole(frames):
    whole = video(frames)
    assert trim_lead_in(whole) is whole and whole.lead_in_frames == 0


def with_panel(frames: np.ndarray) -> np.ndarray:
    """`frames` with a panel a script appended after the first paint."""
    out = frames.copy()
    out[:, 2:10, 20:30] = (240, 240, 250)
    return out


def test_a_first_frame_the_page_jumps_from_once_and_never_again_is_a_loading_frame():
    moving = drawn(8)
    trimmed = trim_lead_in(video(flat(2, 255), moving[:1], with_panel(moving[1:])))
    assert (trimmed.lead_in_frames, trimmed.lead_in_s) == (3, pytest.approx(0.3))
    assert np.array_equal(trimmed.frames, with_panel(moving[1:]))


@pytest.mark.parametrize("later", ["blinks", "moves through"])
def test_a_first_change_the_region_repeats_later_is_the_animation(later):
    moving = drawn(12)
    if later == "blinks":
        frames = np.concatenate([moving[:1], with_panel(moving[1:6]), moving[6:8], with_panel(moving[8:])])
    else:  # the block that moves at the start passes the same cells again at the same speed
        frames = np.concatenate([moving, moving])
    whole = video(frames)
    assert trim_lead_in(whole) is whole


def test_a_task_keeps_its_duration_from_the_rest_of_the_recording_and_can_opt_out(tmp_path):
    path = write_video(tmp_path / "recording.npz", np.concatenate([flat(4, 255), drawn(24)]), 10.0)
    task = Task(id="rec", kind="animation", video=path, duration_s=2.0, fps=10.0, viewport=(32, 24))
    loaded = task.load_video()
    assert (len(loaded), loaded.lead_in_frames, loaded.timestamps[0]) == (20, 4, 0.0)
    assert np.array_equal(loaded.frames, drawn(20))
    kept = replace(task, trim_lead_in=False)
    assert kept.load_video().lead_in_frames == 0 and np.array_equal(kept.load_video().frames[:4], flat(4, 255))
    # A script's step times are on the recording's clock: its video is not shifted under them.
    scripted = replace(task, kind="interaction", interactions=({"action": "wait", "t": 0.5},))
    assert scripted.load_video().lead_in_frames == 0


def test_v2c_score_trims_its_video_reference_as_a_task_does(tmp_path):
    from argparse import Namespace

    from v2c.cli import load_reference

    path = write_video(tmp_path / "recording.npz", np.concatenate([flat(4, 255), drawn(24)]), 10.0)
    reference = load_reference(Namespace(reference=str(path), interactions=None, duration=None, fps=10.0,
                                         size=(512, 384)))
    assert (reference.video.lead_in_frames, len(reference.video), reference.viewport) == (4, 24, (32, 24))


# ------------------------------------------------------------------ scored end to end, through H.264 yuv420p


@pytest.fixture(scope="module")
def loader_frames(pool):
    result = pool.render(Page(LOADER), DURATION, FPS, VIEWPORT)
    assert result.ok, result.reason
    return result.frames


def recorded(tmp_path, frames: np.ndarray, lead_in: int, trim: bool = True) -> Task:
    """The loader's task with its recording as a dataset ships it: H.264 yuv420p, after `lead_in` white frames."""
    white = np.full((lead_in, *frames.shape[1:]), 255, np.uint8)
    path = write_video(tmp_path / f"lead-in-{lead_in}.mp4", np.concatenate([white, frames]), FPS)
    return Task(id=f"loader-{lead_in}", kind="animation", page=Page(LOADER), video=path, duration_s=DURATION, fps=FPS,
                viewport=VIEWPORT, trim_lead_in=trim)


@pytest.mark.parametrize("lead_in", [3, 6])
def test_the_source_scores_against_a_recording_with_a_lead_in_as_against_one_without(pool, loader_frames, tmp_path,
                                                                                   lead_in):
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    clean = scorer.score(recorded(tmp_path, loader_frames, 0).to_reference(), Page(LOADER))
    # Chroma subsampling alone costs little (0.986 measured): far from what a recolour costs.
    assert clean.total >= 0.95, clean.score_dict()
    assert clean.details["reference"] == {"lead_in_frames": 0, "lead_in_s": 0.0, "start_s": 0.0, "held_frames": 0,
                                          "depends_on_seed": False}
    trimmed = scorer.score(recorded(tmp_path, loader_frames, lead_in).to_reference(), Page(LOADER))
    assert abs(trimmed.total - clean.total) <= 0.02, (trimmed.score_dict(), clean.score_dict())
    assert trimmed.details["reference"] == {"lead_in_frames": lead_in, "lead_in_s": pytest.approx(lead_in / FPS),
                                            "start_s": 0.0, "held_frames": 0, "depends_on_seed": False}
    # Without the trim the blank start is charged to the page (0.42 and 0.40 measured with 3 and 6 frames).
    untrimmed = scorer.score(recorded(tmp_path, loader_frames, lead_in, trim=False).to_reference(), Page(LOADER))
    assert untrimmed.total < clean.total - 0.2 and untrimmed.details["reference"]["lead_in_frames"] == 0


SCRIPTED_PANEL = LOADER.replace("</body>", """<script>
document.body.insertAdjacentHTML('beforeend', '<div style="position:fixed;left:8px;top:8px;width:96px;height:40px;'
  + 'background:#0b0b2a;color:#7fe;font:bold 12px sans-serif;padding:4px">60 FPS<br>20 particles</div>');
</script></body>""")
"""The loader with a panel its script appends, as stats.js does: a real-time recording's first painted frame
can show the page before the script ran (particles.js's demo: 0.72 with that frame, 0.90 without)."""


def test_the_frame_painted_before_the_script_ran_is_trimmed_and_costs_the_source_nothing(pool, loader_frames, tmp_path):
    scripted = pool.render(Page(SCRIPTED_PANEL), DURATION, FPS, VIEWPORT)
    assert scripted.ok, scripted.reason
    # The recording: two blank frames, the page before its script (the plain loader at t = 0), then the page.
    recording = np.concatenate([np.full((2, *loader_frames.shape[1:]), 255, np.uint8), loader_frames[:1],
                                scripted.frames])
    path = write_video(tmp_path / "loading-frame.mp4", recording, FPS)
    clean_path = write_video(tmp_path / "clean.mp4", scripted.frames, FPS)
    task = Task(id="panel", kind="animation", video=path, duration_s=DURATION, fps=FPS, viewport=VIEWPORT)
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    trimmed = scorer.score(task.to_reference(), Page(SCRIPTED_PANEL))
    clean = scorer.score(replace(task, video=clean_path).to_reference(), Page(SCRIPTED_PANEL))
    assert trimmed.details["reference"] == {"lead_in_frames": 3, "lead_in_s": pytest.approx(3 / FPS), "start_s": 0.0,
                                            "held_frames": 0, "depends_on_seed": None}  # no page: not known
    assert clean.details["reference"]["lead_in_frames"] == 0
    assert abs(trimmed.total - clean.total) <= 0.02, (trimmed.score_dict(), clean.score_dict())
    kept = replace(task, video=write_video(tmp_path / "kept.mp4", recording[2:], FPS), trim_lead_in=False)
    untrimmed = scorer.score(kept.to_reference(), Page(SCRIPTED_PANEL))
    # Kept, the one frame without the panel is the largest change in the video: 0.46 measured, against 0.99.
    assert untrimmed.total < trimmed.total - 0.2, untrimmed.score_dict()


@pytest.fixture(scope="module")
def loader_at_display_rate(pool):
    result = pool.render(Page(LOADER), DURATION + 0.1, 60.0, VIEWPORT)
    assert result.ok, result.reason
    return result.frames


def recording_from(tmp_path, display_frames: np.ndarray, phase: int) -> Task:
    """The loader's sample as a dataset ships it, recorded at 30 fps from a first paint `phase` display frames
    (1/60 s each) after its animations started."""
    frames = display_frames[phase::2][:int(DURATION * FPS)]
    return Task(id=f"phase-{phase}", kind="animation", page=Page(LOADER), duration_s=DURATION, fps=10.0,
                video=write_video(tmp_path / f"phase-{phase}.mp4", frames, FPS), viewport=VIEWPORT)


class ConfiguredCountingRenderer(CountingRenderer):
    """A counting renderer that says its settings, as the project's backends do (alignment needs its display rate)."""

    def __init__(self, pool):
        super().__init__(pool)
        self.config = pool.config


@pytest.mark.parametrize("phase", [1, 2, 4])
def test_a_recording_is_aligned_to_the_phase_of_the_page_that_made_it(pool, loader_at_display_rate, tmp_path, phase):
    """A real-time recording starts at a first paint some display frames after the page's animations started: with
    its source page beside it (a dataset sample), every candidate is rendered from that phase
    (`RewardConfig.align_recording`, `PreparedReference.start_s`)."""
    task = recording_from(tmp_path, loader_at_display_rate, phase)
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    aligned = scorer.score(task.to_reference(), Page(LOADER))
    assert aligned.details["reference"]["start_s"] == pytest.approx(phase / 60)
    on_time = scorer.score(recording_from(tmp_path, loader_at_display_rate, 0).to_reference(), Page(LOADER))
    assert on_time.details["reference"]["start_s"] == 0.0
    assert aligned.details["reference"]["held_frames"] == on_time.details["reference"]["held_frames"] == 0
    assert abs(aligned.total - on_time.total) <= 0.005, (aligned.score_dict(), on_time.score_dict())
    unaligned = RewardScorer(RewardConfig(align_recording=False), renderer=pool).score(task.to_reference(), Page(LOADER))
    page_less = scorer.score(replace(task, page=None).to_reference(), Page(LOADER))
    assert unaligned.details["reference"]["start_s"] == page_less.details["reference"]["start_s"] == 0.0
    # The render of its page says it draws no randomness: no copy of it is another random stream, and motion is only
    # compared where it happens (`FlowTemporalConfig.pooled_gap_random`); unaligned or without its page, not known.
    assert aligned.details["reference"]["depends_on_seed"] is False and aligned.details["temporal"]["pooled"] == {
        "weight": 0.0}
    assert aligned.details["appearance"]["layout_free"] is False
    assert unaligned.details["reference"]["depends_on_seed"] is page_less.details["reference"]["depends_on_seed"] is None
    # Unaligned, the phase costs the loader's own source 0.010, 0.029 and 0.033 (measured; 0.986 on time).
    assert unaligned.total == pytest.approx(page_less.total)
    assert unaligned.total < aligned.total - (0.005 if phase == 1 else 0.02), (unaligned.score_dict(), aligned.score_dict())


def test_the_alignment_is_decided_once_and_kept_on_disk(pool, loader_at_display_rate, tmp_path):
    reference = recording_from(tmp_path, loader_at_display_rate, 2).to_reference()
    cache = ReferenceCache(tmp_path / "cache")
    renderer = ConfiguredCountingRenderer(pool)
    first = RewardScorer(RewardConfig(), renderer=renderer, reference_cache=cache).prepare(reference)
    assert renderer.renders == 1  # the page at the display rate: every phase's frames
    again = RewardScorer(RewardConfig(), renderer=renderer, reference_cache=cache).prepare(reference)
    assert renderer.renders == 1 and np.array_equal(again.frames, first.frames)
    assert again.start_s == first.start_s == pytest.approx(2 / 60) and again.shown is first.shown is None
    assert again.clip.depends_on_seed is first.clip.depends_on_seed is False
    # An entry written before the decision said whether the page's frames depend on its randomness is decided again.
    entry = next(cache.root.rglob("*.start.json"))
    entry.write_text(json.dumps({"start_s": 2 / 60, "shown": None}))
    assert cache.get_alignment(entry.name.removesuffix(".start.json")) is None
    # Other scores may prefer another phase: another decision.
    other = RewardScorer(RewardConfig(weights={"appearance": 1.0, "temporal": 0.0}), renderer=renderer, reference_cache=cache)
    other.prepare(reference)
    assert renderer.renders == 2


# ------------------------------------------------------------------ a recording that held older pictures


def moving_square(count: int) -> np.ndarray:
    """`count` display frames of a square crossing a dark page, 1 px per frame."""
    frames = np.full((count, 24, 96, 3), 30, np.uint8)
    for i in range(count):
        frames[i, 8:16, i % 88:i % 88 + 8] = (240, 200, 60)
    return frames


def test_held_frames_are_repeated_pictures_older_than_the_recordings_own_lag():
    display = moving_square(70)
    recorded = display[1::6][:11].copy()  # 10 fps at a phase of one display frame
    repeated = np.zeros(len(recorded), bool)
    differences = frame_differences(recorded, display, 6)
    assert held_frames(differences, repeated, 6, 1) is None
    recorded[4] = recorded[3]  # frame 3's picture held a step: compared with the candidate's frame 3
    recorded[6] = recorded[7] = display[1 + 6 * 5]  # frame 5's picture held two steps
    repeated[[4, 6, 7]] = True
    differences = frame_differences(recorded, display, 6)
    assert held_frames(differences, repeated, 6, 1) == (0, 1, 2, 3, 3, 5, 5, 5, 8, 9, 10)
    # A picture that matches an older display frame but did not repeat its recording's frame before it is a page
    # that differs from its render (another random stream), not a held picture.
    assert held_frames(differences, np.zeros(len(recorded), bool), 6, 1) is None
    # A constant lag is the recording's phase: nothing is held.
    late = display[np.maximum(np.arange(11) * 6 - 6, 0)]
    assert held_frames(frame_differences(late, display, 6), np.ones(len(late), bool), 6, 0) is None


def test_a_repeated_picture_is_a_frame_repeated_at_a_constant_rate_or_a_gap_at_a_variable_one():
    frames = moving_square(12)
    steady = Video(frames, np.arange(12) / 30, 30.0)
    assert not repeated_pictures(steady, 10.0).any()
    frames[7] = frames[6]  # a repeat that no resampled frame shows (they show frames 0, 3, 6 and 9)
    frames[9] = frames[8]  # a repeat the one at 0.3 s shows
    assert repeated_pictures(Video(frames, np.arange(12) / 30, 30.0), 10.0).tolist() == [False, False, False, True]
    # A recorder that writes only the frames it was given: none from 1/6 s to 0.4 s, so 0.3 s shows the one of 1/6 s.
    gap = Video(moving_square(9), np.r_[np.arange(6) / 30, 0.4 + np.arange(3) / 30], 30.0)
    assert repeated_pictures(gap, 10.0).tolist() == [False, False, False, True, False]


def test_where_a_recording_held_a_picture_its_source_is_compared_as_the_recording_showed_it(
        pool, loader_at_display_rate, tmp_path):
    """A recording drops display frames under load and holds an older picture while the page's clock runs on:
    every candidate is compared there through its frame nearest the time the recording shows
    (`PreparedReference.shown`), so the page's own source loses nothing to the recorder's stall."""
    on_time = loader_at_display_rate[0::2][:int(DURATION * FPS)]
    stalled = on_time.copy()
    stalled[31:37] = on_time[30]  # 200 ms of one picture, then on time again
    task = Task(id="stalled", kind="animation", page=Page(LOADER), duration_s=DURATION, fps=10.0, viewport=VIEWPORT,
                video=write_video(tmp_path / "stalled.mp4", stalled, FPS))
    clean = replace(task, video=write_video(tmp_path / "on-time.mp4", on_time, FPS))
    scorer = RewardScorer(RewardConfig(), renderer=pool, reference_cache=ReferenceCache(tmp_path / "cache"))
    prepared = scorer.prepare(task.to_reference())
    # Compared at 10 fps: recorded frames 33 and 36 show frame 30's picture, one and two steps late.
    assert prepared.shown == (*range(11), 10, 10, *range(13, 20)), prepared.shown
    held = scorer.score(prepared, Page(LOADER))
    assert held.details["reference"]["held_frames"] == 2
    reference = scorer.score(clean.to_reference(), Page(LOADER))
    assert abs(held.total - reference.total) <= 0.01, (held.score_dict(), reference.score_dict())
    # Compared frame by frame, the stall costs the source 0.025 (0.961 measured, against 0.986).
    unaligned = RewardScorer(RewardConfig(align_recording=False), renderer=pool).score(task.to_reference(),
                                                                                        Page(LOADER))
    assert unaligned.total < held.total - 0.015, (unaligned.score_dict(), held.score_dict())
    # The frames are matched for the page that made the recording: a copy 1.6x slower gains nothing by them
    # (0.835 with, 0.840 without).
    slower = LOADER.replace("1s linear", "1.6s linear").replace(".9s ease", "1.44s ease").replace(".15s", ".24s") \
        .replace(".3s", ".48s")
    slower_held = scorer.score(prepared, Page(slower)).total
    assert slower_held <= scorer.score(replace(prepared, shown=None), Page(slower)).total + 0.01
    assert slower_held < held.total - 0.1
