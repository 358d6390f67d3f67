// The admin dashboard (/admin): login, the session card, populate and
// upload, statistics cards and the meme grid (updated in place with a
// highlight), the live activity feed, the join QR code, reveal and export.
// State lives in `st`; each part has one render function.
import { AdminLogin } from './adminlogin.js';
import { api, ApiError, getCsrf, request, setCsrf, siteConfig, upload } from './api.js';
import { $, flashEl, fill, fmtScore, fmtTime, h, plural, setText } from './dom.js';
import { histogramChart } from './charts.js';
import { Participants } from './participants.js';
import { qrSvg } from './qr.js';
import { toast } from './toast.js';
import { ConnectionBadge, LiveChannel } from './websocket.js';


const st = {
  session: null,
  sessions: [],
  memes: [],
  stats: new Map(),    // meme_id -> meme STATS
  ratings: 0,
  raters: 0,
  reveal: { revealed: 0, total: 0, last: null },
  viewing: null,       // a session id chosen from the list, else null (current)
  feed: [],
};
const cards = new Map(); // meme_id -> {root, count, avg, range, bar, hist}

const el = {
  views: { loading: $('#view-loading'), login: $('#view-login'), dash: $('#view-dash') },
  loginForm: $('#login-form'), password: $('#password'), loginError: $('#login-error'), loginBtn: $('#login-btn'),
  logout: $('#logout'), online: $('#online'), onlineText: $('#online-text'),
  head: $('#session-head'), headName: $('#head-name'), headStatus: $('#head-status'),
  qr: $('#qr'), joinUrl: $('#join-url'), joinWarn: $('#join-warn'),
  sName: $('#session-name'), sMeta: $('#session-meta'), sStatus: $('#session-status'),
  start: $('#start'), finish: $('#finish'), populate: $('#populate'),
  createForm: $('#create-form'), newName: $('#new-name'), create: $('#create'),
  uploadCard: $('#upload-card'), drop: $('#dropzone'), files: $('#files'),
  uploadFill: $('#upload-fill'), uploadText: $('#upload-text'),
  sessions: $('#sessions'),
  statMemes: $('#stat-memes'), statRatings: $('#stat-ratings'), statRaters: $('#stat-raters'), statAvg: $('#stat-avg'),
  grid: $('#grid'), gridEmpty: $('#grid-empty'), gridNote: $('#grid-note'),
  revealCard: $('#reveal-card'), revealCount: $('#reveal-count'), revealLast: $('#reveal-last'),
  revealPrev: $('#reveal-prev'), revealNext: $('#reveal-next'), revealReset: $('#reveal-reset'),
  resultsOpen: $('#results-open'), exportLink: $('#export'),
  feed: $('#feed'), feedEmpty: $('#feed-empty'),
  confirm: $('#confirm'), confirmText: $('#confirm-text'),
  confirmTitle: $('#confirm-title'), confirmOk: $('#confirm-ok'),
};
const participants = new Participants({
  list: $('#participants'), summary: $('#participants-summary'), empty: $('#participants-empty'),
  onRename: (r) => renameRater(r), onKick: (r) => kickRater(r),
});
Object.assign(el, {
  newPace: $('#new-pace'), newSeconds: $('#new-seconds'),
  roundCard: $('#round-card'), roundStatus: $('#round-status'), roundText: $('#round-text'),
  roundPrev: $('#round-prev'), roundNext: $('#round-next'), roundClose: $('#round-close'),
  hideResults: $('#hide-results'), lock: $('#lock'), feedCard: $('#feed-card'),
});
const HIDE = 'memeter.hideResults';
const FEED_MAX = 40;

const badge = new ConnectionBadge($('#badge'));
let channel = null;

function show(view) {
  for (const [k, node] of Object.entries(el.views)) node.hidden = k !== view;
  el.logout.hidden = view !== 'dash';
}

// --- state ------------------------------------------------------------------

function statePath() {
  return st.viewing ? `/api/admin/state?session=${st.viewing}` : '/api/admin/state';
}

function applyState(s) {
  if (s.csrf) setCsrf(s.csrf);
  st.session = s.session || null;
  st.sessions = s.sessions || [];
  st.memes = s.memes || [];
  st.round = s.round || null;
  st.stats = new Map();
  applyStats(s.stats || {});
  channel?.noteStateSeq(s.seq);
}

// The last upload's outcome belongs to that moment: a later success
// (populate, another session) must not leave an old failure standing.
function clearUploadNote() {
  setText(el.uploadText, '');
  el.uploadFill.style.width = '0%';
}

