// What the docs promise and nothing else tested in a real browser: connections rotate before API
// Gateway's 2-hour limit without losing or doubling a message (?rotate_ms= shortens the 110 minutes on
// loopback pages); an IME composition (Android keyboards compose every word) is never sent by Enter; an
// idle page does not keep drawing (render on demand).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, DESKTOP, settled, framesDrawn } from './support.mjs';

describe('promises', () => {
  let server, browser;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '100'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('rotates its connection (every 2 s here) without losing or doubling a message', async (t) => {
    const context = await browser.newContext(DESKTOP);
    const page = await openPage(context, server.http + '/?rotate_ms=2000');
    await waitReady(page);
    await waitStatus(page, 'connected');
    assert.ok(page.logs.some((l) => /rotate_ms=2000: connections rotate after 2000 ms/.test(l)), 'the hook was honoured');
    const before = (await server.json('/__dev/stats')).body.total_connections;
    // Messages typed the whole time, so some are in flight on the old connection at each switch.
    const ids = [];
    const start = Date.now();
    while (Date.now() - start < 7000) {
      const r = await page.evaluate((n) => window.BuildingOS.send(`rotação ${n}`), ids.length);
      assert.equal(r.ok, true);
      ids.push(r.id);
      await page.waitForTimeout(200);
    }
    // Every one answered, and the page went through at least two rotations meanwhile.
    await page.waitForFunction((ids) => {
      const byId = new Map(window.BuildingOS.messages().map((m) => [m.id, m.state]));
      return ids.every((id) => byId.get(id) === 'answered' || byId.get(id) === 'acked');
    }, ids, { timeout: 20000 });
    const rotations = page.logs.filter((l) => /rotated to connection/.test(l)).length;
    const opened = (await server.json('/__dev/stats')).body.total_connections - before;
    t.diagnostic(`${ids.length} messages, ${rotations} rotations, ${opened} connections opened`);
    assert.ok(rotations >= 2, `${rotations} rotations in 7 s at rotate_ms=2000`);
    assert.ok(opened >= rotations, `${opened} connections for ${rotations} rotations`);
    // The server executed each message exactly once, in the order typed...
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    const seen = (await server.json('/__dev/messages?user_id=' + encodeURIComponent(userId))).body;
    assert.deepEqual(seen.messages.map((m) => m.client_msg_id), ids);
    assert.equal(seen.duplicates, 0);
    // ...and the page shows each reply once: none lost at a switch, none doubled by the two connections
    // that are open during one.
    await page.waitForFunction((n) => window.BuildingOS.messages().filter((m) => m.role === 'assistant').length >= n, ids.length, { timeout: 20000 });
    await page.waitForTimeout(500);  // a doubled reply would come right after
    const shown = await page.evaluate(() => window.BuildingOS.messages());
    assert.equal(shown.filter((m) => m.role === 'assistant').length, ids.length,
      `replies: ${JSON.stringify(shown.map((m) => [m.role[0], m.id.slice(-6), m.timestamp % 100000]))}; ` +
      page.logs.filter((l) => /rotat|drain/.test(l)).join(' | '));
    assert.equal(shown.filter((m) => m.role === 'user').length, ids.length);
    assert.equal(new Set(shown.map((m) => m.id)).size, shown.length, 'a message shown twice');
    assert.deepEqual(await noProblems(page), []);
    await context.close();
  });

  it('Enter during an IME composition does not send; after it, Enter sends the composed word once; then the idle page draws at most 2 frames in 10 s', async (t) => {
    const context = await browser.newContext(DESKTOP);
    // Every animation-frame callback, to tell "does not draw" from "does not run".
    await context.addInitScript(() => {
      window.__raf = 0;
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => raf((ts) => { window.__raf++; cb(ts); });
    });
    const page = await openPage(context, server.http + '/');
    await waitReady(page);
    await waitStatus(page, 'connected');
    await page.click('#composer-input');
    await page.evaluate(() => {
      window.__keys = [];
      document.getElementById('composer-input').addEventListener('keydown', (e) => {
        window.__keys.push({ key: e.key, composing: e.isComposing, keyCode: e.keyCode });
      }, true);
    });
    const cdp = await context.newCDPSession(page);
    // What an Android keyboard does with every word: the letters arrive as a composition.
    await cdp.send('Input.imeSetComposition', { text: 'elevad', selectionStart: 6, selectionEnd: 6 });
    assert.equal(await page.inputValue('#composer-input'), 'elevad');
    await page.keyboard.press('Enter');
    // The Enter did reach the composer, as part of the composition, and sent nothing.
    const keys = await page.evaluate(() => window.__keys);
    assert.ok(keys.some((k) => k.key === 'Enter' || k.keyCode === 229), `no Enter seen: ${JSON.stringify(keys)}`);
    assert.ok(keys.filter((k) => k.key === 'Enter').every((k) => k.composing || k.keyCode === 229), JSON.stringify(keys));
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => window.BuildingOS.messages().filter((m) => m.role === 'user')), []);
    // The keyboard commits the word; now Enter sends it, once. (Chromium's emulated Enter inside the
    // composition also typed a new line, which a phone keyboard does not: the app trims it.)
    await cdp.send('Input.insertText', { text: 'elevador' });
    assert.equal((await page.inputValue('#composer-input')).trim(), 'elevador');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.BuildingOS.messages().some((m) => m.role === 'user'));
    await waitMessage(page, { role: 'assistant' });
    const sent = (await page.evaluate(() => window.BuildingOS.messages())).filter((m) => m.role === 'user');
    assert.deepEqual(sent.map((m) => m.text.trim()), ['elevador']);
    assert.equal(await page.inputValue('#composer-input'), '');

    // Render on demand: answered and idle, the page stops drawing.
    await page.locator('#composer-input').blur();
    await settled(page);
    const [frames0, raf0] = [await framesDrawn(page), await page.evaluate(() => window.__raf)];
    await page.waitForTimeout(10000);
    const drawn = (await framesDrawn(page)) - frames0;
    const callbacks = (await page.evaluate(() => window.__raf)) - raf0;
    t.diagnostic(`idle 10 s: ${drawn} frames drawn, ${callbacks} animation-frame callbacks`);
    // 2: the time labels are minutes, so a minute can turn during the window (one frame), plus one for a
    // heartbeat's status if it lands in it. A page that draws continuously draws ~600.
    assert.ok(drawn <= 2, `${drawn} frames drawn by an idle page in 10 s`);
    // And the page still draws when something happens.
    await server.json('/notify', { user_id: (await page.evaluate(() => window.BuildingOS.state())).userId, message: 'acordou' });
    await waitMessage(page, { text: 'acordou' });
    await page.waitForFunction((n) => window.BuildingOS.__test.framesDrawn() > n, frames0 + drawn);
    assert.deepEqual(await noProblems(page), []);
    await context.close();
  });
});
