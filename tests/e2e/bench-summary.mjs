// The lean-and-fast issue's figures, one labelled line each, from what bench.mjs and
// bench-feed.mjs wrote (target/bench/latest.json, feed.json): printed last by
// scripts/bench and written to target/bench/issue13.json. Goals are printed beside the
// figures, never asserted. A figure a scenario did not produce reads "n/a".
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const read = (name) => {
  const file = `${root}target/bench/${name}`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const bench = read('latest.json');
const feed = read('feed.json');
const scenario = (report, test) => Object.entries(report?.scenarios ?? {}).find(([name, r]) => test(name, r) && !r.error)?.[1] ?? null;
const median = (s) => s?.median ?? null;

const size = scenario(bench, (name) => name === 'size');
const slow = scenario(bench, (name) => name.startsWith('first visit on Slow 4G'));
const cold = (n) => scenario(bench, (name) => name === `cold sign-in, ${n} contacts`);
const sync = (key) => scenario(feed, (_, r) => r.sync && r.config?.key === key);
const warm = scenario(feed, (_, r) => r.warmOffline);

const figures = {};
const lines = [];
const kib = (b) => (b == null ? 'n/a' : `${(b / 1024).toFixed(1)} KiB`);
const ms = (x) => (x == null ? 'n/a' : `${x.toFixed(0)} ms`);
/** One labelled line, and its numbers under `key` in the JSON. */
const figure = (key, label, text, values, goal) => {
  figures[key] = { label, ...values, ...(goal ? { goal } : {}) };
  lines.push(`  ${label.padEnd(66)} ${text}${goal ? `   (goal ${goal})` : ''}`);
};

figure('firstLoad', 'first load, gzip -9 / brotli 11',
  `${kib(size?.total.gzip)} / ${kib(size?.total.brotli)} (raw ${kib(size?.total.bytes)})`,
  { gzipBytes: size?.total.gzip ?? null, brotliBytes: size?.total.brotli ?? null, rawBytes: size?.total.bytes ?? null }, '≤ 420 KB gzip');
figure('slow4g', `first visit on Slow 4G → ${bench?.slowContacts ?? 100}-contact roster rendered`,
  `${ms(median(slow?.navigationToContactsMs))} from navigation; ${kib(median(slow?.httpBytes))} transferred${slow && !slow.compressedServed ? ' (NOT served compressed)' : ''}`,
  { fromNavigationMs: median(slow?.navigationToContactsMs), httpBytes: median(slow?.httpBytes), signInFormMs: median(slow?.navigationToFormMs) }, '≤ 3.5 s');
for (const [n, goal] of [[100, null], [1000, '≤ 700 ms from navigation'], [5000, 'no task over 100 ms']]) {
  const r = cold(n);
  figure(`coldSignIn${n}`, `cold sign-in, ${n.toLocaleString('en')} contacts`,
    `${ms(median(r?.navigationToContactsMs))} from navigation; longest main-thread task ${ms(median(r?.longestTaskMs))}`,
    { fromNavigationMs: median(r?.navigationToContactsMs), longestTaskMs: median(r?.longestTaskMs) }, goal);
}
const references = ['gc200', 'shipped-nosm'];
for (const [key, what] of [['shipped', 'stock Prosody'], ['ejabberd', 'ejabberd'], ['gc200', 'Prosody, gc threshold 200 (reference)'], ['shipped-nosm', 'stock Prosody, mod_smacks off']]) {
  const r = sync(key);
  if (!r && references.includes(key)) continue;
  figure(`feedSync_${key}`, `feed first sync, 100 × 20, ${what}`,
    `${ms(median(r?.signInClickToAllVisibleMs))} from Sign in; first article ${ms(median(r?.clickToFirstArticleMs))} after the click; server CPU ${ms(median(r?.serverCpuMs))}`,
    { fromClickMs: median(r?.signInClickToAllVisibleMs), firstArticleFromClickMs: median(r?.clickToFirstArticleMs), serverCpuMs: median(r?.serverCpuMs) },
    references.includes(key) ? null : '≤ 2 s; first article ≤ 400 ms');
  if (r) {
    const sv = r.server;
    figure(`streamManagement_${key}`, "  the server alone, 6 in flight, XEP-0198 off / on",
      `${ms(median(sv.inFlightMs))} / ${ms(median(sv.inFlightStreamManagementMs))}; server CPU ${ms(median(sv.inFlightServerCpuMs))} / ${ms(median(sv.inFlightStreamManagementServerCpuMs))}`,
      {
        wallMs: median(sv.inFlightMs), wallWithSmMs: median(sv.inFlightStreamManagementMs),
        serverCpuMs: median(sv.inFlightServerCpuMs), serverCpuWithSmMs: median(sv.inFlightStreamManagementServerCpuMs),
      });
  }
}
figure('warmStart', `warm start, ${warm?.contacts?.toLocaleString('en') ?? '1,000'} contacts + ${warm?.posts?.toLocaleString('en') ?? '2,000'} posts, offline`,
  `${ms(median(warm?.navigationToFirstArticleMs))} from navigation to the first article`,
  { fromNavigationMs: median(warm?.navigationToFirstArticleMs) }, '≤ 300 ms');

const runs = bench?.runs ?? feed?.runs;
const summary = { date: new Date().toISOString(), runs, benchDate: bench?.date ?? null, feedDate: feed?.date ?? null, loadAverage: feed?.loadAverage ?? null, figures };
writeFileSync(`${root}target/bench/issue13.json`, JSON.stringify(summary, null, 2));
console.log(`\nIssue 13 figures (median of ${runs ?? '?'}; 1-min load ${feed?.loadAverage ? `${feed.loadAverage.start[0]}–${feed.loadAverage.end[0]}` : 'n/a'} on ${bench?.cores ?? feed?.cores ?? '?'} cores):`);
for (const line of lines) console.log(line);
console.log('JSON: target/bench/issue13.json');
