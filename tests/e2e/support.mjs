// support.mjs: what every end-to-end test needs. A real dev server (the native binary, on a free port,
// serving dist/), a real browser (Debian's Chromium through playwright-core, never a downloaded one),
// small waits on the page's own events instead of sleeps, and what the resident sees: the layout hook,
// screenshots decoded with their layout (pixels.mjs), taps where things are drawn.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { decodePng, palette, assertBubble } from './pixels.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEVSERVER = path.join(ROOT, 'build/native/devserver/bos-devserver');
export const DIST = path.join(ROOT, 'dist');
export const ARTIFACTS = path.join(ROOT, 'artifacts/e2e');
fs.mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run',
];

// Starts bos-devserver; resolves once it printed its ready line. `port` 0 picks a free one.
export async function startDevserver({ port = 0, args = [], staticDir = DIST } = {}) {
  const argv = ['--host', '127.0.0.1', '--port', String(port), '--quiet', ...args];
  if (staticDir) argv.push('--static', staticDir);
  const child = spawn(DEVSERVER, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const lines = readline.createInterface({ input: child.stdout });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dev server did not start: ' + stderr)), 10000);
    lines.on('line', (line) => {
      const m = /^listening ws:\/\/([^ ]+):(\d+)$/.exec(line);
      if (m) { clearTimeout(timer); resolve(Number(m[2])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dev server exited ${code}: ${stderr}`)); });
  });
  const actualPort = await ready;
  const server = {
    port: actualPort,
    http: `http://127.0.0.1:${actualPort}`,
    ws: `ws://127.0.0.1:${actualPort}`,
    child,
    async stop() {
      // exitCode stays null after a signal (kill() below): then it is gone too, and 'exit' will not come again.
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
    async json(pathname, body) {
      const res = await fetch(server.http + pathname, body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
  return server;
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export const DESKTOP = { viewport: { width: 1024, height: 720 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' };
export const PHONE = {
  viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true,
  locale: 'pt-BR', timezoneId: 'America/Sao_Paulo',
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
};

// A page with its problems recorded: console errors, uncaught exceptions, CSP violations.
export async function openPage(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.logs = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    page.logs.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error' && !/WebSocket connection to .* failed|Failed to load resource/.test(m.text())) {
      page.problems.push('console.error: ' + m.text());
    }
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  if (url) await page.goto(url);
  return page;
}

export async function waitReady(page, timeout = 20000) {
  await page.waitForFunction(() => !!window.BuildingOS, null, { timeout });
}

export async function waitStatus(page, status, timeout = 20000) {
  await page.waitForFunction((s) => window.BuildingOS && window.BuildingOS.state().status === s, status, { timeout });
}

// Records, in the page, when the status first leaves 'connected' (page clock, ms), from the
// buildingos:status events: polling state() can miss a reconnection quicker than the poll. Returns the
// page's Date.now() at the time of the call. `then` runs in the page right after the listener is set.
export async function watchLeavingConnected(page, then = null) {
  return page.evaluate((then) => {
    window.__bosLeft = window.BuildingOS.state().status !== 'connected' ? Date.now() : null;
    window.addEventListener('buildingos:status', (e) => {
      if (e.detail.status !== 'connected' && window.__bosLeft === null) window.__bosLeft = Date.now();
    });
    const at = Date.now();
    if (then === 'visible') {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      Object.defineProperty(document, 'hidden', { value: false, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }
    return at;
  }, then);
}

// Waits for what watchLeavingConnected() recorded; returns the page time the status left 'connected'.
export async function waitLeftConnected(page, timeout) {
  const handle = await page.waitForFunction(() => window.__bosLeft, null, { timeout, polling: 100 });
  return handle.jsonValue();
}

// Waits until messages() has one matching every field of `match` (a value, or an array of accepted values).
// Plain data, not a function: the page's CSP forbids eval, and that is what we want to test.
export async function waitMessage(page, match, timeout = 20000) {
  const handle = await page.waitForFunction((want) => {
    if (!window.BuildingOS) return null;
    return window.BuildingOS.messages().find((m) => Object.entries(want).every(([k, v]) =>
      Array.isArray(v) ? v.includes(m[k]) : m[k] === v)) || null;
  }, match, { timeout });
  return handle.jsonValue();
}

export async function noProblems(page) {
  const csp = await page.evaluate(() => window.__csp || []);
  return [...page.problems, ...csp.map((c) => 'csp: ' + c)];
}

export async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file });
  return file;
}

// [SECTION] What the resident sees ---------------------------------------------------------------------------
// The page's layout hook (window.BuildingOS.__test, read-only: see wasm/pre.js) says where the last frame
// drew each bubble, chip, button and area, in CSS px; the screenshot shows what was drawn there.

export async function layout(page) {
  return page.evaluate(() => window.BuildingOS.__test.layout());
}

// The rectangles of one kind in a layout, optionally of one message (id) or with one detail (a label).
export function rectsOf(l, kind, { id, detail } = {}) {
  return l.rects.filter((r) => r.kind === kind && (id === undefined || r.id === id) && (detail === undefined || r.detail === detail));
}
export function oneRect(l, kind, filter = {}) {
  const found = rectsOf(l, kind, filter);
  if (found.length !== 1) {
    throw new Error(`expected one "${kind}" ${JSON.stringify(filter)}, found ${found.length}: ` +
      JSON.stringify(l.rects.map((r) => [r.kind, r.id, r.detail.slice(0, 24)])));
  }
  return found[0];
}
export const centreOf = (r) => ({ x: r.x + r.w / 2, y: r.y + r.h / 2 });

export async function framesDrawn(page) {
  return page.evaluate(() => window.BuildingOS.__test.framesDrawn());
}

// Waits until the app has stopped drawing (render on demand: it pauses once nothing changes): no new
// frame across a few animation frames.
export async function settled(page, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const quiet = await page.evaluate(() => new Promise((resolve) => {
      const before = window.BuildingOS.__test.framesDrawn();
      let n = 0;
      const step = () => {
        if (++n < 4) requestAnimationFrame(step);
        else resolve(window.BuildingOS.__test.framesDrawn() === before);
      };
      requestAnimationFrame(step);
    }));
    if (quiet) return;
    if (Date.now() > deadline) throw new Error('the page kept drawing');
  }
}

// The palette the page draws with (src/ui/theme.hpp: dark or light, as the page's colour scheme says).
export async function pagePalette(page) {
  const dark = await page.evaluate(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
  return palette(dark ? 'dark' : 'light');
}

// A screenshot (kept in artifacts/e2e/<name>.png when named) with the layout of the frame it shows:
// retried if the app drew a frame in between. -> { img, layout, scale, pal, file }
// `cdp`: a CDP session to capture with instead (Playwright's screenshot does not know about a device
// scale factor set through CDP, and would scale the picture back down).
export async function capture(page, name = null, { settle = true, cdp = null } = {}) {
  if (settle) await settled(page);
  const file = name ? path.join(ARTIFACTS, name + '.png') : null;
  for (let i = 0; ; i++) {
    const l = await layout(page);
    let buf;
    if (cdp) {
      buf = Buffer.from((await cdp.send('Page.captureScreenshot', { format: 'png' })).data, 'base64');
      if (file) fs.writeFileSync(file, buf);
    } else {
      buf = await page.screenshot(file ? { path: file } : {});
    }
    if ((await framesDrawn(page)) === l.framesDrawn || i >= 5) {
      const img = decodePng(buf);
      return { img, layout: l, scale: img.width / (await page.evaluate(() => window.innerWidth)), pal: await pagePalette(page), file };
    }
  }
}

// Taps (touch) or clicks (mouse) the middle of a rectangle from the layout, as a resident would.
export async function tapRect(page, r) {
  const c = centreOf(r);
  await page.touchscreen.tap(c.x, c.y);
}
export async function clickRect(page, r) {
  const c = centreOf(r);
  await page.mouse.click(c.x, c.y);
}

// Every bubble the layout says is on screen is drawn there: its role's colour, text in it, on its side
// (pixels.mjs assertBubble). Returns the bubbles, top to bottom, with their messages.
export async function assertBubblesDrawn(page, shot, { atLeast = 1 } = {}) {
  const byId = new Map((await page.evaluate(() => window.BuildingOS.messages())).map((m) => [m.id, m]));
  const bubbles = rectsOf(shot.layout, 'bubble').filter((r) => r.h >= 8);  // a sliver under an edge says little
  if (bubbles.length < atLeast) throw new Error(`${bubbles.length} bubbles on screen, expected at least ${atLeast}`);
  for (const r of bubbles) {
    const m = byId.get(r.id);
    if (!m) throw new Error(`a bubble for ${r.id}, which messages() does not have`);
    if (m.role !== r.detail) throw new Error(`bubble ${r.id} drawn as ${r.detail}, messages() says ${m.role}`);
    assertBubble(shot.img, r, { pal: shot.pal, scale: shot.scale, viewWidth: shot.layout.width, priority: m.priority, what: `"${m.text.slice(0, 30)}"` });
  }
  return bubbles.map((r) => ({ rect: r, message: byId.get(r.id) }));
}
