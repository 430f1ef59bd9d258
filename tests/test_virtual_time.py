"""Every time and randomness source a page can use is virtual, on small probe pages.

Each probe moves a red box by one time source; its position at a virtual time is checked against
what a real browser on a 60 Hz display shows, and against the same time captured at another rate.
"""
from __future__ import annotations

import bisect
import functools
import io

import av
import numpy as np
import pytest
from PIL import Image

from v2c.render import LocalRendererPool, Page, RenderConfig, RenderStatus

from .technique_pages import page
from tests.test_render import red_box_left

VIEWPORT = (512, 384)
BOX = "position:absolute;left:0;top:40px;width:40px;height:40px;background:rgb(255,0,0)"


def at(result, t: float) -> np.ndarray:
    """The frame of `result` at virtual time `t` (seconds)."""
    k = int(round(t * result.fps))
    assert result.status is RenderStatus.OK, result.reason
    assert abs(result.timestamps[k] - t) < 1e-9
    return result.frames[k]


def test_raf_runs_at_the_display_rate_whatever_the_capture_rate(pool):
    # Steps by call, as frame-counting libraries do: a browser on a 60 Hz display makes 55 calls by t = 0.9 s.
    html = page(f"<div id=b style='{BOX}'></div><script>let x = 0; const b = document.getElementById('b');"
                "(function step() { b.style.left = x + 'px'; x += 2; requestAnimationFrame(step); })();</script>")
    slow = pool.render(html, duration_s=1.0, fps=10, viewport=VIEWPORT)
    fast = pool.render(html, duration_s=1.0, fps=30, viewport=VIEWPORT)
    assert np.array_equal(at(slow, 0.9), at(fast, 0.9)), "the capture rate changed the page's motion"
    # The inline call draws x = 0; rAF tick k (at k / 60 s) draws 2 (k + 1): 110 at tick 54, t = 0.9 s.
    assert red_box_left(at(slow, 0.9)) == pytest.approx(110, abs=1)
    assert red_box_left(at(slow, 0.5)) == pytest.approx(62, abs=1)


def test_raf_timestamps_are_the_ticks_virtual_times(pool):
    html = page(f"<div id=b style='{BOX}'></div><script>const b = document.getElementById('b'); let last = -1;"
                "(function step(ts) { if (ts !== undefined) { b.style.left = (ts / 10) + 'px';"
                " if (ts !== performance.now() || ts <= last) b.style.background = 'blue'; last = ts; }"
                " requestAnimationFrame(step); })();</script>")
    result = pool.render(html, duration_s=1.0, fps=10, viewport=VIEWPORT)
    assert red_box_left(at(result, 0.9)) == pytest.approx(90, abs=1)


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_css_animations_in_shadow_roots_run_on_the_virtual_clock(pool, mode):
    html = page(
        "<slide-box></slide-box><script>customElements.define('slide-box', class extends HTMLElement {"
        f" constructor() {{ super(); const root = this.attachShadow({{mode: '{mode}'}});"
        "  root.innerHTML = `<style>@keyframes s { from { transform: translateX(0) } to { transform: translateX(400px) } }"
        f"  div {{ {BOX}; animation: s 4s linear both }}</style><div></div>`; }} }});</script>")
    slow = pool.render(html, duration_s=1.0, fps=10, viewport=VIEWPORT)
    fast = pool.render(html, duration_s=1.0, fps=30, viewport=VIEWPORT)
    assert red_box_left(at(slow, 0.8)) == pytest.approx(80, abs=1)
    assert np.array_equal(at(slow, 0.8), at(fast, 0.8))


def test_declarative_shadow_roots_run_on_the_virtual_clock(pool):
    html = page(
        "<div><template shadowrootmode=open><style>@keyframes s { to { transform: translateX(400px) } }"
        f" div {{ {BOX}; animation: s 4s linear both }}</style><div></div></template></div>")
    result = pool.render(html, duration_s=1.0, fps=10, viewport=VIEWPORT)
    assert red_box_left(at(result, 0.8)) == pytest.approx(80, abs=1)


