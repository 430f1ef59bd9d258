"""Prompts for the papers' three settings, and the frames that go with them.

Settings (`PromptMode`):
- `video`   — the whole reference as one video input (Video2Code's "reconstruct directly from
              videos", Figure 10); models without video input get the frames as images instead.
- `frames`  — frames sampled at 2 fps as images, with their times in the text (Figure 11).
- `revisit` — Video2Code's action-aware two-stage pipeline: a coarse pass over the whole video at
              2 fps ends in a clip request `{"segments": [{"start": s, "end": e}]}`; the clips come
              back at the source rate and the model writes the page from both (Figure 9).

The wording follows the papers' prompts (seeds/000), shortened, with the React/Tailwind/picsum rules
kept for interactive pages and an animation-specific variant (timing, easing, motion) for
Animation2Code-style tasks. `Prompt` is model-agnostic: text plus images (or one video); the HF
agent and the TRL dataset builder put image placeholders first in the user turn, exactly where TRL's
`prepare_multimodal_messages` puts them, so training and inference see the same layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

PromptMode = Literal["video", "frames", "revisit"]
MODES: tuple[str, ...] = ("video", "frames", "revisit")

_CODE_RULES = (
    "Output only the complete code of one HTML page inside <html></html> tags. It must render directly: no "
    "placeholders, nothing omitted with ellipses, no explanations before or after the code.")
_LIBRARIES = (
    "You may use React 18 (UMD) with ReactDOM and Babel standalone, Tailwind CSS from its CDN, GSAP, anime.js or "
    "animate.css; images come from https://picsum.photos/id/N/W/H with fixed URLs.")

PROMPTS: dict[str, str] = {
    "system": "You are highly skilled in building web pages with HTML, CSS and JavaScript, and you can precisely "
              "reconstruct a web page and its motion from a recording of it.",
    "animation": "Reproduce this web animation as one web page. Match the elements, colours, sizes and positions, "
                 "and the motion exactly: which properties change, when each animation starts, how long it lasts, "
                 "its easing, repeats and direction.",
    "interaction": "Reproduce this interactive web page. Observe the page before each user action, where the mouse "
                   "is, which component was clicked or typed into, and how the page changed afterwards (new items, "
                   "pop-ups, text). Every interaction shown must work in your page and leave it looking exactly like "
                   "the video. Background colours, fonts, font sizes, spacing, borders, icons and every line of text "
                   "must match.",
    "video": "The recording is attached as a video ({duration:g} s).",
    "frames": "The recording is attached as {count} frames sampled at {fps:g} fps, at {times}.",
    "revisit_coarse": "This is a coarse pass over the whole recording ({count} frames at {fps:g} fps, at {times}). "
                      "First decide which moments need a closer look: where something moves fast, or right before "
                      "and after an interaction. Ask for them with one clip request and nothing else: "
                      '{{"segments": [{{"start": S, "end": E}}, ...]}} (seconds; at most {max_segments} segments). '
                      "Do not write code yet.",
    "revisit_code": "The first {count} images are the coarse pass ({fps:g} fps, at {times}); the next {clip_count} "
                    "are the clips you asked for, at {clip_fps:g} fps, at {clip_times}. Now write the page.",
    "tools": "You can call `request_clip(start, end)` to watch a time range again at the full frame rate, and must "
             "end by calling `submit_code(html)` with the complete page; it is rendered and you see the result.",
}
"""Every prompt text by name; `{...}` fields are filled by `build_prompt`."""


@dataclass
class Prompt:
    """One model input: a system text, a user text and the visual inputs that precede the user text."""

    system: str
    text: str
    images: list = field(default_factory=list)
    """PIL images, in order; they come before `text` in the user turn."""
    video: list | None = None
    """PIL frames of one video (instead of `images`), with `video_fps` and `video_times`."""
    video_fps: float = 2.0
    video_times: list[float] = field(default_factory=list)

    def messages(self, placeholders: bool = True) -> list[dict]:
        """Chat messages; with `placeholders` the user content is blocks (`{"type": "image"}` first), else a string."""
        if not placeholders:
            return [{"role": "system", "content": self.system}, {"role": "user", "content": self.text}]
        blocks: list[dict] = [{"type": "video"}] if self.video is not None else [{"type": "image"} for _ in self.images]
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": blocks + [{"type": "text", "text": self.text}]}]


def to_pil(frames: np.ndarray | Sequence, size: tuple[int, int] | None = None) -> list:
    """uint8 H×W×3 frames as PIL images, resized to `size` (width, height) when given."""
    from PIL import Image

    out = []
    for frame in frames:
        image = Image.fromarray(np.asarray(frame, dtype=np.uint8))
        if size is not None and image.size != tuple(size):
            image = image.resize(tuple(size), Image.BILINEAR)
        out.append(image)
    return out


def valid_frames(frames: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The env's padded frames without the padding (timestamp -1)."""
    keep = np.asarray(times) >= 0
    return np.asarray(frames)[keep], np.asarray(times)[keep]


