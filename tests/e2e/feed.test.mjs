// The social feed end to end: Bob (a small XMPP client) and Alice (the app) publish,
// comment, like, attach, edit and delete on the local server (Prosody, or ejabberd with
// KITH_SERVER=ejabberd); hostile content from a contact renders inert; a contact cannot
// pass a post off as someone else's; a post written offline is published exactly once.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import {
  ALICE, BOB, DOMAIN, KITH_WS, proxiedSuite, signInOnline, signOut,
} from './kith.mjs';
import { XmppClient, esc } from './xmpp.mjs';

const MICROBLOG = 'urn:xmpp:microblog:0';
const fixture = (name) => readFileSync(new URL(`../fixtures/xep0277/${name}`, import.meta.url), 'utf8');

const e2e = proxiedSuite();

const unique = (what) => `${what} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** Bob's device; available, so Alice's server knows where to send his notifications. */
async function bobOnline() {
  const bob = await XmppClient.connect({ url: KITH_WS, ...BOB });
  bob.presence();
  return bob;
}

const form = (type, fields) => `<x xmlns='jabber:x:data' type='submit'>` +
  `<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#${type}</value></field>` +
  Object.entries(fields).map(([k, v]) => `<field var='pubsub#${k}'><value>${v}</value></field>`).join('') + '</x>';
const create = (node, fields) => `<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='${node}'/>` +
  `<configure>${form('node_config', fields)}</configure></pubsub>`;

/** Bob publishes an Atom entry on his microblog, open to anyone, with a comments node on
 * his own PEP open for anyone to comment on (stock Prosody's pubsub component lets only
 * admins create nodes). Published as Kith does: `max_items` as a publish option, and
 * where the server refuses it (ejabberd 23.01: resource-constraint), the node created or
 * configured to keep every item, then the item again without it. */
async function bobPublishes(bob, { id, title, body = '', entry }) {
  const node = `${MICROBLOG}:comments/${id}`;
  await bob.iq('set', create(node, { access_model: 'open', publish_model: 'open', max_items: 'max' }));
  const xml = entry ?? `<entry xmlns='http://www.w3.org/2005/Atom'><id>${id}</id><title>${esc(title)}</title>` +
    `<author><name>Bob</name><uri>xmpp:${BOB.jid}</uri></author>` +
    `<link rel='replies' title='comments' href='xmpp:${BOB.jid}?;node=${node}'/>` +
    `<content type='text'>${esc(body)}</content><published>${new Date().toISOString()}</published><updated>${new Date().toISOString()}</updated></entry>`;
  const publish = (options) => bob.iq('set', `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` +
    `<publish node='${MICROBLOG}'><item id='${id}'>${xml}</item></publish>` +
    `<publish-options>${form('publish-options', options)}</publish-options></pubsub>`);
  try {
    await publish({ access_model: 'open', max_items: 'max' });
  } catch (e) {
    if (!/resource-constraint/.test(e.message)) throw e;
    const config = { access_model: 'open', max_items: 'max' };
    await bob.iq('set', create(MICROBLOG, config)).catch((e) => { if (!/conflict/.test(e.message)) throw e; });
    await bob.iq('set', `<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='${MICROBLOG}'>` +
      `${form('node_config', config)}</configure></pubsub>`);
    await publish({ access_model: 'open' });
  }
  return node;
}

/** The items of a node, as raw XML strings of <item>. */
async function items(client, to, node) {
  const reply = await client.iq('get', `<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='${node}'/></pubsub>`, to);
  return [...reply.matchAll(/<item\b[\s\S]*?<\/item>/g)].map((m) => m[0]);
}

const feedList = (page) => page.getByRole('list', { name: 'Feed' });
const article = (page, title) => feedList(page).getByRole('article').filter({
  has: page.getByRole('heading', { name: title }),
});

