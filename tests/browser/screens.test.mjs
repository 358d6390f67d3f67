// Every page at the screen sizes people have (SIZES in fit.mjs: small
// phones, a tablet, laptops, a projector): nothing scrolls sideways,
// nothing is cut without an ellipsis, no figure is cut at all; Submit and
// Skip are on screen without scrolling on the small phones; axe-core
// finds nothing serious or critical at phone and projector size; no text
// under 16 px on the projector.  Screenshots of each page at each size go
// to tests/browser/screenshots/screens-PAGE-SIZE.png.
//
// The file sets up its own party through the admin API (a session whose
// name and meme titles are as long as the server keeps, one word too long
// for a phone), so it does not depend on what party.test.mjs left behind.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { AdminApi } from './adminapi.mjs';
import { SIZES, SMALL_PHONES, axeViolations, fitProblems, inViewport, resize, settle, smallText } from './fit.mjs';
import { PHONE, PROJECTOR, SHOTS, assert, assertEq, test, waitFor } from './harness.mjs';
import { makeLongTitled } from './memes.mjs';
import { mkdirSync } from 'node:fs';

const SESSION_NAME = 'The great big end-of-year meme championship of the whole office and friends';
const RATER_NAME = 'Sir Reginald Featherstonehaugh-Smythe II'; // 40, the most
const AXE_SIZES = ['390x844', '1920x1080'];

const rater = (page) => ({
  img: page.locator('#screen-rate img#meme-img'),
  slider: page.getByRole('slider', { name: 'Score', exact: true }),
  submit: page.getByRole('button', { name: 'Submit', exact: true }),
  skip: page.getByRole('button', { name: 'Skip', exact: true }),
  progress: page.getByRole('progressbar'),
});

const escapeRe = (t) => t.replace(/[.*+?^$(){}|[\]\\]/g, '\\$&');

async function rated(page) {
  return Number(await rater(page).progress.getAttribute('aria-valuenow'));
}

// Goes through every size: the page fits; axe at phone and projector
// size; no small text on the projector (when asked); a screenshot each.
// extra(size) adds checks of its own.  Returns nothing, throws the list
// of every problem found at once (one run shows them all).
async function checkSizes(page, label, { extra = null, projectorText = true } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const own = page.viewportSize();
  const problems = [];
  for (const size of SIZES) {
    await resize(page, size);
    for (const p of await fitProblems(page)) problems.push(`${size.name}: ${p}`);
    if (AXE_SIZES.includes(size.name)) {
      for (const v of await axeViolations(page)) problems.push(`${size.name}: axe: ${v}`);
    }
    if (projectorText && size.name === '1920x1080') {
      for (const t of await smallText(page, 16)) problems.push(`${size.name}: text under 16 px: ${t}`);
    }
    if (extra) for (const p of await extra(size)) problems.push(`${size.name}: ${p}`);
    await page.screenshot({ path: path.join(SHOTS, `screens-${label}-${size.name}.png`) });
  }
  await resize(page, own);
  if (problems.length) throw new Error(`${label}: ${problems.length} problems:\n      ${problems.slice(0, 30).join('\n      ')}`);
}

// The box of a text element truncates with an ellipsis and is in fact cut.
function truncatedWithEllipsis(locator) {
  return locator.evaluate((e) => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth);
}

test('setup: a started session whose names and titles are long', async (ctx) => {
  const api = await AdminApi.login(ctx.base, ctx.password);
  ctx.shared.api = api;
  ctx.shared.errorsBefore = ctx.browser.errors.length;
  await api.finishActive();
  const long = await makeLongTitled(ctx.browser.browser, path.join(ctx.stack.dir, 'long'));
  const s = await api.post('/api/admin/sessions', { name: SESSION_NAME });
  for (const m of long) await api.upload(s.id, m.path);
  await api.post(`/api/admin/sessions/${s.id}/populate`);
  await api.post(`/api/admin/sessions/${s.id}/start`);
  const memes = (await api.get('/api/admin/state')).memes;
  assert(memes.length >= long.length + ctx.memes.library.length, `the session has its memes (${memes.length})`);
  const longest = memes.reduce((a, b) => (b.title.length > a.title.length ? b : a));
  assert(longest.title.length >= 60, `a long title to truncate (${longest.title})`);
  Object.assign(ctx.shared, { sid: s.id, memes, longest });
});

test('admin page logged out fits every size', async (ctx) => {
  const admin = await ctx.browser.page('screens admin', PROJECTOR, ctx.base);
  ctx.shared.admin = admin;
  await admin.goto('/admin');
  await admin.getByLabel('Password', { exact: true }).waitFor();
  await checkSizes(admin, 'admin-login');
  await admin.getByLabel('Password', { exact: true }).fill(ctx.password);
  await admin.getByRole('button', { name: 'Log in', exact: true }).click();
  await admin.getByRole('heading', { name: 'Scan to join' }).waitFor();
  await waitFor(async () => (await admin.locator('#grid > li').count()) === ctx.shared.memes.length, 'the dashboard shows the session');
});

