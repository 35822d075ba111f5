// The offline shell (issue 14 item 5), in Chromium, against a copy of dist/ the dev server serves.
// Offline means the servers are STOPPED (context.setOffline does not cover the service worker's fetches
// and keeps open sockets alive): a reload then comes from the worker's set, shows the history and the
// composer, and queues what the resident types, delivered when the servers are back. A redeploy into the
// served folder (a second build of the same wasm, assembled by scripts/lib/assemble_site.py) brings
// state().updateAvailable and the "Nova versão disponível · Atualizar" banner; tapping Atualizar loads it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT, DIST, startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, screenshot, DESKTOP,
} from './support.mjs';

// The banner's "Atualizar" chip, in CSS px from src/ui/chat_layout.hpp: under the header (kHeaderH 60),
// one chip high (kChipH 36 + 2 * kBannerPadY 8), against the right margin (kMarginX 12).
const UPDATE_CHIP_Y = 60 + (36 + 2 * 8) / 2;
const UPDATE_CHIP_FROM_RIGHT = 12 + 24;

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// A second build: the same wasm with one shell file changed, so index.html, sw.js and one hashed name differ.
function assembleSecondBuild(tmp) {
  const root = path.join(tmp, 'root');
  fs.cpSync(path.join(ROOT, 'shell'), path.join(root, 'shell'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'web'), path.join(root, 'web'), { recursive: true });
  const manifest = path.join(root, 'web', 'manifest.webmanifest');
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  m.description = 'Chat do prédio (segunda versão, teste do service worker)';
  fs.writeFileSync(manifest, JSON.stringify(m, null, 2));
  const out = path.join(tmp, 'second');
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/lib/assemble_site.py'), '--root', root,
    '--wasm-build', path.join(ROOT, 'build/wasm'), '--out', out, '--stage', path.join(tmp, 'stage'),
    '--listing', path.join(tmp, 'listing.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

async function setBuild(page) {
  return page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('bos-set-')).sort());
}

