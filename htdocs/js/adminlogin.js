// The admin login both admin pages share (/admin and /screen): the
// password form, the remembered login, the CSRF token kept for the tab,
// logging out.  A page gives it its form's elements and three hooks:
// show(view) switches between 'login' and the page, enter() opens the
// page after a login (or with a remembered one), left() stops what the
// page runs while logged in (its push channel).
import { api, getCsrf, setCsrf } from './api.js';
import { setText } from './dom.js';

const HINT = 'memeter.admin';   // "logged in once": avoids a 401 on a first visit
const CSRF = 'memeter.csrf';    // the token of this tab's login

export class AdminLogin {
  constructor({ form, password, error, button, badge, show, enter, left = () => {} }) {
    Object.assign(this, { form, password, error, button, badge, show, enter, left });
    form.addEventListener('submit', (e) => this.submit(e));
  }

  // The token of this tab's login, after a reload.
  restoreCsrf() {
    if (!getCsrf()) setCsrf(sessionStorage.getItem(CSRF));
    return getCsrf();
  }

  async submit(e) {
    e.preventDefault();
    setText(this.error, '');
    const password = this.password.value;
    if (!password) {
      setText(this.error, 'Enter the admin password.');
      this.password.focus();
      return;
    }
    this.button.disabled = true;
    try {
      const r = await api.post('/api/admin/login', { password });
      setCsrf(r.csrf);
      sessionStorage.setItem(CSRF, r.csrf);
      localStorage.setItem(HINT, '1');
      this.password.value = '';
      await this.enter();
    } catch (err) {
      setText(this.error, err.status === 401 || err.status === 403 ? 'That password is not right.' : err.message);
      this.password.select();
    } finally {
      this.button.disabled = false;
    }
  }

  // Back to the form, with message under it ('' for none).
  loggedOut(message = '') {
    this.left();
    localStorage.removeItem(HINT);
    sessionStorage.removeItem(CSRF);
    setCsrf(null);
    this.show('login');
    this.badge.set('disconnected', 'logged out');
    setText(this.error, message);
    this.password.focus();
  }

  async logout() {
    try {
      await api.post('/api/admin/logout');
    } catch {
      /* logged out locally either way */
    }
    this.loggedOut('');
  }

  // The page with a remembered login, else the form.
  start() {
    if (localStorage.getItem(HINT) === '1') {
      this.enter();
      return;
    }
    this.show('login');
    this.badge.set('disconnected', 'not logged in');
    this.password.focus();
  }
}