test('an old "Upload failed" line goes once a later upload succeeds', async (ctx) => {
  const { admin } = ctx.shared;
  const bad = path.join(ctx.stack.dir, 'not-an-image.png');
  writeFileSync(bad, 'this is text, not a PNG\n');
  const note = admin.locator('#upload-text');
  const errors = ctx.browser.errors.length;
  await admin.locator('#files').setInputFiles(bad);
  await waitFor(async () => /failed/i.test(await note.textContent()), 'the failed upload is said');
  // Chromium logs the refused request (4xx) itself; that one is expected.
  const logged = ctx.browser.errors.splice(errors);
  ctx.browser.errors.push(...logged.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e)));
  await admin.locator('#files').setInputFiles(ctx.memes.uploads[0].path);
  await waitFor(async () => /^Added /.test(await note.textContent()), 'the successful upload is said');
  assert(!/failed/i.test(await note.textContent()), 'no failure left on screen');
  const n = ctx.shared.memes.length;
  await waitFor(async () => (await admin.locator('#grid > li').count()) >= n, 'the grid keeps its memes');
  ctx.shared.memes = (await ctx.shared.api.get('/api/admin/state')).memes;
});

test('rater page: fits every size, Submit and Skip on screen on small phones', async (ctx) => {
  const page = await ctx.browser.page('screens rater', PHONE, ctx.base);
  ctx.shared.rater = page;
  await page.goto('/');
  await rater(page).img.waitFor({ state: 'visible' });
  const r = await page.request.patch('/api/me', { data: { name: RATER_NAME }, headers: { Origin: ctx.base } });
  assertEq(r.status(), 200, 'rename status');
  await page.reload();
  await rater(page).img.waitFor({ state: 'visible' });
  await waitFor(() => page.evaluate(() => document.querySelector('#meme-img').complete), 'the meme image loaded');
  await checkSizes(page, 'rater-rate', {
    extra: async (size) => {
      const out = [];
      if (!SMALL_PHONES.includes(size.name)) return out;
      for (const [what, loc] of [['Submit', rater(page).submit], ['Skip', rater(page).skip], ['the slider', rater(page).slider]]) {
        const v = await inViewport(loc);
        if (!v.ok) out.push(`${what} is not wholly on screen: ${v.box}`);
      }
      const img = await rater(page).img.boundingBox();
      if (!img || img.height < 100) out.push(`the meme is only ${img && Math.round(img.height)} px tall`);
      const scroll = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
      if (scroll > 0) out.push(`the page scrolls ${scroll} px`);
      return out;
    },
  });
});

test('rater page offline: one compact status line, not banners over the meme', async (ctx) => {
  const page = ctx.shared.rater;
  ctx.browser.noiseAllowed++;
  await page.context().setOffline(true);
  try {
    for (const size of SIZES.filter((s) => SMALL_PHONES.includes(s.name))) {
      await resize(page, size);
      const before = await rated(page);
      await rater(page).submit.click();
      await waitFor(async () => (await rated(page)) === before + 1, 'the offline rating counts');
      await page.locator('#queue-chip').waitFor({ state: 'visible' });
      await settle(page);
      const cover = await page.evaluate(() => {
        const img = document.querySelector('#meme-img').getBoundingClientRect();
        const shown = [...document.querySelectorAll('#toasts > *')].filter((e) => e.checkVisibility());
        let covered = 0;
        for (const e of shown) {
          const r = e.getBoundingClientRect();
          covered += Math.max(0, Math.min(r.bottom, img.bottom) - Math.max(r.top, img.top));
        }
        const chip = document.querySelector('#queue-chip').getBoundingClientRect();
        return { banners: shown.length, covered, img: img.height, chip: chip.height };
      });
      assert(cover.chip <= 48, `${size.name}: the offline line is one line (${cover.chip} px tall)`);
      assert(cover.covered < cover.img / 2, `${size.name}: banners cover ${cover.covered} of the meme's ${cover.img} px`);
      await page.screenshot({ path: path.join(SHOTS, `screens-rater-offline-${size.name}.png`) });
    }
    assert((await page.locator('#queue-text').textContent()).includes('2 ratings'), 'the line counts the waiting ratings');
  } finally {
    await page.context().setOffline(false);
  }
  await waitFor(async () => (await page.evaluate(() => window.__memeter.queue.items().length)) === 0, 'the queue is sent', 15000);
  await page.locator('#queue-chip').waitFor({ state: 'hidden' });
  await waitFor(async () => (await page.getByRole('status').first().textContent()).startsWith('Live'), 'the badge is Live again', 25000);
  ctx.browser.noiseAllowed--;
});

