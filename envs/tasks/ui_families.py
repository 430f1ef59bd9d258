"""Interactive widget families, each written twice: imperative DOM code and a state + render() loop.

(Over 400 lines: eight widget families, each a short function written twice; a module per family would only add imports.)

A family function draws the widget's content from `rng` at a difficulty and returns a `Widget`:
shared markup and CSS (so both versions show the same pixels), the data the scripts read, the two
scripts, and the user's steps (without times: `generator_interactions` spaces them out). The
`dom` script mutates elements in event handlers; the `state` script keeps a state object, listens
through event delegation and re-renders from state. A task's reference uses one, its oracle the
other.

Step targets are descriptors a person would use (visible text, role + accessible name, label,
placeholder), never ids, because a generated candidate shares no ids with the reference.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from typing import Any, Callable

STYLES: tuple[str, ...] = ("dom", "state")


@dataclass(frozen=True)
class Widget:
    """One interactive widget, implemented twice."""

    family: str
    """counter, todo, tabs, select, modal, accordion, form, carousel."""
    css: str
    """Styles shared by both implementations (theme colours come from CSS variables)."""
    markup: str
    """The initial DOM, shared by both implementations."""
    data: dict[str, Any]
    """Content the scripts read as `DATA` (labels, items, messages)."""
    scripts: dict[str, str]
    """`dom` and `state` implementations of the behaviour."""
    steps: list[dict[str, Any]]
    """The user's actions in order: {"action", "target", "value"}; times are added by the generator."""
    summary: dict[str, Any] = field(default_factory=dict)
    """Facts for task metadata (items typed, options chosen, ...)."""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _click(**target: Any) -> dict[str, Any]:
    return {"action": "click", "target": target}


# Every script starts with this: a way to restart a CSS animation (the class comes off, a layout
# read commits that, the class goes back on), which both implementations use identically.
_RESTART = "function restart(el, cls) { el.classList.remove(cls); void el.offsetWidth; el.classList.add(cls); }\n"

# --------------------------------------------------------------------------- counter

_COUNTER_CSS = """
.value{font-size:34px;font-weight:700;margin:6px 0 14px}
.value.neg{color:#c0392b}
.value span{display:inline-block}
.bump{animation:bump .3s ease-out}
@keyframes bump{0%{transform:scale(1)}40%{transform:scale(1.35)}100%{transform:scale(1)}}
"""

_COUNTER_DOM = _RESTART + """
let count = 0;
const number = document.getElementById('count');
const line = number.parentElement;
function show() {
  number.textContent = String(count);
  line.classList.toggle('neg', count < 0);
  if (DATA.bump) restart(number, 'bump');
}
document.getElementById('inc').addEventListener('click', () => { count += DATA.step; show(); });
const dec = document.getElementById('dec');
if (dec) dec.addEventListener('click', () => { count -= DATA.step; show(); });
const reset = document.getElementById('reset');
if (reset) reset.addEventListener('click', () => { count = 0; show(); });
"""

_COUNTER_STATE = _RESTART + """
const state = { count: 0 };
const view = { number: document.querySelector('.value span'), line: document.querySelector('.value') };
const actions = { inc: (s) => s.count + DATA.step, dec: (s) => s.count - DATA.step, reset: () => 0 };
function render(animate) {
  view.number.textContent = `${state.count}`;
  view.line.className = state.count < 0 ? 'value neg' : 'value';
  if (animate && DATA.bump) restart(view.number, 'bump');
}
document.querySelector('.row').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button || !actions[button.id]) return;
  state.count = actions[button.id](state);
  render(true);
});
render(false);
"""


