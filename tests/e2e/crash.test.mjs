// End-to-end: a panic shows the crash banner, wherever the app's code runs. The shipped
// build aborts with a bare wasm trap (scripts/dist: panic = "immediate-abort"), so the
// banner comes from assets/signin.js; the e2e build (made the same way, plus the
// `e2e-hooks` feature) panics when the page asks it to (src/lib.rs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KITH_URL, launchBrowser, withPage } from './kith.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const BANNER = 'Kith hit an internal error and stopped. Reload the page to continue; nothing you sent was lost.';

for (const [where, event] of [['an event handler', 'kith-e2e-panic'], ['a task', 'kith-e2e-panic-task']]) {
  const name = `a panic in ${where} shows the crash banner, once`;
  test(name, () => withPage(browser, name, async (page) => {
    await page.goto(KITH_URL);
    // The app's own sign-in screen has replaced index.html's: the wasm runs.
    await page.locator('#login-static').waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no banner before the panic');
    const trapped = page.waitForEvent('pageerror');
    await page.evaluate((type) => dispatchEvent(new Event(type)), event);
    assert.match(String(await trapped), /RuntimeError|unreachable/);
    const banner = page.getByRole('alert').filter({ hasText: BANNER });
    await banner.waitFor();
    assert.equal(await banner.evaluate((el) => el === document.body.firstElementChild), true,
      'the banner is the first thing on the page');
    // Anything that still calls into the dead app traps again: no second banner.
    const again = page.waitForEvent('pageerror');
    await page.evaluate(() => dispatchEvent(new Event('kith-e2e-panic')));
    assert.match(String(await again), /RuntimeError|unreachable/);
    assert.equal(await page.getByRole('alert').count(), 1);
  }));
}
