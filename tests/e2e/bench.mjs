// Kith's benchmark: figures from the release build in headless Chromium against a
// private Prosody on loopback. Reports, never asserts; exits non-zero only when a
// scenario fails to run. Run through scripts/bench, which builds and serves the app.
//
//   KITH_BENCH_RUNS=3      runs per figure (min / median / max are reported)
//   KITH_BENCH_ROSTERS=100,1000,5000
//   KITH_BENCH_WARM=1000   contacts cached for the warm start
//   KITH_BENCH_SLOW=100    contacts for the first visit on Slow 4G
//   KITH_BENCH_ONLY=TEXT   only the scenarios whose name contains TEXT (development)
//   KITH_BENCH_STORE=FILE  what `cargo bench --bench store` printed (scripts/bench runs it)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { ALICE, KITH_URL, launchBrowser, signIn, signOut } from './kith.mjs';

const RUNS = Number(process.env.KITH_BENCH_RUNS ?? 3);
const ROSTERS = (process.env.KITH_BENCH_ROSTERS ?? '100,1000,5000').split(',').map(Number);
const WARM = Number(process.env.KITH_BENCH_WARM ?? 1000);
const SLOW_CONTACTS = Number(process.env.KITH_BENCH_SLOW ?? 100);
const ONLY = process.env.KITH_BENCH_ONLY;
const STORE_OUTPUT = process.env.KITH_BENCH_STORE;
const HTTP_PORT = process.env.KITH_BENCH_HTTP_PORT;
const C2S_PORT = process.env.KITH_BENCH_C2S_PORT;
const root = new URL('../../', import.meta.url).pathname;

