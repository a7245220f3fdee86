// Shared setup for the end-to-end tests: where things are, the demo accounts, the
// browser, and signing in through the UI.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { FaultProxy } from './proxy.mjs';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the suite through scripts/test`);
  return value;
};
/** The app (built dist/ served over HTTP) and the XMPP server's WebSocket endpoint. */
export const KITH_URL = need('KITH_URL');
export const KITH_WS = need('KITH_WS');

/**
 * Which server the suite talks to: `prosody` or `ejabberd`, each started by its
 * scripts/NAME as instance KITH_SERVER_INSTANCE on KITH_SERVER_PORTS ("HTTP C2S", and
 * ejabberd's Erlang distribution port).
 * scripts/test runs the suite against Prosody, then the tests that talk to the server
 * against ejabberd.
 */
export const SERVER = process.env.KITH_SERVER ?? 'prosody';
if (!['prosody', 'ejabberd'].includes(SERVER)) throw new Error(`KITH_SERVER=${SERVER}: prosody or ejabberd`);

/** Stops and starts the test server (same ports, same data), as an admin would. */
export function restartServer() {
  const ports = (process.env.KITH_SERVER_PORTS ?? '').split(' ').filter(Boolean);
  if (ports.length < 2) throw new Error('KITH_SERVER_PORTS is not set; run the suite through scripts/test');
  execFileSync(new URL(`../../scripts/${SERVER}`, import.meta.url).pathname,
    ['start', process.env.KITH_SERVER_INSTANCE ?? 'test', ...ports], { stdio: ['ignore', 'ignore', 'inherit'] });
}

// Demo accounts: scripts/demo.env is the one place they are defined.
const env = Object.fromEntries(
  readFileSync(new URL('../../scripts/demo.env', import.meta.url), 'utf8')
    .split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)),
);
const account = (who) => ({
  jid: `${env[`KITH_${who}`]}@${env.KITH_DOMAIN}`,
  name: env[`KITH_${who}_NAME`],
  password: env[`KITH_${who}_PASSWORD`],
});
export const ALICE = account('ALICE');
export const BOB = account('BOB');
/** In nobody's roster (and with no name): a stranger to Alice. */
export const EVE = account('EVE');
export const DOMAIN = env.KITH_DOMAIN;

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Root in a container: no sandbox. The rest keeps Chromium from phoning home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const artifacts = new URL('../../target/e2e/', import.meta.url);

/** Chromium's console line for anything a Content-Security-Policy blocked. */
const CSP_REFUSAL = /violates the following Content Security Policy|Content Security Policy directive/;

/**
 * Run `body(page)` in a fresh browser context (no shared storage between tests).
 * The app is served with its strict CSP (scripts/serve sends the one of dist/.htaccess):
 * anything it blocks fails the test, so every test also checks the app works under it.
 * On failure, leave a screenshot, the accessibility tree and the browser console in
 * target/e2e/ — the tree is what getByRole sees.
 */
export async function withPage(browser, name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const logs = [];
  const refused = [];
  page.on('console', (m) => {
    logs.push(`[${m.type()}] ${m.text()}`);
    if (CSP_REFUSAL.test(m.text())) refused.push(m.text());
  });
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.stack ?? e}`));
  try {
    await body(page);
    if (refused.length) throw new Error(`the Content-Security-Policy blocked:\n${refused.join('\n')}`);
  } catch (e) {
    const file = name.replace(/\W+/g, '-');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: new URL(`${file}.png`, artifacts).pathname, fullPage: true }).catch(() => {});
    const tree = await page.locator('body').ariaSnapshot().catch((err) => `(no snapshot: ${err})`);
    writeFileSync(new URL(`${file}.txt`, artifacts),
      `${String(e.stack).replace(/\x1b\[\d+m/g, '')}\n\nURL: ${page.url()}\n\nAccessibility tree:\n${tree}\n\nConsole:\n${logs.join('\n')}\n`);
    throw e;
  } finally {
    await context.close();
  }
}

/** The login form as a screen reader user meets it; `remember` ticks "Remember me". */
export async function signIn(page, { jid, password }, { remember = false } = {}) {
  await page.goto(KITH_URL);
  await page.getByRole('textbox', { name: 'Jabber ID' }).fill(jid);
  await page.getByLabel('Password').fill(password);
  if (remember) await page.getByRole('checkbox', { name: 'Remember me on this device' }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Sign out, keeping this device's cache (or wiping it). */
export async function signOut(page, { wipe = false } = {}) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('dialog', { name: 'Sign out' })
    .getByRole('button', { name: wipe ? 'Wipe data from this device' : 'Keep data on this device' })
    .click();
}

/** Sign in and wait until the connection status says Online. */
export async function signInOnline(page, who, options) {
  await signIn(page, who, options);
  await page.getByRole('status').filter({ hasText: /online/i }).waitFor();
}

/** The Contacts screen's list, reached through the navigation. */
export async function openContacts(page) {
  await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
  const list = page.getByRole('list', { name: 'Contacts' });
  await list.waitFor();
  return list;
}

/** Polls `check` every 100 ms until it returns something truthy, and returns that. */
export async function until(check, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The list item of one contact, found by bare JID. */
export const contactItem = (list, jid) => list.getByRole('listitem').filter({ hasText: jid });

/**
 * Every tab of `page`'s context reaches the server through `proxy` (tests/e2e/proxy.mjs),
 * as the host's config.json would say: the network can then fail on command.
 */
function throughProxy(page, proxy) {
  return page.context().route('**/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ default_domain: DOMAIN, websocket_url: `ws://127.0.0.1:${proxy.port}/xmpp-websocket` }),
  }));
}

/**
 * A suite whose tests reach the server through one fault proxy: `e2e(name, (page, proxy) =>
 * …)` runs each in a fresh context with the network up.
 */
export function proxiedSuite() {
  let browser;
  let proxy;
  before(async () => {
    browser = await launchBrowser();
    proxy = await FaultProxy.start(Number(new URL(KITH_WS).port));
  });
  after(async () => {
    await proxy?.close();
    await browser?.close();
  });
  return (name, body) => test(name, async () => {
    proxy.up();
    await withPage(browser, name, async (page) => {
      await throughProxy(page, proxy);
      await body(page, proxy);
    });
  });
}