// A session just created has no memes, ratings or feed yet: show it empty.
function showNewSession(s) {
  clearUploadNote();
  st.session = s;
  st.memes = [];
  st.stats = new Map();
  st.ratings = 0;
  st.raters = 0;
  st.feed = [];
}

function applyStats(stats) {
  if (typeof stats.ratings === 'number') st.ratings = stats.ratings;
  if (typeof stats.raters === 'number') st.raters = stats.raters;
  for (const m of stats.memes || []) st.stats.set(m.meme_id, m);
}

// The session average from the per-meme figures (stats_updated does not
// carry it): sum of avg * count over all memes.
function sessionAvg() {
  let sum = 0;
  let n = 0;
  for (const m of st.stats.values()) {
    if (m.count > 0 && m.avg !== null) {
      sum += m.avg * m.count;
      n += m.count;
    }
  }
  return n ? sum / n : null;
}

async function load() {
  const s = await api.get(statePath());
  applyState(s);
  if (st.session && st.session.status === 'finished') await loadReveal();
  renderAll();
  loadFeed();
  participants.show(st.session ? st.session.id : null, st.memes.length);
  return s.seq;
}

// The feed's recent history (it is live-only otherwise): the session's
// last ratings, merged with any that arrived live meanwhile.
async function loadFeed() {
  const id = st.session && st.session.id;
  if (!id) return;
  try {
    const past = await api.get(`/api/admin/sessions/${id}/activity?limit=${FEED_MAX}`);
    if (!isShown(id) || !Array.isArray(past)) return;
    const seen = new Set(st.feed.map((x) => x.seq));
    st.feed = [...st.feed, ...past.filter((x) => !seen.has(x.seq))]
      .sort((a, b) => b.seq - a.seq).slice(0, FEED_MAX);
    renderFeed();
  } catch {
    /* the live feed still works */
  }
}

async function loadReveal() {
  try {
    const r = await api.get(`/api/results/${st.session.id}`);
    st.reveal = { revealed: r.revealed, total: r.total, last: (r.results || [])[0] || null };
  } catch {
    st.reveal = { revealed: 0, total: st.memes.length, last: null };
  }
}

// --- rendering --------------------------------------------------------------

const STATUS_PILL = {
  draft: ['Draft', 'bg-white/10 text-white/80'],
  active: ['Live now', 'bg-pop-mint/15 text-pop-mint'],
  finished: ['Finished', 'bg-pop-pink/20 text-pop-pink'],
};

function pill(node, status) {
  const [text, cls] = STATUS_PILL[status] || ['', ''];
  node.className = `pill shrink-0 ${cls}`;
  setText(node, text);
}

function renderAll() {
  renderSession();
  renderSessions();
  renderStats(false);
  renderGrid();
  renderReveal();
  renderFeed();
}

function renderSession() {
  const s = st.session;
  el.head.hidden = !s;
  el.sStatus.hidden = !s;
  el.views.dash.dataset.status = s ? s.status : '';
  if (!s) {
    setText(el.sName, 'No session yet');
    setText(el.sMeta, 'Name one below to get started.');
  } else {
    setText(el.sName, s.name);
    setText(el.headName, s.name);
    pill(el.sStatus, s.status);
    pill(el.headStatus, s.status);
    const meta = s.status === 'finished' ? `Finished ${fmtTime(s.finished_at)}`
      : s.status === 'active' ? `Started ${fmtTime(s.started_at)}` : `Created ${fmtTime(s.created_at)}`;
    setText(el.sMeta, `${meta} · ${plural(st.memes.length, 'meme')}`);
  }
  const status = s && s.status;
  el.start.hidden = status !== 'draft';
  el.start.disabled = status === 'draft' && st.memes.length === 0;
  el.start.title = el.start.disabled ? 'Add memes first' : '';
  el.finish.hidden = status !== 'active';
  el.populate.hidden = !(status === 'draft' || status === 'active');
  el.uploadCard.hidden = el.populate.hidden;
  el.createForm.hidden = status === 'draft' || status === 'active';
  el.lock.hidden = !(status === 'draft' || status === 'active');
  const locked = !!(s && s.locked);
  el.lock.setAttribute('aria-pressed', String(locked));
  setText(el.lock, locked ? 'Unlock joining' : 'Lock joining');
  renderRound();
  applyHide();
}

// --- host-paced rounds ----------------------------------------------------------

function renderRound() {
  const s = st.session;
  const r = s && s.pace === 'host' && s.status === 'active' ? st.round : null;
  el.roundCard.hidden = !r;
  if (!r) return;
  const meme = st.memes.find((m) => m.id === r.meme_id);
  setText(el.roundStatus, r.state === 'open' ? 'Voting open' : 'Closed');
  setText(el.roundText, r.index
    ? `${r.index} of ${r.total}: ${meme ? meme.title : 'meme'} · ${plural(r.voted, 'vote')}`
    : `No meme open yet · ${plural(r.total, 'meme')} · press Next`);
  el.roundPrev.disabled = r.index <= 1;
  el.roundNext.disabled = r.index >= r.total;
  el.roundClose.disabled = r.state !== 'open';
}

