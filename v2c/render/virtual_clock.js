// v2c virtual clock: installed as an init script, in every frame, before any page script runs.
// Every time source a page can observe (Date, performance.now, timers, requestAnimationFrame at a
// virtual display rate, document.timeline, Web Animations including CSS animations and transitions
// in the document and in shadow roots, SMIL, same-origin iframes) is driven by
// window.__v2c.advanceTo(ms), which the renderer calls once per captured frame; Math.random and
// crypto's random values come from a seeded generator. Nothing reads the wall clock, so frames are
// a pure function of the page, the seed and the frame times. What stays in real time (workers,
// media elements) is reported by realTimeSources(), not hidden.
// SETTINGS is replaced by the renderer with {displayHz, seed} (RenderConfig).
((settings) => {
  if (window.__v2c) return;
  const EPOCH_MS = 1704067200000; // 2024-01-01T00:00:00Z: Date.now() at virtual t = 0
  const MIN_INTERVAL_MS = 1; // setInterval(fn, 0) would otherwise never let time advance
  // Times are kept on a 1 ns grid: 1/30 s from Python and the second 60 Hz tick must be the same
  // number, or a page's state at one virtual time would depend on the capture rate.
  const grid = (ms) => Math.round(ms * 1e6) / 1e6;
  const TICK_MS = 1000 / settings.displayHz;
  const tickTime = (k) => grid(k * TICK_MS);
  const realPostMessage = MessageChannel;
  const RealDate = Date;
  // A same-origin iframe starts at its parent's virtual time; the parent advances it (advanceFrames).
  const parentNow = () => {
    try { return window.parent !== window && window.parent.__v2c ? window.parent.__v2c.now() : 0; } catch (_) { return 0; }
  };
  let now = parentNow();
  // The last display tick already given to rAF callbacks: ticks k with tickTime(k) <= now are past.
  let lastTick = Math.floor(now / TICK_MS + 1e-9) - (now === 0 ? 1 : 0);
  let timerSeq = 0;
  let rafSeq = 0;
  const timers = new Map();
  const rafCallbacks = new Map();
  const tracked = new Set();
  const dialogs = [];
  const errors = [];

  // One macrotask turn: lets microtasks and MessageChannel-scheduled work (React's scheduler)
  // run to completion before the next virtual event, so ordering never depends on real time.
  const channel = new realPostMessage();
  const waiting = [];
  channel.port1.onmessage = () => { const r = waiting.shift(); if (r) r(); };
  const macrotask = () => new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });

  const report = (e) => {
    errors.push(String(e && e.stack ? e.stack : e));
    try { reportError(e); } catch (_) { /* reportError missing: the error is still recorded */ }
  };
  const invoke = (fn, args) => {
    try {
      if (typeof fn === 'function') fn(...args); else (0, eval)(String(fn));
    } catch (e) { report(e); }
  };

  function VirtualDate(...args) {
    if (!new.target) return new RealDate(EPOCH_MS + Math.floor(now)).toString();
    return args.length === 0 ? new RealDate(EPOCH_MS + Math.floor(now)) : new RealDate(...args);
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = () => EPOCH_MS + Math.floor(now);
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  Object.defineProperty(VirtualDate.prototype, 'constructor', { value: VirtualDate });
  window.Date = VirtualDate;
  Object.defineProperty(performance, 'now', { value: () => now, configurable: true });
  // document.timeline (and any DocumentTimeline) reads virtual time; scroll timelines keep theirs.
  const timelineTime = Object.getOwnPropertyDescriptor(AnimationTimeline.prototype, 'currentTime');
  Object.defineProperty(AnimationTimeline.prototype, 'currentTime', {
    configurable: true,
    get() { return this instanceof DocumentTimeline ? now - (this.__v2cOrigin || 0) : timelineTime.get.call(this); },
  });
  const RealTimeline = DocumentTimeline;
  window.DocumentTimeline = function DocumentTimeline(options) {
    const timeline = new RealTimeline(options);
    timeline.__v2cOrigin = Number(options && options.originTime) || 0;
    return timeline;
  };
  window.DocumentTimeline.prototype = RealTimeline.prototype;

  // Seeded randomness: sfc32 seeded through splitmix32, one stream per frame, the same every render.
  const splitmix = (x) => () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const seedWords = splitmix(settings.seed >>> 0);
  let [ra, rb, rc, rd] = [seedWords(), seedWords(), seedWords(), seedWords()];
  const nextUint32 = () => {
    const t = (((ra + rb) | 0) + rd) | 0;
    rd = (rd + 1) | 0;
    ra = rb ^ (rb >>> 9);
    rb = (rc + (rc << 3)) | 0;
    rc = (rc << 21) | (rc >>> 11);
    rc = (rc + t) | 0;
    return t >>> 0;
  };
  // 53 random bits, as V8's own Math.random gives.
  Math.random = () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  const realGetRandomValues = Crypto.prototype.getRandomValues;
  Crypto.prototype.getRandomValues = function getRandomValues(array) {
    // Let the real method validate (integer typed array, at most 65536 bytes) and throw as browsers do.
    realGetRandomValues.call(this, array);
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i += 4) {
      const word = nextUint32();
      for (let j = 0; j < 4 && i + j < bytes.length; j++) bytes[i + j] = (word >>> (8 * j)) & 255;
    }
    return array;
  };
  if (Crypto.prototype.randomUUID) {
    Crypto.prototype.randomUUID = function randomUUID() {
      const b = this.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
  }

  // Time the renderer cannot drive, reported with the render rather than silently real: a worker's
  // timers run on its own thread, and media elements decode in real time.
  const realTimeSources = new Set();
  for (const name of ['Worker', 'SharedWorker']) {
    const Real = window[name];
    if (!Real) continue;
    window[name] = new Proxy(Real, { construct(target, args) { realTimeSources.add(name); return Reflect.construct(target, args); } });
  }
  const mediaPlay = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function play(...args) { realTimeSources.add(this.localName); return mediaPlay.apply(this, args); };

  // Shadow roots, closed ones included, are remembered as they are made: document.getAnimations()
  // does not look inside them, so their animations would otherwise run on Chromium's own clock.
  const shadowRoots = new Set();
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...args) { const root = attachShadow.apply(this, args); shadowRoots.add(root); return root; };
  const declarativeRoots = () => {
    // <template shadowrootmode="open"> makes its root without attachShadow.
    for (const host of document.querySelectorAll('*')) if (host.shadowRoot) shadowRoots.add(host.shadowRoot);
  };

  const addTimer = (fn, delay, args, repeat) => {
    const id = ++timerSeq;
    const ms = Math.max(0, Number(delay) || 0);
    timers.set(id, { id, at: now + ms, fn, args, interval: repeat ? Math.max(MIN_INTERVAL_MS, ms) : null });
    return id;
  };
  window.setTimeout = (fn, delay, ...args) => addTimer(fn, delay, args, false);
  window.setInterval = (fn, delay, ...args) => addTimer(fn, delay, args, true);
  window.clearTimeout = (id) => { timers.delete(id); };
  window.clearInterval = (id) => { timers.delete(id); };
  // rAF callbacks run at every tick of a virtual display (settings.displayHz), as a browser on such a
  // display runs them, whatever the capture rate: pages that step per call move by the count of calls.
  window.requestAnimationFrame = (cb) => { const id = ++rafSeq; rafCallbacks.set(id, cb); return id; };
  window.cancelAnimationFrame = (id) => { rafCallbacks.delete(id); };
  window.requestIdleCallback = (cb) => addTimer(() => cb({ didTimeout: false, timeRemaining: () => 0 }), 0, [], false);
  window.cancelIdleCallback = window.clearTimeout;

  // Dialogs would block the renderer; popups would escape the context. Both are recorded and refused.
  window.alert = (m) => { dialogs.push('alert: ' + String(m).slice(0, 200)); };
  window.confirm = (m) => { dialogs.push('confirm: ' + String(m).slice(0, 200)); return false; };
  window.prompt = (m) => { dialogs.push('prompt: ' + String(m).slice(0, 200)); return null; };
  window.open = (u) => { dialogs.push('open: ' + String(u).slice(0, 200)); return null; };

  // Web Animations: each animation is held paused and seeked to its virtual time. The page may
  // still steer it (play, pause, reverse, seeking); those calls mark it for re-anchoring.
  const proto = Animation.prototype;
  const wrap = (name, after) => {
    const original = proto[name];
    proto[name] = function (...args) { const out = original.apply(this, args); after(this); return out; };
  };
  // An animation's virtual start is the moment the clock first sees it (right after the callback
  // that created it), never the browser's own timeline, which may run in real time. Page calls
  // that re-time an animation record the time they left it at, before any real time passes.
  const byPage = { active: true };
  const retimed = (a) => {
    if (!byPage.active || !a.__v2c) return;
    a.__v2c.reanchor = true;
    a.__v2c.resumeAt = currentTimeDesc.get.call(a) || 0;
  };
  wrap('play', retimed);
  wrap('reverse', retimed);
  wrap('updatePlaybackRate', retimed);
  wrap('pause', (a) => { if (byPage.active && a.__v2c) a.__v2c.userPaused = true; });
  wrap('finish', (a) => { if (byPage.active && a.__v2c) a.__v2c.done = true; });
  const currentTimeDesc = Object.getOwnPropertyDescriptor(proto, 'currentTime');
  Object.defineProperty(proto, 'currentTime', {
    configurable: true,
    get() { return currentTimeDesc.get.call(this); },
    set(v) {
      currentTimeDesc.set.call(this, v);
      if (!byPage.active) return;
      if (this.__v2c) retimed(this); else this.__v2cInitialTime = Number(v) || 0;
    },
  });

  const anchor = (a, startAt) => {
    const userPaused = a.playState === 'paused';
    a.__v2c = { t0: now, c0: startAt, rate: a.playbackRate, done: false, userPaused, reanchor: false, resumeAt: 0 };
    a.pause();
    currentTimeDesc.set.call(a, startAt);
    tracked.add(a);
  };
  const allAnimations = () => {
    if (!shadowRoots.size) return document.getAnimations();
    const all = document.getAnimations();
    for (const root of shadowRoots) if (root.host && root.host.isConnected) all.push(...root.getAnimations());
    return all;
  };
  const scan = () => {
    byPage.active = false;
    try {
      for (const a of allAnimations()) {
        const s = a.__v2c;
        if (!s) { anchor(a, a.__v2cInitialTime || 0); continue; }
        if (s.reanchor && a.playState !== 'paused') anchor(a, s.resumeAt);
        else if (s.reanchor) s.reanchor = false;
      }
    } finally { byPage.active = true; }
  };

  // Virtual time at which an anchored animation reaches its end, Infinity if it never does.
  const endsAt = (a) => {
    const s = a.__v2c;
    if (!s || s.done || s.userPaused || s.rate === 0 || !a.effect) return Infinity;
    const end = a.effect.getComputedTiming().endTime;
    if (!Number.isFinite(end)) return Infinity;
    return s.rate > 0 ? s.t0 + (end - s.c0) / s.rate : s.t0 + s.c0 / -s.rate;
  };
  // finish() resolves `finished` and fires finish/animationend/transitionend events, which pages
  // chain further animations on; it runs at the animation's own end time, like a timer.
  const finish = (a) => {
    byPage.active = false;
    try { a.__v2c.done = true; a.finish(); } finally { byPage.active = true; }
  };
  const nextAnimationEnd = () => {
    let best = null;
    let at = Infinity;
    for (const a of tracked) {
      if (a.playState === 'idle') { tracked.delete(a); continue; }
      const e = endsAt(a);
      if (e < at) { at = e; best = a; }
    }
    return { animation: best, at };
  };
  const seekAll = () => {
    byPage.active = false;
    try {
      for (const a of tracked) {
        const s = a.__v2c;
        if (s.userPaused || s.done) continue;
        currentTimeDesc.set.call(a, s.c0 + (now - s.t0) * s.rate);
      }
    } finally { byPage.active = true; }
    seekSvg();
  };
  // SMIL: every <svg> root with animation elements is paused and set to the virtual time.
  const seekSvg = () => {
    const svgs = [...document.querySelectorAll('svg')];
    for (const root of shadowRoots) svgs.push(...root.querySelectorAll('svg'));
    for (const svg of svgs) {
      if (svg.ownerSVGElement || !svg.querySelector('animate,animateTransform,animateMotion,set')) continue;
      svg.pauseAnimations();
      svg.setCurrentTime(now / 1000);
    }
  };

  const nextDueTimer = (limit) => {
    let best = null;
    for (const t of timers.values()) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  };

  const runTick = async (k) => {
    lastTick = k;
    if (!rafCallbacks.size) return;
    const due = [...rafCallbacks.values()];
    rafCallbacks.clear();
    for (const cb of due) invoke(cb, [now]);
    await macrotask();
    scan();
  };

  // Same-origin child frames run their own copy of this clock; each is brought to the same time.
  const advanceFrames = async (target) => {
    for (let i = 0; i < window.frames.length; i++) {
      let child = null;
      try { child = window.frames[i].__v2c; } catch (_) { realTimeSources.add('cross-origin iframe'); }
      if (child) await child.advanceTo(target);
    }
  };

  // Events in virtual-time order up to `target`: timers, animation ends (which fire finish events),
  // and display ticks (rAF). At equal times timers run first, then animation ends, then the tick, as
  // in a browser's frame.
  async function advanceTo(requested) {
    const target = grid(requested);
    if (target < now) throw new Error('virtual time cannot go back');
    for (;;) {
      const t = nextDueTimer(target);
      const ending = nextAnimationEnd();
      const tickAt = tickTime(lastTick + 1);
      const endAt = ending.animation && ending.at <= target ? ending.at : Infinity;
      const timerAt = t ? t.at : Infinity;
      const tick = tickAt <= target ? tickAt : Infinity;
      const at = Math.min(timerAt, endAt, tick);
      if (at === Infinity) break;
      now = Math.max(now, at);
      if (timerAt === at) {
        if (t.interval === null) timers.delete(t.id); else t.at += t.interval;
        invoke(t.fn, t.args);
      } else if (endAt === at) {
        finish(ending.animation);
      } else {
        await runTick(lastTick + 1);
        continue;
      }
      await macrotask();
      scan();
    }
    now = target;
    await macrotask();
    scan();
    seekAll();
    await advanceFrames(target);
    return now;
  }

  async function settle() {
    declarativeRoots();
    await macrotask(); scan(); seekAll(); await macrotask();
    await advanceFrames(now);
    return now;
  }

  Object.defineProperty(window, '__v2c', {
    value: Object.freeze({
      advanceTo, settle,
      now: () => now,
      drainDialogs: () => dialogs.splice(0),
      drainErrors: () => errors.splice(0),
      realTimeSources: () => {
        const all = new Set(realTimeSources);
        // Autoplay starts media without a play() call.
        for (const media of document.querySelectorAll('video[autoplay], audio[autoplay]')) all.add(media.localName);
        for (let i = 0; i < window.frames.length; i++) {
          try { for (const s of window.frames[i].__v2c.realTimeSources()) all.add(s); } catch (_) { /* cross-origin: counted when advanced */ }
        }
        return [...all].sort();
      },
    }),
    enumerable: false,
  });
})(SETTINGS);
