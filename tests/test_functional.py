"""Functional score: a page passes a step when the step changes it the way it changes the reference.

Five small interactive pages (counter, to-do, tabs, theme select, modal), each with variants: the
same page, dead handlers, wrong behaviour, and a restyle that behaves the same (other fonts,
padding, ~40 px layout offsets, class names, ids and code). Plus the video-only reference, and the
judge-model protocol against a stub OpenAI-compatible server.
"""
from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np
import pytest

from v2c.rewards.functional import (
    PageState, ReferenceVideo, ReplayStates, compare_step, functional_score, score_replay, with_baseline_step,
)
from v2c.rewards.judge import GroundedAction, OpenAIJudge, judge_functional_score, parse_grounded_actions, parse_verdict

VIEWPORT = (512, 384)
FPS = 5.0


def doc(style: str, body: str) -> str:
    return f"<!doctype html><html><head><style>{style}</style></head><body>{body}</body></html>"


BASE = ("body{font:16px/1.4 Arial,sans-serif;margin:24px;color:#222;background:#fff}"
        "button{font:inherit;padding:4px 12px;background:#2563eb;color:#fff;border:0;border-radius:4px}")
# Same colours, other fonts, padding and a ~40 px offset.
RESTYLE = ("body{font:18px/1.6 Georgia,serif;margin:0;padding:64px 0 0 56px;color:#222;background:#fff}"
           ".btn{font:inherit;padding:8px 18px;background:#2563eb;color:#fff;border:0;border-radius:10px}")

# --------------------------------------------------------------------------- counter

COUNTER_SCRIPT = [
    {"action": "click", "t": 0.4, "target": {"role": "button", "name": "+"}},
    {"action": "click", "t": 0.8, "target": {"role": "button", "name": "+"}},
    {"action": "click", "t": 1.2, "target": {"role": "heading", "name": "counter"}},  # changes nothing
    {"action": "click", "t": 1.6, "target": {"role": "button", "name": "+"}},
]


def counter(step: str = "1") -> str:
    handler = f"c.textContent = +c.textContent + {step}" if step else ""
    return doc(BASE, f"<h1>Counter</h1><p>Count: <span id='c'>0</span></p><button onclick=\"{handler}\">+</button>")


COUNTER = {
    "identical": counter(),
    "dead": counter(step=""),
    "wrong": counter(step="2"),
    "restyled": doc(RESTYLE, """<header class='top'><h2 class='title'>Counter</h2></header>
<div class='row'><span class='lbl'>Count:</span> <b class='value'>0</b></div><p><button class='btn plus'>+</button></p>
<script>let n = 0; const v = document.querySelector('.value');
document.querySelector('.plus').addEventListener('click', () => { n += 1; v.textContent = String(n); });</script>"""),
}

# --------------------------------------------------------------------------- to-do

TODO_SCRIPT = [
    {"action": "type", "t": 0.4, "target": {"placeholder": "new task"}, "value": "Buy milk"},
    {"action": "click", "t": 0.8, "target": {"role": "button", "name": "add"}},
    {"action": "type", "t": 1.2, "target": {"placeholder": "new task"}, "value": "Walk the dog"},
    {"action": "click", "t": 1.6, "target": {"role": "button", "name": "add"}},
]


def todo(item: str = "i.value") -> str:
    body = "" if not item else (f"const li = document.createElement('li'); li.textContent = {item};"
                                " list.appendChild(li); i.value = '';")
    return doc(BASE + "input{font:inherit;padding:4px;margin-right:6px}li{margin:4px 0}",
               "<h1>To-do</h1><input id='i' placeholder='New task'><button onclick='add()'>Add</button>"
               f"<ul id='list'></ul><script>let n = 0; function add() {{ n += 1; {body} }}</script>")


