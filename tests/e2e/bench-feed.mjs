// Kith's feed benchmark (the social-feed issue's figures), apart from bench.mjs: a private
// Prosody seeded with 100 contacts × 20 Movim-shaped posts, then, in headless Chromium,
//   1. feed sync, on ejabberd 23.01 as Debian ships it (seeded with the same posts; it
//      takes turns with Prosody on the same ports; its CPU is beam.smp's) and on two
//      configurations of the same seeded Prosody 0.12: as Debian ships
//      it (Lua GC defaults: incremental, threshold 105, speed 500) and with the GC option
//      Prosody documents, `gc = { mode = "incremental", threshold = 200 }`
//      (https://prosody.im/doc/advanced_gc; scripts/prosody KITH_PROSODY_GC=tuned). With
//      the defaults most of Prosody's CPU in this sync is Lua garbage collection, so the
//      figure depends on the server's config as much as on the app: both are reported.
//      The two alternate run by run, each on a freshly restarted server: first the
//      server alone (the same fetches by a small client, with and without XEP-0198, and
//      the +notify pushes an account's sign-in triggers), then Sign in click → the
//      "Syncing N / M contacts" status is gone and the Feed accounts for every post
//      (aria-setsize, plus any held behind "N new posts"); where the time goes (main
//      thread vs server CPU), longest main-thread task, memory;
//   2. the 2,000-post timeline, on the gc threshold 200 configuration only (its figures
//      are the client's; the faster server only shortens the sync it starts with): (a) warm start of a remembered account, kith:cached mark
//      (and navigation) → first article painted, with the IndexedDB read apart; (b) once
//      the server is quiet, the Feed scrolled to its end, 800 px per animation frame,
//      under a longtask observer;
//   3. warm start offline: Alice with KITH_BENCH_WARM (1,000) contacts, the first 100
//      with the posts above, everything in IndexedDB, Prosody stopped, #/feed reloaded:
//      navigation → first article painted.
// Seeding publishes on the gc threshold 200 configuration (seconds; ~140 s as shipped).
// Reports, never asserts; exits non-zero only when a scenario fails to run.
// Prints a summary and writes target/bench/feed.json.
//
//   cd tests/e2e && KITH_URL=http://127.0.0.1:8300/ KITH_WS=ws://127.0.0.1:5780/xmpp-websocket \
//     node --experimental-websocket bench-feed.mjs
//
// KITH_URL: the release dist/, served (scripts/serve). Its config.json does not matter:
// every page gets one pointing at KITH_WS. KITH_WS: where this script's own Prosody
// (instance KITH_FEED_INSTANCE, default "feedbench", wiped and seeded on every run)
// listens; its c2s port is KITH_FEED_C2S_PORT (default 5722). Both must be free.
//   KITH_BENCH_RUNS=3        runs per figure (min / median / max), per server config
//   KITH_FEED_GC=both        the sync on both server configs, or only `default` / `tuned`
//   KITH_FEED_CONTACTS=100   KITH_FEED_POSTS=20 (per contact)
//   KITH_FEED_REUSE=1        keep the instance seeded by an earlier run (development)
//   KITH_FEED_ONLY=sync|timeline|warm   one scenario only
//   KITH_FEED_SMACKS=both    the sync on Prosody as shipped with mod_smacks off, too
//   KITH_FEED_EJABBERD=0     no ejabberd run (its instance: target/ejabberd-feedbench,
//                            Erlang distribution port KITH_WS's port + 10)
//   KITH_BENCH_WARM=1000     contacts for the offline warm start
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { ALICE, DOMAIN, KITH_URL, KITH_WS, launchBrowser, signOut } from './kith.mjs';
import { XmppClient, esc } from './xmpp.mjs';

const RUNS = Number(process.env.KITH_BENCH_RUNS ?? 3);
const CONTACTS = Number(process.env.KITH_FEED_CONTACTS ?? 100);
const POSTS = Number(process.env.KITH_FEED_POSTS ?? 20);
const REUSE = process.env.KITH_FEED_REUSE === '1';
/** Contacts in the roster for the offline warm start (the first CONTACTS have posts). */
const WARM_CONTACTS = Number(process.env.KITH_BENCH_WARM ?? 1000);
const ONLY = process.env.KITH_FEED_ONLY;
const HTTP_PORT = new URL(KITH_WS).port;
const C2S_PORT = process.env.KITH_FEED_C2S_PORT ?? '5722';
const INSTANCE = process.env.KITH_FEED_INSTANCE ?? 'feedbench';
/** The server configurations the sync is measured on (scripts/prosody KITH_PROSODY_GC, then ejabberd). */
const SERVER_CONFIGS = [
  {
    key: 'shipped', server: 'prosody', gc: 'default', option: null,
    label: 'Prosody 0.12 as shipped',
    detail: 'default Lua GC: incremental, threshold 105, speed 500',
  },
  {
    key: 'gc200', server: 'prosody', gc: 'tuned', option: 'gc = { mode = "incremental", threshold = 200 }',
    label: 'with gc threshold 200 (prosody.im/doc/advanced_gc)',
    detail: 'gc = { mode = "incremental", threshold = 200 }',
  },
].filter((c) => [c.gc, 'both'].includes(process.env.KITH_FEED_GC ?? 'both'));
/** Prosody as shipped but without mod_smacks (KITH_FEED_SMACKS=both adds it): what the
 * app's XEP-0198 costs the server in the sync, beside the small client's figure. */
if (process.env.KITH_FEED_SMACKS === 'both') {
  SERVER_CONFIGS.splice(1, 0, {
    key: 'shipped-nosm', server: 'prosody', gc: 'default', smacks: 'off', option: 'mod_smacks off',
    label: 'Prosody 0.12 as shipped, mod_smacks off',
    detail: 'default Lua GC; modules_enabled without "smacks" (scripts/prosody KITH_PROSODY_SMACKS=off)',
  });
}
/** ejabberd as Debian ships it, with scripts/ejabberd.yml.in (mod_stream_mgmt on):
 * the second server the app must work with. KITH_FEED_EJABBERD=0 leaves it out. */
const EJABBERD_VERSION = debianVersion('ejabberd');
if (process.env.KITH_FEED_EJABBERD !== '0' && EJABBERD_VERSION) {
  SERVER_CONFIGS.push({
    key: 'ejabberd', server: 'ejabberd', gc: null, option: null,
    label: `ejabberd ${EJABBERD_VERSION.split('-')[0]} as shipped`,
    detail: `ejabberd ${EJABBERD_VERSION} (Debian), scripts/ejabberd.yml.in`,
  });
}
/** Seeding and the timeline scenario: the faster configuration. */
const TUNED = 'tuned';
const MICROBLOG = 'urn:xmpp:microblog:0';
/** The app's first page per contact never synced (src/service/feed.rs FIRST_PAGE). */
const FIRST_PAGE = 20;
/** Item requests the app keeps in flight (src/service/feed.rs MAX_IN_FLIGHT). */
const MAX_IN_FLIGHT = 6;
const root = new URL('../../', import.meta.url).pathname;
const prosodyDir = `${root}target/prosody-${INSTANCE}`;

const demo = Object.fromEntries(readFileSync(`${root}scripts/demo.env`, 'utf8')
  .split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)));
const contactJid = (i) => `contact${String(i).padStart(4, '0')}@${DOMAIN}`;

