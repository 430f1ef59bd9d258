// EpisodeViewer front end: plays the reference and the selected candidate in sync on two canvases,
// draws the temporal score's point tracks over them, and swaps the per-version panels (charts and
// diffs arrive as ready-made SVG/HTML from Python, so the static fallback shows the same thing).

const TRAIL = 6; // frames of track history drawn behind each point
const HUES = [210, 30, 120, 0, 175, 290, 330, 60, 260, 95];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "html") node.innerHTML = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function loadImages(urls) {
  return (urls || []).map((url) => { const img = new Image(); img.src = url; return img; });
}

function drawTracks(ctx, tracks, frame) {
  tracks.forEach((track, k) => {
    const colour = `hsl(${HUES[k % HUES.length]}, 90%, 45%)`;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let drawing = false;
    for (let f = Math.max(0, frame - TRAIL); f <= Math.min(frame, track.length - 1); f++) {
      const p = track[f];
      if (!p) { drawing = false; continue; }
      if (drawing) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]);
      drawing = true;
    }
    ctx.stroke();
    const p = track[Math.min(frame, track.length - 1)];
    if (p) { ctx.beginPath(); ctx.arc(p[0], p[1], 2.5, 0, 2 * Math.PI); ctx.fill(); }
  });
}

function setPlayhead(container, t) {
  // Charts carry their plot geometry as data-x0/x1/t0/t1 (see v2c/widgets/svg.py).
  container.querySelectorAll("svg[data-x0]").forEach((svg) => {
    const x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, t0 = +svg.dataset.t0, t1 = +svg.dataset.t1;
    const x = x0 + (x1 - x0) * Math.min(1, Math.max(0, (t - t0) / (t1 - t0 || 1)));
    let line = svg.querySelector("line.playhead");
    if (!line) {
      line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("class", "playhead");
      svg.append(line);
    }
    const h = svg.viewBox.baseVal ? svg.viewBox.baseVal.height : 150;
    line.setAttribute("x1", x); line.setAttribute("x2", x);
    line.setAttribute("y1", 0); line.setAttribute("y2", h - 16);
  });
}

