// Offline-first, end to end: a remembered account opens with the network gone, writes
// made offline wait as Pending and reach the server exactly once, and two tabs of one
// account share one connection. The network is a fault proxy that can go down.
import assert from 'node:assert/strict';
import {
  ALICE, DOMAIN, KITH_URL, KITH_WS, contactItem, openContacts,
  proxiedSuite, signInOnline, signOut,
} from './kith.mjs';
import { XmppClient } from './xmpp.mjs';

const e2e = proxiedSuite();

const status = (page, text) => page.getByRole('status').filter({ hasText: text });
/** The browser noticing the network is back, as it would when Wi-Fi returns. */
const networkBack = (page) => page.evaluate(() => window.dispatchEvent(new Event('online')));

/** Alice's other device: asks for the roster, so the server pushes every change to it. */
async function otherDevice() {
  const other = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'other-device' });
  await other.roster();
  return other;
}

/**
 * How many roster sets of `jid` reached the server, counted from the pushes it sends
 * the other device within a quiet second. The push that follows the subscription
 * request (the item then carries ask='subscribe') is not a roster set of ours.
 */
async function pushesAbout(device, jid) {
  const item = new RegExp(`<item\\b[^>]*jid='${jid}'[^>]*>`);
  const isSet = (f) => /^<iq\b[^>]*type='set'/.test(f) && f.includes('jabber:iq:roster') &&
    item.test(f) && !/\bask=/.test(f.match(item)[0]);
  let count = 0;
  for (;;) {
    const got = await device.next(isSet, 1500).then(() => true, () => false);
    if (!got) return count;
    count++;
  }
}

const uniqueContact = (name) => `${name}-${Date.now().toString(36)}@${DOMAIN}`;

e2e('a remembered account opens offline with its cached contacts, then reconnects', async (page, proxy) => {
  const cached = uniqueContact('cached');
  const other = await otherDevice();
  try {
    await other.rosterSet({ jid: cached, name: 'Cached Contact' });
    await signInOnline(page, ALICE, { remember: true });
    let list = await openContacts(page);
    await contactItem(list, cached).waitFor();

    proxy.down();
    await page.reload();
    await status(page, /offline/i).waitFor();
    list = await openContacts(page);
    await contactItem(list, cached).filter({ hasText: 'Cached Contact' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0, 'no sign-in form');

    proxy.up();
    await networkBack(page);
    await status(page, /online/i).waitFor();
    await signOut(page, { wipe: true });
  } finally {
    await other.rosterRemove(cached).catch(() => {});
    await other.close();
  }
});

e2e('a contact added offline is Pending, survives a reload and is added exactly once', async (page, proxy) => {
  const carol = uniqueContact('carol');
  const other = await otherDevice();
  try {
    await signInOnline(page, ALICE, { remember: true });
    proxy.down();
    await status(page, /connecting|offline/i).waitFor();
    let list = await openContacts(page);
    await page.getByRole('textbox', { name: 'Jabber ID of new contact' }).fill(carol);
    await page.getByRole('textbox', { name: 'Name' }).fill('Carol');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await contactItem(list, carol).filter({ hasText: 'Pending' }).waitFor();

    await page.reload();
    list = await openContacts(page);
    await contactItem(list, carol).filter({ hasText: 'Pending' }).waitFor();
    assert.equal(await pushesAbout(other, carol), 0, 'nothing reached the server while offline');

    proxy.up();
    await networkBack(page);
    await status(page, /online/i).waitFor();
    await contactItem(list, carol).filter({ hasText: 'Carol' }).filter({ hasNotText: 'Pending' }).waitFor();
    assert.equal(await pushesAbout(other, carol), 1, 'the roster set reached the server once');
    const roster = await other.roster();
    assert.equal(roster.filter((i) => i.jid === carol).length, 1);
    await signOut(page, { wipe: true });
  } finally {
    await other.rosterRemove(carol).catch(() => {});
    await other.close();
  }
});

e2e('two tabs of one account: one connection, and a change from either is sent once', async (page, proxy) => {
  const dave = uniqueContact('dave');
  const other = await otherDevice();
  try {
    await signInOnline(page, ALICE, { remember: true });
    const second = await page.context().newPage();
    await second.goto(KITH_URL);
    await status(second, /in another tab/i).waitFor();
    await status(second, /online/i).waitFor();
    assert.equal(proxy.connections, 1, 'only the first tab connects');

    // Written in the tab without the connection; sent by the tab with it.
    const list = await openContacts(second);
    await second.getByRole('textbox', { name: 'Jabber ID of new contact' }).fill(dave);
    await second.getByRole('button', { name: 'Add contact' }).click();
    await contactItem(list, dave).filter({ hasNotText: 'Pending' }).waitFor();
    assert.equal(await pushesAbout(other, dave), 1, 'sent once, by one tab');
    const firstList = await openContacts(page);
    await contactItem(firstList, dave).waitFor();

    // The connected tab goes away: the other takes the connection over.
    await page.close();
    await status(second, /online/i).filter({ hasNotText: /another tab/i }).waitFor();
    assert.equal(proxy.connections, 1);
    await signOut(second, { wipe: true });
  } finally {
    await other.rosterRemove(dave).catch(() => {});
    await other.close();
  }
});
