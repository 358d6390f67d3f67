// One whole party in Chromium against the real stack: an admin on the big
// screen and two raters on phones.  The steps run in order and share state
// (ctx.shared).  Every check waits for the page to change by itself: no
// page is ever reloaded after its first load.
import { PHONE, PROJECTOR, assert, assertEq, badgeText, shoot, test, waitFor } from './harness.mjs';

const USER_TYPES = ['session_started', 'session_finished', 'memes_populated', 'stats_updated', 'results_revealed'];

// The rater page's parts, by their accessible names (SPEC "Pages").
const rater = (page) => ({
  img: page.locator('#screen-rate img#meme-img'),
  slider: page.getByRole('slider', { name: 'Score', exact: true }),
  submit: page.getByRole('button', { name: 'Submit', exact: true }),
  skip: page.getByRole('button', { name: 'Skip', exact: true }),
  progress: page.getByRole('progressbar'),
});

async function badgeStarts(page, word, timeout = 15000) {
  await waitFor(async () => (await badgeText(page)).startsWith(word), `${page.__name} badge "${word}"`, timeout);
}

async function progressOf(page) {
  const p = rater(page).progress;
  return { now: Number(await p.getAttribute('aria-valuenow')), max: Number(await p.getAttribute('aria-valuemax')) };
}

async function currentTitle(page) {
  return rater(page).img.getAttribute('alt');
}

// The same page without a reload: the marker set at load time survives.
async function markPage(page) {
  await page.evaluate(() => { window.__noReload = 'still here'; });
}
async function assertNotReloaded(page) {
  assertEq(await page.evaluate(() => window.__noReload), 'still here', `${page.__name} was not reloaded`);
}

async function statFigure(admin, label) {
  const group = admin.getByRole('group', { name: label, exact: true });
  return (await group.locator('.stat-value').textContent()).trim();
}

function sessionMemes(stack, sid) {
  return stack.db(`SELECT m.id || '|' || m.title FROM session_memes sm JOIN memes m ON m.id = sm.meme_id
    WHERE sm.session_id = ${sid} ORDER BY sm.position`).split('\n').filter(Boolean)
    .map((l) => { const [id, title] = l.split('|'); return { id: Number(id), title }; });
}

// Rates the meme on screen with score and waits for the page to move on.
async function rateCurrent(page, score, { keyboard = false } = {}) {
  const r = rater(page);
  const before = await currentTitle(page);
  const beforeNow = (await progressOf(page)).now;
  if (keyboard) {
    await r.slider.focus();
    await page.keyboard.press('End');
    for (let v = 10; v > score; v--) await page.keyboard.press('ArrowLeft');
    assertEq(await r.slider.inputValue(), String(score), 'slider value after arrows');
    await page.keyboard.press('Enter');
  } else {
    await r.slider.fill(String(score));
    await r.submit.click();
  }
  await waitFor(async () => (await progressOf(page)).now === beforeNow + 1, `${page.__name} progress after rating`, 5000);
  return before;
}

test('raters see the waiting screen before any session, badge Live', async (ctx) => {
  const { browser, base } = ctx;
  const a = await browser.page('rater A', PHONE, base);
  const b = await browser.page('rater B', PHONE, base);
  // A third rater with real time switched off lives on polling alone.
  const c = await browser.page('rater C (polling only)', PHONE, base);
  ctx.shared.a = a;
  ctx.shared.b = b;
  ctx.shared.c = c;
  for (const [p, url] of [[a, '/'], [b, '/'], [c, '/?realtime=off']]) {
    await p.goto(url);
    await p.getByRole('heading', { name: 'Get ready to rate!' }).waitFor();
    await badgeStarts(p, 'Live');
    await markPage(p);
  }
  assert((await badgeText(c)).includes('polling'), 'the polling-only rater says so in its badge');
  assert(!(await a.getByRole('progressbar').isVisible()), 'no progress bar without an active session');
  await shoot(a, 'rater-waiting');
});

