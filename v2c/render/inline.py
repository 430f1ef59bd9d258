"""`inline_page(page)`: a multi-file `Page` as one self-contained HTML document.

An agent answers with one document, so a source laid out as CodePen exports it (`index.html` beside
`style.css`, `script.js`, images) is an answer only once its local files are inside it:

- `<link rel=stylesheet href=LOCAL>` becomes a `<style>` holding the sheet;
- a module script's local imports (static, re-exports and `import("...")` with a literal specifier), in the
  document or in a file, become `data:` URIs of those modules, rewritten alike;
- `<script src=LOCAL>` becomes an inline `<script>` with the same attributes (`type=module`, `nomodule`,
  `async`, ...), `</script` inside it written `<\\/script`. A classic `defer` script (local or not, to keep
  their order) moves to the end of the document, where it runs when a deferred one would: after the rest
  is parsed, in order, before `DOMContentLoaded` (though before module scripts, not among them);
- the local URLs of images, media, `<object>` and SVG `<image>` (`src`, `srcset`, `poster`, `data`,
  `href`), and CSS `url(...)` in sheets, `<style>` and `style=""`, become `data:` URIs with the MIME type the
  renderer would serve them with; a local `@import` becomes a `data:` sheet, its own URLs resolved too.

A URL is local when, resolved the way the browser resolves it (against the document, `index.html` at the
page's root, or against the sheet that holds it), it names a file of `page.served` by the path the
renderer serves it at. Everything else — CDN URLs (the renderer answers them from its vendor folder),
`data:`, fragments, files the page does not have — is left as written. Not rewritten: URLs that script
builds at run time (`fetch`, `new Image().src = ...`), `<iframe src>`, CSS `image-set()` strings, and URLs under a `<base href>` (resolved against the document
as if it had none).
"""
from __future__ import annotations

import base64
import html
import mimetypes
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from .types import Page, ServedFile

__all__ = ["inline_page"]

DOCUMENT = "index.html"
_ORIGIN = "http://page.invalid/"
"""Any origin serves for resolving: only whether a URL stays on it matters."""

_ASSET_ATTRS = {
    "img": ("src", "srcset"), "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "input": ("src",), "embed": ("src",), "object": ("data",), "image": ("href", "xlink:href"),
}
"""Attributes whose URL is fetched as a resource of the element (not followed, like `<a href>`)."""
_FETCH_ATTRS = frozenset({"src", "href", "integrity", "crossorigin", "referrerpolicy", "fetchpriority", "charset"})
"""Attributes about fetching a file, meaningless once its content is inline."""
_LINK_ONLY = frozenset({"rel", "type", "as", "hreflang", "sizes"})

_CSS_REF = re.compile(
    r"""(?P<import>@import\s+)?url\(\s*(["']?)(?P<url>.*?)\2\s*\)|@import\s+(["'])(?P<string>.*?)\4""",
    re.IGNORECASE | re.DOTALL)
"""A CSS `url(...)`, or an `@import` of a `url(...)` or of a string."""
_MODULE_SPECIFIER = re.compile(
    r"""(?P<keyword>\bimport\s*\(\s*|\bfrom\s*|\bimport\s*)(?P<quote>["'])(?P<specifier>[^"'\n]+)(?P=quote)""")
"""A module's static `import "x"`, `... from "x"` (imports and re-exports) or dynamic `import("x")`."""
_SRCSET_URL = re.compile(r"((?:^|,)\s*)([^\s,]+)")
_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)
_STYLE_CLOSE = re.compile(r"</(style)", re.IGNORECASE)
_SCRIPT_OPEN = re.compile(r"<script[\s/>]", re.IGNORECASE)
_END_TAG = re.compile(r"</[a-zA-Z][^>]*>?")


def inline_page(page: Page) -> str:
    """`page` as one HTML document that renders as the page with its files served beside it does."""
    return _Document(page).inline()


