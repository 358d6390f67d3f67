// The big screen (/screen): the lobby with the join QR code and the names
// of those who joined, the session's progress without a single average,
// and the reveal from last place to first, driven by a presenter's clicker
// (ArrowRight / PageDown / Space forward, ArrowLeft / PageUp back).
// State lives in `st`; render() draws the view that fits it.
import { AdminLogin } from './adminlogin.js';
import { api, ApiError, getCsrf, setCsrf, siteConfig } from './api.js';
import { $, fill, fmtScore, h, plural, setText } from './dom.js';
import { qrSvg } from './qr.js';
import { toast } from './toast.js';
import { ConnectionBadge, LiveChannel } from './websocket.js';

const NAMES_SHOWN = 60;         // chips that fit a projector; the rest is "+k more"
const ROW_PX = { base: [40, 26], xl: [56, 32] };   // [comfortable, smallest] row heights

const st = {
  session: null,
  memes: 0,
  ratings: 0,
  raters: 0,
  online: 0,
  names: new Map(),     // rater id -> name, in the order they appeared
  joinUrl: `${location.origin}/`,
  reveal: { revealed: 0, total: 0, places: new Map(), latest: null },
  busy: false,
  memeList: [],         // M of the session, for the open round's picture
  round: null,          // ROUND of a host-paced session
  clockOffset: 0,       // server clock minus ours, ms
  keep: null,           // id of a finished session whose reveal is on screen
};

const el = {
  views: { loading: $('#view-loading'), login: $('#view-login'), live: $('#view-live'), reveal: $('#view-reveal') },
  loginForm: $('#login-form'), password: $('#password'), loginError: $('#login-error'), loginBtn: $('#login-btn'),
  sessionName: $('#session-name'), qr: $('#qr'), joinUrl: $('#join-url'),
  phasePill: $('#phase-pill'), phaseText: $('#phase-text'),
  joined: $('#joined'), ratings: $('#ratings'), memes: $('#memes'),
  names: $('#names'), namesMore: $('#names-more'),
  stage: $('#stage'), board: $('#board'), revealCount: $('#reveal-count'),
  sound: $('#sound'), fullscreen: $('#fullscreen'),
  round: $('#round'), roundTitle: $('#round-title'), roundImg: $('#round-img'),
  voted: $('#voted'), countdown: $('#countdown'), namesCard: $('#names-card'),
  reactions: $('#reactions'),
};

const badge = new ConnectionBadge($('#badge'));
let channel = null;

function show(view) {
  for (const [k, node] of Object.entries(el.views)) node.hidden = k !== view;
}

// --- state ------------------------------------------------------------------

async function loadConfig() {
  try {
    const c = await siteConfig();
    if (c && typeof c.join_url === 'string' && c.join_url) st.joinUrl = c.join_url;
  } catch {
    /* an older server: the page's own origin is the join URL */
  }
}

async function loadRaters() {
  if (!st.session) return;
  try {
    const list = await api.get(`/api/admin/sessions/${st.session.id}/raters`);
    // In the order they joined, as far as this page saw it: the server
    // sorts by progress and name, but the lobby shows the newest last
    // (and always in view).
    const now = new Map(list.map((r) => [r.id, r.name]));
    const names = new Map();
    for (const id of st.names.keys()) if (now.has(id)) names.set(id, now.get(id));
    for (const [id, name] of now) if (!names.has(id)) names.set(id, name);
    st.names = names;
    st.online = list.filter((r) => r.online).length;
  } catch {
    /* names still arrive with the ratings */
  }
}

async function loadResults() {
  const r = await api.get(`/api/results/${st.session.id}`);
  applyResults(r);
}

function applyResults(r) {
  const places = new Map((r.results || []).map((p) => [p.place, p]));
  const latest = (r.results || [])[0];
  st.reveal = { revealed: r.revealed, total: r.total, places, latest: latest ? latest.place : null };
}

