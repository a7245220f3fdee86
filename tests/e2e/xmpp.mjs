// A tiny XMPP-over-WebSocket client (RFC 7395) that plays the *other* side in the
// end-to-end tests: a contact, or a second device of the signed-in account.
// Deliberately minimal: SASL PLAIN (Prosody offers it on its ws:// endpoint because of
// consider_websocket_secure), resource binding, presence, roster get/set, chat messages
// and what answers them (receipts, markers, carbons). Frames are matched with regular
// expressions, or read with parseXml where a test asserts on a stanza's shape: enough for
// a test helper, not a general parser.
// Needs a global WebSocket: Node 20 with --experimental-websocket, or Node >= 22.

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

export const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Text with XML's predefined and numeric character references resolved. */
export const unesc = (s) => s.replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot|apos);/gi, (m, e) =>
  e[0] !== '#' ? ENTITIES[e] : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));

/** Namespaces the chat tests send and look for. */
export const NS = {
  sid: 'urn:xmpp:sid:0', // XEP-0359
  receipts: 'urn:xmpp:receipts', // XEP-0184
  markers: 'urn:xmpp:chat-markers:0', // XEP-0333
  chatstates: 'http://jabber.org/protocol/chatstates', // XEP-0085
  carbons: 'urn:xmpp:carbons:2', // XEP-0280
  forward: 'urn:xmpp:forward:0', // XEP-0297
  correct: 'urn:xmpp:message-correct:0', // XEP-0308
  retract: 'urn:xmpp:message-retract:1', // XEP-0424
  reactions: 'urn:xmpp:reactions:0', // XEP-0444
  reply: 'urn:xmpp:reply:0', // XEP-0461
  fallback: 'urn:xmpp:fallback:0', // XEP-0428
  nick: 'http://jabber.org/protocol/nick', // XEP-0172
  xhtmlIm: 'http://jabber.org/protocol/xhtml-im', // XEP-0071
  oob: 'jabber:x:oob', // XEP-0066
  muc: 'http://jabber.org/protocol/muc', // XEP-0045
  mucUser: 'http://jabber.org/protocol/muc#user',
  mucOwner: 'http://jabber.org/protocol/muc#owner',
  bookmarks: 'urn:xmpp:bookmarks:1', // XEP-0402
};

/** One element of a parsed stanza: its name, default namespace (declared or inherited),
 *  attributes and children (elements and text, references resolved). */
export class XmlElement {
  constructor(name, attrs, ns, parent) {
    Object.assign(this, { name, attrs, ns, parent, children: [] });
  }

  #is(c, name, ns) { return c instanceof XmlElement && c.name === name && (ns === undefined || c.ns === ns); }