const stats = (values) => {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return { min: null, median: null, max: null, runs: values };
  return { min: v[0], median: v[Math.floor(v.length / 2)], max: v[v.length - 1], runs: values };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- Prosody -------------------------------------------------------------------------

function prosody(...args) {
  execFileSync(`${root}scripts/prosody`, args, {
    env: { ...process.env, KITH_EXTRA_CONTACTS: String(CONTACTS) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The GC configuration the instance runs with now (KITH_PROSODY_GC), null when stopped. */
let runningGc = null;
/** Which server listens on HTTP_PORT now ('prosody', 'ejabberd'): the two take turns. */
let running = null;
/** (Re)starts the instance with `gc` (scripts/prosody KITH_PROSODY_GC): a fresh process,
 * reading the seeded data from its storage. */
function startProsody(gc, contacts = CONTACTS, smacks = 'on') {
  runningGc = null;
  if (running === 'ejabberd') ejabberd('stop', INSTANCE);
  running = null;
  execFileSync(`${root}scripts/prosody`, ['start', INSTANCE, HTTP_PORT, C2S_PORT], {
    env: { ...process.env, KITH_EXTRA_CONTACTS: String(contacts), KITH_PROSODY_GC: gc, KITH_PROSODY_SMACKS: smacks },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  runningGc = smacks === 'on' ? gc : null;
  running = 'prosody';
}

// ---- ejabberd ------------------------------------------------------------------------

const ejabberdDir = `${root}target/ejabberd-${INSTANCE}`;
const EJABBERD_DIST_PORT = String(Number(HTTP_PORT) + 10);

function ejabberd(...args) {
  execFileSync(`${root}scripts/ejabberd`, args, {
    env: { ...process.env, KITH_EXTRA_CONTACTS: String(CONTACTS) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** (Re)starts ejabberd on the same ports as Prosody (which it stops): the page's
 * KITH_WS stays the same. A fresh VM, reading the seeded data from its Mnesia spool. */
function startEjabberd() {
  runningGc = null;
  if (running === 'prosody') prosody('stop', INSTANCE);
  running = null;
  ejabberd('start', INSTANCE, HTTP_PORT, C2S_PORT, EJABBERD_DIST_PORT);
  running = 'ejabberd';
}

/** An installed package's Debian version, for the report. */
function debianVersion(name) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
  } catch {
    return null;
  }
}
const prosodyVersion = () => debianVersion('prosody');

/** CPU seconds the running server has used so far (utime + stime of its process:
 * Prosody's, or ejabberd's Erlang VM, beam.smp, whose pid ejabberd writes). */
function serverCpu() {
  try {
    const file = running === 'ejabberd' ? `${ejabberdDir}/ejabberd.pid` : `${prosodyDir}/prosody.pid`;
    const pid = readFileSync(file, 'utf8').trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, CLK_TCK = 100
  } catch {
    return null;
  }
}

/** Post `j` of contact `i`: the shape Movim publishes (tests/fixtures/xep0277/movim-post.xml),
 * with XHTML and Markdown bodies, a related link card, an image enclosure (the app's own
 * icon, so it loads) and a comments link; lengths vary so rows differ in height. */
function movimEntry(i, j) {
  const jid = contactJid(i);
  const id = `c${i}-p${j}`;
  // Interleaved in time: post j of every contact, then post j + 1, …, newest first.
  const published = new Date(Date.UTC(2026, 3, 2, 9) - (j * CONTACTS + i) * 60000).toISOString();
  const sentences = 1 + ((i * 7 + j * 3) % 5);
  const para = Array.from({ length: sentences }, (_, k) =>
    `Day ${j + 1} of the walk, note ${k + 1}: the ridge path from the village climbs through pine and broom before the long traverse.`);
  const image = `${KITH_URL}icon-192.png`;
  const node = `${MICROBLOG}:comments/${id}`;
  return `<entry xmlns='http://www.w3.org/2005/Atom'>` +
    `<id>${id}</id><title>${esc(`Walk ${j + 1} by contact ${i}`)}</title>` +
    `<author><name>Contact ${String(i).padStart(4, '0')}</name><uri>xmpp:${jid}</uri></author>` +
    `<link rel='alternate' href='xmpp:${jid}?;node=${MICROBLOG};item=${id}'/>` +
    `<link rel='replies' title='comments' href='xmpp:${jid}?;node=${node}'/>` +
    `<link rel='related' href='https://example.org/trails/ridge-${j}' type='text/html' title='The ridge trail' description='Eight kilometres along the ridge' logo='${image}'/>` +
    `<link rel='enclosure' href='${image}' type='image/png' title='hills.png'/>` +
    `<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>We walked the <strong>ridge</strong> today.</p>` +
    `<ul><li>blossom</li><li>wind</li></ul>${para.map((p) => `<p>${esc(p)}</p>`).join('')}` +
    `<p>More at <a href='https://example.org/trails'>the trail site</a>. <a href='#hiking'>#hiking</a></p></div></content>` +
    `<content type='text'>${esc(`We walked the **ridge** today.\n\n- blossom\n- wind\n\n${para.join('\n\n')}\n\nMore at [the trail site](https://example.org/trails). #hiking`)}</content>` +
    `<published>${published}</published><category term='hiking'/><updated>${published}</updated></entry>`;
}

const publishIq = (id, entry) => `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` +
  `<publish node='${MICROBLOG}'><item id='${id}'>${entry}</item></publish>` +
  `<publish-options><x xmlns='jabber:x:data' type='submit'>` +
  `<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
  `<field var='pubsub#access_model'><value>open</value></field>` +
  `<field var='pubsub#max_items'><value>max</value></field></x></publish-options></pubsub>`;

/** Runs `work(i)` for i in 1..=n, `width` at a time. */
async function pool(n, width, work) {
  let next = 1;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next <= n) await work(next++);
  }));
}

/**
 * A fresh instance: alice's roster gets contact0001..N with subscription both (written
 * into Prosody's storage by `KITH_EXTRA_CONTACTS`; the accounts are copies of one
 * registered account file), then each contact signs in over the WebSocket and publishes
 * its posts (access model open, max_items max).
 */
async function seed() {
  const marker = `${prosodyDir}/feedbench-seeded`;
  const want = `${CONTACTS}x${POSTS}`;
  if (REUSE && existsSync(marker) && readFileSync(marker, 'utf8') === want) return { reused: true };
  const t0 = performance.now();
  prosody('wipe', INSTANCE);
  startProsody(TUNED);
  const started = performance.now();
  const cpu0 = serverCpu();
  await pool(CONTACTS, 10, async (i) => {
    const c = await XmppClient.connect({ url: KITH_WS, jid: contactJid(i), password: demo.KITH_CONTACT_PASSWORD, resource: 'seed' });
    try {
      for (let j = 0; j < POSTS; j++) await c.iq('set', publishIq(`c${i}-p${j}`, movimEntry(i, j)));
    } finally {
      await c.close();
    }
  });
  writeFileSync(marker, want);
  return {
    reused: false,
    prosodyGc: TUNED,
    method: `accounts and rosters written into Prosody's storage (scripts/prosody KITH_EXTRA_CONTACTS=${CONTACTS}); ` +
      `${CONTACTS * POSTS} posts published over the WebSocket, 10 contacts at a time, on Prosody with gc threshold 200`,
    serverStartMs: started - t0,
    publishMs: performance.now() - started,
    publishServerCpuMs: cpu0 == null ? null : (serverCpu() - cpu0) * 1000,
    postXmlBytes: movimEntry(1, 0).length,
  };
}

/**
 * The same accounts and posts on ejabberd (scripts/ejabberd KITH_EXTRA_CONTACTS: accounts
 * and rosters through its HTTP API). ejabberd 23.01 refuses `max_items` as a publish
 * option (resource-constraint), so each contact first creates its microblog node
 * configured to keep every item (open access), as Kith does there; then publishes.
 */
async function seedEjabberd() {
  const marker = `${ejabberdDir}/feedbench-seeded`;
  const want = `${CONTACTS}x${POSTS}`;
  if (REUSE && existsSync(marker) && readFileSync(marker, 'utf8') === want) return { reused: true };
  const t0 = performance.now();
  if (running === 'prosody') prosody('stop', INSTANCE);
  running = null;
  ejabberd('wipe', INSTANCE);
  startEjabberd();
  const started = performance.now();
  const cpu0 = serverCpu();
  const form = (type, fields) => `<x xmlns='jabber:x:data' type='submit'>` +
    `<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#${type}</value></field>` +
    Object.entries(fields).map(([k, v]) => `<field var='pubsub#${k}'><value>${v}</value></field>`).join('') + '</x>';
  // Concurrent node creations can deadlock in Mnesia ("Database failure", a cyclic
  // lock on pubsub_index): ejabberd aborts one, which is then asked again.
  const retried = async (c, payload) => {
    for (let k = 0; ; k++) {
      try {
        return await c.iq('set', payload);
      } catch (e) {
        if (k >= 5 || !/internal-server-error/.test(e.message)) throw e;
        await sleep(50 * (k + 1));
      }
    }
  };
  await pool(CONTACTS, 10, async (i) => {
    const c = await XmppClient.connect({ url: KITH_WS, jid: contactJid(i), password: demo.KITH_CONTACT_PASSWORD, resource: 'seed' });
    try {
      await retried(c, `<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='${MICROBLOG}'/>` +
        `<configure>${form('node_config', { access_model: 'open', max_items: 'max' })}</configure></pubsub>`);
      for (let j = 0; j < POSTS; j++) {
        await retried(c, `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` +
          `<publish node='${MICROBLOG}'><item id='c${i}-p${j}'>${movimEntry(i, j)}</item></publish>` +
          `<publish-options>${form('publish-options', { access_model: 'open' })}</publish-options></pubsub>`);
      }
    } finally {
      await c.close();
    }
  });
  writeFileSync(marker, want);
  return {
    reused: false,
    method: `accounts and rosters through ejabberd's HTTP API (scripts/ejabberd KITH_EXTRA_CONTACTS=${CONTACTS}); ` +
      `each microblog node created (open, max_items max), then ${CONTACTS * POSTS} posts published over the WebSocket, 10 contacts at a time`,
    serverStartMs: started - t0,
    publishMs: performance.now() - started,
    publishServerCpuMs: cpu0 == null ? null : (serverCpu() - cpu0) * 1000,
  };
}

/**
 * The server side alone: every roster member's microblog fetched with the app's request
 * (max_items 20 and RSM max 20, MAX_IN_FLIGHT at a time) by a small client, so the
 * browser's figure can be compared with what the server and the loopback cost: once
 * plain, once with XEP-0198 stream management enabled as Kith does (the server then
 * keeps a copy of every stanza it sends until acknowledged; this client never acks).
 * The first, one-at-a-time pass also counts the posts the Feed must end up showing.
 */
async function serverFloor({ streamManagement = true } = {}) {
  const owners = [ALICE.jid, `${demo.KITH_BOB}@${DOMAIN}`, ...Array.from({ length: CONTACTS }, (_, k) => contactJid(k + 1))];
  const request = `<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='${MICROBLOG}' max_items='${FIRST_PAGE}'/>` +
    `<set xmlns='http://jabber.org/protocol/rsm'><max>${FIRST_PAGE}</max></set></pubsub>`;
  const client = (resource) => XmppClient.connect({ url: KITH_WS, jid: contactJid(1), password: demo.KITH_CONTACT_PASSWORD, resource });
  const fetchWith = (c) => async (owner) => {
    const t = performance.now();
    const reply = await c.iq('get', request, owner).catch(() => '');
    return { ms: performance.now() - t, items: (reply.match(/<item\b/g) ?? []).length, bytes: reply.length };
  };
  const inFlight = async (c) => {
    const fetch = fetchWith(c);
    const cpu0 = serverCpu();
    const t = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, async () => {
      while (next < owners.length) await fetch(owners[next++]);
    }));
    return { ms: performance.now() - t, serverCpuMs: cpu0 == null ? null : (serverCpu() - cpu0) * 1000 };
  };
  const c = await client('floor');
  let plain;
  let serial;
  const pings = [];
  try {
    // The round trip alone: an iq the server answers at once (XEP-0199).
    for (let k = 0; k < 50; k++) {
      const t = performance.now();
      await c.iq('get', "<ping xmlns='urn:xmpp:ping'/>");
      pings.push(performance.now() - t);
    }
    serial = [];
    const fetch = fetchWith(c);
    for (const owner of owners) serial.push(await fetch(owner));
    plain = await inFlight(c);
  } finally {
    await c.close();
  }
  // A server without XEP-0198 (mod_smacks off) has no second pass.
  if (!streamManagement) return floorReport(owners, serial, pings, plain, { ms: null, serverCpuMs: null });
  const m = await client('floor-sm');
  let managed;
  try {
    m.send("<enable xmlns='urn:xmpp:sm:3'/>");
    await m.next(/^<enabled\b/);
    managed = await inFlight(m);
  } finally {
    await m.close();
  }
  return floorReport(owners, serial, pings, plain, managed);
}

function floorReport(owners, serial, pings, plain, managed) {
  return {
    owners: owners.length,
    expectedPosts: serial.reduce((a, r) => a + Math.min(r.items, FIRST_PAGE), 0),
    responseBytes: serial.reduce((a, r) => a + r.bytes, 0),
    pingMs: stats(pings),
    oneAtATimeMs: stats(serial.map((r) => r.ms)),
    oneAtATimeTotalMs: serial.reduce((a, r) => a + r.ms, 0),
    inFlight: MAX_IN_FLIGHT,
    inFlightMs: plain.ms,
    inFlightServerCpuMs: plain.serverCpuMs,
    inFlightStreamManagementMs: managed.ms,
    inFlightStreamManagementServerCpuMs: managed.serverCpuMs,
  };
}

/**
 * What the server does when an account that wants microblog notifications (XEP-0163
 * `+notify`, as Kith's caps say) comes online: each contact's PEP service asks for its
 * features, then pushes the contact's last post. Alice, played by a small client with
 * caps of its own, answers every disco#info; counted: the pushes and Prosody's CPU.
 * Over once 3 s pass without a frame after every contact has pushed; until then the
 * wait is 20 s (Prosody as shipped, under load, may send nothing for over 3 s between
 * the last disco#info and the first push).
 */
async function notifyBurst() {
  const c = await XmppClient.connect({ url: KITH_WS, jid: ALICE.jid, password: ALICE.password, resource: 'notify-probe' });
  try {
    const cpu0 = serverCpu();
    const t0 = performance.now();
    c.send(`<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://bench.example' ver='bench-${Date.now()}'/></presence>`);
    let events = 0;
    let discos = 0;
    let last = t0;
    for (;;) {
      const quiet = events >= CONTACTS ? 3000 : 20000;
      const frame = await c.next((f) => /^<message\b/.test(f) || (/^<iq\b/.test(f) && f.includes('disco#info')), quiet).catch(() => null);
      if (!frame) break;
      last = performance.now();
      if (frame.startsWith('<message')) {
        if (frame.includes('pubsub#event')) events++;
        continue;
      }
      const iq = frame.match(/^<iq\b[^>]*>/)[0];
      const id = /\bid=["']([^"']+)/.exec(iq)[1];
      const from = /\bfrom=["']([^"']+)/.exec(iq)?.[1];
      discos++;
      c.send(`<iq xmlns='jabber:client' type='result' id='${esc(id)}'${from ? ` to='${esc(from)}'` : ''}>` +
        `<query xmlns='http://jabber.org/protocol/disco#info'${/node=["']([^"']+)/.test(frame) ? ` node='${esc(/node=["']([^"']+)/.exec(frame)[1])}'` : ''}>` +
        `<identity category='client' type='web' name='bench'/><feature var='http://jabber.org/protocol/caps'/>` +
        `<feature var='${MICROBLOG}'/><feature var='${MICROBLOG}+notify'/></query></iq>`);
    }
    return { events, discoQueries: discos, ms: last - t0, serverCpuMs: cpu0 == null ? null : (serverCpu() - cpu0) * 1000 };
  } finally {
    await c.close();
  }
}

// ---- the page --------------------------------------------------------------------------

// Installed before any page script runs. Long tasks (start, duration); the first Feed
// article inserted and then painted (the task after the next frame); the sync status as
// it changes; each items request's round trip as the page sees it (send → message
// dispatched); the IndexedDB read of the cached timeline; the wasm instance.
const PROBES = () => {
  const f = window.__feed = { tasks: [], sync: [], items: [], idb: [], events: [], messages: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) f.tasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('TrunkApplicationStarted', (e) => { window.__kith_wasm = e.detail.wasm; });
  document.addEventListener('click', () => { f.click ??= performance.now(); }, true);

  const watch = new MutationObserver(() => {
    if (f.articleInserted == null && document.querySelector('[aria-label="Feed"] article')) {
      f.articleInserted = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { f.articlePainted = performance.now(); };
        channel.port2.postMessage(0);
      });
    }
    const status = document.querySelector('.feed-sync')?.textContent ?? null;
    if (status !== (f.sync.length ? f.sync[f.sync.length - 1][1] : null)) f.sync.push([performance.now(), status]);
  });
  watch.observe(document, { childList: true, subtree: true, characterData: true });

  const sent = new Map();
  const idOf = (frame) => /\bid=["']([^"']+)["']/.exec(frame)?.[1];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        f.messages.push(performance.now());
        if (e.data.startsWith('<message') && e.data.includes('pubsub#event')) f.events.push(performance.now());
        if (!e.data.startsWith('<iq') || !sent.size) return;
        const id = idOf(e.data.slice(0, 300));
        if (id && sent.has(id)) {
          f.items.push([sent.get(id), performance.now(), e.data.length]);
          sent.delete(id);
        }
      });
    }

    send(data) {
      if (typeof data === 'string' && data.startsWith('<iq') && data.includes('<items')) {
        const id = idOf(data);
        if (id) sent.set(id, performance.now());
      }
      return super.send(data);
    }
  };

  const openCursor = IDBIndex.prototype.openCursor;
  IDBIndex.prototype.openCursor = function (...args) {
    const request = openCursor.apply(this, args);
    if (this.objectStore.name === 'posts' && this.name === 'by_published') {
      const start = performance.now();
      const done = () => f.idb.push([start, performance.now()]);
      request.transaction.addEventListener('complete', done);
      request.transaction.addEventListener('abort', done);
    }
    return request;
  };
};

async function withPage(browser, body) {
  const context = await browser.newContext();
  // This script's Prosody, whatever the served dist's config.json says.
  await context.route('**/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ default_domain: DOMAIN, websocket_url: KITH_WS }),
  }));
  const page = await context.newPage();
  page.setDefaultTimeout(120000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(PROBES);
  try {
    return await body(page, context);
  } catch (e) {
    if (errors.length) e.message += `\npage errors: ${errors.join('\n')}`;
    throw e;
  } finally {
    await context.close();
  }
}

/** Chromium's own counters for the page's main thread (seconds, cumulative). */
async function mainThread(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { task: m.TaskDuration, script: m.ScriptDuration, layout: m.LayoutDuration, style: m.RecalcStyleDuration };
}
const threadDelta = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, (b[k] - a[k]) * 1000]));

