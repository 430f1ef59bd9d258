"""The env's action grammar: one string from a model, parsed into what it asks for.

Models wrap their answers in chatter, so the parser looks for the first thing it recognises, in
this order:

1. **finish** — the whole answer (ignoring whitespace, punctuation and a fenced/tag wrapper) is
   `finish`, `done` or `<finish/>`.
2. **clip request** (Video2Code's tool) — a JSON object with a `segments` list
   `{"segments": [{"start": s, "end": e}, ...], "fps": N}` (seconds; `fps` optional), bare, inside
   `<tool>…</tool>` / `<tool_call>…</tool_call>`, or in a fenced block. A chat template's tool call of
   the TRL tool env (`v2c.agents.trl_env`) is one too: `{"name": "request_clip", "arguments": {"start":
   s, "end": e}}` (one segment; `{"segments": [...]}` arguments also work).
3. **patch** — search/replace blocks (`<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`) or a
   unified diff (`--- a` / `+++ b` / `@@` hunks, in a ```diff block or bare).
4. **code** — the tool env's `{"name": "submit_code", "arguments": {"html": "..."}}` tool call, else an
   HTML document: the last fenced ```html block (or any fenced block that contains a
   tag), else raw text from `<!doctype`/`<html` to `</html>`, else any text that contains an HTML
   element.
Anything else is **invalid**, with a reason the env puts in `feedback`.

`parse_answer(text, task)` reads a model's answer on a task: the grammar above, then, for
word-answered tasks (`template:pick`), the task's answer format (`v2c.envs.tasks.answers`) turns
the words into the page they stand for. `page_for_answer` is the page of a one-shot answer.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Union

from v2c.render import Page

from .tasks.answers import answer_page
from .tasks.task import Task

_FENCE = re.compile(r"```([\w+-]*)[ \t]*\n(.*?)```", re.DOTALL)
_TOOL = re.compile(r"<(tool|tool_call)>(.*?)</\1>", re.DOTALL)
_FINISH = re.compile(r"^\W*(finish|done|<finish\s*/?>)\W*$", re.IGNORECASE)
_ELEMENT = re.compile(r"<([a-z][a-z0-9-]*)(\s[^<>]*)?>", re.IGNORECASE)
# Delimited spans (tool blocks, documents, search/replace blocks) are found opener by opener with a
# search for the closer, not by one lazy `open(.*?)close` regex: that rescans to the end of the text
# from every opener that is never closed, which makes 400 kB of repeated `<html` cost minutes.
# Lookbehinds start a run of `<`/`>` at its first character, for the same reason.
_TOOL_OPEN = re.compile(r"<(tool|tool_call)>")
_DOC_OPEN = re.compile(r"<!doctype html|<html", re.IGNORECASE)
_DOC_CLOSE = re.compile(r"</html\s*>", re.IGNORECASE)
_SEARCH_OPEN = re.compile(r"(?<!<)<{5,}\s*SEARCH\s*\n")
_SEARCH_SPLIT = re.compile(r"\n={5,}\s*\n")
_SEARCH_CLOSE = re.compile(r"\n?(?<!>)>{5,}\s*REPLACE")
_OBJECT_START = re.compile(r'\{\s*"')
_MAX_JSON_ATTEMPTS = 64
"""JSON objects tried per chunk: each failed decode costs up to the text's length (the error's line number)."""
MAX_PATCH_PIECES = 100
"""Search/replace blocks or diff hunks in one patch; each costs a pass over the page."""
_UNIFIED = re.compile(r"^(---[^\n]*\n\+\+\+[^\n]*\n)?@@ [^\n]*@@", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float


@dataclass(frozen=True)
class ClipRequest:
    segments: tuple[Segment, ...]
    fps: float | None = None
    """None: the reference's own frame rate."""


@dataclass(frozen=True)
class Code:
    html: str


@dataclass(frozen=True)
class Patch:
    blocks: tuple[tuple[str, str], ...] = ()
    """(search, replace) pairs."""
    unified_diff: str = ""


@dataclass(frozen=True)
class Finish:
    pass


@dataclass(frozen=True)
class Invalid:
    reason: str


Action = Union[ClipRequest, Code, Patch, Finish, Invalid]
ACTION_TYPES = {ClipRequest: "clip", Code: "code", Patch: "patch", Finish: "finish", Invalid: "invalid"}


def action_type(action: Action) -> str:
    return ACTION_TYPES[type(action)]