// The server's clock from a Date header (to the second); event
// timestamps refine it to the millisecond when a round changes.
async function syncClock() {
  try {
    const r = await fetch('/api/config', { cache: 'no-store' });
    const d = Date.parse(r.headers.get('Date'));
    if (!Number.isNaN(d)) st.clockOffset = d + 500 - Date.now();
  } catch { /* keep the last offset */ }
}

async function load() {
  if (!st.clockOffset) await syncClock();
  // A reveal under way stays on screen when the host creates the next
  // party's draft; the next session that starts takes over.
  const s = await api.get(st.keep ? `/api/admin/state?session=${st.keep}` : '/api/admin/state');
  if (s.csrf) setCsrf(s.csrf);
  const changed = !st.session || !s.session || st.session.id !== s.session.id;
  st.session = s.session || null;
  st.memes = (s.memes || []).length;
  st.memeList = s.memes || [];
  st.round = s.round || null;
  st.ratings = s.stats?.ratings ?? 0;
  st.raters = s.stats?.raters ?? 0;
  if (changed) st.names = new Map();
  if (st.session?.status === 'finished') await loadResults();
  if (st.session?.status !== 'finished') st.keep = null;
  else if (st.reveal.revealed > 0) st.keep = st.session.id;
  await loadRaters();
  render();
  channel?.noteStateSeq(s.seq);
  return s.seq;
}

// --- events -------------------------------------------------------------------

let ratersTimer = null;
// Presence changes come in bursts when a room scans the code at once.
function refreshRatersSoon() {
  clearTimeout(ratersTimer);
  ratersTimer = setTimeout(async () => {
    await loadRaters();
    renderLive();
  }, 400);
}

function onSessionEvent(msg) {
  const s = msg.data;
  if (!s || (st.session && s.id !== st.session.id && s.status !== 'active' && msg.type !== 'session_created')) return;
  if (msg.type === 'session_started' && s.id !== st.keep) st.keep = null;
  // The session on screen ended: its reveal comes next, even if the host
  // already made the next party's draft (the newest session).
  if (msg.type === 'session_finished' && (!st.session || s.id === st.session.id)) st.keep = s.id;
  load().catch(() => {});
}

// The session on screen was deleted (a draft, or a finished one, reveal
// and all): show what the host has now, the lobby of the newest session
// or "Get ready".
function onSessionDeleted(msg) {
  const id = msg.data?.session_id;
  if (id === st.keep) st.keep = null;
  if (!st.session || id !== st.session.id) return;
  st.session = null;
  st.reveal = { revealed: 0, total: 0, places: new Map(), latest: null };
  load().catch(() => {});
}

function onMemes(msg) {
  if (st.session && msg.data.session_id === st.session.id) {
    st.memes += msg.data.added || 0;
    renderLive();
  }
}

function onStats(msg) {
  const d = msg.data;
  if (!st.session || d.session_id !== st.session.id) return;
  // Only the totals: the per-meme figures would give the ranking away.
  st.ratings = d.ratings;
  st.raters = d.raters;
  // The count of the open meme is "Voted"; its average stays unread.
  const m = (d.memes || []).find((x) => st.round && x.meme_id === st.round.meme_id);
  if (m) st.round.voted = m.count;
  renderLive();
}

function onRound(msg) {
  const r = msg.data;
  if (!st.session || r.session_id !== st.session.id) return;
  const ts = Date.parse(msg.ts);
  if (!Number.isNaN(ts)) st.clockOffset = ts - Date.now();
  st.round = r;
  renderLive();
}

// --- reactions: a burst is a few floating emoji and a count ------------------

const FLOATERS_MAX = 60;
function onReactions(msg) {
  const d = msg.data || {};
  if (!st.session || d.session_id !== st.session.id) return;
  for (const [emoji, n] of Object.entries(d.counts || {})) {
    const shown = Math.min(n, 4);
    for (let i = 0; i < shown; i++) {
      if (el.reactions.childElementCount >= FLOATERS_MAX) return;
      const span = h('span', {
        class: 'absolute bottom-0 select-none text-5xl xl:text-7xl',
        style: `left:${5 + Math.random() * 85}%`,
        'data-emoji': emoji,
      }, i === 0 && n > 1 ? `${emoji}×${n}` : emoji);
      el.reactions.append(span);
      const anim = span.animate([
        { transform: 'translateY(0) scale(0.8)', opacity: 0 },
        { transform: 'translateY(-20vh) scale(1)', opacity: 1, offset: 0.15 },
        { transform: 'translateY(-85vh) scale(1.1)', opacity: 0 },
      ], { duration: 2600 + Math.random() * 900, delay: i * 120, easing: 'ease-out' });
      anim.onfinish = () => span.remove();
    }
  }
}

