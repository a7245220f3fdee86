// The app shell offline, and deployments offered, never half-applied: the service
// worker (assets/sw.js, written into the build by scripts/precache) and its banner.
// Each test gets its own origin: a small server that deploys the built app under a
// sub-path, can be taken down, and can be "redeployed" with a different sw.js.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { KITH_URL, launchBrowser, withPage } from './kith.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const e2e = (name, body) => test(name, () => withPage(browser, name, body));

/**
 * The built app (whatever KITH_URL serves) deployed at http://127.0.0.1:PORT/kith/.
 * `down` drops every connection; `sw` replaces sw.js's text — a new deployment, as far
 * as browsers can tell.
 */
class Site {
  static PREFIX = '/kith/';

  static async start() {
    const site = new Site();
    site.server = createServer((req, res) => site.#handle(req, res).catch((e) => {
      res.writeHead(502).end(String(e));
    }));
    await new Promise((resolve) => site.server.listen(0, '127.0.0.1', resolve));
    return site;
  }

  down = false;
  sw = null;

  get url() { return `http://127.0.0.1:${this.server.address().port}${Site.PREFIX}`; }

  /** A file of the deployed build, from the real server. */
  async upstream(path) {
    const response = await fetch(new URL(path, KITH_URL));
    assert.ok(response.ok, `${path}: HTTP ${response.status}`);
    return response;
  }

  async #handle(req, res) {
    if (this.down) { req.socket.destroy(); return; }
    const url = new URL(req.url, 'http://site');
    if (!url.pathname.startsWith(Site.PREFIX)) { res.writeHead(404).end(); return; }
    const path = url.pathname.slice(Site.PREFIX.length) + url.search;
    if (path === 'sw.js' && this.sw !== null) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(this.sw);
      return;
    }
    const response = await fetch(new URL(path, KITH_URL), { method: req.method });
    const type = response.headers.get('content-type');
    res.writeHead(response.status, type ? { 'content-type': type } : {});
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

/** Deploys the app on its own origin for one test. */
async function withSite(body) {
  const site = await Site.start();
  try {
    await body(site);
  } finally {
    await site.close();
  }
}

/** The build version sw.js carries (scripts/precache writes it). */
const versionOf = (sw) => {
  const m = /^const VERSION = '([^']+)';$/m.exec(sw);
  assert.ok(m, 'sw.js starts with its VERSION');
  return m[1];
};

/** Polls `probe` in the page until it returns something truthy. */
async function until(page, probe, arg, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(probe, arg).catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until a worker is activated for the page: its files are all cached. */
const workerActivated = (page) => until(page, async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  return registration?.active?.state === 'activated';
}, null, 'the service worker to activate');

/** The version of the worker controlling the page (it answers a 'version' message). */
const controllingVersion = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const worker = navigator.serviceWorker.controller;
  if (!worker) { reject(new Error('no service worker controls the page')); return; }
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => resolve(event.data.version);
  worker.postMessage({ type: 'version' }, [channel.port2]);
}));

// The app's own form: index.html's copy (shown before the wasm runs) must have gone.
const signInForm = async (page) => {
  await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
  await page.locator('#login-static').waitFor({ state: 'detached' });
};

e2e('after one visit the app opens with the network gone', async (page) => {
  await withSite(async (site) => {
    const version = versionOf(await (await site.upstream('sw.js')).text());
    await page.goto(site.url);
    await signInForm(page);
    await workerActivated(page);

    site.down = true;
    await page.context().setOffline(true);
    await page.reload();
    await signInForm(page);
    assert.equal(await controllingVersion(page), version);
    // A client-side route under the app's folder is the app too.
    await page.goto(`${site.url}contacts`);
    await signInForm(page);
    await page.context().setOffline(false);
  });
});

e2e('requests the worker does not own go to the network as before', async (page) => {
  await withSite(async (site) => {
    await page.goto(site.url);
    await workerActivated(page);
    await page.reload();
    await controllingVersion(page); // controlled from here on
    // config.json is the host's, live: never cached, and page routes still see it.
    await page.context().route('**/config.json', (route) => route.fulfill({
      contentType: 'application/json', body: '{"default_domain":"routed.example"}',
    }));
    const config = await page.evaluate(() => fetch('config.json').then((r) => r.json()));
    assert.equal(config.default_domain, 'routed.example');
    const names = await page.evaluate(async () => {
      const keys = await Promise.all((await caches.keys()).map(async (name) =>
        (await (await caches.open(name)).keys()).map((r) => r.url)));
      return keys.flat();
    });
    assert.ok(names.length > 0, 'something is cached');
    assert.ok(!names.some((u) => /config\.json|sw\.js/.test(u)), `cached: ${names.join(' ')}`);
  });
});

