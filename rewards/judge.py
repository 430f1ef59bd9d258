"""Functional correctness judged by a model, as Video2Code's paper does it.

`judge_functional_score` with an `OpenAIJudge` (any OpenAI-compatible `/v1/chat/completions`
endpoint): per step, the judge grounds the step on the candidate's rendered DOM summary
(`click[id]`, `enter[id][text]`, `select[id][option]`, `scroll[id]`, `scroll[]`, `None`), the
grounded actions are replayed (state carries across steps), then the judge compares the expected
and actual before/after frames and answers a 0–100 visual score and success/failed. Score = share
of successes. Slow and costly: for evaluation, not for rewards inside an RL loop. The renderer
returns only text and frames, so the DOM summary is read by a listener injected into a separate
probe render, which a key chord makes print the summary as one JSON line of the page's text.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import cv2
import numpy as np

from v2c.chat_api import ChatClient
from v2c.render import Interaction, Page
from v2c.render.pool import RenderBackend, Viewport

from .functional import (
    FunctionalConfig, FunctionalResult, ReferenceLike, ReferenceVideo, StepScore, _as_steps, _default_duration,
    _default_renderer, _reference_states, _result, _unusable_reference_step,
)

__all__ = ["FunctionalJudge", "OpenAIJudge", "GroundedAction", "JudgeVerdict", "parse_grounded_actions", "parse_verdict",
           "dom_summary", "judge_functional_score"]

@dataclass(frozen=True)
class GroundedAction:
    """One action in the paper's grammar, grounded on an element id of the DOM summary."""

    kind: str
    """click, enter, select, scroll, or none (no matching element)."""
    element: int | None = None
    """Id in the DOM summary; None for `scroll[]` (page bottom) and `none`."""
    value: str | None = None
    """Text to enter or option to select."""

    def to_interaction(self, t: float, dom: Sequence[dict[str, Any]], viewport: Viewport) -> Interaction | None:
        """The renderer's equivalent; None for `none` or an id not in the summary."""
        if self.kind == "none":
            return None
        if self.kind == "scroll" and self.element is None:  # scroll[]: to the bottom; scrollBy clamps
            return Interaction("scroll", t, None, [0, 10**6])
        node = next((n for n in dom if n.get("id") == self.element), None)
        if node is None:
            return None
        if self.kind == "scroll":  # bring the element to the middle of the viewport
            _, y, _, h = node["address"]
            return Interaction("scroll", t, None, [0, int(y + h / 2 - viewport[1] / 2)])
        target = {"selector": node["selector"]}
        if self.kind == "click":
            return Interaction("click", t, target)
        if self.kind == "enter":  # typed as a person would (the renderer clicks, then types)
            return Interaction("type", t, target, self.value or "")
        if self.kind == "select":
            return Interaction("select", t, target, self.value or "")
        return None


@dataclass(frozen=True)
class JudgeVerdict:
    """The judge's comparison of expected and actual after-states."""

    visual_score: int
    """0–100, or −1 when the judge found the pages incomparable."""
    success: bool
    """Whether the operation took effect as expected."""
    text: str = ""
    """The judge's answer, for the reasons."""


_BOXED = re.compile(r"\\boxed\{(.*)\}", re.S)
_ACTION = re.compile(r"^\s*(click|enter|select|scroll)\s*\[\s*(\d*)\s*\](?:\s*\[(.*)\])?\s*$", re.S | re.I)


def parse_grounded_actions(answer: str) -> list[GroundedAction]:
    """Parse `\\boxed{click[3]}` (or `click[1]; click[4]`, `None`) from a grounding answer."""
    boxes = _BOXED.findall(answer)
    body = boxes[-1] if boxes else answer.strip().splitlines()[-1] if answer.strip() else "None"
    # A greedy match may swallow a later brace pair; the instruction never contains '}'.
    body = body.split("}")[0].strip()
    if body.lower() in ("none", ""):
        return [GroundedAction("none")]
    actions = []
    for part in body.split(";"):
        m = _ACTION.match(part)
        if not m:
            return [GroundedAction("none")]
        kind, element, value = m.group(1).lower(), m.group(2), m.group(3)
        actions.append(GroundedAction(kind, int(element) if element else None, value))
    return actions


_SCORE = re.compile(r"\\score\{\s*(-?\d+)\s*\}")
_PASSED = re.compile(r"\\passed\{\s*(success|failed)\s*\}", re.I)


