"""What every widget's static fallback shares: sanitizer-proof HTML pieces, and how the fallback joins
the widget's MIME bundle.

A displayed widget's bundle holds the widget view (rendered by a live front end) and, added here,
`text/html`: a script-free snapshot shown by anything that cannot or may not render the widget —
nbconvert, GitHub, VS Code without a kernel, and JupyterLab itself for a saved notebook opened
untrusted (the widget renderer is not "safe", so JupyterLab falls back to the sanitized HTML). The
sanitizer drops `<style>`, inline `<svg>` and classes' effects, so the snapshot uses inline styles
only and embeds charts as `data:` images.
"""
from __future__ import annotations

import base64
from html import escape
from typing import Any

ROW = "display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start;margin:6px 0"
NOTE = "color:#666;font-size:11px"
BOX = "font-family:system-ui,sans-serif;font-size:12px;color:#222"
TITLE = "margin:4px 0 8px;font-size:14px;font-weight:600"
CELL = "border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top"
PRE = ("max-height:320px;overflow:auto;background:#fafafa;border:1px solid #eee;padding:6px;white-space:pre-wrap;"
       "word-break:break-all;font-size:11px")
CARD = "display:inline-block;border:1px solid #ddd;border-radius:6px;padding:6px;width:172px;vertical-align:top"
LINE_STYLES = {
    "add": "display:block;color:#116329;background:#e6ffec",
    "del": "display:block;color:#82071e;background:#ffebe9",
    "hunk": "display:block;color:#6639ba",
    "ctx": "display:block",
}
"""Diff line styles, inline so that they survive sanitizing (the live view has the same in its CSS)."""


def svg_image(svg: str, alt: str = "chart") -> str:
    """An SVG chart as an `<img>` with a data URL: sanitizers keep images, not inline SVG."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"<img alt='{escape(alt)}' style='max-width:100%' src='data:image/svg+xml;base64,{data}'>"


def section(class_name: str, title: str, body: str, note: str = "") -> str:
    """The snapshot's outer box: a title, the body, a note under it."""
    tail = f"<p style='{NOTE}'>{escape(note)}</p>" if note else ""
    return f"<div class='v2c-static {class_name}' style='{BOX}'><div style='{TITLE}'>{escape(title)}</div>{body}{tail}</div>"


def mimebundle_with_html(bundle: Any, html: str, text: str) -> tuple[dict, dict]:
    """The widget's own bundle plus `text/html` (the static view) and a readable `text/plain`."""
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
    data = dict(data)
    data["text/html"] = html
    data["text/plain"] = text
    return data, metadata