/** A fresh Prosody whose alice has `n` contacts besides bob. */
function prosodyWithContacts(n) {
  const run = (...args) => execFileSync(`${root}scripts/prosody`, args, {
    env: { ...process.env, KITH_EXTRA_CONTACTS: String(n) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  run('wipe', 'bench');
  run('start', 'bench', HTTP_PORT, C2S_PORT);
}

/** XMPP unreachable: the WebSocket port refuses connections. */
function stopProsody() {
  execFileSync(`${root}scripts/prosody`, ['stop', 'bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return { min: v[0], median: v[Math.floor(v.length / 2)], max: v[v.length - 1], runs: v };
};

// Measuring hooks, installed before any page script runs: the longest main-thread task
// and the wasm instance (trunk announces it with TrunkApplicationStarted).
const PROBES = () => {
  window.__kith_longest_task = 0;
  window.__kith_long_tasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__kith_longest_task = Math.max(window.__kith_longest_task, e.duration);
      window.__kith_long_tasks.push({ start: e.startTime, duration: e.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('TrunkApplicationStarted', (e) => { window.__kith_wasm = e.detail.wasm; });
  document.addEventListener('click', () => { window.__kith_click ??= performance.now(); }, true);
};

async function withPage(browser, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(120000);
  await page.addInitScript(PROBES);
  try {
    return await body(page);
  } finally {
    await context.close();
  }
}

const brotli = (body) => brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }).length;

/** Scenario 1: what the first load fetches, per file, raw, gzip -9 and brotli 11. */
async function size(browser) {
  return withPage(browser, async (page) => {
    const files = [];
    page.on('response', async (r) => {
      if (!r.url().startsWith(KITH_URL)) return;
      const body = await r.body().catch(() => null);
      if (body) files.push({ file: new URL(r.url()).pathname.split('/').pop() || 'index.html', bytes: body.length, gzip: gzipSync(body, { level: 9 }).length, brotli: brotli(body) });
    });
    await page.goto(KITH_URL, { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip, brotli: a.brotli + f.brotli }), { bytes: 0, gzip: 0, brotli: 0 });
    return { files, total };
  });
}

/** Scenario 2: navigation → every contact counted in the rendered list. */
async function coldSignIn(browser, contacts) {
  return withPage(browser, async (page) => {
    const expected = String(contacts + 1); // + bob
    await page.goto(`${KITH_URL}#/contacts`);
    await page.getByRole('textbox', { name: 'Jabber ID' }).fill(ALICE.jid);
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const at = await page.waitForFunction((n) => {
      const item = document.querySelector('[aria-label="Contacts"] li[aria-setsize]');
      return item && item.getAttribute('aria-setsize') === n && performance.now();
    }, expected, { polling: 'raf' }).then((h) => h.jsonValue());
    // The roster is written to the device store after that paint, and observers hear of
    // a long task a little after it ends: the tasks are read a second later.
    const probe = await page.evaluate(async () => ({
      settled: await new Promise((r) => setTimeout(r, 1000)),
      click: window.__kith_click,
      online: performance.getEntriesByName('kith:online')[0]?.startTime,
      roster: performance.getEntriesByName('kith:roster')[0]?.startTime,
      connect: performance.getEntriesByName('kith:connect')[0]?.startTime,
      marks: performance.getEntriesByType('mark').filter((m) => m.name.startsWith('kith:')).map((m) => [m.name, Math.round(m.startTime)]),
      tasks: window.__kith_long_tasks.map((t) => [Math.round(t.start), Math.round(t.duration)]),
      longest: window.__kith_longest_task,
      wasm: window.__kith_wasm?.memory?.buffer?.byteLength ?? null,
      heap: performance.memory?.usedJSHeapSize ?? null,
    }));
    // Sign out properly and let the server settle, so the next run does not share the
    // server with this session's teardown (5,000 unavailable presences, hibernation).
    await signOut(page);
    await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
    await new Promise((r) => setTimeout(r, 1500 + contacts / 2));
    return {
      fromNavigation: at, fromClick: at - probe.click, longestTask: probe.longest, wasmMemory: probe.wasm, jsHeap: probe.heap,
      // Where the time goes: sign-in (SASL + bind), waiting for the roster, rendering it.
      clickToOnline: probe.online - probe.click, clickToConnect: probe.connect - probe.click, marks: probe.marks, longTasks: probe.tasks, onlineToRoster: probe.roster - probe.online, rosterToRendered: at - probe.roster,
    };
  });
}

/**
 * Chromium DevTools' "Slow 4G" preset (front_end/core/sdk/NetworkManager.ts): 1.6 Mbps
 * down and 750 kbps up at 90%, 150 ms RTT modelled as 562.5 ms of request latency.
 */
const SLOW_4G = { offline: false, latency: 150 * 3.75, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9, connectionType: 'cellular4g' };

/**
 * Scenario 1b: a first visit on Slow 4G (fresh browser context: empty HTTP cache, no
 * service worker yet; scripts/serve sends gzip): navigation → every contact counted
 * in the rendered list, the form filled and Sign in clicked as soon as it shows. The
 * page's own requests are throttled and counted (encoded bytes, headers included); the
 * service worker's install runs in its own target, unthrottled (it revalidates what the
 * page fetched: 304s), and the WebSocket's frames are counted apart.
 */
async function slowFirstVisit(browser, contacts) {
  return withPage(browser, async (page) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    const requests = new Map();
    let http = 0;
    let ws = 0;
    cdp.on('Network.responseReceived', (e) => requests.set(e.requestId, { url: e.response.url, encoding: e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? null }));
    cdp.on('Network.loadingFinished', (e) => {
      http += e.encodedDataLength;
      const r = requests.get(e.requestId);
      if (r) r.bytes = e.encodedDataLength;
    });
    cdp.on('Network.webSocketFrameReceived', (e) => { ws += e.response.payloadData.length; });
    cdp.on('Network.webSocketFrameSent', (e) => { ws += e.response.payloadData.length; });
    await page.goto(`${KITH_URL}#/contacts`, { waitUntil: 'commit' });
    const form = page.getByRole('textbox', { name: 'Jabber ID' });
    await form.fill(ALICE.jid);
    const formAt = await page.evaluate(() => performance.now());
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const at = await contactsRendered(page, contacts + 1);
    const probe = await page.evaluate(() => ({
      click: window.__kith_click,
      online: performance.getEntriesByName('kith:online')[0]?.startTime ?? null,
      longest: window.__kith_longest_task,
    }));
    const files = [...requests.values()].filter((r) => r.bytes != null)
      .map((r) => ({ file: new URL(r.url).pathname.split('/').pop() || 'index.html', bytes: r.bytes, encoding: r.encoding }));
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await signOut(page);
    await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    return {
      fromNavigation: at, formShown: formAt, clickToRendered: at - probe.click, clickToOnline: probe.online == null ? null : probe.online - probe.click,
      httpBytes: http, webSocketBytes: ws, requests: files.length, files, longestTask: probe.longest,
      compressedServed: files.some((f) => f.encoding === 'gzip' || f.encoding === 'br'),
    };
  });
}

/** The rendered list counts `n` contacts; resolves to performance.now() at that frame. */
const contactsRendered = (page, n) => page.waitForFunction((expected) => {
  const item = document.querySelector('[aria-label="Contacts"] li[aria-setsize]');
  return item && item.getAttribute('aria-setsize') === expected && performance.now();
}, String(n), { polling: 'raf' }).then((h) => h.jsonValue());

/**
 * Whether this device's IndexedDB holds what a warm start needs: the account with its
 * remembered keys, the WebSocket URL it last used, and all `n` contacts. Read with the
 * browser's own API, beside the app's connection; never creates the database.
 */
const cachedOnDevice = (page, jid, n) => page.evaluate(async ({ jid, n }) => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'kith')) return false;
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('kith');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const tx = db.transaction(['accounts', 'roster', 'cursors'], 'readonly');
    const get = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const [account, contacts, url] = await Promise.all([
      get(tx.objectStore('accounts').get(jid)),
      get(tx.objectStore('roster').count(IDBKeyRange.bound([jid], [jid, []]))),
      get(tx.objectStore('cursors').get([jid, 'websocket-url'])),
    ]);
    return Boolean(account?.keys && url && contacts === n);
  } finally {
    db.close();
  }
}, { jid, n });

