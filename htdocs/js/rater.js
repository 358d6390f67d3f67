// The rater view (/): waiting screen, the meme to rate, all-done and
// completion screens.  State lives in `st`; render() draws the DOM from it.
// Ratings go through the offline queue (queue.js) so none is lost or sent
// twice; a rating in progress is never interrupted by live updates.
import { api, ApiError } from './api.js';
import { $, h, fill, fmtScore, mood, plural, setText } from './dom.js';
import { RatingQueue } from './queue.js';
import { BackgroundNotifier } from './notify.js';
import { pin, toast } from './toast.js';
import { ConnectionBadge, LiveChannel } from './websocket.js';

const st = {
  loaded: false,
  session: null,         // S
  memes: [],             // M list, in order
  me: null,              // {id, name}
  ratings: {},           // meme_id -> score (server + queued)
  skipped: [],           // meme ids, oldest skip first
  totals: { ratings: 0, raters: 0 },
  revealing: false,
  activity: {},          // meme_id -> raters who rated it in the last 20 s
};
const ui = {
  screen: 'loading',
  memeId: null,          // the meme on screen
  dirty: false,          // the slider moved on it: don't swap it away
  deferred: false,       // an update arrived while dirty
  rerate: null,          // meme id the rater chose to change
};
const queue = new RatingQueue();

const el = {
  screens: {
    loading: $('#screen-loading'), waiting: $('#screen-waiting'), rate: $('#screen-rate'),
    done: $('#screen-done'), finished: $('#screen-finished'),
  },
  progressWrap: $('#progress-wrap'), progress: $('#progress'), progressFill: $('#progress-fill'),
  progressText: $('#progress-text'), liveCount: $('#live-count'),
  meBtn: $('#me-button'), meName: $('#me-name'),
  img: $('#meme-img'), title: $('#meme-title'), form: $('#rate-form'), range: $('#score'),
  out: $('#score-out'), mood: $('#score-mood'), skip: $('#skip'), submit: $('#submit'),
  note: $('#rate-note'),
  waitingText: $('#waiting-text'), waitingLast: $('#waiting-last'),
  doneText: $('#done-text'), doneList: $('#done-list'),
  finishedText: $('#finished-text'), finishedStats: $('#finished-stats'),
  finishedList: $('#finished-list'), resultsLink: $('#results-link'),
  queueChip: $('#queue-chip'), queueText: $('#queue-text'),
  dialog: $('#rename'), renameForm: $('#rename-form'), renameInput: $('#rename-input'),
  renameError: $('#rename-error'), renameCancel: $('#rename-cancel'),
  roundTimer: $('#round-timer'), reactionBar: $('#reaction-bar'),
  activityLine: $('#activity-line'), waitingActivity: $('#waiting-activity'),
};

pin(el.queueChip);
const badge = new ConnectionBadge($('#badge'));
const channel = new LiveChannel({ path: '/ws/user', badge, poll: () => load(), resync: () => load() });
const notifier = new BackgroundNotifier({ wrap: $('#notify-wrap'), button: $('#notify-me'), text: $('#notify-text') });
window.__memeter = { channel, queue, st };

// --- state ------------------------------------------------------------------

function sessionActive() {
  return st.session && st.session.status === 'active';
}

// Queued (not yet acknowledged) ratings of this session count as rated.
function overlayQueue() {
  if (!st.session) return;
  for (const q of queue.items()) {
    if (q.session_id === st.session.id) st.ratings[q.meme_id] = q.score;
  }
}

function applyState(s) {
  const prevSession = st.session ? st.session.id : null;
  st.session = s.session || null;
  st.memes = Array.isArray(s.memes) ? s.memes : [];
  st.round = s.round || null;
  if (s.me) {
    st.me = { id: s.me.id, name: s.me.name };
    st.ratings = { ...(s.me.ratings || {}) };
    for (const k of Object.keys(st.ratings)) st.ratings[k] = Number(st.ratings[k]);
    // Keep the local skip order (re-skips move to the back, a skip may
    // still be on its way); add the server's others in its order.
    const server = (s.me.skipped || []).map(Number);
    const kept = prevSession === (st.session && st.session.id)
      ? st.skipped.filter((id) => !(id in st.ratings)) : [];
    st.skipped = [...server.filter((id) => !kept.includes(id)), ...kept];
  }
  overlayQueue();
  st.loaded = true;
  channel.noteStateSeq(s.seq);
}

