"""v2c.video: decoding, encoding round trips, retiming rules and error messages."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from v2c.video import Video, VideoError, clip, clip_length, read_video, resample, resampled_indices, write_video


def synthetic_frames(count: int = 30, height: int = 48, width: int = 64) -> np.ndarray:
    """Smooth gradients plus a moving dark square: like an animated page with text on it, and
    distinct per frame. (Saturated colour edges on tiny frames are yuv420p's worst case, well
    below the 45-56 dB measured on real page frames.)"""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = np.empty((count, height, width, 3), np.uint8)
    for t in range(count):
        frames[t, ..., 0] = (xs / width * 200 + t * 2) % 256
        frames[t, ..., 1] = ys / height * 180 + 30
        frames[t, ..., 2] = 120 + 60 * np.sin((xs + ys) / 20 + t / 5)
        x0 = (t * 3) % (width - 12)
        frames[t, 10:22, x0:x0 + 12] = (30, 30, 30)
    return frames


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def make_video(count: int = 90, fps: float = 30.0) -> Video:
    frames = np.zeros((count, 2, 2, 3), np.uint8)
    frames[:, 0, 0, 0] = np.arange(count) % 256  # frame index readable from the pixels
    return Video(frames, np.arange(count, dtype=np.float64) / fps, fps)


# ---------------------------------------------------------------------------------------------
# Encoding round trips


@pytest.mark.parametrize("size", [(48, 64), (47, 63)], ids=["even", "odd"])
def test_lossless_mp4_round_trip_is_bit_exact(tmp_path: Path, size: tuple[int, int]) -> None:
    frames = synthetic_frames(20, *size)
    path = write_video(tmp_path / "ref.mp4", frames, fps=30, lossless=True)
    video = read_video(path)
    assert video.frames.shape == frames.shape  # rgb24 needs no padding, even for odd sizes
    assert np.array_equal(video.frames, frames)
    assert video.fps == pytest.approx(30.0)
    np.testing.assert_allclose(video.timestamps, np.arange(20) / 30, atol=1e-6)


def test_lossy_mp4_is_close_and_pads_odd_sizes(tmp_path: Path) -> None:
    frames = synthetic_frames(30, 95, 127)
    video = read_video(write_video(tmp_path / "report.mp4", frames, fps=25))
    assert video.frames.shape == (30, 96, 128, 3)  # padded to even for yuv420p, never rejected
    assert psnr(video.frames[:, :95, :127], frames) > 35
    # Edge replication, not a black seam.
    assert psnr(video.frames[:, 95, :127], frames[:, 94]) > 30
    assert video.fps == pytest.approx(25.0)


def test_non_integer_fps_round_trips(tmp_path: Path) -> None:
    video = read_video(write_video(tmp_path / "ntsc.mp4", synthetic_frames(12), fps=29.97, lossless=True))
    assert video.fps == pytest.approx(29.97, rel=1e-4)
    assert video.timestamps[-1] == pytest.approx(11 / 29.97, abs=1e-3)


def test_webm_round_trip(tmp_path: Path) -> None:
    frames = synthetic_frames(15)
    video = read_video(write_video(tmp_path / "clip.webm", frames, fps=30))
    assert video.frames.shape == frames.shape
    assert psnr(video.frames, frames) > 28  # VP9 at crf 32: a preview format, not a reference


def test_gif_round_trip(tmp_path: Path) -> None:
    frames = synthetic_frames(10)
    video = read_video(write_video(tmp_path / "clip.gif", frames, fps=10))
    assert video.frames.shape == frames.shape
    assert psnr(video.frames, frames) > 25  # 256-colour palette
    np.testing.assert_allclose(video.timestamps, np.arange(10) / 10, atol=1e-6)


def test_npz_round_trip_is_exact(tmp_path: Path) -> None:
    frames = synthetic_frames(7, 5, 9)
    video = read_video(write_video(tmp_path / "frames.npz", frames, fps=12))
    assert np.array_equal(video.frames, frames)
    assert video.fps == 12.0
    np.testing.assert_allclose(video.timestamps, np.arange(7) / 12)


def test_write_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "x.mp4", np.zeros((3, 8, 8, 3), np.float32), fps=30)
    with pytest.raises(VideoError, match=r"\.avi"):
        write_video(tmp_path / "x.avi", synthetic_frames(2), fps=30)
    with pytest.raises(VideoError, match="lossless"):
        write_video(tmp_path / "x.webm", synthetic_frames(2), fps=30, lossless=True)


# ---------------------------------------------------------------------------------------------
# Retiming


def test_resample_down_keeps_every_nth_frame() -> None:
    out = resample(make_video(90, 30), 10)
    assert len(out) == 30 and out.fps == 10
    np.testing.assert_allclose(out.timestamps, np.arange(30) / 10)
    assert list(out.frames[:, 0, 0, 0]) == list(range(0, 90, 3))


def test_resample_up_holds_frames() -> None:
    out = resample(make_video(90, 30), 60)
    assert len(out) == 180
    assert list(out.frames[:6, 0, 0, 0]) == [0, 0, 1, 1, 2, 2]


def test_resample_non_integer_ratio_picks_frame_at_or_before() -> None:
    out = resample(make_video(30, 30), 12)  # 1 s -> 12 frames at k/12 s
    assert len(out) == 12
    expected = [int(np.floor(k * 30 / 12 + 1e-9)) for k in range(12)]
    assert list(out.frames[:, 0, 0, 0]) == expected


def test_resample_variable_rate_source() -> None:
    frames = make_video(4).frames
    video = Video(frames, np.array([0.0, 0.1, 0.5, 0.55]), fps=10)  # duration 0.65 s
    out = resample(video, 10)
    assert list(out.frames[:, 0, 0, 0]) == [0, 1, 1, 1, 1, 2]
    assert list(resampled_indices(video, 10)) == [0, 1, 1, 1, 1, 2]  # which frame each output frame shows
    assert len(resampled_indices(Video(frames[:0], np.zeros(0), fps=10), 10)) == 0


def test_clip_at_source_rate_is_closed_range() -> None:
    out = clip(make_video(90, 30), 1.0, 2.0)
    assert len(out) == 31  # frames at 1.0, 1.033, ..., 2.0
    assert out.timestamps[0] == pytest.approx(1.0) and out.timestamps[-1] == pytest.approx(2.0)
    assert out.frames[0, 0, 0, 0] == 30 and out.fps == 30


def test_clip_resampled() -> None:
    out = clip(make_video(90, 30), 1.0, 2.0, fps=10)
    assert len(out) == 11
    np.testing.assert_allclose(out.timestamps, 1.0 + np.arange(11) / 10)
    assert list(out.frames[:, 0, 0, 0]) == list(range(30, 61, 3))


def test_clip_stops_at_video_end() -> None:
    video = make_video(90, 30)  # 3 s
    assert len(clip(video, 2.5, 10.0)) == 15
    out = clip(video, 2.5, 10.0, fps=10)
    assert len(out) == 5 and out.timestamps[-1] == pytest.approx(2.9)
    with pytest.raises(ValueError):
        clip(video, 2.0, 1.0)


def test_clip_length_is_measured_without_gathering_and_max_frames_keeps_the_first() -> None:
    video = make_video(90, 30)  # 3 s
    assert clip_length(video, 0.0, 1e12, fps=1e6) == 3_000_000  # arithmetic only: no frame is touched
    assert clip_length(video, 2.5, 10.0, fps=10) == len(clip(video, 2.5, 10.0, fps=10)) == 5
    assert clip_length(video, 1.0, 2.0) == len(clip(video, 1.0, 2.0)) == 31
    assert clip_length(video, 5.0, 9.0, fps=10) == 0 and len(clip(video, 5.0, 9.0, fps=10)) == 0
    first = clip(video, 0.0, 1e12, fps=1e6, max_frames=4)
    np.testing.assert_allclose(first.timestamps, np.arange(4) / 1e6)
    assert np.array_equal(clip(video, 1.0, 2.0, max_frames=3).frames, clip(video, 1.0, 2.0).frames[:3])
    with pytest.raises(ValueError, match="finite"):
        clip(video, 0.0, 1.0, fps=float("inf"))


# ---------------------------------------------------------------------------------------------
# Image sequences and errors


def test_png_folder_is_read_in_natural_order(tmp_path: Path) -> None:
    frames = synthetic_frames(12, 16, 20)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(frames, start=1):
        Image.fromarray(frame).save(folder / f"frame_{i}.png")  # frame_2 must sort before frame_10
    (folder / "notes.txt").write_text("ignored")
    video = read_video(folder, fps=12)
    assert np.array_equal(video.frames, frames)
    assert video.fps == 12
    np.testing.assert_allclose(video.timestamps, np.arange(12) / 12)
    assert np.array_equal(read_video(folder / "frame_*.png").frames, frames)
    assert read_video(folder).fps == 30  # default rate for sequences


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="nowhere.mp4"):
        read_video(tmp_path / "nowhere.mp4")
    with pytest.raises(VideoError, match="glob matched no image"):
        read_video(tmp_path / "*.png")
    with pytest.raises(VideoError, match="no image frames"):
        read_video(tmp_path)


def test_corrupt_video_names_the_file(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(VideoError, match="garbage.mp4"):
        read_video(garbage)
    good = write_video(tmp_path / "good.mp4", synthetic_frames(10), fps=30, lossless=True).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good[: len(good) // 2])  # moov atom is at the end: unplayable
    with pytest.raises(VideoError, match="truncated.mp4"):
        read_video(truncated)
    assert issubclass(VideoError, ValueError)


def test_corrupt_frame_in_folder_names_the_frame(tmp_path: Path) -> None:
    Image.fromarray(synthetic_frames(1, 8, 8)[0]).save(tmp_path / "000.png")
    (tmp_path / "001.png").write_bytes(b"not a png")
    with pytest.raises(VideoError, match="001.png"):
        read_video(tmp_path)
    (tmp_path / "001.png").unlink()
    Image.fromarray(synthetic_frames(1, 10, 8)[0]).save(tmp_path / "002.png")
    with pytest.raises(VideoError, match="002.png.*differs"):
        read_video(tmp_path)