async function roundStep(action, button) {
  const r = await act(button, () => api.post(`/api/admin/sessions/${st.session.id}/round`, { action }));
  if (r) {
    st.round = r;
    renderRound();
  }
}

function roundVotes(d) {
  const m = (d.memes || []).find((x) => st.round && x.meme_id === st.round.meme_id);
  if (m) {
    st.round.voted = m.count;
    renderRound();
  }
}

function onRound(ev) {
  if (!st.session || ev.data.session_id !== st.session.id) return;
  st.round = ev.data;
  renderRound();
}

// --- "Hide results": for a host who projects this dashboard --------------------

function applyHide() {
  const hide = localStorage.getItem(HIDE) === '1';
  el.hideResults.setAttribute('aria-checked', String(hide));
  el.statAvg.parentElement.hidden = hide;
  el.feedCard.hidden = hide;
  for (const c of cards.values()) {
    for (const node of [c.avg, c.range, c.bar?.parentElement || c.bar, c.hist]) if (node) node.hidden = hide;
  }
}

// --- moderation -----------------------------------------------------------------

async function renameRater(r) {
  const name = window.prompt(`New name for ${r.name}`, r.name);
  if (name === null || !name.trim()) return;
  const out = await act(null, () => api.patch(`/api/admin/raters/${r.id}`, { name: name.trim() }));
  if (out) {
    toast('Renamed', { tone: 'success', detail: `${r.name} is now ${out.name}` });
    participants.load();
  }
}

async function kickRater(r) {
  if (!window.confirm(`Kick ${r.name}? Their ratings in this session are removed.`)) return;
  const out = await act(null, () => api.post(`/api/admin/raters/${r.id}/kick`));
  if (out) {
    toast('Kicked', { tone: 'success', detail: `${r.name}: ${plural(out.removed, 'rating')} removed` });
    participants.load();
  }
}

async function toggleLock() {
  const s = st.session;
  if (!s) return;
  const out = await act(el.lock, () => api.post(`/api/admin/sessions/${s.id}/lock`, { locked: !s.locked }));
  if (out) {
    Object.assign(s, out);
    renderSession();
  }
}

function onModerated(ev) {
  const d = ev.data || {};
  if (d.rater) {
    for (const item of st.feed) {
      if (item.data?.rater?.id === d.rater.id) item.data.rater.name = d.rater.name;
    }
    if (ev.type === 'rater_kicked') st.feed = st.feed.filter((x) => x.data?.rater?.id !== d.rater.id);
    renderFeed();
  }
  participants.reloadSoon();
}

function renderSessions() {
  fill(el.sessions, st.sessions.map((s) => {
    const current = st.session && st.session.id === s.id;
    const [label, cls] = STATUS_PILL[s.status] || ['', ''];
    return h('li', { class: 'flex items-center gap-1', dataset: { sessionId: String(s.id) } },
      h('button', {
        type: 'button',
        class: `flex min-w-0 flex-1 items-center gap-3 rounded-xl px-3 py-2 text-left hover:bg-white/10 ${current ? 'bg-white/10' : ''}`,
        'aria-current': current ? 'true' : null,
        onclick: () => viewSession(s.id),
      },
      h('span', { class: 'min-w-0 flex-1 truncate font-semibold 2xl:text-lg', title: s.name }, s.name),
      h('span', { class: `pill shrink-0 px-2 py-0.5 text-xs 2xl:text-base ${cls}` }, label)),
      s.status === 'active' ? null : h('button', {
        type: 'button',
        class: 'btn-ghost shrink-0 px-2 py-1 text-sm 2xl:text-base',
        'aria-label': `Delete ${s.name}`,
        title: `Delete ${s.name}`,
        onclick: (e) => deleteSession(s, e.currentTarget),
      }, 'Delete'));
  }));
  if (!st.sessions.length) fill(el.sessions, h('li', { class: 'text-white/60' }, 'None yet.'));
}

function renderStats(flash) {
  setText(el.statMemes, st.memes.length, flash);
  setText(el.statRatings, st.ratings, flash);
  setText(el.statRaters, st.raters, flash);
  setText(el.statAvg, fmtScore(sessionAvg()), flash);
}