test('rater "All done" list: long titles end in an ellipsis, nothing sideways', async (ctx) => {
  const page = ctx.shared.rater;
  await resize(page, PHONE);
  let score = 3;
  for (let guard = 0; guard < 30 && await rater(page).img.isVisible(); guard++) {
    const before = await rated(page);
    await rater(page).slider.fill(String(score));
    await rater(page).submit.click();
    await waitFor(async () => (await rated(page)) === before + 1 || !(await rater(page).img.isVisible()), 'the rating counts');
    score = (score + 4) % 11;
  }
  await page.getByRole('heading', { name: "You're all done!" }).waitFor();
  const { longest } = ctx.shared;
  const button = page.getByRole('button', { name: new RegExp(`^Change your rating of ${escapeRe(longest.title)} `) });
  await button.waitFor();
  assert(await truncatedWithEllipsis(button.locator('span.truncate')), 'the long title is cut with an ellipsis on a phone');
  await checkSizes(page, 'rater-done');
});

test('dashboard with the session running fits every size; plurals; big text on the projector', async (ctx) => {
  const { admin, api, sid, memes } = ctx.shared;
  // A second rater gives one meme two ratings: "2 ratings" next to "1 rating".
  const other = await ctx.browser.page('screens rater 2', PHONE, ctx.base);
  await other.goto('/');
  await rater(other).img.waitFor({ state: 'visible' });
  const first = memes[0];
  const r = await other.request.post('/api/ratings', { data: { meme_id: first.id, score: 9 }, headers: { Origin: ctx.base } });
  assertEq(r.status(), 201, 'second rating status');
  const card = (m) => admin.locator(`#grid > li[data-meme-id="${m.id}"]`);
  const count = (m) => card(m).locator('span').filter({ hasText: /^\d+ ratings?$/ }).first().textContent();
  await waitFor(async () => (await count(first)) === '2 ratings', 'a card says "2 ratings"');
  await waitFor(async () => (await count(memes[1])) === '1 rating', 'a card says "1 rating"');
  const counts = await admin.locator('#grid > li span').allTextContents();
  assert(!counts.includes('1 ratings'), 'no "1 ratings"');
  await waitFor(async () => (await admin.locator('#feed > li').count()) > 0, 'the feed has ratings');
  assert((await admin.locator('#feed').textContent()).includes(RATER_NAME), 'the feed names the long-named rater');
  await checkSizes(admin, 'admin-live', {
    extra: async (size) => {
      const out = [];
      // The cards keep a sensible width; the average is whole.
      const widths = await admin.locator('#grid > li').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
      const narrow = Math.min(...widths);
      if (narrow < Math.min(300, size.width - 72)) out.push(`a meme card is only ${Math.round(narrow)} px wide`);
      const avg = await admin.getByRole('group', { name: 'Average', exact: true }).locator('.stat-value').evaluate((e) => ({
        cut: e.scrollWidth > e.clientWidth, right: e.getBoundingClientRect().right, box: e.parentElement.getBoundingClientRect().right,
      }));
      if (avg.cut || avg.right > avg.box) out.push('the average is clipped');
      return out;
    },
  });
  const head = await api.get(`/api/admin/sessions/${sid}/stats`);
  assert(head.ratings >= memes.length, `the stats count the ratings (${head.ratings})`);
});

test('rater "That\'s a wrap" list fits every size', async (ctx) => {
  const { api, sid, rater: page } = ctx.shared;
  await api.post(`/api/admin/sessions/${sid}/finish`);
  await page.getByRole('heading', { name: "That's a wrap!" }).waitFor({ timeout: 10000 });
  const n = await page.locator('#finished-list > li').count();
  assertEq(n, ctx.shared.memes.length, 'the summary lists every rating');
  const cut = await page.locator('#finished-list span.truncate').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).length);
  assert(cut > 0, 'a long title is cut on a phone');
  assert(await truncatedWithEllipsis(page.locator('#finished-list span.truncate').filter({ hasText: ctx.shared.longest.title })), 'with an ellipsis');
  await checkSizes(page, 'rater-finished');
});

test('results page with places revealed, and the archive, fit every size', async (ctx) => {
  const { api, sid, admin } = ctx.shared;
  const pub = await ctx.browser.page('screens results', PROJECTOR, ctx.base);
  await pub.goto(`/results/${sid}`);
  const total = ctx.shared.memes.length;
  await waitFor(async () => (await pub.locator('#count').textContent()) === `${total} places to reveal`, 'the board is up');
  for (let k = 0; k < total; k++) await api.post(`/api/admin/sessions/${sid}/reveal`, { action: 'next' });
  await waitFor(async () => (await pub.locator('#count').textContent()) === `All ${total} revealed`, 'every place revealed', 15000);
  await pub.getByRole('listitem', { name: /^Place 1: / }).waitFor();
  await checkSizes(pub, 'results-podium');
  await waitFor(async () => (await admin.locator('#reveal-count').textContent()) === `${total} / ${total}`, 'the dashboard follows the reveal');
  await checkSizes(admin, 'admin-revealed');
  await pub.goto('/results');
  await pub.getByRole('link', { name: new RegExp(SESSION_NAME.slice(0, 30)) }).waitFor();
  await checkSizes(pub, 'results-archive');
});

test('no console errors on the pages of this file', async (ctx) => {
  await ctx.shared.api.dispose();
  assertEq(ctx.browser.errors.slice(ctx.shared.errorsBefore).join('\n'), '', 'console errors');
});
