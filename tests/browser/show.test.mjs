// The show (SPEC "the big screen", "host-paced rounds", "reactions and
// moderation") in Chromium: the host drives rounds through the API,
// /screen on a projector and two phones follow.  The countdown closes
// voting on the server's clock (a rating after closes_at: 409 not_open,
// and the phone says so), the screen shows the open meme, the countdown
// and Voted but never an average, and reactions from the phones float
// up on the screen.
import { AdminApi } from './adminapi.mjs';
import { PHONE, PROJECTOR, assert, assertEq, test, waitFor } from './harness.mjs';

const SECONDS = 8;

test('show: setup a host-paced session', async (ctx) => {
  const api = await AdminApi.login(ctx.base, ctx.password);
  ctx.shared.api = api;
  await api.finishActive();
  const s = await api.post('/api/admin/sessions', { name: 'Rounds', pace: 'host', seconds: SECONDS });
  assertEq(s.pace, 'host', 'pace');
  await api.post(`/api/admin/sessions/${s.id}/populate`);
  await api.post(`/api/admin/sessions/${s.id}/start`);
  ctx.shared.sid = s.id;
  ctx.shared.memes = (await api.get('/api/admin/state')).memes;
  assert(ctx.shared.memes.length >= 2, 'the session has memes');
});

test('show: /screen logs in, the phones wait for the first meme', async (ctx) => {
  const screen = await ctx.browser.page('show screen', PROJECTOR, ctx.base);
  await screen.goto('/screen');
  await screen.getByLabel('Password', { exact: true }).fill(ctx.password);
  await screen.getByRole('button', { name: 'Log in', exact: true }).click();
  await waitFor(() => screen.getByRole('img', { name: 'Join QR code' }).isVisible(), 'the join QR code');
  const phones = [];
  for (const n of ['A', 'B']) {
    const p = await ctx.browser.page(`show phone ${n}`, PHONE, ctx.base);
    await p.goto('/');
    await waitFor(async () => /Waiting for the next meme/.test(await p.locator('#waiting-text').textContent()),
      `phone ${n} waits for the next meme`);
    phones.push(p);
  }
  Object.assign(ctx.shared, { screen, phones });
});

test('show: a round opens on every screen; the countdown closes it on the server', async (ctx) => {
  const { api, sid, screen, phones, memes } = ctx.shared;
  const round = await api.post(`/api/admin/sessions/${sid}/round`, { action: 'next' });
  assertEq(round.state, 'open', 'the round is open');
  const meme = memes.find((m) => m.id === round.meme_id);
  for (const p of phones) {
    await waitFor(async () => (await p.locator('#screen-rate img#meme-img').getAttribute('alt')) === meme.title,
      'the phone shows the open meme');
    await waitFor(() => p.getByRole('timer').isVisible(), 'the phone shows the countdown');
  }
  await waitFor(() => screen.locator('#round-img').isVisible(), 'the screen shows the open meme');
  await waitFor(async () => /\d+ s/.test(await screen.getByRole('timer').textContent()), 'the screen counts down');
  const voted = screen.locator('#voted');
  assert(await screen.getByText('Voted', { exact: true }).isVisible(), 'the Voted label');

  // Phone A votes in time; the screen counts it.
  const [a, b] = phones;
  await a.getByRole('slider', { name: 'Score', exact: true }).fill('8');
  await a.getByRole('button', { name: 'Submit', exact: true }).click();
  await waitFor(async () => /^1 of /.test(await voted.textContent()), 'Voted 1 of n on the screen');

  // Phone B moves the slider, then submits after closes_at.
  await b.getByRole('slider', { name: 'Score', exact: true }).fill('3');
  const closesAt = Date.parse(round.closes_at);
  await waitFor(async () => Date.now() > closesAt + 300, 'closes_at passes', (SECONDS + 5) * 1000, 200);
  const errors = ctx.browser.errors.length;
  await b.getByRole('button', { name: 'Submit', exact: true }).click();
  await waitFor(async () => /closed/i.test(await b.locator('body').innerText()), 'phone B says voting is closed');
  const logged = ctx.browser.errors.splice(errors);
  ctx.browser.errors.push(...logged.filter((e) => !/status of 409/.test(e)));
  assertEq(ctx.stack.db(`SELECT count(*) FROM ratings WHERE session_id = ${sid} AND meme_id = ${meme.id}`), '1',
    'only the rating in time is stored');
  await waitFor(async () => /closed/i.test(await screen.getByRole('timer').textContent()), 'the screen says voting closed');
  await waitFor(async () => ctx.stack.db(`SELECT count(*) FROM events WHERE type = 'round_changed'
    AND json_extract(data, '$.state') = 'closed'`) === '1', 'the server wrote the close by itself');
});

test('show: the screen never shows an average or a score before the reveal', async (ctx) => {
  const { screen } = ctx.shared;
  const text = await screen.locator('body').innerText();
  assert(!/Average/i.test(text), 'no "Average" on the screen');
  // A score as the pages print it ("7.5"), not the join address's digits.
  const decimal = /(?<![\d.])\d{1,2}\.\d(?![\d.])/;
  assert(!decimal.test(text), `no decimal figure on the screen: ${text.match(decimal)}`);
  assert(!/\b8\b/.test(await screen.locator('#round').innerText()), 'the score 8 is not shown');
});

test('show: reactions from the phones float up on the screen', async (ctx) => {
  const { screen, phones } = ctx.shared;
  await phones[0].getByRole('button', { name: 'React with fire' }).click();
  await phones[1].getByRole('button', { name: 'React with laughter' }).click();
  await waitFor(async () => (await screen.locator('#reactions [data-emoji="🔥"]').count()) > 0 &&
    (await screen.locator('#reactions [data-emoji="😂"]').count()) > 0, 'both reactions float on the screen', 8000, 50);
  await ctx.shared.api.post(`/api/admin/sessions/${ctx.shared.sid}/finish`);
  await ctx.shared.api.dispose();
});