let countdownTimer = null;
function renderRound() {
  const r = st.session?.pace === 'host' && st.session.status === 'active' ? st.round : null;
  el.round.hidden = !r;
  el.namesCard.hidden = !!r;
  clearInterval(countdownTimer);
  if (!r) return;
  const meme = st.memeList.find((m) => m.id === r.meme_id);
  if (!meme) {
    setText(el.roundTitle, r.index ? `Meme ${r.index} of ${r.total}` : 'Waiting for the first meme');
    el.roundImg.hidden = true;
  } else {
    setText(el.roundTitle, `${r.index} of ${r.total}: ${meme.title}`);
    if (el.roundImg.getAttribute('src') !== meme.url) el.roundImg.src = meme.url;
    el.roundImg.alt = meme.title;
    el.roundImg.hidden = false;
  }
  const joined = Math.max(st.names.size, st.raters, r.voted);
  setText(el.voted, `${r.voted} of ${joined}`);
  const tick = () => {
    if (r.state !== 'open') {
      setText(el.countdown, r.index ? 'Voting closed' : '');
      return;
    }
    if (!r.closes_at) {
      setText(el.countdown, 'Vote now');
      return;
    }
    const left = Math.max(0, Math.ceil((Date.parse(r.closes_at) - (Date.now() + st.clockOffset)) / 1000));
    setText(el.countdown, left > 0 ? `${left} s` : 'Voting closed');
  };
  tick();
  countdownTimer = setInterval(tick, 200);
}

function onRating(msg) {
  const d = msg.data;
  if (!st.session || d.session_id !== st.session.id || !d.rater) return;
  if (!st.names.has(d.rater.id)) {
    st.names.set(d.rater.id, d.rater.name);
    renderLive();
  }
}

function onRenamed(msg) {
  const d = msg.data?.rater || msg.data || {};
  if (st.names.has(d.id)) {
    st.names.set(d.id, d.name);
    renderLive();
  }
}

function onKicked(msg) {
  const d = msg.data?.rater || msg.data || {};
  if (st.names.delete(d.id)) renderLive();
}

function onRevealed(msg) {
  const d = msg.data;
  if (!st.session || d.session_id !== st.session.id) return;
  const before = st.reveal.revealed;
  applyResults(d);
  st.keep = st.session.id;
  renderReveal();
  if (st.reveal.revealed > before && st.reveal.latest) sound.play(st.reveal.latest);
}

function onPresence(msg) {
  st.online = msg.data?.raters ?? st.online;
  renderLive();
  refreshRatersSoon();
}

// --- rendering ------------------------------------------------------------------

function render() {
  setText(el.sessionName, st.session ? st.session.name : '');
  document.title = st.session ? `memeter · ${st.session.name}` : 'memeter · big screen';
  if (st.session?.status === 'finished') {
    show('reveal');
    renderReveal();
  } else {
    show('live');
    renderLive();
  }
}