/**
 * No sync is running and the Feed accounts for `n` posts: counted in the list
 * (aria-setsize) plus any held back behind the "N new posts" button (the app holds back
 * posts that arrive once a sync is over; see the report). Resolves to
 * { at: performance.now() at that frame, counted, held }.
 */
const feedComplete = (page, n) => page.waitForFunction((expected) => {
  if (document.querySelector('.feed-sync')) return false;
  const article = document.querySelector('[aria-label="Feed"] article[aria-setsize]');
  const counted = Number(article?.getAttribute('aria-setsize') ?? 0);
  const held = Number(/(\d+) new posts?/.exec(document.querySelector('button.new-posts')?.textContent ?? '')?.[1] ?? 0);
  return counted + held === expected && { at: performance.now(), counted, held };
}, n, { polling: 'raf', timeout: 180000 }).then((h) => h.jsonValue(), async (e) => {
  // Say what the page showed instead.
  const seen = await page.evaluate(() => ({
    status: [...document.querySelectorAll('[role=status]')].map((s) => s.textContent),
    setsize: document.querySelector('[aria-label="Feed"] article[aria-setsize]')?.getAttribute('aria-setsize') ?? null,
    newPosts: document.querySelector('button.new-posts')?.textContent ?? null,
    alert: document.querySelector('[role=alert]')?.textContent ?? null,
    hash: location.hash,
  })).catch(() => null);
  e.message += `; the page showed ${JSON.stringify(seen)}`;
  throw e;
});