def test_same_origin_iframes_run_on_the_virtual_clock(pool):
    inner = page("<style>@keyframes s { to { transform: translateX(400px) } }"
                 f" #b {{ {BOX}; animation: s 4s linear both }}</style><div id=b></div>"
                 "<div id=c style='position:absolute;left:0;top:120px;width:40px;height:40px;background:rgb(255,0,0)'></div>"
                 "<script>const c = document.getElementById('c'); let x = 0;"
                 "(function step() { c.style.left = x + 'px'; x += 1; requestAnimationFrame(step); })();</script>")
    html = page("<iframe src='frame.html' style='border:0;position:absolute;left:0;top:0;width:512px;height:384px'></iframe>")
    slow = pool.render(Page(html, {"frame.html": inner}), duration_s=1.0, fps=10, viewport=VIEWPORT)
    fast = pool.render(Page(html, {"frame.html": inner}), duration_s=1.0, fps=30, viewport=VIEWPORT)
    frame = at(slow, 0.8)
    assert red_box_left(frame[40:80]) == pytest.approx(80, abs=1)
    assert np.array_equal(frame, at(fast, 0.8))
    assert slow.real_time_sources == []


def test_document_timeline_reads_virtual_time(pool):
    html = page(f"<div id=b style='{BOX}'></div><script>const b = document.getElementById('b');"
                "(function step() { b.style.left = (document.timeline.currentTime / 10) + 'px';"
                " requestAnimationFrame(step); })();</script>")
    result = pool.render(html, duration_s=1.0, fps=10, viewport=VIEWPORT)
    assert red_box_left(at(result, 0.9)) == pytest.approx(90, abs=1)


RANDOM_SQUARES = page(
    "<canvas id=c width=512 height=384></canvas><script>const g = document.getElementById('c').getContext('2d');"
    "const bytes = crypto.getRandomValues(new Uint8Array(64)); const id = crypto.randomUUID();"
    "document.title = id; setInterval(() => { for (let i = 0; i < 40; i++) {"
    " g.fillStyle = `rgb(${Math.random() * 255 | 0},${bytes[i] },${id.charCodeAt(i % 36) * 2})`;"
    " g.fillRect(Math.random() * 480, Math.random() * 350, 30, 30); } }, 100);</script>")


def test_random_pages_render_byte_identically_and_the_seed_changes_them(pool):
    first = pool.render(RANDOM_SQUARES, duration_s=1.0, fps=10, viewport=VIEWPORT)
    with LocalRendererPool(size=1) as fresh:
        second = fresh.render(RANDOM_SQUARES, duration_s=1.0, fps=10, viewport=VIEWPORT)
    with LocalRendererPool(size=1, config=RenderConfig(seed=7)) as other:
        reseeded = other.render(RANDOM_SQUARES, duration_s=1.0, fps=10, viewport=VIEWPORT)
    assert first.status is RenderStatus.OK and reseeded.status is RenderStatus.OK
    assert np.array_equal(first.frames, second.frames), "two renders of a random page differ"
    assert not np.array_equal(first.frames[-1], reseeded.frames[-1]), "the seed does not reach the page"
    # A render's own seed is the pool's of that seed, and leaves the pool's next render on its own seed.
    assert np.array_equal(pool.render(RANDOM_SQUARES, duration_s=1.0, fps=10, viewport=VIEWPORT, seed=7).frames,
                          reseeded.frames)
    assert np.array_equal(pool.render(RANDOM_SQUARES, duration_s=1.0, fps=10, viewport=VIEWPORT).frames, first.frames)


def test_a_render_says_whether_the_page_drew_randomness(pool):
    drawn = pool.render(RANDOM_SQUARES, duration_s=0.35, fps=10, viewport=VIEWPORT)
    # 64 bytes (16 words), a UUID (4), then 3 intervals of 40 squares × (colour + x + y) Math.random calls (2 words).
    assert drawn.random_words == 16 + 4 + 3 * 40 * 3 * 2 and drawn.draws_randomness
    still = pool.render(page("<p>no randomness</p>"), duration_s=0.35, fps=10, viewport=VIEWPORT)
    assert still.random_words == 0 and not still.draws_randomness
    in_frame = pool.render(page("<iframe srcdoc='<script>Math.random()</script>'></iframe>"), duration_s=0.35, fps=10,
                           viewport=VIEWPORT)
    assert in_frame.random_words == 2 and in_frame.draws_randomness


def test_random_values_keep_the_web_apis_contracts(pool):
    html = page("<div id=out></div><script>const out = [];"
                "const r = Array.from({length: 1000}, Math.random);"
                "out.push(r.every(x => x >= 0 && x < 1) && new Set(r).size === 1000);"
                "out.push(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));"
                "try { crypto.getRandomValues(new Float32Array(4)); out.push(false); } catch (e) { out.push(e.name === 'TypeMismatchError'); }"
                "const a = new Uint32Array(3); out.push(crypto.getRandomValues(a) === a && a.some(x => x !== 0));"
                "document.getElementById('out').textContent = out.join(',');</script>")
    with LocalRendererPool(size=1) as fresh:
        result = fresh.render(html, duration_s=0.1, fps=10, viewport=VIEWPORT,
                              interactions=[{"action": "wait", "t": 0.0}])
    assert result.steps[0].text_after == "true,true,true,true"