test('admin logs in with the Password field and the Log in button', async (ctx) => {
  const admin = await ctx.browser.page('admin', PROJECTOR, ctx.base);
  ctx.shared.admin = admin;
  await admin.goto('/admin');
  await admin.getByLabel('Password', { exact: true }).waitFor();
  await shoot(admin, 'admin-login');
  await admin.getByLabel('Password', { exact: true }).fill(ctx.password);
  await admin.getByRole('button', { name: 'Log in', exact: true }).click();
  await admin.getByRole('heading', { name: 'Scan to join' }).waitFor();
  await badgeStarts(admin, 'Live');
  assert(await admin.locator('#qr svg path').count() === 1, 'a QR code is drawn');
  for (const label of ['Memes', 'Ratings', 'Raters', 'Average']) {
    await admin.getByRole('group', { name: label, exact: true }).waitFor();
  }
  await markPage(admin);
  await shoot(admin, 'admin-empty');
});

test('admin creates and populates a session', async (ctx) => {
  const { admin } = ctx.shared;
  const { stack, memes } = ctx;
  await admin.getByLabel('New session').fill('Friday Memes');
  await admin.getByRole('button', { name: 'Create', exact: true }).click();
  await waitFor(async () => (await admin.locator('#session-name').textContent()) === 'Friday Memes', 'session card shows the new session');
  ctx.shared.sid = Number(stack.db("SELECT id FROM sessions WHERE name = 'Friday Memes'"));
  assert(ctx.shared.sid > 0, 'the session is in the database');
  assertEq(stack.db(`SELECT status FROM sessions WHERE id = ${ctx.shared.sid}`), 'draft', 'status');
  await admin.getByRole('button', { name: 'Populate', exact: true }).click();
  const n = memes.library.length;
  await waitFor(async () => (await admin.locator('#grid > li').count()) === n, `${n} memes in the grid`);
  await waitFor(async () => (await statFigure(admin, 'Memes')) === String(n), 'Memes card');
  ctx.shared.order = sessionMemes(stack, ctx.shared.sid);
  assertEq(ctx.shared.order.length, n, 'memes in the session');
  await shoot(admin, 'admin-draft');
});

test('admin starts it; both raters see the first meme without a reload', async (ctx) => {
  const { admin, a, b, order } = ctx.shared;
  await admin.getByRole('button', { name: 'Start', exact: true }).click();
  await waitFor(async () => (await admin.locator('#session-status').textContent()) === 'Live now', 'admin shows the session live');
  for (const p of [a, b]) {
    await rater(p).img.waitFor({ state: 'visible', timeout: 10000 });
    await waitFor(async () => (await currentTitle(p)) === order[0].title, `${p.__name} shows "${order[0].title}"`);
    const pr = await progressOf(p);
    assertEq(pr.now, 0, 'progress aria-valuenow');
    assertEq(pr.max, order.length, 'progress aria-valuemax');
    assertEq(await rater(p).slider.getAttribute('min'), '0', 'slider min');
    assertEq(await rater(p).slider.getAttribute('max'), '10', 'slider max');
    await assertNotReloaded(p);
  }
  const { c } = ctx.shared;
  await waitFor(async () => (await rater(c).img.isVisible()) && (await currentTitle(c)) === order[0].title,
    'the polling-only rater gets the first meme too', 10000);
  assertEq((await c.evaluate(() => window.__memeter.channel.received)).length, 0, 'the polling-only rater uses no push channel');
  await waitFor(() => a.evaluate(() => document.querySelector('#meme-img').complete), 'meme image loaded');
  await shoot(a, 'rater-rate');
});

test('a rating from each rater shows on the admin grid and counters without a reload', async (ctx) => {
  const { admin, a, b, order } = ctx.shared;
  await rateCurrent(a, 8, { keyboard: true });
  await rateCurrent(b, 3);
  const first = order[0];
  await waitFor(async () => (await statFigure(admin, 'Ratings')) === '2', 'Ratings card says 2');
  await waitFor(async () => (await statFigure(admin, 'Raters')) === '2', 'Raters card says 2');
  await waitFor(async () => (await statFigure(admin, 'Average')) === '5.5', 'Average card says 5.5');
  const card = admin.locator(`#grid > li[data-meme-id="${first.id}"]`);
  await waitFor(async () => (await card.textContent()).includes('2 ratings'), 'the meme card counts 2 ratings');
  await waitFor(async () => (await card.textContent()).includes('5.5'), 'the meme card shows the average 5.5');
  await waitFor(async () => (await card.textContent()).includes('3..8'), 'the meme card shows the range 3..8');
  await waitFor(async () => (await admin.locator('#feed > li').count()) === 2, 'two ratings in the live feed');
  const names = ctx.stack.db(`SELECT r.name FROM ratings x JOIN raters r ON r.id = x.rater_id WHERE x.meme_id = ${first.id}`).split('\n');
  assertEq(names.length, 2, 'two raters rated the first meme');
  const feed = await admin.locator('#feed').textContent();
  for (const n of names) assert(feed.includes(n), `the feed names ${n}`);
  await assertNotReloaded(admin);
  assertEq(ctx.stack.db(`SELECT group_concat(score) FROM (SELECT score FROM ratings WHERE meme_id = ${first.id} ORDER BY score)`), '3,8', 'scores in the database');
  await waitFor(async () => (await currentTitle(a)) === order[1].title, 'rater A moved on to the second meme');
  await shoot(admin, 'admin-live');
});