class _Files:
    """The page's files by served path, and the references among them that name one."""

    def __init__(self, page: Page) -> None:
        self.served: dict[str, ServedFile] = page.served

    def find(self, ref: str, base: str) -> tuple[str, str] | None:
        """(served path, fragment) of the file `ref` names from the file at `base`; None when it names none."""
        ref = ref.strip()
        if not ref or ref.startswith("#"):  # the document itself (an SVG paint server, an anchor)
            return None
        parts = urlsplit(urljoin(_ORIGIN + base, ref))
        if f"{parts.scheme}://{parts.netloc}/" != _ORIGIN:
            return None
        # As the renderer's router does: the URL's path, percent-decoded, without its query.
        path = unquote(parts.path).lstrip("/") or DOCUMENT
        return (path, parts.fragment) if path != DOCUMENT and path in self.served else None

    def text(self, path: str) -> str:
        # Served bytes are UTF-8 (text files are encoded so; the browser reads a sheet or script without a
        # charset in the document's encoding, UTF-8 as served), and a BOM is not content.
        return self.served[path].body.decode("utf-8-sig", "replace")

    def data_uri(self, path: str, fragment: str = "", text: str | None = None) -> str:
        """The file at `path` as a `data:` URI; `text`: what to encode instead of its bytes (a rewritten sheet)."""
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"  # what the renderer serves it as
        if self.served[path].text or text is not None:
            mime += ";charset=utf-8"
        body = self.served[path].body if text is None else text.encode("utf-8")
        return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}" + (f"#{fragment}" if fragment else "")

    def asset(self, ref: str, base: str) -> str:
        """`ref` as a `data:` URI when it names a file of the page, else unchanged."""
        found = self.find(ref, base)
        return ref if found is None else self.data_uri(found[0], fragment=found[1])

    def css(self, text: str, base: str, importing: tuple[str, ...] = ()) -> str:
        """A sheet read from `base` with its local `@import`s and `url()`s as `data:` URIs."""
        importing = (*importing, base)

        def rewrite(match: re.Match[str]) -> str:
            found = self.find(match["url"] if match["string"] is None else match["string"], base)
            if found is None:
                return match.group(0)
            if match["import"] is None and match["string"] is None:
                return f'url("{self.data_uri(*found)}")'
            if found[0] in importing:  # a cycle stops where the browser stops it
                return match.group(0)
            return f'@import url("{self.data_uri(found[0], text=self.css(self.text(found[0]), found[0], importing))}")'

        return _CSS_REF.sub(rewrite, text)

    def module(self, text: str, base: str, importing: tuple[str, ...] = ()) -> str:
        """A module's code read from `base` with the specifiers of its local imports as `data:` URIs of those
        modules, rewritten the same way. Inline, a module resolves its imports against the document, not
        the file it came from, and the files are gone: `import "../elements/x.js"` would fail. Equal code
        gives an equal URI, so a module imported from two places is still one module instance."""
        importing = (*importing, base)

        def rewrite(match: re.Match[str]) -> str:
            found = self.find(match["specifier"], base)
            if found is None or found[0] in importing:  # a bare or remote specifier; a cycle stays as written
                return match.group(0)
            code = self.module(self.text(found[0]), found[0], importing)
            return f"{match['keyword']}{match['quote']}{self.data_uri(found[0], text=code)}{match['quote']}"

        return _MODULE_SPECIFIER.sub(rewrite, text)


