// Browser notifications for a rater whose tab is in the background when
// a session starts or a host-paced round opens (issue 13).  The browser
// is asked for permission only from the "Notify me" button (a user
// gesture), and the rater's choice is remembered in localStorage; a
// notification is shown only while the tab is hidden: a visible page
// says it itself.
const KEY = 'memeter.notify';

export class BackgroundNotifier {
  // wrap: the button's container; button: "Notify me"; text: its note.
  constructor({ wrap, button, text }) {
    this.wrap = wrap;
    this.button = button;
    this.text = text;
    this.supported = typeof window.Notification === 'function';
    button.addEventListener('click', () => this.optIn());
    this.render();
  }

  get wanted() {
    try {
      return localStorage.getItem(KEY) === 'on';
    } catch {
      return false;
    }
  }

  get enabled() {
    return this.supported && this.wanted && Notification.permission === 'granted';
  }

  async optIn() {
    if (!this.supported) return;
    let perm = Notification.permission;
    if (perm === 'default') {
      try {
        perm = await Notification.requestPermission();
      } catch {
        perm = Notification.permission;
      }
    }
    try {
      localStorage.setItem(KEY, perm === 'granted' ? 'on' : 'off');
    } catch { /* private mode: this page only */ }
    this.render(perm);
  }

  render(perm = this.supported ? Notification.permission : 'denied') {
    this.wrap.hidden = !this.supported;
    if (!this.supported) return;
    const on = perm === 'granted' && this.wanted;
    this.button.hidden = on || perm === 'denied';
    this.text.textContent = on
      ? "Notifications are on: we'll tell you when rating opens while this tab is in the background."
      : perm === 'denied'
        ? 'Notifications are blocked for this site in your browser settings.'
        : 'Get a notification when rating opens while this tab is in the background.';
  }

  // title and body of the notification; shown only if the tab is hidden.
  notify(title, body) {
    if (!this.enabled || document.visibilityState !== 'hidden') return false;
    try {
      const n = new Notification(title, { body, tag: 'memeter', renotify: true });
      n.onclick = () => {
        window.focus();
        n.close();
      };
    } catch {
      return false;   // e.g. Android Chrome wants a service worker
    }
    return true;
  }
}
