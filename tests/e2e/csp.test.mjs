// The strict Content-Security-Policy: served as a header (scripts/serve sends the one of
// dist/.htaccess, as Apache would), the same as index.html's <meta>, and the app signs
// in, posts and reads under it. (withPage fails any test the policy blocks something in.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, KITH_URL, launchBrowser, signInOnline, signOut, withPage } from './kith.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const metaPolicy = (html) => html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1];

test('the page is served with the strict policy, the same as its <meta>, and no inline script', async () => {
  const response = await fetch(KITH_URL);
  const header = response.headers.get('content-security-policy');
  const html = await response.text();
  assert.ok(header, 'no Content-Security-Policy header');
  for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'",
    "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(header.split('; ').includes(directive), `header lacks ${directive}: ${header}`);
  }
  const sources = header.split(/[; ]+/);
  for (const lax of ['*', "'unsafe-inline'", "'unsafe-eval'"]) {
    assert.ok(!sources.includes(lax), `the policy allows ${lax}`);
  }
  assert.equal(header, `${metaPolicy(html)}; frame-ancestors 'none'`);
  // Every <script> loads a file: the loader (scripts/loader) and the static sign-in
  // form's (assets/signin.js); an inline one would be refused.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.deepEqual(scripts.map(([, attributes]) => /\bsrc="\.\/(boot|signin)-[0-9a-f]{1,16}\.js"/.exec(attributes)?.[1]),
    ['boot', 'signin']);
  for (const [, , code] of scripts) assert.equal(code.trim(), '');
});

test('signs in, posts and reads under the policy, with nothing blocked', () =>
  withPage(browser, 'csp sign in post read', async (page) => {
    const violations = [];
    await page.exposeFunction('cspViolation', (v) => violations.push(v));
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
      (e) => window.cspViolation(`${e.violatedDirective} ${e.blockedURI}`)));
    await signInOnline(page, ALICE);
    const title = `Under the policy ${Date.now().toString(36)}`;
    await page.getByRole('navigation').getByRole('link', { name: 'Feed' }).click();
    await page.getByRole('textbox', { name: 'Title' }).fill(title);
    await page.getByRole('textbox', { name: 'Post' }).fill('Nothing inline, **nothing** blocked.');
    await page.getByRole('button', { name: 'Publish' }).click();
    const post = page.getByRole('list', { name: 'Feed' }).getByRole('article')
      .filter({ has: page.getByRole('heading', { name: title }) });
    await post.filter({ hasText: 'nothing blocked' }).waitFor();
    await post.filter({ hasNotText: 'Pending' }).waitFor();
    // Read it back from the server: a new session with nothing cached.
    await signOut(page, { wipe: true });
    await signInOnline(page, ALICE);
    await page.getByRole('list', { name: 'Feed' }).getByRole('heading', { name: title }).waitFor();
    assert.deepEqual(violations, []);
    await signOut(page, { wipe: true });
  }));
