"""Rewards on stochastic animations: the same code drawing from another random stream is the same animation.

The renderer seeds `Math.random` and `crypto` (`RenderConfig.seed`, 0 by default). A particle field, confetti or
a starfield whose code is the reference's but whose random stream differs (rendered at seed 7 against the
reference at seed 0) is what a person would call the same animation, and must score like it: ≥ 0.85 in total
and above every wrong variant of it (2.5× slower, recoloured, frozen, blank), each drawn at seed 7 too.

The flow temporal score compares where motion happens cell by cell, which two random streams do not share; its
pooled comparison (`v2c.rewards.temporal`, "Random content") compares what they do share. Deterministic pages
are covered by tests/test_reward_validity.py and tests/test_reward_validity_real.py.

A dataset's reference is a recording of its page in the browser's own random stream, shipped with the page: there
the scorer knows the page's frames depend on its randomness (`ReferenceClip.depends_on_seed`) and its source, which the recording
shows from another stream, must score as another seed does. ~60 s on 2 cores.
"""
from __future__ import annotations

import pytest

from v2c.envs.tasks.task import Task
from v2c.render import LocalRendererPool, Page, RenderConfig
from v2c.render.network import default_vendor_dir
from v2c.rewards.config import RewardConfig
from v2c.rewards.scorer import Reference, RewardScorer
from v2c.video import write_video

SIZE = (512, 384)
OTHER_SEED = 7


def _loop(speed: float, frozen: bool, draw: str) -> str:
    """A requestAnimationFrame loop advancing `draw` by dt seconds × `speed` (frozen: drawn once, then still)."""
    stop = "if(last>0)return;" if frozen else ""
    return (f"let last=null;function step(ts){{const dt=last===null?0:(ts-last)/1000*{speed};last=ts;{stop}{draw}"
            f"requestAnimationFrame(step);}}requestAnimationFrame(step);")


def _page(background: str, script: str) -> str:
    return (f"<!doctype html><html><body style='margin:0;background:{background}'>"
            f"<canvas id=c width={SIZE[0]} height={SIZE[1]}></canvas><script>"
            f"const g=document.getElementById('c').getContext('2d');{script}</script></body></html>")


def particles(speed: float = 1.0, colour: str = "#e4572e", frozen: bool = False) -> str:
    """70 particles burst from the centre at random angles and speeds, fall a little, and respawn."""
    return _page("#fff", (
        "const P=[];function spawn(p){p.x=256;p.y=192;const a=Math.random()*6.283;const v=40+Math.random()*120;"
        "p.vx=Math.cos(a)*v;p.vy=Math.sin(a)*v;p.r=3+Math.random()*5;p.life=0;}"
        "for(let i=0;i<70;i++){const p={};spawn(p);p.life=Math.random()*2;P.push(p);}"
        + _loop(speed, frozen, (
            f"g.clearRect(0,0,512,384);g.fillStyle='{colour}';for(const p of P){{p.life+=dt;p.x+=p.vx*dt;"
            "p.y+=p.vy*dt;p.vy+=30*dt;if(p.life>2.2||p.x<0||p.x>512||p.y>384)spawn(p);g.beginPath();"
            "g.arc(p.x,p.y,p.r,0,6.283);g.fill();}"))))


def confetti(speed: float = 1.0, colours: tuple[str, ...] = ("#e4572e", "#29335c", "#f3a712", "#669bbc"),
             frozen: bool = False) -> str:
    """60 spinning paper strips of random colours fall from random places and re-enter at the top."""
    palette = ",".join(f"'{c}'" for c in colours)
    return _page("#fafafa", (
        f"const C=[{palette}];const P=[];function spawn(p,top){{p.x=Math.random()*512;"
        "p.y=top?-10:Math.random()*384;p.vy=50+Math.random()*70;p.vx=-20+Math.random()*40;"
        "p.a=Math.random()*6.283;p.w=(Math.random()-0.5)*8;p.c=C[Math.floor(Math.random()*C.length)];"
        "p.s=6+Math.random()*6;}for(let i=0;i<60;i++){const p={};spawn(p,false);P.push(p);}"
        + _loop(speed, frozen, (
            "g.clearRect(0,0,512,384);for(const p of P){p.x+=p.vx*dt;p.y+=p.vy*dt;p.a+=p.w*dt;"
            "if(p.y>394)spawn(p,true);g.save();g.translate(p.x,p.y);g.rotate(p.a);g.fillStyle=p.c;"
            "g.fillRect(-p.s/2,-p.s/4,p.s,p.s/2);g.restore();}"))))


