// Descriptor-based element targeting, shared by interaction replay and functional scoring.
// A generated page has no ids in common with the reference, so a step names its target the way a
// person would: by visible text, ARIA role (+ accessible name), label, placeholder, tag, a CSS
// selector, or a point. Resolution is deterministic:
//   1. `point` [x, y]: the element at that viewport point.
//   2. Candidates: `selector` matches, else every element; only rendered ones (non-empty box,
//      not visibility:hidden/display:none, opacity > 0) are kept.
//   3. Filters, each applied when given: `tag` (tag name), `role` (explicit role attribute or the
//      tag's implicit role), `placeholder`, `label` (aria-label, <label for>, wrapping <label>,
//      aria-labelledby), `name`/`text` (accessible name or own visible text).
//      Text comparisons are case-insensitive on whitespace-collapsed strings; an exact match ranks
//      above a substring match.
//   4. Ranking: match quality, then interactive elements (a, button, input, select, textarea,
//      [role], [onclick], [tabindex], contenteditable) before others, then the smallest box
//      (the most specific element), then document order. `nth` (0-based) picks among the ranked.
// The result is the element, its tag, text and box in viewport pixels.
(() => {
  if (window.__v2cTargets) return;
  const norm = (s) => String(s == null ? '' : s).replace(/\s+/g, ' ').trim().toLowerCase();
  const IMPLICIT_ROLES = {
    a: 'link', button: 'button', select: 'combobox', textarea: 'textbox', option: 'option',
    h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', h5: 'heading', h6: 'heading',
    nav: 'navigation', ul: 'list', ol: 'list', li: 'listitem', img: 'img', dialog: 'dialog', form: 'form',
  };
  const INPUT_ROLES = { button: 'button', submit: 'button', reset: 'button', checkbox: 'checkbox', radio: 'radio', range: 'slider', search: 'searchbox' };
  const roleOf = (el) => {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.split(/\s+/)[0].toLowerCase();
    const tag = el.tagName.toLowerCase();
    if (tag === 'input') return INPUT_ROLES[(el.getAttribute('type') || 'text').toLowerCase()] || 'textbox';
    if (el.isContentEditable) return 'textbox';
    return IMPLICIT_ROLES[tag] || '';
  };
  const isInteractive = (el) => {
    const tag = el.tagName.toLowerCase();
    return ['a', 'button', 'input', 'select', 'textarea', 'summary', 'label', 'option'].includes(tag)
      || el.hasAttribute('role') || el.hasAttribute('onclick') || el.hasAttribute('tabindex') || el.isContentEditable
      || (el.tagName && getComputedStyle(el).cursor === 'pointer');
  };
  const isRendered = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && parseFloat(cs.opacity || '1') > 0;
  };
  const labelOf = (el) => {
    const parts = [el.getAttribute('aria-label') || ''];
    const ids = el.getAttribute('aria-labelledby');
    if (ids) for (const id of ids.split(/\s+/)) { const n = document.getElementById(id); if (n) parts.push(n.innerText || ''); }
    if (el.id) for (const l of document.querySelectorAll('label[for]')) if (l.htmlFor === el.id) parts.push(l.innerText || '');
    const wrapping = el.closest && el.closest('label');
    if (wrapping) parts.push(wrapping.innerText || '');
    return norm(parts.join(' '));
  };
  const textOf = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'input') return norm(el.value || el.getAttribute('value') || el.getAttribute('aria-label') || '');
    return norm(el.innerText || el.getAttribute('aria-label') || el.getAttribute('title') || el.getAttribute('alt') || '');
  };
  const matchQuality = (have, want) => (have === want ? 2 : (want && have.includes(want) ? 1 : 0));

  const describe = (el) => {
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(), role: roleOf(el), text: (el.innerText || el.value || '').slice(0, 120),
      box: [r.left, r.top, r.width, r.height],
    };
  };

  function resolve(desc) {
    desc = desc || {};
    if (Array.isArray(desc.point)) {
      const el = document.elementFromPoint(Number(desc.point[0]), Number(desc.point[1]));
      return el ? el : null;
    }
    let pool;
    try {
      pool = desc.selector ? [...document.querySelectorAll(desc.selector)] : [...document.body.querySelectorAll('*')];
    } catch (e) { throw new Error('invalid selector ' + JSON.stringify(desc.selector)); }
    const wantTag = desc.tag ? norm(desc.tag) : '';
    const wantRole = desc.role ? norm(desc.role) : '';
    const wantPlaceholder = desc.placeholder != null ? norm(desc.placeholder) : null;
    const wantLabel = desc.label != null ? norm(desc.label) : null;
    const wantText = desc.name != null ? norm(desc.name) : (desc.text != null ? norm(desc.text) : null);
    const ranked = [];
    pool.forEach((el, order) => {
      if (wantTag && el.tagName.toLowerCase() !== wantTag) return;
      if (wantRole && roleOf(el) !== wantRole) return;
      if (!isRendered(el)) return;
      let quality = 0;
      if (wantPlaceholder !== null) {
        const q = matchQuality(norm(el.getAttribute('placeholder')), wantPlaceholder); if (!q) return; quality += q;
      }
      if (wantLabel !== null) { const q = matchQuality(labelOf(el), wantLabel); if (!q) return; quality += q; }
      if (wantText !== null) {
        const q = Math.max(matchQuality(textOf(el), wantText), matchQuality(labelOf(el), wantText)); if (!q) return; quality += q;
      }
      const r = el.getBoundingClientRect();
      ranked.push({ el, quality, interactive: isInteractive(el) ? 1 : 0, area: r.width * r.height, order });
    });
    ranked.sort((a, b) => b.quality - a.quality || b.interactive - a.interactive || a.area - b.area || a.order - b.order);
    const nth = Number.isInteger(desc.nth) ? desc.nth : 0;
    return ranked.length > nth ? ranked[nth].el : null;
  }

  // Brings the element into view if needed and returns the point to press, in viewport pixels.
  function locate(desc) {
    const el = resolve(desc);
    if (!el) return null;
    let r = el.getBoundingClientRect();
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) {
      el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
      r = el.getBoundingClientRect();
    }
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    window.__v2cTargets.last = el;
    return { x, y, element: describe(el) };
  }

  // <select> and text fields are set through the native setters so that frameworks which track the
  // value (React) see the change, then input/change events are dispatched as a user would cause.
  function select(desc, value) {
    const el = resolve(desc);
    if (!el) return { error: 'no element matches ' + JSON.stringify(desc) };
    // A label descriptor often resolves to the <label> itself: follow it to its control.
    const control = el.control && el.control.tagName === 'SELECT' ? el.control : null;
    const sel = el.tagName.toLowerCase() === 'select' ? el : control || el.querySelector('select');
    if (!sel) return { error: 'target is not a <select>: ' + JSON.stringify(describe(el)) };
    const want = norm(value);
    const opt = [...sel.options].find((o) => norm(o.value) === want) || [...sel.options].find((o) => norm(o.textContent) === want)
      || [...sel.options].find((o) => norm(o.textContent).includes(want));
    if (!opt) return { error: 'no option ' + JSON.stringify(value) + ' in ' + JSON.stringify(describe(sel)) };
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(sel, opt.value);
    sel.dispatchEvent(new Event('input', { bubbles: true }));
    sel.dispatchEvent(new Event('change', { bubbles: true }));
    return { element: describe(sel) };
  }

  function scroll(desc, value) {
    const [dx, dy] = Array.isArray(value) ? value.map(Number) : [0, Number(value == null ? 300 : value)];
    let el = document.scrollingElement || document.documentElement;
    if (desc) { el = resolve(desc); if (!el) return { error: 'no element matches ' + JSON.stringify(desc) }; }
    el.scrollBy({ left: dx, top: dy, behavior: 'instant' });
    return { element: describe(el) };
  }

  function focus(desc) {
    const el = resolve(desc);
    if (!el) return { error: 'no element matches ' + JSON.stringify(desc) };
    el.focus();
    return { element: describe(el) };
  }

  // The state a person would compare after a step: the visible text, in document order.
  const visibleText = () => (document.body ? document.body.innerText : '').replace(/[ \t]+/g, ' ').trim().slice(0, 20000);

  Object.defineProperty(window, '__v2cTargets', {
    value: { resolve, locate, select, scroll, focus, visibleText, describe, last: null }, enumerable: false,
  });
})();