def _gif(delays_ms: list[int]) -> bytes:
    colours = [(255, 0, 0), (0, 0, 255), (0, 160, 0), (240, 200, 0)]
    frames = [Image.new("RGB", (64, 64), colours[i % len(colours)]) for i in range(len(delays_ms))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=delays_ms, loop=0)
    return out.getvalue()


def test_animated_gifs_play_by_their_own_delays_in_virtual_time(pool):
    # Eight frames of 250 ms: two seconds show 8 pictures, 7 changes, at the same times in every render.
    html = page("<img src='spin.gif' style='position:absolute;left:0;top:0;width:64px;height:64px'>")
    files = {"spin.gif": _gif([250] * 8)}
    first = pool.render(Page(html, files), duration_s=2.0, fps=10, viewport=VIEWPORT)
    with LocalRendererPool(size=1) as fresh:
        second = fresh.render(Page(html, files), duration_s=2.0, fps=10, viewport=VIEWPORT)
    assert first.status is RenderStatus.OK, first.reason
    colours = [tuple(int(c) for c in f[32, 32]) for f in first.frames]
    changes = sum(a != b for a, b in zip(colours, colours[1:]))
    assert changes == 7, colours
    assert np.array_equal(first.frames, second.frames)


START_PAGES = {
    "css": page(f"<div style='{BOX};animation:s 1.3s linear infinite'></div>"
                "<style>@keyframes s { to { transform: translateX(300px) } }</style>"),
    "raf steps": page(f"<div id=b style='{BOX}'></div><script>let x = 0; const b = document.getElementById('b');"
                      "(function step() { b.style.left = x + 'px'; x += 3; requestAnimationFrame(step); })();</script>"),
    "random": page("<canvas id=c width=512 height=384></canvas><script>const g = document.getElementById('c')"
                   ".getContext('2d'); (function step() { g.fillStyle = `hsl(${Math.random() * 360},80%,50%)`;"
                   " g.fillRect(Math.random() * 480, Math.random() * 350, 30, 30); requestAnimationFrame(step); })();"
                   "</script>"),
    "gif": Page(page("<img src='spin.gif' style='position:absolute;left:0;top:0;width:64px;height:64px'>"),
                {"spin.gif": _gif([50] * 16)}),  # faster than the 10 fps capture: due frames, not shown ones
}


@pytest.mark.parametrize("kind", list(START_PAGES))
def test_a_render_started_later_shows_the_display_rate_renders_frames(pool, kind):
    """`start_s` (what a recording aligned to its page asks of candidates): frame k of a 10 fps render started at
    j/60 s is frame 6k + j of a 60 fps render, on every kind of time source."""
    full = pool.render(START_PAGES[kind], duration_s=1.0, fps=60, viewport=VIEWPORT)
    assert full.status is RenderStatus.OK, full.reason
    for j in (1, 4):
        late = pool.render(START_PAGES[kind], duration_s=1.0, fps=10, viewport=VIEWPORT, start_s=j / 60)
        assert late.status is RenderStatus.OK, late.reason
        assert late.timestamps == pytest.approx(j / 60 + np.arange(10) / 10)
        assert np.array_equal(late.frames, full.frames[j::6]), f"{kind}: phase {j}/60 s differs"
    assert not np.array_equal(full.frames[4::6], full.frames[0::6]), f"{kind}: the probe does not move"


def test_a_step_in_the_first_interval_leaves_an_animated_image_on_its_due_frame(pool):
    """Steps of the script within the first interval (whose display ticks start animated images) change nothing of an
    image's timing."""
    gif = START_PAGES["gif"]
    plain = pool.render(gif, duration_s=0.5, fps=10, viewport=VIEWPORT)
    stepped = pool.render(gif, duration_s=0.5, fps=10, viewport=VIEWPORT,
                          interactions=[{"action": "wait", "t": 0.005}, {"action": "wait", "t": 0.05}])
    assert plain.status is RenderStatus.OK and stepped.status is RenderStatus.OK, (plain.reason, stepped.reason)
    assert np.array_equal(plain.frames, stepped.frames)
    assert tuple(plain.frames[1][32, 32]) == (0, 160, 0)  # 0.1 s: the third 50 ms frame (green), as at 60 fps


