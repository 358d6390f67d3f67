// The offline rating queue: every rating is stored in localStorage with a
// client_id before it is sent, and removed once the server has it.  A
// replay carries the same client_id, which the server answers without
// changing anything, so each rating lands exactly once however often the
// network drops in between.

const KEY = 'memeter.queue.v1';

// A random id without crypto.randomUUID (which needs a secure context; a
// party on venue Wi-Fi is often plain http on a LAN address).
export function newClientId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class RatingQueue {
  constructor(key = KEY) {
    this.key = key;
    this.flushing = null;
  }

  items() {
    try {
      const v = JSON.parse(localStorage.getItem(this.key) || '[]');
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  }

  save(list) {
    try {
      localStorage.setItem(this.key, JSON.stringify(list));
    } catch {
      /* storage full or denied: the in-flight send still happens */
    }
  }

  // item: {meme_id, score, session_id}; returns it with its client_id.
  add(item) {
    const list = this.items().filter((x) => !(x.meme_id === item.meme_id && x.session_id === item.session_id));
    const entry = { ...item, client_id: newClientId(), at: Date.now() };
    list.push(entry);
    this.save(list);
    return entry;
  }

  remove(clientId) {
    this.save(this.items().filter((x) => x.client_id !== clientId));
  }

  get size() {
    return this.items().length;
  }

  // Sends the queue in order, one request at a time; only one flush runs
  // at once (a second call joins the first).  send(item) resolves when the
  // server has it and throws an ApiError otherwise.  Returns
  // {sent, dropped: [{item, error}], blocked: error|null}.
  flush(send) {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      const out = { sent: 0, dropped: [], blocked: null };
      for (const item of this.items()) {
        try {
          await send(item);
          this.remove(item.client_id);
          out.sent++;
        } catch (e) {
          // Unreachable, overloaded or limited: keep it and stop for now.
          if (!e || e.status === 0 || e.status === 429 || e.status >= 500) {
            out.blocked = e;
            break;
          }
          // Refused for good (session over, meme gone): drop it.
          this.remove(item.client_id);
          out.dropped.push({ item, error: e });
        }
      }
      return out;
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }
}
