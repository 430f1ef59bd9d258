// v2c virtual clock: installed as an init script before any page script runs.
// Every time source a page can observe (Date, performance.now, timers, requestAnimationFrame,
// Web Animations including CSS animations and transitions) is driven by window.__v2c.advanceTo(ms),
// which the renderer calls once per frame. Nothing reads the wall clock, so frames are a pure
// function of the page and the frame times.
(() => {
  if (window.__v2c) return;
  const EPOCH_MS = 1704067200000; // 2024-01-01T00:00:00Z: Date.now() at virtual t = 0
  const MIN_INTERVAL_MS = 1; // setInterval(fn, 0) would otherwise never let time advance
  const realPostMessage = MessageChannel;
  const RealDate = Date;
  let now = 0;
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
  const scan = () => {
    byPage.active = false;
    try {
      for (const a of document.getAnimations()) {
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
    for (const svg of document.querySelectorAll('svg')) {
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

  async function advanceTo(target) {
    if (target < now) throw new Error('virtual time cannot go back');
    for (;;) {
      const t = nextDueTimer(target);
      const ending = nextAnimationEnd();
      if (ending.animation && ending.at <= target && (!t || ending.at < t.at)) {
        now = Math.max(now, ending.at);
        finish(ending.animation);
      } else if (t) {
        now = Math.max(now, t.at);
        if (t.interval === null) timers.delete(t.id); else t.at += t.interval;
        invoke(t.fn, t.args);
      } else {
        break;
      }
      await macrotask();
      scan();
    }
    now = target;
    const due = [...rafCallbacks.values()];
    rafCallbacks.clear();
    for (const cb of due) invoke(cb, [now]);
    await macrotask();
    scan();
    seekAll();
    return now;
  }

  async function settle() { await macrotask(); scan(); seekAll(); await macrotask(); return now; }

  Object.defineProperty(window, '__v2c', {
    value: Object.freeze({
      advanceTo, settle,
      now: () => now,
      drainDialogs: () => dialogs.splice(0),
      drainErrors: () => errors.splice(0),
    }),
    enumerable: false,
  });
})();