TODO = {
    "identical": todo(),
    "dead": todo(item=""),
    "wrong": todo(item="'Task ' + n"),
    "restyled": doc(RESTYLE + ".field{font:inherit;padding:8px;margin-right:10px;width:220px}.items div{padding:6px 0}",
                    """<h2>To-do</h2><form id='f'><input class='field' name='task' placeholder='New task'>
<button class='btn' type='submit'>Add</button></form><div class='items'></div>
<script>const items = []; const f = document.getElementById('f');
f.addEventListener('submit', (e) => { e.preventDefault(); if (!f.task.value) return; items.push(f.task.value);
  f.task.value = ''; document.querySelector('.items').innerHTML = items.map((t) => '<div>' + t + '</div>').join(''); });
</script>"""),
}

# --------------------------------------------------------------------------- tabs

TABS_SCRIPT = [
    {"action": "click", "t": 0.4, "target": {"role": "tab", "name": "specs"}},
    {"action": "click", "t": 0.8, "target": {"role": "tab", "name": "reviews"}},
    {"action": "click", "t": 1.2, "target": {"role": "tab", "name": "overview"}},
]
PANELS = {
    "Overview": "A light tent for two people, packed in a small bag.",
    "Specs": "Weight 1.2 kg. Poles aluminium. Floor 210 by 130 cm.",
    "Reviews": "Five stars from Ana: dry through a storm, easy to pitch.",
}


def tabs(shift: int = 0, dead: bool = False) -> str:
    names = list(PANELS)
    buttons = "".join(f"<button role='tab' onclick='show({k})'>{n}</button> " for k, n in enumerate(names))
    panels = "".join(f"<p class='panel' {'hidden' if k else ''}>{PANELS[n]}</p>" for k, n in enumerate(names))
    act = "" if dead else ("const ps = document.querySelectorAll('.panel');"
                           " const bs = document.querySelectorAll('[role=tab]');"
                           f" ps.forEach((p, j) => p.hidden = j !== (k + {shift}) % 3);"
                           " bs.forEach((b, j) => b.className = j === k ? 'on' : '');")
    return doc(BASE + "[role=tab]{background:#ddd;color:#222}[role=tab].on{background:#2563eb;color:#fff}"
               ".panel{padding:12px;background:#fef3c7}",
               f"<h1>Tent</h1><div>{buttons}</div>{panels}<script>"
               f"document.querySelector('[role=tab]').className = 'on'; function show(k) {{ {act} }}</script>")


TABS = {
    "identical": tabs(),
    "dead": tabs(dead=True),
    "wrong": tabs(shift=1),
    "restyled": doc(RESTYLE + ".tab{font:inherit;border:0;padding:8px 16px;margin:0 6px 10px 0;"
                    "background:#ddd;color:#222}.tab.active{background:#2563eb;color:#fff}#body{padding:20px;background:#fef3c7;width:380px}",
                    "<h2>Tent</h2><nav id='tabs'></nav><section id='body'></section><script>"
                    f"const data = {json.dumps(PANELS)}; let current = 'Overview';"
                    "function draw() { document.getElementById('tabs').innerHTML = Object.keys(data).map((n) =>"
                    " `<button role='tab' class='tab ${n === current ? 'active' : ''}' data-n='${n}'>${n}</button>`)"
                    ".join('');"
                    " document.getElementById('body').textContent = data[current]; }"
                    "document.getElementById('tabs').addEventListener('click', (e) => { const n = e.target.dataset.n;"
                    " if (n) { current = n; draw(); } }); draw();</script>"),
}

# --------------------------------------------------------------------------- theme select

THEME_SCRIPT = [
    {"action": "select", "t": 0.4, "target": {"role": "combobox", "label": "theme"}, "value": "Dark"},
    {"action": "select", "t": 0.8, "target": {"role": "combobox", "label": "theme"}, "value": "Sepia"},
    {"action": "select", "t": 1.2, "target": {"role": "combobox", "label": "theme"}, "value": "Light"},
]
THEMES = {"light": ("#ffffff", "#222222"), "dark": ("#1f2430", "#e6e6e6"), "sepia": ("#f4ecd8", "#5b4636")}
ARTICLE = ("<h1>Reader</h1><p>It was a bright cold day in April, and the clocks were striking thirteen. "
           "Winston Smith slipped quickly through the glass doors of Victory Mansions.</p>")