def starfield(speed: float = 1.0, colour: str = "#ffffff", frozen: bool = False) -> str:
    """150 stars at random places fly towards the viewer and respawn far away."""
    return _page("#000", (
        "const S=[];function spawn(s,far){s.x=(Math.random()-0.5)*512;s.y=(Math.random()-0.5)*384;"
        "s.z=far?512:1+Math.random()*511;}for(let i=0;i<150;i++){const s={};spawn(s,false);S.push(s);}"
        + _loop(speed, frozen, (
            f"g.fillStyle='#000';g.fillRect(0,0,512,384);g.fillStyle='{colour}';for(const s of S){{"
            "s.z-=150*dt;if(s.z<1)spawn(s,true);const k=128/s.z;const x=256+s.x*k,y=192+s.y*k;"
            "const r=Math.min(4,0.5+2*k);if(x<0||x>512||y<0||y>384){spawn(s,true);continue;}"
            "g.beginPath();g.arc(x,y,r,0,6.283);g.fill();}"))))


def typed_line(speed: float = 1.0) -> str:
    """A line typed a character at a time, each after 40–60 ms drawn at random (typed.js's "humanize"), the delays
    divided by `speed`."""
    text = "Random rhythm, same words: a person sees the same typing."
    return ("<!doctype html><html><body style='margin:0;background:#fff;font:28px sans-serif'>"
            f"<p id=t style='margin:160px 24px;color:#222'></p><script>const s={text!r};let i=0;"
            "const el=document.getElementById('t');function next(){el.textContent=s.slice(0,++i);"
            f"if(i<s.length)setTimeout(next,(40+Math.random()*20)/{speed});}}setTimeout(next,100);</script>"
            "</body></html>")


BLANK = "<!doctype html><html><body style='margin:0;background:#fff'></body></html>"

PAGES = {
    "particles": (particles, {"colour": "#2a7de1"}),
    "confetti": (confetti, {"colours": ("#2a7de1",) * 4}),
    "starfield": (starfield, {"colour": "#ffd23f"}),
}
WRONG = ("slower_x2.5", "recoloured", "frozen", "blank")


def variants(make, recolour: dict) -> dict[str, str]:
    """The page itself (`other_seed`: rendered in another stream than its reference) and its wrong variants."""
    return {"other_seed": make(), "slower_x2.5": make(speed=1 / 2.5), "recoloured": make(**recolour),
            "frozen": make(frozen=True), "blank": BLANK}


@pytest.fixture(scope="module")
def seeded():
    config = RenderConfig(seed=OTHER_SEED, load_timeout_s=15, frame_timeout_s=5, render_timeout_s=60)
    with LocalRendererPool(size=2, config=config) as other:
        yield other


@pytest.fixture(scope="module")
def results(pool, seeded):
    """page -> variant -> RewardBreakdown: the reference rendered at seed 0, every variant at seed 7."""
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    other = RewardScorer(RewardConfig(), renderer=seeded)
    out = {}
    for name, (make, recolour) in PAGES.items():
        reference = scorer.prepare(Reference(page=Page(make()), duration_s=3.0, fps=10, viewport=SIZE))
        assert reference.clip.depends_on_seed is True  # its render says so: another stream is the same animation
        wanted = variants(make, recolour)
        out[name] = dict(zip(wanted, other.score_many(reference, list(wanted.values()))))
    return out


@pytest.fixture(scope="module")
def recorded_results(pool, seeded, tmp_path_factory):
    """page -> variant -> RewardBreakdown against the page's "recording": its 30 fps render at seed 7 (H.264
    yuv420p), shipped with the page as a dataset sample is (aligned to it, `RewardConfig.align_recording`);
    every variant rendered at seed 0."""
    scorer = RewardScorer(RewardConfig(), renderer=pool, use_disk_cache=False)
    out = {}
    for name, (make, recolour) in PAGES.items():
        recording = seeded.render(make(), 3.0, 30, SIZE)
        assert recording.ok, recording.reason
        path = write_video(tmp_path_factory.mktemp(name) / "animation.mp4", recording.frames, 30)
        task = Task(id=name, kind="animation", page=Page(make()), video=path, duration_s=3.0, fps=10, viewport=SIZE)
        wanted = variants(make, recolour)
        out[name] = dict(zip(wanted, scorer.score_many(task.to_reference(), list(wanted.values()))))
    return out


