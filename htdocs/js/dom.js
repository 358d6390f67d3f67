// Small DOM helpers shared by every page: build elements without innerHTML
// (so titles and names from the API can never inject markup).

// h('div', {class: 'x', onclick: fn, 'aria-label': 'y'}, child, 'text', ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// SVG elements need their namespace.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// Replaces the children of el.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Sets text only when it changed, and flashes the element if asked; keeps
// the DOM still when nothing changed (no needless layout work).
export function setText(el, text, flash = false) {
  const t = String(text);
  if (el.textContent === t) return false;
  el.textContent = t;
  if (flash) flashEl(el);
  return true;
}

export function flashEl(el, cls = 'highlight') {
  el.classList.remove(cls);
  // Reading a layout property restarts the CSS animation.
  void el.offsetWidth;
  el.classList.add(cls);
}

export function fmtScore(v) {
  return v === null || v === undefined ? '–' : Number(v).toFixed(1);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' }) +
    ' · ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// A word for each score, for friendly feedback (words, not emoji: kiosk
// and projector machines often lack an emoji font).
const MOODS = ['Delete this', 'Oof', 'Nope', 'Meh', 'Mild', 'Okay', 'Decent',
  'Good one', 'Funny!', 'Hilarious', 'Legendary'];
export function mood(score) {
  const i = Math.max(0, Math.min(10, Math.round(Number(score) || 0)));
  return MOODS[i];
}

export function plural(n, one, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}
