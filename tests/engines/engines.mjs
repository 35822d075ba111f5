// engines.mjs: Firefox and WebKit behind one small page interface, shaped like the part of Playwright's
// Page that tests/e2e/support.mjs uses (evaluate, waitForFunction, logs, problems), so its waits
// (waitReady, waitStatus, waitMessage, noProblems) run unchanged on every engine.
//
//   firefox  Debian's firefox-esr through puppeteer-core over WebDriver BiDi, headed (Firefox has no
//            WebGL when headless): run under xvfb-run.
//   webkit   WebKitGTK's MiniBrowser through selenium-webdriver against a WebKitWebDriver started here
//            (no Selenium Manager: usingServer), headed under xvfb-run too.
//
// Both run as a Brazilian resident meets the page: pt-BR, America/Sao_Paulo, a 1024×720 viewport.
//
// Index
//  [SECTION] Shared: the page probe, polling, the environment
//  [SECTION] Firefox (puppeteer-core, WebDriver BiDi)
//  [SECTION] WebKit (selenium-webdriver, WebKitWebDriver)
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const VIEWPORT = { width: 1024, height: 720 };
export const FIREFOX = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const LOCALE_ENV = { LANG: 'pt_BR.UTF-8', LANGUAGE: 'pt_BR:pt', TZ: 'America/Sao_Paulo' };

// [SECTION] Shared: the page probe, polling, the environment ----------------------------------------------

// Runs in the page: records CSP violations (read by support.mjs's noProblems) and, where the driver has no
// console or error events of its own (WebKit's classic WebDriver), console output and uncaught errors.
// Firefox installs it before any page script (a BiDi preload script); WebKit's classic WebDriver has no
// such hook, so there it runs right after each load.
function pageProbe(withConsole) {
  if (window.__bosProbe) return;
  const probe = window.__bosProbe = { logs: [], problems: [] };
  window.__csp = window.__csp || [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  if (!withConsole) return;
  const text = (a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'object' ? (() => { try { return JSON.stringify(a); } catch { return String(a); } })() : String(a));
  for (const level of ['log', 'info', 'warn', 'error']) {
    const real = console[level];
    console[level] = function (...args) {
      probe.logs.push({ type: level === 'warn' ? 'warning' : level, text: args.map(text).join(' ') });
      return real.apply(console, args);
    };
  }
  window.addEventListener('error', (e) => probe.problems.push('pageerror: ' + (e.message || e.type)));
  window.addEventListener('unhandledrejection', (e) => probe.problems.push('unhandledrejection: ' + text(e.reason)));
}

// Console errors that are the browser reporting a network failure the test caused on purpose (a dev
// server killed), as support.mjs's openPage skips them for Chromium.
const EXPECTED_ERRORS = /WebSocket connection to .* failed|Failed to load resource|can.t establish a connection to the server at ws:|connection to ws:.* was interrupted/;

function recordConsole(page, type, text) {
  page.logs.push(`${type}: ${text}`);
  if (type === 'error' && !EXPECTED_ERRORS.test(text)) page.problems.push('console.error: ' + text);
}

// support.mjs's waits call page.waitForFunction(fn, arg, { timeout, polling }) and read the handle's
// jsonValue(). Polling from here works the same on every driver; the page's CSP forbids eval, and the
// drivers' evaluate is not eval (BiDi script.callFunction, WebDriver Execute Script).
async function pollFunction(page, fn, arg, { timeout = 20000, polling = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await page.evaluate(fn, arg);
      if (last) return { jsonValue: async () => last };
    } catch (e) {
      // A navigation in progress (reload, a new URL) destroys the context: try again until the deadline.
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`${page.engine}: timed out after ${timeout} ms waiting for ${String(fn).slice(0, 160)} ${JSON.stringify(arg) ?? ''}${why}`);
    }
    await new Promise((r) => setTimeout(r, polling));
  }
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// The MiniBrowser binary, where Debian's libwebkit2gtk-4.1-0 puts it.
export function miniBrowserPath() {
  const files = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).split('\n');
  const found = files.find((f) => f.endsWith('/MiniBrowser'));
  if (!found) throw new Error('MiniBrowser is not in libwebkit2gtk-4.1-0 (dpkg -L): run scripts/bootstrap');
  return found;
}

