// The dashboard's host tools, after the party of party.test.mjs (same
// stack): the join URL and its loopback warning, the participants card
// and the feed's history after a reload, Finish warning about raters
// midway, a meme renamed inline (the rater's screen follows), a session
// deleted from the list, a meme removed from a draft, and an early guest
// who sees "about to start" and moves on by itself.
import { PHONE, PROJECTOR, assert, assertEq, shoot, test, waitFor } from './harness.mjs';

const S = {};

function dbMemes(stack, sid) {
  return stack.db(`SELECT m.id || '|' || m.title FROM session_memes sm JOIN memes m ON m.id = sm.meme_id
    WHERE sm.session_id = ${sid} ORDER BY sm.position`).split('\n').filter(Boolean)
    .map((l) => { const [id, title] = l.split('|'); return { id: Number(id), title }; });
}

async function loggedInAdmin(ctx) {
  const admin = await ctx.browser.page('tidy admin', PROJECTOR, ctx.base);
  await admin.goto('/admin');
  await admin.getByLabel('Password', { exact: true }).fill(ctx.password);
  await admin.getByRole('button', { name: 'Log in', exact: true }).click();
  await admin.getByRole('heading', { name: 'Scan to join' }).waitFor();
  return admin;
}

async function newSession(admin, stack, name) {
  await admin.getByLabel('New session').fill(name);
  await admin.getByRole('button', { name: 'Create', exact: true }).click();
  await waitFor(async () => (await admin.locator('#session-name').textContent()) === name, `the card shows ${name}`);
  await admin.getByRole('button', { name: 'Populate', exact: true }).click();
  const sid = Number(stack.db(`SELECT id FROM sessions WHERE name = '${name}'`));
  const n = dbMemes(stack, sid).length;
  await waitFor(async () => n > 0 && (await admin.locator('#grid > li').count()) === n, `${n} memes in the grid`);
  return { sid, n };
}

test('the join URL comes from /api/config; a loopback one is flagged', async (ctx) => {
  const admin = await loggedInAdmin(ctx);
  S.admin = admin;
  const cfg = await (await admin.request.get('/api/config')).json();
  assertEq(cfg.join_url, `${ctx.base}/`, 'join_url without a public URL: site_origin + "/"');
  await waitFor(async () => (await admin.locator('#join-url').getAttribute('data-url')) === cfg.join_url, 'the QR code encodes join_url');
  const warn = admin.getByRole('alert').filter({ hasText: 'Phones cannot open 127.0.0.1' });
  await warn.waitFor({ state: 'visible' });
  assert((await warn.textContent()).includes('MEMETER_LISTEN=0.0.0.0 make run'), 'the warning says how to fix it');
});

test('participants and the feed: live, and back after a reload', async (ctx) => {
  const { admin } = S;
  const { sid, n } = await newSession(admin, ctx.stack, 'Tidy party');
  S.sid = sid;
  S.n = n;
  await admin.getByRole('button', { name: 'Start', exact: true }).click();
  const phone = await ctx.browser.page('tidy rater', PHONE, ctx.base);
  S.phone = phone;
  await phone.goto('/');
  await phone.locator('#screen-rate img#meme-img').waitFor({ state: 'visible' });
  const name = (await phone.locator('#me-name').textContent()).trim();
  S.name = name;
  await phone.getByRole('slider', { name: 'Score', exact: true }).fill('8');
  await phone.getByRole('button', { name: 'Submit', exact: true }).click();
  const row = admin.locator('#participants > li').filter({ hasText: name });
  await waitFor(async () => (await row.textContent()).includes(`rated 1 of ${n}`), 'the participants card counts the rating live');
  assert((await row.textContent()).includes('online'), 'the rater reads as online');
  await waitFor(async () => (await admin.locator('#feed > li').count()) === 1, 'one rating in the live feed');
  await admin.reload();
  await admin.getByRole('heading', { name: 'Scan to join' }).waitFor();
  await waitFor(async () => (await admin.locator('#feed > li').count()) === 1, 'the feed reloads its history');
  assert(await admin.locator('#feed-empty').isHidden(), 'no "Waiting for the first rating" next to a rating');
  assert((await admin.locator('#feed').textContent()).includes(name), 'the feed names the rater');
  await waitFor(async () => (await admin.locator('#participants').textContent()).includes(`rated 1 of ${n}`), 'participants after the reload');
  await shoot(admin, 'admin-participants');
});

