"""`ScoreTable`: reward breakdowns side by side, each score drawn as a bar in its cell.

    ScoreTable({"oracle": breakdown, "blank": other_breakdown})     # RewardBreakdown or its to_dict()

Plain HTML (`_repr_html_`), so it shows the same with or without a kernel; the metrics and evaluate
notebooks use it to compare variants and agents.
"""
from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

from .svg import colour

def _as_row(breakdown: Any) -> dict[str, Any]:
    """A breakdown (or its `to_dict()`, or an evaluation summary) as one flat row: every score by name, then
    the other numbers (`total`, rates) and `gates`."""
    data = breakdown.to_dict() if hasattr(breakdown, "to_dict") else breakdown
    numbers = {k: v for k, v in data.items() if k != "scores" and (v is None or isinstance(v, (int, float)))}
    return {**data.get("scores", {}), **numbers, "gates": data.get("gates", [])}


class ScoreTable:
    """Rows of scores in [0, 1] (one per label) with a bar per cell, and the gates that fired."""

    def __init__(self, rows: Mapping[str, Any], columns: Sequence[str] | None = None, title: str = "") -> None:
        self.rows = {label: _as_row(b) for label, b in rows.items()}
        if columns is None:  # every score any row has, then the total
            columns = [*dict.fromkeys(k for r in self.rows.values() for k in r if k not in ("total", "gates")), "total"]
        # A column nobody has (functional on pure animations) is left out rather than shown empty.
        self.columns = [c for c in columns if any(r.get(c) is not None for r in self.rows.values())]
        self.title = title

    def _cell(self, value: Any, column: str, index: int) -> str:
        if value is None:
            return "<td style='color:#999'>–</td>"
        v = float(value)
        width = max(0.0, min(1.0, v)) * 80
        return (f"<td style='white-space:nowrap'><span style='display:inline-block;width:{width:.0f}px;height:9px;"
                f"background:{colour(column, index)};margin-right:4px'></span>{v:.3f}</td>")

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(c)}</th>" for c in self.columns)
        body = []
        for label, row in self.rows.items():
            gates = ", ".join(g["name"] if isinstance(g, Mapping) else str(g) for g in row.get("gates", []))
            cells = "".join(self._cell(row.get(c), c, i) for i, c in enumerate(self.columns))
            body.append(f"<tr><td style='padding:2px 8px'>{escape(label)}</td>{cells}"
                        f"<td style='color:#b35c00'>{escape(gates)}</td></tr>")
        title = f"<caption style='text-align:left;font-weight:600'>{escape(self.title)}</caption>" if self.title else ""
        return (f"<table style='border-collapse:collapse;font:12px system-ui,sans-serif'>{title}<tr><th></th>{head}"
                f"<th style='text-align:left'>gates</th></tr>{''.join(body)}</table>")

    def __repr__(self) -> str:
        lines = [f"{'':28}" + "".join(f"{c:>12}" for c in self.columns)]
        for label, row in self.rows.items():
            cells = "".join(f"{'-':>12}" if row.get(c) is None else f"{row[c]:>12.3f}" for c in self.columns)
            lines.append(f"{label[:28]:28}{cells}")
        return "\n".join(lines)
