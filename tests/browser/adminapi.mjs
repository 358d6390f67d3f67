// The admin REST API from the test process (no page): sets up the
// sessions a test needs in a few requests.  It sends the Origin of the
// stack, as a browser would, and the CSRF token from the login.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'playwright-core';

export class AdminApi {
  static async login(base, password) {
    const self = new AdminApi();
    self.http = await request.newContext({ baseURL: base, extraHTTPHeaders: { Origin: base } });
    const r = await self.http.post('/api/admin/login', { data: { password } });
    if (!r.ok()) throw new Error(`admin login: ${r.status()} ${await r.text()}`);
    self.csrf = (await r.json()).csrf;
    return self;
  }

  async call(method, url, data) {
    const r = await this.http.fetch(url, { method, data, headers: { 'X-CSRF-Token': this.csrf } });
    const text = await r.text();
    if (!r.ok()) throw new Error(`${method} ${url}: ${r.status()} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  get(url) {
    return this.call('GET', url);
  }

  post(url, data = {}) {
    return this.call('POST', url, data);
  }

  // Uploads one image file to a session; returns {added, memes}.
  async upload(sid, file) {
    const r = await this.http.post(`/api/admin/sessions/${sid}/memes`, {
      headers: { 'X-CSRF-Token': this.csrf },
      multipart: { files: { name: path.basename(file), mimeType: 'image/png', buffer: readFileSync(file) } },
    });
    if (!r.ok()) throw new Error(`upload ${file}: ${r.status()} ${await r.text()}`);
    return r.json();
  }

  // Finishes the active session, if any (a test that needs its own).
  async finishActive() {
    const s = await this.get('/api/admin/state');
    if (s.session && s.session.status === 'active') await this.post(`/api/admin/sessions/${s.session.id}/finish`);
  }

  dispose() {
    return this.http.dispose();
  }
}
