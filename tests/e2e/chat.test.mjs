// One-to-one chat end to end (issue 14): Alice in the app; Bob, Alice's other device and
// Eve (a stranger) played by the small XMPP client, on the test server (Prosody, or
// ejabberd with KITH_SERVER=ejabberd). What the other side receives is checked stanza by
// stanza: the wire formats are the app's contract with every other client, as the
// accessible names are its contract with the people using it.
// On Node 20, `--test-timeout` (package.json: 120 s) bounds the whole file, not each test:
// keep the file well under it (each test here takes seconds once the chat screen exists).
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { before } from 'node:test';
import {
  ALICE, BOB, EVE, KITH_URL, KITH_WS, SERVER, contactItem, openContacts, proxiedSuite,
  signInOnline, signOut,
  until,
} from './kith.mjs';
import { NS, XmlElement, XmppClient, esc, newId, parseXml, unesc } from './xmpp.mjs';

const e2e = proxiedSuite();

const unique = (what) => `${what} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bare = (jid = '') => jid.split('/')[0];

// The seed (scripts/prosody, scripts/ejabberd) makes Alice and Bob contacts both ways and
// leaves Eve in nobody's roster; every test here relies on that, so it is checked first
// rather than failing later in some obscure way.
before(async () => {
  for (const [who, other] of [[ALICE, BOB], [BOB, ALICE]]) {
    const client = await XmppClient.connect({ url: KITH_WS, ...who, resource: 'e2e-roster-check' });
    try {
      const roster = await client.roster();
      assert.equal(roster.find((i) => i.jid === other.jid)?.subscription, 'both',
        `${who.jid} has ${other.jid} in the roster with subscription both`);
      assert.ok(!roster.some((i) => i.jid === EVE.jid), `${EVE.jid} is a stranger to ${who.jid}`);
    } finally {
      await client.close();
    }
  }
});

/** Available (and known to be, once this returns), so messages to the bare JID reach it. */
async function online(who, resource = 'e2e') {
  const client = await XmppClient.connect({ url: KITH_WS, ...who, resource });
  client.presence();
  await client.sync();
  return client;
}

/** The next message `client` gets from Alice (any of her resources) for which `test` holds. */
const fromAlice = (client, test, timeout) =>
  client.nextMessage((m) => bare(m.attrs.from) === ALICE.jid && test(m), timeout);
const withBody = (text) => (m) => m.child('body')?.text.includes(text) ?? false;

// The conversation screen, by its accessible names.
const messages = (page) => page.getByRole('list', { name: 'Messages' });
/** The item of the message whose text includes `text` (texts here are unique per test). */
const message = (page, text) => messages(page).getByRole('listitem').filter({ hasText: text });
const composer = (page) => page.getByRole('textbox', { name: 'Message' });
const status = (page, text) => page.getByRole('status').filter({ hasText: text });
/** The browser noticing the network is back, as it would when Wi-Fi returns. */
const networkBack = (page) => page.evaluate(() => window.dispatchEvent(new Event('online')));
// Delivery states as own messages show them, as words of their own: hasText reads the
// item's textContent, where the state runs into the next button's name ("SentReact").
const state = (word) => new RegExp(`(?<![A-Za-z])${word}(?![a-z])`);
const SENT = state('Sent');
const DELIVERED = state('Delivered');
const READ = state('Read');
const PENDING = state('Pending');

/** The conversation with `jid`, by its route (the Contacts screen's Message button is
 *  tested once, in the first test). */
async function openChat(page, jid) {
  await page.evaluate((hash) => {
    if (decodeURIComponent(location.hash) !== hash) location.hash = hash;
  }, `#/chat/${jid}`);
  await messages(page).waitFor();
}

/** The Chats screen, through the navigation (the link's name may end in the unread count). */
async function openChats(page) {
  await page.getByRole('navigation').getByRole('link', { name: /^Chats/ }).click();
  await page.getByRole('list', { name: 'Conversations' }).waitFor();
}

async function say(page, text) {
  await composer(page).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * Every WebSocket frame the page sends and receives, from now on (RFC 7395: a frame is
 * one stanza). For waiting on protocol state the screen does not show.
 */
function wire(page) {
  const log = { sent: [], received: [] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => log.sent.push(String(f.payload)));
    ws.on('framereceived', (f) => log.received.push(String(f.payload)));
  });
  return log;
}

