// The party as a show, end to end (issue 13): one host on the dashboard,
// /screen on a laptop-sized projector and three phones play a self-paced
// party, then a host-paced one.  What show.test.mjs does not check:
// - the lobby: the Join QR code, Joined, the phones' names appearing live;
// - "k others are rating this meme now" on a phone when another phone
//   rates the same meme (pushd's activity message);
// - the screen never shows an average or a rater's score (scanned for
//   every average the API knows) while the session runs;
// - reactions from three phones reach the screen as an aggregated burst;
// - a kicked rater's ratings leave the stats and their name leaves the
//   dashboard (participants, feed) and the screen; the kicked phone is
//   a new rater;
// - locked joining refuses a fresh phone with 403 joining_locked and the
//   phone says why;
// - the reveal driven by key presses on /screen (ArrowRight, PageDown,
//   Space forward; ArrowLeft, PageUp back): after every key press every
//   revealed place and the stage are wholly in view at 1280x720 and
//   1920x1080, and a phone's /results/{id} follows live;
// - a browser notification when a phone's tab is hidden and the session
//   starts or a round opens, none while it is visible.
// Screenshots: screenshots/stage-*.png.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { request } from 'playwright-core';
import { AdminApi } from './adminapi.mjs';
import { axeViolations, settle } from './fit.mjs';
import { PHONE, PROJECTOR, SHOTS, assert, assertEq, badgeText, setViewport, test, waitFor } from './harness.mjs';
import { makeMany } from './memes.mjs';

const LAPTOP = { width: 1280, height: 720 };
const EXTRA_MEMES = 18;           // with the library: a ranking of 24+ places
const CROWD = 16;                 // raters in the room before the phones
const REVEAL_KEYS = ['ArrowRight', 'PageDown', ' '];

const rater = (page) => ({
  img: page.locator('#screen-rate img#meme-img'),
  slider: page.getByRole('slider', { name: 'Score', exact: true }),
  submit: page.getByRole('button', { name: 'Submit', exact: true }),
  activity: page.locator('#activity-line'),
});

async function title(page) {
  return rater(page).img.getAttribute('alt');
}

// A rating straight from the phone's own cookie (fast, for many memes).
function rateFromPhone(page, memeId, score) {
  return page.evaluate(async ([m, s]) => {
    const r = await fetch('/api/ratings', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ meme_id: m, score: s }),
    });
    return r.status;
  }, [memeId, score]);
}

async function shot(page, name, size) {
  mkdirSync(SHOTS, { recursive: true });
  if (size) await setViewport(page, size);
  await settle(page);
  await page.screenshot({ path: path.join(SHOTS, `stage-${name}.png`) });
}

// Console errors the browser logs for a refusal the test asks for.
function dropExpected(ctx, from, re) {
  const logged = ctx.browser.errors.splice(from);
  ctx.browser.errors.push(...logged.filter((e) => !re.test(e)));
}

// Everything of the reveal that must be seen: each revealed place of the
// ranking (inside the viewport and inside the ranking's own box, which
// clips) and the stage with each of its parts (the winner's block).
function revealOutOfView(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = innerWidth;
    const vh = innerHeight;
    const inside = (e, box, what) => {
      const r = e.getBoundingClientRect();
      const b = box ? box.getBoundingClientRect() : { top: 0, left: 0, bottom: vh, right: vw };
      const lim = { top: Math.max(0, b.top), left: Math.max(0, b.left), bottom: Math.min(vh, b.bottom), right: Math.min(vw, b.right) };
      if (r.width < 1 || r.height < 1 || r.top < lim.top - 0.5 || r.left < lim.left - 0.5 ||
        r.bottom > lim.bottom + 0.5 || r.right > lim.right + 0.5) {
        out.push(`${what}: ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)} ` +
          `outside ${Math.round(lim.left)},${Math.round(lim.top)}..${Math.round(lim.right)},${Math.round(lim.bottom)}`);
      }
    };
    const board = document.querySelector('#board');
    const stage = document.querySelector('#stage');
    for (const li of board.children) inside(li, board, li.getAttribute('aria-label'));
    inside(stage, null, 'the stage');
    for (const [i, c] of [...stage.children].entries()) inside(c, stage, `stage part ${i} "${c.textContent.slice(0, 30)}"`);
    return out;
  });
}

