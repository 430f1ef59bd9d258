// v2c virtual clock: installed as an init script, in every frame, before any page script runs.
// Every time source a page can observe (Date, performance.now, timers, requestAnimationFrame at a
// virtual display rate, document.timeline, Web Animations including CSS animations and transitions
// in the document and in shadow roots, SMIL (inline, and in same-origin SVG images as stills),
// same-origin iframes, and <video>/<audio> playback:
// play(), pause(), autoplay, currentTime, playbackRate, loop and ended) is driven by
// window.__v2c.advanceTo(ms), which the renderer calls once per captured frame; Math.random and
// crypto's random values come from a seeded generator. Media elements stay really paused, and each
// advance seeks every shown <video> to its virtual time and waits (bounded in real time) until
// that frame is decoded. Nothing else reads the wall clock, so frames are a pure function of the
// page, the seed and the frame times. What stays in real time (workers, cross-origin iframes, a video
// that would not seek in time or cannot seek) is reported by realTimeSources(), not hidden.
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
  const realFetch = fetch; // the SVG of an image with SMIL is read with it, whatever the page does to fetch
  // Only to bound waits on the browser's own work (video seeks), never to decide what a page sees.
  const [realSetTimeout, realClearTimeout] = [setTimeout, clearTimeout];
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
  let randomWords = 0;  // drawn so far: a page that draws none cannot depend on the seed
  const nextUint32 = () => {
    randomWords++;
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
  // timers run on its own thread.
  const realTimeSources = new Set();
  for (const name of ['Worker', 'SharedWorker']) {
    const Real = window[name];
    if (!Real) continue;
    window[name] = new Proxy(Real, { construct(target, args) { realTimeSources.add(name); return Reflect.construct(target, args); } });
  }

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
    adoptAutoplay();
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

  // Media elements are never really played: the browser would decode and advance them in real time.
  // Each one the page plays (play(), autoplay) or seeks gets a virtual playback state, which the
  // page reads back (paused, ended, currentTime) and which fires play/pause/seeked/ended in virtual
  // time; at every advance a connected <video> is seeked to its virtual position and the frame waits
  // for the seek. <audio> only keeps its state: it shows nothing, and the browser runs muted.
  const M = HTMLMediaElement.prototype;
  const realMedia = (name) => Object.getOwnPropertyDescriptor(M, name);
  const [realTime, realPaused, realEnded, realRate] = ['currentTime', 'paused', 'ended', 'playbackRate'].map(realMedia);
  const [realPlay, realPause, realLoad, listen] = [M.play, M.pause, M.load, EventTarget.prototype.addEventListener];
  const SEEK_WAIT_MS = 500; // per video and advance: a source that never seeks must not hang the render
  const media = new Map(); // element -> {playing, ended, c0, t0, rate, sought, wake}
  // The browser's own playback events would come in real time (and our seeks fire seeking/seeked):
  // the page gets the virtual ones instead. timeupdate still passes: it comes with each seek, when
  // the element's currentTime is its virtual time.
  const HIDDEN = new Set(['play', 'playing', 'pause', 'seeking', 'seeked', 'ended']);
  const onMediaEvent = (e) => {
    const el = e.target;
    if (!e.isTrusted || !(el instanceof HTMLMediaElement)) return;
    if (!media.has(el)) { if (e.type !== 'play') return; autoplay(el); } // autoplay began before the clock saw it
    const s = media.get(el);
    if (e.type === 'emptied') s.sought = null; // a new source starts at 0, whatever we sought before
    if (s.wake) s.wake();
    if (HIDDEN.has(e.type)) e.stopImmediatePropagation();
  };
  const MEDIA_EVENTS = [...HIDDEN, 'loadedmetadata', 'loadeddata', 'canplay', 'error', 'emptied'];
  // Events of media in shadow roots do not reach the window: each element listens too.
  for (const type of MEDIA_EVENTS) listen.call(window, type, onMediaEvent, true);
  const listening = new WeakSet();
  const fire = (el, ...types) => { for (const type of types) el.dispatchEvent(new Event(type)); };
  const queue = (el, ...types) => addTimer(() => fire(el, ...types), 0, [], false);
  // Seconds on a 1 µs grid (media time's resolution): a loop's 2.3 % 2 must be 0.3, not 0.29999...,
  // or it shows the frame before.
  const position = (el, s) => {
    if (!s.playing) return s.c0;
    const c = s.c0 + ((now - s.t0) / 1000) * s.rate;
    const d = el.duration; // NaN until metadata, Infinity for streams
    return grid(d > 0 && d < Infinity ? (el.loop ? c % d : Math.min(c, d)) : c);
  };
  const reanchor = (el, s, c0) => Object.assign(s, { c0, t0: now, ended: false, rate: realRate.get.call(el) });
  const adopt = (el) => {
    let s = media.get(el);
    if (s) return s;
    // A really playing element (autoplay ran first) is at a real-time position: it starts at 0.
    const c0 = realPaused.get.call(el) ? realTime.get.call(el) || 0 : 0;
    s = reanchor(el, { playing: false, sought: null, wake: null }, c0);
    media.set(el, s);
    if (!listening.has(el)) { listening.add(el); for (const type of MEDIA_EVENTS) listen.call(el, type, onMediaEvent, true); }
    realPause.call(el); // also clears the autoplay flag: the browser never starts it itself
    return s;
  };
  const start = (el, s, c0) => { reanchor(el, s, c0); s.playing = true; queue(el, 'play', 'playing'); };
  const autoplay = (el) => start(el, adopt(el), 0);
  M.play = function play() {
    const s = adopt(this);
    if (s.playing) return Promise.resolve();
    const d = this.duration;
    start(this, s, s.ended || (!this.loop && d > 0 && s.c0 >= d) ? 0 : s.c0); // play() at the end restarts
    if (this.readyState === HTMLMediaElement.HAVE_NOTHING) {
      // Only a real play() lifts preload=none; paused again at once, its events hidden, it just loads.
      realPlay.call(this).catch(() => {});
      realPause.call(this);
    }
    return Promise.resolve();
  };
  M.pause = function pause() {
    const s = adopt(this);
    if (s.playing) { reanchor(this, s, position(this, s)); s.playing = false; queue(this, 'pause'); }
  };
  M.load = function load() { media.delete(this); return realLoad.call(this); }; // reset: paused at the start
  const mediaProperty = (name, real, get, set) => Object.defineProperty(M, name, {
    configurable: true, enumerable: true,
    get() { const s = media.get(this); return s ? get(this, s) : real.get.call(this); },
    set: set || real.set,
  });
  mediaProperty('paused', realPaused, (el, s) => !s.playing);
  mediaProperty('ended', realEnded, (el, s) => s.ended);
  mediaProperty('currentTime', realTime, position, function (v) {
    const t = Number(v);
    if (!Number.isFinite(t)) throw new TypeError(`Failed to set the 'currentTime' property on 'HTMLMediaElement': The provided double value is non-finite.`);
    reanchor(this, adopt(this), Math.max(0, t));
    queue(this, 'seeking', 'seeked'); // the real seek happens at the next advance
  });
  Object.defineProperty(M, 'playbackRate', { ...realRate, set(v) {
    const s = media.get(this);
    if (s) reanchor(this, s, position(this, s));
    realRate.set.call(this, v);
    if (s) s.rate = realRate.get.call(this);
  } });
  const mediaIn = (selector) => {
    const all = [...document.querySelectorAll(selector)];
    for (const root of shadowRoots) all.push(...root.querySelectorAll(selector));
    return all;
  };
  // Autoplay starts an element when the clock first sees it, right after the callback that added
  // it, not when its data happens to arrive.
  // Live collections: a page without media (the usual one) costs two length reads per scan, however large its DOM.
  const [videos, audios] = [document.getElementsByTagName('video'), document.getElementsByTagName('audio')];
  const adoptAutoplay = () => {
    if (!videos.length && !audios.length && !shadowRoots.size) return;
    for (const el of mediaIn('video[autoplay],audio[autoplay]')) if (!media.has(el)) autoplay(el);
  };
  // Virtual time at which a playing, non-looping element reaches its end (once its duration is known).
  const nextMediaEnd = () => {
    let best = null;
    let at = Infinity;
    for (const [el, s] of media) {
      const d = el.duration;
      if (!s.playing || el.loop || !(d < Infinity) || s.rate <= 0) continue;
      const e = Math.max(now, s.t0 + ((d - s.c0) / s.rate) * 1000);
      if (e < at) { at = e; best = el; }
    }
    return { element: best, at };
  };
  const endMedia = (el) => {
    const s = media.get(el);
    reanchor(el, s, el.duration);
    Object.assign(s, { playing: false, ended: true });
    fire(el, 'timeupdate', 'pause', 'ended');
  };
  // Resolves once `ready()` holds, re-checked at each media event and every few ms; false after `ms`.
  const until = (s, ready, ms) => new Promise((resolve) => {
    if (ready()) { resolve(true); return; }
    let poll = 0;
    const done = (ok) => { realClearTimeout(limit); realClearTimeout(poll); s.wake = null; resolve(ok); };
    const check = () => { if (ready()) done(true); else { realClearTimeout(poll); poll = realSetTimeout(check, 5); } };
    const limit = realSetTimeout(() => done(ready()), ms);
    s.wake = check;
    poll = realSetTimeout(check, 5);
  });
  // Seeks a shown video to its virtual position and resolves (to 1 if it seeked) once the frame there
  // is decoded: Chromium has then handed it to the compositor, and the next begin-frame draws it.
  const seekVideo = async (el, s) => {
    let sought = 0;
    // Blank in every render. (networkState tells nothing: EMPTY or NO_SOURCE until Chromium's load task runs.)
    const broken = () => el.error || !(el.src || el.srcObject || el.querySelector('source'));
    const shown = await until(s, () => {
      if (broken()) return true;
      if (el.readyState < HTMLMediaElement.HAVE_METADATA) return false; // loops and ends need the duration
      const c = position(el, s);
      if (!el.seeking && s.sought !== c) { s.sought = c; sought = 1; realTime.set.call(el, c); }
      return !el.seeking && el.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA;
    }, SEEK_WAIT_MS);
    if (!shown) realTimeSources.add(`${el.localName} (seek timed out)`);
    // A source served without range support is a stream to Chromium: its seeks land at 0.
    else if (!broken() && Math.abs(realTime.get.call(el) - s.sought) > 1e-3) realTimeSources.add(`${el.localName} (not seekable)`);
    return sought;
  };
  // Resolves to the count of seeks, which the renderer is told: Chromium's damage report misses a
  // video's first picture, so a frame after a seek is screenshot, never assumed unchanged.
  const seekMedia = async () => {
    const waits = [];
    for (const [el, s] of media) if (el.localName === 'video' && el.isConnected) waits.push(seekVideo(el, s));
    if (!waits.length) return 0;
    const seeks = (await Promise.all(waits)).reduce((a, b) => a + b, 0);
    await macrotask(); // the page's timeupdate handlers, before the frame
    scan();
    return seeks;
  };

  // SMIL inside an SVG <img> runs on the image's own real-time timer, out of any script's reach. Such
  // an image shows instead a still of its SVG at the virtual time (CSS `content` on the <img>, so its
  // src, events and layout stay the page's): the same SVG with every SMIL clock value stretched 1e6×
  // and its absolute times moved back by t, so the image's own clock starts at t and moves by
  // nanoseconds in the real milliseconds before the capture. Same-origin and data: sources only (the
  // SVG is read with fetch); the renderer reports the SMIL images it served that were not stilled.
  const STILL_STRETCH = 1e6;
  const SMIL_ELEMENTS = 'animate,animateTransform,animateMotion,animateColor,set';
  const CLOCK_VALUE = /^([+-]?)\s*(?:(\d+):)?(?:(\d+):)?(\d*\.?\d+)(h|min|s|ms)?$/;
  const CLOCK_UNIT = { h: 3600, min: 60, s: 1, ms: 0.001 };
  const OFFSET = /([+-])\s*((?:\d+:)?(?:\d+:)?\d*\.?\d+(?:h|min|s|ms)?)\s*$/;
  // A SMIL clock value in seconds; null for anything else (syncbase, event, indefinite, wallclock).
  const clockSeconds = (text) => {
    const m = CLOCK_VALUE.exec(text.trim());
    if (!m) return null;
    const [, sign, a, b, value, unit] = m;
    let sec = parseFloat(value) * (unit ? CLOCK_UNIT[unit] : 1);
    if (a !== undefined) sec += b !== undefined ? Number(a) * 3600 + Number(b) * 60 : Number(a) * 60;
    return sign === '-' ? -sec : sec;
  };
  // begin/end lists: a clock value is a time on the document's clock (moved back by t, stretched); a
  // syncbase's or event's offset is a duration (stretched).
  const stillTimes = (list, t) => list.split(';').map((item) => {
    const sec = clockSeconds(item);
    if (sec !== null) return `${(sec - t) * STILL_STRETCH}s`;
    return item.replace(OFFSET, (_, sign, v) => `${sign}${clockSeconds(v) * STILL_STRETCH}s`);
  }).join(';');
  const stillDuration = (text) => { const sec = clockSeconds(text); return sec === null ? text : `${sec * STILL_STRETCH}s`; };
  const svgSources = new Map(); // src -> Promise of the parsed SVG when it has SMIL, else null
  const stilled = new Set(); // the sources shown as stills, for the renderer's report
  const smilDocument = (src) => {
    if (!svgSources.has(src)) {
      svgSources.set(src, (async () => {
        const origin = new URL(src, location.href);
        if (origin.protocol !== 'data:' && origin.origin !== location.origin) return null;
        const text = await (await realFetch(src)).text();
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        if (doc.documentElement.localName !== 'svg' || !doc.querySelector(SMIL_ELEMENTS)) return null;
        for (const el of doc.querySelectorAll(SMIL_ELEMENTS)) {
          el.__v2cClock = Object.fromEntries(['begin', 'end', 'dur', 'repeatDur', 'min', 'max'].map((k) => [k, el.getAttribute(k)]));
        }
        return doc;
      })().catch(() => null));
    }
    return svgSources.get(src);
  };
  const stillAt = (doc, t) => {
    for (const el of doc.querySelectorAll(SMIL_ELEMENTS)) {
      const clock = el.__v2cClock;
      el.setAttribute('begin', stillTimes(clock.begin === null ? '0s' : clock.begin, t));
      if (clock.end !== null) el.setAttribute('end', stillTimes(clock.end, t));
      for (const k of ['dur', 'repeatDur', 'min', 'max']) if (clock[k] !== null) el.setAttribute(k, stillDuration(clock[k]));
    }
    return new XMLSerializer().serializeToString(doc);
  };
  const stillUrls = new WeakMap(); // img -> the blob URL it shows
  // Resolves to the count of images given a new still (the renderer then screenshots the frame).
  const stillSvgImages = async () => {
    const images = [...document.images];
    for (const root of shadowRoots) images.push(...root.querySelectorAll('img'));
    let count = 0;
    await Promise.all(images.map(async (img) => {
      const src = img.currentSrc || img.src;
      if (!src || !/\.svg(?:[?#]|$)|^data:image\/svg\+xml/i.test(src)) return;
      const doc = await smilDocument(src);
      if (!doc) return;
      const url = URL.createObjectURL(new Blob([stillAt(doc, now / 1000)], { type: 'image/svg+xml' }));
      const still = new Image();
      still.src = url;
      await still.decode().catch(() => null);
      img.style.setProperty('content', `url("${url}")`, 'important');
      const previous = stillUrls.get(img);
      if (previous) URL.revokeObjectURL(previous);
      stillUrls.set(img, url);
      stilled.add(new URL(src, location.href).href);
      count += 1;
    }));
    return count;
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
    let childSeeks = 0;
    for (let i = 0; i < window.frames.length; i++) {
      let child = null;
      try { child = window.frames[i].__v2c; } catch (_) { realTimeSources.add('cross-origin iframe'); }
      if (child) childSeeks += await child.advanceTo(target);
    }
    return childSeeks;
  };

  // Events in virtual-time order up to `target`: timers, animation and media ends (which fire finish
  // and ended events), and display ticks (rAF). At equal times timers run first, then ends, then the
  // tick, as in a browser's frame. Resolves to the count of video seeks, here and in iframes.
  async function advanceTo(requested) {
    const target = grid(requested);
    if (target < now) throw new Error('virtual time cannot go back');
    for (;;) {
      const t = nextDueTimer(target);
      const ending = nextAnimationEnd();
      const mediaEnd = nextMediaEnd();
      const tickAt = tickTime(lastTick + 1);
      const endAt = ending.animation && ending.at <= target ? ending.at : Infinity;
      const mediaEndAt = mediaEnd.element && mediaEnd.at <= target ? mediaEnd.at : Infinity;
      const timerAt = t ? t.at : Infinity;
      const tick = tickAt <= target ? tickAt : Infinity;
      const at = Math.min(timerAt, endAt, mediaEndAt, tick);
      if (at === Infinity) break;
      now = Math.max(now, at);
      if (timerAt === at) {
        if (t.interval === null) timers.delete(t.id); else t.at += t.interval;
        invoke(t.fn, t.args);
      } else if (endAt === at) {
        finish(ending.animation);
      } else if (mediaEndAt === at) {
        endMedia(mediaEnd.element);
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
    const sought = await seekMedia() + await stillSvgImages();
    return sought + await advanceFrames(target);
  }

  async function settle() {
    declarativeRoots();
    await macrotask(); scan(); seekAll();
    const sought = await seekMedia() + await stillSvgImages();
    await macrotask();
    return sought + await advanceFrames(now);
  }

  Object.defineProperty(window, '__v2c', {
    value: Object.freeze({
      advanceTo, settle,
      now: () => now,
      drainDialogs: () => dialogs.splice(0),
      drainErrors: () => errors.splice(0),
      stilledImages: () => [...stilled].sort(),
      realTimeSources: () => {
        const all = new Set(realTimeSources);
        for (let i = 0; i < window.frames.length; i++) {
          try { for (const s of window.frames[i].__v2c.realTimeSources()) all.add(s); } catch (_) { /* cross-origin: counted when advanced */ }
        }
        return [...all].sort();
      },
      randomWords: () => {
        let count = randomWords;
        for (let i = 0; i < window.frames.length; i++) {
          try { count += window.frames[i].__v2c.randomWords(); } catch (_) { /* cross-origin: a real-time source already */ }
        }
        return count;
      },
    }),
    enumerable: false,
  });
})(SETTINGS);
