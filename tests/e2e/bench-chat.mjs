// Kith's chat benchmark (the chat issue's figures), run by scripts/bench after bench.mjs,
// against the same private Prosody (instance "bench", wiped first: alice and bob only).
// In headless Chromium, the release build, median of KITH_BENCH_RUNS (3):
//   1. send → server ack: Enter in the Message box → the message says "Sent" (the
//      server's XEP-0198 answer), ten messages per run;
//   2. archive catch-up: 1,000 messages Bob sent while Alice's tab was closed; from the
//      new stream (kith:online) to the last of them in the conversation list, and
//      messages per second;
//   3. a 10,000-message cached conversation (written into IndexedDB as the app stores
//      received messages): click on it in Chats → its newest message painted; then
//      scrolled to the top, 800 px per animation frame, under a longtask observer.
// Reports, never asserts. Writes target/bench/chat.json and prints a summary.
//
// KITH_CHAT_ONLY=TEXT runs only the scenarios whose name contains TEXT.
//
//   cd tests/e2e && KITH_URL=… KITH_WS=… KITH_BENCH_HTTP_PORT=… KITH_BENCH_C2S_PORT=… \
//     node --experimental-websocket bench-chat.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ALICE, BOB, KITH_URL, KITH_WS, launchBrowser, signIn, signOut } from './kith.mjs';
import { XmppClient } from './xmpp.mjs';

const RUNS = Number(process.env.KITH_BENCH_RUNS ?? 3);
const CATCH_UP = 1_000;
const CACHED = 10_000;
/** Only the scenarios whose name contains this (development). */
const ONLY = process.env.KITH_CHAT_ONLY;
const root = new URL('../../', import.meta.url).pathname;

const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return { min: v[0], median: v[Math.floor(v.length / 2)], max: v[v.length - 1], runs: v };
};

function freshProsody() {
  const run = (...args) => execFileSync(`${root}scripts/prosody`, args, {
    env: { ...process.env, KITH_EXTRA_CONTACTS: '0' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  run('wipe', 'bench');
  run('start', 'bench', process.env.KITH_BENCH_HTTP_PORT, process.env.KITH_BENCH_C2S_PORT);
}

const PROBES = () => {
  window.__kith_longest_task = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__kith_longest_task = Math.max(window.__kith_longest_task, e.duration);
  }).observe({ type: 'longtask', buffered: true });
};

async function withPage(browser, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(120000);
  await page.addInitScript(PROBES);
  await page.route('**/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ default_domain: ALICE.jid.split('@')[1], websocket_url: KITH_WS }),
  }));
  try {
    return await body(page);
  } finally {
    await context.close();
  }
}

const online = (page) => page.getByRole('status').filter({ hasText: /online/i }).waitFor();
const openChat = (page, jid) => page.evaluate((hash) => { location.hash = hash; }, `#/chat/${jid}`);

async function bob() {
  const client = await XmppClient.connect({ url: KITH_WS, ...BOB, resource: 'bench' });
  client.presence();
  await client.sync();
  return client;
}

/** 1: ten messages, each from Enter to "Sent" on it (ms, in the page's clock). */
async function sendToAck(browser) {
  return withPage(browser, async (page) => {
    await signIn(page, ALICE);
    await online(page);
    await openChat(page, BOB.jid);
    await page.getByRole('list', { name: 'Messages' }).waitFor();
    const times = [];
    for (let i = 0; i < 10; i++) {
      const text = `ack ${Date.now().toString(36)} ${i}`;
      await page.getByRole('textbox', { name: 'Message' }).fill(text);
      times.push(await page.evaluate((text) => new Promise((resolve) => {
        const box = document.querySelector('textarea[aria-label="Message"]');
        const list = document.querySelector('ul[aria-label="Messages"]');
        const sent = () => [...list.querySelectorAll('li')].some((li) => li.textContent.includes(text) && /\bSent\b/.test(li.textContent));
        const start = performance.now();
        new MutationObserver((_, observer) => {
          if (sent()) { observer.disconnect(); resolve(performance.now() - start); }
        }).observe(list, { subtree: true, childList: true, characterData: true });
        box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      }), text));
    }
    await signOut(page, { wipe: true });
    return stats(times).median;
  });
}

/** 2: the tab closed, Bob sends CATCH_UP; reopened, how long until the last is in. */
async function catchUp(browser, contact) {
  return withPage(browser, async (page) => {
    await signIn(page, ALICE, { remember: true });
    await online(page);
    // A message read first, as a person would: the position to catch up from is kept.
    await openChat(page, BOB.jid);
    const first = `before ${Date.now().toString(36)}`;
    contact.chat(ALICE.jid, first);
    await page.getByRole('list', { name: 'Messages' }).getByText(first).waitFor();
    await page.waitForTimeout(500);
    await page.goto('about:blank');
    const tag = `catchup${Date.now().toString(36)}`;
    for (let i = 1; i <= CATCH_UP; i++) contact.chat(ALICE.jid, `${tag} ${i}`);
    await contact.sync();
    await page.goto(`${KITH_URL}#/chats`);
    const last = `${tag} ${CATCH_UP}`;
    await page.getByRole('list', { name: 'Conversations' }).getByText(last).waitFor({ timeout: 300000 });
    const result = await page.evaluate(() => {
      const online = performance.getEntriesByName('kith:online').at(-1)?.startTime;
      return { online, seen: performance.now(), longest: window.__kith_longest_task };
    });
    await signOut(page, { wipe: true });
    return { ms: result.seen - result.online, longestTask: result.longest };
  });
}

