// shell/sw.js (the offline shell's service worker) under Node, with an in-memory CacheStorage and a fake
// network: the install stores one whole set or nothing (a page that is not the set's, a file the origin
// does not have), navigations take this set's page, else the newest complete set's, else the network; a
// missing file comes from the network (and is kept), else another set, else the set stops counting as
// complete and the pages are told; activation drops the other sets only. Run by ctest as ui.offline_shell_js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const root = process.env.BOS_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SOURCE = fs.readFileSync(path.join(root, 'shell/sw.js'), 'utf8');
const SCOPE = 'https://chat.example/';
const PAGE = '<!doctype html><script id="bos-boot" src="boot.1111111111.js" data-wasm="app.2222222222.wasm"></script>';
const FILES = ['app.2222222222.wasm', 'boot.1111111111.js'];
const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');

// CacheStorage as browsers give it to a worker, keyed by URL (the worker passes URLs or Requests).
class FakeCache {
  constructor() { this.entries = new Map(); }
  key(r) { return typeof r === 'string' ? r : r.url; }
  async match(r) { const hit = this.entries.get(this.key(r)); return hit ? hit.clone() : undefined; }
  async put(r, response) { this.entries.set(this.key(r), response.clone()); }
  async delete(r) { return this.entries.delete(this.key(r)); }
}
class FakeCaches {
  constructor() { this.map = new Map(); }
  async open(name) { if (!this.map.has(name)) this.map.set(name, new FakeCache()); return this.map.get(name); }
  async keys() { return [...this.map.keys()]; }
  async delete(name) { return this.map.delete(name); }
  async match(r) {
    for (const c of this.map.values()) { const hit = await c.match(r); if (hit) return hit; }
    return undefined;
  }
}

// One worker: shell/sw.js with its set filled in, as assemble_site.py does, in a fresh context.
function worker({ page = PAGE, files = FILES, network = {}, caches = new FakeCaches() } = {}) {
  const listeners = {};
  const told = [];
  const state = { skipped: false, claimed: false, online: true, fetched: [] };
  const set = JSON.stringify({ index: sha(page), files });
  const self = {
    registration: { scope: SCOPE },
    location: new URL(SCOPE + 'sw.js'),
    addEventListener: (type, fn) => { listeners[type] = fn; },
    skipWaiting: () => { state.skipped = true; },
    clients: {
      claim: async () => { state.claimed = true; },
      matchAll: async () => [{ postMessage: (m) => told.push(m) }],
    },
  };
  const fetch = async (input) => {
    const url = typeof input === 'string' ? input : input.url;
    state.fetched.push(url);
    if (!state.online) throw new TypeError('Failed to fetch');
    const rel = url.slice(SCOPE.length).split('?')[0] || 'index.html';  // / serves index.html
    const body = rel in network ? network[rel] : null;
    return body === null ? new Response('not found', { status: 404 }) : new Response(body, { status: 200 });
  };
  vm.runInNewContext(SOURCE.replace('%%BOS_SET%%', set), {
    self, caches, fetch, Response, Request, URL, TextDecoder, crypto: globalThis.crypto, Promise, JSON, Date, Uint8Array,
  });
  // Events as the browser dispatches them: waitUntil/respondWith promises collected.
  async function dispatch(type, init = {}) {
    let waited = null;
    let responded = null;
    const event = { ...init, waitUntil: (p) => { waited = p; }, respondWith: (p) => { responded = p; } };
    listeners[type](event);
    if (waited) await waited;
    return responded ? await responded : undefined;
  }
  const request = (rel, mode = 'cors') => ({ method: 'GET', mode, url: SCOPE + rel });
  return { caches, state, told, dispatch, request, cacheName: 'bos-set-' + sha(page).slice(0, 16) };
}

const SITE = { 'index.html': PAGE, 'app.2222222222.wasm': 'WASM', 'boot.1111111111.js': 'BOOT', 'config.json': '{"websocketEndpoint":"wss://x"}' };

test('install stores the page, every file of the set and config.json, then marks the set complete', async () => {
  const w = worker({ network: SITE });
  await w.dispatch('install');
  const c = w.caches.map.get(w.cacheName);
  assert.ok(c, 'the set has its own cache');
  for (const rel of ['index.html', ...FILES, 'config.json', '__bos_set_complete__']) assert.ok(c.entries.has(SCOPE + rel), rel);
  assert.equal(w.state.skipped, false, 'a new worker waits for the page to accept it');
});

test('install fails, and leaves no partial set, when the origin answers another page or misses a file', async () => {
  const other = worker({ network: { ...SITE, 'index.html': PAGE + '<!-- the next deploy -->' } });
  await assert.rejects(other.dispatch('install'), /not the page of set/);
  assert.deepEqual(await other.caches.keys(), []);
  const missing = worker({ network: { ...SITE, 'boot.1111111111.js': null } });
  await assert.rejects(missing.dispatch('install'), /HTTP 404/);
  assert.deepEqual(await missing.caches.keys(), []);
});

test('a deployed page names its config.<hash>.json: it is part of the set', async () => {
  const page = PAGE.replace('<script id="bos-boot"', '<script id="bos-boot" data-config="config.abcdef0123.json"');
  const w = worker({ page, network: { ...SITE, 'index.html': page, 'config.abcdef0123.json': '{}' } });
  await w.dispatch('install');
  assert.ok(w.caches.map.get(w.cacheName).entries.has(SCOPE + 'config.abcdef0123.json'));
  assert.ok(!w.state.fetched.includes(SCOPE + 'config.json'), 'the page reads its named config, not /config.json');
  // The named file gone (boot.js then reads /config.json): the set keeps /config.json instead.
  const gone = worker({ page, network: { ...SITE, 'index.html': page } });
  await gone.dispatch('install');
  const c = gone.caches.map.get(gone.cacheName);
  assert.ok(c.entries.has(SCOPE + 'config.json'));
  assert.ok(c.entries.has(SCOPE + '__bos_set_complete__'));
});

