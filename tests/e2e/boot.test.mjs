// Never a blank page: a readable message when WebAssembly or WebGL2 is missing, when the download fails,
// or when the browser is below the support floor; a progress bar while loading; the CSP as served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startDevserver, launchBrowser, openPage, waitReady, DESKTOP, ROOT, DIST } from './support.mjs';

const require = createRequire(import.meta.url);
const acorn = require('acorn');

// Each floor of BOSFacts.supportFloor (src/app/page_facts.hpp; Edge is Chrome's engine and rule): a user
// agent at the floor, and the feature its engine got at that version (shell/boot.js FLOOR_FEATURES),
// deleted as a browser one version older lacks it.
const FLOORS = [
  ['Chrome 97', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/97.0.4692.71 Safari/537.36',
    () => { delete Array.prototype.findLast; }],
  ['Firefox 102', 'Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0',
    () => { delete window.TransformStream; }],
  ['Safari 16 on iPhone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1',
    () => { delete AbortSignal.timeout; }],
];

describe('boot', () => {
  let server, browser;

  before(async () => {
    server = await startDevserver();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function bootMessage(page) {
    await page.waitForSelector('#boot.error', { timeout: 10000 });
    return page.textContent('#boot-text');
  }

  it('explains a browser without WebAssembly', async () => {
    const context = await browser.newContext(DESKTOP);
    await context.addInitScript(() => { delete window.WebAssembly; });
    const page = await openPage(context, server.http + '/');
    assert.match(await bootMessage(page), /navegador atualizado/);
    assert.equal(await page.isVisible('#boot-retry'), true);
    await context.close();
  });

  it('explains a device without WebGL2', async () => {
    const context = await browser.newContext(DESKTOP);
    await context.addInitScript(() => {
      const real = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
        return type === 'webgl2' ? null : real.call(this, type, ...rest);
      };
    });
    const page = await openPage(context, server.http + '/');
    assert.match(await bootMessage(page), /WebGL2/);
    await context.close();
  });

  it('explains a failed download and offers to try again', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    await page.route(/app\.[0-9a-f]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await page.goto(server.http + '/');
    assert.match(await bootMessage(page), /Não foi possível carregar o chat/);
    assert.equal(await page.textContent('#boot-retry'), 'Tentar de novo');
    // The retry reloads; with the network back the chat starts.
    await page.unroute(/app\.[0-9a-f]+\.wasm$/);
    await page.click('#boot-retry');
    await waitReady(page);
    await context.close();
  });

  it('explains a browser below the support floor, and can try anyway', async () => {
    const context = await browser.newContext({
      ...DESKTOP,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.93 Safari/537.36',
    });
    const page = await openPage(context, server.http + '/');
    assert.match(await bootMessage(page), /antigo demais/);
    assert.equal(await page.textContent('#boot-retry'), 'Tentar mesmo assim');
    await page.click('#boot-retry');
    await waitReady(page);
    await context.close();
  });

  it('judges the floor by feature too: at each floor\'s user agent, without the floor\'s feature, the browser is too old', async () => {
    for (const [name, userAgent, removeFeature] of FLOORS) {
      // One context per floor; ?strip=1 makes its init script delete the feature (boot.js ignores it).
      const context = await browser.newContext({ ...DESKTOP, userAgent });
      await context.addInitScript(`if (/[?&]strip=1/.test(location.search)) (${removeFeature})();`);
      // At the floor with its features: past the checks, the download starts (held back: only the
      // checks are tested here, the app's start is tested everywhere else).
      let requested;
      const downloading = new Promise((r) => { requested = r; });
      await context.route(/app\.[0-9a-f]+\.wasm$/, () => requested());
      const page = await openPage(context, server.http + '/');
      await downloading;
      assert.match(await page.textContent('#boot-text'), /Carregando/, `${name}: a browser at the floor was turned away`);
      assert.equal(await page.isVisible('#boot-retry'), false, `${name}: a browser at the floor was turned away`);
      // The same user agent without the feature: the old-browser screen, and "Tentar mesmo assim".
      await page.goto(server.http + '/?strip=1');
      assert.match(await bootMessage(page), /antigo demais/, name);
      assert.equal(await page.textContent('#boot-retry'), 'Tentar mesmo assim', name);
      await context.close();
    }
  });

  it('boot.js parses as ES5, as written and as served', () => {
    // The parser does refuse what ES5 lacks (the check can fail).
    assert.throws(() => acorn.parse('let x = () => 1;', { ecmaVersion: 5 }), SyntaxError);
    const served = fs.readdirSync(DIST).filter((f) => /^boot\.[0-9a-f]+\.js$/.test(f));
    assert.equal(served.length, 1, `one boot.js in dist/: ${served}`);
    for (const file of [path.join(ROOT, 'shell/boot.js'), path.join(DIST, served[0])]) {
      const src = fs.readFileSync(file, 'utf8');
      assert.doesNotThrow(() => acorn.parse(src, { ecmaVersion: 5, sourceType: 'script' }), `${file} is not ES5`);
    }
  });

  it('speaks English when the browser is not in Portuguese', async () => {
    const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    await context.addInitScript(() => { delete window.WebAssembly; });
    const page = await openPage(context, server.http + '/');
    assert.match(await bootMessage(page), /up-to-date browser/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await context.close();
  });

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(server.http + '/');
    const html = await res.text();
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)[1];
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
    assert.ok(!csp.includes("'unsafe-eval'"));
    assert.ok(!csp.includes("'unsafe-inline'"));
    assert.deepEqual(directives['connect-src'], ["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*']);
    assert.deepEqual(directives['object-src'], ["'none'"]);
    for (const tag of html.match(/<script\b[^>]*>/g)) assert.match(tag, /\ssrc="/);
    assert.ok(!/<script\b[^>]*>[^<]+<\/script>/.test(html));
    assert.match(html, /<html lang="pt-BR">/);
    assert.ok(!/user-scalable=no|maximum-scale/.test(html));  // zoom stays allowed
  });

  it('shows a progress bar while the wasm downloads', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    let release;
    const gate = new Promise((r) => { release = r; });
    await page.route(/app\.[0-9a-f]+\.wasm$/, async (route) => { await gate; await route.continue(); });
    await page.goto(server.http + '/');
    assert.equal(await page.isVisible('#boot-bar'), true);
    assert.match(await page.textContent('#boot-text'), /Carregando/);
    release();
    await waitReady(page);
    await page.waitForSelector('#boot', { state: 'hidden' });
    await context.close();
  });
});
