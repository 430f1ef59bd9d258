"""`read_page(path)`: an `.html` file as a `Page`, with the local files it references served beside it."""
from __future__ import annotations

import re
from pathlib import Path

from v2c.render import Page

_RELATIVE_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"':?#]+)["']""", re.IGNORECASE)


def read_page(path: str | Path) -> Page:
    """The page of an .html file, with the files it references by relative path (style.css, script.js, ...)
    inside its folder; `FileNotFoundError` when the file does not exist."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    html = file.read_text(encoding="utf-8", errors="replace")
    root = file.parent.resolve()
    files = {}
    for ref in _RELATIVE_REF.findall(html):
        target = (root / ref).resolve()
        if target.is_file() and root in target.parents:
            files[str(target.relative_to(root))] = target.read_bytes()
    return Page(html=html, files=files)


__all__ = ["read_page"]
