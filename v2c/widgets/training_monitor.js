// TrainingMonitor front end: one small line chart per logged key whose name starts with one of the
// comma-separated prefixes; redrawn whenever the kernel pushes new rows or the filter changes.

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];
const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function fmt(v) {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : (+v.toPrecision(4)).toString();
}

function chart(key, points, colour) {
  // Same layout as svg.line_chart in Python (the static fallback).
  const W = 260, H = 140, L = 50, R = 8, T = 18, B = 18, pw = W - L - R, ph = H - T - B;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "v2c-chart", "data-key": key });
  const last = points.length ? ` = ${fmt(points[points.length - 1][1])}` : "";
  svg.append(svgEl("text", { x: 4, y: 12, "font-size": 11, "font-weight": 600 }, key + last));
  svg.append(svgEl("rect", { x: L, y: T, width: pw, height: ph, fill: "none", stroke: "#ddd" }));
  if (!points.length) return svg;
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x) => L + pw * (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5);
  const sy = (y) => T + ph * (1 - (y - y0) / (y1 - y0));
  svg.append(svgEl("polyline", {
    points: points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "),
    fill: "none", stroke: colour, "stroke-width": 1.6,
  }));
  if (points.length === 1) svg.append(svgEl("circle", { cx: sx(xs[0]), cy: sy(ys[0]), r: 2.5, fill: colour }));
  const label = (x, y, text, anchor = "start") => svg.append(svgEl("text", { x, y, "font-size": 10, fill: "#666", "text-anchor": anchor }, text));
  label(L - 3, T + 9, fmt(y1), "end");
  label(L - 3, T + ph, fmt(y0), "end");
  label(L, H - 4, String(x0));
  label(W - R, H - 4, `step ${x1}`, "end");
  return svg;
}

function render({ model, el: host }) {
  const root = el("div", { class: "v2c-tm" });
  host.append(root);
  const title = el("b");
  const prefix = el("input", { type: "text", class: "v2c-prefix", placeholder: "prefixes, e.g. rewards/, loss (empty: all)" });
  const status = el("span", { class: "v2c-muted v2c-status" });
  const charts = el("div", { class: "v2c-charts" });
  root.append(el("div", { class: "v2c-bar" }, title, prefix, status), charts);

  function draw() {
    const rows = model.get("rows") || [];
    const wanted = (model.get("prefix") || "").split(",").map((p) => p.trim()).filter(Boolean);
    const keys = [];
    for (const row of rows) for (const k of Object.keys(row)) {
      if (k !== "step" && !keys.includes(k) && (!wanted.length || wanted.some((p) => k.startsWith(p)))) keys.push(k);
    }
    title.textContent = model.get("title");
    status.textContent = `${model.get("status")} · ${keys.length} curves`;
    if (document.activeElement !== prefix) prefix.value = model.get("prefix");
    charts.innerHTML = "";
    keys.forEach((key, i) => {
      const points = rows.filter((r) => key in r).map((r) => [r.step, r[key]]);
      charts.append(chart(key, points, PALETTE[i % PALETTE.length]));
    });
    if (!keys.length) charts.append(el("span", { class: "v2c-muted" }, rows.length ? "no key matches the filter" : "no records yet"));
  }

  prefix.onchange = () => { model.set("prefix", prefix.value); model.save_changes(); };
  const events = ["change:rows", "change:prefix", "change:status", "change:title"];
  for (const e of events) model.on(e, draw);
  draw();
  return () => { for (const e of events) model.off(e, draw); };
}

export default { render };