  /** The first child element named `name` (in namespace `ns`, when given). */
  child(name, ns) { return this.children.find((c) => this.#is(c, name, ns)) ?? null; }

  /** The first element named `name` (in `ns`) below this one, depth first. */
  find(name, ns) {
    for (const c of this.children) {
      if (!(c instanceof XmlElement)) continue;
      if (this.#is(c, name, ns)) return c;
      const below = c.find(name, ns);
      if (below) return below;
    }
    return null;
  }

  /** The element's own text (not its descendants'). */
  get text() { return this.children.filter((c) => typeof c === 'string').join(''); }
}

/**
 * Parses one frame (RFC 7395: a frame is one stanza) into an XmlElement; `xml` keeps the
 * frame. Prefixed names stay as written (`stream:features`); only default namespaces
 * (`xmlns='…'`) are tracked, which is how XMPP clients and servers write stanzas.
 */
export function parseXml(xml) {
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  const root = new XmlElement('', {}, '', null);
  let open = root;
  for (const [whole, cdata, end, name, rawAttrs, selfClosing, text] of xml.matchAll(token)) {
    if (cdata !== undefined) open.children.push(cdata);
    else if (end !== undefined) {
      if (end !== open.name) throw new Error(`</${end}> closes <${open.name}> in ${xml}`);
      open = open.parent;
    } else if (name !== undefined) {
      const attrs = {};
      for (const a of rawAttrs.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]] = unesc(a[2] ?? a[3]);
      const el = new XmlElement(name, attrs, attrs.xmlns ?? open.ns, open);
      open.children.push(el);
      if (!selfClosing) open = el;
    } else if (text !== undefined && open !== root) open.children.push(unesc(text));
    else if (whole.startsWith('<') && !/^<(!--|\?)/.test(whole)) throw new Error(`cannot parse ${whole} in ${xml}`);
  }
  const top = root.children.find((c) => c instanceof XmlElement);
  if (!top) throw new Error(`no element in ${xml}`);
  top.xml = xml;
  return top;
}

/** A fresh stanza id. */
export const newId = () => `e2e-${crypto.randomUUID()}`;

/** Attributes of the first `<tag ...>` in `xml`, as an object. */
export function attrs(xml, tag) {
  const m = xml.match(new RegExp(`<${tag}\\b([^>]*?)/?>`));
  if (!m) return null;
  return Object.fromEntries([...m[1].matchAll(/([\w:-]+)=(['"])(.*?)\2/g)].map((a) => [a[1], a[3]]));
}

export class XmppClient {
  /** Connect, authenticate and bind. Resolves to a ready client. */
  static async connect({ url, jid, password, resource = 'e2e' }) {
    const c = new XmppClient(url);
    try {
      await c.#login(jid, password, resource);
    } catch (e) {
      c.#ws.close(); // an open socket would keep node (and the test) alive
      throw e;
    }
    return c;
  }

  #ws; #frames = []; #waiters = []; #ids = 0; #closed;
  /** Every frame received, in order, consumed or not: for counting what arrived. */
  log = [];

  constructor(url) {
    this.#ws = new WebSocket(url, 'xmpp');
    this.#closed = new Promise((resolve) => this.#ws.addEventListener('close', resolve));
    this.#ws.addEventListener('message', (e) => {
      this.#frames.push(String(e.data));
      this.log.push(String(e.data));
      this.#wake();
    });
    this.#ws.addEventListener('close', () => this.#wake());
  }

  send(xml) { this.#ws.send(xml); }

  /** The next received frame matching `pred` (regexp or function); consumes it. */
  next(pred, timeoutMs = 10000) {
    const test = typeof pred === 'function' ? pred : (f) => pred.test(f);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const i = this.#frames.findIndex(test);
        if (i >= 0) { resolve(this.#frames.splice(i, 1)[0]); return true; }
        if (this.#ws.readyState >= WebSocket.CLOSING) { reject(new Error(`socket closed while waiting for ${pred}`)); return true; }
        return false;
      };
      if (waiter()) return;
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wrapped);
        reject(new Error(`timed out waiting for ${pred}; unconsumed frames:\n${this.#frames.join('\n')}`));
      }, timeoutMs);
      const wrapped = () => (waiter() ? (clearTimeout(timer), true) : false);
      this.#waiters.push(wrapped);
    });
  }

  #wake() { this.#waiters = this.#waiters.filter((w) => !w()); }

  /** Send an iq and wait for its result; throws on type='error'. */
  async iq(type, payload, to) {
    const id = `e2e${++this.#ids}`;
    this.send(`<iq xmlns='jabber:client' type='${type}' id='${id}'${to ? ` to='${esc(to)}'` : ''}>${payload}</iq>`);
    const reply = await this.next((f) => /^<iq\b/.test(f) && attrs(f, 'iq')?.id === id);
    if (attrs(reply, 'iq').type === 'error') throw new Error(`iq ${id} failed: ${reply}`);
    return reply;
  }

  async #open() {
    if (this.#ws.readyState === WebSocket.CONNECTING) {
      await new Promise((resolve, reject) => {
        this.#ws.addEventListener('open', resolve, { once: true });
        this.#ws.addEventListener('error', () => reject(new Error('WebSocket failed to open')), { once: true });
      });
    }
    this.send(`<open xmlns='${FRAMING}' to='${esc(this.domain)}' version='1.0'/>`);
    await this.next(/^<open\b/);
    return this.next(/^<stream:features\b|^<features\b/);
  }

  async #login(jid, password, resource) {
    const [local, domain] = jid.split('@');
    this.domain = domain;
    const features = await this.#open();
    /** SASL mechanisms the server offered, e.g. ['SCRAM-SHA-1', 'PLAIN']. */
    this.mechanisms = [...features.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1]);
    if (!this.mechanisms.includes('PLAIN')) throw new Error(`server offers no PLAIN: ${this.mechanisms}`);
    const creds = btoa(String.fromCharCode(...new TextEncoder().encode(`\0${local}\0${password}`)));
    this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${creds}</auth>`);
    const outcome = await this.next(/^<(success|failure)\b/);
    if (!outcome.startsWith('<success')) throw new Error(`SASL failed for ${jid}: ${outcome}`);
    await this.#open(); // stream restart after SASL
    const bound = await this.iq('set',
      `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${esc(resource)}</resource></bind>`);
    this.jid = bound.match(/<jid>([^<]+)<\/jid>/)[1];
  }

  /** Available presence (optionally with show/status), or { type: 'unavailable' }. */
  presence({ type, show, status } = {}) {
    this.send(`<presence xmlns='jabber:client'${type ? ` type='${type}'` : ''}>` +
      (show ? `<show>${esc(show)}</show>` : '') +
      (status ? `<status>${esc(status)}</status>` : '') + '</presence>');
  }

  /** The roster as [{ jid, name, subscription }]. */
  async roster() {
    const reply = await this.iq('get', "<query xmlns='jabber:iq:roster'/>");
    return [...reply.matchAll(/<item\b[^>]*>/g)].map((m) => attrs(m[0], 'item'));
  }

  /** RFC 6121 roster set: add or update one item. */
  rosterSet({ jid, name }) {
    return this.iq('set', `<query xmlns='jabber:iq:roster'><item jid='${esc(jid)}'` +
      (name ? ` name='${esc(name)}'` : '') + '/></query>');
  }

  /** RFC 6121 roster remove. */
  rosterRemove(jid) {
    return this.iq('set', `<query xmlns='jabber:iq:roster'><item jid='${esc(jid)}' subscription='remove'/></query>`);
  }

  /** A round trip to the server (XEP-0199 ping): everything sent before it on this stream
   *  has been handled (routed, stored) once it returns. */
  sync() { return this.iq('get', "<ping xmlns='urn:xmpp:ping'/>"); }

  /** The next message stanza for which `pred(parsed)` holds, parsed (parseXml); consumes it. */
  async nextMessage(pred = () => true, timeoutMs = 10000) {
    const isMessage = (f) => /^<message\b/.test(f) && pred(parseXml(f));
    isMessage.toString = () => `a message matching ${pred}`;
    return parseXml(await this.next(isMessage, timeoutMs));
  }

  /** The message stanzas received so far (consumed or not), parsed. */
  messages() { return this.log.filter((f) => /^<message\b/.test(f)).map(parseXml); }

  /**
   * A chat message as a current client sends it: origin-id equal to the id, a receipt
   * request, markable, active. `payload` is appended raw (a correction, a reply…).
   * Returns the id.
   */
  chat(to, body, { id = newId(), payload = '', requests = true } = {}) {
    this.send(`<message xmlns='jabber:client' type='chat' to='${esc(to)}' id='${esc(id)}'>` +
      (body === undefined ? '' : `<body>${esc(body)}</body>`) +
      `<origin-id xmlns='${NS.sid}' id='${esc(id)}'/>` +
      (requests ? `<request xmlns='${NS.receipts}'/><markable xmlns='${NS.markers}'/>` : '') +
      `<active xmlns='${NS.chatstates}'/>${payload}</message>`);
    return id;
  }

  /** XEP-0184: `message` (parsed) was received; sent to the full JID it came from. */
  receipt(message) {
    this.send(`<message xmlns='jabber:client' to='${esc(message.attrs.from)}' id='${newId()}'>` +
      `<received xmlns='${NS.receipts}' id='${esc(message.attrs.id)}'/></message>`);
  }

  /** XEP-0333: `message` (parsed) was displayed. */
  displayed(message) {
    this.send(`<message xmlns='jabber:client' type='chat' to='${esc(message.attrs.from)}' id='${newId()}'>` +
      `<displayed xmlns='${NS.markers}' id='${esc(message.attrs.id)}'/></message>`);
  }

  /**
   * XEP-0045 §7.2: enters `room` as `nick`, without its history; a room this creates is
   * made an instant room (§10.1.2), so others can enter. Resolves to the self-presence.
   */
  async joinRoom(room, nick) {
    const occupant = `${room}/${nick}`;
    this.send(`<presence xmlns='jabber:client' to='${esc(occupant)}'>` +
      `<x xmlns='${NS.muc}'><history maxstanzas='0'/></x></presence>`);
    const self = await this.next((f) => /^<presence\b/.test(f) && attrs(f, 'presence')?.from === occupant &&
      (/code=['"]110['"]/.test(f) || attrs(f, 'presence')?.type === 'error'));
    if (attrs(self, 'presence').type === 'error') throw new Error(`could not enter ${room}: ${self}`);
    if (/code=['"]201['"]/.test(self)) {
      await this.iq('set', `<query xmlns='${NS.mucOwner}'><x xmlns='jabber:x:data' type='submit'/></query>`, room);
    }
    return self;
  }

  /** A groupchat message to `room` (id and origin-id the same). Returns the id. */
  groupchat(room, body, { id = newId() } = {}) {
    this.send(`<message xmlns='jabber:client' type='groupchat' to='${esc(room)}' id='${esc(id)}'>` +
      `<body>${esc(body)}</body><origin-id xmlns='${NS.sid}' id='${esc(id)}'/></message>`);
    return id;
  }

  /** XEP-0402: the account's bookmarks, as [{ jid, autojoin, nick }]. */
  async bookmarks() {
    const reply = await this.iq('get', `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` +
      `<items node='${NS.bookmarks}'/></pubsub>`).catch((e) => {
      if (/item-not-found/.test(e.message)) return '';
      throw e;
    });
    if (!reply) return [];
    const items = parseXml(reply).find('items')?.children ?? [];
    return items.filter((i) => i instanceof XmlElement && i.name === 'item').map((i) => {
      const c = i.child('conference', NS.bookmarks);
      return { jid: i.attrs.id, autojoin: ['true', '1'].includes(c?.attrs.autojoin), nick: c?.child('nick')?.text };
    });
  }

  /** XEP-0280: this resource gets copies of the account's chats to and from its others. */
  enableCarbons() { return this.iq('set', `<enable xmlns='${NS.carbons}'/>`); }

  /** Close the stream (the server sends unavailable presence for us) and the socket. */
  async close() {
    if (this.#ws.readyState === WebSocket.OPEN) this.send(`<close xmlns='${FRAMING}'/>`);
    const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.race([this.#closed, timeout]);
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
  }
}