def theme(themes: dict[str, tuple[str, str]] = THEMES, dead: bool = False) -> str:
    css = "".join(f"body.{n}{{background:{bg};color:{fg}}}" for n, (bg, fg) in themes.items())
    handler = "" if dead else "document.body.className = this.value"
    return doc(BASE + css, f"<label for='th'>Theme</label> <select id='th' onchange=\"{handler}\">"
               "<option value='light'>Light</option><option value='dark'>Dark</option>"
               "<option value='sepia'>Sepia</option>"
               f"</select>{ARTICLE}<script>document.body.className = 'light';</script>")


THEME = {
    "identical": theme(),
    "dead": theme(dead=True),
    "wrong": theme({**THEMES, "dark": THEMES["dark"][::-1]}),  # dark swaps foreground and background
    "restyled": doc(RESTYLE + ":root{--bg:#ffffff;--fg:#222222}[data-theme=dark]{--bg:#1f2430;--fg:#e6e6e6}"
                    "[data-theme=sepia]{--bg:#f4ecd8;--fg:#5b4636}html,body{background:var(--bg);color:var(--fg)}"
                    ".picker{margin-bottom:18px}.picker select{font:inherit;padding:4px}",
                    "<div class='picker'><select aria-label='Theme' class='mode'><option>Light</option>"
                    f"<option>Dark</option><option>Sepia</option></select></div>{ARTICLE.replace('h1', 'h2')}<script>"
                    "document.querySelector('.mode').addEventListener('change', (e) =>"
                    " document.documentElement.dataset.theme = e.target.value.toLowerCase());</script>"),
}

# --------------------------------------------------------------------------- modal

MODAL_SCRIPT = [
    {"action": "click", "t": 0.4, "target": {"role": "heading", "name": "shop"}},  # changes nothing
    {"action": "click", "t": 0.8, "target": {"role": "button", "name": "show details"}},
    {"action": "click", "t": 1.2, "target": {"role": "button", "name": "close"}},
]
MODAL_CSS = ("#overlay{position:fixed;inset:0;background:rgba(0,0,0,.5);display:none}"
             "#overlay.open{display:block}"
             ".box{background:#fff;margin:80px auto;width:300px;padding:16px;border-radius:6px}")


def modal(opens: bool = True, closes: bool = True, heading_opens: bool = False) -> str:
    open_js = "document.getElementById('overlay').classList.add('open')" if opens else ""
    close_js = "document.getElementById('overlay').classList.remove('open')" if closes else ""
    heading = f" onclick=\"{open_js}\"" if heading_opens else ""
    return doc(BASE + MODAL_CSS, f"<h1{heading}>Shop</h1><p>Walking boots, size 42.</p>"
               f"<button onclick=\"{open_js}\">Show details</button><div id='overlay'><div class='box'>"
               f"<h2>Details</h2><p>Leather upper, rubber sole.</p>"
               f"<button onclick=\"{close_js}\">Close</button></div></div>")


MODAL = {
    "identical": modal(),
    "dead": modal(opens=False),
    "wrong": modal(closes=False),
    "spurious": modal(heading_opens=True),
    "restyled": doc(RESTYLE + "dialog{border:0;border-radius:14px;padding:24px;width:320px}"
                    "dialog::backdrop{background:rgba(0,0,0,.5)}",
                    "<h2 class='hd'>Shop</h2><p>Walking boots, size 42.</p>"
                    "<button class='btn js-open'>Show details</button>"
                    "<dialog class='sheet'><h3>Details</h3><p>Leather upper, rubber sole.</p>"
                    "<button class='btn js-close'>Close</button></dialog>"
                    "<script>const d = document.querySelector('dialog');"
                    "document.querySelector('.js-open').onclick = () => d.showModal();"
                    "document.querySelector('.js-close').onclick = () => d.close();</script>"),
}

CASES = {
    "counter": (COUNTER, COUNTER_SCRIPT),
    "todo": (TODO, TODO_SCRIPT),
    "tabs": (TABS, TABS_SCRIPT),
    "theme": (THEME, THEME_SCRIPT),
    "modal": (MODAL, MODAL_SCRIPT),
}