// Server clock minus ours (ms), from the Date header, then refined by
// round_changed's timestamp: the countdown agrees with the big screen.
let clockOffset = 0;
async function syncClock() {
  try {
    const r = await fetch('/api/config', { cache: 'no-store' });
    const d = Date.parse(r.headers.get('Date'));
    if (!Number.isNaN(d)) clockOffset = d + 500 - Date.now();
  } catch { /* keep it */ }
}

function hostPaced() {
  return sessionActive() && st.session.pace === 'host';
}

// The open round's meme, if voting on it is open by the server's clock.
function openRoundMeme() {
  const r = st.round;
  if (!r || r.state !== 'open' || !r.meme_id) return null;
  if (r.closes_at && Date.parse(r.closes_at) <= Date.now() + clockOffset) return null;
  return st.memes.find((m) => m.id === r.meme_id) || null;
}

async function load() {
  if (!clockOffset) await syncClock();
  let s;
  try {
    s = await api.get('/api/state');
  } catch (e) {
    if (e.status === 403 && e.code === 'joining_locked') {
      st.loaded = false;
      showScreen('waiting');
      setText(el.waitingText, 'Joining is locked: the host is not letting anyone new in right now. This page gets you in by itself as soon as joining opens again.');
      return 0;
    }
    throw e;
  }
  applyState(s);
  render();
  flushQueue();
  return s.seq;
}

// The next meme to rate: unrated ones in session order, then the skipped
// ones in the order they were skipped.
function nextMeme() {
  // Host-paced: only the open meme, once (re-rating it replaces).
  if (hostPaced()) {
    const m = openRoundMeme();
    return m && (!(m.id in st.ratings) || ui.rerate === m.id) ? m : null;
  }
  if (ui.rerate !== null) {
    const m = st.memes.find((x) => x.id === ui.rerate);
    if (m) return m;
    ui.rerate = null;
  }
  const unrated = st.memes.filter((m) => !(m.id in st.ratings));
  const fresh = unrated.filter((m) => !st.skipped.includes(m.id));
  if (fresh.length) return fresh[0];
  for (const id of st.skipped) {
    const m = unrated.find((x) => x.id === id);
    if (m) return m;
  }
  return null;
}

function ratedCount() {
  return st.memes.filter((m) => m.id in st.ratings).length;
}

// --- rendering --------------------------------------------------------------

function wantedScreen() {
  if (!st.loaded) return 'loading';
  if (!st.session || st.session.status === 'draft') return 'waiting';
  if (st.session.status === 'finished') return 'finished';
  if (hostPaced()) return nextMeme() ? 'rate' : 'waiting';
  return nextMeme() ? 'rate' : 'done';
}

function render() {
  renderHeader();
  const want = wantedScreen();
  // Never pull a meme away while the rater is choosing its score.
  if (ui.dirty && ui.screen === 'rate' && (want !== 'rate' || nextMeme()?.id !== ui.memeId)) {
    ui.deferred = true;
    setText(el.note, 'Heads up: things changed — submit or skip to continue.');
    return;
  }
  ui.deferred = false;
  // In the same frame as the screen swap: shown or hidden on its own
  // later, the bar under the page would move the rating form (a layout
  // jump of its height).
  el.reactionBar.hidden = !sessionActive();
  showScreen(want);
  if (want === 'waiting') renderWaiting();
  else if (want === 'rate') renderRate(nextMeme());
  else if (want === 'done') renderSummary(el.doneList, true);
  else if (want === 'finished') renderFinished();
  renderActivity();
}

