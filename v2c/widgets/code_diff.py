"""The change from one code version to the next, as HTML lines for the viewer (live and static).

Generated pages often sit on one long line, and inlined images make lines of hundreds of kilobytes:
long lines are broken after `>`, `;`, `{`, `}` before diffing, and every shown line is cut to a
readable length. Lines carry inline styles so that the diff survives HTML sanitizing.
"""
from __future__ import annotations

import difflib
import re
from html import escape

from .static import LINE_STYLES

MAX_DIFF_LINES = 300
"""Lines shown at most; the rest is summarised."""

_BREAKS = re.compile(r"(?<=[>;{}])")


def _diff_lines(code: str) -> list[str]:
    """Lines to diff; generated pages often sit on one long line, which is broken after `>`, `;`, `{`, `}`
    so that a diff shows what changed instead of one replaced line."""
    lines: list[str] = []
    for line in code.splitlines():
        if len(line) > 160:
            lines.extend(part for part in _BREAKS.split(line) if part.strip())
        else:
            lines.append(line)
    return lines


def _clip_line(line: str, limit: int = 240) -> str:
    """A diff line cut for display: inlined images (base64) would otherwise fill the panel."""
    return line if len(line) <= limit else f"{line[:limit]}… ({len(line) - limit} more characters)"


def _line(kind: str, text: str) -> str:
    return f"<span class='{kind}' style='{LINE_STYLES[kind]}'>{escape(_clip_line(text))}</span>"


def diff_html(before: str, after: str) -> str:
    """The unified diff before → after as escaped HTML lines (`<span class='add|del|hunk'>`)."""
    if not before:
        lines = _diff_lines(after)
        body = [_line("add", "+" + line) for line in lines[:MAX_DIFF_LINES]]
        head = _line("hunk", f"first version: {len(lines)} lines")
    else:
        diff = list(difflib.unified_diff(_diff_lines(before), _diff_lines(after), lineterm="", n=2))
        if not diff:
            return _line("hunk", "no change from the previous version")
        lines = diff[2:]  # without the ---/+++ file header
        body = []
        for line in lines[:MAX_DIFF_LINES]:
            kind = "hunk" if line.startswith("@@") else "add" if line.startswith("+") else \
                "del" if line.startswith("-") else "ctx"
            body.append(_line(kind, line))
        head = _line("hunk", "diff from the previous version")
    more = len(lines) - MAX_DIFF_LINES
    tail = [_line("hunk", f"… {more} more lines")] if more > 0 else []
    return "".join([head, *body, *tail])  # block spans: no newlines, or <pre> doubles them
