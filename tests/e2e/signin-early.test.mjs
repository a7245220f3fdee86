// End-to-end: the sign-in form index.html carries (a first visit types while the wasm
// downloads and compiles) and the app's sign-in screen taking it over. The wasm is held
// back with Playwright's routing, so "before the app arrives" is a fact, not a race.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALICE, KITH_URL, launchBrowser, signInOnline, withPage } from './kith.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const e2e = (name, body) => test(name, () => withPage(browser, name, body));

/** Holds the wasm back until the returned function is called. */
async function holdWasm(page) {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route('**/*_bg.wasm', async (route) => { await released; await route.continue(); });
  return release;
}

const staticForm = (page) => page.locator('#login-static');

/** index.html's form went: the app's own screen has taken over. */
const appArrived = (page) => staticForm(page).waitFor({ state: 'detached' });

/** Every element of the sign-in screen, tag and attributes, in document order. */
const shape = (page) => page.locator('main.login').evaluate((main) =>
  [main, ...main.querySelectorAll('*')].map((el) => [el.tagName,
    ...[...el.attributes].filter((a) => a.name !== 'id' || el !== main)
      .map((a) => `${a.name}=${a.value}`).sort()].join(' ')));

e2e('the sign-in form in index.html is the twin of the app\'s', async (page) => {
  const release = await holdWasm(page);
  await page.goto(KITH_URL);
  await staticForm(page).waitFor();
  const early = { tree: await page.locator('main.login').ariaSnapshot(), shape: await shape(page) };
  release();
  await appArrived(page);
  await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
  assert.equal(await page.locator('main.login').count(), 1, 'one sign-in screen at a time');
  assert.equal(await page.locator('main.login').ariaSnapshot(), early.tree);
  assert.deepEqual(await shape(page), early.shape);
  // Streaming compile: index.html preloads the wasm, and the app's own fetch of it uses
  // that download instead of starting a second one.
  const wasmFetches = await page.evaluate(() =>
    performance.getEntriesByType('resource').filter((e) => e.name.endsWith('_bg.wasm')).length);
  assert.equal(wasmFetches, 1, 'the wasm is downloaded once');
});

e2e('what is typed before the app arrives is still there, caret included', async (page) => {
  const release = await holdWasm(page);
  await page.goto(KITH_URL);
  const jid = page.getByRole('textbox', { name: 'Jabber ID' });
  // The Jabber ID with one letter missing, then the caret moved back to where it goes.
  const cut = 3;
  await page.getByLabel('Password').fill(ALICE.password);
  await page.getByRole('checkbox', { name: 'Remember me on this device' }).check();
  await jid.pressSequentially(ALICE.jid.slice(0, cut) + ALICE.jid.slice(cut + 1));
  await page.keyboard.press('Home');
  for (let i = 0; i < cut; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await staticForm(page).count(), 1, 'typed into index.html\'s form');

  release();
  await appArrived(page);
  const focus = await page.evaluate(() => ({
    id: document.activeElement?.id, start: document.activeElement?.selectionStart,
  }));
  assert.deepEqual(focus, { id: 'login-jid', start: cut });
  // The next key lands where the caret was.
  await page.keyboard.type(ALICE.jid[cut]);
  assert.equal(await jid.inputValue(), ALICE.jid);
  assert.equal(await page.getByLabel('Password').inputValue(), ALICE.password);
  assert.ok(await page.getByRole('checkbox', { name: 'Remember me on this device' }).isChecked());
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: /online/i }).waitFor();
});

e2e('a Sign in pressed before the app arrives signs in once it has', async (page) => {
  const release = await holdWasm(page);
  await page.goto(KITH_URL);
  await page.getByRole('textbox', { name: 'Jabber ID' }).fill(ALICE.jid);
  await page.getByLabel('Password').fill(ALICE.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Kept, not submitted: the page stays, and says what happens next.
  await staticForm(page).getByRole('status').filter({ hasText: 'Connecting…' }).waitFor();
  assert.equal(new URL(page.url()).search, '', 'nothing went into the address');
  release();
  await page.getByRole('status').filter({ hasText: /online/i }).waitFor();
  assert.equal(await staticForm(page).count(), 0);
});

e2e('a remembered account opens with no sign-in form', async (page) => {
  await signInOnline(page, ALICE, { remember: true });
  await page.reload();
  await page.getByRole('navigation').getByRole('link', { name: 'Feed' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Jabber ID' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0);
});