/** 3: CACHED messages written into the store as the app keeps them, then opened. */
async function openCached(browser) {
  return withPage(browser, async (page) => {
    await signIn(page, ALICE, { remember: true });
    await online(page);
    const peer = BOB.jid;
    await page.evaluate(async ({ account, peer, count }) => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('kith');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('messages', 'readwrite');
      const store = tx.objectStore('messages');
      const start = Date.now() - count * 60_000;
      for (let i = 0; i < count; i++) {
        const id = `cached-${i}`;
        const time = start + i * 60_000;
        const xml = `<message xmlns='jabber:client' from='${peer}/phone' to='${account}' type='chat' id='${id}'><body>Cached message ${i}: ${'lorem ipsum '.repeat(1 + (i % 7))}</body></message>`;
        store.put({ account, peer, id: `<${id}`, time, outgoing: false, xml });
      }
      await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
      db.close();
    }, { account: ALICE.jid, peer, count: CACHED });
    // A new page load reads what the store holds, as a warm start does (a hash change
    // alone would not load the page again).
    await page.goto('about:blank');
    await page.goto(`${KITH_URL}#/chats`);
    await online(page);
    const link = page.getByRole('list', { name: 'Conversations' }).getByRole('link').first();
    await link.waitFor();
    const newest = `Cached message ${CACHED - 1}:`;
    const painted = page.evaluate((newest) => new Promise((resolve) => {
      const start = performance.now();
      const check = () => {
        const list = document.querySelector('ul[aria-label="Messages"]');
        if (list && list.textContent.includes(newest)) {
          requestAnimationFrame(() => resolve({
            ms: performance.now() - start,
            rendered: list.querySelectorAll('li').length,
          }));
        } else requestAnimationFrame(check);
      };
      check();
    }), newest);
    await link.click();
    const open = await painted;
    const scroll = await page.evaluate(() => new Promise((resolve) => {
      window.__kith_longest_task = 0;
      const step = () => {
        if (window.scrollY <= 0) {
          requestAnimationFrame(() => resolve({ longest: window.__kith_longest_task }));
          return;
        }
        window.scrollBy(0, -800);
        requestAnimationFrame(step);
      };
      step();
    }));
    await signOut(page, { wipe: true });
    return { ms: open.ms, rendered: open.rendered, scrollLongestTask: scroll.longest };
  });
}

async function main() {
  freshProsody();
  const browser = await launchBrowser();
  const contact = await bob();
  const report = { date: new Date().toISOString(), runs: RUNS, scenarios: {} };
  let failed = false;
  const attempt = async (name, fn) => {
    if (ONLY && !name.includes(ONLY)) return;
    try { report.scenarios[name] = await fn(); } catch (e) {
      failed = true;
      report.scenarios[name] = { error: String(e.message ?? e) };
      console.error(`bench-chat: ${name} failed: ${e.message ?? e}`);
    }
  };
  try {
    await attempt('send → server ack', async () => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await sendToAck(browser));
      return { medianOfTenMs: stats(runs) };
    });
    await attempt(`archive catch-up of ${CATCH_UP}`, async () => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await catchUp(browser, contact));
      const ms = stats(runs.map((r) => r.ms));
      return { onlineToLastMs: ms, messagesPerSecond: CATCH_UP / (ms.median / 1000), longestTaskMs: stats(runs.map((r) => r.longestTask)) };
    });
    await attempt(`open a ${CACHED}-message cached conversation`, async () => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await openCached(browser));
      return {
        clickToNewestPaintedMs: stats(runs.map((r) => r.ms)),
        rowsInDom: runs.map((r) => r.rendered),
        scrollToTopLongestTaskMs: stats(runs.map((r) => r.scrollLongestTask)),
      };
    });
  } finally {
    await contact.close();
    await browser.close();
  }
  mkdirSync(`${root}target/bench`, { recursive: true });
  writeFileSync(`${root}target/bench/chat.json`, JSON.stringify(report, null, 2));
  const ms = (s) => (s ? `${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})` : 'n/a');
  const s = report.scenarios;
  console.log(`\nKith chat bench — ${report.date}, median of ${RUNS}`);
  for (const [name, r] of Object.entries(s)) {
    if (r.error) { console.log(`  ${name}: failed (${r.error})`); continue; }
    if (r.medianOfTenMs) console.log(`  ${name}: ${ms(r.medianOfTenMs)}`);
    if (r.onlineToLastMs) console.log(`  ${name}: ${ms(r.onlineToLastMs)}, ${r.messagesPerSecond.toFixed(0)} messages/s, longest task ${ms(r.longestTaskMs)}`);
    if (r.clickToNewestPaintedMs) console.log(`  ${name}: click → newest painted ${ms(r.clickToNewestPaintedMs)} (rows in DOM ${r.rowsInDom.join(', ')}); scrolled to the top, longest task ${ms(r.scrollToTopLongestTaskMs)}`);
  }
  process.exit(failed ? 1 : 0);
}

main();
