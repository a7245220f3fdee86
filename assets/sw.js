// Kith's service worker: the app shell (index.html, wasm, JS, CSS, icons) from a cache,
// so the app opens with no network after the first visit.
//
// This is a template: scripts/precache (a trunk post_build hook) writes dist/sw.js as
// `const VERSION = '…'; const ASSETS = ['./', 'kith-….js', …]; const LAZY = [icons];`
// followed by this file. ASSETS are cached on install; LAZY files (the PNG icons, which
// only installing the app needs) are cached the first time they are asked for, so the
// first visit does not download them.
//
// Updates are never half-applied: a new deployment changes sw.js, the browser installs
// the new worker beside the old one and it WAITS (no skipWaiting on install). The page
// offers "Update available — Reload"; only then does it ask the waiting worker to take
// over, and reloads into the new index.html and assets together (src/net/worker.rs).
//
// Only the precached and LAZY files are answered here. Everything else — config.json (the host's
// live settings, so the page's own fallback applies when offline), host-meta, uploads,
// other origins, WebSockets — goes to the network as if there were no worker.
/* global VERSION, ASSETS, LAZY */

// One cache per version; the prefix tells activate which caches are ours to delete.
const PREFIX = 'kith-shell-';
const CACHE = PREFIX + VERSION;
const base = self.location.href;
const PRECACHED = new Set(ASSETS.map((path) => new URL(path, base).href));
const LAZILY = new Set(LAZY.map((path) => new URL(path, base).href));
const INDEX = new URL('./', base).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // no-cache: revalidate with the server, or an HTTP-cached index.html from the old
    // deployment could be stored under the new version. addAll rejects on any non-2xx
    // answer, which fails the install: a half-uploaded deployment is retried later
    // instead of being half-cached.
    await cache.addAll(ASSETS.map((path) => new Request(path, { cache: 'no-cache' })));
    // The same race, in the other order: a host that uploads sw.js before index.html.
    // The page must name this build's entry files, or it would load assets we lack.
    const page = await (await cache.match(INDEX)).text();
    const missing = ASSETS.filter((p) => /^[^/]+\.(js|wasm|css)$/.test(p) && !page.includes(p));
    if (missing.length) {
      await caches.delete(CACHE);
      throw new Error(`index.html does not match sw.js (no ${missing.join(', ')}); not installing`);
    }
  })());
});

self.addEventListener('activate', (event) => {
  // Older versions' caches: no page runs them any more once this worker is active.
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE)
      .map((n) => caches.delete(n)));
  })());
});

self.addEventListener('message', (event) => {
  const type = event.data?.type;
  // Sent by the page when the person clicks Reload on "Update available".
  if (type === 'skip-waiting') self.skipWaiting();
  // Lets the page (and the e2e tests) ask which build is serving it.
  else if (type === 'version') event.ports[0]?.postMessage({ version: VERSION, cache: CACHE });
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  url.search = '';
  if (request.mode === 'navigate' && isAppPage(url)) {
    event.respondWith(fromCache(INDEX, request));
  } else if (url.origin === self.location.origin && PRECACHED.has(url.href)) {
    event.respondWith(fromCache(url.href, request));
  } else if (url.origin === self.location.origin && LAZILY.has(url.href)) {
    event.respondWith(cachedOnUse(url.href, request));
  }
  // Anything else: no respondWith, so the browser fetches it normally.
});

/** Pages of the single-page app: its folder, index.html, or an extensionless route. */
function isAppPage(url) {
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return false;
  const rest = url.pathname.slice(scope.pathname.length);
  return rest === '' || rest === 'index.html' || !/[./]/.test(rest);
}

/** This version's copy; the network only if the browser evicted the cache. */
async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (!hit) return fetch(request);
  // A response that was redirected (a host sending ./ to ./index.html) may not answer
  // a navigation; a fresh Response with the same body and headers may.
  return hit.redirected ? new Response(hit.body, hit) : hit;
}

/** A LAZY file: this version's copy once it has been fetched, else the network's, kept. */
async function cachedOnUse(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  // Only a whole 200 is kept: not an error page, and not a partial (Range) answer.
  if (response.status === 200) await cache.put(key, response.clone());
  return response;
}
