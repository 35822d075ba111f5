// support.mjs: what every end-to-end test needs. A real dev server (the native binary, on a free port,
// serving dist/), a real browser (Debian's Chromium through playwright-core, never a downloaded one),
// and small waits on the page's own events instead of sleeps.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

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
