// A loopback TCP proxy between the browser and Prosody that can cut or stall every
// connection through it on command: the network failing the way mobile networks do.
import net from 'node:net';

export class FaultProxy {
  #server; #pairs = new Set(); #stalled = false; #down = false; #held = false;
  /** Connections accepted so far. */
  accepted = 0;

  /** Listens on a free loopback port and forwards to 127.0.0.1:`targetPort`. */
  static async start(targetPort) {
    const proxy = new FaultProxy();
    proxy.#server = net.createServer((client) => {
      if (proxy.#down) { client.destroy(); return; }
      proxy.accepted++;
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair = { client, upstream };
      proxy.#pairs.add(pair);
      const drop = () => { client.destroy(); upstream.destroy(); proxy.#pairs.delete(pair); };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
      if (proxy.#stalled || proxy.#held) { client.pause(); upstream.pause(); }
    });
    await new Promise((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port() { return this.#server.address().port; }

  /** Every connection dies at once, mid-frame or not; new ones are accepted. */
  cut() {
    for (const { client, upstream } of this.#pairs) { client.destroy(); upstream.destroy(); }
    this.#pairs.clear();
  }

  /** The network is gone: every connection dies and new ones are refused until `up()`. */
  down() {
    this.#down = true;
    this.cut();
  }

  up() { this.#down = false; }

  /** Bytes stop flowing both ways, but no socket closes: a half-open network. */
  stall() {
    this.#stalled = true;
    for (const { client, upstream } of this.#pairs) { client.pause(); upstream.pause(); }
  }

  unstall() {
    this.#stalled = false;
    for (const { client, upstream } of this.#pairs) { client.resume(); upstream.resume(); }
  }

  /** New connections are accepted and then say nothing until `release()` (a slow
   *  network's handshake: the browser's socket stays opening); open ones flow on. */
  hold() { this.#held = true; }

  release() {
    this.#held = false;
    if (!this.#stalled) for (const { client, upstream } of this.#pairs) { client.resume(); upstream.resume(); }
  }

  get connections() { return this.#pairs.size; }

  async close() {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