test('navigations get the set\'s page, offline too; the network is not asked', async () => {
  const w = worker({ network: SITE });
  await w.dispatch('install');
  w.state.online = false;
  w.state.fetched = [];
  const r = await w.dispatch('fetch', { request: w.request('?ws=ws%3A%2F%2F127.0.0.1%3A4000', 'navigate') });
  assert.equal(await r.text(), PAGE);
  assert.deepEqual(w.state.fetched, []);
  // Other documents in scope, and other origins, are left to the browser.
  assert.equal(await w.dispatch('fetch', { request: w.request('other.html', 'navigate') }), undefined);
  assert.equal(await w.dispatch('fetch', { request: { method: 'GET', mode: 'cors', url: 'https://cdn.example/x.1234567890.js' } }), undefined);
  assert.equal(await w.dispatch('fetch', { request: { method: 'POST', mode: 'cors', url: SCOPE + 'app.2222222222.wasm' } }), undefined);
});

test('a file missing from the set comes from the network and is kept', async () => {
  const w = worker({ network: SITE });
  await w.dispatch('install');
  const c = w.caches.map.get(w.cacheName);
  await c.delete(SCOPE + 'app.2222222222.wasm');
  const r = await w.dispatch('fetch', { request: w.request('app.2222222222.wasm') });
  assert.equal(await r.text(), 'WASM');
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(c.entries.has(SCOPE + 'app.2222222222.wasm'));
});

test('offline, a missing file: another set\'s copy, else the set is no longer complete and the pages are told', async () => {
  const caches = new FakeCaches();
  const w = worker({ network: SITE, caches });
  await w.dispatch('install');
  const c = caches.map.get(w.cacheName);
  await c.delete(SCOPE + 'boot.1111111111.js');
  w.state.online = false;
  // An older set has the same file (unchanged between builds).
  const older = await caches.open('bos-set-0000000000000000');
  await older.put(SCOPE + 'boot.1111111111.js', new Response('BOOT'));
  assert.equal(await (await w.dispatch('fetch', { request: w.request('boot.1111111111.js') })).text(), 'BOOT');
  assert.ok(c.entries.has(SCOPE + '__bos_set_complete__'));
  await caches.delete('bos-set-0000000000000000');
  await assert.rejects(w.dispatch('fetch', { request: w.request('boot.1111111111.js') }), /Failed to fetch/);
  assert.ok(!c.entries.has(SCOPE + '__bos_set_complete__'), 'the set no longer counts as complete');
  assert.deepEqual(JSON.parse(JSON.stringify(w.told)), [{ type: 'bos-sw-missing', file: 'boot.1111111111.js' }]);
});

test('a set that is not complete: navigations move to the newest complete set, else the network', async () => {
  const caches = new FakeCaches();
  const w = worker({ network: SITE, caches });
  // Two complete sets of other builds, written at different times, and ours without its marker.
  for (const [name, at, page] of [['bos-set-aaaaaaaaaaaaaaaa', 1000, 'OLDER'], ['bos-set-bbbbbbbbbbbbbbbb', 2000, 'NEWER']]) {
    const other = await caches.open(name);
    await other.put(SCOPE + 'index.html', new Response(page));
    await other.put(SCOPE + '__bos_set_complete__', new Response(JSON.stringify({ build: name, at })));
  }
  const ours = await caches.open(w.cacheName);
  await ours.put(SCOPE + 'index.html', new Response(PAGE));
  assert.equal(await (await w.dispatch('fetch', { request: w.request('', 'navigate') })).text(), 'NEWER');
  // Our own set, once complete, wins over any newer one.
  await ours.put(SCOPE + '__bos_set_complete__', new Response(JSON.stringify({ build: 'ours', at: 10 })));
  assert.equal(await (await w.dispatch('fetch', { request: w.request('index.html', 'navigate') })).text(), PAGE);
  // No complete set at all: the network.
  const bare = worker({ network: SITE });
  assert.equal(await (await bare.dispatch('fetch', { request: bare.request('', 'navigate') })).text(), PAGE);
  assert.ok(bare.state.fetched.includes(SCOPE));
});

test('config.json: the network first, the set\'s copy when offline', async () => {
  const w = worker({ network: SITE });
  await w.dispatch('install');
  w.state.online = false;
  const r = await w.dispatch('fetch', { request: w.request('config.json') });
  assert.equal(await r.text(), SITE['config.json']);
});

test('activation drops the other sets only, takes the open pages, and skip-waiting comes from the page', async () => {
  const caches = new FakeCaches();
  await caches.open('bos-set-0123456789abcdef');
  await caches.open('someone-else');
  const w = worker({ network: SITE, caches });
  await w.dispatch('install');
  await w.dispatch('activate');
  assert.deepEqual((await caches.keys()).sort(), [w.cacheName, 'someone-else'].sort());
  assert.equal(w.state.claimed, true);
  assert.equal(w.state.skipped, false);
  await w.dispatch('message', { data: { type: 'bos-skip-waiting' } });
  assert.equal(w.state.skipped, true);
});