/**
 * Scenario 3: warm start. Alice signs in once with "Remember me on this device" (a fresh
 * browser profile each run), so her roster lands in IndexedDB; then Prosody stops, so
 * XMPP is unreachable, and `#/contacts` is reloaded: navigation → every cached contact
 * counted in the rendered list, with no server.
 */
async function warmStart(browser, contacts) {
  prosodyWithContacts(contacts);
  return withPage(browser, async (page) => {
    const expected = contacts + 1; // + bob
    await signIn(page, ALICE, { remember: true });
    await page.evaluate(() => { location.hash = '#/contacts'; });
    await contactsRendered(page, expected);
    const deadline = Date.now() + 30000;
    while (!(await cachedOnDevice(page, ALICE.jid, expected))) {
      if (Date.now() > deadline) throw new Error('the roster never reached IndexedDB');
      await new Promise((r) => setTimeout(r, 200));
    }
    stopProsody();
    await page.reload({ waitUntil: 'commit' });
    const at = await contactsRendered(page, expected);
    // Observers hear of a long task a little after it ends: half a second later, keep the
    // ones that began before the list was rendered (0: none over 50 ms), and read memory.
    const probe = await page.evaluate(async (at) => {
      await new Promise((r) => setTimeout(r, 500));
      return {
        cached: performance.getEntriesByName('kith:cached')[0]?.startTime ?? null,
        online: performance.getEntriesByName('kith:online').length > 0,
        signInForm: document.querySelector('input[type=password]') !== null,
        serviceWorker: Boolean(navigator.serviceWorker?.controller),
        longest: Math.max(0, ...window.__kith_long_tasks.filter((t) => t.start < at).map((t) => t.duration)),
        wasm: window.__kith_wasm?.memory?.buffer?.byteLength ?? null,
        heap: performance.memory?.usedJSHeapSize ?? null,
      };
    }, at);
    if (probe.online || probe.signInForm) throw new Error('the warm start was not offline from the cache');
    return {
      fromNavigation: at, cachedMark: probe.cached, longestTask: probe.longest,
      wasmMemory: probe.wasm, jsHeap: probe.heap, serviceWorker: probe.serviceWorker,
    };
  });
}

/** Criterion's estimate in benches/store.rs's output: `NAME time: [low estimate high]`. */
function criterion(text, name) {
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const unit = { p: 1e-9, n: 1e-6, u: 1e-3, '\u00b5': 1e-3, '\u03bc': 1e-3, m: 1, '': 1000 };
  const time = '([\\d.]+)\\s*([pnu\u00b5\u03bcm]?)s';
  const found = plain.match(new RegExp(`${name}\\s+time:\\s+\\[\\s*${time}\\s+${time}\\s+${time}\\s*\\]`));
  if (!found) throw new Error(`no criterion estimate for "${name}" (see ${STORE_OUTPUT})`);
  const ms = (i) => Number(found[i]) * unit[found[i + 1]];
  return { low: ms(1), estimate: ms(3), high: ms(5) };
}

/** Scenario 4: the IndexedDB store in the browser (benches/store.rs, run by scripts/bench). */
function storeThroughput() {
  if (!STORE_OUTPUT || !existsSync(STORE_OUTPUT)) throw new Error('run through scripts/bench (no cargo bench output)');
  const text = readFileSync(STORE_OUTPUT, 'utf8');
  const put = criterion(text, 'put_posts 1000');
  const read = criterion(text, 'posts 50 of 1000');
  const bytes = text.match(/(\d+) posts of (\d+) bytes of XML/);
  return {
    method: 'criterion (wasm-bindgen-test), point estimate with 95% confidence interval',
    postXmlBytes: bytes ? Number(bytes[2]) : null,
    putPosts1000Ms: put,
    postsPerSecond: 1000 / (put.estimate / 1000),
    newest50Of1000Ms: read,
  };
}