async function signInAlice(page, { remember = false } = {}) {
  await page.goto(`${KITH_URL}#/feed`);
  await page.getByRole('textbox', { name: 'Jabber ID' }).fill(ALICE.jid);
  await page.getByLabel('Password').fill(ALICE.password);
  if (remember) await page.getByRole('checkbox', { name: 'Remember me on this device' }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const memory = (page) => page.evaluate(() => ({
  wasm: window.__kith_wasm?.memory?.buffer?.byteLength ?? null,
  heap: performance.memory?.usedJSHeapSize ?? null,
  domArticles: document.querySelectorAll('[aria-label="Feed"] article').length,
}));

/** Long tasks in which the page handled a WebSocket message (the probe's listener runs
 * first in the message's task), among those starting in from..to. */
const onMessages = (tasks, messages, from, to = Infinity) => tasks
  .filter(([start, d]) => start >= from && start <= to && messages.some((t) => t >= start && t <= start + d))
  .map(([, d]) => d);

const longTasks = (tasks, from, to = Infinity) => {
  const within = tasks.filter(([start]) => start >= from && start <= to).map(([, d]) => d);
  return {
    longest: within.length ? Math.max(...within) : 0,
    over50: within.filter((d) => d > 50).length,
    total: within.reduce((a, d) => a + d, 0),
  };
};

async function settle(page) {
  // Sign out properly and let the server settle, so the next run does not share the
  // server with this session's teardown.
  await signOut(page);
  await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
  await sleep(2000);
}

/** Scenario 1: a cold sign-in syncing every contact's microblog. */
async function feedSync(browser, expected) {
  return withPage(browser, async (page, context) => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${KITH_URL}#/feed`);
    await page.getByRole('textbox', { name: 'Jabber ID' }).fill(ALICE.jid);
    await page.getByLabel('Password').fill(ALICE.password);
    const before = await mainThread(cdp);
    const cpu0 = serverCpu();
    await page.getByRole('button', { name: 'Sign in' }).click();
    const { at, counted, held } = await feedComplete(page, expected);
    const cpu = serverCpu() - cpu0;
    const after = await mainThread(cdp);
    const probe = await page.evaluate(() => ({
      click: __feed.click,
      online: performance.getEntriesByName('kith:online')[0]?.startTime,
      roster: performance.getEntriesByName('kith:roster')[0]?.startTime,
      firstArticle: __feed.articlePainted,
      sync: __feed.sync,
      items: __feed.items,
      tasks: __feed.tasks,
      events: __feed.events,
      messages: __feed.messages,
    }));
    const mem = await memory(page);
    await settle(page);
    const firstSync = probe.sync.find(([, s]) => s)?.[0];
    const requests = probe.items.filter(([sent]) => sent >= probe.click && sent <= at);
    const tasks = longTasks(probe.tasks, probe.click, at);
    const thread = threadDelta(before, after);
    // Where the long tasks fall: by how many contacts were done when they ran (the status
    // text "Syncing d / t"), so a cost growing with the timeline shows.
    const progress = probe.sync.filter(([, text]) => text).map(([t, text]) => [t, ...text.match(/(\d+) \/ (\d+)/).slice(1).map(Number)]);
    const doneAt = (t) => {
      const last = progress.filter(([when]) => when <= t).pop();
      return last ? last[1] / last[2] : (t > (progress[0]?.[0] ?? 0) ? 1 : 0);
    };
    const quarters = [[], [], [], []];
    for (const [start, d] of probe.tasks) {
      if (start >= probe.click && start <= at) quarters[Math.min(3, Math.floor(doneAt(start) * 4))].push(d);
    }
    const longestEntry = probe.tasks.filter(([start]) => start >= probe.click && start <= at).sort((a, b) => b[1] - a[1])[0];
    const events = probe.events.filter((t) => t >= probe.click && t <= at);
    const networkTasks = onMessages(probe.tasks, probe.messages, probe.click, at);
    return {
      counted,
      held,
      fromClick: at - probe.click,
      clickToOnline: probe.online - probe.click,
      onlineToRoster: probe.roster - probe.online,
      rosterToSyncShown: firstSync != null ? firstSync - probe.roster : null,
      clickToFirstArticle: probe.firstArticle - probe.click,
      statusUpdates: probe.sync.filter(([t, s]) => s && t >= probe.click).length,
      itemsRequests: requests.length,
      itemsRoundTripMs: stats(requests.map(([s, r]) => r - s)).median,
      itemsRoundTripMaxMs: Math.max(0, ...requests.map(([s, r]) => r - s)),
      // From the first items request sent to the last answer dispatched.
      requestSpanMs: requests.length ? Math.max(...requests.map(([, r]) => r)) - Math.min(...requests.map(([s]) => s)) : null,
      longestTask: tasks.longest,
      longestTaskAt: longestEntry ? { msFromClick: longestEntry[0] - probe.click, contactsDone: doneAt(longestEntry[0]) } : null,
      longTasksByProgressQuarter: quarters.map((q) => ({ count: q.length, medianMs: stats(q).median, totalMs: q.reduce((a, d) => a + d, 0) })),
      pubsubEvents: events.length,
      pubsubEventsSpanMs: events.length ? [events[0] - probe.click, events[events.length - 1] - probe.click] : null,
      tasksOver50: tasks.over50,
      longTaskTotal: tasks.total,
      longTasksHandlingMessages: networkTasks.length,
      mainThreadShare: thread.task / (at - probe.click),
      serverShare: cpu == null ? null : (cpu * 1000) / (at - probe.click),
      mainThreadBusyMs: thread.task,
      scriptMs: thread.script,
      layoutMs: thread.layout,
      styleMs: thread.style,
      serverCpuMs: cpu == null ? null : cpu * 1000,
      wasmMemory: mem.wasm,
      jsHeap: mem.heap,
      domArticles: mem.domArticles,
    };
  });
}

/** How many posts this device's IndexedDB holds (the app's 'posts' store). */
const storedPosts = (page) => page.evaluate(async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'kith')) return 0;
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('kith');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const count = db.transaction('posts', 'readonly').objectStore('posts').count();
    return await new Promise((resolve, reject) => {
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    });
  } finally {
    db.close();
  }
});

