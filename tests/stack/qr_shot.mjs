// Logs in to the dashboard at BASE in headless Chromium (Debian's, driven
// by npm's playwright-core as tests/browser does) and writes what a host
// sees: a screenshot of the join QR code to OUT.png, and the join text,
// whether the loopback warning shows and the QR code's label as JSON on
// stdout.  Used by test_lan.sh, which decodes the picture with zbarimg.
//
//   node tests/stack/qr_shot.mjs BASE PASSWORD OUT.png
import { chromium } from 'playwright-core';

const [base, password, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/admin`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#view-dash').waitFor({ state: 'visible', timeout: 15000 });
  // The QR code follows GET /api/config: wait until the text does.
  await page.waitForFunction(() => {
    const u = document.querySelector('#join-url');
    return u && u.dataset.url && !u.dataset.url.startsWith(location.origin);
  }, null, { timeout: 10000 }).catch(() => {});
  const qr = page.locator('#qr');
  await qr.scrollIntoViewIfNeeded();
  await qr.screenshot({ path: out });
  const info = await page.evaluate(() => ({
    text: document.querySelector('#join-url').textContent,
    url: document.querySelector('#join-url').dataset.url,
    warning: !document.querySelector('#join-warn').hidden,
    label: document.querySelector('#qr').getAttribute('aria-label'),
  }));
  process.stdout.write(`${JSON.stringify(info)}\n`);
} finally {
  await browser.close();
}