// The feed's figures have a script of their own (bench-feed.mjs, run next by scripts/bench).
const NOT_YET = {
  'feed sync (100 contacts x 20 posts)': 'see bench-feed.mjs (target/bench/feed.json)',
  'timeline scroll (1,000 posts)': 'see bench-feed.mjs (target/bench/feed.json)',
};

async function main() {
  const browser = await launchBrowser();
  const report = { date: new Date().toISOString(), cores: cpus().length, runs: RUNS, url: KITH_URL, slowContacts: SLOW_CONTACTS, scenarios: {} };
  let failed = false;
  const attempt = async (name, fn) => {
    if (ONLY && !name.includes(ONLY)) return;
    try { report.scenarios[name] = await fn(); } catch (e) {
      failed = true;
      report.scenarios[name] = { error: String(e.message ?? e) };
      console.error(`bench: ${name} failed: ${e.message ?? e}`);
    }
  };
  try {
    await attempt('size', () => size(browser));
    await attempt(`first visit on Slow 4G, ${SLOW_CONTACTS} contacts`, async () => {
      prosodyWithContacts(SLOW_CONTACTS);
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await slowFirstVisit(browser, SLOW_CONTACTS));
      return {
        slow4g: true,
        conditions: { ...SLOW_4G, preset: 'Chromium DevTools "Slow 4G"' },
        navigationToContactsMs: stats(runs.map((r) => r.fromNavigation)),
        navigationToFormMs: stats(runs.map((r) => r.formShown)),
        signInClickToContactsMs: stats(runs.map((r) => r.clickToRendered)),
        clickToOnlineMs: stats(runs.map((r) => r.clickToOnline)),
        httpBytes: stats(runs.map((r) => r.httpBytes)),
        webSocketBytes: stats(runs.map((r) => r.webSocketBytes)),
        requests: stats(runs.map((r) => r.requests)),
        longestTaskMs: stats(runs.map((r) => r.longestTask)),
        compressedServed: runs.every((r) => r.compressedServed),
        files: runs[0].files,
      };
    });
    for (const n of ROSTERS) {
      await attempt(`cold sign-in, ${n} contacts`, async () => {
        prosodyWithContacts(n);
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await coldSignIn(browser, n));
        return {
          navigationToContactsMs: stats(runs.map((r) => r.fromNavigation)),
          signInClickToContactsMs: stats(runs.map((r) => r.fromClick)),
          clickToOnlineMs: stats(runs.map((r) => r.clickToOnline)),
          clickToConnectMs: stats(runs.map((r) => r.clickToConnect)),
          timelines: runs.map((r) => ({ click: r.fromNavigation - r.fromClick, marks: r.marks, longTasks: r.longTasks })),
          onlineToRosterMs: stats(runs.map((r) => r.onlineToRoster)),
          rosterToRenderedMs: stats(runs.map((r) => r.rosterToRendered)),
          longestTaskMs: stats(runs.map((r) => r.longestTask)),
          wasmMemoryBytes: stats(runs.map((r) => r.wasmMemory)),
          jsHeapBytes: stats(runs.map((r) => r.jsHeap)),
        };
      });
    }
    const warm = `warm start (${WARM.toLocaleString('en')} contacts, XMPP unreachable)`;
    await attempt(warm, async () => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await warmStart(browser, WARM));
      return {
        warm: true,
        navigationToContactsMs: stats(runs.map((r) => r.fromNavigation)),
        navigationToCachedMarkMs: stats(runs.map((r) => r.cachedMark)),
        longestTaskMs: stats(runs.map((r) => r.longestTask)),
        servedByServiceWorker: runs.map((r) => r.serviceWorker),
        cachedPosts: 'measured by bench-feed.mjs (timeline)',
        memory: { wasmMemoryBytes: stats(runs.map((r) => r.wasmMemory)), jsHeapBytes: stats(runs.map((r) => r.jsHeap)) },
      };
    });
    const memory = report.scenarios[warm]?.memory;
    if (!ONLY) report.scenarios['memory after warm start'] = memory ? {
      of: warm, ...memory,
      totalBytes: stats(memory.wasmMemoryBytes.runs.map((w, i) => w + memory.jsHeapBytes.runs[i])),
    } : { error: 'needs the warm start, which failed' };
    await attempt('IndexedDB write, 1,000-post sync batch', async () => storeThroughput());
    if (!ONLY) for (const [name, why] of Object.entries(NOT_YET)) report.scenarios[name] = { na: why };
  } finally {
    await browser.close();
  }

  mkdirSync(`${root}target/bench`, { recursive: true });
  writeFileSync(`${root}target/bench/latest.json`, JSON.stringify(report, null, 2));
  printTable(report);
  process.exit(failed ? 1 : 0);
}

