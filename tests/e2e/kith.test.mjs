// End-to-end: the built app in headless Chromium against the test server (KITH_SERVER).
// Elements are found only by role and accessible name: those names are the app's
// interface contract (see DESIGN.md, "Test pyramid").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ALICE, BOB, DOMAIN, KITH_WS, contactItem, launchBrowser, openContacts, restartServer,
  SERVER, signIn, signInOnline, signOut, withPage,
} from './kith.mjs';
import { FaultProxy } from './proxy.mjs';
import { XmppClient } from './xmpp.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

/** The host's config.json, as this page sees it, pointing at `websocketUrl`. */
const serveConfig = (page, websocketUrl) => page.route('**/config.json', (route) => route.fulfill({
  contentType: 'application/json',
  body: JSON.stringify({ default_domain: DOMAIN, websocket_url: websocketUrl }),
}));

// Named, so that the failure artifacts in target/e2e/ are named too. `skip`: why a test
// does not apply to the server under test.
const e2e = (name, body, { skip = false, timeout } = {}) => test(name, { skip, timeout }, () => withPage(browser, name, body));

e2e('alice signs in and sees Bob among her contacts', async (page) => {
  await signInOnline(page, ALICE);
  const nav = page.getByRole('navigation');
  await nav.getByRole('link', { name: 'Feed' }).waitFor();
  await nav.getByRole('link', { name: 'Contacts' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const list = await openContacts(page);
  await contactItem(list, BOB.jid).filter({ hasText: new RegExp(BOB.name) }).waitFor();
});

e2e('a wrong password is refused with an alert', async (page) => {
  await signIn(page, { jid: ALICE.jid, password: 'not-the-password' });
  await page.getByRole('alert').filter({ hasText: 'Wrong Jabber ID or password' }).waitFor();
  await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
});

e2e("Bob's presence shows in alice's contacts", async (page) => {
  await signInOnline(page, ALICE);
  const bob = contactItem(await openContacts(page), BOB.jid);
  await bob.waitFor();
  const client = await XmppClient.connect({ url: KITH_WS, ...BOB });
  try {
    client.presence();
    await bob.filter({ hasText: /online|available/i }).waitFor();
    client.presence({ type: 'unavailable' });
    await bob.filter({ hasText: /offline/i }).waitFor();
  } finally {
    await client.close();
  }
});

e2e('a contact added on another device appears without reload', async (page) => {
  const carol = { jid: `carol@${DOMAIN}`, name: 'Carol' };
  await signInOnline(page, ALICE);
  const list = await openContacts(page);
  await contactItem(list, BOB.jid).waitFor(); // the roster has loaded
  const otherDevice = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-other-device' });
  try {
    await otherDevice.rosterSet(carol);
    await contactItem(list, carol.jid).filter({ hasText: /Carol/ }).waitFor();
  } finally {
    await otherDevice.rosterRemove(carol.jid); // keep runs repeatable
    await otherDevice.close();
  }
});

e2e('signing out returns to the login form', async (page) => {
  await signInOnline(page, ALICE);
  await signOut(page);
  await page.getByRole('textbox', { name: 'Jabber ID' }).waitFor();
});

e2e('an unreachable server is named in the alert', async (page) => {
  // The host's config points at a port where nothing listens.
  const dead = 'ws://127.0.0.1:9/xmpp-websocket';
  await serveConfig(page, dead);
  await signIn(page, ALICE);
  await page.getByRole('alert').filter({ hasText: dead }).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor(); // usable again
});

e2e('failed endpoint discovery names the URLs it tried', async (page) => {
  await signIn(page, { jid: 'someone@nowhere.invalid', password: 'x' });
  const alert = page.getByRole('alert');
  await alert.filter({ hasText: 'https://nowhere.invalid/.well-known/host-meta' }).waitFor();
  await alert.filter({ hasText: 'host-meta.json' }).waitFor();
});

e2e('a malformed Jabber ID is refused before connecting', async (page) => {
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await signIn(page, { jid: 'alice@@localhost', password: 'x' });
  await page.getByRole('alert').filter({ hasText: 'not a valid Jabber ID' }).waitFor();
  if (sockets.length) throw new Error(`a socket was opened: ${sockets}`);
});

e2e('a server that sends the app to another endpoint is followed there', async (page) => {
  // config.json names an endpoint that answers the stream's opening with RFC 7395's
  // redirect to the real server (nothing listens on it: Playwright plays that server).
  const moved = 'ws://127.0.0.1:9/moved-xmpp-websocket';
  await serveConfig(page, moved);
  let asked = 0;
  await page.routeWebSocket(moved, (ws) => {
    asked += 1;
    ws.onMessage((frame) => {
      if (/^<open\b/.test(frame)) {
        ws.send(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='${DOMAIN}' id='moved${asked}' version='1.0'/>`);
        ws.send(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='${KITH_WS}'/>`);
      } else if (/^<close\b/.test(frame)) {
        ws.close();
      }
    });
  });
  await signInOnline(page, ALICE);
  const list = await openContacts(page);
  await contactItem(list, BOB.jid).waitFor();
  assert.equal(asked, 1, 'the redirect is followed, not the old endpoint retried');
});

e2e('a server restart is survived without signing in again', async (page) => {
  await signInOnline(page, ALICE);
  const list = await openContacts(page);
  await contactItem(list, BOB.jid).waitFor();
  restartServer();
  // Back by itself: the status says Online again and the contacts are still there.
  await page.getByRole('status').filter({ hasText: /online/i }).waitFor({ timeout: 30000 });
  await contactItem(list, BOB.jid).waitFor();
  // And the new stream works: Bob's presence arrives on it.
  const bob = await XmppClient.connect({ url: KITH_WS, ...BOB });
  try {
    bob.presence();
    await contactItem(list, BOB.jid).filter({ hasText: /online/i }).waitFor();
  } finally {
    await bob.close();
  }
});

/** How many times the app has come online or resumed (User Timing marks it sets). */
const reconnections = (page) => page.evaluate(() =>
  performance.getEntriesByName('kith:online').length + performance.getEntriesByName('kith:resumed').length);

e2e('200 messages across 20 network cuts arrive exactly once', async (page) => {
  const proxy = await FaultProxy.start(Number(new URL(KITH_WS).port));
  const viaProxy = `ws://127.0.0.1:${proxy.port}/xmpp-websocket`;
  await serveConfig(page, viaProxy);
  const bob = await XmppClient.connect({ url: KITH_WS, ...BOB });
  const resumes = [];
  try {
    bob.presence();
    await signInOnline(page, ALICE);
    // Messages to a bare JID reach only available resources: start once Bob sees
    // Alice's presence (before it, the server would keep them for her archive instead).
    await bob.next(new RegExp(`<presence(?![^>]*type=)[^>]*from='${ALICE.jid}/`), 15000);
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let sent = 0;
    for (let cut = 0; cut < 20; cut++) {
      const before = await reconnections(page);
      // Ten messages, with the cut falling somewhere among or just after them.
      const cutAfter = Math.floor(Math.random() * 11);
      for (let i = 0; i < 10; i++) {
        if (i === cutAfter) proxy.cut();
        bob.send(`<message xmlns='jabber:client' type='chat' to='${ALICE.jid}' id='m${sent}'><body>${sent}</body></message>`);
        sent++;
        await sleep(Math.random() * 15);
      }
      if (cutAfter === 10) proxy.cut();
      // Wait until the app is back on a stream (resumed, or bound anew).
      for (let t = 0; (await reconnections(page)) === before; t++) {
        if (t > 300) throw new Error(`no reconnection after cut ${cut}`);
        await sleep(100);
      }
      resumes.push(await page.evaluate(() => {
        const last = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? NaN;
        return last('kith:resumed') - last('kith:connect');
      }));
    }
    const received = async () => page.evaluate(() => window.__kith_received ?? []);
    // ejabberd archives what a cut session held only as it times that session out; Kith
    // asks its archive again 15, 60 and 180 s after a new stream (service/archive.rs).
    const patience = SERVER === 'ejabberd' ? 200_000 : 10_000;
    for (const start = Date.now(); (await received()).length < sent;) {
      if (Date.now() - start > patience) break;
      await sleep(100);
    }
    await sleep(500); // room for a duplicate to show up
    const ids = await received();
    const missing = [...Array(sent).keys()].map((i) => `m${i}`).filter((id) => !ids.includes(id));
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (missing.length || duplicates.length || ids.length !== sent) {
      throw new Error(`received ${ids.length} of ${sent}; missing ${missing}; duplicated ${duplicates}`);
    }
    const sorted = resumes.filter(Number.isFinite).sort((a, b) => a - b);
    console.log(`# socket open → resumed, over ${sorted.length} resumptions: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
  } finally {
    await bob.close();
    await proxy.close();
  }
}, {
  // A cut while ejabberd 23.01 writes to the socket blocks Alice's old session 15 s per
  // stanza it writes; resuming meanwhile fails ("Session state copying timed out"),
  // ejabberd re-routes nothing to the new session (another resource is online), and
  // archives what the blocked session holds only as it gets to it — after the new
  // stream's catch-up asked. The later catch-ups find it.
  timeout: 420_000,
});

e2e('a stalled connection is detected and recovered', async (page) => {
  const proxy = await FaultProxy.start(Number(new URL(KITH_WS).port));
  await serveConfig(page, `ws://127.0.0.1:${proxy.port}/xmpp-websocket`);
  try {
    await signInOnline(page, ALICE);
    const before = await reconnections(page);
    // Bytes stop both ways and nothing closes: only the keepalive can notice (30 s of
    // silence, then a ping that gets no answer in 10 s).
    proxy.stall();
    await page.getByRole('status').filter({ hasText: /connecting/i }).waitFor({ timeout: 60000 });
    proxy.unstall();
    await page.getByRole('status').filter({ hasText: /online/i }).waitFor({ timeout: 30000 });
    if ((await reconnections(page)) <= before) throw new Error('Online again without a new stream');
  } finally {
    await proxy.close();
  }
});