function memeCard(m) {
  const count = h('span', { class: 'whitespace-nowrap tabular-nums' });
  const avg = h('span', { class: 'shrink-0 rounded-xl bg-pop-yellow px-2.5 py-1 text-xl font-black tabular-nums text-ink-950' });
  const range = h('span', { class: 'whitespace-nowrap tabular-nums' });
  const bar = h('div', { class: 'h-full rounded-full bg-gradient-to-r from-pop-pink to-pop-yellow transition-[width] duration-500', style: 'width:0%' });
  const hist = h('div', { class: 'h-12' });
  const title = h('p', { class: 'min-w-0 truncate text-lg font-bold 2xl:text-xl', title: m.title }, m.title);
  const rename = h('button', {
    type: 'button', class: 'btn-ghost px-2 py-0.5 text-sm 2xl:text-base', 'aria-label': `Rename ${m.title}`,
    onclick: () => startRename(m.id),
  }, 'Rename');
  const remove = h('button', {
    type: 'button', class: 'btn-ghost px-2 py-0.5 text-sm 2xl:text-base', 'aria-label': `Remove ${m.title} from this draft`,
    onclick: (e) => removeMeme(m.id, e.currentTarget),
  }, 'Remove');
  const root = h('li', { class: 'flex gap-3 rounded-2xl border border-white/10 bg-white/5 p-3', dataset: { memeId: String(m.id) } },
    h('img', {
      src: m.thumb_url || m.url, alt: m.title, loading: 'lazy', width: 112, height: 112,
      class: 'h-20 w-20 shrink-0 rounded-xl bg-black/40 object-cover sm:h-24 sm:w-24 2xl:h-28 2xl:w-28',
    }),
    h('div', { class: 'flex min-w-0 flex-1 flex-col gap-1.5' },
      h('div', { class: 'flex items-start justify-between gap-2' }, title, avg),
      h('div', { class: 'flex flex-wrap gap-2' }, rename, remove),
      h('p', { class: 'flex flex-wrap gap-x-3 text-sm font-semibold text-white/70 2xl:text-base' },
        count, h('span', { class: 'whitespace-nowrap' }, 'range ', range)),
      h('div', { class: 'h-2 overflow-hidden rounded-full bg-white/10', 'aria-hidden': 'true' }, bar),
      hist));
  const c = { root, count, avg, range, bar, hist, title, rename, remove, key: '' };
  cards.set(m.id, c);
  return c;
}

function updateCard(c, s, flash) {
  const rated = s && s.count > 0;
  const key = rated ? `${s.count}/${s.avg}/${s.histogram}` : '0';
  if (c.key === key) return;
  c.key = key;
  setText(c.count, plural(rated ? s.count : 0, 'rating'));
  setText(c.avg, rated ? fmtScore(s.avg) : '–');
  setText(c.range, rated ? `${s.min}..${s.max}` : '–');
  c.bar.style.width = rated ? `${s.avg * 10}%` : '0%';
  c.hist.replaceChildren(histogramChart(rated ? s.histogram : new Array(11).fill(0), { height: 48 }));
  if (flash) flashEl(c.root);
}

function renderGrid(flashIds = null) {
  const want = st.memes.map((m) => m.id);
  const have = [...el.grid.children].map((n) => Number(n.dataset.memeId));
  if (want.join() !== have.join()) {
    for (const id of [...cards.keys()]) if (!want.includes(id)) cards.delete(id);
    fill(el.grid, st.memes.map((m) => (cards.get(m.id) || memeCard(m)).root));
  }
  const draft = !!st.session && st.session.status === 'draft';
  for (const m of st.memes) {
    const c = cards.get(m.id);
    c.remove.hidden = !draft;
    updateCard(c, st.stats.get(m.id), flashIds ? flashIds.has(m.id) : false);
  }
  el.gridEmpty.hidden = st.memes.length > 0;
  setText(el.gridNote, st.memes.length ? `in session order · ${plural(st.memes.length, 'meme')}` : '');
  applyHide();
}

function renderReveal() {
  const s = st.session;
  const on = s && s.status === 'finished';
  el.revealCard.hidden = !on;
  if (!on) return;
  const r = st.reveal;
  setText(el.revealCount, `${r.revealed} / ${r.total}`);
  setText(el.revealLast, r.last
    ? `Just revealed: #${r.last.place} ${r.last.meme.title} (${fmtScore(r.last.avg)})`
    : 'Nothing revealed yet. Put the results page on the big screen and reveal from last place to first (→ or PageDown works too).');
  el.revealPrev.disabled = r.revealed === 0;
  el.revealReset.disabled = r.revealed === 0;
  el.revealNext.disabled = r.revealed >= r.total;
  setText(el.revealNext, r.revealed >= r.total ? 'All revealed' : r.total - r.revealed <= 3 ? 'Reveal podium' : 'Reveal next');
  el.resultsOpen.href = `/results/${s.id}`;
  el.exportLink.href = `/api/admin/sessions/${s.id}/export.csv`;
}