test('a rater renames themself', async (ctx) => {
  const { a } = ctx.shared;
  await a.getByRole('button', { name: /^Rename yourself/ }).click();
  await a.getByRole('dialog').waitFor();
  await shoot(a, 'rater-rename');
  await a.getByLabel('Your name').fill('Meme Lord');
  await a.getByRole('button', { name: 'Save', exact: true }).click();
  await waitFor(async () => (await a.locator('#me-name').textContent()) === 'Meme Lord', 'the chip shows the new name');
  await waitFor(() => ctx.stack.db("SELECT count(*) FROM raters WHERE name = 'Meme Lord'") === '1', 'the name is stored');
});

test('skip brings the meme back after the others', async (ctx) => {
  const { b, order } = ctx.shared;
  assertEq(await currentTitle(b), order[1].title, 'rater B is on the second meme');
  await rater(b).skip.click();
  await waitFor(async () => (await currentTitle(b)) === order[2].title, 'rater B sees the third meme after skipping');
  await waitFor(() => ctx.stack.db(`SELECT count(*) FROM skips WHERE meme_id = ${order[1].id}`) === '1', 'the skip is recorded');
  assertEq((await progressOf(b)).now, 1, 'a skip does not count as rated');
});

test('pushd killed: badges say Reconnecting and polling keeps the rater working', async (ctx) => {
  const { admin, a, b, order } = ctx.shared;
  const { stack } = ctx;
  ctx.shared.headBeforeOutage = Number(stack.db('SELECT coalesce(max(seq), 0) FROM events'));
  ctx.browser.noiseAllowed++;
  await stack.command('kill-pushd');
  for (const p of [a, b, admin]) await badgeStarts(p, 'Reconnecting...', 10000);
  await shoot(a, 'rater-reconnecting');
  // Ratings still go through REST.
  const rated = await rateCurrent(a, 9);
  assertEq(rated, order[1].title, 'rater A rated the second meme');
  await waitFor(() => stack.db(`SELECT count(*) FROM ratings WHERE meme_id = ${order[1].id} AND score = 9`) === '1', 'the rating made during the outage is stored');
  // The admin adds a meme; with no push channel the raters learn of it by polling.
  await admin.locator('#files').setInputFiles(ctx.memes.uploads.map((u) => u.path));
  const total = order.length + ctx.memes.uploads.length;
  await waitFor(async () => (await admin.locator('#grid > li').count()) === total, 'the upload shows in the admin grid');
  for (const p of [a, b]) {
    await waitFor(async () => (await progressOf(p)).max === total, `${p.__name} learns of the new meme by polling`, 12000);
    await assertNotReloaded(p);
  }
  await waitFor(async () => (await statFigure(admin, 'Ratings')) === '3', 'admin counters follow by polling', 12000);
  ctx.shared.order = sessionMemes(stack, ctx.shared.sid);
});