// The reveal's own entrance animations have ended (a place still rising
// is moved by its transform) and the layout is done.
function settleReveal(page) {
  return page.evaluate(() => Promise.race([
    Promise.all(document.querySelector('#view-reveal').getAnimations({ subtree: true })
      .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
      .map((a) => a.finished.catch(() => {}))),
    new Promise((r) => setTimeout(r, 3000)),
  ]).then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

test('stage: setup a self-paced party with a long ranking', async (ctx) => {
  const api = await AdminApi.login(ctx.base, ctx.password);
  ctx.shared.stage = { api };
  await api.finishActive();
  const s = await api.post('/api/admin/sessions', { name: 'Stage party' });
  assertEq(s.pace, 'self', 'the default pace');
  await api.post(`/api/admin/sessions/${s.id}/populate`);
  const extra = await makeMany(ctx.browser.browser, path.join(ctx.stack.dir, 'stage-memes'), EXTRA_MEMES);
  for (const m of extra) await api.upload(s.id, m.path);
  await api.post(`/api/admin/sessions/${s.id}/start`);
  const memes = (await api.get('/api/admin/state')).memes;
  assert(memes.length >= EXTRA_MEMES + 6, `the session has ${memes.length} memes`);
  // A crowd already in the room (online, nothing rated): the lobby's card
  // is full before the three phones come, as at a real party.
  for (let i = 0; i < CROWD; i++) {
    const guest = await request.newContext({ baseURL: ctx.base });
    const r = await guest.get('/api/state');
    assertEq(r.status(), 200, `guest ${i} joins`);
    await guest.dispose();
  }
  Object.assign(ctx.shared.stage, { sid: s.id, memes });
});

test('stage: the host, the screen and three phones join; the names appear on the screen live', async (ctx) => {
  const S = ctx.shared.stage;
  const dash = await ctx.browser.page('stage dashboard', PROJECTOR, ctx.base);
  await dash.goto('/admin');
  await dash.getByLabel('Password', { exact: true }).fill(ctx.password);
  await dash.getByRole('button', { name: 'Log in', exact: true }).click();
  await dash.locator('#view-dash').waitFor({ state: 'visible' });

  const screen = await ctx.browser.page('stage screen', LAPTOP, ctx.base);
  await screen.goto('/screen');
  await screen.getByLabel('Password', { exact: true }).fill(ctx.password);
  await screen.getByRole('button', { name: 'Log in', exact: true }).click();
  await waitFor(() => screen.getByRole('img', { name: 'Join QR code' }).isVisible(), 'the join QR code');
  assert(await screen.getByText('Joined', { exact: true }).isVisible(), 'the Joined label');

  const phones = [];
  for (const n of ['A', 'B', 'C']) {
    const p = await ctx.browser.page(`stage phone ${n}`, PHONE, ctx.base);
    await p.goto('/');
    await rater(p).img.waitFor({ state: 'visible' });
    const name = (await p.locator('#me-name').textContent()).trim();
    assert(name.length > 0, `phone ${n} has a name`);
    phones.push({ page: p, name });
    // The newest name is always on the lobby (older ones may fold into
    // "and k more" when the card is full).
    await waitFor(async () => (await screen.locator('#names').innerText()).includes(name), `"${name}" on the screen's lobby`);
  }
  await waitFor(async () => Number(await screen.locator('#joined').textContent()) >= 3 + CROWD, 'Joined counts the room');
  // A full card: the chips that do not fit whole fold into "and k more".
  await waitFor(async () => /^and \d+ more$/.test(await screen.locator('#names-more').textContent()), '"and k more" on a full lobby');
  await settle(screen);   // chips still rising are moved by their transform
  const cut = await screen.evaluate(() => {
    const list = document.querySelector('#names').getBoundingClientRect();
    return [...document.querySelectorAll('#names > li')].filter((li) => li.getBoundingClientRect().bottom > list.bottom + 0.5).length;
  });
  assertEq(cut, 0, 'name chips cut by the card\'s edge');
  await shot(screen, 'screen-lobby-1280x720');
  Object.assign(S, { dash, screen, phones });
});

test('stage: a phone sees "1 other is rating this meme now" when another phone rates its meme', async (ctx) => {
  const { phones } = ctx.shared.stage;
  const [a, b] = phones.map((x) => x.page);
  const first = await title(a);
  assertEq(await title(b), first, 'phones A and B start on the same meme');
  assert(await rater(a).activity.isHidden(), 'nobody rated it yet: no line on phone A');
  await rater(b).slider.fill('7');
  await rater(b).submit.click();
  await waitFor(async () => (await title(b)) !== first, 'phone B moves on');
  await waitFor(async () => (await rater(a).activity.isVisible()) &&
    (await rater(a).activity.textContent()) === '1 other is rating this meme now', 'the line on phone A', 8000);
  assertEq(await rater(a).activity.getAttribute('aria-live'), 'polite', 'the line is announced politely');
  // B's new meme has no other rater yet; B itself is not "another".
  assert(await rater(b).activity.isHidden(), 'no line on phone B');
  await shot(a, 'phone-others-rating-390x844');
  const problems = await axeViolations(a);
  assert(!problems.length, `axe on the phone with the line: ${problems.join('; ')}`);
});

test('stage: three phones rate; the screen counts them but shows no average and no score', async (ctx) => {
  const S = ctx.shared.stage;
  const { api, sid, memes, phones, screen } = S;
  // Scores with a clear order (few ties) and differing per phone.
  for (const [k, { page }] of phones.entries()) {
    for (const [i, m] of memes.entries()) {
      const status = await rateFromPhone(page, m.id, (i * 7 + k * 3) % 11);
      assert(status === 201 || status === 200, `rating ${m.id} from phone ${k}: ${status}`);
    }
  }
  const total = Number(ctx.stack.db(`SELECT count(*) FROM ratings WHERE session_id = ${sid}`));
  assertEq(total, memes.length * 3, 'every rating stored');
  await waitFor(async () => Number(await screen.locator('#ratings').textContent()) === total, 'the screen counts every rating');
  const stats = await api.get(`/api/admin/sessions/${sid}/stats`);
  const averages = [...new Set([stats.avg, ...stats.memes.map((m) => m.avg)].filter((v) => v !== null).map((v) => v.toFixed(1)))];
  assert(averages.length > 3, 'the API knows the averages');
  for (const size of [LAPTOP, PROJECTOR]) {
    await setViewport(screen, size);
    const text = await screen.locator('body').innerText();
    assert(!/average/i.test(text), 'no "average" on the screen');
    for (const avg of averages) {
      const re = new RegExp(`(?<![\\d.])${avg.replace('.', '\\.')}(?![\\d.])`);
      assert(!re.test(text), `the average ${avg} is on the screen`);
    }
    // A rater's score would sit next to their name (a feed line).
    const lines = text.split('\n').filter((l) => phones.some((p) => l.includes(p.name)) && /\d/.test(l));
    assert(!lines.length, `a name next to a figure on the screen: ${lines.join(' | ')}`);
    await shot(screen, `screen-progress-${size.width}x${size.height}`);
  }
  await setViewport(screen, LAPTOP);
});

test('stage: reactions from three phones reach the screen as one aggregated burst', async (ctx) => {
  const { phones, screen } = ctx.shared.stage;
  await screen.evaluate(() => {
    window.__rx = [];
    window.__memeter.channel.on('reactions', (m) => window.__rx.push(m.data.counts));
  });
  // The phones press their buttons at one agreed moment (a test's clicks
  // one after the other are slower than pushd's 250 ms window on a busy
  // machine).  A first reaction just before goes out at once and opens
  // the window: the three that follow it are summed into the next message.
  const at = Date.now() + 800;
  const press = (page, emoji, when) => page.evaluate(([e, t]) => {
    setTimeout(() => document.querySelector(`#reaction-bar button[data-emoji="${e}"]`).click(), t - Date.now());
  }, [emoji, when]);
  await press(phones[0].page, '😂', at - 80);
  await Promise.all(phones.map(({ page }) => press(page, '🔥', at)));
  const fire = await waitFor(async () => {
    const rx = await screen.evaluate(() => window.__rx);
    const sum = rx.reduce((n, c) => n + (c['🔥'] || 0), 0);
    return sum === 3 ? rx.filter((c) => c['🔥']) : null;
  }, 'three fires on the screen', 8000, 50);
  assert(fire.length < 3 && Math.max(...fire.map((c) => c['🔥'])) >= 2,
    `the fires were summed by the server: ${JSON.stringify(fire)}`);
  const most = Math.max(...fire.map((c) => c['🔥']));
  await waitFor(async () => (await screen.locator('#reactions [data-emoji="🔥"]').allTextContents()).includes(`🔥×${most}`),
    `the screen floats "🔥×${most}"`, 3000, 25);
});

test('stage: a kicked rater\'s ratings leave the stats and their name leaves the dashboard and the screen', async (ctx) => {
  const S = ctx.shared.stage;
  const { api, sid, dash, screen, phones } = S;
  const c = phones[2];
  await waitFor(async () => (await dash.locator('#participants').innerText()).includes(c.name), 'C in the participants list');
  assert((await screen.locator('#names').innerText()).includes(c.name), 'C on the screen before the kick');
  const before = (await api.get(`/api/admin/sessions/${sid}/stats`)).ratings;
  const mine = Number(ctx.stack.db(`SELECT count(*) FROM ratings r JOIN raters x ON x.id = r.rater_id
    WHERE r.session_id = ${sid} AND x.name = '${c.name.replace(/'/g, "''")}'`));
  assert(mine > 0, 'C has ratings');
  dash.once('dialog', (d) => d.accept());
  await dash.getByRole('button', { name: `Kick ${c.name}`, exact: true }).click();
  await waitFor(async () => (await api.get(`/api/admin/sessions/${sid}/stats`)).ratings === before - mine,
    'the stats lost C\'s ratings');
  const after = before - mine;
  await waitFor(async () => !(await dash.locator('#participants').innerText()).includes(c.name), 'C leaves the participants');
  await waitFor(async () => !(await dash.locator('#feed').innerText()).includes(c.name), 'C leaves the feed');
  await waitFor(async () => (await dash.locator('#stat-ratings').textContent()).trim() === String(after),
    'the dashboard counts the ratings left');
  await waitFor(async () => !(await screen.locator('body').innerText()).includes(c.name), 'C leaves the screen');
  await waitFor(async () => Number(await screen.locator('#ratings').textContent()) === after, 'the screen counts the ratings left');
  // The kicked phone is a new rater now (a new name, nothing rated).
  await waitFor(async () => {
    const now = (await c.page.locator('#me-name').textContent()).trim();
    return now && now !== c.name;
  }, 'the kicked phone is a new rater');
  assertEq(await c.page.getByRole('progressbar').getAttribute('aria-valuenow'), '0', 'the new rater rated nothing');
});

test('stage: locked joining refuses a fresh phone with 403 joining_locked, and the phone says why', async (ctx) => {
  const { dash } = ctx.shared.stage;
  await dash.getByRole('button', { name: 'Lock joining', exact: true }).click();
  await waitFor(async () => (await dash.locator('#lock').getAttribute('aria-pressed')) === 'true', 'joining locked');
  const fresh = await ctx.browser.page('stage phone D', PHONE, ctx.base);
  const errors = ctx.browser.errors.length;
  const answer = fresh.waitForResponse((r) => new URL(r.url()).pathname === '/api/state');
  await fresh.goto('/');
  const r = await answer;
  assertEq(r.status(), 403, 'GET /api/state');
  assertEq((await r.json()).error.code, 'joining_locked', 'the error code');
  await waitFor(async () => /Joining is locked/.test(await fresh.locator('#waiting-text').textContent()), 'the phone says joining is locked');
  await shot(fresh, 'phone-joining-locked-390x844');
  await dash.getByRole('button', { name: 'Unlock joining', exact: true }).click();
  await waitFor(async () => (await dash.locator('#lock').getAttribute('aria-pressed')) === 'false', 'joining unlocked');
  // The phone keeps asking, and joins by itself once joining is open.
  await rater(fresh).img.waitFor({ state: 'visible', timeout: 15000 });
  await waitFor(async () => /^Live/.test(await badgeText(fresh)), 'the phone that got in is live');
  dropExpected(ctx, errors, /status of 403/);
  await fresh.context().close();
});

test('stage: the reveal by key presses on /screen keeps every revealed place in view at 1280x720 and 1920x1080', async (ctx) => {
  const S = ctx.shared.stage;
  const { api, sid, screen } = S;
  // A phone follows the public results, opened before the reveal.
  const pub = await ctx.browser.page('stage results phone', PHONE, ctx.base);
  await pub.goto(`/results/${sid}`);
  await api.post(`/api/admin/sessions/${sid}/finish`);
  await screen.locator('#view-reveal').waitFor({ state: 'visible' });
  await waitFor(async () => /0 of \d+/.test(await screen.locator('#reveal-count').textContent()), 'the reveal waits for the first key');
  const total = (await api.get(`/api/results/${sid}`)).total;
  assert(total >= EXTRA_MEMES + 6, `${total} places to reveal`);
  await pub.locator('#board').waitFor({ state: 'visible' });
  await pub.evaluate(() => { window.__sameDocument = true; });
  await screen.locator('body').click({ position: { x: 5, y: 700 } });   // the page has the keyboard

  const countText = (k) => (k >= total ? `All ${total} revealed` : `${k} of ${total}`);
  const problems = [];
  const checkBoth = async (k) => {
    for (const size of [LAPTOP, PROJECTOR]) {
      await setViewport(screen, size);
      await settleReveal(screen);
      assertEq(await screen.locator('#board > li').count(), k, `places on the board after ${k}`);
      for (const p of await revealOutOfView(screen)) problems.push(`${size.width}x${size.height} after ${k}: ${p}`);
    }
    await setViewport(screen, LAPTOP);
  };
  for (let k = 1; k <= total; k++) {
    await screen.keyboard.press(REVEAL_KEYS[k % REVEAL_KEYS.length]);
    await waitFor(async () => (await screen.locator('#reveal-count').textContent()) === countText(k), `"${countText(k)}"`);
    await checkBoth(k);
    if (k === 1 || k === total - 2 || k === total) {
      for (const size of [LAPTOP, PROJECTOR]) await shot(screen, `screen-reveal-${k}-of-${total}-${size.width}x${size.height}`, size);
      await setViewport(screen, LAPTOP);
    }
  }
  assert(!problems.length, `revealed places out of view:\n      ${problems.slice(0, 20).join('\n      ')}`);
  assert(await screen.getByText('And the winner is…', { exact: true }).isVisible(), 'the winner\'s moment');

  // Back with ArrowLeft and PageUp, forward again.
  await screen.keyboard.press('ArrowLeft');
  await waitFor(async () => (await screen.locator('#reveal-count').textContent()) === countText(total - 1), 'ArrowLeft steps back');
  await screen.keyboard.press('PageUp');
  await waitFor(async () => (await screen.locator('#reveal-count').textContent()) === countText(total - 2), 'PageUp steps back');
  assert(await screen.getByText('3rd place', { exact: true }).isVisible(), 'third place is on the stage again');
  await checkBoth(total - 2);
  await screen.keyboard.press('ArrowRight');
  await screen.keyboard.press('ArrowRight');
  await waitFor(async () => (await screen.locator('#reveal-count').textContent()) === countText(total), 'all revealed again');
  assert(!problems.length, `out of view after stepping back: ${problems.join('; ')}`);

  await setViewport(screen, PROJECTOR);
  const axe = await axeViolations(screen);
  assert(!axe.length, `axe on the screen's reveal: ${axe.join('; ')}`);
  await setViewport(screen, LAPTOP);

  // The phone's results page followed every step without a reload.
  await waitFor(async () => (await pub.locator('#count').textContent()) === `All ${total} revealed`, 'the phone\'s results page is complete');
  assert(await pub.evaluate(() => window.__sameDocument === true), 'the results page was not reloaded');
  const winner = (await api.get(`/api/results/${sid}`)).results.find((p) => p.place === 1);
  assert((await pub.locator('#podium').innerText()).includes(winner.meme.title), 'the winner on the phone\'s podium');
  await shot(pub, 'phone-results-390x844');
  await pub.context().close();
});

// The page's Notification, recorded (a headless one may show nothing), and
// a visibility the test sets (a hidden tab).
function notificationStub() {
  const Real = window.Notification;
  const notes = [];
  window.__notes = notes;
  function Recorded(title, opts = {}) {
    notes.push({ title, body: opts.body || '', visibility: document.visibilityState });
    this.close = () => {};
  }
  Object.defineProperty(Recorded, 'permission', { get: () => (Real ? Real.permission : 'default') });
  Recorded.requestPermission = (...a) => (Real ? Real.requestPermission(...a) : Promise.resolve('denied'));
  window.Notification = Recorded;
  let visibility = 'visible';
  Object.defineProperty(Document.prototype, 'visibilityState', { get: () => visibility, configurable: true });
  Object.defineProperty(Document.prototype, 'hidden', { get: () => visibility === 'hidden', configurable: true });
  window.__setVisibility = (v) => {
    visibility = v;
    document.dispatchEvent(new Event('visibilitychange'));
  };
}

test('stage: host-paced; a hidden phone is notified when the session starts and a round opens, a visible one is not', async (ctx) => {
  const S = ctx.shared.stage;
  const { api, screen, phones } = S;
  const s = await api.post('/api/admin/sessions', { name: 'Stage rounds', pace: 'host', seconds: 0 });
  await api.post(`/api/admin/sessions/${s.id}/populate`);
  const memes = (await api.get(`/api/admin/state?session=${s.id}`)).memes;

  const e = await ctx.browser.page('stage phone E', PHONE, ctx.base);
  await e.context().grantPermissions(['notifications'], { origin: ctx.base });
  await e.context().addInitScript(notificationStub);
  await e.goto('/');
  await waitFor(async () => /about to start/.test(await e.locator('#waiting-text').textContent()), 'E waits for the draft to start');
  const notify = e.getByRole('button', { name: 'Notify me', exact: true });
  await notify.waitFor({ state: 'visible' });
  await shot(e, 'phone-notify-me-390x844');
  const axe = await axeViolations(e);
  assert(!axe.length, `axe on the waiting phone: ${axe.join('; ')}`);
  await notify.click();
  await waitFor(async () => /Notifications are on/.test(await e.locator('#notify-text').textContent()), 'the phone says notifications are on');
  assert(await notify.isHidden(), 'the button goes once they are on');

  await e.evaluate(() => window.__setVisibility('hidden'));
  await api.post(`/api/admin/sessions/${s.id}/start`);
  await waitFor(async () => (await e.evaluate(() => window.__notes)).length === 1, 'a notification for the start');
  let notes = await e.evaluate(() => window.__notes);
  assertEq(notes[0].title, 'memeter: rating is open', 'its title');
  assert(notes[0].body.includes('Stage rounds'), `it names the session: ${notes[0].body}`);
  await waitFor(async () => /Waiting for the next meme/.test(await e.locator('#waiting-text').textContent()), 'E waits for a round');

  const r1 = await api.post(`/api/admin/sessions/${s.id}/round`, { action: 'next' });
  const m1 = memes.find((m) => m.id === r1.meme_id);
  await waitFor(async () => (await e.evaluate(() => window.__notes)).length === 2, 'a notification for the round');
  notes = await e.evaluate(() => window.__notes);
  assertEq(notes[1].title, 'memeter: vote now', 'its title');
  assert(notes[1].body.includes(m1.title), `it names the meme: ${notes[1].body}`);
  assert(notes.every((n) => n.visibility === 'hidden'), 'both while the tab was hidden');

  // Visible: the page itself says it, no notification.
  await e.evaluate(() => window.__setVisibility('visible'));
  const r2 = await api.post(`/api/admin/sessions/${s.id}/round`, { action: 'next' });
  const m2 = memes.find((m) => m.id === r2.meme_id);
  await waitFor(async () => (await title(e)) === m2.title, 'E shows the second round\'s meme');
  // A phone that votes on it is "1 other" on E.
  const a = phones[0].page;
  await waitFor(async () => (await title(a)) === m2.title, 'A shows the second round\'s meme');
  await rater(a).slider.fill('9');
  await rater(a).submit.click();
  await waitFor(async () => (await rater(e).activity.textContent()) === '1 other is rating this meme now', 'the line on E', 8000);
  assertEq((await e.evaluate(() => window.__notes)).length, 2, 'no notification while the tab is visible');
  // Still no average or score on the screen.
  const text = await screen.locator('body').innerText();
  assert(!/average/i.test(text), 'no "average" on the screen');
  assert(!/\b9\b/.test(await screen.locator('#round').innerText()), 'the score 9 is not on the screen');
  await api.post(`/api/admin/sessions/${s.id}/finish`);
  await api.dispose();
});

test('stage: no console errors on the pages of this file', async (ctx) => {
  const mine = ctx.browser.errors.filter((x) => x.startsWith('stage '));
  assert(!mine.length, `console errors:\n      ${mine.join('\n      ')}`);
});