function showScreen(name) {
  if (ui.screen === name) return;
  // A new screen starts at its top.  Scrolling first keeps the swap from
  // pulling the page under a rater who had scrolled down a long list
  // (the browser would clamp the scroll: the whole page jumps).
  if (window.scrollY) window.scrollTo(0, 0);
  for (const [k, node] of Object.entries(el.screens)) node.hidden = k !== name;
  ui.screen = name;
  document.body.dataset.screen = name;
  if (name !== 'rate') ui.memeId = null;
}

function renderHeader() {
  if (st.me) {
    el.meBtn.hidden = false;
    setText(el.meName, st.me.name);
    // The name must hold the visible text (WCAG 2.5.3; words in
    // parentheses do not count).
    el.meBtn.setAttribute('aria-label', `Rename yourself, you are ${st.me.name}`);
  }
  const active = sessionActive();
  el.progressWrap.hidden = !active;
  if (active) {
    const total = st.memes.length;
    const done = ratedCount();
    el.progress.setAttribute('aria-valuenow', String(done));
    el.progress.setAttribute('aria-valuemax', String(total));
    el.progress.setAttribute('aria-valuetext', `${done} of ${total} memes rated`);
    el.progressFill.style.width = total ? `${(done / total) * 100}%` : '0%';
    setText(el.progressText, `${done} / ${total}`);
  }
  const t = st.totals;
  setText(el.liveCount, active && t.raters ? `${plural(t.raters, 'rater')} · ${plural(t.ratings, 'rating')}` : '');
  renderQueueChip();
}

function renderQueueChip() {
  const n = queue.size;
  el.queueChip.hidden = n === 0;
  if (n) {
    // One short line: it sits over the meme on a phone.
    setText(el.queueText, navigator.onLine === false
      ? `Offline · ${plural(n, 'rating')} saved, sent later`
      : `Sending ${plural(n, 'rating')}…`);
  }
}

function renderWaiting() {
  if (hostPaced()) {
    const m = openRoundMeme();
    setText(el.waitingText, m && m.id in st.ratings
      ? 'Your vote is in. Waiting for the next meme…'
      : 'Waiting for the next meme… The host opens one at a time.');
    el.waitingLast.hidden = true;
    return;
  }
  const last = st.session && st.session.status === 'draft' ? st.session : null;
  setText(el.waitingText, last
    ? `“${last.name}” is about to start. This page updates by itself — keep it open.`
    : "The host hasn't started a session yet. This page updates by itself — keep it open.");
  el.waitingLast.hidden = true;
}

// "k others are rating this meme now".  pushd counts the raters of each
// meme in the last 20 s, this phone among them if it rated the meme in
// that time: it knows when it did (a second more than the server's
// window, so the line errs low, never shows a phantom "other").
const ACTIVITY_SELF_MS = 21000;
const ratedAt = new Map();   // meme_id -> Date.now() of this phone's rating
function othersRating(memeId) {
  if (!memeId || !sessionActive()) return 0;
  let k = Number(st.activity[memeId]) || 0;
  const at = ratedAt.get(memeId);
  if (at !== undefined && Date.now() - at < ACTIVITY_SELF_MS) k -= 1;
  return Math.max(0, k);
}
function activityText(k) {
  return k === 1 ? '1 other is rating this meme now' : `${k} others are rating this meme now`;
}
function showActivity(node, memeId) {
  const k = othersRating(memeId);
  node.hidden = k === 0;
  setText(node, k ? activityText(k) : '');
}
function renderActivity() {
  showActivity(el.activityLine, ui.screen === 'rate' ? ui.memeId : null);
  // Host-paced, between a vote and the next meme: who else is still on it.
  showActivity(el.waitingActivity, ui.screen === 'waiting' && hostPaced() ? openRoundMeme()?.id : null);
}

function onActivity(d) {
  if (!st.session || d.session_id !== st.session.id || typeof d.memes !== 'object' || !d.memes) return;
  st.activity = d.memes;
  renderActivity();
}