def counter(rng: random.Random, difficulty: int) -> Widget:
    title = rng.choice(("Counter", "Score", "Cups of tea", "Push-ups", "Visitors", "Votes"))
    step = 1 if difficulty == 1 else rng.choice((1, 2, 5, 10))
    buttons = ['<button id="inc" aria-label="Increase">+</button>']
    if difficulty >= 2:
        buttons.insert(0, '<button id="dec" aria-label="Decrease">−</button>')
    if difficulty >= 3:
        buttons.append('<button id="reset" class="ghost">Reset</button>')
    markup = (f'<main class="app card"><h1>{_e(title)}</h1><p class="value">Count: <span id="count">0</span></p>'
              f'<div class="row">{"".join(buttons)}</div></main>')
    inc, dec = _click(role="button", name="Increase"), _click(role="button", name="Decrease")
    if difficulty == 1:
        steps = [inc] * rng.randint(2, 3)
    elif difficulty == 2:
        steps = [inc, inc, dec, inc] if rng.random() < 0.5 else [dec, dec, inc]
    else:
        steps = [inc, dec, dec, dec, _click(role="button", name="Reset"), inc]
    return Widget("counter", _COUNTER_CSS, markup, {"step": step, "bump": difficulty >= 2},
                  {"dom": _COUNTER_DOM, "state": _COUNTER_STATE}, steps, {"title": title, "step": step})


# --------------------------------------------------------------------------- to-do list

_TODO_CSS = """
#add{display:flex;gap:8px;margin-bottom:10px}
#add input{flex:1}
#list{list-style:none;margin:0;padding:0}
#list li{padding:6px 8px;border-bottom:1px solid rgba(0,0,0,.1);cursor:pointer}
#list li.done{text-decoration:line-through;opacity:.55}
#list li.empty{color:#888;font-style:italic;cursor:default}
.muted{color:#777;font-size:13px;margin:8px 0 0}
"""

_TODO_DOM = """
const form = document.getElementById('add');
const input = form.querySelector('input');
const list = document.getElementById('list');
const left = document.getElementById('left');
function updateLeft() {
  if (!left) return;
  const open = list.querySelectorAll('li:not(.empty):not(.done)').length;
  left.textContent = open + (open === 1 ? ' item left' : ' items left');
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  const empty = list.querySelector('.empty');
  if (empty) empty.remove();
  const item = document.createElement('li');
  item.textContent = text;
  if (DATA.toggle) item.addEventListener('click', () => { item.classList.toggle('done'); updateLeft(); });
  list.appendChild(item);
  input.value = '';
  updateLeft();
});
"""

_TODO_STATE = """
const state = { items: [] };
const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
function render() {
  const list = document.querySelector('#list');
  list.innerHTML = state.items.length
    ? state.items.map((it, i) => `<li data-index="${i}"${it.done ? ' class="done"' : ''}>${escape(it.text)}</li>`).join('')
    : `<li class="empty">${escape(DATA.empty)}</li>`;
  const left = document.querySelector('#left');
  if (left) {
    const open = state.items.filter((it) => !it.done).length;
    left.textContent = `${open} ${open === 1 ? 'item' : 'items'} left`;
  }
}
document.querySelector('#add').addEventListener('submit', (event) => {
  event.preventDefault();
  const field = event.currentTarget.elements[0];
  if (!field.value.trim()) return;
  state.items.push({ text: field.value.trim(), done: false });
  field.value = '';
  render();
});
document.querySelector('#list').addEventListener('click', (event) => {
  const li = event.target.closest('li[data-index]');
  if (!li || !DATA.toggle) return;
  const item = state.items[+li.dataset.index];
  item.done = !item.done;
  render();
});
render();
"""

_CHORES = ("Buy milk", "Call mom", "Water plants", "Book flights", "Pay rent", "Read a chapter", "Fix the bike",
           "Send invoice", "Walk the dog", "Bake bread")


