// The archive (/results): finished sessions, newest first, each linking
// to its results page; a session that finishes appears without a reload.
import { api } from './api.js';
import { $, fill, fmtDate, h } from './dom.js';
import { toast } from './toast.js';
import { ConnectionBadge, LiveChannel } from './websocket.js';

const st = { sessions: [], loaded: false };
const el = { list: $('#list'), empty: $('#empty') };
const badge = new ConnectionBadge($('#badge'));
const channel = new LiveChannel({
  path: '/ws/user', badge, seqFromHello: true, poll: () => load(), resync: () => load(),
});
window.__memeter = { channel, st };

async function load() {
  const list = await api.get('/api/sessions');
  st.sessions = Array.isArray(list) ? list : [];
  st.loaded = true;
  render();
}

function card(s, i) {
  return h('li', {},
    h('a', {
      href: `/results/${s.id}`,
      class: 'card group flex h-full flex-col gap-3 p-6 transition hover:-translate-y-1 hover:border-pop-yellow/50',
    },
    h('span', { class: 'flex items-center justify-between gap-2' },
      h('span', { class: `pill ${i === 0 ? 'bg-pop-yellow text-ink-950' : 'bg-white/10 text-white/70'}` }, i === 0 ? 'Latest' : `#${s.id}`),
      h('span', { class: 'text-sm text-white/60 2xl:text-base' }, fmtDate(s.finished_at))),
    h('span', { class: 'text-2xl font-black leading-tight [overflow-wrap:anywhere] group-hover:text-pop-yellow xl:text-3xl' }, s.name),
    h('span', { class: 'mt-auto text-base font-bold text-pop-sky' }, 'See the results →')));
}

function render() {
  el.list.setAttribute('aria-busy', st.loaded ? 'false' : 'true');
  fill(el.list, st.sessions.map(card));
  el.empty.hidden = !st.loaded || st.sessions.length > 0;
}

function onFinished(ev) {
  const s = ev.data || {};
  if (st.sessions.some((x) => x.id === s.id)) return;
  st.sessions = [s, ...st.sessions];
  render();
  toast('A session just finished', { tone: 'success', detail: s.name });
}

async function boot() {
  channel.on('session_finished', onFinished);
  try {
    await load();
  } catch {
    render();
  }
  channel.start();
}

boot();