function setScore(v) {
  const n = Math.max(0, Math.min(10, Number(v)));
  el.range.value = String(n);
  el.range.style.setProperty('--fill', `${n * 10}%`);
  el.range.setAttribute('aria-valuetext', `${n} out of 10, ${mood(n)}`);
  setText(el.out, String(n));
  setText(el.mood, mood(n));
}

function renderRate(m) {
  if (!m) return;
  if (ui.memeId !== m.id) {
    ui.memeId = m.id;
    ui.dirty = false;
    el.img.alt = m.title;
    if (m.width && m.height) {
      el.img.width = m.width;
      el.img.height = m.height;
    }
    if (m.srcset) el.img.srcset = m.srcset;
    else el.img.removeAttribute('srcset');
    el.img.src = m.phone_url || m.url;
    setText(el.title, m.title);
    el.title.title = m.title;
    setScore(m.id in st.ratings ? st.ratings[m.id] : 5);
    setText(el.note, ui.rerate !== null ? 'Changing your score for this one.' : '');
    preloadMemes();
  }
  el.skip.disabled = ui.rerate !== null;
}

// Warm the cache for the next one or two memes only, so each appears at
// once without every phone pulling the whole session over the venue's
// Wi-Fi at the same moment.  The Image objects are kept so they are not
// collected before they load.
const PRELOAD_AHEAD = 2;
const preloaded = new Map();
function upcomingMemes() {
  const unrated = st.memes.filter((m) => !(m.id in st.ratings) && m.id !== ui.memeId);
  const fresh = unrated.filter((m) => !st.skipped.includes(m.id));
  const skipped = st.skipped.map((id) => unrated.find((m) => m.id === id)).filter(Boolean);
  return [...fresh, ...skipped].slice(0, PRELOAD_AHEAD);
}
function preloadMemes() {
  for (const m of upcomingMemes()) {
    const src = m.phone_url || m.url;
    if (preloaded.has(src)) continue;
    const img = new Image();
    img.decoding = 'async';
    if (m.srcset) {
      img.sizes = el.img.sizes || '100vw';
      img.srcset = m.srcset;
    }
    img.src = src;
    preloaded.set(src, img);
  }
}

function summaryItems() {
  return st.memes.filter((m) => m.id in st.ratings)
    .map((m) => ({ m, score: st.ratings[m.id] }))
    .sort((a, b) => b.score - a.score || a.m.title.localeCompare(b.m.title));
}

function renderSummary(list, editable) {
  const items = summaryItems();
  if (editable) {
    setText(el.doneText, `You've rated all ${plural(st.memes.length, 'meme')}. Hang tight — the host will end the ` +
      'session and reveal the winners. Tap one to change its score.');
  }
  fill(list, items.map(({ m, score }) => {
    const inner = [
      h('img', { src: m.thumb_url || m.url, alt: '', class: 'h-14 w-14 shrink-0 rounded-xl bg-black/40 object-cover', loading: 'lazy', width: 56, height: 56 }),
      h('span', { class: 'min-w-0 flex-1 truncate text-lg font-semibold', title: m.title }, m.title),
    ];
    const cls = 'flex w-full min-w-0 items-center gap-3 rounded-2xl border border-white/10 bg-white/5 p-2 pr-16';
    // The score sits over the button's right end but outside it: the
    // button's name must contain its visible text (WCAG 2.5.3), and it
    // says the score in words already.
    const figure = h('span', {
      class: 'pointer-events-none absolute inset-y-0 right-4 flex w-10 items-center justify-end text-2xl font-black tabular-nums text-pop-yellow',
      'aria-hidden': editable ? 'true' : null,
    }, String(score));
    return h('li', { class: 'relative min-w-0' }, editable
      ? h('button', {
        type: 'button', class: `${cls} text-left hover:bg-white/10`,
        'aria-label': `Change your rating of ${m.title} (now ${score})`,
        onclick: () => { ui.rerate = m.id; render(); el.range.focus(); },
      }, inner)
      : h('div', { class: cls }, inner), figure);
  }));
}