function render({ model, el: host }) {
  const root = el("div", { class: "v2c-ev" });
  host.append(root);
  let data, refImages, versionImages, frame = model.get("frame") || 0, timer = null;

  const title = el("b");
  const summary = el("span", { class: "v2c-muted" });
  const refCanvas = el("canvas", { class: "v2c-ref", "data-role": "reference" });
  const candCanvas = el("canvas", { class: "v2c-cand", "data-role": "candidate" });
  const candCaption = el("figcaption");
  const playButton = el("button", { class: "v2c-play", title: "play / pause" });
  const slider = el("input", { type: "range", min: "0", value: "0", class: "v2c-slider" });
  const clock = el("span", { class: "v2c-muted v2c-clock" });
  const speed = el("select", { class: "v2c-speed", title: "speed" });
  for (const s of [0.25, 0.5, 1, 2]) speed.append(el("option", { value: String(s) }, `${s}×`));
  const tracksBox = el("input", { type: "checkbox", class: "v2c-tracks-toggle" });
  const stepsRow = el("div", { class: "v2c-steps" });
  const barsBox = el("div", { class: "v2c-bars-box" });
  const scoreLine = el("div");
  const curveBox = el("div", { class: "v2c-curve-box" });
  const timelineBox = el("div", { class: "v2c-timeline-box" });
  const clipsBox = el("div", { class: "v2c-clips" });
  const diff = el("pre", { class: "v2c-diff" });
  const diffTitle = el("summary");
  const actions = el("table");

  root.append(
    el("div", { class: "v2c-head" }, title, summary),
    el("div", { class: "v2c-videos" },
      el("figure", {}, el("figcaption", {}, "reference"), refCanvas),
      el("figure", {}, candCaption, candCanvas)),
    el("div", { class: "v2c-controls" }, playButton, slider, clock, speed,
      el("label", {}, tracksBox, " tracks")),
    el("div", { class: "v2c-steps" }, el("span", { class: "v2c-muted" }, "code versions:"), stepsRow),
    el("div", { class: "v2c-panels" }, el("div", {}, barsBox, scoreLine), curveBox),
    timelineBox,
    clipsBox,
    el("details", { open: "" }, diffTitle, diff),
    el("details", {}, el("summary", {}, "actions and feedback"), actions),
  );

  const version = () => (data.versions || []).find((v) => v.step === model.get("step"));
  const nFrames = () => Math.max(1, data.n_frames || refImages.length);

  function drawCanvas(canvas, images, tracks, f) {
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!images.length) {
      ctx.fillStyle = "#888"; ctx.font = "12px sans-serif";
      ctx.fillText("no candidate", 10, 20);
      return;
    }
    const img = images[Math.min(f, images.length - 1)];
    if (img.complete && img.naturalWidth) ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    else img.onload = () => draw();
    if (model.get("show_tracks") && tracks && tracks.length) drawTracks(ctx, tracks, f);
  }

  function draw() {
    const v = version();
    drawCanvas(refCanvas, refImages, data.reference.tracks, frame);
    drawCanvas(candCanvas, v ? versionImages.get(v.step) : [], v ? v.tracks : [], frame);
    slider.value = String(frame);
    const t = frame / data.fps;
    clock.textContent = `${t.toFixed(2)} s / ${(nFrames() / data.fps).toFixed(2)} s · frame ${frame + 1}/${nFrames()}`;
    setPlayhead(curveBox, t + 0.5 / data.fps);
    setPlayhead(timelineBox, t);
    refCanvas.dataset.frame = String(frame);
    candCanvas.dataset.frame = String(frame);
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    const playing = model.get("playing");
    playButton.textContent = playing ? "❚❚ pause" : "▶ play";
    if (playing) {
      const interval = 1000 / (data.fps * (model.get("speed") || 1));
      timer = setInterval(() => { frame = (frame + 1) % nFrames(); draw(); }, Math.max(10, interval));
    }
  }

  function showVersion() {
    const v = version();
    candCaption.textContent = v ? `candidate · ${v.label}` : "candidate";
    stepsRow.querySelectorAll("button").forEach((b) => b.classList.toggle("v2c-on", +b.dataset.step === model.get("step")));
    barsBox.querySelectorAll("g.group").forEach((g) => {
      const i = +g.dataset.group;
      g.classList.toggle("selected", data.versions[i] && data.versions[i].step === model.get("step"));
    });
    if (v) {
      const parts = Object.entries(v.scores).filter(([, s]) => s !== null && s !== undefined)
        .map(([k, s]) => `${k} ${s.toFixed(3)}`);
      scoreLine.innerHTML = "";
      scoreLine.append(parts.join(" · "));
      if (v.gates.length) scoreLine.append(el("span", { class: "v2c-gates" }, " · gates: " + v.gates.map((g) => `${g.name} (${g.reason})`).join("; ")));
      curveBox.innerHTML = (v.details || []).map((chart) => chart.svg).join("");
      diffTitle.textContent = `code diff · ${v.label} (${v.code_chars} chars)`;
      diff.innerHTML = v.diff_html;
    } else {
      scoreLine.textContent = "no code version in this episode";
      curveBox.innerHTML = ""; diff.innerHTML = ""; diffTitle.textContent = "code diff";
    }
    draw();
  }

  function build() {
    data = model.get("data") || {};
    refImages = loadImages(data.reference ? data.reference.frames : []);
    versionImages = new Map((data.versions || []).map((v) => [v.step, loadImages(v.frames)]));
    for (const c of [refCanvas, candCanvas]) { c.width = data.width || 256; c.height = data.height || 192; }
    title.textContent = data.title || "episode";
    const task = data.task || {};
    summary.textContent = `${task.duration_s ?? "?"} s at ${data.fps} fps · best total ${(data.best_total ?? 0).toFixed(3)}` +
      ` · ${(data.actions || []).length} actions`;
    slider.max = String(nFrames() - 1);
    frame = Math.min(frame, nFrames() - 1);
    stepsRow.innerHTML = "";
    for (const v of data.versions || []) {
      const total = v.scores.total === null || v.scores.total === undefined ? "–" : v.scores.total.toFixed(2);
      const b = el("button", { "data-step": String(v.step) }, `${v.label} · ${total}`);
      b.onclick = () => { model.set("step", v.step); model.save_changes(); };
      stepsRow.append(b);
    }
    if (!(data.versions || []).length) stepsRow.append(el("span", { class: "v2c-muted" }, "none"));
    barsBox.innerHTML = data.bars_svg || "";
    barsBox.querySelectorAll("g.group").forEach((g) => {
      g.onclick = () => { const v = data.versions[+g.dataset.group]; if (v) { model.set("step", v.step); model.save_changes(); } };
    });
    timelineBox.innerHTML = data.timeline_svg || "";
    clipsBox.innerHTML = "";
    for (const clip of data.clips || []) {
      const strip = el("div", { class: "v2c-clip-strip" });
      clip.frames.forEach((url, i) => strip.append(
        el("figure", {}, el("img", { src: url, alt: "clip frame" }), el("figcaption", {}, clip.labels[i]))));
      const ranges = clip.segments.map(([a, b]) => `${a.toFixed(2)}–${b.toFixed(2)} s`).join(", ");
      clipsBox.append(el("details", { "data-step": String(clip.step) },
        el("summary", {}, `step ${clip.step} clip · ${ranges} · ${clip.n_frames} frames the agent watched`), strip));
    }
    actions.innerHTML = "";
    actions.append(el("tr", {}, el("th", {}, "#"), el("th", {}, "type"), el("th", {}, "reward"), el("th", {}, "feedback"), el("th", {}, "action")));
    for (const a of data.actions || []) {
      actions.append(el("tr", {}, el("td", {}, String(a.index)), el("td", {}, a.type), el("td", {}, a.reward.toFixed(3)),
        el("td", {}, a.feedback), el("td", {}, el("code", {}, a.action))));
    }
    speed.value = String(model.get("speed"));
    tracksBox.checked = model.get("show_tracks");
    showVersion();
    schedule();
  }

  playButton.onclick = () => {
    const playing = !model.get("playing");
    model.set("playing", playing);
    if (!playing) model.set("frame", frame); // the kernel learns the frame only when playback stops
    model.save_changes();
  };
  slider.oninput = () => {
    frame = +slider.value;
    draw();
    if (!model.get("playing")) { model.set("frame", frame); model.save_changes(); }
  };
  speed.onchange = () => { model.set("speed", +speed.value); model.save_changes(); };
  tracksBox.onchange = () => { model.set("show_tracks", tracksBox.checked); model.save_changes(); };

  const handlers = {
    "change:data": build,
    "change:step": showVersion,
    "change:playing": schedule,
    "change:speed": () => { speed.value = String(model.get("speed")); schedule(); },
    "change:show_tracks": () => { tracksBox.checked = model.get("show_tracks"); draw(); },
    "change:frame": () => { frame = Math.min(model.get("frame"), nFrames() - 1); draw(); },
  };
  for (const [event, fn] of Object.entries(handlers)) model.on(event, fn);
  build();
  return () => {
    clearInterval(timer);
    for (const [event, fn] of Object.entries(handlers)) model.off(event, fn);
  };
}

export default { render };
