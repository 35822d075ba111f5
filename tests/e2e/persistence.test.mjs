// What survives a reload: identity, history and the outbox (messages typed during an outage are delivered
// once the server is back); the resident from the link (#resident=); the endpoint from ?ws= and /config.json.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, DESKTOP } from './support.mjs';

describe('persistence and configuration', () => {
  let server, browser;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '100'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a reload keeps identity, history and the outbox; the outbox is delivered when the server is back', async () => {
    // As in production: the page comes from one place (CloudFront), the WebSocket API from another, and
    // only the API goes down.
    let api = await startDevserver({ staticDir: null, args: ['--reply-delay-ms', '100'] });
    const url = `${server.http}/?ws=${encodeURIComponent(api.ws)}`;
    const context = await browser.newContext(DESKTOP);
    const page = await openPage(context, url);
    try {
      await waitReady(page);
      await waitStatus(page, 'connected');
      const first = await page.evaluate(() => window.BuildingOS.state());
      await page.evaluate(() => window.BuildingOS.send('bom dia'));
      await waitMessage(page, { role: 'assistant' });

      // The API goes away; the resident types, then reloads the page.
      const port = api.port;
      await api.kill();
      await waitStatus(page, 'reconnecting', 10000);
      const pending = await page.evaluate(() => window.BuildingOS.send('digitada durante a queda'));
      await page.reload();
      await waitReady(page);
      const after = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(after.userId, first.userId);
      assert.equal(after.sessionId, first.sessionId);
      assert.equal(after.queued, 1);
      const texts = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
      assert.ok(texts.includes('bom dia'));
      assert.ok(texts.includes('digitada durante a queda'));

      api = await startDevserver({ port, staticDir: null, args: ['--reply-delay-ms', '100'] });
      await waitStatus(page, 'connected', 40000);
      await waitMessage(page, { id: pending.id, state: ['acked', 'answered'] });
      const seen = await api.json('/__dev/messages?user_id=' + encodeURIComponent(first.userId));
      assert.deepEqual(seen.body.messages.map((m) => m.message), ['digitada durante a queda']);
      assert.deepEqual(await noProblems(page), []);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  it('#resident= from the building QR code is used and kept', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await openPage(context, server.http + '/#resident=apto-502');
    await waitReady(page);
    await waitStatus(page, 'connected');
    assert.equal((await page.evaluate(() => window.BuildingOS.state())).userId, 'apto-502');
    await page.goto(server.http + '/');
    await waitReady(page);
    assert.equal((await page.evaluate(() => window.BuildingOS.state())).userId, 'apto-502');
    await context.close();
  });

  it('?ws= picks the endpoint on loopback pages; /config.json otherwise', async () => {
    const other = await startDevserver({ staticDir: null });
    try {
      const context = await browser.newContext(DESKTOP);
      const page = await openPage(context, `${server.http}/?ws=${encodeURIComponent(other.ws + '/dev')}`);
      await waitReady(page);
      await waitStatus(page, 'connected');
      const state = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(state.endpoint, other.ws + '/dev');
      assert.equal((await other.json('/__dev/stats')).body.connections, 1);
      await page.goto(server.http + '/');
      await waitReady(page);
      await waitStatus(page, 'connected');
      assert.equal((await page.evaluate(() => window.BuildingOS.state())).endpoint, server.ws);
      await context.close();
    } finally {
      await other.stop();
    }
  });
});