function renderFinished() {
  const items = summaryItems();
  const s = st.session;
  el.resultsLink.href = `/results/${s.id}`;
  setText(el.resultsLink, st.revealing ? 'Watch the reveal live' : 'See the results');
  setText(el.finishedText, items.length
    ? `Thanks for rating “${s.name}”. Here's how you voted.`
    : `“${s.name}” is over. Join the next one — this page switches by itself when it starts.`);
  const scores = items.map((x) => x.score);
  const avg = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const stat = (label, value) => h('div', { class: 'card p-3 lg:p-5' },
    h('p', { class: 'text-3xl font-black tabular-nums text-pop-yellow lg:text-5xl' }, value),
    h('p', { class: 'text-xs font-bold uppercase tracking-widest text-white/60 lg:text-sm 2xl:text-base' }, label));
  fill(el.finishedStats,
    stat('Rated', String(items.length)),
    stat('Your average', fmtScore(avg)),
    stat('Top score', scores.length ? String(Math.max(...scores)) : '–'));
  el.finishedStats.hidden = items.length === 0;
  renderSummary(el.finishedList, false);
}

// --- actions ----------------------------------------------------------------

async function sendRating(item) {
  return api.post('/api/ratings', { meme_id: item.meme_id, score: item.score, client_id: item.client_id });
}

let flushAgain = false;
async function flushQueue() {
  if (!queue.size) {
    renderQueueChip();
    return;
  }
  if (navigator.onLine === false) {
    renderQueueChip();
    return;
  }
  if (queue.flushing) {
    flushAgain = true;
    return;
  }
  renderQueueChip();
  const hadOffline = queue.items().some((q) => q.offline);
  const res = await queue.flush(sendRating);
  for (const { item, error } of res.dropped) {
    if (st.session && item.session_id === st.session.id && !error.network) {
      delete st.ratings[item.meme_id];
    }
    if (error.code === 'not_open') {
      toast('Too late: voting on that meme is closed', { tone: 'warn', detail: 'Your vote was not counted. Wait for the next meme.' });
      setText(el.note, 'Voting on that meme is closed — your vote was not counted.');
    } else {
      toast('A rating was not accepted', { tone: 'error', detail: error.message });
    }
  }
  if (res.sent && hadOffline && !res.blocked) {
    toast('Back online — your ratings were sent', { tone: 'success', detail: plural(res.sent, 'rating') + ' delivered' });
  }
  if (res.dropped.length) load().catch(() => {});
  renderQueueChip();
  if (res.blocked) setTimeout(flushQueue, 3000);
  if (flushAgain || (!res.blocked && queue.size)) {
    flushAgain = false;
    flushQueue();
  }
}

function submit() {
  const m = st.memes.find((x) => x.id === ui.memeId);
  if (!m || !sessionActive()) {
    ui.dirty = false;
    ui.rerate = null;
    if (st.session && st.session.status === 'finished') {
      toast('Too late for that one', { tone: 'warn', detail: 'The session ended before you submitted.' });
    }
    render();
    return;
  }
  const score = Number(el.range.value);
  const offline = navigator.onLine === false;
  queue.add({ meme_id: m.id, score, session_id: st.session.id, offline });
  ratedAt.set(m.id, Date.now());
  st.ratings[m.id] = score;
  st.skipped = st.skipped.filter((id) => id !== m.id);
  ui.dirty = false;
  ui.rerate = null;
  // Offline, the queue chip says it (one line, not a toast per rating
  // stacking over the meme).
  render();
  flushQueue();
}

async function skip() {
  const m = st.memes.find((x) => x.id === ui.memeId);
  if (!m) return;
  st.skipped = [...st.skipped.filter((id) => id !== m.id), m.id];
  ui.dirty = false;
  render();
  if (nextMeme()?.id === m.id) setText(el.note, "That's the last one left — it stays until you rate it.");
  try {
    await api.post('/api/skips', { meme_id: m.id });
  } catch (e) {
    // A skip only orders memes; losing one costs nothing.
    if (!(e instanceof ApiError) || !e.network) console.warn('memeter: skip failed', e.message);
  }
}

