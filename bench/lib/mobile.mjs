// mobile.mjs: the `mobile` group. A phone on a mobile network opening the chat for the first time and
// again later, the product and the DOM baseline in the same run (docs/performance.md, "Mobile").
//
//   mobileSession    one fresh browser: first visit (cold cache), then a repeat visit in the same profile,
//                    both under CDP Network.emulateNetworkConditions, with a phone viewport
//   lighthouseRun    Lighthouse 12 (npm `lighthouse`, its CLI in a child process), mobile defaults
//
// Chromium advertises `br` only over HTTPS, so on loopback every request carries an Accept-Encoding the
// harness sets itself (Network.setExtraHTTPHeaders), and every response's Content-Encoding is checked
// against what was offered: a compressible response of at least 1,000 bytes (CloudFront's lower bound)
// must come back in the best encoding offered, with Vary: Accept-Encoding.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launch, CHROMIUM, CHROMIUM_ARGS } from './pages.mjs';
import { onCleanup, run } from './proc.mjs';

const require = createRequire(import.meta.url);

// CDP wants bytes per second. Lighthouse's mobile profile (its "slow 4G"): 150 ms RTT, 1.6 Mbps down,
// 750 kbps up. "Slow 3G" as the issue defines it: 400 ms RTT, 400 kbps both ways.
export const NETWORKS = {
  mobile: { name: 'mobile (150 ms, 1.6 Mbps down, 750 kbps up)', latency: 150, downloadThroughput: 200000, uploadThroughput: 93750 },
  slow3g: { name: 'slow 3G (400 ms, 400 kbps)', latency: 400, downloadThroughput: 50000, uploadThroughput: 50000 },
};
// Lighthouse's mobile screen (Moto G Power): 412×823 CSS px at DPR 1.75, touch, a phone user agent.
export const PHONE = {
  viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true,
  locale: 'pt-BR', timezoneId: 'America/Sao_Paulo',
  userAgent: 'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Chrome/156.0.0.0 Mobile Safari/537.36',
};
export const ACCEPT_ENCODING = 'br, gzip, deflate';
const OFFERED = ['br', 'gzip', 'deflate'];
// What CloudFront compresses (and scripts/build writes .br/.gz siblings for), by Content-Type.
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm|manifest\+json|xml)|image\/svg\+xml|font\/(ttf|otf))/;
export const COMPRESS_MIN_BYTES = 1000;

// Installed before any page script runs: connected (buildingos:status/ready), first contentful paint, and
// the first chat frame. The product hides #boot from inside its first ImGui frame (a requestAnimationFrame
// callback): a MessageChannel task posted then runs after that frame's rendering update, the same
// "visible" as pages.mjs. The DOM page has no #boot: its chat is in the HTML, so its first chat frame is
// its first contentful paint.
function MOBILE_TOOLS() {
  const b = (window.__mobile = { connectedAt: null, firstFrameAt: null, hasBoot: null });
  const connected = (st) => { if (st && st.status === 'connected' && b.connectedAt === null) b.connectedAt = performance.now(); };
  addEventListener('buildingos:ready', (e) => connected(e.detail));
  addEventListener('buildingos:status', (e) => connected(e.detail));
  document.addEventListener('DOMContentLoaded', () => {
    const boot = document.getElementById('boot');
    b.hasBoot = !!boot;
    if (!boot) return;
    const mark = () => {
      if (!boot.hidden || b.firstFrameAt !== null || b.posted) return;
      b.posted = true;
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { b.firstFrameAt = performance.now(); };
      ch.port2.postMessage(0);
    };
    new MutationObserver(mark).observe(boot, { attributes: true, attributeFilter: ['hidden'] });
  });
}