e2e('the PNG icons are not fetched by a first visit, and are kept once asked for', async (page) => {
  await withSite(async (site) => {
    const fetched = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(site.url);
    await signInForm(page);
    await workerActivated(page);
    await page.reload();
    await controllingVersion(page);
    await signInForm(page);
    const icons = fetched.filter((p) => /icon-\d+\.png$/.test(p));
    assert.deepEqual(icons, [], 'the first visit fetched the icons');
    // The worker's install fetched them neither (its requests are not the page's).
    const cached = () => page.evaluate(async () => {
      const keys = await Promise.all((await caches.keys()).map(async (name) =>
        (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)));
      return keys.flat().filter((p) => /icon-\d+\.png$/.test(p)).sort();
    });
    assert.deepEqual(await cached(), []);

    // Asked for once (as installing the app does), each is kept and served offline.
    const load = (name) => page.evaluate(async (n) => {
      const r = await fetch(n);
      const png = new Uint8Array(await r.arrayBuffer());
      return `${r.status} ${r.headers.get('content-type')} ${png[1] === 0x50 ? 'png' : 'not png'}`;
    }, name);
    assert.equal(await load('icon-192.png'), '200 image/png png');
    assert.equal(await load('icon-512.png'), '200 image/png png');
    assert.deepEqual(await cached(), ['/kith/icon-192.png', '/kith/icon-512.png']);
    site.down = true;
    await page.context().setOffline(true);
    assert.equal(await load('icon-192.png'), '200 image/png png');
    assert.equal(await load('icon-512.png'), '200 image/png png');
    await page.context().setOffline(false);
  });
});

e2e('a new deployment is offered as "Update available" and applied by Reload', async (page) => {
  await withSite(async (site) => {
    const sw = await (await site.upstream('sw.js')).text();
    const old = versionOf(sw);
    await page.goto(site.url);
    await workerActivated(page);
    await page.reload();
    assert.equal(await controllingVersion(page), old);
    const banner = page.getByRole('status').filter({ hasText: 'Update available' });
    assert.equal(await banner.count(), 0, 'no banner without a new deployment');

    // Redeploy: new sw.js bytes. The browser would notice on its own at the next
    // navigation or when the tab becomes visible; here the page is asked to check now.
    const next = `${old}-next`;
    site.sw = sw.replace(`const VERSION = '${old}';`, `const VERSION = '${next}';`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await banner.waitFor();

    // Never half-applied: a plain reload still runs the old version, and offers it again.
    await page.reload();
    await banner.waitFor();
    assert.equal(await controllingVersion(page), old);

    await page.evaluate(() => { window.beforeUpdate = true; });
    const reloaded = page.waitForEvent('framenavigated');
    await banner.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await signInForm(page);
    assert.equal(await page.evaluate(() => window.beforeUpdate), undefined, 'the page reloaded');
    assert.equal(await controllingVersion(page), next);
    assert.equal(await banner.count(), 0, 'the banner is gone');
    // The old version's cache is deleted once the new one is in charge.
    await until(page, async (name) => {
      const names = await caches.keys();
      return names.length === 1 && names[0] === name;
    }, `kith-shell-${next}`, 'only the new cache to remain');
  });
});

e2e('the web app manifest is linked and names icons that exist', async (page) => {
  await page.goto(KITH_URL);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  assert.doesNotMatch(href, /^\/|:/, 'relative, so sub-path deployments work');
  const manifestUrl = new URL(href, page.url());
  const response = await page.request.get(manifestUrl.href);
  assert.ok(response.ok());
  const manifest = await response.json();
  assert.equal(manifest.name, 'Kith');
  assert.equal(manifest.start_url, './');
  assert.equal(manifest.scope, './');
  assert.equal(manifest.display, 'standalone');
  const sizes = manifest.icons.map((i) => i.sizes);
  assert.ok(sizes.includes('192x192') && sizes.includes('512x512'), `icon sizes: ${sizes}`);
  for (const icon of manifest.icons) {
    const file = await page.request.get(new URL(icon.src, manifestUrl).href);
    assert.ok(file.ok(), `${icon.src}: HTTP ${file.status()}`);
    assert.equal(file.headers()['content-type'], icon.type, icon.src);
    if (icon.type === 'image/png') {
      const png = await file.body(); // IHDR: width and height at bytes 16 and 20
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.sizes, icon.src);
    }
  }
  assert.ok(await page.locator('meta[name="theme-color"]').count() > 0, 'theme-color');
});
