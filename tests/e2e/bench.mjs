// Kith's benchmark: figures from the release build in headless Chromium against a
// private Prosody on loopback. Reports, never asserts; exits non-zero only when a
// scenario fails to run. Run through scripts/bench, which builds and serves the app.
//
//   KITH_BENCH_RUNS=3      runs per figure (min / median / max are reported)
//   KITH_BENCH_ROSTERS=100,1000,5000
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';
import { ALICE, KITH_URL, launchBrowser, signOut } from './kith.mjs';

const RUNS = Number(process.env.KITH_BENCH_RUNS ?? 3);
const ROSTERS = (process.env.KITH_BENCH_ROSTERS ?? '100,1000,5000').split(',').map(Number);
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

const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return { min: v[0], median: v[Math.floor(v.length / 2)], max: v[v.length - 1], runs: v };
};

// Measuring hooks, installed before any page script runs: the longest main-thread task
// and the wasm instance (trunk announces it with TrunkApplicationStarted).
const PROBES = () => {
  window.__kith_longest_task = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__kith_longest_task = Math.max(window.__kith_longest_task, e.duration);
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

/** Scenario 1: what the first load fetches, per file, raw and gzip -9. */
async function size(browser) {
  return withPage(browser, async (page) => {
    const files = [];
    page.on('response', async (r) => {
      if (!r.url().startsWith(KITH_URL)) return;
      const body = await r.body().catch(() => null);
      if (body) files.push({ file: new URL(r.url()).pathname.split('/').pop() || 'index.html', bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
    });
    await page.goto(KITH_URL, { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
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
    const probe = await page.evaluate(() => ({
      click: window.__kith_click,
      online: performance.getEntriesByName('kith:online')[0]?.startTime,
      roster: performance.getEntriesByName('kith:roster')[0]?.startTime,
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
      clickToOnline: probe.online - probe.click, onlineToRoster: probe.roster - probe.online, rosterToRendered: at - probe.roster,
    };
  });
}

const NOT_YET = {
  'warm start (1,000 contacts + 1,000 posts, network blocked)': 'needs the offline cache (issue: offline-first)',
  'feed sync (100 contacts x 20 posts)': 'needs the feed (issue: social feed)',
  'timeline scroll (1,000 posts)': 'needs the feed (issue: social feed)',
  'memory after warm start': 'needs the offline cache (issue: offline-first)',
};

async function main() {
  const browser = await launchBrowser();
  const report = { date: new Date().toISOString(), cores: cpus().length, runs: RUNS, url: KITH_URL, scenarios: {} };
  let failed = false;
  const attempt = async (name, fn) => {
    try { report.scenarios[name] = await fn(); } catch (e) {
      failed = true;
      report.scenarios[name] = { error: String(e.message ?? e) };
      console.error(`bench: ${name} failed: ${e.message ?? e}`);
    }
  };
  try {
    await attempt('size', () => size(browser));
    for (const n of ROSTERS) {
      await attempt(`cold sign-in, ${n} contacts`, async () => {
        prosodyWithContacts(n);
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await coldSignIn(browser, n));
        return {
          navigationToContactsMs: stats(runs.map((r) => r.fromNavigation)),
          signInClickToContactsMs: stats(runs.map((r) => r.fromClick)),
          clickToOnlineMs: stats(runs.map((r) => r.clickToOnline)),
          onlineToRosterMs: stats(runs.map((r) => r.onlineToRoster)),
          rosterToRenderedMs: stats(runs.map((r) => r.rosterToRendered)),
          longestTaskMs: stats(runs.map((r) => r.longestTask)),
          wasmMemoryBytes: stats(runs.map((r) => r.wasmMemory)),
          jsHeapBytes: stats(runs.map((r) => r.jsHeap)),
        };
      });
    }
    for (const [name, why] of Object.entries(NOT_YET)) report.scenarios[name] = { na: why };
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
    if (r.files) {
      console.log(`first load: ${kb(r.total.bytes)} raw, ${kb(r.total.gzip)} gzip`);
      for (const f of r.files) console.log(`  ${f.file.padEnd(40)} ${kb(f.bytes).padStart(12)} ${kb(f.gzip).padStart(12)} gzip`);
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