def todo(rng: random.Random, difficulty: int) -> Widget:
    title = rng.choice(("To-do", "Groceries", "Today", "Errands", "Checklist"))
    placeholder = rng.choice(("New task", "Add an item", "What needs doing?"))
    button = rng.choice(("Add", "Save", "Create"))
    items = rng.sample(_CHORES, {1: 1, 2: 2, 3: 3}[difficulty])
    empty = "Nothing to do yet"
    left = '<p class="muted" id="left">0 items left</p>' if difficulty >= 2 else ""
    markup = (f'<main class="app card"><h1>{_e(title)}</h1><form id="add"><input placeholder="{_e(placeholder)}" '
              f'autocomplete="off"><button type="submit">{_e(button)}</button></form>'
              f'<ul id="list"><li class="empty">{empty}</li></ul>{left}</main>')
    steps: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        steps.append({"action": "type", "target": {"placeholder": placeholder}, "value": item})
        # Harder lists submit with the Enter key on every other item.
        if difficulty >= 2 and i % 2 == 1:
            steps.append({"action": "press", "target": {"placeholder": placeholder}, "value": "Enter"})
        else:
            steps.append(_click(role="button", name=button))
    if difficulty >= 3:
        steps.append(_click(text=items[0]))
    return Widget("todo", _TODO_CSS, markup, {"empty": empty, "toggle": difficulty >= 3},
                  {"dom": _TODO_DOM, "state": _TODO_STATE}, steps, {"items": items})


# --------------------------------------------------------------------------- tabs

_TABS_CSS = """
.tabs{display:flex;gap:4px;border-bottom:2px solid rgba(0,0,0,.12);margin-bottom:12px}
.tabs button{background:transparent;color:inherit;border-radius:6px 6px 0 0;padding:6px 12px;border-bottom:3px solid transparent;margin-bottom:-2px}
.tabs button:hover{background:rgba(0,0,0,.06)}
.tabs button[aria-selected="true"]{border-bottom-color:var(--accent);color:var(--accent);font-weight:700}
.panel h2{font-size:17px;margin:0 0 6px}
.panel p{margin:0}
.fade{animation:fade .3s ease-out}
@keyframes fade{from{opacity:0;transform:translateY(6px)}to{opacity:1;transform:none}}
"""

_TABS_DOM = _RESTART + """
const tabs = [...document.querySelectorAll('[role="tab"]')];
const panel = document.querySelector('[role="tabpanel"]');
tabs.forEach((tab, i) => tab.addEventListener('click', () => {
  tabs.forEach((other) => other.setAttribute('aria-selected', String(other === tab)));
  panel.querySelector('h2').textContent = DATA.tabs[i].name;
  panel.querySelector('p').textContent = DATA.tabs[i].body;
  if (DATA.fade) restart(panel, 'fade');
}));
"""

_TABS_STATE = _RESTART + """
const state = { active: 0 };
function render(animate) {
  document.querySelectorAll('.tabs button').forEach((b, i) => { b.ariaSelected = i === state.active ? 'true' : 'false'; });
  const tab = DATA.tabs[state.active];
  const panel = document.querySelector('.panel');
  panel.firstElementChild.textContent = tab.name;
  panel.lastElementChild.textContent = tab.body;
  if (animate && DATA.fade) restart(panel, 'fade');
}
document.querySelector('.tabs').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  state.active = [...button.parentElement.children].indexOf(button);
  render(true);
});
render(false);
"""

_TOPICS = {
    "Overview": "A light, fast blender for smoothies and soups.",
    "Specs": "900 W motor, 1.5 litre jar, six speeds.",
    "Reviews": "Rated 4.6 out of 5 by 1,204 buyers.",
    "Pricing": "From $79, with free delivery this week.",
    "Shipping": "Ships in two days from our Lyon warehouse.",
    "FAQ": "Yes, the jar is dishwasher safe.",
}


def tabs(rng: random.Random, difficulty: int) -> Widget:
    names = rng.sample(sorted(_TOPICS), {1: 2, 2: 3, 3: 4}[difficulty])
    data = {"tabs": [{"name": n, "body": _TOPICS[n]} for n in names], "fade": difficulty >= 2}
    title = rng.choice(("Blender X2", "Product", "Details"))
    buttons = "".join(f'<button role="tab" aria-selected="{str(i == 0).lower()}">{_e(n)}</button>'
                      for i, n in enumerate(names))
    markup = (f'<main class="app card"><h1>{_e(title)}</h1><div class="tabs" role="tablist">{buttons}</div>'
              f'<section class="panel" role="tabpanel"><h2>{_e(names[0])}</h2><p>{_e(_TOPICS[names[0]])}</p></section></main>')
    order = names[1:] + ([names[0]] if difficulty >= 3 else [])
    # No hover step: under begin-frame control the renderer's mouse moves never complete (they time out).
    steps = [_click(role="tab", name=n) for n in order]
    return Widget("tabs", _TABS_CSS, markup, data, {"dom": _TABS_DOM, "state": _TABS_STATE}, steps, {"tabs": names})