/**
 * Scenario 2: Alice signs in remembered and syncs; once IndexedDB holds every post,
 * #/feed is reloaded (Prosody stays up, as on a real warm start): (a) kith:cached mark
 * and navigation → first article painted; then, once the catch-up sync is over, (b) the
 * Feed scrolled to its last post under the longtask observer.
 */
async function timeline(browser, expected) {
  return withPage(browser, async (page) => {
    await signInAlice(page, { remember: true });
    await feedComplete(page, expected);
    const deadline = Date.now() + 60000;
    while ((await storedPosts(page)) < expected) {
      if (Date.now() > deadline) throw new Error('the posts never all reached IndexedDB');
      await sleep(200);
    }
    await sleep(500); // the sync cursors and the last write-behind batch
    await page.reload({ waitUntil: 'commit' });
    const complete = await page.waitForFunction((n) => {
      const article = document.querySelector('[aria-label="Feed"] article[aria-setsize]');
      return window.__feed?.articlePainted != null && article?.getAttribute('aria-setsize') === n && performance.now();
    }, String(expected), { polling: 'raf' }).then((h) => h.jsonValue());
    const warm = await page.evaluate(() => ({
      cached: performance.getEntriesByName('kith:cached')[0]?.startTime ?? null,
      online: performance.getEntriesByName('kith:online')[0]?.startTime ?? null,
      inserted: __feed.articleInserted,
      painted: __feed.articlePainted,
      idb: __feed.idb,
      tasks: __feed.tasks,
      serviceWorker: Boolean(navigator.serviceWorker?.controller),
      signInForm: document.querySelector('input[type=password]') !== null,
    }));
    if (warm.signInForm || warm.cached == null) throw new Error('the reload was not a warm start');
    const read = warm.idb.find(([start]) => start >= warm.cached) ?? warm.idb[0];
    const startup = longTasks(warm.tasks, 0, warm.painted);

    // (b) The catch-up sync over (with the server up it runs right after the reload).
    // Then quiet: nothing from the server for 3 s (the pubsub notifications of the
    // contacts' last items, comments fetched after the sync, …), so that the scroll is
    // measured alone; what arrives anyway is counted apart.
    await page.waitForFunction(() => performance.getEntriesByName('kith:online').length > 0 &&
      !document.querySelector('.feed-sync'), null, { polling: 200 });
    const quietFrom = Date.now();
    await page.waitForFunction(() => performance.now() - (__feed.messages.at(-1) ?? 0) > 3000, null, { polling: 250, timeout: 120000 });
    const quietWait = Date.now() - quietFrom;
    const scroll = await page.evaluate((n) => new Promise((resolve, reject) => {
      window.scrollTo(0, 0);
      const f = window.__feed;
      const from = performance.now();
      const frames = [];
      let maxRows = 0;
      let last = from;
      let steps = 0;
      const step = (now) => {
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, document.querySelectorAll('[aria-label="Feed"] article').length);
        if (document.querySelector(`[aria-label="Feed"] article[aria-posinset="${n}"]`)) {
          // One more frame so that a task triggered by the last step is observed.
          requestAnimationFrame(() => setTimeout(() => resolve({ from, to: performance.now(), frames, steps, maxRows, tasks: f.tasks, messages: f.messages }), 100));
          return;
        }
        if (++steps > 20000) { reject(new Error(`never reached post ${n}`)); return; }
        window.scrollBy(0, 800);
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    }), expected);
    const during = longTasks(scroll.tasks, scroll.from, scroll.to);
    const duringMessages = onMessages(scroll.tasks, scroll.messages, scroll.from, scroll.to);
    const messagesDuring = scroll.messages.filter((t) => t >= scroll.from && t <= scroll.to).length;
    const frames = scroll.frames.slice(1);
    const mem = await memory(page);
    await settle(page);
    return {
      navigationToCachedMark: warm.cached,
      cachedMarkToFirstArticle: warm.painted - warm.cached,
      navigationToFirstArticle: warm.painted,
      navigationToAllCounted: complete,
      idbReadMs: read ? read[1] - read[0] : null,
      idbReadEndToFirstArticle: read ? warm.painted - read[1] : null,
      cachedMarkToIdbReadStart: read ? read[0] - warm.cached : null,
      insertedToPainted: warm.painted - warm.inserted,
      startupLongestTask: startup.longest,
      onlineBeforeFirstArticle: warm.online != null && warm.online < warm.painted,
      serviceWorker: warm.serviceWorker,
      scrollMs: scroll.to - scroll.from,
      scrollSteps: scroll.steps,
      scrollLongestTask: during.longest,
      scrollTasksOver50: during.over50,
      scrollTasksHandlingMessages: duringMessages.filter((d) => d > 50).length,
      scrollMessages: messagesDuring,
      quietWaitMs: quietWait,
      scrollFramesOver50: frames.filter((d) => d > 50).length,
      scrollLongestFrame: Math.max(...frames),
      scrollMedianFrame: stats(frames).median,
      scrollMaxDomArticles: scroll.maxRows,
      wasmMemory: mem.wasm,
      jsHeap: mem.heap,
    };
  });
}

/** How many contacts this device's IndexedDB holds for `jid` (the app's 'roster' store). */
const storedContacts = (page, jid) => page.evaluate(async (jid) => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'kith')) return 0;
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('kith');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const count = db.transaction('roster', 'readonly').objectStore('roster').count(IDBKeyRange.bound([jid], [jid, []]));
    return await new Promise((resolve, reject) => {
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    });
  } finally {
    db.close();
  }
}, jid);

/**
 * Scenario 3: warm start with the server unreachable. Alice (WARM_CONTACTS contacts, the
 * first CONTACTS with posts) signs in remembered and syncs; once IndexedDB holds every
 * post and contact, Prosody stops and #/feed is reloaded: navigation → first article
 * painted, offline from the cache. Leaves Prosody stopped.
 */
async function warmOffline(browser, expected, contacts) {
  startProsody(TUNED, contacts);
  return withPage(browser, async (page) => {
    await signInAlice(page, { remember: true });
    await feedComplete(page, expected);
    const deadline = Date.now() + 60000;
    while ((await storedPosts(page)) < expected || (await storedContacts(page, ALICE.jid)) < contacts + 1) {
      if (Date.now() > deadline) throw new Error('the posts and contacts never all reached IndexedDB');
      await sleep(200);
    }
    await sleep(500); // the sync cursors and the last write-behind batch
    prosody('stop', INSTANCE);
    running = null;
    runningGc = null;
    await page.reload({ waitUntil: 'commit' });
    const painted = await page.waitForFunction(() => window.__feed?.articlePainted ?? false, null, { polling: 'raf' })
      .then((h) => h.jsonValue());
    // Observers hear of a long task a little after it ends.
    const warm = await page.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 500));
      return {
        cached: performance.getEntriesByName('kith:cached')[0]?.startTime ?? null,
        boot: performance.getEntriesByName('kith:boot')[0]?.startTime ?? null,
        store: performance.getEntriesByName('kith:store')[0]?.startTime ?? null,
        wasm: performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'))?.responseEnd ?? null,
        online: performance.getEntriesByName('kith:online').length > 0,
        signInForm: document.querySelector('input[type=password]') !== null,
        serviceWorker: Boolean(navigator.serviceWorker?.controller),
        idb: __feed.idb,
        tasks: __feed.tasks,
        counted: Number(document.querySelector('[aria-label="Feed"] article[aria-setsize]')?.getAttribute('aria-setsize') ?? 0),
      };
    });
    if (warm.online || warm.signInForm || warm.cached == null) throw new Error('the warm start was not offline from the cache');
    const read = warm.idb.find(([start]) => start >= warm.cached) ?? warm.idb[0];
    return {
      navigationToFirstArticle: painted,
      navigationToCachedMark: warm.cached,
      cachedMarkToFirstArticle: painted - warm.cached,
      navigationToWasmLoaded: warm.wasm,
      navigationToBootMark: warm.boot,
      bootToStoreOpen: warm.store - warm.boot,
      storeOpenToCachedMark: warm.cached - warm.store,
      idbReadMs: read ? read[1] - read[0] : null,
      longestTask: longTasks(warm.tasks, 0, painted).longest,
      counted: warm.counted,
      serviceWorker: warm.serviceWorker,
    };
  });
}