@pytest.mark.parametrize("name", list(PAGES))
def test_another_random_stream_is_the_same_animation(results, name):
    b = results[name]["other_seed"]
    assert b.total >= 0.85, (name, b.score_dict())
    assert b.scores["temporal"] >= 0.85, (name, b.score_dict())


@pytest.mark.parametrize("name", list(PAGES))
def test_another_random_stream_beats_every_wrong_variant(results, name):
    r = results[name]
    totals = {v: round(b.total, 3) for v, b in r.items()}
    assert all(r["other_seed"].total > r[w].total for w in WRONG), (name, totals)
    # Slower is a timing error: temporal sees it. Recolouring is appearance's business: temporal barely moves.
    t = {v: b.scores["temporal"] for v, b in r.items()}
    assert t["other_seed"] > t["slower_x2.5"] + 0.1, (name, t)
    assert abs(t["recoloured"] - t["other_seed"]) <= 0.05, (name, t)
    assert r["recoloured"].scores["appearance"] < r["other_seed"].scores["appearance"], (name, totals)
    assert r["blank"].total == 0.0 and r["frozen"].scores["temporal"] == 0.0, (name, totals)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_recordings_own_source_is_another_random_stream_of_it(recorded_results, name):
    r = recorded_results[name]
    totals = {v: round(b.total, 3) for v, b in r.items()}
    assert all(b.details.get("reference", {}).get("depends_on_seed") is True for b in r.values()), name
    # Appearance too compares another stream's frames without asking where each thing is drawn.
    assert r["other_seed"].details["appearance"]["layout_free"] is True, name
    assert r["other_seed"].total >= 0.85 and r["other_seed"].scores["temporal"] >= 0.85, (name, totals)
    assert all(r["other_seed"].total > r[w].total for w in WRONG), (name, totals)


def test_a_page_that_draws_randomness_without_showing_it_is_deterministic(pool):
    """jQuery draws a random number at load (its expando) and changes no pixel with it: a render with another seed
    is the same, so an animation that loads it is compared as the deterministic animation it is."""
    jquery = (default_vendor_dir() / "node_modules/jquery/dist/jquery.min.js").read_text()
    spinner = Page("<!doctype html><html><head><script src='jquery.min.js'></script><style>@keyframes s{to{transform:"
                   "rotate(360deg)}}div{width:80px;height:80px;margin:150px auto;background:#2a7de1;animation:s 1s "
                   "linear infinite}</style></head><body><div></div></body></html>", files={"jquery.min.js": jquery})
    drawn = pool.render(spinner, 1.0, 10, SIZE)
    assert drawn.ok and drawn.random_words > 0 and not drawn.blocked_requests, drawn.summary()
    scorer = RewardScorer(RewardConfig(), renderer=pool, use_disk_cache=False)
    assert scorer.prepare(Reference(page=spinner, duration_s=1.0, fps=10, viewport=SIZE)).clip.depends_on_seed is False
    random_page = Reference(page=Page(particles()), duration_s=1.0, fps=10, viewport=SIZE)
    assert scorer.prepare(random_page).clip.depends_on_seed is True


def test_a_line_typed_at_a_random_rhythm_is_timed_where_it_is_typed(pool, seeded):
    """Text typed in place changes without moving, which the pooled comparison's speed measures misread (its ×1.6
    copy read 1.15); the cells, which match it wherever the rhythm differs, time it (`FlowTemporalConfig.
    pooled_cells_content`), and the timing ladder holds against another random stream."""
    scorer = RewardScorer(RewardConfig(), renderer=pool)
    reference = scorer.prepare(Reference(page=Page(typed_line()), duration_s=3.0, fps=10, viewport=SIZE))
    assert reference.clip.depends_on_seed is True
    speeds = (1.0, 1.15, 1.6, 2.5)
    got = RewardScorer(RewardConfig(), renderer=seeded).score_many(reference, [typed_line(1 / k) for k in speeds])
    totals = [round(b.total, 3) for b in got]
    assert totals[0] >= 0.95 and totals == sorted(totals, reverse=True) and len(set(totals)) == 4, totals
    pooled = [b.details["temporal"]["pooled"]["ratio"] for b in got[:3]]
    cells = [b.details["temporal"]["time_scale"]["ratio"] for b in got[:3]]
    assert pooled == cells and pooled[2] > 1.4, (pooled, totals)