# --------------------------------------------------------------------------- select

_SELECT_CSS = """
.field{display:flex;align-items:center;gap:10px;margin-bottom:10px}
.field label{width:80px}
.preview{margin-top:8px;padding:14px;border-radius:var(--radius);border:1px solid rgba(0,0,0,.15);transition:background-color .3s,color .3s,font-size .3s}
.preview b{display:block;font-size:1.2em}
"""

_SELECT_DOM = """
const preview = document.getElementById('preview');
for (const [name, choices] of Object.entries(DATA.selects)) {
  document.getElementById('sel-' + name).addEventListener('change', (event) => {
    const look = choices[event.target.value];
    for (const [prop, value] of Object.entries(look.style)) preview.style.setProperty(prop, value);
    if (look.text) preview.querySelector('b').textContent = look.text;
  });
}
"""

_SELECT_STATE = """
const state = {};
for (const [name, choices] of Object.entries(DATA.selects)) state[name] = Object.keys(choices)[0];
function render() {
  const box = document.querySelector('.preview');
  const style = {};
  let text = null;
  for (const [name, value] of Object.entries(state)) {
    const look = DATA.selects[name][value];
    Object.assign(style, look.style);
    if (look.text) text = look.text;
  }
  Object.entries(style).forEach(([prop, value]) => box.style.setProperty(prop, value));
  if (text) box.querySelector('b').textContent = text;
}
document.querySelector('main').addEventListener('input', (event) => {
  if (event.target.tagName !== 'SELECT') return;
  state[event.target.id.slice(4)] = event.target.value;
  render();
});
render();
"""

_SELECTS = {
    "theme": ("Theme", {
        "light": ("Light", {"background-color": "rgb(255,255,255)", "color": "rgb(34,34,34)"}, None),
        "dark": ("Dark", {"background-color": "rgb(34,38,46)", "color": "rgb(240,240,240)"}, None),
        "sepia": ("Sepia", {"background-color": "rgb(244,232,208)", "color": "rgb(92,64,36)"}, None),
        "ocean": ("Ocean", {"background-color": "rgb(20,90,150)", "color": "rgb(230,244,255)"}, None),
    }),
    "size": ("Text size", {
        "small": ("Small", {"font-size": "13px"}, None),
        "medium": ("Medium", {"font-size": "17px"}, None),
        "large": ("Large", {"font-size": "24px"}, None),
    }),
    "plan": ("Plan", {
        "basic": ("Basic", {}, "Basic — free"),
        "pro": ("Pro", {}, "Pro — $12 / month"),
        "team": ("Team", {}, "Team — $30 / month"),
    }),
}


def select(rng: random.Random, difficulty: int) -> Widget:
    names = ["plan", "theme"] if difficulty >= 3 else [rng.choice(sorted(_SELECTS))]
    selects = {}
    fields = []
    first_text = None
    base_style: dict[str, str] = {}
    for name in names:
        label, options = _SELECTS[name]
        first = next(iter(options.values()))
        base_style.update(first[1])
        first_text = first_text or first[2]
        selects[name] = {key: {"style": style, "text": text} for key, (_, style, text) in options.items()}
        opts = "".join(f'<option value="{key}">{_e(text)}</option>' for key, (text, _, _) in options.items())
        fields.append(f'<div class="field"><label for="sel-{name}">{_e(label)}</label><select id="sel-{name}">{opts}</select></div>')
    style = ";".join(f"{k}:{v}" for k, v in base_style.items())
    body = first_text or "The quick brown fox jumps over the lazy dog."
    markup = (f'<main class="app card"><h1>Settings</h1>{"".join(fields)}<div class="preview" id="preview" style="{style}">'
              f'<b>{_e(body)}</b>Changes apply at once.</div></main>')
    steps, chosen = [], []
    count = {1: 1, 2: 2, 3: 3}[difficulty]
    for k in range(count):
        name = names[k % len(names)]
        label, options = _SELECTS[name]
        current = chosen[-1][1] if chosen and chosen[-1][0] == name else next(iter(options))
        value = rng.choice([o for o in options if o != current])
        chosen.append((name, value))
        steps.append({"action": "select", "target": {"label": label}, "value": options[value][0]})
    return Widget("select", _SELECT_CSS, markup, {"selects": selects}, {"dom": _SELECT_DOM, "state": _SELECT_STATE},
                  steps, {"selects": names, "chosen": [v for _, v in chosen]})


