// Other people's faces and names (the people issue): Bob, played by the test's own XMPP
// client, publishes an avatar (XEP-0084 data, then metadata) and a nickname (XEP-0172) on
// his PEP service; Alice in the app sees his face in the contacts list, an img named by
// his name, fetched once and read from the device on the next sign-in; a hostile
// nickname shows as text. Alice's roster names Bob "Bob", which wins over any nickname:
// the nickname test takes that name away for its length (from Alice's own second
// device), and every test leaves Bob's profile nodes and Alice's roster as it found them.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ALICE, BOB, KITH_WS, contactItem, launchBrowser, openContacts, signInOnline, signOut, withPage,
} from './kith.mjs';
import { XmppClient, esc } from './xmpp.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
const e2e = (name, body) => test(name, () => withPage(browser, name, body));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (check, what, timeout = 20000) => {
  for (const deadline = Date.now() + timeout; ;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const NS = {
  pubsub: 'http://jabber.org/protocol/pubsub',
  data: 'urn:xmpp:avatar:data',
  metadata: 'urn:xmpp:avatar:metadata',
  nick: 'http://jabber.org/protocol/nick',
};

/** A 2×2 PNG, different bytes each run, so that no cache has it yet. */
function picture() {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4YWMDRAwQCgAlPgUBdJmUYAAAAABJRU5ErkJggg==', 'base64');
  // Any bytes after IEND are ignored by decoders: a unique tail makes a unique hash.
  return Buffer.concat([png, Buffer.from(`kith-e2e-${Date.now()}-${Math.random()}`)]);
}

async function online(who, resource = 'e2e') {
  const client = await XmppClient.connect({ url: KITH_WS, ...who, resource });
  client.presence();
  await client.sync();
  return client;
}

const publish = (client, node, id, payload) => client.iq('set',
  `<pubsub xmlns='${NS.pubsub}'><publish node='${node}'><item id='${id}'>${payload}</item></publish></pubsub>`);

/** XEP-0084 §4.1-4.2: the data item, then the metadata naming it. Returns the hash. */
async function publishAvatar(bob, bytes) {
  const hash = createHash('sha1').update(bytes).digest('hex');
  await publish(bob, NS.data, hash, `<data xmlns='${NS.data}'>${bytes.toString('base64')}</data>`);
  await publish(bob, NS.metadata, hash, `<metadata xmlns='${NS.metadata}'>` +
    `<info bytes='${bytes.length}' id='${hash}' type='image/png' width='2' height='2'/></metadata>`);
  return hash;
}

const publishNick = (bob, nick) => publish(bob, NS.nick, 'current', `<nick xmlns='${NS.nick}'>${esc(nick)}</nick>`);

/** Bob's profile nodes gone again, as before the test. */
async function forgetProfile(bob) {
  for (const node of [NS.metadata, NS.data, NS.nick]) {
    await bob.iq('set', `<pubsub xmlns='${NS.pubsub}#owner'><delete node='${node}'/></pubsub>`).catch(() => {});
  }
}

/** Alice's roster names Bob `name` (none: `undefined`), set from another device of hers. */
async function nameBob(name) {
  const alice = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-roster' });
  try {
    await alice.rosterSet({ jid: BOB.jid, name });
  } finally {
    await alice.close();
  }
}

/** The frames the page sends, from now on. */
function sent(page) {
  const log = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => log.push(String(f.payload))));
  return log;
}
/** Requests for an avatar image: its XEP-0084 data item, or the vcard-temp carrying it
 *  (ejabberd's mod_avatar announces a PEP avatar in presence as a vCard photo too). */
const imageRequests = (log) => log.filter((f) => /^<iq\b/.test(f) &&
  (f.includes(NS.data) || /<vCard xmlns=['"]vcard-temp['"]/.test(f)));

/** The img in `row` named `name`, once its picture has decoded. */
async function face(row, name) {
  const img = row.getByRole('img', { name, exact: true });
  await until(() => img.evaluate((el) => el.tagName === 'IMG' && el.complete && el.naturalWidth === 2).catch(() => false),
    `an image named ${name} in the row`);
  return img;
}

e2e('Bob\'s avatar shows in the contacts list as an img named by his name, fetched once, from the device on the next sign-in', async (page) => {
  const bob = await online(BOB);
  try {
    const bytes = picture();
    const hash = await publishAvatar(bob, bytes);
    await publishNick(bob, 'Bobby Tables');
    const log = sent(page);
    await signInOnline(page, ALICE);
    const list = await openContacts(page);
    const row = contactItem(list, BOB.jid);
    // His roster name names him (it wins over his nickname), and his face.
    await row.filter({ hasText: BOB.name }).waitFor();
    const img = await face(row, BOB.name);
    assert.match(await img.getAttribute('src'), /^blob:/);
    const asked = imageRequests(log);
    assert.equal(asked.length, 1, `the image asked for once: ${asked}`);
    assert.match(asked[0], new RegExp(`to=['"]${BOB.jid}['"]`), `of Bob: ${asked[0]}`);
    if (asked[0].includes(NS.data)) assert.ok(asked[0].includes(hash), `by its hash: ${asked[0]}`);

    // Signed out keeping the data, and in again: the face comes from this device.
    await signOut(page);
    const before = log.length;
    await signInOnline(page, ALICE);
    const again = contactItem(await openContacts(page), BOB.jid);
    await face(again, BOB.name);
    // Long enough for the server's pushes of his metadata to have been handled.
    await sleep(2500);
    assert.deepEqual(imageRequests(log.slice(before)), [], 'no avatar fetched on the second sign-in');
    await signOut(page, { wipe: true });
  } finally {
    await forgetProfile(bob);
    await bob.close();
  }
});

e2e('a contact\'s hostile nickname shows as text, in the contacts list and as his face\'s name', async (page) => {
  const bob = await online(BOB);
  const nick = `<img src=x onerror="window.__pwned=1">\u202EBob<script>window.__pwned=2</script>`;
  try {
    await nameBob(undefined);
    await signInOnline(page, ALICE);
    const list = await openContacts(page);
    const row = contactItem(list, BOB.jid);
    await row.waitFor();
    // Published while Alice is online: it reaches her as an event (+notify).
    await publishNick(bob, nick);
    const name = row.locator('bdi.contact-name');
    await until(async () => (await name.textContent()) === nick, 'the nickname as the contact\'s name');
    // Text in an isolate, and the face named by it: nothing of it became markup.
    assert.equal(await name.evaluate((el) => el.children.length), 0);
    await row.getByRole('img', { name: nick, exact: true }).waitFor();
    assert.equal(await page.locator('img[src="x"], script:not([src])').count(), 0, 'no markup from the nickname');
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
    await signOut(page, { wipe: true });
  } finally {
    await nameBob(BOB.name);
    await forgetProfile(bob);
    await bob.close();
  }
});