function feedItem(ev) {
  const d = ev.data;
  const m = st.memes.find((x) => x.id === d.meme_id);
  const title = m ? m.title : `meme ${d.meme_id}`;
  return h('li', { class: 'toast flex items-center gap-3 rounded-2xl bg-white/5 px-3 py-2', dataset: { seq: String(ev.seq) } },
    m ? h('img', { src: m.thumb_url || m.url, alt: '', class: 'h-10 w-10 shrink-0 rounded-lg object-cover', width: 40, height: 40 }) : null,
    h('p', { class: 'min-w-0 flex-1 text-base leading-snug [overflow-wrap:anywhere] 2xl:text-lg' },
      h('span', { class: 'font-bold text-pop-pink' }, d.rater ? d.rater.name : 'Someone'),
      d.replaced ? ' changed to ' : ' rated ',
      h('span', { class: 'font-semibold' }, title)),
    h('span', { class: 'shrink-0 text-2xl font-black tabular-nums text-pop-yellow' }, String(d.score)),
    h('time', { class: 'shrink-0 text-right text-xs tabular-nums text-white/60 2xl:text-base', datetime: ev.ts || '' }, fmtTime(ev.ts)));
}

function renderFeed() {
  fill(el.feed, st.feed.map(feedItem));
  el.feedEmpty.hidden = st.feed.length > 0;
}

// The address raters join at: the server's join_url (GET /api/config:
// public_url, else site_origin), this page's origin until it answers.
// ?join=URL overrides it for this page load only (never stored).
let joinUrlFromServer = null;

function joinUrl() {
  const given = new URLSearchParams(location.search).get('join');
  if (given && /^https?:\/\//.test(given)) return given;
  return joinUrlFromServer || `${location.origin}/`;
}

// Phones cannot reach the host's own loopback address, the one a default
// `make run` yields.  (Another 127.x given as public URL on purpose, as
// the tests do to stand in for a LAN address, is the host's choice.)
function isLoopbackUrl(url) {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host === '127.0.0.1';
  } catch {
    return false;
  }
}

async function loadConfig() {
  try {
    const c = await siteConfig();
    if (c && typeof c.join_url === 'string' && c.join_url) joinUrlFromServer = c.join_url;
  } catch {
    /* keep this page's origin */
  }
  renderQr();
}