# --------------------------------------------------------------------------- modal dialog

_MODAL_CSS = """
.overlay{position:fixed;inset:0;background:rgba(0,0,0,.45);display:none;align-items:center;justify-content:center}
.overlay.open{display:flex}
.overlay.open.animated{animation:fade .25s ease-out}
.overlay.open.animated .dialog{animation:pop .25s ease-out}
.dialog{background:var(--surface);color:var(--text);border-radius:var(--radius);padding:16px 18px;width:300px;box-shadow:0 8px 30px rgba(0,0,0,.3)}
.dialog h2{font-size:18px;margin:0 0 6px}
.dialog p{margin:0 0 12px}
@keyframes fade{from{opacity:0}to{opacity:1}}
@keyframes pop{from{transform:scale(.85)}to{transform:none}}
"""

_MODAL_DOM = """
const overlay = document.getElementById('overlay');
const statusLine = document.getElementById('status');
if (DATA.animated) overlay.classList.add('animated');
document.getElementById('open').addEventListener('click', () => overlay.classList.add('open'));
document.getElementById('close').addEventListener('click', () => overlay.classList.remove('open'));
const confirmButton = document.getElementById('confirm');
if (confirmButton) confirmButton.addEventListener('click', () => { statusLine.textContent = DATA.done; overlay.classList.remove('open'); });
document.addEventListener('keydown', (event) => { if (event.key === 'Escape') overlay.classList.remove('open'); });
"""

_MODAL_STATE = """
const state = { open: false, done: false };
function render() {
  const overlay = document.querySelector('.overlay');
  overlay.className = ['overlay', state.open && 'open', DATA.animated && 'animated'].filter(Boolean).join(' ');
  document.querySelector('main p').textContent = state.done ? DATA.done : DATA.idle;
}
const handlers = { open: () => { state.open = true; }, close: () => { state.open = false; },
                   confirm: () => { state.open = false; state.done = true; } };
document.body.addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (button && handlers[button.id]) { handlers[button.id](); render(); }
});
window.addEventListener('keydown', (event) => { if (event.key === 'Escape' && state.open) { state.open = false; render(); } });
render();
"""

_DIALOGS = (
    ("Show terms", "Terms of use", "By continuing you agree to be kind to other users.", "Accept", "Terms accepted."),
    ("Subscribe", "Join the newsletter", "One email a week about new recipes.", "Subscribe now", "You are subscribed!"),
    ("Delete file", "Delete report.pdf?", "This cannot be undone.", "Delete", "report.pdf was deleted."),
    ("Book a table", "Table for two", "Friday at 8 pm, by the window.", "Confirm", "Your table is booked."),
)


def modal(rng: random.Random, difficulty: int) -> Widget:
    opener, heading, text, confirm, done = rng.choice(_DIALOGS)
    idle = "Nothing confirmed yet."
    confirm_button = f'<button id="confirm">{_e(confirm)}</button>' if difficulty >= 3 else ""
    markup = (f'<main class="app card"><h1>Account</h1><p id="status">{idle}</p><button id="open">{_e(opener)}</button></main>'
              f'<div class="overlay" id="overlay"><div class="dialog" role="dialog" aria-label="{_e(heading)}">'
              f'<h2>{_e(heading)}</h2><p>{_e(text)}</p><div class="row">{confirm_button}'
              f'<button id="close" class="ghost">Close</button></div></div></div>')
    open_step, close_step = _click(role="button", name=opener), _click(role="button", name="Close")
    if difficulty == 1:
        steps = [open_step, {"action": "wait", "target": None}, close_step]  # the dialog stays put while waited on
    elif difficulty == 2:
        steps = [open_step, {"action": "press", "target": None, "value": "Escape"}, open_step, close_step]
    else:
        steps = [open_step, close_step, open_step, _click(role="button", name=confirm)]
    return Widget("modal", _MODAL_CSS, markup, {"animated": difficulty >= 2, "done": done, "idle": idle},
                  {"dom": _MODAL_DOM, "state": _MODAL_STATE}, steps, {"dialog": heading})


