// Toasts: short, polite announcements for important events.  One live
// region per page; toasts stack under the header (phone) or in the
// bottom right corner (big screens, where the top holds what the room
// reads: the reveal's progress, the live activity) over the content, so
// they never push the layout around.
import { h } from './dom.js';

let region = null;

function ensureRegion() {
  if (region) return region;
  region = h('div', {
    id: 'toasts',
    // Top on phones too: the bottom holds the buttons people tap.
    class: 'pointer-events-none fixed inset-x-0 top-[var(--toast-top,4.5rem)] z-50 flex flex-col items-center gap-3 px-4 ' +
      'md:left-auto md:right-6 md:top-auto md:bottom-6 md:items-end',
    'aria-live': 'polite',
    'aria-atomic': 'false',
  });
  document.body.append(region);
  return region;
}

const TONES = {
  info: 'border-pop-sky/50 text-white',
  success: 'border-pop-mint/60 text-white',
  warn: 'border-pop-yellow/60 text-white',
  error: 'border-pop-red/70 text-white',
};
const DOTS = {
  info: 'bg-pop-sky', success: 'bg-pop-mint', warn: 'bg-pop-yellow', error: 'bg-pop-red',
};

// toast('Session started!', {tone: 'success', detail: '12 memes', ms: 4000})
export function toast(message, { tone = 'info', detail = '', ms = 4000 } = {}) {
  const el = h('div', {
    class: `toast pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-2xl border-2 ` +
      `bg-ink-800/95 px-4 py-3 shadow-2xl shadow-black/50 backdrop-blur ${TONES[tone] || TONES.info}`,
    role: tone === 'error' ? 'alert' : null,
  },
  h('span', { class: `mt-1.5 h-3 w-3 shrink-0 rounded-full ${DOTS[tone] || DOTS.info}`, 'aria-hidden': 'true' }),
  h('div', { class: 'min-w-0' },
    h('p', { class: 'text-base font-bold leading-snug' }, message),
    detail ? h('p', { class: 'text-sm text-white/70' }, detail) : null));
  const r = ensureRegion();
  r.append(el);
  // Keep at most four on screen.
  const shown = [...r.children].filter((c) => !c.dataset.pinned);
  for (const old of shown.slice(0, Math.max(0, shown.length - 4))) old.remove();
  setTimeout(() => el.remove(), ms);
  return el;
}

// Keeps el at the top of the toast stack until it is removed or hidden
// (a standing notice, such as ratings waiting to be sent).
export function pin(el) {
  el.dataset.pinned = 'true';
  ensureRegion().prepend(el);
  return el;
}