// ---- main ------------------------------------------------------------------------------

// Interrupted: leave no Prosody behind (the browser goes with this process).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try { prosody('stop', INSTANCE); } catch { /* nothing to stop */ }
    if (running === 'ejabberd') try { ejabberd('stop', INSTANCE); } catch { /* nothing to stop */ }
    process.exit(130);
  });
}

/** The machine's load averages (1, 5, 15 min): the cores are shared. */
const load = () => loadavg().map((x) => Number(x.toFixed(2)));

/** A freshly started server with `gc`, and the server-alone figures measured on it
 * (the first pass also loads every microblog from storage); leaves it running. */
async function serverPass(config) {
  if (config.server === 'ejabberd') startEjabberd();
  else startProsody(config.gc, CONTACTS, config.smacks ?? 'on');
  const server = await serverFloor({ streamManagement: config.smacks !== 'off' });
  server.notifyOnSignIn = await notifyBurst();
  await sleep(2000);
  return server;
}

/** The server-alone figures of several passes: min / median / max of each. */
function serverStats(passes) {
  const s = (f) => stats(passes.map(f));
  const b = (p) => p.notifyOnSignIn;
  return {
    owners: passes[0].owners,
    expectedPosts: passes[0].expectedPosts,
    responseBytes: passes[0].responseBytes,
    inFlight: passes[0].inFlight,
    pingMedianMs: s((p) => p.pingMs.median),
    oneAtATimeTotalMs: s((p) => p.oneAtATimeTotalMs),
    oneAtATimeMedianMs: s((p) => p.oneAtATimeMs.median),
    inFlightMs: s((p) => p.inFlightMs),
    inFlightServerCpuMs: s((p) => p.inFlightServerCpuMs),
    inFlightStreamManagementMs: s((p) => p.inFlightStreamManagementMs),
    inFlightStreamManagementServerCpuMs: s((p) => p.inFlightStreamManagementServerCpuMs),
    notifyOnSignIn: {
      discoQueries: s((p) => b(p).discoQueries),
      events: s((p) => b(p).events),
      ms: s((p) => b(p).ms),
      serverCpuMs: s((p) => b(p).serverCpuMs),
    },
    // The app's sync as the server alone does it: the fetches with XEP-0198, plus the
    // +notify pushes of the sign-in.
    sameWorkServerCpuMs: s((p) => (p.inFlightStreamManagementServerCpuMs == null || b(p).serverCpuMs == null ? null
      : p.inFlightStreamManagementServerCpuMs + b(p).serverCpuMs)),
    perRun: passes,
  };
}

/** The feed sync's figures over its runs. */
function syncStats(runs) {
  const s = (k) => stats(runs.map((r) => r[k]));
  return {
    signInClickToAllVisibleMs: s('fromClick'),
    countedInList: s('counted'),
    heldBehindNewPosts: s('held'),
    clickToOnlineMs: s('clickToOnline'),
    onlineToRosterMs: s('onlineToRoster'),
    rosterToSyncStatusMs: s('rosterToSyncShown'),
    clickToFirstArticleMs: s('clickToFirstArticle'),
    itemsRequests: s('itemsRequests'),
    itemsRoundTripMedianMs: s('itemsRoundTripMs'),
    itemsRoundTripMaxMs: s('itemsRoundTripMaxMs'),
    requestSpanMs: s('requestSpanMs'),
    statusUpdates: s('statusUpdates'),
    longestTaskMs: s('longestTask'),
    tasksOver50: s('tasksOver50'),
    longTaskTotalMs: s('longTaskTotal'),
    pubsubEvents: s('pubsubEvents'),
    longTasksHandlingMessages: s('longTasksHandlingMessages'),
    mainThreadShareOfWall: s('mainThreadShare'),
    serverCpuShareOfWall: s('serverShare'),
    perRun: runs.map((r) => ({
      signInClickToAllVisibleMs: r.fromClick, loadAverage: r.loadAverage, longestTaskAt: r.longestTaskAt,
      longTasksByProgressQuarter: r.longTasksByProgressQuarter, pubsubEventsSpanMs: r.pubsubEventsSpanMs,
    })),
    mainThreadBusyMs: s('mainThreadBusyMs'),
    scriptMs: s('scriptMs'),
    layoutMs: s('layoutMs'),
    styleMs: s('styleMs'),
    serverCpuMs: s('serverCpuMs'),
    wasmMemoryBytes: s('wasmMemory'),
    jsHeapBytes: s('jsHeap'),
    domArticles: s('domArticles'),
  };
}

const describe = (c) => ({ key: c.key, server: c.server ?? 'prosody', label: c.label, detail: c.detail, KITH_PROSODY_GC: c.gc, option: c.option });
const tunedConfig = SERVER_CONFIGS.find((c) => c.gc === TUNED) ?? {
  key: 'gc200', gc: TUNED, label: 'with gc threshold 200 (prosody.im/doc/advanced_gc)',
  detail: 'gc = { mode = "incremental", threshold = 200 }', option: 'gc = { mode = "incremental", threshold = 200 }',
};