test('a meme renamed inline; the rater sees the new title', async (ctx) => {
  const { admin, phone } = S;
  const current = await phone.locator('#meme-img').getAttribute('alt');
  const meme = dbMemes(ctx.stack, S.sid).find((m) => m.title === current);
  assert(meme, 'the rater\'s meme is in the session');
  await admin.getByRole('button', { name: `Rename ${current}`, exact: true }).click();
  const field = admin.getByLabel(`New title for ${current}`, { exact: true });
  await field.fill('Renamed by the host');
  await field.press('Enter');
  await waitFor(() => ctx.stack.db(`SELECT title FROM memes WHERE id = ${meme.id}`) === 'Renamed by the host', 'the title is stored');
  await admin.locator(`#grid > li[data-meme-id="${meme.id}"]`).getByText('Renamed by the host').waitFor();
  await waitFor(async () => (await phone.locator('#meme-img').getAttribute('alt')) === 'Renamed by the host', 'the rater\'s meme follows');
});

test('Finish warns that a rater is midway', async (ctx) => {
  const { admin } = S;
  await admin.getByRole('button', { name: 'Finish', exact: true }).click();
  const dialog = admin.getByRole('dialog');
  await dialog.waitFor();
  const text = await dialog.textContent();
  assert(S.n > 1, 'the session has more than one meme');
  assert(text.includes('1 rater is midway') && text.includes(S.name), `the dialog warns: ${text}`);
  await admin.getByRole('button', { name: 'Finish now', exact: true }).click();
  await waitFor(() => ctx.stack.db(`SELECT status FROM sessions WHERE id = ${S.sid}`) === 'finished', 'finished');
});

test('a session deleted from the list (with a confirm)', async (ctx) => {
  const { admin } = S;
  const before = Number(ctx.stack.db('SELECT count(*) FROM sessions'));
  await admin.getByRole('button', { name: 'Delete Tidy party', exact: true }).click();
  await admin.getByRole('dialog').waitFor();
  assert((await admin.getByRole('dialog').textContent()).includes('Tidy party'), 'the confirm names the session');
  await admin.getByRole('button', { name: 'Delete', exact: true }).click();
  await waitFor(() => Number(ctx.stack.db('SELECT count(*) FROM sessions')) === before - 1, 'the session is gone');
  await waitFor(async () => !(await admin.locator('#sessions').textContent()).includes('Tidy party'), 'the list drops it');
  assertEq(ctx.stack.db(`SELECT count(*) FROM ratings WHERE session_id = ${S.sid}`), '0', 'its ratings are gone');
});

test('an early guest sees "about to start"; a meme removed from the draft; Start moves the guest on', async (ctx) => {
  const { admin } = S;
  const { sid, n } = await newSession(admin, ctx.stack, 'Late show');
  const guest = await ctx.browser.page('early guest', PHONE, ctx.base);
  await guest.goto('/');
  await guest.getByText('“Late show” is about to start').waitFor();
  const first = dbMemes(ctx.stack, sid)[0];
  await admin.getByRole('button', { name: `Remove ${first.title} from this draft`, exact: true }).click();
  await waitFor(async () => (await admin.locator('#grid > li').count()) === n - 1, 'the grid drops the meme');
  assertEq(dbMemes(ctx.stack, sid).length, n - 1, 'the draft has one meme less');
  await admin.getByRole('button', { name: 'Start', exact: true }).click();
  await guest.locator('#screen-rate img#meme-img').waitFor({ state: 'visible', timeout: 10000 });
  assertEq(await guest.getByRole('progressbar').getAttribute('aria-valuemax'), String(n - 1), 'the guest rates the memes left');
  await shoot(admin, 'admin-draft-removed');
  await admin.getByRole('button', { name: 'Finish', exact: true }).click();
  await admin.getByRole('button', { name: 'Finish now', exact: true }).click();
  await waitFor(() => ctx.stack.db(`SELECT status FROM sessions WHERE id = ${sid}`) === 'finished', 'finished');
});

test('no console errors on the tidy pages', async (ctx) => {
  assertEq(ctx.browser.errors.join('\n'), '', 'console errors');
});
