// pages.mjs: the browser figures, measured the same way on the product page and on the DOM baseline.
// Both pages expose window.BuildingOS (state/messages/send) and fire buildingos:status/message, and both
// fetch /config.json from the same dev server, so every function here takes only a URL.
//
//   loadSession     cold cache: navigation → connected, idle cost, send → reply visible (bytes on the wire:
//                   the mobile group, mobile.mjs, as served with the encoding named)
//   burstSession    /__dev/burst: all rendered, worst frame, heaps; then the long-history scroll
//
// "Visible" (reply latency, burst, frames) is defined once, in FRAME_TOOLS below: the end of the first
// rendering update after the event, i.e. a requestAnimationFrame callback registered from the event
// handler, then a MessageChannel task posted from it (that task runs after the frame's rAF callbacks,
// the product's ImGui frame among them, and after style, layout and paint of that frame).
//
// Index
//   [SECTION] Browser        Chromium's flags, FRAME_TOOLS, launch, connected
//   [SECTION] Load figures   settling, idle cost, reply latency: loadSession
//   [SECTION] Burst figures  burst, long history, wheel scrolling: burstSession
//   [SECTION] The site       the page as the deploy ships it: nameConfig
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { onCleanup, treeTicks, treeCpuSeconds } from './proc.mjs';
import { ROOT } from './util.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

// [SECTION] Browser -----------------------------------------------------------------------------------------

export const CHROMIUM = process.env.BOS_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run',
];
const VIEWPORT = { viewport: { width: 1024, height: 720 }, deviceScaleFactor: 1, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' };

// Installed before any page script runs.
function FRAME_TOOLS() {
  const b = (window.__bench = { connectedAt: null, readyAt: null });
  const connected = (st) => { if (st && st.status === 'connected' && b.connectedAt === null) b.connectedAt = performance.now(); };
  addEventListener('buildingos:ready', (e) => { b.readyAt = performance.now(); connected(e.detail); });
  addEventListener('buildingos:status', (e) => connected(e.detail));
  // Resolves with the time the next rendering update has finished.
  b.afterFrame = () => new Promise((resolve) => {
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve(performance.now());
      ch.port2.postMessage(0);
    });
  });
  // Resolves once 3 frames in a row had under 3 ms of main-thread work each: the page has nothing left to
  // draw (the product's render loop has paused, the DOM page has laid out and painted).
  b.waitIdle = async () => {
    let quiet = 0;
    while (quiet < 3) {
      const work = await new Promise((resolve) => {
        requestAnimationFrame(() => {
          const start = performance.now();
          const ch = new MessageChannel();
          ch.port1.onmessage = () => resolve(performance.now() - start);
          ch.port2.postMessage(0);
        });
      });
      quiet = work < 3 ? quiet + 1 : 0;
    }
  };
  // Frame meter: rAF intervals, and each frame's main-thread work (rAF start → after the rendering update).
  b.meter = () => {
    const m = { intervals: [], work: [], running: true, last: null, t0: performance.now() };
    const tick = (ts) => {
      if (!m.running) return;
      if (m.last !== null) m.intervals.push(ts - m.last);
      m.last = ts;
      const start = performance.now();
      const ch = new MessageChannel();
      ch.port1.onmessage = () => m.work.push(performance.now() - start);
      ch.port2.postMessage(0);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    m.stop = () => { m.running = false; return { intervals: m.intervals, work: m.work, ms: performance.now() - m.t0 }; };
    return m;
  };
}

// launchServer, not launch: its process() is the browser's root process, whose tree /proc measures.
export async function launch() {
  // Signals are ours to handle (proc.mjs stops everything in order); Playwright's own handlers would race it.
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  const unregister = onCleanup(() => server.close());
  const browser = await chromium.connect(server.wsEndpoint());
  browser.rootPid = server.process().pid;
  browser.benchClose = async () => {
    unregister();
    await browser.close().catch(() => {});
    await server.close();
  };
  return browser;
}

async function newPage(browser) {
  const context = await browser.newContext(VIEWPORT);
  await context.addInitScript(FRAME_TOOLS);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

async function waitConnected(page, timeoutMs = 30000) {
  await page.waitForFunction(() => window.__bench.connectedAt !== null, null, { timeout: timeoutMs, polling: 50 });
  return page.evaluate(() => window.__bench.connectedAt);
}

// [SECTION] Load figures ------------------------------------------------------------------------------------

// Start-up work (font loading, first frames, layout, GPU process warm-up) goes on for a few seconds after
// `connected`, longer on the DOM page (system fonts). There is no event for "the browser is done", so:
// wait until one whole second passes with the browser's process tree using at most 2 % of a core.
async function settle(pid, maxMs) {
  const t0 = Date.now();
  let before = treeTicks(pid);
  while (Date.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const after = treeTicks(pid);
    if (treeCpuSeconds(before, after) <= 0.02) break;
    before = after;
  }
  return Date.now() - t0;
}

async function idleCost(browser, cdp, seconds) {
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'TaskDuration').value;
  };
  const pid = browser.rootPid;
  const task0 = await metric();
  const ticks0 = treeTicks(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));  // the measurement window itself
  const ticks1 = treeTicks(pid);
  const task1 = await metric();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    treeCpuPct: (treeCpuSeconds(ticks0, ticks1) / wall) * 100,
    mainThreadPct: ((task1 - task0) / wall) * 100,
    processes: ticks1.size,
  };
}