describe('offline shell (service worker)', () => {
  let tmp, site, server, port, browser, context, page;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bos-offline-'));
    site = path.join(tmp, 'site');
    fs.cpSync(DIST, site, { recursive: true });
    server = await startDevserver({ staticDir: site, args: ['--reply-delay-ms', '100'] });
    port = server.port;
    browser = await launchBrowser();
    context = await browser.newContext(DESKTOP);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sw.js is served no-cache, and the page it installs over is this build\'s', async () => {
    const res = await fetch(server.http + '/sw.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const text = await res.text();
    const set = JSON.parse(/var SET = (\{.*\});/.exec(text)[1]);
    assert.equal(set.index, sha256(path.join(site, 'index.html')));
    const listed = JSON.parse(fs.readFileSync(path.join(ROOT, 'build/wasm/site-files.json'), 'utf8'));
    const hashed = Object.entries(listed).filter(([old]) => old !== 'index.html' && old !== 'sw.js').map(([, n]) => n).sort();
    assert.deepEqual(set.files, hashed);
    for (const f of set.files) assert.ok(fs.existsSync(path.join(site, f)), f);
  });

  it('with the servers stopped, a reload shows the history and the composer and queues; delivered when back', async () => {
    page = await openPage(context, server.http + '/');
    await waitReady(page);
    await waitStatus(page, 'connected');
    await page.evaluate(() => window.BuildingOS.send('bom dia'));
    await waitMessage(page, { role: 'assistant' });
    const userId = (await page.evaluate(() => window.BuildingOS.state())).userId;
    // The worker installed its set (after the first frame) and took this page over.
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 20000 });
    assert.equal((await setBuild(page)).length, 1);

    await server.stop();
    await page.reload();
    await waitReady(page);
    const texts = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
    assert.ok(texts.includes('bom dia'), JSON.stringify(texts));
    await page.waitForSelector('#composer:not([hidden])');
    await page.fill('#composer-input', 'digitada sem servidor');
    await page.press('#composer-input', 'Enter');
    const queued = await waitMessage(page, { text: 'digitada sem servidor' });
    assert.notEqual((await page.evaluate(() => window.BuildingOS.state())).status, 'connected');
    assert.equal((await page.evaluate(() => window.BuildingOS.state())).queued, 1);
    // The device says it has no network: "Sem internet", the reassurance stays under the header.
    await context.setOffline(true);
    await page.waitForFunction(() => window.BuildingOS.state().statusText === 'Sem internet', null, { timeout: 5000 });
    await screenshot(page, 'offline-reload');

    // The servers come back, then the device's network: the 'online' event retries at once.
    server = await startDevserver({ port, staticDir: site, args: ['--reply-delay-ms', '100'] });
    await context.setOffline(false);
    await waitStatus(page, 'connected', 40000);
    await waitMessage(page, { id: queued.id, state: ['acked', 'answered'] });
    const seen = await server.json('/__dev/messages?user_id=' + encodeURIComponent(userId));
    assert.deepEqual(seen.body.messages.map((m) => m.message), ['digitada sem servidor']);
    assert.deepEqual(await noProblems(page), []);
  });

  it('a redeploy into the served folder shows the update prompt, and Atualizar loads the new build', async () => {
    const before = await setBuild(page);
    const second = assembleSecondBuild(tmp);
    const newIndex = sha256(path.join(second, 'index.html'));
    const oldPage = fs.readFileSync(path.join(site, 'index.html'), 'utf8');
    assert.notEqual(newIndex, sha256(path.join(site, 'index.html')));
    fs.cpSync(second, site, { recursive: true });  // the new files next to the old ones, then the page and sw.js

    // The next open comes from the old set at once; the browser finds the new sw.js and installs it.
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => window.BuildingOS.state().updateAvailable === true, null, { timeout: 30000 });
    assert.deepEqual(before.length, 1);
    await screenshot(page, 'offline-update-prompt');
    // The page's accessible twin says the same, with the same action (src/ui/page_twins "update").
    await page.waitForFunction(() => document.querySelectorAll('#bos-update button').length === 1, null, { timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => [document.querySelector('#bos-update p').textContent,
      document.querySelector('#bos-update button').textContent]), ['Nova versão disponível', 'Atualizar']);
    const width = page.viewportSize().width;
    await Promise.all([
      page.waitForEvent('load', { timeout: 20000 }),
      page.mouse.click(width - UPDATE_CHIP_FROM_RIGHT, UPDATE_CHIP_Y),
    ]);
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.BuildingOS.state().updateAvailable), false);
    // The page now is the second build's, from its set, and the first set is gone.
    const served = await page.evaluate(() => document.querySelector('link[rel=manifest]').getAttribute('href'));
    assert.ok(fs.readFileSync(path.join(second, 'index.html'), 'utf8').includes(served), served);
    assert.ok(!oldPage.includes(served), served);
    assert.deepEqual(await setBuild(page), ['bos-set-' + newIndex.slice(0, 16)]);
    assert.deepEqual(await noProblems(page), []);

    // A file missing from the set comes from the network, and is kept again.
    const wasm = await page.evaluate(() => document.getElementById('bos-boot').getAttribute('data-wasm'));
    const cached = (name) => page.evaluate(async (n) => {
      const c = await caches.open((await caches.keys()).find((k) => k.startsWith('bos-set-')));
      return !!(await c.match(new URL(n, location.href).href, { ignoreVary: true }));
    }, name);
    await page.evaluate(async (n) => {
      const c = await caches.open((await caches.keys()).find((k) => k.startsWith('bos-set-')));
      await c.delete(new URL(n, location.href).href, { ignoreVary: true });
    }, wasm);
    assert.equal(await cached(wasm), false);
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(async (n) => {
      const c = await caches.open((await caches.keys()).find((k) => k.startsWith('bos-set-')));
      return !!(await c.match(new URL(n, location.href).href, { ignoreVary: true }));
    }, wasm, { timeout: 10000 });
  });
});