def score_all(pool, case: str):
    """Render the reference once (with its baseline step), then score every variant against it."""
    variants, script = CASES[case]
    duration = max(step["t"] for step in script) + 1.0

    async def run():
        reference = await pool.render_async(variants["identical"], duration, FPS, VIEWPORT, with_baseline_step(script))
        results = await asyncio.gather(*(functional_score(reference, page, script, pool, duration, FPS, VIEWPORT)
                                         for page in variants.values()))
        return dict(zip(variants, results, strict=True))

    return asyncio.run(run())


@pytest.fixture(scope="module")
def results(pool):
    return {case: score_all(pool, case) for case in CASES}


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("case", list(CASES))
def test_the_same_page_scores_one(results, case):
    result = results[case]["identical"]
    assert result.score == 1.0 and all(s > 0.99 for s in result.similarities), result.info()


@pytest.mark.parametrize("case", list(CASES))
def test_a_restyled_page_with_the_same_behaviour_stays_high(results, case):
    result = results[case]["restyled"]
    assert result.score >= 0.8 and result.mean_similarity >= 0.8, result.info()


@pytest.mark.parametrize("case", list(CASES))
def test_dead_handlers_score_low_and_below_wrong_below_restyled(results, case):
    scores = {name: r.score for name, r in results[case].items()}
    assert scores["dead"] <= 0.5, results[case]["dead"].info()
    assert scores["dead"] <= scores["wrong"] < scores["restyled"] <= scores["identical"], scores


def test_dead_handlers_are_reported_as_having_no_effect(results):
    counter = results["counter"]["dead"]
    assert counter.passed == [False, False, True, False]  # the heading click changes nothing either way
    assert "no visible effect" in counter.reasons[0] and "+1" in counter.reasons[0]
    # With no modal opening, its Close button cannot be found.
    modal = results["modal"]["dead"]
    assert modal.passed == [True, False, False] and "target not found" in modal.reasons[2]


def test_a_counter_that_adds_two_fails_on_its_text(results):
    result = results["counter"]["wrong"]
    assert result.passed == [False, False, True, False]
    assert "+2" in result.reasons[0] and "expected" in result.reasons[0] and "+1" in result.reasons[0]
    assert result.steps[0].components["text"] == pytest.approx(1 / 3)


def test_a_todo_item_with_the_wrong_text_fails_though_typing_passes(results):
    result = results["todo"]["wrong"]
    assert result.passed == [True, False, True, False]
    assert "+Task" in result.reasons[1] and "+milk" in result.reasons[1]


def test_tabs_showing_the_wrong_panel_fail(results):
    result = results["tabs"]["wrong"]
    assert not any(result.passed[:2]), result.info()


def test_a_theme_with_swapped_colours_fails_on_colour(results):
    result = results["theme"]["wrong"]
    assert not result.passed[0] and "colours differ" in result.reasons[0]
    assert "text" not in result.steps[0].components  # a theme changes no text: colour decides
    assert result.passed[2], result.info()  # back to light is right again


def test_a_modal_that_does_not_close_or_opens_unasked_fails_that_step(results):
    assert results["modal"]["wrong"].passed == [True, True, False]
    spurious = results["modal"]["spurious"]
    assert not spurious.passed[0] and "changes nothing" in spurious.reasons[0]


def test_info_is_json_friendly(results):
    info = results["todo"]["wrong"].info()
    assert json.loads(json.dumps(info)) == info and len(info["functional_steps"]) == 4


# --------------------------------------------------------------------------- pieces


def test_the_baseline_step_is_a_wait_at_the_first_steps_time():
    script = with_baseline_step([{"action": "click", "t": 0.9, "target": {"text": "b"}},
                                 {"action": "click", "t": 0.3, "target": {"text": "a"}}])
    assert [(s.action, s.t) for s in script] == [("wait", 0.3), ("click", 0.3), ("click", 0.9)]
    assert with_baseline_step([]) == []