async function main() {
  const report = {
    date: new Date().toISOString(), cores: cpus().length, loadAverage: { start: load() }, runs: RUNS,
    url: KITH_URL, ws: KITH_WS, instance: INSTANCE,
    ejabberd: { debianVersion: EJABBERD_VERSION },
    prosody: { debianVersion: prosodyVersion(), syncConfigs: SERVER_CONFIGS.map(describe), timelineConfig: tunedConfig.key },
    contacts: CONTACTS, postsPerContact: POSTS, scenarios: {},
  };
  let failed = false;
  const wanted = (name) => !ONLY || name.startsWith(ONLY === 'sync' ? 'feed sync' : ONLY);
  const attempt = async (name, fn) => {
    if (!wanted(name)) return;
    try { report.scenarios[name] = await fn(); } catch (e) {
      failed = true;
      report.scenarios[name] = { error: String(e.message ?? e) };
      console.error(`bench-feed: ${name} failed: ${e.stack ?? e}`);
    }
  };
  let browser;
  try {
    // An ejabberd left by an interrupted run would hold the ports.
    if (EJABBERD_VERSION) ejabberd('stop', INSTANCE);
    report.seed = await seed();
    running = 'prosody';
    const ej = SERVER_CONFIGS.find((c) => c.server === 'ejabberd');
    if (ej && wanted(`feed sync (${CONTACTS} contacts x ${POSTS} posts)`)) {
      try {
        report.seedEjabberd = await seedEjabberd();
      } catch (e) {
        failed = true;
        report.seedEjabberd = { error: String(e.message ?? e) };
        console.error(`bench-feed: seeding ejabberd failed: ${e.stack ?? e}`);
        SERVER_CONFIGS.splice(SERVER_CONFIGS.indexOf(ej), 1);
      }
    }
    browser = await launchBrowser();
    const syncName = `feed sync (${CONTACTS} contacts x ${POSTS} posts)`;
    if (wanted(syncName)) {
      // The configurations alternate run by run (the order flips every run), each run on
      // a freshly started server, so that the shared machine's changing load falls on
      // both alike. A configuration whose run fails is not run again.
      const per = Object.fromEntries(SERVER_CONFIGS.map((c) => [c.key, { servers: [], syncs: [], error: null }]));
      for (let i = 0; i < RUNS; i++) {
        for (const c of i % 2 ? [...SERVER_CONFIGS].reverse() : SERVER_CONFIGS) {
          const p = per[c.key];
          if (p.error) continue;
          try {
            const server = await serverPass(c);
            if (c.server !== 'ejabberd') report.expectedPosts ??= server.expectedPosts;
            const loadAverage = load();
            // Each server's own count: what its seeded microblogs answer the app's request.
            const sync = await feedSync(browser, server.expectedPosts);
            p.servers.push(server);
            p.syncs.push({ ...sync, loadAverage });
          } catch (e) {
            failed = true;
            p.error = String(e.message ?? e);
            console.error(`bench-feed: ${syncName}, ${c.label}, run ${i + 1} failed: ${e.stack ?? e}`);
          }
        }
      }
      for (const c of SERVER_CONFIGS) {
        const p = per[c.key];
        report.scenarios[`${syncName}, ${c.label}`] = p.error
          ? { config: describe(c), error: p.error }
          : { sync: true, config: describe(c), expectedPosts: p.servers[0]?.expectedPosts, server: serverStats(p.servers), ...syncStats(p.syncs) };
      }
    }
    if (wanted('timeline')) {
      // One configuration is enough here: the figures are the client's (IndexedDB, first
      // paint, scrolling); the faster server only shortens the sync each run starts with.
      if (runningGc !== TUNED || failed) startProsody(TUNED);
      if (report.expectedPosts == null) report.expectedPosts = (await serverFloor()).expectedPosts;
      await sleep(2000);
      const expected = report.expectedPosts;
      await attempt(`timeline (${expected.toLocaleString('en')} posts)`, async () => {
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await timeline(browser, expected));
        const s = (k) => stats(runs.map((r) => r[k]));
        return {
          timeline: true,
          config: describe(tunedConfig),
          cachedMarkToFirstArticleMs: s('cachedMarkToFirstArticle'),
          navigationToFirstArticleMs: s('navigationToFirstArticle'),
          navigationToCachedMarkMs: s('navigationToCachedMark'),
          navigationToAllCountedMs: s('navigationToAllCounted'),
          cachedMarkToIdbReadStartMs: s('cachedMarkToIdbReadStart'),
          idbReadMs: s('idbReadMs'),
          idbReadEndToFirstArticleMs: s('idbReadEndToFirstArticle'),
          insertedToPaintedMs: s('insertedToPainted'),
          startupLongestTaskMs: s('startupLongestTask'),
          onlineBeforeFirstArticle: runs.map((r) => r.onlineBeforeFirstArticle),
          servedByServiceWorker: runs.map((r) => r.serviceWorker),
          scrollMs: s('scrollMs'),
          scrollSteps: s('scrollSteps'),
          scrollLongestTaskMs: s('scrollLongestTask'),
          scrollTasksOver50: s('scrollTasksOver50'),
          scrollTasksHandlingMessages: s('scrollTasksHandlingMessages'),
          scrollMessages: s('scrollMessages'),
          quietWaitMs: s('quietWaitMs'),
          scrollFramesOver50: s('scrollFramesOver50'),
          scrollLongestFrameMs: s('scrollLongestFrame'),
          scrollMedianFrameMs: s('scrollMedianFrame'),
          scrollMaxDomArticles: s('scrollMaxDomArticles'),
          wasmMemoryBytes: s('wasmMemory'),
          jsHeapBytes: s('jsHeap'),
        };
      });
    }
    const warmName = `warm start offline (${WARM_CONTACTS.toLocaleString('en')} contacts, ${(report.expectedPosts ?? CONTACTS * POSTS).toLocaleString('en')} posts cached)`;
    if (wanted('warm')) {
      if (report.expectedPosts == null) {
        startProsody(TUNED);
        report.expectedPosts = (await serverFloor()).expectedPosts;
      }
      const expected = report.expectedPosts;
      await attempt(warmName, async () => {
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await warmOffline(browser, expected, WARM_CONTACTS));
        const s = (k) => stats(runs.map((r) => r[k]));
        return {
          warmOffline: true,
          contacts: WARM_CONTACTS,
          posts: expected,
          navigationToFirstArticleMs: s('navigationToFirstArticle'),
          navigationToCachedMarkMs: s('navigationToCachedMark'),
          navigationToWasmLoadedMs: s('navigationToWasmLoaded'),
          navigationToBootMarkMs: s('navigationToBootMark'),
          bootToStoreOpenMs: s('bootToStoreOpen'),
          storeOpenToCachedMarkMs: s('storeOpenToCachedMark'),
          cachedMarkToFirstArticleMs: s('cachedMarkToFirstArticle'),
          idbReadMs: s('idbReadMs'),
          longestTaskMs: s('longestTask'),
          countedAtFirstArticle: s('counted'),
          servedByServiceWorker: runs.map((r) => r.serviceWorker),
        };
      });
    }
  } catch (e) {
    failed = true;
    report.error = String(e.message ?? e);
    console.error(`bench-feed: ${e.stack ?? e}`);
  } finally {
    await browser?.close();
    try { prosody('stop', INSTANCE); } catch { /* reported by scripts/prosody */ }
    if (running === 'ejabberd') try { ejabberd('stop', INSTANCE); } catch { /* reported by scripts/ejabberd */ }
  }
  report.loadAverage.end = load();

  mkdirSync(`${root}target/bench`, { recursive: true });
  writeFileSync(`${root}target/bench/feed.json`, JSON.stringify(report, null, 2));
  printSummary(report);
  process.exit(failed ? 1 : 0);
}