def parse_action(text: Any) -> Action:
    """Parse one model answer; never raises."""
    if not isinstance(text, str):
        return Invalid(f"an action must be a string, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        return Invalid("empty action: send HTML code, a clip request {\"segments\": [...]}, a patch, or 'finish'")
    if _FINISH.match(_unwrap(stripped)):
        return Finish()
    clip = _clip_request(stripped)
    if clip is not None:
        return clip
    submitted = _submitted_code(stripped)
    if submitted is not None:
        return submitted
    patch = _patch(stripped)
    if patch is not None:
        return patch
    html = _html(stripped)
    if html is not None:
        return Code(html)
    return Invalid("no HTML, clip request, patch or 'finish' found in the action "
                   f"(starts with {stripped[:60]!r})")


def parse_answer(text: Any, task: Task) -> Action:
    """`parse_action`, and where that finds nothing, the task's template answer (e.g. `teal 1.5`) as its page."""
    action = parse_action(text)
    if isinstance(action, Invalid) and isinstance(text, str):
        page = answer_page(task, text)
        if page is not None:
            return Code(page.html)
    return action


def page_for_answer(task: Task, text: str) -> Page | None:
    """The page a one-shot answer stands for on `task` (code, or a template's words); None when it has none."""
    action = parse_answer(text, task)
    return Page(html=action.html) if isinstance(action, Code) else None


def _unwrap(text: str) -> str:
    fenced = _FENCE.fullmatch(text)
    if fenced:
        return fenced.group(2).strip()
    tool = _TOOL.fullmatch(text)
    return tool.group(2).strip() if tool else text


def _tool_blocks(text: str) -> list[str]:
    """Bodies of `<tool>…</tool>` and `<tool_call>…</tool_call>`, in order: what `_TOOL` finds, in linear time."""
    blocks, pos, unclosed = [], 0, set()
    while len(unclosed) < 2 and (opening := _TOOL_OPEN.search(text, pos)):
        tag = opening.group(1)
        close = -1 if tag in unclosed else text.find(f"</{tag}>", opening.end())
        if close < 0:  # no later opener of this tag is closed either
            unclosed.add(tag)
            pos = opening.end()
            continue
        blocks.append(text[opening.end():close])
        pos = close + len(tag) + 3
    return blocks


def _document(text: str) -> str | None:
    """The first `<!doctype html`/`<html` … `</html>` span: the leftmost opener is the one that matches
    when any does, since a closer after a later opener is after it too."""
    opening = _DOC_OPEN.search(text)
    closing = _DOC_CLOSE.search(text, opening.end()) if opening else None
    return text[opening.start():closing.end()] if closing else None


def _json_objects(text: str) -> list[Any]:
    """JSON objects that start at a `{"` in text (tool blocks and fences first)."""
    chunks = _tool_blocks(text) + [m.group(2) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    found = []
    for chunk in chunks:
        for attempt, start in enumerate(_OBJECT_START.finditer(chunk)):
            if attempt == _MAX_JSON_ATTEMPTS:
                break
            try:
                value, _ = decoder.raw_decode(chunk, start.start())
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder's stack
                continue
            found.append(value)
            if len(found) > 50:
                return found
    return found


def _tool_arguments(obj: Any, name: str) -> dict | None:
    """The arguments of a chat template's tool call `{"name": name, "arguments": {...}}`, else None."""
    if isinstance(obj, dict) and obj.get("name") == name and isinstance(obj.get("arguments"), dict):
        return obj["arguments"]
    return None


def _clip_request(text: str) -> ClipRequest | Invalid | None:
    if "segments" not in text and "request_clip" not in text:
        return None
    for obj in _json_objects(text):
        call = _tool_arguments(obj, "request_clip")
        if call is not None and "segments" not in call and "start" in call:
            obj = {"segments": [{"start": call["start"], "end": call.get("end")}], "fps": call.get("fps")}
        elif isinstance(obj, dict) and isinstance(obj.get("arguments"), dict):
            obj = obj["arguments"]
        if not isinstance(obj, dict) or "segments" not in obj:
            continue
        try:
            segments = tuple(Segment(float(s["start"]), float(s["end"])) for s in obj["segments"])
            fps = float(obj["fps"]) if obj.get("fps") is not None else None
        except (KeyError, TypeError, ValueError, OverflowError) as error:  # OverflowError: an integer beyond float
            return Invalid(f"malformed clip request: each segment needs numeric 'start' and 'end' ({error})")
        if not segments:
            return Invalid("clip request with no segments")
        if any(not (0 <= s.start <= s.end) for s in segments) or (fps is not None and not fps > 0):
            return Invalid("clip request: segments need 0 <= start <= end and fps must be positive")
        return ClipRequest(segments, fps)
    return None


def _submitted_code(text: str) -> Code | None:
    """The page of a `submit_code` tool call (its JSON string holds the HTML escaped, so no other rule reads it)."""
    if "submit_code" not in text:
        return None
    for obj in _json_objects(text):
        call = _tool_arguments(obj, "submit_code")
        if call is not None and isinstance(call.get("html"), str) and call["html"].strip():
            return Code(call["html"].strip())
    return None


def _patch(text: str) -> Patch | None:
    blocks = _search_replace_blocks(text)
    if blocks:
        return Patch(blocks=blocks)
    for match in _FENCE.finditer(text):
        if match.group(1) in ("diff", "patch") or _UNIFIED.search(match.group(2)):
            return Patch(unified_diff=match.group(2))
    if _UNIFIED.search(text) and _document(text) is None:
        return Patch(unified_diff=text[_UNIFIED.search(text).start():])
    return None


def _search_replace_blocks(text: str) -> tuple[tuple[str, str], ...]:
    """(search, replace) of each `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` block, in order."""
    blocks, pos = [], 0
    while opening := _SEARCH_OPEN.search(text, pos):
        split = _SEARCH_SPLIT.search(text, opening.end())
        closing = _SEARCH_CLOSE.search(text, split.end()) if split else None
        if closing is None:  # then no later block is complete either
            break
        blocks.append((text[opening.end():split.start()], text[split.end():closing.start()]))
        pos = closing.end()
    return tuple(blocks)


def _html(text: str) -> str | None:
    fenced = [m for m in _FENCE.finditer(text) if m.group(1).lower() in ("html", "htm", "")]
    for match in reversed(fenced):
        if _ELEMENT.search(match.group(2)):
            return match.group(2).strip()
    document = _document(text)
    if document is not None:
        return document
    if _ELEMENT.search(text):
        return text
    return None


@dataclass
class PatchResult:
    code: str = ""
    error: str = ""
    applied: list[int] = field(default_factory=list)


def apply_patch(code: str, patch: Patch) -> PatchResult:
    """Apply search/replace blocks (each must match exactly once, else whitespace-insensitively) or a unified
    diff (lines compared stripped); at most `MAX_PATCH_PIECES` blocks or hunks."""
    if len(patch.blocks) > MAX_PATCH_PIECES:
        return PatchResult(error=f"{len(patch.blocks)} search blocks; a patch may have {MAX_PATCH_PIECES}: "
                                 "send the whole page instead")
    if patch.blocks:
        for i, (search, replace) in enumerate(patch.blocks):
            if search in code:
                code = code.replace(search, replace, 1)
                continue
            span = _loose_span(code, search)
            if span is None:
                return PatchResult(error=f"search block {i} not found in the current code: {search[:80]!r}")
            code = code[:span[0]] + replace + code[span[1]:]
        return PatchResult(code=code, applied=list(range(len(patch.blocks))))
    return _apply_unified(code, patch.unified_diff)


_WHITESPACE = re.compile(r"\s+")


def _loose_span(code: str, search: str) -> tuple[int, int] | None:
    """The span of the first place where `code` reads as `search` once all whitespace is ignored on
    both sides (the fallback for a model that re-indented what it quotes). A substring search of both
    texts without whitespace: linear, where a `word\\s*word...` regex backtracks at every offset."""
    needle = _WHITESPACE.sub("", search)
    if not needle:
        return None
    at = _WHITESPACE.sub("", code).find(needle)
    if at < 0:
        return None
    return _nth_visible(code, at), _nth_visible(code, at + len(needle) - 1) + 1


def _nth_visible(text: str, n: int) -> int:
    """Index in `text` of its `n`-th (0-based) non-whitespace character."""
    return re.match(r"(?:\s*+\S){%d}\s*+" % n, text).end()


def _apply_unified(code: str, diff: str) -> PatchResult:
    lines = code.split("\n")
    hunks = re.split(r"^@@[^\n]*@@[^\n]*\n?", diff, flags=re.MULTILINE)[1:]
    if not hunks:
        return PatchResult(error="unified diff without @@ hunks")
    if len(hunks) > MAX_PATCH_PIECES:
        return PatchResult(error=f"{len(hunks)} hunks; a patch may have {MAX_PATCH_PIECES}: send the whole page instead")
    stripped = [line.strip() for line in lines]
    cursor = 0
    for number, hunk in enumerate(hunks):
        old, new = [], []
        for line in hunk.split("\n"):
            if line.startswith(("---", "+++")) or line.startswith("\\"):
                continue
            tag, body = (line[:1], line[1:]) if line[:1] in "+- " and line else (" ", line)
            if tag in (" ", "-"):
                old.append(body)
            if tag in (" ", "+"):
                new.append(body)
        while old and old[-1] == "" and new and new[-1] == "":
            old.pop(), new.pop()
        at = _find_lines(stripped, old, cursor)
        if at is None:
            return PatchResult(error=f"hunk {number} does not match the current code")
        lines[at:at + len(old)] = new
        stripped[at:at + len(old)] = [line.strip() for line in new]
        cursor = at + len(new)
    return PatchResult(code="\n".join(lines), applied=list(range(len(hunks))))


def _find_lines(stripped: list[str], old: list[str], start: int) -> int | None:
    """The first line index, from `start` on and then from the top, where the stripped `old` lines
    follow each other in `stripped` (the page's lines, stripped). Lines hold no newline, so this is
    a substring search of the joined texts: linear, where comparing line lists at each index is not."""
    if not old:
        return start
    text = "\n" + "\n".join(stripped) + "\n"
    needle = "\n" + "\n".join(line.strip() for line in old) + "\n"
    start_offset = len("\n".join(stripped[:start])) + 1 if start else 0  # the newline before line `start`
    found = text.find(needle, start_offset)
    if found < 0:
        found = text.find(needle)  # a match before `start`, if any: none lies after it
    return None if found < 0 else text.count("\n", 0, found)