# --------------------------------------------------------------------------- accordion

_ACCORDION_CSS = """
.acc .sec{border-bottom:1px solid rgba(0,0,0,.12)}
.acc .head{display:flex;justify-content:space-between;width:100%;background:transparent;color:inherit;padding:7px 4px;text-align:left;border-radius:0}
.acc .chev{display:inline-block;transition:rotate .2s ease}
.acc .sec.open .chev{rotate:45deg}
.acc .body{display:none;padding:0 4px 8px;color:#555}
.acc .sec.open .body{display:block}
.acc.animated .sec.open .body{animation:reveal .25s ease-out}
@keyframes reveal{from{opacity:0;transform:translateY(-4px)}to{opacity:1;transform:none}}
"""

_ACCORDION_DOM = """
const sections = [...document.querySelectorAll('.sec')];
sections.forEach((section) => section.querySelector('.head').addEventListener('click', () => {
  const opening = !section.classList.contains('open');
  if (DATA.single) sections.forEach((other) => { other.classList.remove('open'); other.querySelector('.head').setAttribute('aria-expanded', 'false'); });
  section.classList.toggle('open', opening);
  section.querySelector('.head').setAttribute('aria-expanded', String(opening));
}));
"""

_ACCORDION_STATE = """
const state = { open: new Set() };
function render() {
  document.querySelectorAll('.acc .sec').forEach((section, i) => {
    const open = state.open.has(i);
    if (section.classList.contains('open') !== open) section.classList.toggle('open');
    section.firstElementChild.ariaExpanded = String(open);
  });
}
document.querySelector('.acc').addEventListener('click', (event) => {
  const head = event.target.closest('.head');
  if (!head) return;
  const i = [...head.closest('.acc').children].indexOf(head.parentElement);
  const wasOpen = state.open.has(i);
  if (DATA.single) state.open.clear();
  if (wasOpen) state.open.delete(i); else state.open.add(i);
  render();
});
render();
"""

_QUESTIONS = (
    ("How long does delivery take?", "Two to four working days in Europe."),
    ("Can I return an item?", "Yes, within 30 days, free of charge."),
    ("Do you ship abroad?", "We ship to 42 countries."),
    ("Is there a warranty?", "Every product has a two-year warranty."),
    ("How do I pay?", "By card, bank transfer or gift voucher."),
    ("Where is my order?", "Use the tracking link in your email."),
    ("Can I change my address?", "Until the parcel leaves the warehouse."),
)


def accordion(rng: random.Random, difficulty: int) -> Widget:
    count = {1: 3, 2: 4, 3: 7}[difficulty]
    questions = rng.sample(_QUESTIONS, count)
    sections = "".join(f'<div class="sec"><button class="head" aria-expanded="false">{_e(q)}<span class="chev">+</span>'
                       f'</button><div class="body">{_e(a)}</div></div>' for q, a in questions)
    animated = " animated" if difficulty >= 2 else ""
    markup = f'<main class="app card"><h1>Questions</h1><div class="acc{animated}">{sections}</div></main>'
    head = lambda i: _click(role="button", name=questions[i][0])  # noqa: E731
    if difficulty == 1:
        steps = [head(0), head(1)]
    elif difficulty == 2:
        steps = [head(1), head(2), head(2)]
    else:
        steps = [head(0), {"action": "scroll", "target": None, "value": 160}, head(count - 1), head(count - 2)]
    return Widget("accordion", _ACCORDION_CSS, markup, {"single": difficulty >= 2},
                  {"dom": _ACCORDION_DOM, "state": _ACCORDION_STATE}, steps, {"questions": [q for q, _ in questions]})