// Per message: send → the assistant's buildingos:message event (network, server, engine) and
// send → visible (that, plus the next rendering update). Messages go one at a time; `paced`: each one is
// sent on an idle page (a resident reads the answer before typing again), otherwise back to back, as soon
// as the previous reply is visible (a stress case: the page may still be drawing the previous exchange).
async function replyLatencies(page, count, paced) {
  return page.evaluate(async ({ n, paced }) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      if (paced) await window.__bench.waitIdle();
      let eventAt = 0;
      const visible = new Promise((resolve) => {
        const on = (e) => {
          if (e.detail.role !== 'assistant') return;
          eventAt = performance.now();
          removeEventListener('buildingos:message', on);
          window.__bench.afterFrame().then(resolve);
        };
        addEventListener('buildingos:message', on);
      });
      const t0 = performance.now();
      const r = window.BuildingOS.send('bench ' + i + ': qual o horário da portaria?');
      if (!r.ok) throw new Error('send refused: ' + JSON.stringify(r));
      const t1 = await visible;
      out.push({ visibleMs: t1 - t0, eventMs: eventAt - t0 });
    }
    return out;
  }, { n: count, paced });
}

// One cold-cache visit: fresh browser, fresh profile.
export async function loadSession(url, { idleSeconds, settleMaxMs, replies, repliesBackToBack }) {
  const browser = await launch();
  try {
    const { page, cdp } = await newPage(browser);
    await page.goto(url);
    const loadMs = await waitConnected(page);
    // Where the time went: the document, the last resource, the page's API ready, connected.
    const timeline = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      return {
        documentMs: nav ? nav.responseEnd : null,
        domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : null,
        lastResourceMs: res.length ? Math.max(...res.map((e) => e.responseEnd)) : null,
        readyMs: window.__bench.readyAt,
        connectedMs: window.__bench.connectedAt,
      };
    });
    const settledMs = await settle(browser.rootPid, settleMaxMs);
    const idle = await idleCost(browser, cdp, idleSeconds);
    idle.settledMs = settledMs;
    const latencies = await replyLatencies(page, replies, true);
    const backToBack = repliesBackToBack ? await replyLatencies(page, repliesBackToBack, false) : [];
    return { loadMs, timeline, idle, latencies, backToBack, problems: page.problems };
  } finally {
    await browser.benchClose();
  }
}

// [SECTION] Burst figures -----------------------------------------------------------------------------------

async function burstInto(page, server, count, prefix, withMeter, suffixes = null) {
  const userId = await page.evaluate(() => window.BuildingOS.state().userId);
  await page.evaluate(({ count, prefix, withMeter }) => {
    const b = window.__bench;
    b.burstGot = 0;
    b.burstMeter = withMeter ? b.meter() : null;
    b.burstT0 = performance.now();
    b.burstDone = new Promise((resolve) => {
      const on = (e) => {
        if (e.detail.role !== 'assistant' || !e.detail.text.startsWith(prefix)) return;
        if (++b.burstGot === count) {
          removeEventListener('buildingos:message', on);
          b.afterFrame().then((t) => resolve(t - b.burstT0));
        }
      };
      addEventListener('buildingos:message', on);
    });
  }, { count, prefix, withMeter });
  const sent = await server.json('/__dev/burst', { user_id: userId, count, text_prefix: prefix, ...(suffixes ? { text_suffixes: suffixes } : {}) });
  if (sent.connections !== 1) throw new Error(`burst reached ${sent.connections} connections, expected 1`);
  const ms = await page.evaluate(() => window.__bench.burstDone);
  const frames = await page.evaluate(() => (window.__bench.burstMeter ? window.__bench.burstMeter.stop() : null));
  return { ms, frames };
}