// --- events -----------------------------------------------------------------

function onSessionStarted(ev) {
  const d = ev.data || {};
  const { memes, ...session } = d;
  const isNew = !st.session || st.session.id !== session.id;
  // A draft the phone was waiting for starts: that is news too.
  const opened = isNew || st.session.status !== 'active';
  st.session = session;
  if (Array.isArray(memes)) st.memes = memes;
  if (isNew) {
    st.ratings = {};
    st.skipped = [];
    ui.rerate = null;
    st.totals = { ratings: 0, raters: 0 };
    st.revealing = false;
    st.activity = {};
    ratedAt.clear();
    overlayQueue();
  }
  if (opened) {
    toast("Let's go! Rating is open", { tone: 'success', detail: `${session.name} · ${plural(st.memes.length, 'meme')}` });
    notifier.notify('memeter: rating is open', `${session.name} has started. Come back and rate!`);
  }
  render();
}

function onSessionFinished(ev) {
  const s = ev.data || {};
  if (st.session && st.session.id !== s.id && st.session.status === 'active') return;
  const was = st.session && st.session.status;
  st.session = s;
  ui.rerate = null;
  if (was === 'active') toast('Time is up!', { tone: 'info', detail: 'The session has ended. Thanks for rating!' });
  render();
}

function onMemesPopulated(ev) {
  const d = ev.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  const known = new Set(st.memes.map((m) => m.id));
  const added = (d.memes || []).filter((m) => !known.has(m.id));
  if (!added.length) return;
  st.memes = [...st.memes, ...added];
  if (sessionActive()) toast('Fresh memes!', { tone: 'info', detail: `${plural(added.length, 'new meme')} to rate` });
  render();
}

function onStats(ev) {
  const d = ev.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  st.totals = { ratings: d.ratings || 0, raters: d.raters || 0 };
  renderHeader();
}

function onRevealed(ev) {
  const d = ev.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  if (!st.revealing && d.revealed > 0) {
    st.revealing = true;
    toast('The reveal has started!', { tone: 'success', detail: 'Tap “Watch the reveal live” to follow along.' });
  }
  if (ui.screen === 'finished') renderFinished();
}

// The host tidied up: a meme renamed, memes taken out of a draft, a
// session deleted (the page falls back to what GET /api/state shows now).
function onMemeRenamed(ev) {
  const d = ev.data || {};
  const m = st.memes.find((x) => x.id === d.meme_id);
  if (!m || typeof d.title !== 'string') return;
  m.title = d.title;
  if (ui.memeId === m.id) {
    el.img.alt = m.title;
    setText(el.title, m.title);
    el.title.title = m.title;
  }
  if (ui.screen !== 'rate') render();
}

function onMemesRemoved(ev) {
  const d = ev.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  const gone = new Set(d.meme_ids || []);
  st.memes = st.memes.filter((m) => !gone.has(m.id));
  render();
}

function onSessionDeleted(ev) {
  const d = ev.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  load().catch(() => {});
}

// While the page is open and visible, tell the host's participants list
// that this rater is still here (the server writes it at most every 30 s).
const PRESENCE_MS = 30000;
function presenceBeat() {
  if (document.visibilityState !== 'visible' || navigator.onLine === false) return;
  api.post('/api/presence').catch(() => {});
}

// --- rename -----------------------------------------------------------------

function openRename() {
  if (!st.me) return;
  el.renameInput.value = st.me.name;
  setText(el.renameError, '');
  el.dialog.showModal();
  el.renameInput.select();
}

async function saveRename(e) {
  e.preventDefault();
  const name = el.renameInput.value.trim();
  if (!name) {
    setText(el.renameError, 'Pick a name of 1 to 40 characters.');
    return;
  }
  try {
    const res = await api.patch('/api/me', { name });
    st.me.name = (res && res.name) || name;
    el.dialog.close();
    renderHeader();
    toast(`Nice to meet you, ${st.me.name}!`, { tone: 'success' });
  } catch (err) {
    setText(el.renameError, err.message);
  }
}

