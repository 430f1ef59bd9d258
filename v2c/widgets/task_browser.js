// TaskBrowser front end: a filterable grid of task cards (GIF previews play by themselves) and a
// details panel for the selected task. Everything is built in Python; this only filters and selects.

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function scoreColour(total) {
  // red (0) -> amber (0.5) -> green (1)
  const hue = Math.round(120 * Math.min(1, Math.max(0, total)));
  return `hsl(${hue}, 65%, 38%)`;
}

function render({ model, el: host }) {
  const root = el("div", { class: "v2c-tb" });
  host.append(root);
  const heading = el("b");
  const search = el("input", { type: "search", placeholder: "filter: id, kind, metadata…", class: "v2c-search" });
  const kind = el("select", { class: "v2c-kind" });
  for (const k of ["all kinds", "animation", "interaction"]) kind.append(el("option", { value: k }, k));
  const sort = el("select", { class: "v2c-sort" });
  for (const s of ["source order", "oracle score ↑", "difficulty ↓"]) sort.append(el("option", { value: s }, s));
  const count = el("span", { class: "v2c-muted" });
  const grid = el("div", { class: "v2c-cards" });
  const detail = el("div", { class: "v2c-detail" });
  const report = el("pre");
  root.append(el("div", { class: "v2c-bar" }, heading, search, kind, sort, count), grid, detail, report);

  function matches(card) {
    const q = search.value.trim().toLowerCase();
    if (kind.value !== "all kinds" && card.kind !== kind.value) return false;
    if (!q) return true;
    return JSON.stringify([card.id, card.kind, card.title, card.metadata]).toLowerCase().includes(q);
  }

  function showDetail() {
    const card = (model.get("cards") || []).find((c) => c.id === model.get("selected"));
    detail.innerHTML = "";
    grid.querySelectorAll(".v2c-card").forEach((c) => c.classList.toggle("v2c-on", c.dataset.id === model.get("selected")));
    if (!card) return;
    const rows = [["kind", card.kind], ["source", card.source], ["duration", `${card.duration_s} s at ${card.fps} fps`],
      ["viewport", card.viewport.join("×")], ["difficulty", card.difficulty], ["video", card.video || "—"]];
    if (card.oracle) {
      const scores = { ...card.oracle.scores, total: card.oracle.total };
      const parts = Object.entries(scores).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v.toFixed(3)}`);
      rows.push(["oracle", parts.join(" · ") + (card.oracle.gates.length ? ` · gates ${card.oracle.gates.join(", ")}` : "")]);
    }
    if (card.error) rows.push(["error", card.error]);
    for (const [k, v] of Object.entries(card.metadata || {})) rows.push([k, v === null ? "—" : String(v)]);
    const table = el("table");
    for (const [k, v] of rows) table.append(el("tr", {}, el("th", {}, k), el("td", {}, String(v))));
    const steps = el("ol");
    for (const s of card.interactions || []) steps.append(el("li", {}, s));
    detail.append(el("b", {}, card.id), table);
    if ((card.interactions || []).length) detail.append(el("div", {}, "interactions:"), steps);
  }

  function build() {
    const cards = (model.get("cards") || []).filter(matches);
    if (sort.value === "oracle score ↑") cards.sort((a, b) => (a.oracle ? a.oracle.total : 2) - (b.oracle ? b.oracle.total : 2));
    if (sort.value === "difficulty ↓") cards.sort((a, b) => b.difficulty - a.difficulty);
    heading.textContent = model.get("source_name");
    count.textContent = `${cards.length} of ${(model.get("cards") || []).length} tasks`;
    grid.innerHTML = "";
    for (const card of cards) {
      const node = el("div", { class: "v2c-card", "data-id": card.id });
      if (card.preview) node.append(el("img", { src: card.preview, alt: card.id }));
      node.append(el("b", {}, card.id));
      const line = el("div", {}, `${card.kind} · ${card.duration_s} s · d${card.difficulty} `);
      if (card.error) line.append(el("span", { class: "v2c-error" }, "error"));
      else if (card.oracle) {
        const badge = el("span", { class: "v2c-score", title: "oracle total" }, card.oracle.total.toFixed(2));
        badge.style.background = scoreColour(card.oracle.total);
        line.append(badge);
      } else line.append(el("span", { class: "v2c-muted" }, "no oracle"));
      node.append(line);
      if (card.title) node.append(el("div", { class: "v2c-muted" }, card.title));
      node.onclick = () => { model.set("selected", card.id); model.save_changes(); };
      grid.append(node);
    }
    const text = model.get("report") || "";
    report.textContent = /skipped [1-9]/.test(text) || text.includes("note:") ? text : "";
    showDetail();
  }

  search.oninput = build;
  kind.onchange = build;
  sort.onchange = build;
  model.on("change:cards", build);
  model.on("change:selected", showDetail);
  build();
  return () => { model.off("change:cards", build); model.off("change:selected", showDetail); };
}

export default { render };