def parse_verdict(answer: str) -> JudgeVerdict:
    """Parse `\\score{N}` and `\\passed{success|failed}`; an unparsable answer is a failure."""
    score = _SCORE.findall(answer) or re.findall(r"visual score\D{0,10}(-?\d+)", answer, re.I)
    passed = _PASSED.findall(answer) or re.findall(r"\b(success|failed)\b", answer, re.I)
    return JudgeVerdict(int(score[-1]) if score else -1, bool(passed) and passed[-1].lower() == "success",
                        answer.strip()[:500])


class FunctionalJudge(Protocol):
    """A model that grounds a step on the candidate's DOM and judges its outcome."""

    def ground(self, dom: Sequence[dict[str, Any]], description: str,
               frames: Sequence[np.ndarray] = ()) -> list[GroundedAction]: ...

    def verdict(self, description: str, expected: Sequence[np.ndarray],
                actual: Sequence[np.ndarray]) -> JudgeVerdict: ...


_GROUND_PROMPT = """You replay a user interaction on a replicated web page.
The interaction on the original page: {description}
{frames_note}
Below is the DOM summary of the replicated page: one JSON object per element, with id (use it in
your answer), tag, attrs, visible_text, address [x, y, w, h] in viewport pixels, can_interact,
input_value and options.

Answer with exactly one of, wrapped in \\boxed{{}}:
click[id] | enter[id][text] | select[id][option text] | scroll[id] | scroll[] (to the page bottom) |
click[id1]; click[id2] (only for a custom dropdown with no <select>) | None (nothing matches).
Explain briefly, then give the answer.

## DOM summary
{dom}"""

_VERDICT_PROMPT = """You judge whether an interaction was replicated.
The interaction: {description}
Group 1 (expected, the original page): the images before and after the interaction.
Group 2 (actual, the replicated page): the images before and after the same interaction.
Compare the pages after the interaction; ignore differences already present before it.
Visual score: an integer 0-100 for how alike the two after-states look (-1 if incomparable).
Functional score: success if the interaction took the intended effect on the replicated page,
failed if it had no effect or the wrong one.
Explain briefly, then write both on separate lines: \\score{{N}} and \\passed{{success}} or \\passed{{failed}}."""


