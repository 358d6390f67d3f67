// The public results page (/results/{id}): the reveal from last place to
// first as the admin advances it, a podium for the top three and the score
// distribution.  Unrevealed places keep their slot (a mystery card), so the
// page never jumps while places fill in.
import { api } from './api.js';
import { $, fill, fmtScore, h, plural, setText } from './dom.js';
import { distributionRows } from './charts.js';
import { toast } from './toast.js';
import { ConnectionBadge, LiveChannel } from './websocket.js';

const id = Number(location.pathname.split('/').filter(Boolean).pop());
const st = { session: null, revealed: 0, total: 0, places: new Map(), latest: null, finished: null };

const el = {
  title: $('#title'), count: $('#count'), countFill: $('#count-fill'), countBox: $('#count-box'),
  waiting: $('#waiting'), waitingText: $('#waiting-text'), board: $('#board'),
  podium: $('#podium'), rest: $('#rest'), dist: $('#dist'),
};

const badge = new ConnectionBadge($('#badge'));
const channel = new LiveChannel({
  path: '/ws/user', badge, seqFromHello: true, poll: () => load(), resync: () => load(),
});
window.__memeter = { channel, st };

function apply(r) {
  if (r.session) st.session = r.session;
  st.revealed = r.revealed;
  st.total = r.total;
  st.places = new Map((r.results || []).map((p) => [p.place, p]));
  const latest = (r.results || [])[0];
  st.latest = latest ? latest.place : null;
}

// Asks the list of finished sessions first, so a session that is not
// finished yet shows the waiting card without a failed request.
async function load() {
  const finished = await api.get('/api/sessions');
  const session = (Array.isArray(finished) ? finished : []).find((s) => s.id === id);
  if (!session) {
    st.finished = false;
  } else {
    const r = await api.get(`/api/results/${id}`);
    st.finished = true;
    apply(r);
  }
  render();
}

function render() {
  el.waiting.hidden = st.finished !== false;
  el.board.hidden = st.finished !== true;
  el.countBox.style.visibility = st.finished === true ? 'visible' : 'hidden';
  if (st.session) {
    setText(el.title, st.session.name);
    document.title = `memeter · ${st.session.name}`;
  } else if (st.finished === false) {
    setText(el.title, 'Results');
  }
  if (st.finished !== true) {
    setText(el.count, '\u00a0');
    return;
  }
  setText(el.count, st.revealed === 0 ? `${plural(st.total, 'place')} to reveal`
    : st.revealed >= st.total ? `All ${st.total} revealed` : `Revealed ${st.revealed} of ${st.total}`);
  el.countFill.style.width = st.total ? `${(st.revealed / st.total) * 100}%` : '0%';
  renderPodium();
  renderRest();
  fill(el.dist, distributionRows([...st.places.values()].sort((a, b) => a.place - b.place)));
  if (!st.places.size) {
    el.dist.append(h('p', { class: 'text-white/50' }, 'Scores appear here as places are revealed.'));
  }
}

const MEDAL = {
  1: ['1st', 'bg-pop-yellow text-ink-950', 'h-24 xl:h-[14vh]', 'from-pop-yellow/40'],
  2: ['2nd', 'bg-slate-200 text-ink-950', 'h-16 xl:h-[9vh]', 'from-slate-200/30'],
  // Bronze dark enough for white text (amber-600 was 3.2:1).
  3: ['3rd', 'bg-amber-700 text-white', 'h-10 xl:h-[5vh]', 'from-amber-600/40'],
};

function podiumSlot(place) {
  const p = st.places.get(place);
  const [label, medal, pedestal, glow] = MEDAL[place];
  const latest = st.latest === place;
  const card = p
    ? h('div', { class: `flex flex-col items-center gap-2 rounded-2xl bg-gradient-to-b ${glow} to-transparent p-2 text-center xl:p-4 ${latest ? 'animate-rise' : ''}` },
      h('img', {
        src: p.meme.phone_url || p.meme.url, alt: p.meme.title, width: 320, height: 320,
        class: `aspect-square max-h-[30vh] w-full rounded-xl bg-black/40 object-contain shadow-2xl ${place === 1 ? 'ring-4 ring-pop-yellow' : ''}`,
      }),
      h('p', { class: 'line-clamp-2 min-h-[2.5rem] w-full text-sm font-bold leading-tight [overflow-wrap:anywhere] xl:min-h-[4rem] xl:text-2xl low:min-h-[3rem] low:text-xl', title: p.meme.title }, p.meme.title),
      h('p', { class: 'text-2xl font-black tabular-nums text-pop-yellow xl:text-5xl low:text-4xl' }, fmtScore(p.avg)),
      h('p', { class: 'text-sm font-semibold text-white/60 xl:text-lg' }, plural(p.count, 'rating')))
    : h('div', { class: 'flex flex-col items-center gap-2 p-2 text-center xl:p-4' },
      h('div', { class: 'flex aspect-square max-h-[30vh] w-full items-center justify-center rounded-xl border-2 border-dashed border-white/20 bg-white/5 text-5xl font-black text-white/30 xl:text-8xl' }, '?'),
      h('p', { class: 'min-h-[2.5rem] text-sm font-bold leading-tight text-white/40 xl:min-h-[4rem] xl:text-2xl low:min-h-[3rem] low:text-xl' }, 'Still secret'),
      h('p', { class: 'text-2xl font-black text-white/20 xl:text-5xl low:text-4xl' }, '–'),
      h('p', { class: 'text-sm text-transparent xl:text-lg', 'aria-hidden': 'true' }, '.'));
  return h('li', { class: 'flex min-w-0 flex-col', 'aria-label': p ? `Place ${place}: ${p.meme.title}, average ${fmtScore(p.avg)}` : `Place ${place}: not revealed yet` },
    card,
    h('div', { class: `flex ${pedestal} items-start justify-center rounded-t-2xl border-x border-t border-white/15 bg-gradient-to-b from-white/15 to-white/5 pt-2` },
      h('span', { class: `rounded-full px-3 py-1 text-base font-black xl:px-5 xl:py-2 xl:text-2xl ${medal}` }, label)));
}