/** Until the server has enabled carbons for the app (XEP-0280 §4: the enable iq's result):
 *  before that, what Alice's other devices send is not copied to it. */
async function carbonsEnabled(log) {
  const enable = await until(() => log.sent.find((f) => /^<iq\b/.test(f) &&
    parseXml(f).child('enable', NS.carbons)), 'the app to enable carbons');
  const { id } = parseXml(enable).attrs;
  await until(() => log.received.some((f) => {
    if (!/^<iq\b/.test(f)) return false;
    const iq = parseXml(f).attrs;
    return iq.id === id && iq.type === 'result';
  }), 'the server to enable carbons');
}

/**
 * Clicks `button` and confirms if asked, whether by the browser's confirm() or by a dialog
 * on the page (then its button named /^Delete/): the contract names no confirmation.
 * Resolves to what `done()`, called after the click, resolves to.
 */
async function clickConfirming(page, button, done) {
  const accept = (dialog) => dialog.accept().catch(() => {});
  page.on('dialog', accept);
  try {
    await button.click();
    const outcome = done();
    const confirm = page.getByRole('dialog').getByRole('button', { name: /^Delete/ });
    const clicked = confirm.click({ timeout: 15000 }).catch(() => {});
    return await Promise.race([outcome, clicked.then(() => outcome)]);
  } finally {
    page.off('dialog', accept);
  }
}

/**
 * Chooses `emoji` in whatever React opened: the contract names no picker, so a menu item
 * or option named by the emoji (or its CLDR name, `cldr`), or such a button in a dialog or
 * in the message's own item.
 */
async function pickReaction(page, item, emoji, cldr) {
  const name = new RegExp(`^(${emoji}|${cldr})$`, 'i');
  await page.getByRole('menuitem', { name })
    .or(page.getByRole('option', { name }))
    .or(page.getByRole('dialog').getByRole('button', { name }))
    .or(item.getByRole('button', { name }))
    .first().click();
}

e2e('messages both ways: Sent, then Delivered and Read; the reply shows, gets a receipt and a displayed marker', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    const contacts = await openContacts(page);
    await contactItem(contacts, BOB.jid).getByRole('button', { name: 'Message' }).click();
    await messages(page).waitFor();
    assert.equal(decodeURIComponent(new URL(page.url()).hash), `#/chat/${BOB.jid}`);

    const text = unique('Hello Bob');
    await say(page, text);
    const got = await fromAlice(bob, withBody(text));
    const { id, type, to } = got.attrs;
    assert.equal(type, 'chat');
    assert.equal(bare(to), BOB.jid);
    assert.ok(id, `an id: ${got.xml}`);
    assert.equal(got.child('body').text, text);
    assert.equal(got.child('origin-id', NS.sid)?.attrs.id, id, `an origin-id equal to the id: ${got.xml}`);
    assert.ok(got.child('request', NS.receipts), `a receipt request: ${got.xml}`);
    assert.ok(got.child('markable', NS.markers), `markable: ${got.xml}`);
    assert.ok(got.child('active', NS.chatstates), `the active chat state: ${got.xml}`);
    // Bob's client holds the receipt back until the app has shown Sent.
    const mine = message(page, text);
    await mine.filter({ hasText: SENT }).waitFor();
    bob.receipt(got);
    await mine.filter({ hasText: DELIVERED }).waitFor();
    bob.displayed(got);
    await mine.filter({ hasText: READ }).waitFor();

    // Enter sends; Shift+Enter starts a new line.
    const [first, second] = [unique('line one'), unique('line two')];
    await composer(page).click();
    await page.keyboard.type(first);
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type(second);
    await page.keyboard.press('Enter');
    const lines = await fromAlice(bob, withBody(first));
    assert.equal(lines.child('body').text, `${first}\n${second}`);
    await until(() => composer(page).evaluate((el) => (el.value ?? el.textContent) === ''), 'an empty composer');

    const answer = unique('Hi Alice');
    const answerId = bob.chat(ALICE.jid, answer);
    await message(page, answer).waitFor();
    assert.equal(await message(page, answer).getByRole('button', { name: 'Correct' }).count(), 0, 'Bob\'s is not Alice\'s to correct');
    // Bob is a contact, and the conversation is open: a receipt and a displayed marker.
    await bob.nextMessage((m) => m.child('received', NS.receipts)?.attrs.id === answerId);
    await bob.nextMessage((m) => m.child('displayed', NS.markers)?.attrs.id === answerId);
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a message Alice sends from another device shows in the app as her own, once', async (page) => {
  const bob = await online(BOB);
  const phone = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-phone' });
  try {
    const log = wire(page);
    await phone.enableCarbons();
    await signInOnline(page, ALICE);
    await carbonsEnabled(log);
    await openChat(page, BOB.jid);
    const text = unique('From my phone');
    phone.chat(BOB.jid, text);
    await bob.nextMessage(withBody(text));
    const copy = message(page, text);
    await copy.waitFor();
    // Only own messages can be deleted for everyone.
    await copy.getByRole('button', { name: 'Delete for everyone' }).waitFor();
    // Bob's answer comes after the carbon on the same stream: once it shows, a second copy
    // of the carbon would have too.
    const answer = unique('Got it');
    bob.chat(ALICE.jid, answer);
    await message(page, answer).waitFor();
    assert.equal(await copy.count(), 1, 'shown once');
    await signOut(page, { wipe: true });
  } finally {
    await phone.close();
    await bob.close();
  }
});