function renderQr() {
  const url = st.joinUrl;
  const text = url.replace(/^https?:\/\//, '').replace(/\/$/, '');
  if (el.joinUrl.textContent !== text) {
    setText(el.joinUrl, text);
    el.qr.replaceChildren(qrSvg(url));
  }
}

const PHASE = {
  none: ['Get ready', 'bg-white/10 text-white', 'The host is setting up the party.'],
  draft: ['About to start', 'bg-pop-sky/20 text-pop-sky', 'Join now: the memes appear on your phone as soon as the host starts.'],
  active: ['Rating now', 'bg-pop-mint/15 text-pop-mint', 'Rate every meme on your phone. The ranking stays secret until the reveal.'],
};

function renderLive() {
  if (el.views.live.hidden) return;
  renderQr();
  const [pillText, pillCls, text] = PHASE[st.session?.status] || PHASE.none;
  el.phasePill.className = `pill w-fit text-lg xl:text-2xl low:text-lg ${pillCls}`;
  setText(el.phasePill, pillText);
  setText(el.phaseText, text);
  const joined = Math.max(st.names.size, st.raters);
  setText(el.joined, String(joined), true);
  setText(el.ratings, String(st.ratings), true);
  setText(el.memes, String(st.memes));
  renderNames([...st.names.values()]);
  renderRound();
  if (!st.names.size) {
    lastNames = '';
    fill(el.names, h('li', { class: 'text-xl text-white/70 xl:text-3xl' },
      joined ? `${plural(joined, 'rater')} in the room` : 'Names appear here as people join.'));
  }
}

// The lobby's name chips: the newest always in view; the oldest that do
// not fit the card whole make way and are counted in "and k more" (a
// chip half cut off at the card's edge would look broken on a projector).
let lastNames = '';
function renderNames(names) {
  const key = `${innerWidth}x${innerHeight}\n${names.join('\n')}`;
  if (key === lastNames || el.names.hidden || el.namesCard.hidden) return;
  lastNames = key;
  const have = new Set([...el.names.children].map((li) => li.textContent));
  const shown = names.slice(-NAMES_SHOWN);
  fill(el.names, ...shown.map((n) => h('li', {
    class: `max-w-full truncate rounded-full bg-white/10 px-4 py-1.5 text-xl font-bold xl:px-5 xl:py-2 xl:text-3xl low:py-1 low:text-2xl ${have.has(n) ? '' : 'animate-rise'}`,
  }, n)));
  let more = names.length - shown.length;
  const fits = () => {
    const last = el.names.lastElementChild;
    // Offsets, not client rects: a chip still rising is transformed.
    return !last || last.offsetTop - el.names.offsetTop + last.offsetHeight <= el.names.clientHeight;
  };
  const sayMore = () => {
    el.namesMore.hidden = more <= 0;
    setText(el.namesMore, more > 0 ? `and ${more} more` : '');
  };
  sayMore();
  while (el.names.childElementCount > 1 && !fits()) {
    el.names.firstElementChild.remove();
    more++;
    sayMore();
  }
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function stageFor(p, total) {
  const winner = p.place === 1;
  const podium = p.place <= 3;
  const heading = winner ? 'And the winner is…' : podium ? `${ordinal(p.place)} place` : `Place ${p.place} of ${total}`;
  return [
    h('p', { class: `font-black leading-tight ${winner ? 'text-5xl text-pop-yellow xl:text-8xl low:text-6xl' : podium ? 'text-4xl text-pop-pink xl:text-7xl low:text-5xl' : 'text-3xl text-white/80 xl:text-5xl low:text-4xl'}` }, heading),
    h('img', {
      src: p.meme.phone_url || p.meme.url, alt: p.meme.title, width: p.meme.width || 800, height: p.meme.height || 600,
      class: `min-h-0 w-auto max-w-full flex-1 rounded-2xl bg-black/40 object-contain shadow-2xl ${winner ? 'ring-8 ring-pop-yellow' : ''}`,
    }),
    h('p', { class: 'line-clamp-2 max-w-full text-3xl font-black leading-tight xl:text-6xl low:text-4xl' }, p.meme.title),
    h('p', { class: 'flex items-baseline gap-4' },
      h('span', { class: 'text-5xl font-black tabular-nums text-pop-yellow xl:text-8xl low:text-6xl' }, fmtScore(p.avg)),
      h('span', { class: 'text-xl font-semibold text-white/70 xl:text-3xl low:text-2xl' }, plural(p.count, 'rating'))),
  ];
}

function renderStage() {
  const r = st.reveal;
  const p = r.latest ? r.places.get(r.latest) : null;
  if (!p) {
    fill(el.stage,
      h('p', { class: 'text-3xl font-black text-pop-pink xl:text-6xl' }, 'The reveal'),
      h('p', { class: 'text-2xl font-bold text-white/80 xl:text-5xl' },
        r.total ? `${plural(r.total, 'meme')}, from last place to first` : 'No memes were rated'),
      h('p', { class: 'text-xl text-white/70 xl:text-3xl' }, 'Press → or Space to reveal the first place'));
    return;
  }
  fill(el.stage, ...stageFor(p, r.total));
}

// Every revealed place stays in view: rows shrink from a projector's
// comfortable height down to a legible minimum, and only past that does
// the list flow into more columns, never past the bottom edge.
function layoutBoard(n) {
  const xl = window.matchMedia('(min-width: 1280px)').matches;
  const [maxRow, minRow] = xl ? ROW_PX.xl : ROW_PX.base;
  const height = el.board.clientHeight || 1;
  const row = Math.max(minRow, Math.min(maxRow, Math.floor(height / Math.max(n, 1))));
  const rows = Math.max(1, Math.floor(height / row));
  const cols = Math.max(1, Math.ceil(n / rows));
  el.board.style.gridTemplateRows = `repeat(${Math.min(rows, Math.max(n, 1))}, ${row - 6}px)`;
  el.board.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  el.board.style.gridAutoFlow = 'column';
  el.board.dataset.compact = cols > 2 ? 'true' : 'false';
  // More than one column: the ranking takes the wider side, so titles
  // stay readable (the heights, and so the columns, stay the same).
  el.views.reveal.dataset.wide = cols > 1 ? 'true' : 'false';
  el.board.dataset.small = row < maxRow * 0.8 ? 'true' : 'false';
}

function renderBoard() {
  const r = st.reveal;
  const places = [...r.places.values()].sort((a, b) => a.place - b.place);
  layoutBoard(places.length);
  const compact = el.board.dataset.compact === 'true';
  const text = el.board.dataset.small === 'true' ? 'text-base xl:text-xl' : 'text-lg xl:text-2xl';
  fill(el.board, ...places.map((p) => h('li', {
    class: `flex min-w-0 items-center gap-3 rounded-xl px-3 ${p.place === r.latest ? 'bg-pop-yellow/20 ring-2 ring-pop-yellow' : 'bg-white/5'}`,
    'aria-label': `Place ${p.place}: ${p.meme.title}, average ${fmtScore(p.avg)}`,
  },
  h('span', { class: `w-10 shrink-0 text-right font-black tabular-nums text-white/80 xl:w-14 ${text}` }, String(p.place)),
  h('span', { class: `min-w-0 flex-1 truncate font-bold ${text}` }, p.meme.title),
  compact ? null : h('span', { class: `shrink-0 font-black tabular-nums text-pop-yellow ${text}` }, fmtScore(p.avg)))));
  setText(el.revealCount, r.revealed >= r.total && r.total ? `All ${r.total} revealed` : `${r.revealed} of ${r.total}`);
}

function renderReveal() {
  if (el.views.reveal.hidden) return;
  renderStage();
  renderBoard();
}

// --- the reveal -------------------------------------------------------------------

// A clicker pressed twice quickly means two steps: presses made while a
// step is on its way wait their turn (a few at most).
const REVEAL_QUEUE = 4;
const revealQueue = [];
function reveal(action) {
  if (!st.session || st.session.status !== 'finished') return;
  if (revealQueue.length < REVEAL_QUEUE) revealQueue.push(action);
  if (!st.busy) drainReveal();
}

async function drainReveal() {
  while (revealQueue.length && st.session?.status === 'finished') {
    await revealStep(revealQueue.shift());
  }
  revealQueue.length = 0;
}

async function revealStep(action) {
  st.busy = true;
  const before = st.reveal.revealed;
  try {
    const r = await api.post(`/api/admin/sessions/${st.session.id}/reveal`, { action });
    // The event may not have come yet: the answer says whether to fetch.
    if (r.revealed !== st.reveal.revealed) await loadResults();
    st.keep = st.session.id;
    renderReveal();
    if (st.reveal.revealed > before && st.reveal.latest) sound.play(st.reveal.latest);
  } catch (e) {
    revealQueue.length = 0;
    if (e instanceof ApiError && e.status === 401) loggedOut('Your login has ended.');
    else toast(e.message, { tone: 'error' });
  } finally {
    st.busy = false;
  }
}

// An opt-in sound: a short rising chime, a chord for the top three and a
// fanfare for the winner.  WebAudio, nothing to download.
const sound = {
  on: false,
  ctx: null,
  lastPlace: null,
  toggle() {
    this.on = !this.on;
    if (this.on && !this.ctx) this.ctx = new AudioContext();
    el.sound.setAttribute('aria-pressed', String(this.on));
    setText(el.sound, this.on ? 'Sound on' : 'Sound off');
  },
  play(place) {
    if (!this.on || !this.ctx || this.lastPlace === place) return;
    this.lastPlace = place;
    const notes = place === 1 ? [523, 659, 784, 1047] : place <= 3 ? [440, 554, 659] : [392, 523];
    const t0 = this.ctx.currentTime;
    notes.forEach((f, i) => {
      const o = this.ctx.createOscillator();
      const g = this.ctx.createGain();
      o.type = 'triangle';
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + i * 0.12);
      g.gain.exponentialRampToValueAtTime(0.3, t0 + i * 0.12 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.12 + (place === 1 ? 0.9 : 0.4));
      o.connect(g).connect(this.ctx.destination);
      o.start(t0 + i * 0.12);
      o.stop(t0 + i * 0.12 + 1);
    });
  },
};

// --- login (adminlogin.js) ---------------------------------------------------

const auth = new AdminLogin({
  form: el.loginForm, password: el.password, error: el.loginError, button: el.loginBtn,
  badge, show, enter: () => enter(),
  left: () => { channel?.stop(); channel = null; },
});
const loggedOut = (message) => auth.loggedOut(message);

async function enter() {
  auth.restoreCsrf();
  channel = new LiveChannel({ path: '/ws/admin', badge, poll: () => load(), resync: () => load() });
  window.__memeter = { channel, st };
  for (const t of ['session_created', 'session_started', 'session_finished']) channel.on(t, onSessionEvent);
  channel.on('memes_populated', onMemes);
  channel.on('stats_updated', onStats);
  channel.on('new_rating', onRating);
  channel.on('rater_renamed', onRenamed);
  channel.on('rater_kicked', onKicked);
  channel.on('results_revealed', onRevealed);
  channel.on('presence', onPresence);
  channel.on('round_changed', onRound);
  channel.on('reactions', onReactions);
  channel.on('session_deleted', onSessionDeleted);
  channel.on('meme_renamed', () => load().catch(() => {}));
  await loadConfig();
  try {
    await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      loggedOut('');
      return;
    }
    toast('Cannot reach the server — retrying', { tone: 'warn' });
  }
  if (!getCsrf()) {
    loggedOut('Log in again to drive the reveal from this screen.');
    return;
  }
  channel.start();
}

function onKey(e) {
  if (!el.views.login.hidden || e.target.closest?.('input, textarea, select')) return;
  // Space on a focused button presses it; it must not also reveal.
  if (e.key === ' ' && e.target.closest?.('button')) return;
  if (['ArrowRight', 'PageDown', ' '].includes(e.key)) {
    e.preventDefault();
    reveal('next');
  } else if (['ArrowLeft', 'PageUp'].includes(e.key)) {
    e.preventDefault();
    reveal('prev');
  }
}

function wire() {
  el.sound.addEventListener('click', () => {
    sound.toggle();
    el.sound.blur();
  });
  el.fullscreen.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
    el.fullscreen.blur();
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('resize', () => {
    if (!el.views.reveal.hidden) renderBoard();
    else if (!el.views.live.hidden) renderLive();
  });
}

function boot() {
  wire();
  auth.start();
}

boot();
