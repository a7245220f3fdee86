// The person's own profile end to end (issue 15): Alice edits hers in the app; Bob's own
// XMPP client (the small one of xmpp.mjs) reads what her PEP then holds, node by node, on
// the test server (Prosody, or ejabberd with KITH_SERVER=ejabberd): the nodes are the
// app's contract with every other client, as the accessible names are with its people.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after } from 'node:test';
import { ALICE, BOB, KITH_WS, proxiedSuite, signInOnline, signOut } from './kith.mjs';
import { XmppClient, esc, parseXml } from './xmpp.mjs';

const e2e = proxiedSuite();

const unique = (what) => `${what} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns something truthy, and returns that. */
async function until(check, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const NODE = {
  nick: 'http://jabber.org/protocol/nick',
  vcard4: 'urn:xmpp:vcard4',
  metadata: 'urn:xmpp:avatar:metadata',
  data: 'urn:xmpp:avatar:data',
};

// The suite's other files share this server: Alice's profile nodes go when this file is
// done, as if she had never published one.
after(async () => {
  const alice = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-profile-cleanup' });
  try {
    for (const node of Object.values(NODE)) {
      await alice.iq('set', `<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='${node}'/></pubsub>`)
        .catch(() => {});
    }
  } finally {
    await alice.close();
  }
});

/** The newest item of Alice's PEP node `node` as Bob's client fetches it (XEP-0060
 *  §6.5.7), or of item `id`; `null` when the node has none. Throws on an error answer. */
async function alicesItem(bob, node, id) {
  const items = id ? `<items node='${node}'><item id='${esc(id)}'/></items>` : `<items node='${node}' max_items='1'/>`;
  const reply = parseXml(await bob.iq('get', `<pubsub xmlns='http://jabber.org/protocol/pubsub'>${items}</pubsub>`, ALICE.jid));
  return reply.find('item', 'http://jabber.org/protocol/pubsub');
}

const nickOf = (item) => item?.child('nick', NODE.nick)?.text;
const vcardText = (item, property) => item?.find(property, 'urn:ietf:params:xml:ns:vcard-4.0')?.child('text')?.text;

/** Width and height of a PNG (IHDR) or JPEG (its SOF segment). */
function imageSize(bytes) {
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'a PNG or a JPEG');
  for (let at = 2; at + 9 < bytes.length;) {
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return [bytes.readUInt16BE(at + 7), bytes.readUInt16BE(at + 5)];
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new Error('no JPEG frame header');
}

/** A 640 × 400 PNG drawn by the browser: not square, larger than an avatar. */
async function picture(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(640, 400);
    const context = canvas.getContext('2d');
    context.fillStyle = '#c33';
    context.fillRect(0, 0, 640, 400);
    context.fillStyle = '#3a3';
    context.beginPath();
    context.arc(320, 200, 150, 0, 2 * Math.PI);
    context.fill();
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    return btoa(String.fromCharCode(...bytes));
  });
  return Buffer.from(base64, 'base64');
}

// The Profile screen, by its accessible names.
async function openProfile(page) {
  await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('form', { name: 'Profile' }).waitFor();
}
const box = (page, name) => page.getByRole('textbox', { name, exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });
const pending = (page) => page.getByRole('form', { name: 'Profile' }).getByText('Pending', { exact: true });

async function chooseAvatar(page, bytes) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button(page, 'Change avatar').click()]);
  assert.ok(await page.getByLabel('Avatar image').count(), 'the file input is labelled Avatar image');
  await chooser.setFiles({ name: 'me.png', mimeType: 'image/png', buffer: bytes });
}

async function bobsClient() {
  return XmppClient.connect({ url: KITH_WS, ...BOB, resource: 'e2e-profile' });
}

e2e('nickname, vCard4 and an avatar published by Kith read the same in Bob\'s client', async (page) => {
  const bob = await bobsClient();
  try {
    await signInOnline(page, ALICE);
    await openProfile(page);
    const nick = unique('Alice');
    const fullName = unique('Alice Liddell');
    const about = 'Curiouser and curiouser!\nDown the rabbit hole.';
    await box(page, 'Nickname').fill(nick);
    await box(page, 'Full name').fill(fullName);
    await box(page, 'About').fill(about);
    await button(page, 'Save profile').click();
    await until(async () => nickOf(await alicesItem(bob, NODE.nick)) === nick, 'Bob to read the nickname');
    const vcard = await until(() => alicesItem(bob, NODE.vcard4), 'Bob to read the vCard4');
    assert.equal(vcardText(vcard, 'fn'), fullName);
    assert.equal(vcardText(vcard, 'note'), about);
    await pending(page).waitFor({ state: 'detached' });

    await chooseAvatar(page, await picture(page));
    // Shown at once, named by the name rule (the nickname first).
    await page.getByRole('img', { name: nick, exact: true }).waitFor();
    const info = await until(async () => (await alicesItem(bob, NODE.metadata))?.find('info', NODE.metadata),
      'Bob to read the avatar metadata');
    const { id, bytes, type, width, height } = info.attrs;
    assert.match(id, /^[0-9a-f]{40}$/);
    assert.ok(['image/png', 'image/jpeg'].includes(type), type);
    const data = (await alicesItem(bob, NODE.data, id))?.find('data', NODE.data);
    assert.ok(data, 'the data item under the metadata\'s id');
    const image = Buffer.from(data.text, 'base64');
    assert.equal(createHash('sha1').update(image).digest('hex'), id, 'the data\'s SHA-1 is its id');
    assert.equal(image.length, Number(bytes));
    const [w, h] = imageSize(image);
    assert.equal(w, h, 'square');
    assert.ok(w <= 192 && w > 0, `at most 192 px: ${w}`);
    assert.deepEqual([Number(width), Number(height)], [w, h]);
    await pending(page).waitFor({ state: 'detached' });
    // XEP-0153 for legacy clients: the same image as her vcard-temp photo, whether her
    // server converts it by itself (XEP-0398) or Kith wrote the copy.
    await until(async () => {
      const vcard = parseXml(await bob.iq('get', "<vCard xmlns='vcard-temp'/>", ALICE.jid));
      const binval = vcard.find('BINVAL')?.text.replace(/\s+/g, '');
      return binval && createHash('sha1').update(Buffer.from(binval, 'base64')).digest('hex') === id;
    }, 'Bob to read the avatar as her vcard-temp photo');

    // Signed in afresh, the screen shows what the server has.
    await signOut(page);
    await signInOnline(page, ALICE);
    await openProfile(page);
    await until(async () => await box(page, 'Nickname').inputValue() === nick, 'the nickname read back');
    assert.equal(await box(page, 'Full name').inputValue(), fullName);
    assert.equal(await box(page, 'About').inputValue(), about);
    const shown = await page.getByRole('img', { name: nick, exact: true }).getAttribute('src');
    assert.equal(Buffer.from(shown.split(',')[1], 'base64').toString('hex'), image.toString('hex'));
  } finally {
    await bob.close();
  }
});

e2e('a nickname saved offline shows Pending and reaches the server once online', async (page, proxy) => {
  const bob = await bobsClient();
  try {
    await signInOnline(page, ALICE);
    await openProfile(page);
    await until(async () => await box(page, 'Nickname').isEditable(), 'the profile to be read');
    proxy.down();
    await page.getByRole('status').filter({ hasText: /connecting|offline/i }).waitFor();
    const nick = unique('Alice offline');
    await box(page, 'Nickname').fill(nick);
    await button(page, 'Save profile').click();
    await pending(page).waitFor();
    proxy.up();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await until(async () => nickOf(await alicesItem(bob, NODE.nick)) === nick, 'Bob to read the nickname', 30000);
    await pending(page).waitFor({ state: 'detached' });
  } finally {
    await bob.close();
  }
});

e2e('a hostile nickname renders as text, and Remove avatar empties the metadata', async (page) => {
  const bob = await bobsClient();
  try {
    await signInOnline(page, ALICE);
    await openProfile(page);
    await until(async () => await box(page, 'Nickname').isEditable(), 'the profile to be read');
    await chooseAvatar(page, await picture(page));
    const hostile = `<script>window.__pwned = 1</script>\u202Egnp.exe <img src=x onerror="window.__pwned = 2"> ${Date.now()}`;
    await box(page, 'Nickname').fill(hostile);
    await button(page, 'Save profile').click();
    await until(async () => nickOf(await alicesItem(bob, NODE.nick)) === hostile, 'Bob to read the nickname as typed');
    const heading = page.getByRole('form', { name: 'Profile' }).getByRole('heading');
    await until(async () => await heading.textContent() === hostile, 'the name shown as text');
    await page.getByRole('img', { name: hostile, exact: true }).waitFor();
    const form = page.getByRole('form', { name: 'Profile' });
    assert.equal(await form.locator('script, img[src="x"]').count(), 0, 'no markup from the name');
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing ran');

    await button(page, 'Remove avatar').click();
    await page.getByRole('img', { name: hostile, exact: true }).waitFor({ state: 'detached' });
    await until(async () => {
      const metadata = (await alicesItem(bob, NODE.metadata))?.find('metadata', NODE.metadata);
      return metadata && !metadata.find('info', NODE.metadata);
    }, 'Bob to read an empty metadata item');
  } finally {
    await bob.close();
  }
});