function printSummary(report) {
  const ms = (s) => (s?.median == null ? 'n/a' : `${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`);
  const n = (s) => (s?.median == null ? 'n/a' : `${s.median} (min ${s.min}, max ${s.max})`);
  const mib = (s) => (s?.median == null ? 'n/a' : `${(s.median / 1048576).toFixed(1)} MiB`);
  const pct = (x) => (x?.median == null ? 'n/a' : `${(x.median * 100).toFixed(0)}%`);
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nKith feed bench — ${report.date}, ${report.cores} cores, median of ${report.runs}; ` +
    `load average ${la(report.loadAverage.start)} at the start, ${la(report.loadAverage.end)} at the end\n`);
  console.log(`Prosody ${report.prosody.debianVersion ?? '(version unknown)'} (Debian), instance "${report.instance}"`);
  if (report.seed) {
    const sd = report.seed;
    console.log(sd.reused ? 'seed: reused an earlier run\'s instance (KITH_FEED_REUSE=1)'
      : `seed: ${report.contacts} contacts × ${report.postsPerContact} posts (${sd.postXmlBytes} B of XML each) in ${(sd.publishMs / 1000).toFixed(1)} s ` +
        `(server CPU ${sd.publishServerCpuMs == null ? 'n/a' : (sd.publishServerCpuMs / 1000).toFixed(1)} s); ${sd.method}`);
  }
  if (report.seedEjabberd) {
    const sd = report.seedEjabberd;
    console.log(sd.error ? `seed on ejabberd: FAILED — ${sd.error}` : sd.reused ? 'seed on ejabberd: reused an earlier run\'s instance (KITH_FEED_REUSE=1)'
      : `seed on ejabberd: the same posts in ${(sd.publishMs / 1000).toFixed(1)} s (server CPU ${sd.publishServerCpuMs == null ? 'n/a' : (sd.publishServerCpuMs / 1000).toFixed(1)} s); ${sd.method}`);
  }
  if (report.error) console.log(`FAILED — ${report.error}`);

  const syncs = Object.entries(report.scenarios).filter(([, r]) => r.config && (r.sync || !r.timeline));
  if (syncs.length) {
    // The headline first: the same figure on each server configuration.
    const width = Math.max(...syncs.map(([, r]) => r.config.label.length));
    console.log(`\nfeed sync (${report.contacts} contacts x ${report.postsPerContact} posts), Sign in click → all ${report.expectedPosts} posts in, sync status gone   (goal ≤ 2 s):`);
    for (const [, r] of syncs) {
      if (r.error) { console.log(`  ${r.config.label.padEnd(width)}  FAILED`); continue; }
      const loads = r.perRun.map((x) => x.loadAverage[0]);
      console.log(`  ${r.config.label.padEnd(width)}  ${ms(r.signInClickToAllVisibleMs)}; server CPU ${ms(r.serverCpuMs)}; ` +
        `1-min load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
    }
    console.log('  (the configurations alternate run by run, each run on a freshly started server with the same seeded data)');
  }

  for (const [name, r] of Object.entries(report.scenarios)) {
    if (r.error) { console.log(`\n${name}: FAILED — ${r.error}`); continue; }
    if (r.sync) {
      console.log(`\n${name} [${r.config.detail}]:`);
      const sv = r.server;
      console.log(`  server alone (a small client, ${sv.owners} microblogs, the app's request: max_items ${FIRST_PAGE} + RSM; ${sv.expectedPosts} posts, ${(sv.responseBytes / 1048576).toFixed(1)} MiB of XML):`);
      console.log(`    one at a time                        ${ms(sv.oneAtATimeTotalMs)} (median per request ${sv.oneAtATimeMedianMs.median.toFixed(1)} ms; a ping ${sv.pingMedianMs.median.toFixed(1)} ms)`);
      console.log(`    ${sv.inFlight} in flight                          ${ms(sv.inFlightMs)}; server CPU ${ms(sv.inFlightServerCpuMs)}`);
      console.log(`      with XEP-0198 enabled              ${ms(sv.inFlightStreamManagementMs)}; server CPU ${ms(sv.inFlightStreamManagementServerCpuMs)}`);
      const burst = sv.notifyOnSignIn;
      console.log(`    an account with microblog+notify caps comes online: ${n(burst.discoQueries)} disco#info queries answered, ` +
        `${n(burst.events)} last posts pushed in ${ms(burst.ms)}; server CPU ${ms(burst.serverCpuMs)}`);
      console.log(`  Sign in click → all ${report.expectedPosts} posts in, sync status gone  ${ms(r.signInClickToAllVisibleMs)}   (goal ≤ 2 s)`);
      console.log(`    counted in the list (aria-setsize) / held behind "N new posts"  ${n(r.countedInList)} / ${n(r.heldBehindNewPosts)}`);
      console.log(`    click → online (SASL, bind)          ${ms(r.clickToOnlineMs)}`);
      console.log(`    online → roster received             ${ms(r.onlineToRosterMs)}`);
      console.log(`    roster → "Syncing" shown             ${ms(r.rosterToSyncStatusMs)}`);
      console.log(`    click → first article painted        ${ms(r.clickToFirstArticleMs)}   (goal ≤ 400 ms)`);
      console.log(`    items requests / status updates      ${n(r.itemsRequests)} / ${n(r.statusUpdates)}`);
      console.log(`    items round trip in the page         median ${ms(r.itemsRoundTripMedianMs)}; max ${ms(r.itemsRoundTripMaxMs)}`);
      console.log(`    first request sent → last answer     ${ms(r.requestSpanMs)}`);
      console.log(`  main thread busy (Chromium counters)   ${ms(r.mainThreadBusyMs)} = ${pct(r.mainThreadShareOfWall)} of the wall time: script ${ms(r.scriptMs)}, layout ${ms(r.layoutMs)}, style ${ms(r.styleMs)}`);
      console.log(`  server CPU during the sync            ${ms(r.serverCpuMs)} = ${pct(r.serverCpuShareOfWall)} of the wall time`);
      console.log(`    server alone for the same work (fetches with XEP-0198 + notify pushes)  ${ms(sv.sameWorkServerCpuMs)} of server CPU`);
      console.log(`  longest main-thread task               ${ms(r.longestTaskMs)}; tasks over 50 ms ${n(r.tasksOver50)} (${n(r.longTasksHandlingMessages)} handling a WebSocket message), long-task total ${ms(r.longTaskTotalMs)}`);
      const mid = [...r.perRun].sort((a, b) => a.signInClickToAllVisibleMs - b.signInClickToAllVisibleMs)[Math.floor(r.perRun.length / 2)];
      const q = (x) => `${x.count} × ${x.medianMs == null ? '-' : x.medianMs.toFixed(0)} ms`;
      console.log(`    long tasks by sync progress quarter (median run: count × median)  ${mid.longTasksByProgressQuarter.map(q).join(' | ')}`);
      console.log(`    pubsub event messages received       ${n(r.pubsubEvents)}`);
      console.log(`  wasm memory / JS heap after            ${mib(r.wasmMemoryBytes)} / ${mib(r.jsHeapBytes)}; articles in the DOM ${n(r.domArticles)}`);
      console.log(`  1-min load average before each run     ${r.perRun.map((x) => x.loadAverage[0].toFixed(2)).join(', ')}`);
      continue;
    }
    if (r.warmOffline) {
      console.log(`\n${name}, server unreachable, #/feed reloaded:`);
      console.log(`  navigation → first article painted         ${ms(r.navigationToFirstArticleMs)}   (goal ≤ 300 ms)`);
      console.log(`    navigation → kith:cached mark            ${ms(r.navigationToCachedMarkMs)}`);
      console.log(`      navigation → wasm loaded               ${ms(r.navigationToWasmLoadedMs)}`);
      console.log(`      navigation → app boots (kith:boot)     ${ms(r.navigationToBootMarkMs)}`);
      console.log(`      kith:boot → IndexedDB open             ${ms(r.bootToStoreOpenMs)}`);
      console.log(`      IndexedDB open → cached world shown    ${ms(r.storeOpenToCachedMarkMs)}`);
      console.log(`    kith:cached → first article painted      ${ms(r.cachedMarkToFirstArticleMs)} (IndexedDB read ${ms(r.idbReadMs)})`);
      console.log(`  longest task until first paint             ${ms(r.longestTaskMs)}`);
      console.log(`  served by the service worker               ${r.servedByServiceWorker.map((y) => (y ? 'yes' : 'no')).join(', ')}`);
      continue;
    }
    if (r.timeline) {
      console.log(`\n${name}, on Prosody ${r.config.label}:`);
      console.log(`  (a) warm start, #/feed reloaded (remembered account, server up):`);
      console.log(`    kith:cached mark → first article painted   ${ms(r.cachedMarkToFirstArticleMs)}   (goal ≤ 100 ms after data is in memory)`);
      console.log(`      kith:cached → IndexedDB read starts      ${ms(r.cachedMarkToIdbReadStartMs)}`);
      console.log(`      IndexedDB read of the cached timeline    ${ms(r.idbReadMs)}`);
      console.log(`      read done → first article painted        ${ms(r.idbReadEndToFirstArticleMs)}`);
      console.log(`    navigation → kith:cached mark              ${ms(r.navigationToCachedMarkMs)}`);
      console.log(`    navigation → first article painted         ${ms(r.navigationToFirstArticleMs)}`);
      console.log(`    navigation → all ${report.expectedPosts} counted               ${ms(r.navigationToAllCountedMs)}`);
      console.log(`    longest task until first paint             ${ms(r.startupLongestTaskMs)}`);
      console.log(`    served by the service worker               ${r.servedByServiceWorker.map((y) => (y ? 'yes' : 'no')).join(', ')}`);
      console.log(`  (b) scrolled to the end, 800 px per frame (${n(r.scrollSteps)} steps, ${ms(r.scrollMs)}), after ${ms(r.quietWaitMs)} waiting for 3 s without server messages:`);
      console.log(`    longest task                               ${ms(r.scrollLongestTaskMs)}   (goal: none over 50 ms)`);
      console.log(`    tasks over 50 ms                           ${n(r.scrollTasksOver50)} (of which handling a WebSocket message: ${n(r.scrollTasksHandlingMessages)}; messages during the scroll: ${n(r.scrollMessages)})`);
      console.log(`    frames over 50 ms / longest / median       ${n(r.scrollFramesOver50)} / ${ms(r.scrollLongestFrameMs)} / ${ms(r.scrollMedianFrameMs)}`);
      console.log(`    articles in the DOM at most                ${n(r.scrollMaxDomArticles)}`);
      console.log(`  wasm memory / JS heap after                  ${mib(r.wasmMemoryBytes)} / ${mib(r.jsHeapBytes)}`);
    }
  }
  console.log(`\nJSON: target/bench/feed.json`);
}

await main();