def test_a_moved_change_of_the_same_colours_matches_and_other_colours_do_not():
    def frame(x: int, colour: tuple[int, int, int] | None) -> PageState:
        f = np.full((200, 300, 3), 255, np.uint8)
        if colour is not None:
            f[40:90, x:x + 80] = colour
        return PageState("", f)

    blank = frame(0, None)
    ref = compare_step(0, blank, frame(20, (30, 36, 48)), blank, frame(60, (30, 36, 48)))  # moved 40 px
    navy = compare_step(0, blank, frame(20, (30, 36, 48)), blank, frame(20, (20, 40, 140)))
    assert ref.passed and ref.similarity > 0.99
    assert not navy.passed and navy.components["colour"] < 0.3


def test_steps_the_candidate_never_reached_fail_and_failed_reference_steps_are_not_scored():
    frame = np.zeros((20, 20, 3), np.uint8)
    states = [PageState("a", frame), PageState("a b", frame), PageState("a b c", frame)]
    reference = ReplayStates(states, [True, False], ["", "no element matches"])
    stopped = ReplayStates(states[:1], [True], [""], status="timeout")
    result = score_replay(reference, stopped)
    assert result.passed == [False, False] and [s.scored for s in result.steps] == [True, False]
    assert "stopped" in result.reasons[0] and "timeout" in result.reasons[0] and result.score == 0.0


def test_text_similarity_ignores_whitespace_but_not_words_or_case():
    before = PageState("To-do\nAdd", np.zeros((10, 10, 3), np.uint8))
    after = PageState("To-do\nAdd\nBuy milk", np.zeros((10, 10, 3), np.uint8))
    restyled_after = PageState("To-do  Add \t Buy\u00a0  milk", np.zeros((10, 10, 3), np.uint8))
    wrong_after = PageState("To-do\nAdd\nBuy eggs", np.zeros((10, 10, 3), np.uint8))
    shouted_after = PageState("To-do\nAdd\nBUY MILK", np.zeros((10, 10, 3), np.uint8))
    assert compare_step(0, before, after, before, restyled_after).components["text"] == 1.0
    assert compare_step(0, before, after, before, wrong_after).components["text"] == pytest.approx(1 / 3)
    # Case is part of the text: partial credit (one letter of "Buy" in "BUY"), not a pass.
    shouted = compare_step(0, before, after, before, shouted_after)
    assert shouted.components["text"] == pytest.approx((1 / 3) / (4 - 1 / 3)) and not shouted.passed


def test_a_video_reference_uses_frames_only(pool):
    """Reference = the recording of the reference page with its script; states come from its frames."""
    recording = pool.render(THEME["identical"], 2.2, FPS, VIEWPORT, THEME_SCRIPT)
    video = ReferenceVideo(recording.frames, recording.timestamps)

    async def run():
        return await asyncio.gather(*(functional_score(video, THEME[name], THEME_SCRIPT, pool, fps=FPS,
                                                       viewport=VIEWPORT) for name in ("identical", "wrong", "dead")))

    same, wrong, dead = asyncio.run(run())
    assert same.score == 1.0, same.info()
    assert all("text" not in s.components for s in same.steps)
    assert not wrong.passed[0] and wrong.score < same.score
    assert dead.score == 0.0


# --------------------------------------------------------------------------- judge model


def test_actions_and_verdicts_parse_as_in_the_papers_format():
    assert parse_grounded_actions("The + button.\n\\boxed{click[3]}") == [GroundedAction("click", 3)]
    assert parse_grounded_actions("\\boxed{enter[2][Buy milk]}") == [GroundedAction("enter", 2, "Buy milk")]
    assert parse_grounded_actions("\\boxed{select[5][Dark]}") == [GroundedAction("select", 5, "Dark")]
    assert parse_grounded_actions("\\boxed{scroll[]}") == [GroundedAction("scroll")]
    assert parse_grounded_actions("\\boxed{click[1]; click[4]}") == [GroundedAction("click", 1), GroundedAction("click", 4)]
    assert parse_grounded_actions("\\boxed{None}") == [GroundedAction("none")]
    verdict = parse_verdict("Looks right.\n\\score{85}\n\\passed{success}")
    assert (verdict.visual_score, verdict.success) == (85, True)
    assert parse_verdict("\\score{-1}\n\\passed{failed}").success is False
    assert parse_verdict("garbage").success is False