test('pushd restarted: badges say Live and no event is missing', async (ctx) => {
  const { admin, a, b } = ctx.shared;
  const { stack } = ctx;
  await stack.command('start-pushd');
  for (const p of [a, b, admin]) await badgeStarts(p, 'Live', 25000);
  ctx.browser.noiseAllowed--;
  const since = ctx.shared.headBeforeOutage;
  const head = Number(stack.db('SELECT max(seq) FROM events'));
  const all = stack.db(`SELECT seq || ' ' || type FROM events WHERE seq > ${since} ORDER BY seq`).split('\n').filter(Boolean)
    .map((l) => { const [seq, type] = l.split(' '); return { seq: Number(seq), type }; });
  assert(all.some((e) => e.type === 'new_rating') && all.some((e) => e.type === 'memes_populated'),
    'the outage produced events');
  // The admin group sees every event; the user group the SPEC's subset.
  const checks = [[admin, all], [a, all.filter((e) => USER_TYPES.includes(e.type))], [b, all.filter((e) => USER_TYPES.includes(e.type))]];
  for (const [p, want] of checks) {
    const got = await waitFor(async () => {
      const r = await p.evaluate(() => window.__memeter.channel.received);
      return r.includes(want[want.length - 1].seq) ? r : null;
    }, `${p.__name} received the events up to seq ${head}`, 10000);
    // pushd may coalesce a user's stats_updated into the next one (only
    // the newest figures matter), never anything else.
    const coalescable = (i) => p !== admin && want[i].type === 'stats_updated' &&
      i + 1 < want.length && want[i + 1].type === 'stats_updated';
    const missing = want.filter((e, i) => !got.includes(e.seq) && !coalescable(i));
    assertEq(missing.map((e) => `${e.seq} ${e.type}`).join(', '), '', `${p.__name}: events missing after the restart`);
    const inOrder = got.every((q, i) => i === 0 || q > got[i - 1]);
    assert(inOrder, `${p.__name}: events arrived in seq order without duplicates`);
  }
  // The admin's feed has the rating made while pushd was down.
  await waitFor(async () => (await admin.locator('#feed').textContent()).includes('Meme Lord'), 'the outage rating is in the feed');
  await assertNotReloaded(admin);
});

test('a rating made offline is sent exactly once when back online', async (ctx) => {
  const { b, order } = ctx.shared;
  const { stack } = ctx;
  const posts = [];
  b.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/ratings')) posts.push(r.postDataJSON());
  });
  const riderId = await b.evaluate(() => window.__memeter.st.me.id);
  const title = await currentTitle(b);
  const meme = order.find((m) => m.title === title);
  ctx.browser.noiseAllowed++;
  await b.context().setOffline(true);
  await badgeStarts(b, 'Disconnected', 10000);
  await rateCurrent(b, 7);
  const queued = await b.evaluate(() => window.__memeter.queue.items());
  assertEq(queued.length, 1, 'one rating waits in the offline queue');
  const clientId = queued[0].client_id;
  await b.locator('#queue-chip').waitFor({ state: 'visible' });
  await shoot(b, 'rater-offline');
  assertEq(stack.db(`SELECT count(*) FROM ratings WHERE rater_id = ${riderId} AND meme_id = ${meme.id}`), '0', 'nothing reached the server while offline');
  await b.context().setOffline(false);
  await waitFor(() => stack.db(`SELECT count(*) FROM ratings WHERE rater_id = ${riderId} AND meme_id = ${meme.id}`) === '1', 'the rating arrives once online', 15000);
  await waitFor(async () => (await b.evaluate(() => window.__memeter.queue.items().length)) === 0, 'the queue is empty');
  await badgeStarts(b, 'Live', 25000);
  ctx.browser.noiseAllowed--;
  await b.locator('#queue-chip').waitFor({ state: 'hidden' });
  assertEq(stack.db(`SELECT count(*) || ':' || max(score) FROM ratings WHERE rater_id = ${riderId} AND meme_id = ${meme.id}`), '1:7', 'exactly one row with the offline score');
  assertEq(stack.db(`SELECT count(*) FROM rating_requests WHERE client_id = '${clientId}'`), '1', 'its client_id was applied once');
  assertEq(posts.filter((p) => p.client_id === clientId).length, 1, 'the queued rating was posted once');
});