def _times(times: Sequence[float]) -> str:
    return ", ".join(f"{t:.1f} s" for t in times) if len(times) else "no frames"


def task_text(kind: str, instructions: str | None = None) -> str:
    """What to reproduce: the animation or interaction wording and the code rules, or a template's instructions."""
    if instructions:
        return instructions
    body = PROMPTS["interaction"] if kind == "interaction" else PROMPTS["animation"]
    return f"{body} {_LIBRARIES} {_CODE_RULES}"


def build_prompt(mode: str, kind: str, frames: np.ndarray, times: np.ndarray, *, fps: float = 2.0,
                 clip: np.ndarray | None = None, clip_times: np.ndarray | None = None, clip_fps: float = 10.0,
                 stage: str = "code", instructions: str | None = None, frame_size: tuple[int, int] | None = None,
                 max_segments: int = 3, duration_s: float | None = None, as_video: bool = False) -> Prompt:
    """The prompt for one step.

    `frames`/`times`: the coarse pass (2 fps). `mode="revisit"`: `stage="coarse"` asks for a clip
    request; `stage="code"` shows the coarse frames then `clip`. `as_video`: pass the frames as one
    video (mode `video` with a model that takes video). `instructions` replaces the code-writing task
    text (template families).
    """
    if mode not in MODES:
        raise ValueError(f"prompt mode must be one of {', '.join(MODES)}, got {mode!r}")
    frames, times = np.asarray(frames), np.asarray(times, dtype=float)
    body = task_text(kind, instructions)
    images = to_pil(frames, frame_size)
    duration = float(duration_s if duration_s is not None else (times[-1] + 1.0 / fps if len(times) else 0.0))
    if mode == "video" and as_video:
        return Prompt(PROMPTS["system"], f"{PROMPTS['video'].format(duration=duration)} {body}", video=images,
                      video_fps=fps, video_times=[float(t) for t in times])
    if mode == "revisit" and stage == "coarse":
        view = PROMPTS["revisit_coarse"].format(count=len(images), fps=fps, times=_times(times),
                                                max_segments=max_segments)
        return Prompt(PROMPTS["system"], f"{body}\n\n{view}", images=images)
    if mode == "revisit" and clip is not None and len(clip):
        clip_images = to_pil(clip, frame_size)
        view = PROMPTS["revisit_code"].format(count=len(images), fps=fps, times=_times(times),
                                              clip_count=len(clip_images), clip_fps=clip_fps,
                                              clip_times=_times(clip_times if clip_times is not None else []))
        return Prompt(PROMPTS["system"], f"{view} {body}", images=images + clip_images)
    view = PROMPTS["frames"].format(count=len(images), fps=fps, times=_times(times))
    return Prompt(PROMPTS["system"], f"{view} {body}", images=images)
