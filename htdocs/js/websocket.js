// The push channel client every page uses (SPEC.md "Push channel").
//
//   const ch = new LiveChannel({path: '/ws/user', badge, poll: loadState,
//                               resync: reloadState});
//   ch.on('session_started', (ev) => ...);   // ev = {seq, type, ts, data}
//   ch.noteStateSeq(state.seq); ch.start();
//
// It resumes with ?since= the last seq it saw, so a reconnect misses
// nothing; reconnects back off exponentially with jitter; a watchdog
// notices dead sockets; while the socket is down it polls the REST state so
// the page keeps working, and it drives the connection badge.  Real time can
// be switched off entirely (?realtime=off or localStorage memeter.realtime =
// "off"): the page then only polls.
//
// Where it connects: GET /api/config's ws_url (pushd's direct listener,
// e.g. wss://memes.example.org:8443) when the server gives one, else the
// page's own origin (nginx's /ws/).  A page that cannot load the config
// connects to its own origin meanwhile: nginx's /ws/ always works.

import { siteConfig } from './api.js';

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8000;
const POLL_MS = 3000;
const WATCHDOG_MS = 15000;
const SILENCE_MS = 45000;
const HELLO_TIMEOUT_MS = 10000;
const HEAD_SLACK = 2;

// The WebSocket base URL without a trailing slash; null until known.
let wsBase = null;

function sameOriginBase() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
}

