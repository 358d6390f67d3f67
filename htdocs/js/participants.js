// The dashboard's participants card: each rater's progress in the shown
// session (rated k of n, skipped, online or not) from
// GET /api/admin/sessions/{id}/raters, kept current by the push channel
// (new_rating counts at once; presence and joins reload the list, at most
// every few seconds).  Each row carries the host's Rename and Kick when
// the dashboard passes onRename/onKick.
import { api } from './api.js';
import { fill, h, plural, setText } from './dom.js';

const RELOAD_MS = 3000;

export class Participants {
  constructor({ list, summary, empty, onRename = null, onKick = null }) {
    this.onRename = onRename;   // (rater) => void: the host's moderation
    this.onKick = onKick;
    this.list = list;
    this.summary = summary;
    this.empty = empty;
    this.sessionId = null;
    this.total = 0;          // memes in the session
    this.raters = [];        // [{id, name, rated, skipped, online}]
    this.timer = null;
    this.loading = null;
  }

  // Shows session id (null: none) with total memes; reloads the list.
  show(sessionId, total) {
    this.total = total;
    if (sessionId !== this.sessionId) {
      this.sessionId = sessionId;
      this.raters = [];
    }
    this.render();
    return this.load();
  }

  setTotal(total) {
    if (total === this.total) return;
    this.total = total;
    this.render();
  }

  async load() {
    const id = this.sessionId;
    if (!id) return;
    try {
      const list = await api.get(`/api/admin/sessions/${id}/raters`);
      if (id !== this.sessionId || !Array.isArray(list)) return;
      this.raters = list;
      this.render();
    } catch {
      /* the next event or reload tries again */
    }
  }

  // A reload soon, not one per event of a busy room.
  reloadSoon() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.load();
    }, RELOAD_MS);
  }

  // new_rating: a first rating of a meme counts at once; a rater not yet
  // listed (just joined) comes with the next reload.
  onRating(d) {
    if (d.session_id !== this.sessionId) return;
    const r = this.raters.find((x) => d.rater && x.id === d.rater.id);
    if (!r) {
      this.reloadSoon();
      return;
    }
    r.online = true;
    if (!d.replaced) r.rated = Math.min(this.total || Infinity, r.rated + 1);
    this.render();
  }

  // Raters who have rated some memes but not all of them.
  midway() {
    return this.raters.filter((r) => r.rated > 0 && r.rated < this.total);
  }

  render() {
    const online = this.raters.filter((r) => r.online).length;
    setText(this.summary, this.raters.length
      ? `${online} of ${plural(this.raters.length, 'rater')} online` : '');
    this.empty.hidden = this.raters.length > 0;
    fill(this.list, this.raters.map((r) => this.row(r)));
  }

  row(r) {
    const pct = this.total ? Math.round((r.rated / this.total) * 100) : 0;
    const done = this.total > 0 && r.rated >= this.total;
    return h('li', { class: 'flex flex-col gap-1 rounded-xl bg-white/5 px-3 py-2', dataset: { raterId: String(r.id) } },
      h('div', { class: 'flex items-center gap-2' },
        h('span', {
          class: `h-2.5 w-2.5 shrink-0 rounded-full ${r.online ? 'bg-pop-mint' : 'bg-white/25'}`,
          'aria-hidden': 'true',
        }),
        h('span', { class: 'min-w-0 flex-1 truncate text-base font-semibold', title: r.name }, r.name),
        h('span', { class: 'shrink-0 text-base font-bold tabular-nums text-white/80' },
          `rated ${r.rated} of ${this.total}`),
        h('span', { class: 'sr-only' }, r.online ? ', online' : ', offline',
          r.skipped ? `, ${r.skipped} skipped` : ''),
        this.onRename && h('button', {
          type: 'button', class: 'btn-ghost shrink-0 px-2 py-0.5 text-sm 2xl:text-base', 'aria-label': `Rename ${r.name}`,
          onclick: () => this.onRename(r),
        }, 'Rename'),
        this.onKick && h('button', {
          type: 'button', class: 'btn-danger shrink-0 px-2 py-0.5 text-sm 2xl:text-base', 'aria-label': `Kick ${r.name}`,
          onclick: () => this.onKick(r),
        }, 'Kick')),
      h('div', { class: 'h-1.5 overflow-hidden rounded-full bg-white/10', 'aria-hidden': 'true' },
        h('div', {
          class: `h-full rounded-full ${done ? 'bg-pop-mint' : 'bg-pop-sky'}`,
          style: `width:${pct}%`,
        })));
  }
}
