// Hostile input end to end: a WebSocket server (Node `ws`) that sends a table of 48 nasty frames to the page.
// The page keeps working, shows text as text, and stays locked down: ?ws= is ignored and ws:// refused on
// a page that is not served from loopback.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { TABLE, startHostileServer } from './hostile-frames.mjs';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, screenshot, CHROMIUM_ARGS, DESKTOP } from './support.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

describe('hostile input', () => {
  let site, hostile, port, browser;

  before(async () => {
    site = await startDevserver();
    hostile = await startHostileServer(TABLE);
    port = hostile.port;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hostile?.close();
    await site?.stop();
  });

  it(`survives ${TABLE.length} hostile frames and shows text as text`, async () => {
    assert.ok(TABLE.length >= 40);
    const context = await browser.newContext(DESKTOP);
    const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(`ws://127.0.0.1:${port}`)}`);
    await waitReady(page);
    await waitMessage(page, { text: 'antes dos bytes inválidos' }, 30000);
    hostile.release();
    await waitMessage(page, { text: 'fim da tabela' }, 30000);
    const shown = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
    for (const [, text, name] of TABLE) {
      if (text === null) continue;
      // The server's NUL arrives as U+0000; every other character as sent.
      assert.ok(shown.includes(text), `"${name}" shown as text; shown: ${JSON.stringify(shown.map((x) => x.slice(0, 40) + '…' + x.length))}; logs: ${page.logs.slice(-30).join(' | ')}`);
    }
    // And the page still works: it sends, and the UI answers.
    assert.equal((await page.evaluate(() => window.BuildingOS.send('ainda funciona?'))).ok, true);
    await screenshot(page, 'hostile-frames');
    assert.deepEqual(await noProblems(page), []);
    await context.close();
  });

  it('outside loopback: ?ws= is ignored and an insecure endpoint is refused', async () => {
    // The same page served under a public-looking name (mapped to 127.0.0.1 inside Chromium only).
    const b = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP buildingos.test 127.0.0.1'],
    });
    try {
      const context = await b.newContext(DESKTOP);
      const page = await openPage(context, `http://buildingos.test:${site.port}/?ws=${encodeURIComponent(`ws://127.0.0.1:${port}`)}`);
      await waitReady(page);
      const state = await page.evaluate(() => window.BuildingOS.state());
      // config.json names ws://127.0.0.1:PORT: plain ws from a non-loopback page is refused, not used.
      assert.equal(state.status, 'closed');
      assert.equal(state.statusText, 'Endereço do servidor inválido');
      assert.match(page.logs.join('\n'), /\?ws= ignored: only honoured on loopback pages/);
      assert.equal((await site.json('/__dev/stats')).body.connections, 0);
      await context.close();
    } finally {
      await b.close();
    }
  });
});
