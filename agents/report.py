"""`report.html` of an evaluation: mean and per-task scores, static-output rate, videos side by side.

One self-contained HTML file beside a `videos/` folder (linked, not embedded, so the page stays
small): a summary table per agent, then one row per task with the reference video and every
agent's final page, each with its scores.
"""
from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top}th{background:#f4f4f4}
td.l,th.l{text-align:left}video{display:block;width:256px;background:#000}.s{font-size:12px;color:#555}
.bad{color:#b00}figure{margin:0}
"""


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else html.escape(str(value))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _video(src: str | None) -> str:
    if not src:
        return "<div class='s'>no video</div>"
    return f"<video src='{html.escape(src)}' autoplay loop muted playsinline></video>"


def write_report(path: Path, rows: list[dict[str, Any]], summary: dict[str, dict[str, Any]],
                 videos: dict[str, dict[str, str]], config: Any) -> Path:
    """Write the report and return its path."""
    agents = list(summary)
    names = list(dict.fromkeys(name for s in summary.values() for name in s["scores"]))
    head = ("<tr><th class='l'>agent</th><th>tasks</th><th>total</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in names)
            + "<th>static output</th><th>render failed</th><th>no page</th><th>errors</th></tr>")
    lines = [f"<tr><td class='l'>{html.escape(a)}</td><td>{s['tasks']}</td><td><b>{_num(s['total'])}</b></td>"
             + "".join(f"<td>{_num(s['scores'].get(n))}</td>" for n in names)
             + f"<td>{_pct(s['static_rate'])}</td><td>{_pct(s['render_fail_rate'])}</td><td>{_pct(s['no_page_rate'])}"
             f"</td><td>{s['errors']}</td></tr>" for a, s in summary.items()]
    by_task: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], {})[row["agent"]] = row
    task_head = "<tr><th class='l'>task</th><th class='l'>reference</th>" + "".join(
        f"<th class='l'>{html.escape(a)}</th>" for a in agents) + "</tr>"
    task_lines = []
    for task_id, cells in by_task.items():
        media = videos.get(task_id, {})
        parts = [f"<td class='l'>{html.escape(task_id)}</td><td class='l'>{_video(media.get('reference'))}</td>"]
        for agent in agents:
            row = cells.get(agent)
            if row is None:
                parts.append("<td></td>")
                continue
            gates = ", ".join(row["gates"] or [])
            note = f"<div class='bad'>{html.escape(row['error'])}</div>" if row.get("error") else ""
            if row.get("answer") and not row["answer"].lstrip().startswith("<"):  # model answers, not pages
                note += f"<div class='s'>answer: <code>{html.escape(row['answer'][:80])}</code></div>"
            parts.append(
                f"<td class='l'><figure>{_video(media.get(agent))}<figcaption><b>{_num(row['total'])}</b>"
                f"<span class='s'> {' · '.join(f'{n[:3]} {_num(v)}' for n, v in row['scores'].items())}"
                f"{' · static' if row['static'] else ''}"
                f"{' · ' + html.escape(gates) if gates else ''}</span>{note}</figcaption></figure></td>")
        task_lines.append("<tr>" + "".join(parts) + "</tr>")
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>v2c eval: {html.escape(str(config.tasks))}</title>"
        f"<style>{_STYLE}</style></head><body><h1>v2c eval</h1>"
        f"<p class='s'>tasks <code>{html.escape(str(config.tasks))}</code> (limit {config.limit}), reward "
        f"<code>{html.escape(config.reward)}</code>, {time.strftime('%Y-%m-%d %H:%M')}. Scores are the final page's; "
        "static output = a rendered page that never changes (Animation2Code's failure rate), over rendered pages."
        f"</p><h2>Mean scores</h2><table>{head}{''.join(lines)}</table>"
        f"<h2>Per task</h2><table>{task_head}{''.join(task_lines)}</table>"
        "<p class='s'>results.json and results.csv hold every row.</p></body></html>")
    path.write_text(body, encoding="utf-8")
    return path