function renderQr() {
  const url = joinUrl();
  setText(el.joinUrl, url.replace(/^https?:\/\//, '').replace(/\/$/, ''));
  el.qr.replaceChildren(qrSvg(url));
  el.qr.setAttribute('aria-label', `QR code to join at ${url}`);
  el.joinUrl.dataset.url = url;
  el.joinWarn.hidden = !isLoopbackUrl(url);
}

// --- events -----------------------------------------------------------------

function isShown(sessionId) {
  return st.session && st.session.id === sessionId;
}

function upsertSession(s) {
  const i = st.sessions.findIndex((x) => x.id === s.id);
  if (i >= 0) st.sessions[i] = { ...st.sessions[i], ...s };
  else st.sessions = [s, ...st.sessions];
}

function onSessionCreated(ev) {
  const s = ev.data;
  upsertSession(s);
  // A new draft takes over a dashboard that shows nothing or a finished one.
  if (!st.viewing && (!st.session || (st.session.status === 'finished' && st.session.id < s.id))) {
    showNewSession(s);
    renderAll();
    participants.show(s.id, 0);
  } else {
    renderSessions();
  }
}

function onSessionStarted(ev) {
  const { memes, ...s } = ev.data;
  upsertSession(s);
  if (isShown(s.id)) {
    st.session = s;
    if (Array.isArray(memes)) st.memes = memes;
    toast('Session started — rating is open!', { tone: 'success', detail: s.name });
    renderAll();
    participants.show(s.id, st.memes.length);
  } else if (!st.viewing) {
    st.session = s;
    load().catch(() => {});
  } else {
    renderSessions();
  }
}

function onSessionFinished(ev) {
  const s = ev.data;
  upsertSession(s);
  if (isShown(s.id)) {
    const was = st.session.status;
    st.session = s;
    st.reveal = { revealed: 0, total: st.memes.length, last: null };
    if (was === 'active') toast('Session finished', { tone: 'info', detail: 'Time for the reveal!' });
    loadReveal().then(renderReveal);
  }
  renderSession();
  renderSessions();
  renderReveal();
}

function onMemesPopulated(ev) {
  const d = ev.data;
  if (!isShown(d.session_id)) return;
  const known = new Set(st.memes.map((m) => m.id));
  const added = (d.memes || []).filter((m) => !known.has(m.id));
  if (!added.length) return;
  st.memes = [...st.memes, ...added];
  renderSession();
  renderGrid();
  renderStats(true);
  participants.setTotal(st.memes.length);
}

function onNewRating(ev) {
  const d = ev.data;
  if (!isShown(d.session_id)) return;
  participants.onRating(d);
  if (st.feed.some((x) => x.seq === ev.seq)) return;
  st.feed = [ev, ...st.feed].slice(0, FEED_MAX);
  el.feed.prepend(feedItem(ev));
  while (el.feed.children.length > FEED_MAX) el.feed.lastElementChild.remove();
  el.feedEmpty.hidden = true;
  const c = cards.get(d.meme_id);
  if (c) flashEl(c.root);
}

function onStatsUpdated(ev) {
  const d = ev.data;
  if (!isShown(d.session_id)) return;
  applyStats(d);
  renderStats(true);
  renderGrid(new Set((d.memes || []).map((m) => m.meme_id)));
  roundVotes(d);
}

function onRevealed(ev) {
  const d = ev.data;
  if (!isShown(d.session_id)) return;
  st.reveal = { revealed: d.revealed, total: d.total, last: (d.results || [])[0] || null };
  renderReveal();
}

function onPresence(p) {
  el.online.hidden = false;
  setText(el.onlineText, `${plural(p.raters || 0, 'rater')} online`, true);
  participants.reloadSoon();
}

// A meme's new title, wherever it shows.
function applyTitle(memeId, title) {
  const m = st.memes.find((x) => x.id === memeId);
  if (!m || m.title === title) return;
  m.title = title;
  const c = cards.get(memeId);
  if (c && !c.editing) {
    setText(c.title, title);
    c.title.title = title;
    c.rename.setAttribute('aria-label', `Rename ${title}`);
    c.remove.setAttribute('aria-label', `Remove ${title} from this draft`);
  }
  renderFeed();
}

function onMemeRenamed(ev) {
  applyTitle(ev.data.meme_id, ev.data.title);
}

function onMemesRemoved(ev) {
  const d = ev.data;
  if (!isShown(d.session_id)) return;
  const gone = new Set(d.meme_ids || []);
  st.memes = st.memes.filter((m) => !gone.has(m.id));
  renderSession();
  renderGrid();
  renderStats(false);
  participants.setTotal(st.memes.length);
}

function onSessionDeleted(ev) {
  const id = ev.data.session_id;
  st.sessions = st.sessions.filter((x) => x.id !== id);
  if (isShown(id)) {
    st.viewing = null;
    st.feed = [];
    load().catch(() => {});
  } else {
    renderSessions();
  }
}

// --- actions ----------------------------------------------------------------

// Runs an admin action with its button disabled; 401 goes back to login.
async function act(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      loggedOut('Your login expired — please log in again.');
    } else {
      toast(e.message || 'That did not work', { tone: 'error' });
    }
    return null;
  } finally {
    if (button) button.disabled = false;
    renderSession();
  }
}

async function createSession(e) {
  e.preventDefault();
  const name = el.newName.value.trim();
  if (!name) {
    el.newName.focus();
    toast('Give the session a name first', { tone: 'warn' });
    return;
  }
  const pace = el.newPace.value === 'host' ? 'host' : 'self';
  const seconds = Math.max(0, Math.min(600, Math.round(Number(el.newSeconds.value) || 0)));
  const s = await act(el.create, () => api.post('/api/admin/sessions',
    pace === 'host' ? { name, pace, seconds } : { name }));
  if (s) {
    el.newName.value = '';
    st.viewing = null;
    upsertSession(s);
    showNewSession(s);
    renderAll();
    participants.show(s.id, 0);
    toast('Session created', { tone: 'success', detail: `${s.name} — now add memes` });
  }
}

async function startSession() {
  const s = await act(el.start, () => api.post(`/api/admin/sessions/${st.session.id}/start`));
  if (s && isShown(s.id)) {
    st.session = { ...st.session, ...s };
    upsertSession(st.session);
    renderAll();
  }
}

// The confirm dialog: resolves true when the host chose ok.
function confirmDialog(title, text, ok) {
  setText(el.confirmTitle, title);
  setText(el.confirmText, text);
  setText(el.confirmOk, ok);
  el.confirm.returnValue = '';
  el.confirm.showModal();
  return new Promise((resolve) => el.confirm.addEventListener('close',
    () => resolve(el.confirm.returnValue === 'ok'), { once: true }));
}