function renderPodium() {
  const order = [2, 1, 3].filter((p) => p <= st.total);
  el.podium.className = `grid flex-1 items-end gap-2 xl:gap-5 ${order.length === 3 ? 'grid-cols-3' : order.length === 2 ? 'grid-cols-2' : 'grid-cols-1'}`;
  fill(el.podium, order.map(podiumSlot));
  if (!order.length) fill(el.podium, h('li', { class: 'text-white/50' }, 'This session had no memes.'));
}

function renderRest() {
  const rows = [];
  for (let place = 4; place <= st.total; place++) {
    const p = st.places.get(place);
    const latest = st.latest === place;
    rows.push(p
      ? h('li', { class: `flex h-16 items-center gap-3 rounded-2xl px-3 xl:h-20 ${latest ? 'animate-rise bg-pop-yellow/15 ring-2 ring-pop-yellow' : 'bg-white/5'}` },
        h('span', { class: 'min-w-[3.5rem] shrink-0 text-2xl font-black tabular-nums text-white/70 xl:min-w-[4.5rem] xl:text-3xl' }, `#${place}`),
        h('img', { src: p.meme.thumb_url || p.meme.url, alt: p.meme.title, width: 56, height: 56, class: 'h-12 w-12 shrink-0 rounded-lg bg-black/40 object-cover xl:h-14 xl:w-14' }),
        h('span', { class: 'line-clamp-2 min-w-0 flex-1 text-base font-bold leading-tight [overflow-wrap:anywhere] sm:text-lg xl:text-xl 2xl:text-2xl', title: p.meme.title }, p.meme.title),
        h('span', { class: 'hidden shrink-0 whitespace-nowrap text-sm text-white/60 sm:inline xl:hidden 2xl:inline 2xl:text-lg' }, plural(p.count, 'rating')),
        h('span', { class: 'min-w-[4rem] shrink-0 text-right text-2xl font-black tabular-nums text-pop-yellow xl:min-w-[5rem] xl:text-3xl' }, fmtScore(p.avg)))
      : h('li', { class: 'flex h-16 items-center gap-3 rounded-2xl border-2 border-dashed border-white/10 px-3 text-white/30 xl:h-20' },
        h('span', { class: 'min-w-[3.5rem] shrink-0 text-2xl font-black tabular-nums xl:min-w-[4.5rem] xl:text-3xl' }, `#${place}`),
        h('span', { class: 'h-12 w-12 shrink-0 rounded-lg bg-white/5 xl:h-14 xl:w-14' }),
        h('span', { class: 'flex-1 text-lg font-bold xl:text-2xl' }, '? ? ?')));
  }
  if (!rows.length) rows.push(h('li', { class: 'text-white/50' }, 'Only the podium this time.'));
  fill(el.rest, rows);
  // Follow the reveal: the newest place comes into view (on a phone the
  // page scrolls; the podium's turn brings the podium back).
  const latestRow = st.latest && st.latest >= 4 ? el.rest.children[st.latest - 4]
    : st.latest ? el.podium : null;
  latestRow?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

function onRevealed(ev) {
  const d = ev.data || {};
  if (d.session_id !== id) return;
  const before = st.revealed;
  st.finished = true;
  apply(d);
  render();
  if (d.revealed > before && st.latest === 1) {
    const p = st.places.get(1);
    toast('And the winner is…', { tone: 'success', detail: p ? `${p.meme.title} with ${fmtScore(p.avg)}` : '', ms: 8000 });
  }
}

function onFinished(ev) {
  if ((ev.data || {}).id === id) load().catch(() => {});
}

// After the session finished its results only change by the reveal
// (ratings and kicks touch the active session alone); what else can
// change under an open page is a meme's title and the session itself.
function onMemeRenamed(ev) {
  const d = ev.data || {};
  let hit = false;
  for (const p of st.places.values()) {
    if (p.meme && p.meme.id === d.meme_id && typeof d.title === 'string') {
      p.meme.title = d.title;
      hit = true;
    }
  }
  if (hit) {
    st.latest = null;   // no place was revealed: nothing rises again
    render();
  }
}

function onDeleted(ev) {
  if ((ev.data || {}).session_id !== id) return;
  st.finished = false;
  st.session = null;
  st.places = new Map();
  setText(el.waitingText, 'The host deleted this session: its results are gone.');
  render();
}

async function boot() {
  if (!Number.isInteger(id) || id <= 0) {
    st.finished = false;
    setText(el.waitingText, 'There is no session with this number.');
    render();
    return;
  }
  document.title = `memeter · results of session ${id}`;
  channel.on('results_revealed', onRevealed);
  channel.on('session_finished', onFinished);
  channel.on('meme_renamed', onMemeRenamed);
  channel.on('session_deleted', onDeleted);
  try {
    await load();
  } catch {
    setText(el.title, 'Results');
  }
  channel.start();
}

boot();