test('raters rate everything and see the all-done screen', async (ctx) => {
  const { a, b } = ctx.shared;
  let score = 2;
  for (const p of [a, b]) {
    for (let guard = 0; guard < 20 && await rater(p).img.isVisible(); guard++) {
      await rateCurrent(p, score);
      score = (score + 3) % 11;
    }
    await p.getByRole('heading', { name: "You're all done!" }).waitFor();
    const pr = await progressOf(p);
    assertEq(pr.now, pr.max, `${p.__name} rated every meme`);
  }
  await shoot(a, 'rater-done');
  // Changing a score from the summary replaces it (one row, new score).
  const first = ctx.shared.order[0];
  const me = await a.evaluate(() => window.__memeter.st.me.id);
  await a.getByRole('button', { name: new RegExp(`^Change your rating of ${first.title} `) }).click();
  await waitFor(async () => (await currentTitle(a)) === first.title, 'the chosen meme is back on screen');
  assertEq(await rater(a).slider.inputValue(), '8', 'the slider starts at the earlier score');
  await rater(a).slider.fill('10');
  await rater(a).submit.click();
  await a.getByRole('heading', { name: "You're all done!" }).waitFor();
  await waitFor(() => ctx.stack.db(`SELECT count(*) || ':' || max(score) FROM ratings WHERE rater_id = ${me} AND meme_id = ${first.id}`) === '1:10',
    'the new score replaced the old one');
});

test('finishing the session shows the completion screen to both raters', async (ctx) => {
  const { admin, a, b, c, sid, order } = ctx.shared;
  // Rater A is in the middle of changing a score when the session ends.
  await a.getByRole('button', { name: new RegExp(`^Change your rating of ${order[1].title} `) }).click();
  await rater(a).slider.fill('1');
  await admin.getByRole('button', { name: 'Finish', exact: true }).click();
  await admin.getByRole('dialog').waitFor();
  await shoot(admin, 'admin-confirm-finish');
  await admin.getByRole('button', { name: 'Finish now', exact: true }).click();
  for (const p of [b, c]) {
    await p.getByRole('heading', { name: "That's a wrap!" }).waitFor({ timeout: 10000 });
    await assertNotReloaded(p);
  }
  await waitFor(() => a.evaluate(() => window.__memeter.st.session.status === 'finished'), 'rater A learnt of the end');
  assert(await rater(a).slider.isVisible(), 'the rating in progress is not pulled away');
  assertEq(await rater(a).slider.inputValue(), '1', 'the slider keeps its value');
  await rater(a).submit.click();
  await a.getByRole('heading', { name: "That's a wrap!" }).waitFor();
  await assertNotReloaded(a);
  assertEq(ctx.stack.db(`SELECT status FROM sessions WHERE id = ${sid}`), 'finished', 'status');
  const n = ctx.shared.order.length;
  assertEq(await a.locator('#finished-list > li').count(), n, 'the summary lists every rating');
  await admin.getByRole('heading', { name: 'The reveal' }).waitFor();
  await shoot(a, 'rater-finished');
  await shoot(admin, 'admin-finished');
});

test('the reveal advances live on the public results page, podium last', async (ctx) => {
  const { admin, sid } = ctx.shared;
  const pub = await ctx.browser.page('results', PROJECTOR, ctx.base);
  ctx.shared.pub = pub;
  await pub.goto(`/results/${sid}`);
  const total = ctx.shared.order.length;
  await waitFor(async () => (await pub.locator('#count').textContent()) === `${total} places to reveal`, 'nothing revealed yet');
  await badgeStarts(pub, 'Live');
  await markPage(pub);
  await shoot(pub, 'results-before');
  const next = admin.getByRole('button', { name: /^Reveal (next|podium)$/ });
  for (let k = 1; k <= total; k++) {
    if (k === 2) {
      // A presenter remote's PageDown does the same as the button, once
      // the button is ready again (the public page may show the last
      // reveal before the dashboard has its answer; click() waits for
      // that by itself, a key press would be ignored).
      await waitFor(async () => !(await next.isDisabled()), 'the reveal button is ready again');
      await admin.evaluate(() => document.activeElement && document.activeElement.blur());
      await admin.keyboard.press('PageDown');
    } else {
      await next.click();
    }
    await waitFor(async () => {
      const t = await pub.locator('#count').textContent();
      return t === `Revealed ${k} of ${total}` || (k === total && t === `All ${total} revealed`);
    }, `the public page shows ${k} revealed`, 10000);
    const api = await (await pub.request.get(`/api/results/${sid}`)).json();
    const place = api.results[0];
    assertEq(place.place, total - k + 1, 'the API reveals from last place');
    const shown = place.place >= 4
      ? await pub.locator('#rest > li').nth(place.place - 4).textContent()
      : await pub.getByRole('listitem', { name: new RegExp(`^Place ${place.place}: `) }).getAttribute('aria-label');
    assert(shown.includes(place.meme.title), `place ${place.place} shows "${place.meme.title}" (got "${shown}")`);
    if (k === 3) await shoot(pub, 'results-partial');
  }
  const winner = (await (await pub.request.get(`/api/results/${sid}`)).json()).results[0];
  assertEq(winner.place, 1, 'the last reveal is first place');
  const podium1 = await pub.getByRole('listitem', { name: /^Place 1: / }).getAttribute('aria-label');
  assert(podium1.includes(winner.meme.title), 'the podium crowns the winner');
  await assertNotReloaded(pub);
  await shoot(pub, 'results-podium');
  await shoot(admin, 'admin-revealed');
  const csv = await admin.request.get(await admin.getByRole('link', { name: 'Export CSV' }).getAttribute('href'));
  assertEq(csv.status(), 200, 'CSV export status');
  assert((await csv.text()).includes(winner.meme.title), 'the CSV lists the winner');
});