// Every request of one page, from CDP Network events.
function recordNetwork(cdp) {
  const reqs = new Map();
  const get = (id) => {
    if (!reqs.has(id)) reqs.set(id, { id, decoded: 0, done: false, failed: null, cached: false });
    return reqs.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = get(e.requestId);
    r.url = e.request.url;
    r.acceptEncoding = Object.entries(e.request.headers).find(([k]) => k.toLowerCase() === 'accept-encoding')?.[1] ?? null;
  });
  cdp.on('Network.requestServedFromCache', (e) => { get(e.requestId).cached = true; });
  cdp.on('Network.responseReceived', (e) => {
    const r = get(e.requestId);
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    r.status = e.response.status;
    r.contentType = h['content-type'] || e.response.mimeType || '';
    r.contentEncoding = h['content-encoding'] || 'identity';
    r.vary = h.vary || '';
    r.headerBytes = e.response.encodedDataLength || 0;
    r.cached = r.cached || !!e.response.fromDiskCache || !!e.response.fromServiceWorker || !!e.response.fromPrefetchCache;
  });
  cdp.on('Network.dataReceived', (e) => { get(e.requestId).decoded += e.dataLength; });
  cdp.on('Network.loadingFinished', (e) => { const r = get(e.requestId); r.wire = e.encodedDataLength; r.done = true; });
  cdp.on('Network.loadingFailed', (e) => { const r = get(e.requestId); r.failed = e.errorText; r.done = true; });
  return reqs;
}

// The expected encoding for one response, or null when any is fine (cache hits, small or incompressible
// bodies, errors).
function expectedEncoding(r) {
  if (r.cached || r.status !== 200 || !COMPRESSIBLE.test(r.contentType) || r.decoded < COMPRESS_MIN_BYTES) return null;
  const offered = (r.acceptEncoding || '').split(',').map((s) => s.trim().split(';')[0]).filter(Boolean);
  return OFFERED.find((x) => offered.includes(x)) || 'identity';
}

function summarizeNetwork(reqs) {
  const files = [];
  for (const r of reqs.values()) {
    if (!r.url || !/^https?:/.test(r.url)) continue;
    const expect = expectedEncoding(r);
    const ok = expect === null || (r.contentEncoding === expect && (expect === 'identity' || /accept-encoding/i.test(r.vary)));
    files.push({
      path: new URL(r.url).pathname, status: r.status ?? null, cached: r.cached, contentType: r.contentType ?? '',
      encoding: r.cached ? 'cache' : (r.contentEncoding ?? null), vary: r.vary ?? '', wireBytes: r.cached ? 0 : (r.wire ?? 0),
      headerBytes: r.cached ? 0 : (r.headerBytes ?? 0), decodedBytes: r.decoded, expected: expect, encodingOk: ok,
      failed: r.failed,
    });
  }
  const fromNetwork = files.filter((f) => !f.cached);
  const checked = files.filter((f) => f.expected !== null);
  const encodings = {};
  for (const f of fromNetwork) encodings[f.encoding] = (encodings[f.encoding] || 0) + f.wireBytes;
  return {
    wireBytes: fromNetwork.reduce((s, f) => s + f.wireBytes, 0),
    bodyBytes: fromNetwork.reduce((s, f) => s + f.wireBytes - f.headerBytes, 0),
    decodedBytes: files.reduce((s, f) => s + f.decodedBytes, 0),
    requests: fromNetwork.length, cacheHits: files.length - fromNetwork.length,
    encodingChecked: checked.length, encodingOk: checked.filter((f) => f.encodingOk).length,
    wrongEncoding: checked.filter((f) => !f.encodingOk).map((f) => `${f.path}: ${f.encoding}, expected ${f.expected}` +
      (f.encoding === f.expected ? ' (no Vary: Accept-Encoding)' : '')),
    bytesByEncoding: encodings, files,
  };
}

// One visit in `context`: a new tab, throttled, until connected, the first chat frame and a quiet network.
async function visit(context, url, network, timeoutMs) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': ACCEPT_ENCODING } });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: network.latency, downloadThroughput: network.downloadThroughput, uploadThroughput: network.uploadThroughput,
  });
  const reqs = recordNetwork(cdp);
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  await page.waitForFunction(() => window.__mobile && window.__mobile.connectedAt !== null &&
    (window.__mobile.hasBoot === false || window.__mobile.firstFrameAt !== null), null, { timeout: timeoutMs, polling: 50 });
  // Every request started so far has finished, and none started for 500 ms.
  const t0 = Date.now();
  let quietSince = Date.now(), seen = reqs.size;
  while (Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 100));
    const pending = [...reqs.values()].some((r) => r.url && /^https?:/.test(r.url) && !r.done);
    if (reqs.size !== seen || pending) { seen = reqs.size; quietSince = Date.now(); }
    if (Date.now() - quietSince >= 500) break;
  }
  const marks = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource').filter((e) => e.startTime < (window.__mobile.connectedAt ?? Infinity));
    return {
      lastResourceMs: res.length ? Math.max(...res.map((e) => e.responseEnd)) : null,
      fcpMs: fcp ? fcp.startTime : null,
      connectedMs: window.__mobile.connectedAt,
      firstFrameMs: window.__mobile.hasBoot ? window.__mobile.firstFrameAt : (fcp ? fcp.startTime : null),
      documentMs: nav ? nav.responseEnd : null,
    };
  });
  const net = summarizeNetwork(reqs);
  await cdp.detach().catch(() => {});
  await page.close();
  return { ...marks, network: net, problems };
}

