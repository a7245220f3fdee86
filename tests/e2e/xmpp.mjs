// A tiny XMPP-over-WebSocket client (RFC 7395) that plays the *other* side in the
// end-to-end tests: a contact, or a second device of the signed-in account.
// Deliberately minimal: SASL PLAIN (Prosody offers it on its ws:// endpoint because of
// consider_websocket_secure), resource binding, presence, roster get/set. Frames are
// matched with regular expressions; enough for a test helper, not a general parser.
// Needs a global WebSocket: Node 20 with --experimental-websocket, or Node >= 22.

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

export const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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

  constructor(url) {
    this.#ws = new WebSocket(url, 'xmpp');
    this.#closed = new Promise((resolve) => this.#ws.addEventListener('close', resolve));
    this.#ws.addEventListener('message', (e) => {
      this.#frames.push(String(e.data));
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

  /** Close the stream (the server sends unavailable presence for us) and the socket. */
  async close() {
    if (this.#ws.readyState === WebSocket.OPEN) this.send(`<close xmlns='${FRAMING}'/>`);
    const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.race([this.#closed, timeout]);
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
  }
}
