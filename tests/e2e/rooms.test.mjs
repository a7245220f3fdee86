// Rooms end to end (issue 16): Alice in the app; Bob, in the room, played by the small
// XMPP client, on the test server's MUC service (conference.localhost on Prosody and on
// ejabberd). What Bob receives is checked on the wire; what Alice sees by accessible name.
// On Node 20, `--test-timeout` (package.json: 120 s) bounds the whole file: keep it short.
import assert from 'node:assert/strict';
import {
  ALICE, BOB, DOMAIN, KITH_WS, proxiedSuite, signInOnline,
  until,
} from './kith.mjs';
import { NS, XmppClient, attrs } from './xmpp.mjs';

const e2e = proxiedSuite();

const SERVICE = `conference.${DOMAIN}`;
const unique = (what) => `${what}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const aliceNick = ALICE.jid.split('@')[0];

/** Bob, available and in a new room of his as `bob`. */
async function bobInNewRoom() {
  const bob = await XmppClient.connect({ url: KITH_WS, ...BOB, resource: unique('e2e') });
  bob.presence();
  const room = `${unique('kith')}@${SERVICE}`;
  await bob.joinRoom(room, 'bob');
  return { bob, room };
}

/** The next groupchat message of `room` from occupant `nick` whose body includes `text`. */
const fromOccupant = (client, room, nick, text) => client.nextMessage((m) =>
  m.attrs.type === 'groupchat' && m.attrs.from === `${room}/${nick}` &&
  (m.child('body')?.text.includes(text) ?? false));

/** Whether `client` saw `room/nick` come in (`in`) or go (`!in`) since it started. */
const sawPresence = (client, room, nick, present) => client.log.some((f) =>
  /^<presence\b/.test(f) && attrs(f, 'presence')?.from === `${room}/${nick}` &&
  (attrs(f, 'presence')?.type === 'unavailable') === !present);

const messages = (page) => page.getByRole('list', { name: 'Messages' });
const message = (page, text) => messages(page).getByRole('listitem').filter({ hasText: text });
const conversations = (page) => page.getByRole('list', { name: 'Conversations' });

async function openChats(page) {
  await page.getByRole('navigation').getByRole('link', { name: /^Chats/ }).click();
  // (An empty list is not visible.)
  await page.getByRole('button', { name: 'Join room' }).waitFor();
}

/** Join room → Room address (and Nickname, if given) → Join. */
async function joinThroughForm(page, room, nick) {
  await openChats(page);
  await page.getByRole('button', { name: 'Join room' }).click();
  await page.getByRole('textbox', { name: 'Room address' }).fill(room);
  const nickname = page.getByRole('textbox', { name: 'Nickname' });
  assert.equal(await nickname.inputValue(), aliceNick, 'the nickname defaults to the local part');
  if (nick) await nickname.fill(nick);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

async function say(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** Alice's other device, for what the server keeps for her (bookmarks). */
async function aliceElsewhere(body) {
  const other = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: unique('e2e-other') });
  try {
    return await body(other);
  } finally {
    await other.close();
  }
}

e2e('Join room: messages both ways with nicknames, a mention marked, occupants listed, the bookmark rejoins after a reload, Leave room', async (page) => {
  const { bob, room } = await bobInNewRoom();
  try {
    bob.groupchat(room, 'said before anyone came');
    await bob.sync();
    await signInOnline(page, ALICE, { remember: true });
    await joinThroughForm(page, room);

    // The room's view: heading, its messages (the history, with the sender's nickname),
    // who is in it.
    await page.getByRole('heading', { name: room.split('@')[0] }).waitFor();
    const before = message(page, 'said before anyone came');
    await before.waitFor();
    assert.match(await before.textContent(), /bob/);
    const occupants = page.getByRole('list', { name: 'Occupants' });
    await occupants.getByRole('listitem').filter({ hasText: 'bob' }).waitFor();
    const me = occupants.getByRole('listitem').filter({ hasText: aliceNick });
    await me.waitFor();
    assert.equal(await me.getAttribute('aria-setsize'), '2');
    assert.ok(['1', '2'].includes(await me.getAttribute('aria-posinset')));
    await until(() => sawPresence(bob, room, aliceNick, true), 'Bob to see Alice enter');

    // Alice → room: Bob gets it from her nickname, with her id as origin-id; no Pending
    // once the room has it.
    await say(page, 'hello from Kith');
    const got = await fromOccupant(bob, room, aliceNick, 'hello from Kith');
    const origin = got.child('origin-id', NS.sid);
    assert.ok(origin?.attrs.id, 'an origin-id');
    const own = message(page, 'hello from Kith');
    await until(async () => /(?<![A-Za-z])Sent(?![a-z])/.test(await own.textContent()), 'Sent');

    // Bob → room, once mentioning Alice: that one is marked, the other is not.
    bob.groupchat(room, 'no one in particular');
    bob.groupchat(room, `look here ${aliceNick}, a mention`);
    const mention = message(page, 'a mention');
    await mention.getByText('Mentions you').waitFor();
    assert.match(await mention.textContent(), /bob/);
    await message(page, 'no one in particular').waitFor();
    assert.equal(await message(page, 'no one in particular').getByText('Mentions you').count(), 0);

    // Entering bookmarked the room for every device: autojoin, with her nickname.
    const kept = await until(() => aliceElsewhere(async (other) =>
      (await other.bookmarks()).find((b) => b.jid === room)), 'the bookmark');
    assert.equal(kept.autojoin, true);
    assert.equal(kept.nick, aliceNick);

    // A reload: the remembered account enters the room again by itself.
    const left = bob.log.length;
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await page.reload();
    await page.getByRole('status').filter({ hasText: /online/i }).waitFor();
    await until(() => bob.log.slice(left).some((f) => /^<presence\b/.test(f) &&
      attrs(f, 'presence')?.from === `${room}/${aliceNick}` && !attrs(f, 'presence')?.type),
    'Alice to enter again after the reload');
    await openChats(page);
    await conversations(page).getByRole('link', { name: room.split('@')[0] }).click();
    bob.groupchat(room, 'after the reload');
    await message(page, 'after the reload').waitFor();
    await say(page, 'back again');
    await fromOccupant(bob, room, aliceNick, 'back again');

    // Leave room: out, and the bookmark gone. (Bob may not see her go: the session of
    // the page before the reload may linger in the room until the server drops it.)
    await page.getByRole('button', { name: 'Leave room' }).click();
    await until(() => sent.some((f) => /^<presence\b/.test(f) &&
      attrs(f, 'presence')?.to === `${room}/${aliceNick}` && attrs(f, 'presence')?.type === 'unavailable'),
    'Alice to leave the room');
    await until(() => aliceElsewhere(async (other) =>
      !(await other.bookmarks()).some((b) => b.jid === room)), 'the bookmark removed');
    await openChats(page);
    assert.equal(await conversations(page).getByRole('link', { name: room.split('@')[0] }).count(), 0);
  } finally {
    await bob.close();
  }
});

e2e('Join room with a nickname someone in the room has: the form says so', async (page) => {
  const { bob, room } = await bobInNewRoom();
  try {
    await signInOnline(page, ALICE);
    await joinThroughForm(page, room, 'bob');
    const alert = page.getByRole('alert').filter({ hasText: /nickname is taken/ });
    await alert.waitFor();
    // Another nickname goes in.
    await page.getByRole('textbox', { name: 'Nickname' }).fill(`${aliceNick}2`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await messages(page).waitFor();
    await until(() => sawPresence(bob, room, `${aliceNick}2`, true), 'Bob to see Alice enter');
    // Leave room: Bob sees her go. (And the next test's sign-in does not enter it.)
    await page.getByRole('button', { name: 'Leave room' }).click();
    await until(() => sawPresence(bob, room, `${aliceNick}2`, false), 'Bob to see Alice leave');
    await until(() => aliceElsewhere(async (other) =>
      !(await other.bookmarks()).some((b) => b.jid === room)), 'the bookmark removed');
  } finally {
    await bob.close();
  }
});