test('the archive lists the finished session and links to its results', async (ctx) => {
  const { pub, sid } = ctx.shared;
  await pub.goto('/results');
  const link = pub.getByRole('link', { name: /Friday Memes/ });
  await link.waitFor();
  await badgeStarts(pub, 'Live');
  await shoot(pub, 'results-archive');
  await link.click();
  await pub.waitForURL(`**/results/${sid}`);
  await pub.getByRole('heading', { name: 'Friday Memes' }).waitFor();
});

test('a reloaded admin page keeps its login; a new session reaches raters live', async (ctx) => {
  const { admin, a, sid } = ctx.shared;
  await admin.reload();
  await admin.getByRole('heading', { name: 'Scan to join' }).waitFor();
  await badgeStarts(admin, 'Live');
  // A mutation after the reload proves the CSRF token was recovered.
  await admin.getByLabel('New session').fill('Second round');
  await admin.getByRole('button', { name: 'Create', exact: true }).click();
  await waitFor(() => ctx.stack.db("SELECT count(*) FROM sessions WHERE name = 'Second round'") === '1', 'the second session exists');
  await admin.getByRole('button', { name: 'Populate', exact: true }).click();
  const sid2 = Number(ctx.stack.db("SELECT id FROM sessions WHERE name = 'Second round'"));
  const n = sessionMemes(ctx.stack, sid2).length;
  assert(sid2 > sid && n > 0, 'the second session has memes');
  await waitFor(async () => (await admin.locator('#grid > li').count()) === n, 'the grid shows them');
  await admin.getByRole('button', { name: 'Start', exact: true }).click();
  // Rater A goes from the completion screen to the new session by itself.
  await rater(a).img.waitFor({ state: 'visible', timeout: 10000 });
  const pr = await progressOf(a);
  assertEq(`${pr.now}/${pr.max}`, `0/${n}`, 'a fresh progress bar for the new session');
  await assertNotReloaded(a);
  ctx.shared.sid2 = sid2;
});

test('a results page opened early waits, then shows the board when the session ends', async (ctx) => {
  const { admin, pub, sid2 } = ctx.shared;
  await pub.goto(`/results/${sid2}`);
  await pub.getByRole('heading', { name: "The results aren't out yet" }).waitFor();
  await badgeStarts(pub, 'Live');
  await markPage(pub);
  await shoot(pub, 'results-waiting');
  await admin.getByRole('button', { name: 'Finish', exact: true }).click();
  await admin.getByRole('button', { name: 'Finish now', exact: true }).click();
  const n = sessionMemes(ctx.stack, sid2).length;
  await waitFor(async () => (await pub.locator('#count').textContent()) === `${n} places to reveal`, 'the board appears by itself', 10000);
  await pub.getByRole('heading', { name: 'Second round' }).waitFor();
  await assertNotReloaded(pub);
});

// Chromium's cumulative layout shift over each page's life (since its
// last navigation) stays in the "good" range of Web Vitals: no jumps.
test('no layout jumps on any page', async (ctx) => {
  for (const p of ctx.browser.pages) {
    const ls = await p.evaluate(() => window.__layoutShift);
    assert(ls && ls.total < 0.1, `${p.__name}: cumulative layout shift ${ls && ls.total.toFixed(3)} (want < 0.1): ${ls && (ls.big || []).join('; ')}`);
  }
});

test('no console errors on any page', async (ctx) => {
  assertEq(ctx.browser.errors.join('\n'), '', 'console errors');
});