async function finishSession() {
  await participants.load();
  const midway = participants.midway();
  const warn = midway.length
    ? `${midway.length === 1 ? '1 rater is' : `${midway.length} raters are`} midway (${midway.slice(0, 3).map((r) => r.name).join(', ')}${midway.length > 3 ? ', …' : ''}). `
    : '';
  const ok = await confirmDialog('Finish the session?',
    `${warn}Raters can't rate “${st.session.name}” any more once it ends. Then you can reveal the results.`,
    'Finish now');
  if (!ok) return;
  const s = await act(el.finish, () => api.post(`/api/admin/sessions/${st.session.id}/finish`));
  if (s && isShown(s.id) && st.session.status !== 'finished') {
    onSessionFinished({ data: s });
  }
}

async function deleteSession(s, button) {
  const what = s.status === 'draft' ? 'draft' : 'session';
  const ok = await confirmDialog(`Delete “${s.name}”?`,
    `The ${what}, its memes list and every rating in it are gone for good (the images stay in the library).`,
    'Delete');
  if (!ok) return;
  const r = await act(button, () => request('DELETE', `/api/admin/sessions/${s.id}`));
  if (!r) return;
  toast('Session deleted', { tone: 'info', detail: s.name });
  onSessionDeleted({ data: { session_id: s.id } });
}

async function removeMeme(memeId, button) {
  if (!st.session) return;
  const id = st.session.id;
  const r = await act(button, () => request('DELETE', `/api/admin/sessions/${id}/memes/${memeId}`));
  if (r) onMemesRemoved({ data: { session_id: id, meme_ids: [memeId] } });
}

// Inline rename: the title becomes a field; Enter saves, Escape cancels.
function startRename(memeId) {
  const c = cards.get(memeId);
  const m = st.memes.find((x) => x.id === memeId);
  if (!c || !m || c.editing) return;
  c.editing = true;
  const input = h('input', {
    class: 'field min-w-0 flex-1 px-2 py-1 text-base', type: 'text', maxlength: 80,
    value: m.title, 'aria-label': `New title for ${m.title}`,
  });
  const form = h('form', { class: 'flex min-w-0 flex-1 gap-2' }, input,
    h('button', { type: 'submit', class: 'btn-primary px-3 py-1 text-sm' }, 'Save'));
  const done = () => {
    c.editing = false;
    form.replaceWith(c.title);
    const now = st.memes.find((x) => x.id === memeId);
    if (now) applyTitleToCard(c, now.title);
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = input.value.trim();
    if (!title) {
      toast('A title needs 1 to 80 characters', { tone: 'warn' });
      input.focus();
      return;
    }
    const r = await act(null, () => api.patch(`/api/admin/memes/${memeId}`, { title }));
    if (!r) return;
    done();
    applyTitle(memeId, r.title);
    c.rename.focus();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      done();
      c.rename.focus();
    }
  });
  c.title.replaceWith(form);
  input.focus();
  input.select();
}

function applyTitleToCard(c, title) {
  setText(c.title, title);
  c.title.title = title;
}

async function populate() {
  const r = await act(el.populate, () => api.post(`/api/admin/sessions/${st.session.id}/populate`));
  if (!r) return;
  onMemesPopulated({ data: { session_id: st.session.id, memes: r.memes || [] } });
  clearUploadNote();
  toast(r.added ? `Added ${plural(r.added, 'meme')} from the library` : 'The library has nothing new',
    { tone: r.added ? 'success' : 'info' });
}

async function uploadFiles(files) {
  const list = [...files].filter((f) => /^image\/(jpeg|png|gif|webp)$/.test(f.type) || /\.(jpe?g|png|gif|webp)$/i.test(f.name));
  if (!list.length) {
    toast('Only JPEG, PNG, GIF or WebP images can be added', { tone: 'warn' });
    return;
  }
  if (!st.session) return;
  const id = st.session.id;
  el.uploadFill.style.width = '0%';
  setText(el.uploadText, `Uploading ${plural(list.length, 'image')}…`);
  const r = await act(null, () => upload(`/api/admin/sessions/${id}/memes`, list, (f) => {
    el.uploadFill.style.width = `${Math.round(f * 100)}%`;
  }));
  el.uploadFill.style.width = r ? '100%' : '0%';
  const known = r ? list.length - r.added : 0;
  setText(el.uploadText, r ? `Added ${plural(r.added, 'meme')}${known ? `, ${known} already there` : ''}` : 'Upload failed: nothing was added.');
  if (r) onMemesPopulated({ data: { session_id: id, memes: r.memes || [] } });
  el.files.value = '';
}

