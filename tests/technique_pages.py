"""Test pages: the same motion written with each animation technique.

Each moves a red 40 px box from x=0 to x=200 px over 2 s, linearly, so a frame at time t must show
the box at x = 200·min(t/2, 1) whatever the technique: the renderer's exactness and determinism
tests use them, and they are small worked examples of each technique.
"""
from __future__ import annotations

BOX = "position:absolute;left:0;top:40px;width:40px;height:40px;background:rgb(255,0,0)"
SHELL = "<!doctype html><html><head><style>body{{margin:0;background:#fff}}{css}</style></head><body>{body}</body></html>"


def page(body: str, css: str = "") -> str:
    return SHELL.format(css=css, body=body)


TECHNIQUES: dict[str, str] = {
    "css_keyframes": page(
        f"<div id=box style='{BOX};animation:slide 2s linear forwards'></div>",
        "@keyframes slide{from{transform:translateX(0)}to{transform:translateX(200px)}}",
    ),
    "css_transition": page(
        f"<div id=box style='{BOX};transition:transform 2s linear'></div>"
        "<script>requestAnimationFrame(()=>{document.getElementById('box').style.transform='translateX(200px)'})</script>",
    ),
    "waapi": page(
        f"<div id=box style='{BOX}'></div>"
        "<script>document.getElementById('box').animate([{transform:'translateX(0)'},{transform:'translateX(200px)'}],"
        "{duration:2000,easing:'linear',fill:'forwards'})</script>",
    ),
    "raf_performance_now": page(
        f"<div id=box style='{BOX}'></div>"
        "<script>const b=document.getElementById('box');const t0=performance.now();"
        "function f(t){const p=Math.min((t-t0)/2000,1);b.style.transform=`translateX(${200*p}px)`;requestAnimationFrame(f)}"
        "requestAnimationFrame(f)</script>",
    ),
    "timers_date_now": page(
        f"<div id=box style='{BOX}'></div>"
        "<script>const b=document.getElementById('box');const t0=Date.now();"
        "setInterval(()=>{const p=Math.min((Date.now()-t0)/2000,1);b.style.transform=`translateX(${200*p}px)`},10)</script>",
    ),
    "canvas": page(
        "<canvas id=c width=512 height=384 style='position:absolute;left:0;top:0'></canvas>"
        "<script>const c=document.getElementById('c').getContext('2d');"
        "function f(t){c.clearRect(0,0,512,384);c.fillStyle='rgb(255,0,0)';c.fillRect(200*Math.min(t/2000,1),40,40,40);"
        "requestAnimationFrame(f)}requestAnimationFrame(f)</script>",
    ),
}
