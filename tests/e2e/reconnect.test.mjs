// Reconnection against a real server that goes away: the server is killed and restarted on the same port;
// messages typed while it was down are delivered once it is back, exactly once; disconnect() keeps them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, DESKTOP } from './support.mjs';

describe('reconnect', () => {
  let server, browser, page, port;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '100'] });
    port = server.port;
    browser = await launchBrowser();
    const context = await browser.newContext(DESKTOP);
    page = await openPage(context, server.http + '/');
    await waitReady(page);
    await waitStatus(page, 'connected');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reconnects after the server is killed and restarted on the same port', async () => {
    await server.kill();
    await waitStatus(page, 'reconnecting', 10000);
    const during = await page.evaluate(() => window.BuildingOS.state());
    assert.match(during.statusText, /^Reconectando\.\.\. \(\d\/5\)$/);

    // Typed while the server is down: queued, not lost.
    const r = await page.evaluate(() => window.BuildingOS.send('o vazamento no 502 voltou'));
    assert.equal(r.ok, true);
    assert.equal((await page.evaluate(() => window.BuildingOS.state())).queued, 1);
    const queued = (await page.evaluate(() => window.BuildingOS.messages())).find((m) => m.id === r.id);
    assert.equal(queued.state, 'queued');

    server = await startDevserver({ port, args: ['--reply-delay-ms', '100'] });
    await waitStatus(page, 'connected', 40000);
    await waitMessage(page, { role: 'assistant' });
    const after = (await page.evaluate(() => window.BuildingOS.messages())).find((m) => m.id === r.id);
    assert.ok(['acked', 'answered'].includes(after.state));
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    const seen = await server.json('/__dev/messages?user_id=' + encodeURIComponent(userId));
    assert.deepEqual(seen.body.messages.map((m) => m.client_msg_id), [r.id]);
    assert.equal(seen.body.duplicates, 0);
  });

  it('disconnect() closes without reconnecting and keeps the outbox; reconnect() comes back', async () => {
    await page.evaluate(() => window.BuildingOS.disconnect());
    await waitStatus(page, 'closed');
    const r = await page.evaluate(() => window.BuildingOS.send('guardada'));
    assert.equal(r.ok, true);
    const stats = await server.json('/__dev/stats');
    assert.equal(stats.body.connections, 0);
    await page.evaluate(() => window.BuildingOS.reconnect());
    await waitStatus(page, 'connected');
    await waitMessage(page, { text: 'guardada', state: ['acked', 'answered'] });
  });

  it('a server-side close (API Gateway going away) reconnects on its own', async () => {
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    const before = (await server.json('/__dev/stats')).body.total_connections;
    const res = await server.json('/__dev/close', { user_id: userId, code: 1001 });
    assert.equal(res.body.closed, 1);
    // A new connection reaches the server, and the page says it is connected again.
    const deadline = Date.now() + 20000;
    let after = before;
    while (Date.now() < deadline) {
      after = (await server.json('/__dev/stats')).body.total_connections;
      if (after > before && (await page.evaluate(() => window.BuildingOS.state().status)) === 'connected') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(after > before);
    await waitStatus(page, 'connected');
    assert.deepEqual(await noProblems(page), []);
  });
});
