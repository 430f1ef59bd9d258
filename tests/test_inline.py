"""A multi-file source as one document (`v2c.render.inline_page`): what an oracle submits as text renders
as the page served with its files does, so a CodePen-style sample's oracle scores what its source scores.
"""
from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from v2c.agents.evaluate import EvalConfig, run_eval
from v2c.envs.tasks import render_reference
from v2c.envs.tasks.anim2code import load_anim2code
from v2c.render import Page, inline_page
from v2c.rewards import RewardConfig, RewardScorer

A2C = Path(__file__).parent / "fixtures" / "anim2code"


def png(colour: tuple[int, int, int], size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def data_uri(mime: str, body: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


class Elements(HTMLParser):
    """Every element's tag, attributes and (for script and style) text, as a browser's tokenizer sees them."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None], str]] = []
        self.feed(document)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), ""))

    def handle_data(self, data):
        if self.elements and self.elements[-1][0] in ("script", "style") and self.lasttag in ("script", "style"):
            tag, attrs, text = self.elements[-1]
            self.elements[-1] = (tag, attrs, text + data)

    def of(self, tag: str) -> list[tuple[dict[str, str | None], str]]:
        return [(attrs, text) for name, attrs, text in self.elements if name == tag]


# ------------------------------------------------------------------ what is inlined, and how


def test_a_nested_sheet_becomes_a_style_with_its_images_as_data_uris_resolved_from_the_sheet():
    dot = png((46, 204, 113))
    page = Page(html='<head><link rel="stylesheet" href="src/css/style.css" media="screen"></head><body></body>',
                files={"src/css/style.css": ".a{background:url(../img/dot.png)} "
                                            ".b{background:url('/src/img/dot.png#x')}",
                       "src/img/dot.png": dot})
    document = inline_page(page)
    (attrs, css), = Elements(document).of("style")
    assert attrs == {"media": "screen"} and not Elements(document).of("link")
    assert css == (f'.a{{background:url("{data_uri("image/png", dot)}")}} '
                   f'.b{{background:url("{data_uri("image/png", dot)}#x")}}')


def test_a_script_file_is_inlined_with_its_attributes_and_cannot_close_its_element_early():
    code = 'document.body.dataset.msg = "</script><b>not markup</b>"; // </SCRIPT >'
    page = Page(html='<body><script type="module" src="./app.js" async crossorigin></script><p>after</p></body>',
                files={"app.js": code})
    elements = Elements(inline_page(page))
    (attrs, text), = elements.of("script")
    assert attrs == {"type": "module", "async": None}  # fetch attributes go, behaviour attributes stay
    assert text == code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    assert [tag for tag, _, _ in elements.elements] == ["body", "script", "p"]  # `<b>` stayed inside the script


def test_a_deferred_script_moves_to_the_end_in_order_with_the_remote_ones():
    page = Page(html='<head><script defer src="https://cdn.jsdelivr.net/npm/gsap@3/dist/gsap.min.js"></script>'
                     '<script defer src="src/app.js"></script></head><body><div id=box></div></body>',
                files={"src/app.js": "gsap.to('#box', {x: 10});"})
    document = inline_page(page)
    assert document.index('<div id=box>') < document.index("gsap.min.js") < document.index("gsap.to(")
    assert "defer" not in document


def test_images_style_attributes_and_imports_become_data_uris_and_remote_urls_stay():
    red, blue = png((255, 0, 0)), png((0, 0, 255))
    remote = ('<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/animate.css/4.1.1/animate.min.css">'
              '<script src="//cdn.jsdelivr.net/npm/animejs@3/lib/anime.min.js"></script>'
              '<img src="https://picsum.photos/40/40"><img src="data:image/gif;base64,R0lGOD==">')
    page = Page(html=f'<head>{remote}<style>@import "more.css"; body{{background:url(img/red.png)}}</style></head>'
                     '<body><img src="img/red.png" srcset="img/red.png 1x, img/blue.png 2x" alt="a &amp; b">'
                     '<div style="background-image:url(\'img/blue.png\')"></div><img src="missing.png">'
                     '<textarea><img src="img/red.png"></textarea></body>',
                files={"more.css": "p{background:url(img/blue.png)}", "img/red.png": red, "img/blue.png": blue})
    document = inline_page(page)
    assert remote in document and '<img src="missing.png">' in document  # not files of the page: as written
    assert '<textarea><img src="img/red.png"></textarea>' in document  # text, not an element
    elements = Elements(document)
    inlined = [attrs for attrs, _ in elements.of("img") if attrs.get("alt")]
    assert inlined == [{"src": data_uri("image/png", red), "alt": "a & b",
                        "srcset": f"{data_uri('image/png', red)} 1x, {data_uri('image/png', blue)} 2x"}]
    (div,) = [attrs for tag, attrs, _ in elements.elements if tag == "div"]
    assert div["style"] == f'background-image:url("{data_uri("image/png", blue)}")'
    (_, css), = elements.of("style")
    imported = f'p{{background:url("{data_uri("image/png", blue)}")}}'.encode()
    assert css == (f'@import url("{data_uri("text/css;charset=utf-8", imported)}"); '
                   f'body{{background:url("{data_uri("image/png", red)}")}}')


def test_a_single_file_page_is_returned_as_it_is():
    html = '<!doctype html><html><body><img src="a.png"><script src="x.js"></script></body></html>'
    assert inline_page(Page(html=html)) == html


# ------------------------------------------------------------------ end to end: the renderer and the oracle


def synthetic_page() -> Page:
    """Everything at once: a nested sheet importing another, images by CSS and <img>, a deferred script in
    the head that needs the body, a module, a classic script at the end."""
    return Page(
        html='<!doctype html><html><head><link rel="stylesheet" href="src/css/main.css">'
             '<script defer src="src/js/late.js"></script></head><body>'
             '<div id="box"></div><img id="pic" src="src/img/blue.png" width="20" height="20">'
             '<script type="module" src="src/js/mod.js"></script><script src="src/js/app.js"></script></body></html>',
        files={"src/css/main.css": '@import "parts/box.css";\n'
                                   'body{margin:0;background:url(../img/red.png) 0 0/8px 8px}',
               "src/css/parts/box.css": "#box{width:40px;height:40px;background:url('../../img/blue.png');"
                                        "animation:go 1s linear both}@keyframes go{to{transform:translateX(60px)}}",
               "src/js/late.js": "document.getElementById('box').style.borderRadius = '8px'; var tag = '</script>';",
               "src/js/mod.js": "document.getElementById('pic').style.marginLeft = '30px';",
               "src/js/app.js": "document.body.style.outline = '3px solid #0a0';",
               "src/img/red.png": png((200, 30, 30)), "src/img/blue.png": png((30, 30, 200))})


def module_graph_page() -> Page:
    """A web component the way `ldrs` ships them: a module file that imports its element from a sibling folder,
    which imports a shared base (imported twice: it must stay one module), and an inline module that imports
    a file too."""
    return Page(
        html='<!doctype html><html><body style="margin:0"><spin-box></spin-box>'
             '<script type="module" src="lib/auto/spin.js"></script>'
             '<script type="module">import { mark } from "./lib/base.js"; mark("inline");</script></body></html>',
        files={"lib/auto/spin.js": 'import { SpinBox } from "../elements/spin.js";\n'
                                   'import { mark } from "../base.js";\ncustomElements.define("spin-box", SpinBox); mark("auto");',
               "lib/elements/spin.js": 'import { Base } from "../base.js";\nexport class SpinBox extends Base {}',
               "lib/base.js": 'let marks = 0;\nexport function mark() { marks += 1; document.body.dataset.marks = marks; '
                              'document.body.style.borderTop = `${10 * marks}px solid #0a0`; }\n'
                              'export class Base extends HTMLElement { constructor() { super();'
                              ' this.attachShadow({mode: "open"}).innerHTML = "<style>@keyframes r{to{transform:rotate(1turn)}}'
                              ' div{width:40px;height:40px;margin:20px;background:#e4572e;animation:r 1s linear infinite}'
                              '</style><div></div>"; } }'})


def test_module_imports_become_data_uris_of_their_modules_rewritten_alike():
    inlined = inline_page(module_graph_page())
    assert "../elements/spin.js" not in inlined and "./lib/base.js" not in inlined and inlined.count("<script") == 2


@pytest.mark.parametrize("name", ["codepen-bob-slide", "codepen-alice-spin", "synthetic", "modules"])
def test_the_inlined_page_renders_frame_for_frame_as_the_multi_file_page(pool, name):
    pages = {"synthetic": synthetic_page, "modules": module_graph_page}
    page = pages[name]() if name in pages else load_anim2code(A2C).get(name).page
    assert page.files  # the sample really is several files
    served, inlined = (pool.render(p, 1.5, 10.0, (200, 120)) for p in (page, Page(html=inline_page(page))))
    assert served.ok and inlined.ok, (served.reason, inlined.reason)
    assert not inlined.blocked_requests and not inlined.page_errors, (inlined.blocked_requests, inlined.page_errors)
    assert np.array_equal(served.frames, inlined.frames)
    assert len(np.unique(served.frames[-1].reshape(-1, 3), axis=0)) > 2  # styled: not a blank page


def test_the_oracle_of_a_multi_file_sample_scores_what_its_source_scores_in_eval(backend, pool, tmp_path):
    rows = run_eval(EvalConfig(agents=("oracle",), tasks=str(A2C), limit=2, out=str(tmp_path), videos=False,
                               obs_size=(64, 48)), backend=backend)
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    for task, row in zip(load_anim2code(A2C), rows):
        assert row["task_id"] == task.id and row["render_status"] == "ok" and not row["gates"], row
        served = scorer.score(task.to_reference(video=render_reference(task, pool)), task.cheat())
        assert row["total"] == pytest.approx(served.total, abs=1e-6) and row["total"] > 0.85, (row, served.total)