def test_workers_are_reported_as_real_time(pool):
    html = page("<script>const w = new Worker(URL.createObjectURL(new Blob(['postMessage(1)'],"
                " {type: 'text/javascript'})));</script>")
    result = pool.render(html, duration_s=0.2, fps=10, viewport=VIEWPORT)
    assert result.status is RenderStatus.OK, result.reason
    assert result.real_time_sources == ["Worker"]
    assert result.random_words == 0 and result.draws_randomness  # a worker's randomness is its own
    assert pool.render(page("<p>still</p>"), duration_s=0.2, fps=10, viewport=VIEWPORT).real_time_sources == []


SMIL_BOX = ("<svg xmlns='http://www.w3.org/2000/svg' width='200' height='50'><rect width='40' height='40' fill='red'>"
            "<animate attributeName='x' from='0' to='160' dur='2s' begin='0.2s' repeatCount='indefinite'/></rect></svg>")
"""A box that moves 80 px/s from t = 0.2 s, by SMIL inside the SVG."""


@pytest.mark.parametrize("source", ["file", "data URL"])
def test_smil_inside_an_svg_image_runs_on_the_virtual_clock(pool, source):
    src = "a.svg" if source == "file" else "data:image/svg+xml," + SMIL_BOX.replace("#", "%23")
    shown = Page(f"<body style='margin:0'><img src=\"{src}\" style='position:absolute;left:0;top:40px'></body>",
                 {"a.svg": SMIL_BOX})
    slow = pool.render(shown, duration_s=1.2, fps=10, viewport=VIEWPORT)
    fast = pool.render(shown, duration_s=1.2, fps=30, viewport=VIEWPORT)
    assert slow.real_time_sources == [] and fast.real_time_sources == []
    for t in (0.1, 0.5, 1.1):
        # 80 px/s after its begin; the same frame at both capture rates.
        assert red_box_left(at(slow, t)) == pytest.approx(max(0.0, t - 0.2) * 80, abs=1)
        assert np.array_equal(at(slow, t), at(fast, t))
    assert np.array_equal(pool.render(shown, duration_s=1.2, fps=10, viewport=VIEWPORT).frames, slow.frames)


def test_smil_in_an_svg_the_clock_cannot_still_is_reported_as_real_time(pool):
    background = Page("<div style='width:200px;height:50px;background:url(a.svg)'></div>", {"a.svg": SMIL_BOX})
    result = pool.render(background, duration_s=0.2, fps=10, viewport=VIEWPORT)
    assert result.real_time_sources == ["SMIL in an SVG image"]
    inline = pool.render(page(SMIL_BOX), duration_s=0.2, fps=10, viewport=VIEWPORT)
    assert inline.real_time_sources == []


BITS = 5  # frame indices 0..31 as 5 black/white blocks, which survive lossy coding


@functools.lru_cache(maxsize=None)
def _counter_clip(n_frames: int = 30, fps: int = 30) -> tuple[bytes, tuple[float, ...]]:
    """A VP8 webm whose frame i shows i in binary (block b white when bit b is set), and its frames'
    times as stored (webm keeps whole milliseconds: frame 2 of a 30 fps clip starts at 0.067 s)."""
    block = 16
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = BITS * block, block, "yuv420p"
        for i in range(n_frames):
            picture = np.zeros((block, BITS * block, 3), np.uint8)
            for b in range(BITS):
                picture[:, b * block:(b + 1) * block] = 255 * (i >> b & 1)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())
    with av.open(io.BytesIO(out.getvalue())) as container:
        starts = sorted(float(frame.time) for frame in container.decode(video=0))
    return out.getvalue(), tuple(starts)


VIDEO_VIEWPORT = (192, 64)
CLIP_STYLE = "position:absolute;left:0;top:0;width:160px;height:32px"  # the clip at 2x: 32 px blocks


def _video_page(attributes: str, script: str = "") -> Page:
    html = page(f"<video id=v src='clip.webm' muted {attributes} style='{CLIP_STYLE}'></video><div id=out></div>"
                f"<script>const v = document.getElementById('v'); {script}</script>")
    return Page(html, {"clip.webm": _counter_clip()[0]})


def shown_index(frame: np.ndarray) -> int:
    """The clip's frame a captured frame shows."""
    return sum(int(frame[16, 16 + 32 * b].mean() > 128) << b for b in range(BITS))


def clip_index(position_s: float) -> int:
    """The clip's frame at media time `position_s`: the last one starting at or before it."""
    return bisect.bisect_right(_counter_clip()[1], position_s + 1e-9) - 1