async function loadWsBase() {
  if (wsBase !== null) return wsBase;
  try {
    const c = await siteConfig();
    const u = c && typeof c.ws_url === 'string' ? c.ws_url : '';
    wsBase = /^wss?:\/\/[^/?#]+\/?$/.test(u) ? u.replace(/\/$/, '') : sameOriginBase();
  } catch {
    return sameOriginBase();   // not remembered: asked again next time
  }
  return wsBase;
}

export function realtimeEnabled() {
  try {
    const q = new URLSearchParams(location.search).get('realtime');
    if (q) return q !== 'off' && q !== '0';
    return localStorage.getItem('memeter.realtime') !== 'off';
  } catch {
    return true;
  }
}

// The always-visible connection badge (role="status"); its text starts with
// Live, Reconnecting... or Disconnected, a detail may follow.
export class ConnectionBadge {
  constructor(el) {
    this.el = el;
    el.setAttribute('role', 'status');
    el.classList.add('badge');
    this.dot = document.createElement('span');
    this.dot.className = 'dot';
    this.dot.setAttribute('aria-hidden', 'true');
    this.word = document.createElement('span');
    this.detail = document.createElement('span');
    this.detail.className = 'font-semibold opacity-80';
    el.replaceChildren(this.dot, this.word, this.detail);
    this.set('reconnecting', '');
  }

  set(state, detail) {
    const words = { live: 'Live', reconnecting: 'Reconnecting...', disconnected: 'Disconnected' };
    this.el.dataset.state = state;
    if (this.word.textContent !== words[state]) this.word.textContent = words[state];
    const d = detail ? ` · ${detail}` : '';
    if (this.detail.textContent !== d) this.detail.textContent = d;
  }
}

export class LiveChannel {
  // path: '/ws/user' or '/ws/admin'; badge: a ConnectionBadge or null;
  // poll: async () => void, reloads the page state from REST (fallback);
  // resync: async () => seq, reloads state and returns its seq.
  // seqFromHello: the page has no REST seq (public results): connect
  // without since, take the seq of hello, then reload the state once.
  constructor({ path, badge = null, poll = null, resync = null, realtime = realtimeEnabled(), seqFromHello = false }) {
    this.path = path;
    this.seqFromHello = seqFromHello;
    this.badge = badge;
    this.poll = poll;
    this.resync = resync || (async () => { await poll?.(); return this.seq; });
    this.realtime = realtime;
    this.seq = null;
    this.startSeq = null;   // where this page's stream began
    this.ws = null;
    this.handlers = new Map();
    this.attempt = 0;
    this.reconnectTimer = null;
    this.pollTimer = null;
    this.polling = false;
    this.pollFailed = false;
    this.stopped = true;
    this.lastFrameAt = 0;
    this.received = [];     // seqs of data events, in order (tests and debugging)
    this.state = 'reconnecting';
    this.onOnline = () => this.wake();
    this.onOffline = () => this.goOffline();
    this.onVisible = () => { if (document.visibilityState === 'visible') this.wake(); };
  }

  // Typed handlers: a data event type, '*' (every data event), 'hello',
  // 'presence', 'activity', 'reactions', 'resync' or 'status' ({state, detail}).
  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return this;
  }

  off(type, fn) {
    this.handlers.get(type)?.delete(fn);
    return this;
  }

  emit(type, msg) {
    for (const fn of this.handlers.get(type) || []) {
      try {
        fn(msg);
      } catch (e) {
        console.warn(`memeter: ${type} handler failed`, e);
      }
    }
  }

  // The seq of a REST state snapshot.  Only the first one (or a resync)
  // sets where the stream resumes: states polled while the socket is down
  // must not move it, or the events of the outage would never be replayed
  // (an admin feed would miss them).
  noteStateSeq(seq) {
    if (this.seq === null && Number.isInteger(seq)) this.seq = this.startSeq = seq;
  }

  get live() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.helloSeen;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.watchdog = setInterval(() => this.checkHealth(), WATCHDOG_MS);
    if (!this.realtime) {
      this.startPolling();
      return;
    }
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearInterval(this.watchdog);
    clearTimeout(this.helloTimer);
    clearTimeout(this.reconnectTimer);
    this.stopPolling();
    this.closeSocket();
  }

  setStatus(state, detail = '') {
    this.state = state;
    this.badge?.set(state, detail);
    this.emit('status', { state, detail });
  }

  // The first connect learns the WebSocket base (one /api/config per
  // page load), the later ones have it at once.
  connect() {
    if (wsBase === null && !this.stopped && this.realtime) {
      loadWsBase().then(() => this.connectNow());
      return;
    }
    this.connectNow();
  }

  connectNow() {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.stopped || !this.realtime) return;
    if (navigator.onLine === false) {
      this.goOffline();
      return;
    }
    if (this.seq === null && !this.seqFromHello) {
      // No state yet: poll until one arrives, then connect.
      this.startPolling();
      this.scheduleReconnect();
      return;
    }
    this.closeSocket();
    const since = this.seq === null ? '' : `?since=${this.seq}`;
    const url = `${wsBase || sameOriginBase()}${this.path}${since}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.helloSeen = false;
    // A socket that never says hello (a stalled proxy, a half-open
    // connection) is as good as closed.
    clearTimeout(this.helloTimer);
    this.helloTimer = setTimeout(() => {
      if (this.ws === ws && !this.helloSeen) {
        this.closeSocket();
        this.lost();
      }
    }, HELLO_TIMEOUT_MS);
    ws.onmessage = (e) => this.onFrame(ws, e.data);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => {};  // onclose follows and handles it
  }

  closeSocket() {
    const ws = this.ws;
    this.ws = null;
    this.helloSeen = false;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
  }

  onFrame(ws, raw) {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.seq === 'number' && msg.type !== 'hello' && msg.type !== 'resync') {
      this.onEvent(msg);
      return;
    }
    switch (msg.type) {
      case 'hello':
        clearTimeout(this.helloTimer);
        this.helloSeen = true;
        this.attempt = 0;
        this.stopPolling();
        this.setStatus('live');
        this.emit('hello', msg);
        if (this.seq === null && typeof msg.seq === 'number') {
          // Everything after hello streams to us; the state loaded now
          // covers everything before it.
          this.seq = this.startSeq = msg.seq;
          Promise.resolve().then(() => this.resync()).catch(() => {});
          break;
        }
        // A head behind what we saw means another database: start over.
        if (typeof msg.seq === 'number' && this.seq !== null && msg.seq < this.seq) this.doResync();
        break;
      case 'presence':
        this.emit('presence', msg.data || {});
        break;
      case 'reactions':     // not data: no seq, nothing to resume
        this.emit('reactions', msg);
        break;
      case 'activity':      // "others are rating now" (phones), no seq
        this.emit('activity', msg.data || {});
        break;
      case 'resync':
        this.emit('resync', msg);
        this.doResync();
        break;
      default:
        break;
    }
  }

  onEvent(ev) {
    // Replays after a reconnect may overlap what we already applied.
    if (this.seq !== null && ev.seq <= this.seq) return;
    this.seq = ev.seq;
    this.received.push(ev.seq);
    if (this.received.length > 5000) this.received.splice(0, 1000);
    this.emit(ev.type, ev);
    this.emit('*', ev);
  }

  // Too far behind (or another database): reload the state from REST and
  // resume from its seq.
  async doResync() {
    this.closeSocket();
    try {
      const seq = await this.resync();
      if (Number.isInteger(seq)) this.seq = seq;
    } catch {
      /* the reconnect below tries again */
    }
    this.scheduleReconnect(true);
  }

  onClose(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.helloSeen = false;
    this.lost();
  }

  // The socket is gone: poll meanwhile and try again later.
  lost() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.goOffline();
      return;
    }
    this.setStatus('reconnecting', this.pollFailed ? '' : 'polling');
    this.startPolling();
    this.scheduleReconnect();
  }

  scheduleReconnect(now = false) {
    if (this.stopped || this.reconnectTimer) return;
    const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = now ? 0 : Math.round(exp * (0.5 + Math.random() * 0.5));
    this.attempt = Math.min(this.attempt + 1, 10);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  goOffline() {
    this.closeSocket();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPolling();
    this.setStatus('disconnected', 'offline');
  }

  // Back online or visible again: try at once instead of waiting out the
  // backoff.
  wake() {
    if (this.stopped) return;
    if (navigator.onLine === false) return;
    if (!this.realtime) {
      this.startPolling();
      return;
    }
    if (this.live) {
      // Back from sleep: the socket may have died without a close.
      this.checkHealth(true);
      return;
    }
    this.attempt = 0;
    this.startPolling();
    if (!this.ws) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.connect();
    }
  }

  // Fallback: poll the REST state while the socket is down.
  startPolling() {
    if (this.pollTimer || !this.poll || this.stopped) return;
    const tick = async () => {
      if (this.stopped || (this.realtime && this.live)) {
        this.pollTimer = null;
        return;
      }
      if (navigator.onLine !== false && !this.polling) {
        this.polling = true;
        try {
          await this.poll();
          this.pollFailed = false;
          if (!this.live) {
            if (this.realtime) this.setStatus('reconnecting', 'polling');
            else this.setStatus('live', 'polling');
          }
        } catch {
          this.pollFailed = true;
          if (!this.live) this.setStatus(this.realtime ? 'reconnecting' : 'disconnected', '');
        } finally {
          this.polling = false;
        }
      }
      this.pollTimer = setTimeout(tick, POLL_MS);
    };
    this.pollTimer = setTimeout(tick, this.realtime ? POLL_MS / 3 : 0);
  }

  stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  // Heartbeat: a socket that says nothing for long may be half dead (a
  // phone that slept, a NAT that forgot us).  Ask the server: if it is
  // unreachable, says pushd is down, or its head seq is clearly past ours,
  // drop the socket and resume with since=.  The slack is for the few
  // events a user group never sees (session_created; every new_rating is
  // followed by a stats_updated it does see).
  async checkHealth(force = false) {
    if (this.stopped || !this.realtime) return;
    if (navigator.onLine === false) {
      if (this.state !== 'disconnected') this.goOffline();
      return;
    }
    if (!this.ws) {
      if (!this.reconnectTimer) this.scheduleReconnect();
      return;
    }
    if (!this.live || (!force && Date.now() - this.lastFrameAt < SILENCE_MS)) return;
    const ws = this.ws;
    let healthy = false;
    try {
      const res = await fetch('/api/health', { cache: 'no-store' });
      const h = res.ok ? await res.json() : null;
      healthy = !!h && h.pushd !== 'down' && !(typeof h.seq === 'number' && this.seq !== null && h.seq > this.seq + HEAD_SLACK);
    } catch {
      healthy = false;
    }
    if (ws !== this.ws) return;
    if (healthy) {
      this.lastFrameAt = Date.now();
      return;
    }
    this.closeSocket();
    this.lost();
  }
}