async function reveal(action, button) {
  const r = await act(button, () => api.post(`/api/admin/sessions/${st.session.id}/reveal`, { action }));
  if (r) {
    const changed = r.revealed !== st.reveal.revealed;
    st.reveal.revealed = r.revealed;
    st.reveal.total = r.total;
    if (changed) await loadReveal();
    renderReveal();
  }
}

async function viewSession(id) {
  st.viewing = st.session && st.session.id === id ? st.viewing : id;
  st.feed = [];
  try {
    await load();
  } catch (e) {
    toast(e.message, { tone: 'error' });
  }
}

// --- login (adminlogin.js) ---------------------------------------------------

const auth = new AdminLogin({
  form: el.loginForm, password: el.password, error: el.loginError, button: el.loginBtn,
  badge, show: (v) => show(v), enter: () => enter(),
  left: () => { channel?.stop(); channel = null; },
});
const loggedOut = (message) => auth.loggedOut(message);

// The dashboard after a login or with a remembered one.
async function enter() {
  auth.restoreCsrf();
  channel = new LiveChannel({ path: '/ws/admin', badge, poll: () => load(), resync: () => load() });
  window.__memeter = { channel, st, participants };
  channel.on('session_created', onSessionCreated);
  channel.on('session_started', onSessionStarted);
  channel.on('session_finished', onSessionFinished);
  channel.on('memes_populated', onMemesPopulated);
  channel.on('new_rating', onNewRating);
  channel.on('stats_updated', onStatsUpdated);
  channel.on('results_revealed', onRevealed);
  channel.on('presence', onPresence);
  channel.on('meme_renamed', onMemeRenamed);
  channel.on('memes_removed', onMemesRemoved);
  channel.on('session_deleted', onSessionDeleted);
  channel.on('round_changed', onRound);
  channel.on('rater_renamed', onModerated);
  channel.on('rater_kicked', onModerated);
  channel.on('session_locked', (ev) => {
    if (st.session && ev.data.session_id === st.session.id) {
      st.session.locked = ev.data.locked;
      renderSession();
    }
  });
  try {
    await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      loggedOut('');
      return;
    }
    toast('Cannot reach the server — retrying', { tone: 'warn' });
  }
  // Without a CSRF token (a new tab, and a state that does not carry it)
  // every action would be refused: log in again instead.
  if (!getCsrf()) {
    loggedOut('Log in again to run the party from this tab.');
    return;
  }
  show('dash');
  channel.start();
}

function wire() {
  el.roundPrev.addEventListener('click', () => roundStep('prev', el.roundPrev));
  el.roundNext.addEventListener('click', () => roundStep('next', el.roundNext));
  el.roundClose.addEventListener('click', () => roundStep('close', el.roundClose));
  el.lock.addEventListener('click', toggleLock);
  el.hideResults.addEventListener('click', () => {
    localStorage.setItem(HIDE, localStorage.getItem(HIDE) === '1' ? '0' : '1');
    applyHide();
  });
  el.logout.addEventListener('click', () => auth.logout());
  el.createForm.addEventListener('submit', createSession);
  el.start.addEventListener('click', startSession);
  el.finish.addEventListener('click', finishSession);
  el.populate.addEventListener('click', populate);
  el.revealNext.addEventListener('click', () => reveal('next', el.revealNext));
  el.revealPrev.addEventListener('click', () => reveal('prev', el.revealPrev));
  el.revealReset.addEventListener('click', () => reveal('reset', el.revealReset));
  el.files.addEventListener('change', () => uploadFiles(el.files.files));
  for (const t of ['dragenter', 'dragover']) {
    el.drop.addEventListener(t, (e) => {
      e.preventDefault();
      el.drop.dataset.over = 'true';
    });
  }
  for (const t of ['dragleave', 'drop']) {
    el.drop.addEventListener(t, () => {
      el.drop.dataset.over = 'false';
    });
  }
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) uploadFiles(e.dataTransfer.files);
  });
  // Presenter remotes send PageDown/PageUp; arrows work too.
  document.addEventListener('keydown', (e) => {
    if (el.revealCard.hidden || el.confirm.open) return;
    if (e.target.closest && e.target.closest('input, textarea, select, button, a')) return;
    if (['ArrowRight', 'PageDown'].includes(e.key) && !el.revealNext.disabled) {
      e.preventDefault();
      reveal('next', el.revealNext);
    } else if (['ArrowLeft', 'PageUp'].includes(e.key) && !el.revealPrev.disabled) {
      e.preventDefault();
      reveal('prev', el.revealPrev);
    }
  });
  // Dropping an image anywhere else must not navigate away from the dashboard.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

function boot() {
  wire();
  renderQr();
  loadConfig();
  auth.start();
}

boot();
