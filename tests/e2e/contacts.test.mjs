// Contacts management (the people issue) in the built app, against the server the suite
// runs on: adding a contact (with a group) and their answer, an incoming request accepted
// from Kith, renaming, and blocking — with Eve, a stranger to Alice, played by the test's
// own XMPP client. Each test leaves Eve a stranger again (the chat tests rely on it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALICE, EVE, KITH_WS, launchBrowser, signInOnline, signOut, withPage, openContacts, contactItem, until } from './kith.mjs';
import { XmppClient } from './xmpp.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
const e2e = (name, body) => test(name, () => withPage(browser, name, body));

const bare = (jid = '') => jid.split('/')[0];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function online(who, resource = 'e2e') {
  const client = await XmppClient.connect({ url: KITH_WS, ...who, resource });
  client.presence();
  await client.sync();
  return client;
}

/** A subscription presence of `type` from Alice (any resource) to `client`. */
const fromAlice = (client, type, timeout = 15000) => client.next((f) => /^<presence\b/.test(f)
  && new RegExp(`type=['"]${type}['"]`).test(f) && new RegExp(`from=['"]${ALICE.jid}`).test(f), timeout);

/** Eve a stranger to Alice again, both ways, and unblocked. */
async function forget(eve) {
  await eve.rosterRemove(ALICE.jid).catch(() => {});
  const alice = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-cleanup' });
  try {
    await alice.rosterRemove(EVE.jid).catch(() => {});
    await alice.iq('set', `<unblock xmlns='urn:xmpp:blocking'><item jid='${EVE.jid}'/></unblock>`).catch(() => {});
  } finally {
    await alice.close();
  }
}

e2e('Alice adds Eve with a name and a group; Eve accepts; both share presence, and a rename sticks', async (page) => {
  const eve = await online(EVE);
  try {
    await signInOnline(page, ALICE);
    const list = await openContacts(page);
    await page.getByRole('textbox', { name: 'Jabber ID of new contact' }).fill(EVE.jid);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Evelyn');
    await page.getByRole('textbox', { name: 'Group', exact: true }).fill('Neighbours');
    await page.getByRole('button', { name: 'Add contact' }).click();
    // Eve is asked for her presence, and answers yes, and asks back.
    await fromAlice(eve, 'subscribe');
    eve.send(`<presence xmlns='jabber:client' type='subscribed' to='${ALICE.jid}'/>`);
    eve.send(`<presence xmlns='jabber:client' type='subscribe' to='${ALICE.jid}'/>`);
    const row = contactItem(list, EVE.jid);
    await row.filter({ hasText: 'Evelyn' }).waitFor();
    // Pre-approved where the server keeps that; else Alice accepts the request back.
    await until(async () => {
      // (Text content runs the row's parts together: no \b around the word.)
      if (await row.filter({ hasText: 'Both' }).count()) return true;
      const request = page.getByRole('list', { name: 'Contact requests' }).getByRole('listitem').filter({ hasText: EVE.jid });
      if (await request.count()) await request.getByRole('button', { name: 'Accept' }).click();
      return false;
    }, 'the subscription both ways');
    await until(async () => (await eve.roster()).find((i) => bare(i.jid) === ALICE.jid)?.subscription === 'both',
      "both in Eve's roster");
    // The group is kept on the server and offered as a filter.
    const server = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-check' });
    try {
      const item = (await server.iq('get', "<query xmlns='jabber:iq:roster'/>")).match(new RegExp(`<item[^>]*jid=['"]${EVE.jid}['"][^>]*>.*?</item>`, 's'))?.[0] ?? '';
      assert.match(item, /<group>Neighbours<\/group>/);
    } finally {
      await server.close();
    }
    await page.getByRole('combobox').selectOption('Neighbours');
    await row.waitFor();
    // Rename: the new name shows.
    await row.getByRole('button', { name: 'Rename' }).click();
    const dialog = page.getByRole('dialog', { name: /Rename/ });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Eve N.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await row.filter({ hasText: 'Eve N.' }).waitFor();
    await signOut(page, { wipe: true });
  } finally {
    await forget(eve);
    await eve.close();
  }
});

e2e("Eve's request is listed and accepted from Kith: Eve gets the approval and a request back", async (page) => {
  const eve = await online(EVE);
  try {
    await signInOnline(page, ALICE);
    await openContacts(page);
    eve.send(`<presence xmlns='jabber:client' type='subscribe' to='${ALICE.jid}'/>`);
    const request = page.getByRole('list', { name: 'Contact requests' }).getByRole('listitem').filter({ hasText: EVE.jid });
    await request.waitFor();
    await request.getByRole('button', { name: 'Accept' }).click();
    // Approved: Eve's server says so in her roster (with a push, or the presence too).
    await until(async () => ['to', 'both'].includes((await eve.roster()).find((i) => bare(i.jid) === ALICE.jid)?.subscription),
      "Alice's approval in Eve's roster");
    // And Alice asks back.
    await fromAlice(eve, 'subscribe');
    await request.waitFor({ state: 'detached' });
    await signOut(page, { wipe: true });
  } finally {
    await forget(eve);
    await eve.close();
  }
});

e2e("blocking a stranger: the server's block list holds her, her messages no longer show", async (page) => {
  const eve = await online(EVE);
  try {
    await signInOnline(page, ALICE);
    await page.getByRole('navigation').getByRole('link', { name: /^Chats/ }).click();
    const first = `Buy now ${Date.now().toString(36)}`;
    eve.chat(ALICE.jid, first);
    const requests = page.getByRole('list', { name: 'Message requests' });
    const row = requests.getByRole('listitem').filter({ hasText: EVE.jid });
    await row.waitFor();
    await row.getByRole('button', { name: 'Block' }).click();
    await row.waitFor({ state: 'detached' });
    // The server keeps it (for every device of the account).
    const server = await XmppClient.connect({ url: KITH_WS, ...ALICE, resource: 'e2e-check' });
    try {
      await until(async () => (await server.iq('get', "<blocklist xmlns='urn:xmpp:blocking'/>")).includes(EVE.jid),
        "Eve in the server's block list");
    } finally {
      await server.close();
    }
    // Listed under Blocked, with Unblock.
    await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
    const blocked = page.getByRole('list', { name: 'Blocked' }).getByRole('listitem').filter({ hasText: EVE.jid });
    await blocked.getByRole('button', { name: 'Unblock' }).waitFor();
    // What she sends now does not show.
    const second = `Still there? ${Date.now().toString(36)}`;
    eve.chat(ALICE.jid, second);
    await eve.sync();
    await page.getByRole('navigation').getByRole('link', { name: /^Chats/ }).click();
    await page.getByRole('list', { name: 'Conversations' }).waitFor({ state: 'attached' });
    await sleep(1000);
    assert.equal(await page.getByText(second).count(), 0, 'a blocked stranger is not shown');
    // Unblocked: off the list.
    await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
    await blocked.getByRole('button', { name: 'Unblock' }).click();
    await blocked.waitFor({ state: 'detached' });
    await signOut(page, { wipe: true });
  } finally {
    await forget(eve);
    await eve.close();
  }
});
