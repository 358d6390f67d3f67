// Shared pieces of the browser tests: the test registry, the stack (a
// child bash running tests/browser/stack.sh), Chromium contexts that
// record console errors, screenshots at phone and projector size, the
// database, and bounded waits.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const SHOTS = path.join(HERE, 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const PROJECTOR = { width: 1920, height: 1080 };

// --- registry ---------------------------------------------------------------

export const registry = [];
let currentFile = '';
export function setFile(f) {
  currentFile = f;
}
// test('what it checks', async (ctx) => { ... throw on failure ... })
export function test(name, fn) {
  registry.push({ file: currentFile, name, fn });
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
export function assertEq(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// Polls cond (sync or async) until it returns a truthy value; bounded.
export async function waitFor(cond, what, timeout = 10000, interval = 100) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await cond();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// --- the stack --------------------------------------------------------------

export class Stack {
  constructor(dir, binDir, password) {
    this.dir = dir;
    this.binDir = binDir;
    this.password = password;
    this.proc = null;
    this.lines = [];
    this.waiters = [];
    this.info = {};
  }

  async start(timeout = 60000) {
    this.proc = spawn('bash', [path.join(HERE, 'stack.sh'), this.dir], {
      env: { ...process.env, MEMETER_BIN: this.binDir, MEMETER_ADMIN_PASSWORD: this.password },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiters.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    for (;;) {
      const line = await this.nextLine(timeout);
      if (line === 'READY') break;
      if (line === 'FAILED') throw new Error('the stack did not start (see logs above)');
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) this.info[m[1]] = m[2];
    }
    this.base = this.info.BASE;
    return this;
  }

  nextLine(timeout = 30000) {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the stack script did not answer')), timeout);
      this.waiters.push((line) => {
        clearTimeout(t);
        resolve(line);
      });
      this.exited.then(() => {
        clearTimeout(t);
        reject(new Error('the stack script exited'));
      });
    });
  }

  async command(cmd) {
    this.proc.stdin.write(`${cmd}\n`);
    const line = await this.nextLine();
    if (!line.startsWith('OK')) throw new Error(`stack ${cmd}: ${line}`);
    const m = /PUSHD_PID=(\d+)/.exec(line);
    if (m) this.info.PUSHD_PID = m[1];
    return line;
  }

  // Closing stdin stops the stack (stack_stop); SIGTERM if it lingers.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGTERM'), 30000);
    await this.exited;
    clearTimeout(t);
  }

  db(sql) {
    return execFileSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 5000', path.join(this.dir, 'memeter.db'), sql], {
      encoding: 'utf8',
    }).trim();
  }
}

// --- browser ----------------------------------------------------------------

export const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
};

// Network-level messages the browser itself logs while a test cuts the
// network or kills pushd on purpose; they are accepted only while such a
// window is open (ctx.expectNetworkErrors), never otherwise.
const NETWORK_NOISE = [
  /WebSocket connection to .* failed/,
  /net::ERR_INTERNET_DISCONNECTED/,
  /net::ERR_NETWORK_CHANGED/,
  /Failed to load resource: the server responded with a status of 50[234]/,
];

export class Browser {
  constructor(browser) {
    this.browser = browser;
    this.pages = [];
    this.errors = [];
    this.noiseAllowed = 0;
  }

  // A page in a fresh context (own cookies and storage), named for reports.
  async page(name, viewport, base) {
    const context = await this.browser.newContext({ viewport, deviceScaleFactor: 1, baseURL: base });
    // Cumulative layout shift, as Chromium measures it (no layout jumps).
    await context.addInitScript(() => {
      // resizing: [start, end] windows in which the test itself changed
      // the viewport (screenshots at other sizes); what moves then is the
      // test's doing, not the page's.
      window.__layoutShift = { total: 0, worst: 0, big: [], resizing: [] };
      const resized = (t) => window.__layoutShift.resizing.some(([a, b]) => t >= a && t <= b);
      // What moved, for the report of a failure.
      const describe = (n) => {
        if (!n || !n.tagName) return String(n && n.nodeName);
        return `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}${n.className && typeof n.className === 'string' ? `.${n.className.trim().split(/\s+/).slice(0, 2).join('.')}` : ''}`;
      };
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.hadRecentInput || resized(e.startTime)) continue;
            window.__layoutShift.total += e.value;
            window.__layoutShift.worst = Math.max(window.__layoutShift.worst, e.value);
            if (e.value > 0.02 && window.__layoutShift.big.length < 10) {
              window.__layoutShift.big.push(`${e.value.toFixed(3)} at ${Math.round(e.startTime)} ms: ` +
                `${(e.sources || []).slice(0, 3).map((x) => `${describe(x.node)} ${Math.round(x.previousRect.y)}->${Math.round(x.currentRect.y)}${x.previousRect.height !== x.currentRect.height ? ` h ${Math.round(x.previousRect.height)}->${Math.round(x.currentRect.height)}` : ''}`).join(', ')} ` +
                `(${innerWidth}x${innerHeight}, scrollY ${Math.round(scrollY)} of ${document.documentElement.scrollHeight}, ${document.body && document.body.dataset.screen})`);
            }
          }
        }).observe({ type: 'layout-shift', buffered: true });
      } catch {
        /* not supported: stays 0 */
      }
    });
    const page = await context.newPage();
    page.__name = name;
    page.__size = viewport === PHONE ? 'phone' : 'projector';
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.record(name, msg.text());
    });
    page.on('pageerror', (err) => this.record(name, `uncaught: ${err.message}`, true));
    this.pages.push(page);
    return page;
  }

  record(name, text, always = false) {
    if (!always && this.noiseAllowed > 0 && NETWORK_NOISE.some((re) => re.test(text))) return;
    this.errors.push(`${name}: ${text}`);
  }

  async closeAll() {
    for (const p of this.pages) await p.context().close().catch(() => {});
    this.pages = [];
  }
}

// Sets the viewport the way a test does it: the layout shifts of the
// resize itself are not counted as the page's (see __layoutShift).
export async function setViewport(page, size) {
  await page.evaluate(() => window.__layoutShift && window.__layoutShift.resizing.push([performance.now(), Infinity]));
  await page.setViewportSize({ width: size.width, height: size.height });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const w = window.__layoutShift && window.__layoutShift.resizing;
    if (w && w.length) w[w.length - 1][1] = performance.now();
    r();
  }))));
}

// Screenshots of the page as it is, at phone and projector size
// (tests/browser/screenshots/NAME-phone.png and NAME-projector.png).
export async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const own = page.viewportSize();
  const sizes = page.__size === 'phone' ? [['phone', PHONE], ['projector', PROJECTOR]] : [['projector', PROJECTOR], ['phone', PHONE]];
  for (const [label, size] of sizes) {
    if (size.width !== page.viewportSize().width) await setViewport(page, size);
    // Let finite (entrance) animations end so the picture shows the state.
    await page.evaluate(() => Promise.race([
      Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => {}))),
      new Promise((r) => setTimeout(r, 3000)),
    ]));
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`) });
  }
  await setViewport(page, own);
}

export function badgeText(page) {
  return page.getByRole('status').first().textContent();
}