// --- wiring -----------------------------------------------------------------

function wire() {
  el.range.addEventListener('input', () => {
    ui.dirty = true;
    setScore(el.range.value);
  });
  el.range.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      submit();
    }
  });
  el.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  el.skip.addEventListener('click', skip);
  el.meBtn.addEventListener('click', openRename);
  el.renameForm.addEventListener('submit', saveRename);
  el.renameCancel.addEventListener('click', () => el.dialog.close());
  window.addEventListener('online', () => {
    renderQueueChip();
    flushQueue();
  });
  window.addEventListener('offline', renderQueueChip);
  // Another tab of this browser queued or sent ratings.
  window.addEventListener('storage', (e) => {
    if (e.key === queue.key) renderQueueChip();
  });

  channel.on('session_started', onSessionStarted);
  channel.on('session_finished', onSessionFinished);
  channel.on('memes_populated', onMemesPopulated);
  channel.on('stats_updated', onStats);
  channel.on('results_revealed', onRevealed);
  channel.on('meme_renamed', onMemeRenamed);
  channel.on('memes_removed', onMemesRemoved);
  channel.on('session_deleted', onSessionDeleted);
  channel.on('round_changed', onRound);
  channel.on('activity', onActivity);
  channel.on('rater_kicked', (ev) => {
    if (st.me && ev.data?.rater?.id === st.me.id) load().catch(() => {});
  });
  channel.on('rater_renamed', (ev) => {
    if (st.me && ev.data?.rater?.id === st.me.id) {
      st.me.name = ev.data.rater.name;
      renderHeader();
    }
  });
  el.reactionBar.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-emoji]');
    if (b) react(b.dataset.emoji, b);
  });
  setInterval(tickRound, 250);
  setInterval(presenceBeat, PRESENCE_MS);
  document.addEventListener('visibilitychange', presenceBeat);
  channel.on('status', ({ state }) => {
    if (state === 'live') flushQueue();
  });
}

function onRound(ev) {
  const r = ev.data;
  if (!st.session || r.session_id !== st.session.id) return;
  const ts = Date.parse(ev.ts);
  if (!Number.isNaN(ts)) clockOffset = ts - Date.now();
  const prev = st.round;
  st.round = r;
  if (r.state === 'open' && r.meme_id && (!prev || prev.state !== 'open' || prev.meme_id !== r.meme_id)) {
    const m = st.memes.find((x) => x.id === r.meme_id);
    notifier.notify('memeter: vote now', `${m ? `“${m.title}”` : 'The next meme'} is open for voting.`);
  }
  render();
}

// The countdown, and the screen change when closes_at passes.
let roundWasOpen = false;
function tickRound() {
  const m = hostPaced() ? openRoundMeme() : null;
  const r = st.round;
  el.roundTimer.hidden = !(m && r.closes_at);
  if (m && r.closes_at) {
    const left = Math.max(0, Math.ceil((Date.parse(r.closes_at) - (Date.now() + clockOffset)) / 1000));
    setText(el.roundTimer, `${left} s left`);
  }
  const open = !!m;
  if (roundWasOpen && !open && !ui.dirty) render();
  roundWasOpen = open;
  renderActivity();   // this phone's own rating leaves the window
}

async function react(emoji, button) {
  button.disabled = true;
  setTimeout(() => { button.disabled = false; }, 200);
  try {
    await api.post('/api/reactions', { emoji });
  } catch (e) {
    if (e.status !== 429) toast('The reaction did not go through', { tone: 'warn', detail: e.message });
  }
}

async function boot() {
  wire();
  try {
    await load();
  } catch (e) {
    showScreen('waiting');
    setText(el.waitingText, 'Cannot reach the server yet — retrying by itself.');
  }
  channel.start();
}

boot();