/** Waits for a post, revealing held-back "new posts" if that is where it went. */
async function seePost(page, title, timeout = 20000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await article(page, title).count()) return article(page, title);
    const reveal = page.getByRole('button', { name: /new posts?$/ });
    if (await reveal.count()) await reveal.click().catch(() => {});
    if (Date.now() > deadline) throw new Error(`no post titled "${title}" in the Feed`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function compose(page, { title, body = '' }) {
  await page.getByRole('navigation').getByRole('link', { name: 'Feed' }).click();
  await page.getByRole('textbox', { name: 'Title' }).fill(title);
  await page.getByRole('textbox', { name: 'Post' }).fill(body);
}

e2e('a post Bob publishes appears live in the feed, with his name', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const title = unique('Bob live');
    await bobPublishes(bob, { id: unique('b').replace(' ', '-'), title, body: 'Fresh from the hills' });
    const post = await seePost(page, title);
    await post.filter({ hasText: BOB.name }).waitFor();
    await post.filter({ hasText: 'Fresh from the hills' }).waitFor();
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('Alice comments and likes; Bob sees both on the comments node', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const title = unique('Comment me');
    const id = unique('c').replace(' ', '-');
    const node = await bobPublishes(bob, { id, title });
    const post = await seePost(page, title);
    const like = post.getByRole('button', { name: /^Like/ });
    await like.click();
    await post.getByRole('button', { name: /^Like/, pressed: true }).waitFor();
    await post.getByRole('link', { name: /Comments/ }).or(post.getByRole('button', { name: /Comments/ })).first().click();
    await page.getByRole('textbox', { name: 'Comment' }).fill('Lovely view');
    await page.getByRole('button', { name: 'Send comment' }).click();
    await page.getByRole('list', { name: 'Comments' }).getByText('Lovely view').waitFor();
    for (let t = 0; ; t++) {
      const found = await items(bob, undefined, node);
      const texts = found.map((i) => i.match(/<title[^>]*>([^<]*)<\/title>/)?.[1]);
      if (texts.includes('Lovely view') && texts.includes('♥')) {
        assert.equal(texts.filter((x) => x === '♥').length, 1, 'one like');
        assert.ok(found.every((i) => i.includes(`xmpp:${ALICE.jid}`)), 'Alice is the author');
        break;
      }
      if (t > 50) throw new Error(`comments node holds ${texts}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('Alice publishes with an image, edits the post, then deletes it; Bob sees each step', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const title = unique('Picture');
    await compose(page, { title, body: 'A *small* square #kith' });
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/IbJ6aQAAAABJRU5ErkJggg==', 'base64');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach image' }).click();
    await (await chooser).setFiles({ name: 'square.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Publish' }).click();
    const post = await seePost(page, title);
    await post.getByRole('img').waitFor();
    await post.filter({ hasNotText: 'Pending' }).waitFor();

    let mine = [];
    for (let t = 0; !mine.length; t++) {
      mine = (await items(bob, ALICE.jid, MICROBLOG)).filter((i) => i.includes(esc(title)));
      if (t > 50) throw new Error('the post never reached Alice\'s microblog node');
      if (!mine.length) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(mine.length, 1);
    const href = mine[0].match(/<link[^>]*rel=['"]enclosure['"][^>]*>/)?.[0].match(/href=['"]([^'"]+)/)?.[1];
    assert.ok(href, `an enclosure link in ${mine[0]}`);
    // Published under a neutral name: the local file name says nothing to the world.
    assert.ok(!mine[0].includes('square.png'), `no local file name in ${mine[0]}`);
    assert.match(mine[0], /<link[^>]*rel=['"]enclosure['"][^>]*title=['"]Image['"]|<link[^>]*title=['"]Image['"][^>]*rel=['"]enclosure['"]/);
    const image = await fetch(href);
    assert.equal(image.status, 200);
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), png, 'Bob downloads the same bytes');
    assert.match(mine[0], /rel=['"]replies['"]/, 'a comments link');
    assert.match(mine[0], /<category term=['"]kith['"]/, 'the hashtag as a category');
    const itemId = mine[0].match(/<item[^>]*id=['"]([^'"]+)/)[1];

    await post.getByRole('button', { name: 'Edit' }).click();
    const edited = unique('Picture, edited');
    await page.getByRole('textbox', { name: 'Title' }).fill(edited);
    await page.getByRole('button', { name: 'Publish' }).click();
    await seePost(page, edited);
    for (let t = 0; ; t++) {
      const now = await items(bob, ALICE.jid, MICROBLOG);
      const same = now.filter((i) => i.includes(`id='${itemId}'`) || i.includes(`id="${itemId}"`));
      if (same.length === 1 && same[0].includes(esc(edited))) break;
      if (t > 50) throw new Error('the edit did not replace the item');
      await new Promise((r) => setTimeout(r, 200));
    }

    await article(page, edited).getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('button', { name: 'Delete post' });
    if (await confirm.count()) await confirm.click();
    await article(page, edited).waitFor({ state: 'detached' });
    for (let t = 0; ; t++) {
      const now = await items(bob, ALICE.jid, MICROBLOG);
      if (!now.some((i) => i.includes(itemId))) break;
      if (t > 50) throw new Error('the post was not retracted');
      await new Promise((r) => setTimeout(r, 200));
    }
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a hostile post from a contact renders inert', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const id = unique('h').replace(' ', '-');
    const title = unique('Hostile');
    const entry = fixture('hostile-post.xml')
      .replace(/<\?xml[^>]*\?>/, '')
      .replace(/<title>[\s\S]*?<\/title>/, `<title>${esc(title)}</title>`);
    await bobPublishes(bob, { id, title, entry });
    const post = await seePost(page, title);
    await page.waitForTimeout(500); // let images and handlers have their chance
    assert.equal(await page.evaluate(() => window.__kith_pwned), undefined);
    const dangerous = await post.evaluate((el) => el.querySelectorAll('script, iframe, object, embed, svg, math, form, style, [onerror], [onclick], [onload], [style]').length);
    assert.equal(dangerous, 0);
    const hrefs = await post.evaluate((el) => [...el.querySelectorAll('[href], [src]')].map((e) => e.getAttribute('href') ?? e.getAttribute('src')));
    assert.ok(hrefs.every((h) => /^(https?:|xmpp:|mailto:|#\/)/i.test(h)), `only safe URLs: ${hrefs}`);
    // It claims to be Mallory's, under a name of its own: on Bob's microblog it is Bob's.
    await post.filter({ hasText: BOB.name }).waitFor();
    assert.equal(await post.filter({ hasText: '<script>' }).count(), 0, 'the forged name is not shown');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a forged event from a contact\'s client is shown as theirs or not at all, never as Alice\'s own', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const forged = unique('Forged');
    const id = unique('f').replace(' ', '-');
    const entry = `<entry xmlns='http://www.w3.org/2005/Atom'><id>${id}</id><title>${esc(forged)}</title>` +
      `<author><name>Alice</name><uri>xmpp:${ALICE.jid}</uri></author>` +
      `<published>${new Date().toISOString()}</published></entry>`;
    // What any contact's client can send: a plain message (from Bob's full JID, as the
    // server stamps it) carrying a microblog event that names Alice as the publisher.
    bob.send(`<message xmlns='jabber:client' to='${ALICE.jid}' type='headline' id='${id}'>` +
      `<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='${MICROBLOG}'>` +
      `<item id='${id}' publisher='${ALICE.jid}'>${entry}</item></items></event></message>`);
    // A real post after it: once that shows, the forged event (sent first) has been read.
    const real = unique('After the forgery');
    await bobPublishes(bob, { id: unique('r').replace(' ', '-'), title: real });
    await seePost(page, real);
    const shown = article(page, forged);
    if (await shown.count()) {
      await shown.filter({ hasText: BOB.name }).waitFor();
      assert.equal(await shown.filter({ hasText: ALICE.name }).count(), 0, 'not under Alice\'s name');
    }
    assert.equal(await shown.getByRole('button', { name: 'Edit' }).count(), 0, 'no Edit');
    assert.equal(await shown.getByRole('button', { name: 'Delete' }).count(), 0, 'no Delete');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('an image from a host the reader does not use makes no request until Show image', async (page, proxy) => {
  // A tracker's host, neither Alice's server nor Bob's nor the endpoint: answered here,
  // never by the network (.invalid does not resolve), and every request to it recorded.
  const tracker = 'https://pixel.tracker.invalid/';
  const requested = [];
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/IbJ6aQAAAABJRU5ErkJggg==', 'base64');
  await page.context().route(`${tracker}**`, (route) => {
    requested.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'image/png', body: png });
  });
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const id = unique('t').replace(' ', '-');
    const title = unique('Tracked');
    const node = `${MICROBLOG}:comments/${id}`;
    const now = new Date().toISOString();
    const entry = `<entry xmlns='http://www.w3.org/2005/Atom'><id>${id}</id><title>${esc(title)}</title>` +
      `<link rel='replies' title='comments' href='xmpp:${BOB.jid}?;node=${node}'/>` +
      `<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Look at this</p>` +
      `<img src='${tracker}pixel.png?who=alice' alt='pixel'/></div></content>` +
      `<link rel='enclosure' type='image/png' title='tracked' href='${tracker}enclosure.png'/>` +
      `<published>${now}</published><updated>${now}</updated></entry>`;
    await bobPublishes(bob, { id, title, entry });
    const post = await seePost(page, title);
    await post.filter({ hasText: 'not loaded, from pixel.tracker.invalid' }).waitFor();
    await page.waitForTimeout(1000); // every chance to load, had it been allowed to
    assert.deepEqual(requested, [], 'no request before Show image');
    assert.equal(await post.getByRole('img').count(), 0);

    await post.getByRole('button', { name: 'Show image' }).click();
    const pixel = post.getByRole('img', { name: 'pixel' });
    await pixel.scrollIntoViewIfNeeded();
    await post.getByRole('img', { name: 'tracked' }).scrollIntoViewIfNeeded();
    for (let t = 0; requested.length < 2; t++) {
      if (t > 50) throw new Error(`after Show image, requested only ${requested}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(requested.sort(), [`${tracker}enclosure.png`, `${tracker}pixel.png?who=alice`]);
    assert.equal(await post.getByRole('button', { name: 'Show image' }).count(), 0);
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});

e2e('a post written while the connection is opening again is published on that connection', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE);
    const before = await page.evaluate(() => performance.getEntriesByName('kith:connect').length);
    // The network drops, and the next socket takes its time to open.
    proxy.hold();
    const accepted = proxy.accepted;
    proxy.cut();
    for (let t = 0; proxy.accepted === accepted; t++) {
      if (t > 150) throw new Error('no new connection after the cut');
      await page.waitForTimeout(100);
    }
    // Writing meanwhile must not give up the socket that is still opening.
    const title = unique('Written while reconnecting');
    await compose(page, { title, body: 'On a slow network' });
    await page.getByRole('button', { name: 'Publish' }).click();
    await (await seePost(page, title)).filter({ hasText: 'Pending' }).waitFor();
    await page.waitForTimeout(1000);
    proxy.release();
    await (await seePost(page, title)).filter({ hasNotText: 'Pending' }).waitFor({ timeout: 20000 });
    const connects = await page.evaluate(() => performance.getEntriesByName('kith:connect').length);
    assert.equal(proxy.accepted - accepted, 1, 'the opening connection was kept');
    assert.equal(connects - before, 1, 'one connection attempt');
    const mine = (await items(bob, ALICE.jid, MICROBLOG)).filter((i) => i.includes(esc(title)));
    assert.equal(mine.length, 1, 'one item');
    await signOut(page, { wipe: true });
  } finally {
    proxy.release();
    await bob.close();
  }
});

e2e('a post written offline shows Pending, survives a reload and is published exactly once', async (page, proxy) => {
  const bob = await bobOnline();
  try {
    await signInOnline(page, ALICE, { remember: true });
    proxy.down();
    await page.getByRole('status').filter({ hasText: /connecting|offline/i }).waitFor();
    const title = unique('Offline thought');
    await compose(page, { title, body: 'Written on the train' });
    await page.getByRole('button', { name: 'Publish' }).click();
    await (await seePost(page, title)).filter({ hasText: 'Pending' }).waitFor();
    await page.reload();
    await (await seePost(page, title)).filter({ hasText: 'Pending' }).waitFor();
    proxy.up();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.getByRole('status').filter({ hasText: /online/i }).waitFor();
    await (await seePost(page, title)).filter({ hasNotText: 'Pending' }).waitFor({ timeout: 20000 });
    const mine = (await items(bob, ALICE.jid, MICROBLOG)).filter((i) => i.includes(esc(title)));
    assert.equal(mine.length, 1, 'one item');
    await signOut(page, { wipe: true });
  } finally {
    await bob.close();
  }
});