class _StubJudgeServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 answering from the request's content."""

    def __init__(self, verdicts: list[str], fail_first: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.verdicts = list(verdicts)
        self.fail_first = fail_first
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                if stub.fail_first > 0:
                    stub.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = stub.answer(body["messages"][0]["content"])
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, content: list[dict[str, Any]]) -> str:
        prompt = content[0]["text"]
        if "## DOM summary" in prompt:  # grounding: pick the button whose text the step names
            nodes = [json.loads(line) for line in prompt.split("## DOM summary\n", 1)[1].splitlines()]
            name = re.search(r'"name": "([^"]+)"', prompt).group(1)
            match = next(n for n in nodes if n["tag"] == "button" and n["visible_text"].lower() == name)
            return f"The button labelled {name}.\n\\boxed{{click[{match['id']}]}}"
        return self.verdicts.pop(0)

    def __enter__(self) -> "_StubJudgeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def _decode(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)


def test_the_judge_grounds_on_the_rendered_dom_and_its_verdicts_are_the_score(pool, monkeypatch):
    monkeypatch.setenv("V2C_JUDGE_API_KEY", "test-key")
    script = TABS_SCRIPT[:2]
    verdicts = ["Matches.\n\\score{92}\n\\passed{success}", "The panel is wrong.\n\\score{40}\n\\passed{failed}"]
    with _StubJudgeServer(verdicts, fail_first=1) as server:
        judge = OpenAIJudge(base_url=server.url, model="judge-model", timeout=10, retries=2, backoff_s=0.01)
        # The restyled tabs are built (and rebuilt on every click) in script: only the rendered DOM has them.
        result = asyncio.run(judge_functional_score(TABS["identical"], TABS["restyled"], script, pool, judge,
                                                    fps=FPS, viewport=VIEWPORT))
    assert result.passed == [True, False] and result.score == 0.5
    assert result.similarities == [0.92, 0.40] and "panel is wrong" in result.reasons[1]

    requests = server.requests[1:]  # the first was answered 503 and retried
    assert len(server.requests) == 5 and Counter(r["path"] for r in server.requests) == {"/v1/chat/completions": 5}
    assert all(r["auth"] == "Bearer test-key" and r["body"]["model"] == "judge-model" for r in requests)
    grounding, judging = requests[:2], requests[2:]
    for request in grounding:
        content = request["body"]["messages"][0]["content"]
        assert content[0]["type"] == "text" and '"visible_text": "Reviews"' in content[0]["text"]
        assert "selector" not in content[0]["text"]  # the CSS path is ours, not the judge's
        assert [p["type"] for p in content[1:]] == ["image_url"] * 3  # expected before/after, candidate now
    for k, request in enumerate(judging):
        content = request["body"]["messages"][0]["content"]
        images = [_decode(p["image_url"]["url"]) for p in content if p["type"] == "image_url"]
        assert len(images) == 4 and all(im.shape == (384, 512, 3) for im in images)
        # The grounded click was replayed: the candidate's after-frame differs from its before-frame.
        assert np.abs(images[2].astype(int) - images[3]).max() > 100, f"judge request {k} saw no change"


def test_the_judge_reports_a_step_it_cannot_ground(pool):
    class NoMatch:
        def ground(self, dom, description, frames=()):
            return [GroundedAction("none")]

        def verdict(self, description, expected, actual):
            raise AssertionError("an ungrounded step is not judged")

    result = asyncio.run(judge_functional_score(COUNTER["identical"], COUNTER["dead"], COUNTER_SCRIPT[:1], pool,
                                                NoMatch(), fps=FPS, viewport=VIEWPORT))
    assert result.passed == [False] and "no element" in result.reasons[0]


def test_the_judge_endpoint_is_normalised_and_the_key_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("V2C_JUDGE_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "from-openai")
    judge = OpenAIJudge(base_url="http://127.0.0.1:9/v1/")
    assert judge.url == "http://127.0.0.1:9/v1/chat/completions" and judge.api_key == "from-openai"
    assert OpenAIJudge(base_url="http://127.0.0.1:9").url == "http://127.0.0.1:9/v1/chat/completions"