// The first visit's files fetched again outside the browser with one Accept-Encoding each (br, gzip,
// identity): body bytes as the server sends them (not decoded) and the Content-Encoding it chose.
function rawGet(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on('data', (d) => { bytes += d.length; });
      res.on('end', () => resolve({ status: res.statusCode, bytes, encoding: res.headers['content-encoding'] || 'identity' }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function servedByEncoding(origin, files) {
  const out = {};
  const paths = [...new Set(files.filter((f) => f.status === 200 && !f.cached).map((f) => f.path))];
  for (const ae of ['br', 'gzip', 'identity']) {
    const list = [];
    for (const p of paths) list.push({ path: p, ...(await rawGet(origin + p, ae)) });
    out[ae] = { bodyBytes: list.reduce((s, f) => s + f.bytes, 0), files: list };
  }
  return out;
}

// A fresh browser and profile: the first visit, then (the tab closed, the profile kept) the repeat visit.
export async function mobileSession(url, { network = NETWORKS.mobile, repeat = true, timeoutMs = 60000 } = {}) {
  const browser = await launch();
  try {
    const context = await browser.newContext(PHONE);
    await context.addInitScript(MOBILE_TOOLS);
    const first = await visit(context, url, network, timeoutMs);
    first.served = await servedByEncoding(new URL(url).origin, first.network.files);
    const again = repeat ? await visit(context, url, network, timeoutMs) : null;
    await context.close();
    return { first, repeat: again };
  } finally {
    await browser.benchClose();
  }
}

// --- Lighthouse ----------------------------------------------------------------------------------------

export function lighthouseCli() {
  try {
    return path.join(path.dirname(require.resolve('lighthouse/package.json')), 'cli/index.js');
  } catch {
    return null;
  }
}

// Lighthouse's own defaults for mobile (simulated throttling: 150 ms RTT, 1.6 Mbps, 4× CPU slowdown; the
// Moto G Power screen), performance only, with the same Accept-Encoding as the timed visits.
export async function lighthouseRun(url) {
  const cli = lighthouseCli();
  if (!cli) throw new Error('lighthouse is not installed (npm ci: package.json lists lighthouse@12)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bos-bench-lh-'));
  const unregister = onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const out = path.join(dir, 'report.json');
    const headers = path.join(dir, 'headers.json');
    fs.writeFileSync(headers, JSON.stringify({ 'Accept-Encoding': ACCEPT_ENCODING }));
    const flags = ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${path.join(dir, 'profile')}`];
    const r = await run(process.execPath, [cli, url, '--quiet', '--output=json', `--output-path=${out}`,
      '--only-categories=performance', `--extra-headers=${headers}`, `--chrome-flags=${flags.join(' ')}`, '--max-wait-for-load=60000'],
    { env: { ...process.env, CHROME_PATH: CHROMIUM } });
    if (r.code !== 0 || !fs.existsSync(out)) throw new Error(`lighthouse exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const lhr = JSON.parse(fs.readFileSync(out, 'utf8'));
    const num = (id) => lhr.audits[id]?.numericValue ?? NaN;
    return {
      score: Math.round((lhr.categories.performance.score ?? NaN) * 100),
      fcpMs: num('first-contentful-paint'), lcpMs: num('largest-contentful-paint'), tbtMs: num('total-blocking-time'),
      ttiMs: num('interactive'), siMs: num('speed-index'), totalBytes: num('total-byte-weight'),
      version: lhr.lighthouseVersion, warnings: lhr.runWarnings || [],
      runtimeError: lhr.runtimeError ? lhr.runtimeError.message : null,
    };
  } finally {
    unregister();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