e2e('carbons forged by a contact are not shown, neither as Alice\'s nor as Bob\'s', async (page) => {
  const bob = await online(BOB);
  try {
    const log = wire(page);
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    // Letters and digits only, so it reads the same in the page's HTML.
    const token = `forged${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
    // Carbons come from the account's own bare JID; these come from Bob's client. One
    // says Eve wrote to Alice, the other that Alice wrote to Bob from another device.
    bob.send(`<message xmlns='jabber:client' type='chat' to='${ALICE.jid}' id='${newId()}'>` +
      `<received xmlns='${NS.carbons}'><forwarded xmlns='${NS.forward}'>` +
      `<message xmlns='jabber:client' type='chat' from='${EVE.jid}/e2e' to='${ALICE.jid}' id='${newId()}'>` +
      `<body>${token} received</body></message></forwarded></received></message>`);
    bob.send(`<message xmlns='jabber:client' type='chat' to='${ALICE.jid}' id='${newId()}'>` +
      `<sent xmlns='${NS.carbons}'><forwarded xmlns='${NS.forward}'>` +
      `<message xmlns='jabber:client' type='chat' from='${ALICE.jid}/e2e-phone' to='${BOB.jid}' id='${newId()}'>` +
      `<body>${token} sent</body></message></forwarded></sent></message>`);
    // A real message after them, on the same stream: once it shows, they have been read.
    const after = unique('After the forgery');
    bob.chat(ALICE.jid, after);
    await message(page, after).waitFor();
    const reached = log.received.filter((f) => f.includes(token)).length;
    if (reached < 2) console.log(`# ${SERVER} passed ${reached} of the 2 forged carbons on to the app`);
    const shown = () => page.evaluate((t) => document.documentElement.outerHTML.includes(t), token);
    assert.equal(await shown(), false, 'not in the conversation with Bob');
    await openChats(page);
    assert.equal(await shown(), false, 'not among the conversations or the message requests');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

/** The rendered items of the windowed Messages list, with their place in the whole list. */
const rendered = (list) => list.evaluate((el) => [...el.querySelectorAll('[aria-posinset]')].map((i) => ({
  pos: Number(i.getAttribute('aria-posinset')), size: Number(i.getAttribute('aria-setsize')), text: i.innerText,
})));

/**
 * Moves the window of the Messages list one screen towards the oldest (`up`) or newest
 * end: the first (last) rendered item is scrolled to the far edge of the view, whichever
 * element scrolls. Resolves true once the rendered items change, false if they do not
 * within a second (an end of the list, or older history still loading).
 */
const scrollWindow = (list, up) => list.evaluate(async (el, up) => {
  const items = () => [...el.querySelectorAll('[aria-posinset]')];
  const pos = (i) => Number(i.getAttribute('aria-posinset'));
  const shape = () => items().map((i) => `${pos(i)}/${i.getAttribute('aria-setsize')}`).join();
  const all = items();
  if (!all.length) return false;
  const before = shape();
  all.reduce((a, b) => ((pos(b) < pos(a)) === up ? b : a)).scrollIntoView({ block: up ? 'end' : 'start' });
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  for (const start = performance.now(); performance.now() - start < 1000;) {
    await frame();
    if (shape() !== before) {
      await frame();
      return true;
    }
  }
  return false;
}, up);

/**
 * Reads the whole of a batch of messages out of the windowed Messages list. Only part of
 * it is in the DOM (what is near the view, or the newest ones until older are asked for),
 * so the list is scrolled from its newest end towards the oldest, older ones shown when
 * there is a button for it, and every rendered item recorded under its distance from the
 * newest end
 * (aria-setsize − aria-posinset): that stays put when older history is prepended while
 * scrolling, where aria-posinset would shift. Counting by aria-setsize alone is not
 * reliable: the conversation also holds what other tests wrote, and a duplicate would
 * hide a missing message. Stops 20 items past the batch's oldest message once every one
 * has been seen, or at the oldest end. Returns the texts by distance.
 */
async function readBatch(list, pattern, count) {
  const byDistance = new Map(); // distance from the newest end → the item's text
  const numbers = (text) => [...text.matchAll(pattern)].map((m) => Number(m[1]));
  const deadline = Date.now() + 60000;
  for (let still = 0; ;) {
    for (const { pos, size, text } of await rendered(list)) {
      byDistance.set(size - pos, text);
    }
    const tagged = [...byDistance].filter(([, text]) => numbers(text).length);
    const seen = new Set(tagged.flatMap(([, text]) => numbers(text)));
    const oldest = Math.max(...tagged.map(([d]) => d));
    if (seen.size === count && [...byDistance.keys()].filter((d) => d > oldest).length >= 20) break;
    if (Date.now() > deadline) break;
    if (await scrollWindow(list, true)) {
      still = 0;
      continue;
    }
    // At the top of what is rendered, a button may render more (the app's "Show older
    // messages"; the contract names none). Otherwise a second without movement may be
    // history loading: the oldest end after three.
    const older = list.page().getByRole('button', { name: /older/i });
    if (await older.count()) {
      await older.first().click();
      still = 0;
    } else if (++still === 3) {
      break;
    }
  }
  return byDistance;
}

e2e('200 messages that came while the tab was closed appear exactly once, in order', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE, { remember: true });
    // Closed after a message has been read, as a person would: what the app keeps to
    // catch up from is written by then. (Closed within moments of signing in, before the
    // archive has said where the session begins, there is nothing to catch up from.)
    await openChat(page, BOB.jid);
    const before = unique('Before the break');
    const beforeId = bob.chat(ALICE.jid, before);
    await message(page, before).waitFor();
    await bob.nextMessage((m) => m.child('displayed', NS.markers)?.attrs.id === beforeId);
    await page.goto('about:blank'); // the tab closed: no app, no socket
    const tag = `catchup${Date.now().toString(36)}`;
    const count = 200;
    const body = (i) => `${tag} ${String(i).padStart(3, '0')}`;
    for (let i = 1; i <= count; i++) bob.chat(ALICE.jid, body(i));
    await bob.sync(); // all routed and archived before the app opens again

    await page.goto(KITH_URL); // remembered: signs in by itself
    await status(page, /online/i).waitFor();
    await openChat(page, BOB.jid);
    const list = messages(page);
    // The newest end (the app may open at the first unread), until the last one is in.
    await until(async () => {
      while (await scrollWindow(list, false));
      return (await rendered(list)).some((i) => i.text.includes(body(count)));
    }, `"${body(count)}" in the conversation`, 60000);

    const pattern = new RegExp(`${tag} (\\d{3})`, 'g');
    const texts = await readBatch(list, pattern, count);
    const where = new Map(); // message number → distances from the newest end it shows at
    for (const [distance, text] of texts) {
      for (const [, n] of text.matchAll(pattern)) where.set(Number(n), [...(where.get(Number(n)) ?? []), distance]);
    }
    const all = [...Array(count).keys()].map((i) => i + 1);
    const missing = all.filter((n) => !where.has(n));
    const repeated = [...where].filter(([, at]) => at.length > 1).map(([n]) => n);
    assert.deepEqual({ missing, repeated }, { missing: [], repeated: [] }, 'each of the 200 exactly once');
    const outOfOrder = all.slice(1).filter((n) => where.get(n)[0] >= where.get(n - 1)[0]);
    assert.deepEqual(outOfOrder, [], 'in the order Bob sent them');
    const beforeAt = [...texts].filter(([, text]) => text.includes(before)).map(([d]) => d);
    assert.equal(beforeAt.length, 1, `"${before}" once`);
    assert.ok(beforeAt[0] > where.get(1)[0],
      `"${before}" before the 200, not ${where.get(1)[0] - beforeAt[0]} places after the first of them`);
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('Alice corrects a message, then deletes it for everyone: Bob gets a correction, then a retraction of the original', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    const draft = unique('Meet at nine');
    await say(page, draft);
    const original = await fromAlice(bob, withBody(draft));
    const id = original.child('origin-id', NS.sid)?.attrs.id;
    assert.ok(id, `an origin-id: ${original.xml}`);

    // Correct puts the message back in the composer; Send sends the new text.
    await message(page, draft).getByRole('button', { name: 'Correct' }).click();
    const fixed = unique('Meet at ten');
    await say(page, fixed);
    const correction = await fromAlice(bob, withBody(fixed));
    assert.equal(correction.child('replace', NS.correct)?.attrs.id, id, `replaces the original: ${correction.xml}`);
    assert.equal(correction.child('body').text, fixed);
    await message(page, fixed).waitFor();
    await message(page, draft).waitFor({ state: 'detached' });
    assert.equal(await message(page, fixed).count(), 1, 'corrected in place, not added');

    const retraction = await clickConfirming(page, message(page, fixed).getByRole('button', { name: 'Delete for everyone' }),
      () => fromAlice(bob, (m) => m.child('retract', NS.retract) !== null, 15000));
    // XEP-0424 (0.4+): the retracted message by its origin-id: the original's, not the
    // correction's.
    assert.equal(retraction.child('retract', NS.retract).attrs.id, id, `retracts the original: ${retraction.xml}`);
    assert.ok(retraction.child('body')?.text.trim(), `a fallback body: ${retraction.xml}`);
    await message(page, fixed).waitFor({ state: 'detached' });
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('Alice reacts and replies to Bob\'s message: Bob gets a reaction, and a reply with its quoting fallback', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    const question = unique('Lunch tomorrow?');
    const questionId = bob.chat(ALICE.jid, question);
    const item = message(page, question);
    await item.waitFor();

    await item.getByRole('button', { name: 'React' }).click();
    await pickReaction(page, item, '👍', 'thumbs up');
    const reacted = await fromAlice(bob, (m) => m.child('reactions', NS.reactions) !== null);
    const reactions = reacted.child('reactions', NS.reactions);
    assert.equal(reactions.attrs.id, questionId, `reacts to Bob's message: ${reacted.xml}`);
    assert.deepEqual(reactions.children.filter((c) => c instanceof XmlElement).map((c) => [c.name, c.text]),
      [['reaction', '👍']], `one reaction, 👍: ${reacted.xml}`);
    await item.filter({ hasText: '👍' }).waitFor();

    await item.getByRole('button', { name: 'Reply' }).click();
    const answer = unique('Yes, at noon');
    await say(page, answer);
    const reply = await fromAlice(bob, withBody(answer));
    const to = reply.child('reply', NS.reply);
    assert.equal(to?.attrs.id, questionId, `replies to Bob's message: ${reply.xml}`);
    assert.ok([bob.jid, BOB.jid].includes(to.attrs.to), `to Bob (full or bare JID): ${reply.xml}`);
    const fallback = reply.children.find((c) => c instanceof XmlElement && c.name === 'fallback' &&
      c.ns === NS.fallback && c.attrs.for === NS.reply);
    const range = fallback?.child('body');
    assert.ok(range, `a fallback for the reply, with its range of the body: ${reply.xml}`);
    // XEP-0426: start and end count code points.
    const text = [...reply.child('body').text];
    const [start, end] = [Number(range.attrs.start), Number(range.attrs.end)];
    const quoted = text.slice(start, end).join('');
    assert.match(text.join(''), /^> /, 'the body opens with the quote');
    assert.match(quoted, /^> /, `the fallback range is the quote: "${quoted}"`);
    assert.ok(quoted.includes(question), `the quote holds Bob's text: "${quoted}"`);
    assert.equal((text.slice(0, start).join('') + text.slice(end).join('')).trim(), answer,
      'the rest of the body is the answer');
    await message(page, answer).waitFor();
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('Bob\'s correction of his message updates it in place', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    const typo = unique('Teh plan');
    const id = bob.chat(ALICE.jid, typo);
    await message(page, typo).waitFor();
    const fixed = unique('The plan');
    bob.chat(ALICE.jid, fixed, { payload: `<replace xmlns='${NS.correct}' id='${id}'/>` });
    await message(page, fixed).waitFor();
    await message(page, typo).waitFor({ state: 'detached' });
    assert.equal(await message(page, fixed).count(), 1, 'corrected in place, not added');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('typing is shown both ways: composing, then paused a few seconds after the last key', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    const state = (name) => (m) => m.child(name, NS.chatstates) !== null;
    const composing = fromAlice(bob, state('composing'));
    await composer(page).pressSequentially('Thinking');
    await composing;
    // No key since: Bob learns Alice paused (XEP-0085), without a message.
    const paused = await fromAlice(bob, state('paused'), 15000);
    assert.equal(paused.child('body'), null);
    // And Bob's own typing shows in the conversation, until he sends.
    bob.send(`<message xmlns='jabber:client' type='chat' to='${ALICE.jid}'><composing xmlns='${NS.chatstates}'/></message>`);
    await status(page, /typing/i).waitFor();
    const text = unique('Done thinking');
    bob.chat(ALICE.jid, text);
    await message(page, text).waitFor();
    await status(page, /typing/i).waitFor({ state: 'detached' });
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a message written offline shows Pending, survives a reload and reaches Bob exactly once', async (page, proxy) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE, { remember: true });
    await openChat(page, BOB.jid);
    proxy.down();
    await status(page, /connecting|offline/i).waitFor();
    const text = unique('Written in a tunnel');
    await say(page, text);
    await message(page, text).filter({ hasText: PENDING }).waitFor();
    await page.reload();
    await openChat(page, BOB.jid);
    await message(page, text).filter({ hasText: PENDING }).waitFor();

    proxy.up();
    await networkBack(page);
    await status(page, /online/i).waitFor();
    const got = await fromAlice(bob, withBody(text), 20000);
    const id = got.child('origin-id', NS.sid)?.attrs.id;
    assert.ok(id, `an origin-id: ${got.xml}`);
    bob.receipt(got);
    await message(page, text).filter({ hasText: DELIVERED }).waitFor();
    assert.equal(await message(page, text).filter({ hasText: PENDING }).count(), 0);
    // A message written now leaves after it on the same stream: once Bob has that one, a
    // second copy of the first would have arrived too.
    const after = unique('Out of the tunnel');
    await say(page, after);
    await fromAlice(bob, withBody(after));
    const copies = bob.messages().filter((m) => m.child('origin-id', NS.sid)?.attrs.id === id);
    assert.equal(copies.length, 1, 'sent exactly once');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

// The feed's hostile fixture, for chat: its markup as text in a body, its links bare in
// another, and its XHTML as an XHTML-IM payload (XEP-0071) with an OOB link (XEP-0066).
const hostile = readFileSync(new URL('../fixtures/xep0277/hostile-post.xml', import.meta.url), 'utf8');
const hostileXhtml = hostile.match(/<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">([\s\S]*?)<\/div>/)[1];
/** Bodies that must read as the very text Bob wrote. */
const hostileLines = [
  unesc(hostile.match(/<title>([^<]*)<\/title>/)[1]),
  unesc(hostile.match(/<name>([^<]*)<\/name>/)[1]),
  ...hostileXhtml.split('\n').map((l) => l.trim()).filter(Boolean),
];
const hostileLinks = [...new Set([...hostile.matchAll(/(?:href|src|data|action)="((?:javascript|data|\s)[^"]*)"/g)]
  .map((m) => unesc(m[1]).trim()))];

e2e('hostile message bodies from a contact render as text and run nothing', async (page) => {
  const bob = await online(BOB);
  try {
    await signInOnline(page, ALICE);
    await openChat(page, BOB.jid);
    const tag = `hostile${Date.now().toString(36)}`;
    bob.chat(ALICE.jid, [`${tag}-markup`, ...hostileLines].join('\n'));
    bob.chat(ALICE.jid, [`${tag}-links`, ...hostileLinks, '[click me](javascript:window.__kith_pwned=1)'].join('\n'), {
      payload: `<html xmlns='${NS.xhtmlIm}'><body xmlns='http://www.w3.org/1999/xhtml'>${hostileXhtml}</body></html>` +
        `<x xmlns='${NS.oob}'><url>javascript:window.__kith_pwned=1</url><desc>${esc('<img src=x onerror="window.__kith_pwned=1">')}</desc></x>`,
    });
    const after = unique('After the hostile ones');
    bob.chat(ALICE.jid, after);
    await message(page, after).waitFor();
    const markup = message(page, `${tag}-markup`);
    const links = message(page, `${tag}-links`);
    await markup.waitFor();
    await links.waitFor();
    // Every image has loaded or failed, with its handlers run (had there been any).
    await page.waitForFunction(() => [...document.images].every((i) => i.complete));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.evaluate(() => window.__kith_pwned), undefined, 'the canary is untouched');

    // As text: whitespace and styling marks (XEP-0393 may hide * _ ~ `) aside.
    const plain = (s) => s.replace(/[\s_*~`]/g, '');
    const shown = plain(await markup.innerText());
    for (const line of hostileLines) assert.ok(shown.includes(plain(line)), `reads as text: ${line}`);
    const shownLinks = plain(await links.innerText());
    for (const link of hostileLinks) assert.ok(shownLinks.includes(plain(link)), `reads as text: ${link}`);

    for (const item of [markup, links]) {
      const unsafe = await item.evaluate((el) => {
        const found = [];
        for (const e of el.querySelectorAll('*')) {
          if (/^(script|iframe|frame|object|embed|form|math|style|link|meta|base)$/i.test(e.localName)) found.push(e.localName);
          for (const a of e.attributes) {
            if (/^on/i.test(a.name) || (a.name === 'style' && /url\(/i.test(a.value))) found.push(`${e.localName}[${a.name}]`);
          }
          for (const a of ['href', 'xlink:href', 'action', 'formaction', 'data']) {
            const v = e.getAttribute(a);
            if (v !== null && !/^(https?:|xmpp:|mailto:|#)/i.test(v.trim())) found.push(`${e.localName}[${a}="${v}"]`);
          }
          const src = e.getAttribute('src');
          if (src !== null && !/^(https?:|blob:|data:image\/(png|jpeg|gif|webp);)/i.test(src.trim())) found.push(`${e.localName}[src="${src}"]`);
        }
        return found;
      });
      assert.deepEqual(unsafe, [], 'nothing active, no unsafe link');
    }
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a message from a stranger waits under Message requests, not among the conversations', async (page) => {
  const bob = await online(BOB);
  const eve = await online(EVE);
  try {
    await signInOnline(page, ALICE);
    // Eve is in nobody's roster, and gives Bob's name as hers.
    const hello = unique('Hello from nowhere');
    eve.chat(ALICE.jid, hello, { payload: `<nick xmlns='${NS.nick}'>${esc(BOB.name)}</nick>` });
    await eve.sync();
    const known = unique('And hello from me');
    const knownId = bob.chat(ALICE.jid, known);
    // The app has read Eve's message (it came first) once Bob, a contact, has his receipt.
    await bob.nextMessage((m) => m.child('received', NS.receipts)?.attrs.id === knownId);

    await openChats(page);
    const request = page.getByRole('list', { name: 'Message requests' }).getByRole('listitem').filter({ hasText: EVE.jid });
    await request.waitFor();
    assert.equal(await request.filter({ hasText: new RegExp(`\\b${BOB.name}\\b`, 'i') }).count(), 0,
      'not under the name she gave herself');
    const conversations = page.getByRole('list', { name: 'Conversations' });
    await conversations.getByRole('link', { name: BOB.name, exact: true }).waitFor();
    assert.equal(await conversations.getByRole('listitem').filter({ hasText: EVE.jid }).count(), 0, 'Eve is no conversation');
    assert.equal(await conversations.getByRole('listitem').filter({ hasText: hello }).count(), 0);
    // A receipt would tell a stranger the account exists and is online. Any would have been
    // sent before Bob's; a second is what it may take to arrive.
    const receipt = await eve.nextMessage((m) => m.child('received', NS.receipts) !== null, 1000).catch(() => null);
    assert.equal(receipt?.xml, undefined, 'no receipt to a stranger');
    await signOut(page, { wipe: true });
  } finally {
    await eve.close();
    await bob.close();
  }
});