@pytest.mark.parametrize("header, status, body, content_range", [
    (None, 200, b"0123456789", None),
    ("bytes=2-5", 206, b"2345", "bytes 2-5/10"),
    ("bytes=7-", 206, b"789", "bytes 7-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=8-20", 206, b"89", "bytes 8-9/10"),
    ("bytes=12-", 416, b"", "bytes */10"),
    ("bytes=0-1,4-5", 200, b"0123456789", None),  # several ranges: the whole file, as a server may answer
])
def test_page_files_answer_byte_ranges_so_that_media_can_seek(header, status, body, content_range):
    from v2c.render.worker import _byte_range

    answer, data, headers = _byte_range(b"0123456789", header)
    assert (answer, data, headers.get("Content-Range")) == (status, body, content_range)
    assert headers["Accept-Ranges"] == "bytes"


def test_video_plays_on_the_virtual_clock_whatever_the_capture_rate(pool):
    clip = _video_page("autoplay loop")  # 1 s, looping
    slow = pool.render(clip, duration_s=1.3, fps=10, viewport=VIDEO_VIEWPORT)
    fast = pool.render(clip, duration_s=1.3, fps=30, viewport=VIDEO_VIEWPORT)
    for result in (slow, fast):
        assert result.status is RenderStatus.OK, result.reason
        assert result.real_time_sources == []
        shown = [shown_index(f) for f in result.frames]
        assert shown == [clip_index(t % 1.0) for t in result.timestamps], shown  # t = 1.2 s shows 0.2 s
    assert np.array_equal(at(slow, 0.6), at(fast, 0.6)), "the capture rate changed the video's frame"
    with LocalRendererPool(size=1) as fresh:
        again = fresh.render(clip, duration_s=1.3, fps=10, viewport=VIDEO_VIEWPORT)
    assert np.array_equal(slow.frames, again.frames), "two renders of a video page differ"


def test_pausing_a_video_freezes_it_at_its_virtual_time(pool):
    # Paused at 0.45 s, resumed at 0.8 s: at 1.0 s it has played 0.65 s. The page sees the virtual state.
    clip = _video_page("autoplay", "const out = document.getElementById('out'); const log = [];"
                       "for (const e of ['play', 'pause']) v.addEventListener(e, () => log.push(e + '@' + performance.now()));"
                       "setTimeout(() => { v.pause(); out.textContent = v.paused + ' ' + v.currentTime; }, 450);"
                       "setTimeout(() => { v.play().then(() => { out.textContent += ' ' + log.join(' ') + ' ' + v.paused; }); }, 800);")
    result = pool.render(clip, duration_s=1.1, fps=10, viewport=VIDEO_VIEWPORT, interactions=[{"action": "wait", "t": 1.0}])
    assert result.status is RenderStatus.OK, result.reason
    assert [shown_index(at(result, t)) for t in (0.4, 0.5, 0.7, 0.9, 1.0)] == [clip_index(t) for t in (0.4, 0.45, 0.45, 0.55, 0.65)]
    assert result.steps[0].text_after == "true 0.45 play@0 pause@450 false"
    assert result.real_time_sources == []


def test_a_video_ends_once_at_its_virtual_end_and_keeps_its_last_frame(pool):
    # Twice as fast, the 1 s clip ends at 0.5 s of virtual time.
    clip = _video_page("", "const out = document.getElementById('out'); v.playbackRate = 2; v.play();"
                       "v.addEventListener('ended', () => { out.textContent += `ended@${performance.now()} ${v.paused} ${v.currentTime};`; });")
    result = pool.render(clip, duration_s=0.9, fps=10, viewport=VIDEO_VIEWPORT, interactions=[{"action": "wait", "t": 0.85}])
    assert result.status is RenderStatus.OK, result.reason
    assert [shown_index(f) for f in result.frames] == [clip_index(min(2 * t, 1.0)) for t in result.timestamps]
    assert result.steps[0].text_after == "ended@500 true 1;"


def test_a_video_added_later_starts_when_it_is_added(pool):
    # Autoplay counts from the callback that inserts the element (0.25 s), not from when its data arrives;
    # the frames before are static, and the video's first picture still reaches the frame at 0.25 s.
    html = page("<script>setTimeout(() => { const v = document.createElement('video'); v.src = 'clip.webm';"
                f" v.muted = v.autoplay = true; v.style.cssText = '{CLIP_STYLE}'; document.body.append(v); }}, 250);</script>")
    result = pool.render(Page(html, {"clip.webm": _counter_clip()[0]}), duration_s=0.5, fps=20, viewport=VIDEO_VIEWPORT)
    assert result.status is RenderStatus.OK, result.reason
    assert all((f == 255).all() for f in result.frames[:5])
    assert [shown_index(f) for f in result.frames[5:]] == [clip_index(t - 0.25) for t in result.timestamps[5:]]
