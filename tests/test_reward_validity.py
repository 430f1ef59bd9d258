"""Metric validity on rendered pages: the rewards rank candidates the way a person would.

One reference animation and systematic variants of it. Each assertion is an ordering that a broken
metric would violate; together they cover the properties RL needs: graded (a slope, not a cliff),
position-invariant, and sensitive to the right thing (timing → temporal, colour → appearance).
"""
from __future__ import annotations

import pytest

from v2c.rewards.config import RewardConfig
from v2c.rewards.scorer import Reference, RewardScorer
from v2c.render import Page


def animation(duration: float = 2.0, easing: str = "ease-in-out", colour: str = "rgb(220,40,40)",
              left: int = 60, top: int = 150, technique: str = "css", direction: str = "normal",
              static: bool = False) -> str:
    """A box that slides 240 px right while turning 90°, with a label that stays put."""
    frames = "[{transform:'translateX(0) rotate(0deg)'},{transform:'translateX(240px) rotate(90deg)'}]"
    box = f"position:absolute;left:{left}px;top:{top}px;width:60px;height:60px;background:{colour};border-radius:8px"
    if static:
        body = f"<div style='{box}'></div>"
    elif technique == "css":
        body = (f"<style>@keyframes go{{from{{transform:translateX(0) rotate(0deg)}}to{{transform:translateX(240px)"
                f" rotate(90deg)}}}}</style><div style='{box};animation:go {duration}s {easing} 0s 1 {direction} both'></div>")
    else:
        body = (f"<div id=b style='{box}'></div><script>document.getElementById('b').animate({frames},"
                f"{{duration:{duration * 1000},easing:'{easing}',fill:'both',direction:'{direction}'}})</script>")
    return (f"<!doctype html><html><body style='margin:0;background:#f4f4f0;font:16px sans-serif'>"
            f"<p style='position:absolute;left:{left}px;top:{top - 60}px'>Slide</p>{body}</body></html>")


@pytest.fixture(scope="module")
def scores(pool):
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    reference = scorer.prepare(Reference(page=Page(animation()), duration_s=3.0, fps=10, viewport=(512, 384)))
    variants = {
        "identical": animation(),
        "waapi_rewrite": animation(technique="waapi"),
        "shifted_40px": animation(left=100, top=190),
        "slower_x1.1": animation(duration=2.2),
        "slower_x1.6": animation(duration=3.2),
        "slower_x2.5": animation(duration=5.0),
        "linear_easing": animation(easing="linear"),
        "reversed": animation(direction="reverse"),
        "slight_tint": animation(colour="rgb(225,60,50)"),
        "recoloured": animation(colour="rgb(30,90,230)"),
        "static": animation(static=True),
        "blank": "<!doctype html><html><body style='margin:0;background:#f4f4f0'></body></html>",
    }
    results = scorer.score_many(reference, list(variants.values()))
    return dict(zip(variants, results))


def test_identical_and_equivalent_pages_score_about_one(scores):
    for name in ("identical", "waapi_rewrite"):
        b = scores[name]
        assert b.scores["appearance"] > 0.97 and b.scores["temporal"] > 0.95 and b.total > 0.96, (name, b.score_dict())


def test_position_invariance(scores):
    b = scores["shifted_40px"]
    assert b.scores["appearance"] > 0.9 and b.scores["temporal"] > 0.9, b.score_dict()


def test_timing_errors_hit_temporal_more_than_appearance_and_are_graded(scores):
    for name in ("slower_x1.6", "linear_easing", "reversed"):
        b = scores[name]
        assert (1 - b.scores["temporal"]) > (1 - b.scores["appearance"]) + 0.05, (name, b.score_dict())
    t = [scores[n].scores["temporal"] for n in ("identical", "slower_x1.1", "slower_x1.6", "slower_x2.5")]
    assert t[0] > t[1] > t[2] > t[3], t
    totals = [scores[n].total for n in ("identical", "slower_x1.1", "slower_x1.6", "slower_x2.5")]
    assert totals[0] > totals[1] > totals[2] > totals[3], totals


def test_colour_errors_hit_appearance_more_than_temporal_and_are_graded(scores):
    b = scores["recoloured"]
    assert (1 - b.scores["appearance"]) > (1 - b.scores["temporal"]) + 0.03, b.score_dict()
    assert scores["identical"].scores["appearance"] > scores["slight_tint"].scores["appearance"] > scores["recoloured"].scores["appearance"]


def test_static_and_blank_pages_are_gated(scores):
    assert scores["static"].scores["temporal"] == 0 and [g.name for g in scores["static"].gates] == ["static"]
    assert scores["blank"].total == 0 and scores["blank"].gates[0].name == "blank"
    assert scores["blank"].total == min(b.total for b in scores.values())
    assert scores["static"].total < scores["slower_x2.5"].total


def changing_text(slower: float = 1.0) -> str:
    """Text that changes over time, as counters and typing effects do: an eased number counter timed by rAF
    timestamps, one counted in rAF calls (countUp-style frame budgets), and a line typed by a timer."""
    return f"""<!doctype html><html><body style='margin:0;background:#fff;font:bold 48px sans-serif;color:#264653'>
<div id=a style='position:absolute;left:60px;top:30px'>0</div><div id=b style='position:absolute;left:60px;top:120px'>0</div>
<div id=t style='position:absolute;left:40px;top:240px;font-size:30px'></div><script>
const a = document.getElementById('a'), b = document.getElementById('b'), t = document.getElementById('t');
let t0 = null;
(function eased(now) {{ if (now !== undefined) {{ t0 = t0 === null ? now : t0;
  const p = Math.min(1, (now - t0) / (2000 * {slower})); a.textContent = Math.round((1 - (1 - p) ** 2) * 12345).toLocaleString('en-US');
  if (p === 1) return; }} requestAnimationFrame(eased); }})();
let f = 0; const frames = Math.round(120 * {slower});
(function counted() {{ f++; b.textContent = Math.round((1 - (1 - Math.min(1, f / frames)) ** 3) * 98765).toLocaleString('en-US');
  if (f < frames) requestAnimationFrame(counted); }})();
const line = 'Hello, video to code!'; let i = 0;
(function type() {{ t.textContent = line.slice(0, ++i); if (i < line.length) setTimeout(type, 90 * {slower}); }})();
</script></body></html>"""


def test_text_that_changes_over_time_has_a_monotone_timing_ladder(pool):
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    reference = scorer.prepare(Reference(page=Page(changing_text()), duration_s=3.0, fps=10, viewport=(512, 384)))
    temporal = [scorer.score(reference, changing_text(k)).scores["temporal"] for k in (1.0, 1.15, 1.6, 2.5)]
    assert temporal[0] > 0.99 and temporal[0] > temporal[1] > temporal[2] > temporal[3], temporal
    assert temporal[0] - temporal[1] < temporal[0] - temporal[3] - 0.2, temporal  # ×1.15 costs far less than ×2.5