def _png_data_url(frame: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode a frame as PNG")
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()


class OpenAIJudge:
    """A judge behind an OpenAI-compatible `/v1/chat/completions` endpoint (standard library only).

    The API key comes from `api_key`, else $V2C_JUDGE_API_KEY, else $OPENAI_API_KEY; with none, no
    Authorization header is sent (local servers). Requests go through `v2c.chat_api.ChatClient`
    (the agents' client too): transport errors, 408/409/429 and 5xx are retried `retries` times with
    exponential backoff; other failures raise `ChatAPIError`.
    """

    def __init__(self, base_url: str = "https://api.openai.com/v1", model: str = "gpt-4o", api_key: str | None = None,
                 timeout: float = 120.0, retries: int = 2, backoff_s: float = 1.0, temperature: float = 0.0,
                 max_tokens: int = 1024) -> None:
        base = base_url.rstrip("/")
        self.url = (base if base.endswith("/v1") else base + "/v1") + "/chat/completions"
        self.model = model
        self.api_key = api_key or os.environ.get("V2C_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.temperature = temperature
        self.max_tokens = max_tokens

    def chat(self, content: list[dict[str, Any]]) -> str:
        """One user message (text and image parts) in, the assistant's text out."""
        client = ChatClient(self.url, self.api_key, timeout_s=self.timeout, max_retries=self.retries,
                            backoff_s=self.backoff_s)
        text, _ = client.complete({"model": self.model, "messages": [{"role": "user", "content": content}],
                                   "temperature": self.temperature, "max_tokens": self.max_tokens})
        return text

    def ground(self, dom: Sequence[dict[str, Any]], description: str,
               frames: Sequence[np.ndarray] = ()) -> list[GroundedAction]:
        shown = [{k: v for k, v in node.items() if k != "selector"} for node in dom]
        note = ("The images are the original page before and after the interaction, then the replicated page now."
                if frames else "")
        content: list[dict[str, Any]] = [{"type": "text", "text": _GROUND_PROMPT.format(
            description=description, frames_note=note, dom="\n".join(json.dumps(n) for n in shown))}]
        content += [{"type": "image_url", "image_url": {"url": _png_data_url(f)}} for f in frames]
        return parse_grounded_actions(self.chat(content))

    def verdict(self, description: str, expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> JudgeVerdict:
        content: list[dict[str, Any]] = [{"type": "text", "text": _VERDICT_PROMPT.format(description=description)}]
        for label, group in (("Group 1 (expected)", expected), ("Group 2 (actual)", actual)):
            content.append({"type": "text", "text": label})
            content += [{"type": "image_url", "image_url": {"url": _png_data_url(f)}} for f in group]
        return parse_verdict(self.chat(content))


# The renderer returns only visible text and frames, so the DOM summary travels as text: a key
# chord nobody binds makes this script prepend the summary, as one JSON line, to the page's text.
_PROBE_KEY = "Control+Alt+Shift+F12"
_PROBE_MARK = "__V2C_DOM__"
_PROBE_SCRIPT = """<script>(() => {
window.addEventListener('keydown', (e) => {
  if (!(e.key === 'F12' && e.ctrlKey && e.altKey && e.shiftKey)) return;
  e.stopImmediatePropagation();
  const norm = (s) => String(s == null ? '' : s).replace(/\\s+/g, ' ').trim();
  const path = (el) => {
    const parts = [];
    for (let n = el; n && n !== document.body; n = n.parentElement) {
      parts.unshift(n.tagName.toLowerCase() + ':nth-child(' + ([...n.parentElement.children].indexOf(n) + 1) + ')');
    }
    return ['body', ...parts].join(' > ');
  };
  const interactive = (el) => ['a', 'button', 'input', 'select', 'textarea', 'summary', 'label', 'option']
    .includes(el.tagName.toLowerCase()) || el.hasAttribute('role') || el.hasAttribute('onclick')
    || el.hasAttribute('tabindex') || el.isContentEditable || getComputedStyle(el).cursor === 'pointer';
  const ownText = (el) => norm([...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(' '));
  const nodes = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (['script', 'style', 'option', 'noscript'].includes(el.tagName.toLowerCase())) continue;
    const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    if (r.width <= 0 || r.height <= 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
    const can = interactive(el);
    if (!can && !ownText(el)) continue;
    const attrs = {};
    for (const a of ['id', 'class', 'type', 'name', 'placeholder', 'aria-label', 'role', 'href', 'title'])
      if (el.hasAttribute(a)) attrs[a] = norm(el.getAttribute(a)).slice(0, 60);
    const node = { id: nodes.length, tag: el.tagName.toLowerCase(), attrs,
      visible_text: norm(el.innerText).slice(0, 80), address: [r.left, r.top, r.width, r.height].map(Math.round),
      can_interact: can, selector: path(el) };
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) node.input_value = String(el.value).slice(0, 60);
    if (el.tagName === 'SELECT') node.options = [...el.options].map((o) => norm(o.textContent).slice(0, 40));
    nodes.push(node);
  }
  // The renderer keeps 20,000 characters of text: shed text-only elements, then the tail.
  let keep = nodes, json = JSON.stringify(keep);
  if (json.length > 18000) { keep = nodes.filter((n) => n.can_interact); json = JSON.stringify(keep); }
  while (json.length > 18000 && keep.length) {
    keep = keep.slice(0, Math.floor(keep.length * 0.8)); json = JSON.stringify(keep);
  }
  const pre = document.createElement('pre');
  pre.style.cssText = 'position:fixed;top:0;left:0;z-index:2147483647;white-space:pre;font:1px monospace;margin:0';
  pre.textContent = '__V2C_DOM__' + json;
  document.body.prepend(pre);
}, true);
})();</script>"""


def _with_probe(page: Page | str) -> Page:
    page = page if isinstance(page, Page) else Page(html=page)
    # Appended after everything: the parser moves a trailing script into <body>, and it only listens.
    return Page(html=page.html + _PROBE_SCRIPT, files=page.files)


async def dom_summary(page: Page | str, prefix: Sequence[Interaction], t: float, renderer: RenderBackend,
                      viewport: Viewport = (512, 384)) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The candidate's DOM summary (paper's fields + a CSS path) and screenshot at time `t`, after `prefix`.

    Rendered fresh each time: the renderer is deterministic, so the same prefix gives the same DOM
    in the scored render, and the CSS paths stay valid there.
    """
    probe = list(prefix) + [Interaction("wait", t), Interaction("press", t, None, _PROBE_KEY)]
    # One frame suffices: steps after the last frame still run, each at its own virtual time.
    result = await renderer.render_async(_with_probe(page), 0.1, 10.0, viewport, probe)
    if len(result.steps) < len(probe) or not result.steps[-1].ok:
        return [], None
    text = result.steps[-1].text_after
    start = text.find(_PROBE_MARK)
    if start < 0:
        return [], result.steps[-2].frame_after
    line = text[start + len(_PROBE_MARK):].split("\n", 1)[0]
    try:
        nodes = json.loads(line)
    except json.JSONDecodeError:
        nodes = []
    return nodes, result.steps[-2].frame_after


def describe_step(step: Interaction) -> str:
    """A plain-language description of a scripted step, for the judge."""
    target = json.dumps(dict(step.target)) if step.target else "the page"
    value = f" with value {json.dumps(step.value)}" if step.value is not None else ""
    verbs = {"type": "type into", "select": "select an option of", "press": "press a key on"}
    verb = verbs.get(step.action, step.action)
    return f"{verb} the element matching {target}{value}"


async def judge_functional_score(reference_page_or_steps: ReferenceLike, candidate_page: Page | str,
                                 script: Sequence[Interaction | dict], renderer: RenderBackend | None,
                                 judge: FunctionalJudge, duration_s: float | None = None, fps: float = 2.0,
                                 viewport: Viewport = (512, 384), descriptions: Sequence[str] | None = None,
                                 config: FunctionalConfig | None = None) -> FunctionalResult:
    """The paper's protocol: judge-grounded actions on the candidate, judge-compared outcomes.

    Per step i: render the candidate with the actions grounded so far and read its DOM summary at
    step i's time; the judge picks the action; then one render replays all grounded actions (state
    carries) and the judge compares expected vs actual before/after frames. Score = share of
    `success`; a step's similarity is the visual score / 100. `n + 1` renders and `2n` judge calls.
    """
    cfg = config or FunctionalConfig()
    renderer = renderer or _default_renderer()
    steps = _as_steps(script)
    video = reference_page_or_steps if isinstance(reference_page_or_steps, ReferenceVideo) else None
    duration = duration_s if duration_s is not None else _default_duration(steps, cfg, video)
    reference = await _reference_states(reference_page_or_steps, steps, renderer, duration, fps, viewport)
    texts = list(descriptions) if descriptions is not None else [describe_step(s) for s in steps]

    def ref_frames(i: int) -> list[np.ndarray]:
        pair = reference.states[i: i + 2]
        return [s.frame for s in pair if s.frame is not None]

    # Ground step by step: each action is chosen on the DOM the previous actions left.
    grounded: list[list[Interaction]] = []
    notes: list[str] = []
    for i, step in enumerate(steps):
        prefix = [x for group in grounded for x in group]
        dom, screenshot = await dom_summary(candidate_page, prefix, step.t, renderer, viewport)
        frames = ref_frames(i) + ([screenshot] if screenshot is not None else [])
        actions = await asyncio.to_thread(judge.ground, dom, texts[i], frames)
        group = [a.to_interaction(step.t, dom, viewport) for a in actions]
        if not group or any(x is None for x in group):
            grounded.append([])
            notes.append(f"the judge found no element for this step ({', '.join(a.kind for a in actions)})")
        else:
            grounded.append([x for x in group if x is not None])
            notes.append("")

    # A step without an action still gets a slot (a wait), so every step has a recorded state.
    replay: list[Interaction] = [Interaction("wait", steps[0].t)] if steps else []
    last_of_step: list[int] = []
    for step, group in zip(steps, grounded, strict=True):
        replay += group or [Interaction("wait", step.t)]
        last_of_step.append(len(replay) - 1)
    cand_result = await renderer.render_async(candidate_page, duration, fps, viewport, replay)
    rs = cand_result.steps

    def cand_state(k: int) -> np.ndarray | None:
        return rs[k].frame_after if k < len(rs) else None

    scores: list[StepScore] = []
    for i in range(len(steps)):
        unusable = _unusable_reference_step(reference, i)
        if unusable is not None:
            scores.append(unusable)
            continue
        if notes[i]:
            scores.append(StepScore(i, 0.0, False, notes[i]))
            continue
        first = last_of_step[i] - len(grounded[i]) + 1
        performed = all(k < len(rs) and rs[k].ok for k in range(first, last_of_step[i] + 1))
        before, after = cand_state(first - 1), cand_state(last_of_step[i])
        if not performed or before is None or after is None:
            errors = "; ".join(rs[k].error for k in range(first, min(last_of_step[i] + 1, len(rs))) if rs[k].error)
            scores.append(StepScore(i, 0.0, False,
                                    f"the grounded action could not be performed: {errors or cand_result.reason}"))
            continue
        verdict = await asyncio.to_thread(judge.verdict, texts[i], ref_frames(i), [before, after])
        similarity = max(verdict.visual_score, 0) / 100.0
        reason = "" if verdict.success else f"judge: failed (visual {verdict.visual_score}): {verdict.text[-200:]}"
        scores.append(StepScore(i, similarity, verdict.success, reason,
                                {"visual_score": float(verdict.visual_score)}))
    return _result(scores)