export async function launchEngine(name) {
  if (!process.env.DISPLAY) {
    throw new Error(`${name} runs headed, and there is no DISPLAY (Firefox has no WebGL without one): run it under xvfb-run -a, as scripts/test does`);
  }
  if (name === 'firefox') return launchFirefox();
  if (name === 'webkit') return launchWebKit();
  throw new Error('unknown engine ' + name);
}

// [SECTION] Firefox (puppeteer-core, WebDriver BiDi) ----------------------------------------------------------

async function launchFirefox() {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: false,
    protocol: 'webDriverBiDi',
    timeout: 90000,        // a cold start on a loaded 2-core machine takes tens of seconds
    protocolTimeout: 60000,
    env: { ...process.env, ...LOCALE_ENV },
    extraPrefsFirefox: {
      'intl.accept_languages': 'pt-BR',
      'intl.locale.requested': 'pt-BR',
      // No permission prompt in the way: the page asks for notifications when one arrives.
      'permissions.default.desktop-notification': 2,
    },
  });
  const version = await browser.version();
  const pages = [];
  return {
    name: 'firefox',
    version,
    async newPage(url) {
      // The first page is the window Firefox started with; later ones are new windows, not tabs (a
      // background tab is hidden, and Firefox throttles it).
      const initial = pages.length ? null : (await browser.pages())[0];
      const p = new FirefoxPage(initial || await browser.newPage({ type: 'window' }));
      pages.push(p);
      await p.init();
      if (url) await p.goto(url);
      return p;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

class FirefoxPage {
  constructor(page) {
    this.raw = page;
    this.engine = 'firefox';
    this.logs = [];
    this.problems = [];
    page.on('console', (m) => recordConsole(this, m.type(), m.text()));
    // Firefox reports a refused or interrupted WebSocket as a page error (Chromium: a console error).
    page.on('pageerror', (e) => {
      const text = String(e && e.message);
      this.logs.push('pageerror: ' + text);
      if (!EXPECTED_ERRORS.test(text)) this.problems.push('pageerror: ' + text);
    });
  }
  async init() {
    await this.raw.setViewport(VIEWPORT);
    await this.raw.evaluateOnNewDocument(pageProbe, false);
  }
  goto(url) { return this.raw.goto(url, { waitUntil: 'load', timeout: 60000 }); }
  reload() { return this.raw.reload({ waitUntil: 'load', timeout: 60000 }); }
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  waitForFunction(fn, arg, options) { return pollFunction(this, fn, arg, options); }
  async sync() {}
  // Key by key, as a resident types: one key action per character (BiDi input.performActions).
  async type(selector, text) {
    await this.raw.click(selector);
    for (const ch of text) await this.raw.keyboard.type(ch);
  }
  press(key) { return this.raw.keyboard.press(key); }
  async screenshot() { return Buffer.from(await this.raw.screenshot({ type: 'png' })); }
  close() { return this.raw.close(); }
}

// [SECTION] WebKit (selenium-webdriver, WebKitWebDriver) ------------------------------------------------------

async function launchWebKit() {
  const { Builder, Capabilities } = require('selenium-webdriver');
  const port = await freePort();
  let driverLog = '';
  // Its own process group: MiniBrowser and its web processes are the driver's children, and all of them
  // go at the end even if the session hangs.
  const child = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, ...LOCALE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killAll = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
  child.stdout.on('data', (d) => { driverLog = (driverLog + d).slice(-4000); });
  child.stderr.on('data', (d) => { driverLog = (driverLog + d).slice(-4000); });
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited ${child.exitCode}: ${driverLog}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { killAll('SIGKILL'); throw new Error('WebKitWebDriver did not start: ' + driverLog); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const caps = new Capabilities({
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: miniBrowserPath(), args: ['--automation'] },
  });
  let driver;
  try {
    driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(caps).build();
  } catch (e) {
    killAll('SIGKILL');
    throw new Error(`no WebKit session: ${e.message}; driver: ${driverLog}`);
  }
  await driver.manage().setTimeouts({ script: 30000, pageLoad: 60000 });
  const version = (await driver.getCapabilities()).get('browserVersion');
  // One WebDriver session drives every window, one command at a time: each page's commands switch to
  // its own window first, in a queue, so two pages can be waited on at once.
  const session = { driver, current: await driver.getWindowHandle(), queue: Promise.resolve(), firstFree: true };
  const pages = [];
  return {
    name: 'webkit',
    version,
    driverLog: () => driverLog,
    async newPage(url) {
      let handle;
      if (session.firstFree) {
        session.firstFree = false;
        handle = session.current;
      } else {
        handle = await enqueue(session, null, async () => {
          await driver.switchTo().newWindow('window');
          session.current = await driver.getWindowHandle();
          return session.current;
        });
      }
      const p = new WebKitPage(session, handle);
      pages.push(p);
      await p.init();
      if (url) await p.goto(url);
      return p;
    },
    async close() {
      // After the commands still queued (a wait that lost a Promise.all race), but never more than 10 s.
      const quit = session.queue.then(() => driver.quit()).catch(() => {});
      await Promise.race([quit, new Promise((r) => setTimeout(r, 10000))]);
      killAll('SIGTERM');
      if (child.exitCode === null) await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
      killAll('SIGKILL');
    },
  };
}

function enqueue(session, handle, op) {
  const run = session.queue.then(async () => {
    if (handle && session.current !== handle) {
      await session.driver.switchTo().window(handle);
      session.current = handle;
    }
    return op(session.driver);
  });
  session.queue = run.catch(() => {});
  return run;
}

class WebKitPage {
  constructor(session, handle) {
    this.session = session;
    this.handle = handle;
    this.engine = 'webkit';
    this.logs = [];
    this.problems = [];
  }
  run(op) { return enqueue(this.session, this.handle, op); }
  // WebDriver sizes the outer window; MiniBrowser's toolbar takes some of it: grow by the difference so the
  // page gets the same 1024×720 as in the other engines.
  async init() {
    await this.run(async (d) => {
      await d.manage().window().setRect({ width: VIEWPORT.width, height: VIEWPORT.height });
      const [w, h] = await d.executeScript(() => [innerWidth, innerHeight]);
      if (w !== VIEWPORT.width || h !== VIEWPORT.height) {
        await d.manage().window().setRect({ width: 2 * VIEWPORT.width - w, height: 2 * VIEWPORT.height - h });
      }
    });
  }
  async probe() {
    await this.run((d) => d.executeScript(pageProbe, true));
  }
  async goto(url) {
    await this.sync();
    await this.run((d) => d.get(url));
    await this.probe();
  }
  async reload() {
    await this.sync();
    await this.run((d) => d.navigate().refresh());
    await this.probe();
  }
  evaluate(fn, arg) {
    return this.run((d) => (arg === undefined ? d.executeScript(fn) : d.executeScript(fn, arg)));
  }
  waitForFunction(fn, arg, options) { return pollFunction(this, fn, arg, options); }
  // Moves what the in-page probe recorded into logs/problems (before a navigation discards it).
  async sync() {
    let got = null;
    try {
      got = await this.evaluate(() => {
        const p = window.__bosProbe;
        return p ? { logs: p.logs.splice(0), problems: p.problems.splice(0) } : null;
      });
    } catch { /* no page yet */ }
    if (!got) return;
    for (const l of got.logs) recordConsole(this, l.type, l.text);
    this.problems.push(...got.problems);
  }
  // Key by key: a WebDriver key action (keyDown, keyUp) per character, into the focused element.
  async type(selector, text) {
    const { By } = require('selenium-webdriver');
    await this.run(async (d) => {
      await d.findElement(By.css(selector)).click();
      for (const ch of text) await d.actions({ async: true }).sendKeys(ch).perform();
    });
  }
  async press(key) {
    const { Key } = require('selenium-webdriver');
    const k = { Enter: Key.ENTER }[key];
    if (!k) throw new Error('no WebDriver key for ' + key);
    await this.run((d) => d.actions({ async: true }).sendKeys(k).perform());
  }
  async screenshot() {
    return Buffer.from(await this.run((d) => d.takeScreenshot()), 'base64');
  }
  async close() {
    await this.sync();
    await this.run(async (d) => {
      await d.close();
      const left = await d.getAllWindowHandles();
      this.session.current = null;
      if (left.length) { await d.switchTo().window(left[0]); this.session.current = left[0]; }
    });
  }
}