# --------------------------------------------------------------------------- form validation

_FORM_CSS = """
.field{display:flex;flex-direction:column;margin-bottom:8px}
.field label{font-size:13px;margin-bottom:2px}
.field input.bad{border-color:#c0392b;background:#fdecea}
.err{color:#c0392b;font-size:12px;min-height:15px}
.result{color:#1e8449;font-weight:700;margin:8px 0 0;min-height:20px}
"""

_FORM_DOM = """
const form = document.getElementById('signup');
const fields = { name: document.getElementById('f-name'), email: document.getElementById('f-email') };
function check(key, message) {
  const error = fields[key].parentElement.querySelector('.err');
  error.textContent = message || '';
  fields[key].classList.toggle('bad', Boolean(message));
  return !message;
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = fields.name.value.trim(), email = fields.email.value.trim();
  const okName = check('name', name ? '' : DATA.nameRequired);
  const okEmail = check('email', /^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$/i.test(email) ? '' : DATA.badEmail);
  document.getElementById('result').textContent = okName && okEmail ? DATA.thanks.replace('{name}', name) : '';
});
"""

_FORM_STATE = """
const state = { errors: {}, thanks: '' };
const EMAIL = new RegExp('^[^@\\\\s]+@[^@\\\\s]+\\\\.[a-z]{2,}$', 'i');
function validate(values) {
  const errors = {};
  if (!values.name) errors.name = DATA.nameRequired;
  if (!EMAIL.test(values.email)) errors.email = DATA.badEmail;
  return errors;
}
function render() {
  for (const key of ['name', 'email']) {
    const input = document.querySelector(`#f-${key}`);
    input.className = state.errors[key] ? 'bad' : '';
    input.nextElementSibling.textContent = state.errors[key] || '';
  }
  document.querySelector('.result').textContent = state.thanks;
}
document.querySelector('form').addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(event.currentTarget);
  const values = { name: String(data.get('name')).trim(), email: String(data.get('email')).trim() };
  state.errors = validate(values);
  state.thanks = Object.keys(state.errors).length ? '' : DATA.thanks.split('{name}').join(values.name);
  render();
});
render();
"""


def form(rng: random.Random, difficulty: int) -> Widget:
    name = rng.choice(("Anna", "Bilal", "Chen", "Dora", "Emeka", "Farah"))
    domain = rng.choice(("example.com", "mail.org", "post.net"))
    submit = rng.choice(("Sign up", "Register", "Send"))
    title = rng.choice(("Create an account", "Join us", "Contact"))
    data = {"nameRequired": "Name is required", "badEmail": "Enter a valid email", "thanks": "Thanks, {name}!"}
    field_html = "".join(
        f'<div class="field"><label for="f-{key}">{label}</label><input id="f-{key}" name="{key}" autocomplete="off">'
        f'<small class="err"></small></div>' for key, label in (("name", "Name"), ("email", "Email")))
    markup = (f'<main class="app card"><h1>{_e(title)}</h1><form id="signup" novalidate>{field_html}'
              f'<button type="submit">{_e(submit)}</button><p class="result" id="result"></p></form></main>')
    send = _click(role="button", name=submit)
    local = name.lower()
    if difficulty == 1:
        steps = [send, {"action": "type", "target": {"label": "Name"}, "value": name}, send]
    elif difficulty == 2:
        steps = [{"action": "type", "target": {"label": "Name"}, "value": name},
                 {"action": "type", "target": {"label": "Email"}, "value": f"{local}@"}, send]
    else:
        # The second `type` appends to the field: the caret is at the end of the short address.
        steps = [{"action": "type", "target": {"label": "Name"}, "value": name},
                 {"action": "type", "target": {"label": "Email"}, "value": f"{local}@"}, send,
                 {"action": "type", "target": {"label": "Email"}, "value": domain}, send]
    return Widget("form", _FORM_CSS, markup, data, {"dom": _FORM_DOM, "state": _FORM_STATE}, steps,
                  {"name": name, "email": f"{local}@{domain}"})


# --------------------------------------------------------------------------- carousel