class _Document(HTMLParser):
    """One pass of the stdlib HTML tokenizer over the document, collecting edits by character offset."""

    # Raw-text and RCDATA elements as the browser (scripting on) tokenizes them: markup inside is text.
    CDATA_CONTENT_ELEMENTS = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                              "noscript")

    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.files = _Files(page)
        self.source = page.html
        self.line_starts = [0] + [i + 1 for i, c in enumerate(self.source) if c == "\n"]
        self.edits: list[tuple[int, int, str]] = []
        """(start, end, replacement) spans of the source, in document order."""
        self.deferred: list[str] = []
        """Inlined classic `defer` scripts, appended to the document in order."""
        self.open: tuple[str, int, list[tuple[str, str | None]]] | None = None
        """A `<script src>` or `<style>` whose end tag is next: tag, where it starts, its attributes."""

    def inline(self) -> str:
        self.feed(self.source)
        self.close()
        if self.open is not None:  # unclosed at the end of the document: it runs to the end
            self._close_element(len(self.source), len(self.source))
        out, last = [], 0
        for start, end, text in self.edits:
            out += [self.source[last:start], text]
            last = end
        return "".join([*out, self.source[last:], *self.deferred])

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        start = self._offset()
        values = dict(attrs)
        src = values.get("src") if tag == "script" else None
        if src and (_deferred(values) or self.files.find(src, DOCUMENT)):
            self.open = (tag, start, attrs)
        elif tag == "script" and _module(values):
            self.open = ("module", start + len(raw), attrs)
        elif tag == "style":
            self.open = (tag, start + len(raw), attrs)
        elif tag == "link" and self._stylesheet(values):
            path = self.files.find(values["href"] or "", DOCUMENT)
            if path is not None:
                css = _STYLE_CLOSE.sub(r"<\\/\1", self.files.css(self.files.text(path[0]), path[0]))
                kept = [(n, v) for n, v in attrs if n not in _FETCH_ATTRS | _LINK_ONLY]
                self.edits.append((start, start + len(raw), f"{_tag('style', kept)}{css}</style>"))
        else:
            self._rewrite_attributes(tag, attrs, raw, start)

    def handle_endtag(self, tag: str) -> None:
        if self.open is not None and (self.open[0] == tag or (self.open[0], tag) == ("module", "script")):
            start = self._offset()
            end_tag = _END_TAG.match(self.source, start)
            self._close_element(start, start + len(end_tag.group(0)) if end_tag else start)

    def _close_element(self, content_end: int, element_end: int) -> None:
        tag, start, attrs = self.open
        self.open = None
        if tag == "style":
            content = self.source[start:content_end]
            self.edits.append((start, content_end, self.files.css(content, DOCUMENT)))
        elif tag == "module":  # an inline module: its local imports
            code = self.files.module(self.source[start:content_end], DOCUMENT)
            self.edits.append((start, content_end, _SCRIPT_CLOSE.sub(r"<\\/\1", code)))
        else:
            self.edits.append((start, element_end, self._script(attrs)))

    def _script(self, attrs: list[tuple[str, str | None]]) -> str:
        """A `<script src>` element's replacement in place: its inline twin when the file is local, ""
        when it is a classic `defer` script, which moves to the end of the document (remote ones too, so
        that deferred scripts keep their order)."""
        values = dict(attrs)
        found = self.files.find(values["src"] or "", DOCUMENT)
        kept = [(n, v) for n, v in attrs if n != "defer"] if _deferred(values) else attrs
        if found is None:
            element = _tag("script", kept) + "</script>"
        elif "<!--" in (code := self.files.text(found[0])) and _SCRIPT_OPEN.search(code):
            # `<!--` then `<script` puts the HTML tokenizer in its double-escaped state, where `</script>` does
            # not end the element: such code stays out of the markup, as a data: URI with the same attributes.
            element = _tag("script", [(n, self.files.data_uri(found[0]) if n == "src" else v) for n, v in kept])
            element += "</script>"
        else:
            if _module(values):
                code = self.files.module(code, found[0])
            code = _SCRIPT_CLOSE.sub(r"<\\/\1", code)
            element = _tag("script", [(n, v) for n, v in kept if n not in _FETCH_ATTRS]) + code + "</script>"
        if _deferred(values):
            self.deferred.append(element)
            return ""
        return element

    def _rewrite_attributes(self, tag: str, attrs: list[tuple[str, str | None]], raw: str, start: int) -> None:
        urls = _ASSET_ATTRS.get(tag, ())
        changed = []
        for name, value in attrs:
            if value is not None and name == "style":
                value = self.files.css(value, DOCUMENT)
            elif value is not None and name in urls:
                value = (_SRCSET_URL.sub(lambda m: m.group(1) + self.files.asset(m.group(2), DOCUMENT), value)
                         if name == "srcset" else self.files.asset(value, DOCUMENT))
            changed.append((name, value))
        if changed != attrs:
            self.edits.append((start, start + len(raw), _tag(tag, changed, raw.rstrip().endswith("/>"))))

    @staticmethod
    def _stylesheet(values: dict[str, str | None]) -> bool:
        rel = (values.get("rel") or "").lower().split()
        # An alternate sheet is off until chosen; inlined as <style> it would apply.
        return "stylesheet" in rel and "alternate" not in rel and bool(values.get("href"))


def _module(values: dict[str, str | None]) -> bool:
    return (values.get("type") or "").strip().lower() == "module"


def _deferred(values: dict[str, str | None]) -> bool:
    """A classic script that runs once the document is parsed (`async` wins over `defer`; modules ignore it)."""
    return "defer" in values and "async" not in values and not _module(values)


def _tag(name: str, attrs: list[tuple[str, str | None]], self_closing: bool = False) -> str:
    parts = "".join(f" {n}" if v is None else f' {n}="{html.escape(v, quote=True)}"' for n, v in attrs)
    return f"<{name}{parts}{' /' if self_closing else ''}>"