function printTable(report) {
  const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const ms = (s) => `${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;
  const mib = (s) => (s.median == null ? 'n/a' : `${(s.median / 1048576).toFixed(1)} MiB`);
  console.log(`\nKith bench — ${report.date}, ${report.cores} cores, median of ${report.runs}\n`);
  for (const [name, r] of Object.entries(report.scenarios)) {
    if (r.error) { console.log(`${name}: FAILED — ${r.error}`); continue; }
    if (r.na) { console.log(`${name}: n/a — ${r.na}`); continue; }
    if (r.warm) {
      console.log(`${name}:`);
      console.log(`  navigation → contacts rendered  ${ms(r.navigationToContactsMs)}`);
      console.log(`  navigation → kith:cached mark   ${ms(r.navigationToCachedMarkMs)}`);
      console.log(`  longest main-thread task        ${ms(r.longestTaskMs)}`);
      console.log(`  served by the service worker    ${r.servedByServiceWorker.map((y) => (y ? 'yes' : 'no')).join(', ')}`);
      console.log(`  1,000 cached posts: ${r.cachedPosts}`);
      continue;
    }
    if (r.slow4g) {
      const c = r.conditions;
      console.log(`${name} (Chromium's preset: ${c.latency} ms request latency, ${c.downloadThroughput} B/s down, ${c.uploadThroughput} B/s up; empty cache, ${r.compressedServed ? 'served compressed' : 'NOT served compressed'}):`);
      console.log(`  navigation → contacts rendered  ${ms(r.navigationToContactsMs)}`);
      console.log(`  navigation → sign-in form       ${ms(r.navigationToFormMs)}`);
      console.log(`  Sign in click → rendered        ${ms(r.signInClickToContactsMs)}`);
      console.log(`  HTTP bytes transferred          ${kb(r.httpBytes.median)} in ${r.requests.median} requests (+ ${kb(r.webSocketBytes.median)} over the WebSocket)`);
      for (const f of r.files) console.log(`    ${f.file.padEnd(38)} ${kb(f.bytes).padStart(12)} ${f.encoding ?? ''}`);
      console.log(`  longest main-thread task        ${ms(r.longestTaskMs)}`);
      continue;
    }
    if (r.of) {
      console.log(`${name}: ${mib(r.wasmMemoryBytes)} wasm + ${mib(r.jsHeapBytes)} JS heap = ${mib(r.totalBytes)}`);
      continue;
    }
    if (r.putPosts1000Ms) {
      const est = (e, digits) => `${e.estimate.toFixed(digits)} ms (95% CI ${e.low.toFixed(digits)}–${e.high.toFixed(digits)})`;
      console.log(`${name} (IdbStore, one transaction, ${r.postXmlBytes ?? '?'} B of XML per post; criterion estimate):`);
      console.log(`  put_posts(1,000)                ${est(r.putPosts1000Ms, 0)} → ${Math.round(r.postsPerSecond).toLocaleString('en')} posts/s`);
      console.log(`  posts(account, 50) of 1,000     ${est(r.newest50Of1000Ms, 1)}`);
      continue;
    }
    if (r.files) {
      console.log(`first load: ${kb(r.total.bytes)} raw, ${kb(r.total.gzip)} gzip, ${kb(r.total.brotli)} brotli`);
      for (const f of r.files) console.log(`  ${f.file.padEnd(40)} ${kb(f.bytes).padStart(12)} ${kb(f.gzip).padStart(12)} gzip ${kb(f.brotli).padStart(12)} brotli`);
      continue;
    }
    console.log(`${name}:`);
    console.log(`  navigation → contacts rendered  ${ms(r.navigationToContactsMs)}`);
    console.log(`  Sign in click → rendered        ${ms(r.signInClickToContactsMs)}`);
    console.log(`    click → online (SASL, bind)     ${ms(r.clickToOnlineMs)}`);
    console.log(`    online → roster received      ${ms(r.onlineToRosterMs)}`);
    console.log(`    roster → list painted         ${ms(r.rosterToRenderedMs)}`);
    console.log(`  longest main-thread task        ${ms(r.longestTaskMs)}`);
    console.log(`  wasm memory / JS heap           ${mib(r.wasmMemoryBytes)} / ${mib(r.jsHeapBytes)}`);
  }
  console.log(`\nJSON: target/bench/latest.json`);
}

await main();
