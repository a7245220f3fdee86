// Precompressed assets: the build writes FILE.br and FILE.gz beside each file
// (scripts/compress), and scripts/serve sends them as a host with brotli_static/gzip_static
// would: the coding the request allows, the file's own type (application/wasm, so browsers
// compile while downloading), Vary: Accept-Encoding; and the plain file to anyone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { KITH_URL } from './kith.mjs';

/** GET with exactly this Accept-Encoding (fetch would add its own and decode). */
const raw = (url, acceptEncoding) => new Promise((resolve, reject) => {
  get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
  }).on('error', reject);
});

test('assets are served precompressed when the request allows, plain otherwise', async () => {
  const html = (await raw(KITH_URL, 'identity')).body.toString();
  const wasm = html.match(/href="\.\/(kith-[0-9a-f]{1,16}_bg\.wasm)"/)?.[1];
  assert.ok(wasm, 'index.html names no wasm');
  for (const [name, type] of [[wasm, 'application/wasm'], ['', 'text/html'], ['sw.js', 'text/javascript']]) {
    const url = new URL(name, KITH_URL).href;
    const plain = await raw(url, 'identity');
    assert.equal(plain.status, 200, url);
    assert.equal(plain.headers['content-encoding'], undefined, url);
    assert.equal(plain.headers.vary, 'Accept-Encoding', url);
    for (const [accept, coding, decode] of [['gzip, deflate, br', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync], ['br;q=0, gzip', 'gzip', gunzipSync]]) {
      const packed = await raw(url, accept);
      assert.equal(packed.status, 200, url);
      assert.equal(packed.headers['content-encoding'], coding, `${url} for ${accept}`);
      assert.ok(packed.headers['content-type'].startsWith(type), `${url}: ${packed.headers['content-type']}`);
      assert.equal(packed.headers.vary, 'Accept-Encoding', url);
      assert.equal(Number(packed.headers['content-length']), packed.body.length, url);
      assert.ok(packed.body.length < plain.body.length, `${url}: ${coding} is no smaller`);
      assert.ok(decode(packed.body).equals(plain.body), `${url}: ${coding} copy differs from the file`);
    }
  }
});