_CAROUSEL_CSS = """
.frame{width:300px;height:120px;overflow:hidden;border-radius:var(--radius);margin:0 auto}
.track{display:flex;height:100%;transition:translate .4s ease}
.slide{flex:0 0 300px;display:flex;align-items:center;justify-content:center;color:#fff;font-size:22px;font-weight:700}
.controls{display:flex;align-items:center;justify-content:center;gap:14px;margin-top:10px}
.controls span{min-width:44px;text-align:center}
.dots{display:flex;justify-content:center;gap:8px;margin-top:8px}
.dots button{width:12px;height:12px;padding:0;border-radius:50%;background:rgba(0,0,0,.2)}
.dots button.on{background:var(--accent)}
"""

_CAROUSEL_DOM = """
const track = document.querySelector('.track');
const position = document.getElementById('position');
const dots = [...document.querySelectorAll('.dots button')];
let index = 0;
function go(to) {
  index = (to + DATA.count) % DATA.count;
  track.style.translate = `${-300 * index}px 0`;
  position.textContent = `${index + 1} / ${DATA.count}`;
  dots.forEach((dot, i) => dot.classList.toggle('on', i === index));
}
document.getElementById('next').onclick = () => go(index + 1);
document.getElementById('prev').onclick = () => go(index - 1);
dots.forEach((dot, i) => { dot.onclick = () => go(i); });
"""

_CAROUSEL_STATE = """
const state = { slide: 0 };
function render() {
  document.querySelector('.track').style.translate = (-300 * state.slide) + 'px 0';
  document.querySelector('.controls span').textContent = (state.slide + 1) + ' / ' + DATA.count;
  document.querySelectorAll('.dots button').forEach((dot, i) => { dot.className = i === state.slide ? 'on' : ''; });
}
document.querySelector('main').addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const moves = { next: state.slide + 1, prev: state.slide - 1 };
  const target = button.id in moves ? moves[button.id] : [...button.parentElement.children].indexOf(button);
  state.slide = (target + DATA.count) % DATA.count;
  render();
});
render();
"""

_SLIDES = (("Mountains", "rgb(52,101,164)"), ("Desert", "rgb(214,137,16)"), ("Forest", "rgb(39,121,64)"),
           ("Coast", "rgb(23,140,160)"), ("City", "rgb(90,70,140)"), ("Glacier", "rgb(80,150,200)"))


def carousel(rng: random.Random, difficulty: int) -> Widget:
    count = {1: 3, 2: 4, 3: 5}[difficulty]
    slides = rng.sample(_SLIDES, count)
    track = "".join(f'<div class="slide" style="background:{c}">{_e(t)}</div>' for t, c in slides)
    dots = ""
    if difficulty >= 3:
        dots = '<div class="dots">' + "".join(
            f'<button aria-label="Go to slide {i + 1}"{" class=on" if i == 0 else ""}></button>' for i in range(count)) + "</div>"
    markup = (f'<main class="app card"><h1>Gallery</h1><div class="frame"><div class="track">{track}</div></div>'
              f'<div class="controls"><button id="prev" aria-label="Previous slide">‹</button><span id="position">1 / {count}</span>'
              f'<button id="next" aria-label="Next slide">›</button></div>{dots}</main>')
    nxt, prev = _click(role="button", name="Next slide"), _click(role="button", name="Previous slide")
    if difficulty == 1:
        steps = [nxt, nxt]
    elif difficulty == 2:
        steps = [prev, nxt, nxt]
    else:
        steps = [nxt, _click(label=f"Go to slide {count}"), nxt, prev]
    return Widget("carousel", _CAROUSEL_CSS, markup, {"count": count}, {"dom": _CAROUSEL_DOM, "state": _CAROUSEL_STATE},
                  steps, {"slides": [t for t, _ in slides]})


FAMILIES: dict[str, Callable[[random.Random, int], Widget]] = {
    "counter": counter, "todo": todo, "tabs": tabs, "select": select, "modal": modal, "accordion": accordion,
    "form": form, "carousel": carousel,
}
"""Widget families by name; a new family is one function and one line here."""
