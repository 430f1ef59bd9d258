"""The env's action grammar on its own (no browser): what it parses, and that hostile text costs a bounded time."""
from __future__ import annotations

import re
import time

import pytest

from v2c.envs.actions import ClipRequest, Code, Finish, Invalid, Patch, apply_patch, parse_action

# The grammar as lazy regexes, the way it was first written: the linear scanners must find the same spans.
LAZY_TOOL = re.compile(r"<(tool|tool_call)>(.*?)</\1>", re.DOTALL)
LAZY_DOC = re.compile(r"(<!doctype html.*?</html\s*>|<html.*?</html\s*>)", re.DOTALL | re.IGNORECASE)
LAZY_SEARCH_REPLACE = re.compile(r"<{5,}\s*SEARCH\s*\n(.*?)\n={5,}\s*\n(.*?)\n?>{5,}\s*REPLACE", re.DOTALL)

ORDINARY = [
    "Sure! <tool>{\"segments\": [{\"start\": 0.5, \"end\": 1}]}</tool> and <tool_call>x</tool_call>",
    "<tool><tool_call>{\"segments\": [{\"start\": 0, \"end\": 2}], \"fps\": 5}</tool_call></tool>",
    "chatter <!DOCTYPE html><html><body>a</body></html > tail <html>b</html>",
    "<HTML><p>x</p></html\n>",
    "<<<<<<< SEARCH\n<p>a</p>\n=======\n<p>b</p>\n>>>>>>> REPLACE\n"
    "text <<<<<<<<  SEARCH  \n\nx\n========\t\ny\n>>>>>>>>\nREPLACE",
    "<<<<<<< SEARCH\nonly an opener\n=======\n",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_linear_scanners_find_what_the_lazy_regexes_found(text):
    from v2c.envs import actions

    assert actions._tool_blocks(text) == [m.group(2) for m in LAZY_TOOL.finditer(text)]
    lazy_doc = LAZY_DOC.search(text)
    assert actions._document(text) == (lazy_doc.group(1) if lazy_doc else None)
    assert actions._search_replace_blocks(text) == tuple(m.groups() for m in LAZY_SEARCH_REPLACE.finditer(text))


def test_the_grammar_still_reads_every_kind_of_action():
    clip = parse_action('Let me look. ```json\n{"name": "request_clip", "arguments": '
                        '{"segments": [{"start": 0.5, "end": 1.5}], "fps": 20}}\n```')
    assert isinstance(clip, ClipRequest) and clip.fps == 20 and clip.segments[0].end == 1.5
    assert isinstance(parse_action(" <finish/> "), Finish)
    assert isinstance(parse_action("```html\n<div>hi</div>\n```"), Code)
    patch = parse_action("<<<<<<< SEARCH\n<p>a</p>\n=======\n<p>b</p>\n>>>>>>> REPLACE")
    assert isinstance(patch, Patch) and patch.blocks == (("<p>a</p>", "<p>b</p>"),)


HOSTILE = {
    "unclosed tool tags": "segments <tool>" * 26_000,
    "unclosed documents": "<html" * 80_000,
    "unclosed doctypes": "<!doctype html" * 28_000,
    "unfinished search blocks": "<<<<<<< SEARCH\n" * 26_000,
    "a run of angle brackets": "segments " + "<" * 399_000,
    "open braces": "segments" + "{" * 399_000,
    "object starts": "segments" + '{"' * 199_000,
    "deep nesting": '{"segments":' + '{"a":[' * 66_000,
    "an integer beyond float": '{"segments": [{"start": 0, "end": ' + "9" * 400 + "}]}",
    "many ranges": '{"segments": [' + ",".join(['{"start": 0, "end": 1e12}'] * 15_000) + '], "fps": 1e308}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_parses_within_a_bound_and_never_raises(name):
    text = HOSTILE[name]
    started = time.perf_counter()
    action = parse_action(text)
    elapsed = time.perf_counter() - started
    # A bound, not a benchmark: each takes well under 0.2 s; the lazy regexes took minutes on the first four.
    assert elapsed < 5.0, (name, elapsed)
    assert isinstance(action, (Invalid, ClipRequest, Code))
    if name == "an integer beyond float":
        assert isinstance(action, Invalid) and "numeric" in action.reason


def test_patches_match_whitespace_insensitively_and_in_linear_time():
    code = "<style>\n  p { color: red }\n</style>\n<p>hi</p>\n"
    loose = apply_patch(code, Patch(blocks=(("p{color:\n red}", "p { color: blue }"),)))
    assert loose.code == "<style>\n  p { color: blue }\n</style>\n<p>hi</p>\n"
    diff = "@@ -1,3 +1,3 @@\n <style>\n-p { color: red }\n+p { color: green }\n </style>\n"
    assert apply_patch(code, Patch(unified_diff=diff)).code == "<style>\np { color: green }\n</style>\n<p>hi</p>\n"
    # A later hunk may match above the previous one (the search wraps around to the top).
    wrapped = apply_patch("a\nb\nc\n", Patch(unified_diff="@@ @@\n-c\n+C\n@@ @@\n-a\n+A\n"))
    assert wrapped.code == "A\nb\nC\n"
    started = time.perf_counter()
    near_misses = [
        apply_patch("a\n" * 200_000, Patch(unified_diff="@@ -1 +1 @@\n" + " a\n" * 50_000 + "-b\n+c\n")),
        apply_patch("a " * 200_000, Patch(blocks=(("a  " * 50_000 + "b", "x"),))),
        apply_patch("a", Patch(blocks=(("x", "y"),) * 1000)),
    ]
    assert time.perf_counter() - started < 5.0  # each is a few ms; comparing at every offset took minutes
    assert [bool(r.error) for r in near_misses] == [True, True, True]
    assert "a patch may have" in near_misses[2].error