// Issue 17's mix: 30 % of the messages end with emoji (90 distinct ones, three per message, ZWJ sequences,
// skin tones and flags among them), the rest are plain text. For /__dev/burst's text_suffixes.
export const EMOJI_MIX = (() => {
  const pool = [];
  for (let cp = 0x1F600; pool.length < 80; cp++) pool.push(String.fromCodePoint(cp));
  pool.push('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F1E7}\u{1F1F7}', '\u{1F44D}\u{1F3FD}', '1\uFE0F\u20E3', '\u2764\uFE0F',
    '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}', '\u{1F1F5}\u{1F1F9}', '\u{1F44B}\u{1F3FF}', '\u{1F3F3}\uFE0F\u200D\u{1F308}', '\u{1F9D1}\u200D\u{1F373}');
  const out = [];
  for (let i = 0, k = 0; i < 100; i++) out.push(i % 10 < 3 ? ' ' + pool.slice(3 * k, 3 * k++ + 3).join('') : '');
  return out;
})();

// Burst of `burst` messages (measured), then more up to `history`, then wheel scrolling through them.
// `suffixes`: /__dev/burst's text_suffixes (EMOJI_MIX); the glyph cache's counters are read at the end.
export async function burstSession(url, server, { burst, history, wheelSteps, suffixes = null }) {
  const browser = await launch();
  try {
    const { page, cdp } = await newPage(browser);
    await page.goto(url);
    await waitConnected(page);
    await page.evaluate(() => window.__bench.afterFrame());
    const b = await burstInto(page, server, burst, 'burst ', true, suffixes);
    const rendered = await page.evaluate(() => window.BuildingOS.messages().filter((m) => m.text.startsWith('burst ')).length);
    const heap = await page.evaluate(() => ({
      wasm: window.Module && window.Module.HEAP8 ? window.Module.HEAP8.length : null,
    }));
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const out = {
      burst: {
        count: burst, rendered, ms: b.ms,
        worstFrameMs: Math.max(...b.frames.intervals),
        framesOver50: b.frames.intervals.filter((x) => x > 50).length,
        frames: b.frames.intervals.length,
        wasmHeapBytes: heap.wasm, jsHeapBytes: usedSize,
      },
    };
    // Long history: top up to `history` messages, then scroll with the mouse wheel.
    if (history > burst) await burstInto(page, server, history - burst, 'more ', false, suffixes);
    const total = await page.evaluate(() => window.BuildingOS.messages().length);
    const historyHeap = await page.evaluate(() => (window.Module && window.Module.HEAP8 ? window.Module.HEAP8.length : null));
    await page.mouse.move(512, 360);
    await page.evaluate(() => window.__bench.afterFrame());
    await page.evaluate(() => { window.__bench.scrollMeter = window.__bench.meter(); });
    for (let i = 0; i < wheelSteps; i++) {
      await page.mouse.wheel(0, -240);
      await page.evaluate(() => window.__bench.afterFrame());
    }
    const s = await page.evaluate(() => window.__bench.scrollMeter.stop());
    const scrolled = await page.evaluate(() => {
      const el = document.getElementById('messages');
      return el ? el.scrollHeight - el.clientHeight - el.scrollTop : null;
    });
    out.history = { messages: total, wasmHeapBytes: historyHeap, frames: s.work.length, work: s.work, intervals: s.intervals, scrolledPx: scrolled };
    out.glyphs = await page.evaluate(() => (window.BOSText ? window.BOSText.stats() : null));
    out.problems = page.problems;
    return out;
  } finally {
    await browser.benchClose();
  }
}

// [SECTION] The site ----------------------------------------------------------------------------------------

// The page as the deploy ships it (scripts/deploy-frontend.ps1): the endpoint in an immutable
// config.<hash>.json that the HTML names (data-config on its boot script), so a repeat visit takes it from
// the cache. `configJson`: what the dev server's own /config.json says, byte for byte.
export function nameConfig(siteDir, configJson) {
  const body = configJson;
  JSON.parse(body);  // a broken answer stops here, not in the page
  const name = `config.${crypto.createHash('sha256').update(body).digest('hex').slice(0, 10)}.json`;
  fs.writeFileSync(path.join(siteDir, name), body);
  const html = path.join(siteDir, 'index.html');
  const text = fs.readFileSync(html, 'utf8');
  if (!/<script id="bos-boot"/.test(text)) throw new Error('index.html has no <script id="bos-boot">');
  fs.writeFileSync(html, text.replace('<script id="bos-boot"', `<script id="bos-boot" data-config="${name}"`));
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/lib/precompress.py'), siteDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return name;
}

// A static directory holding the product (dist/, with the .br/.gz siblings scripts/build wrote) at / and
// the baseline at /baseline/, given siblings by the same tool, so the dev server compresses both alike.
export function stageSite(distDir, baselineDir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bos-bench-site-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Times kept: the dev server ignores a sibling older than its file.
  fs.cpSync(distDir, dir, { recursive: true, preserveTimestamps: true });
  fs.cpSync(baselineDir, path.join(dir, 'baseline'), { recursive: true, preserveTimestamps: true });
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/lib/precompress.py'), path.join(dir, 'baseline')], { stdio: ['ignore', 'ignore', 'pipe'] });
  return dir;
}
