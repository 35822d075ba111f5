// Taps what residents tap, where the frame drew it (window.BuildingOS.__test.hitRects: read-only, see
// wasm/pre.js): "Reenviar" and "Apagar" on a message that could not be sent, "Copiar" on a selected bubble,
// a link chip, the menu's "Texto maior" and "Limpar conversa" (with its confirmation), all with a finger on
// a phone; and the phone keyboard never covers the composer (the visual viewport shrinks, the composer
// stays inside it). The server is a small `ws` server that speaks the seed's frames and refuses, with
// API Gateway's 1009 close, a message the test marks as too big.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, PHONE,
  capture, oneRect, rectsOf, tapRect, layout, settled, assertBubblesDrawn,
} from './support.mjs';
import { assertFill } from './pixels.mjs';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');

const TOO_BIG = 'uma foto grande demais';
const LINK = 'https://buildingos.com/avisos/42';

// The seed's gateway, reduced to what these taps need: the welcome, acks, one reply per message (with a
// link), heartbeats answered, and a 1009 close for TOO_BIG while `refuse` is on.
async function startFakeGateway() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const gw = { port: wss.address().port, refuse: true, received: [], refused: 0 };
  const now = () => Math.floor(Date.now() / 1000);
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'status', status: 'connected', message: 'Conectado', timestamp: now() }));
    ws.on('message', (data) => {
      let f;
      try { f = JSON.parse(String(data)); } catch { return; }
      if (f.action === 'heartbeat') {
        ws.send(JSON.stringify({ type: 'heartbeat', timestamp: now() }));
      } else if (f.action === 'sendMessage') {
        if (f.message === TOO_BIG && gw.refuse) {
          gw.refused++;
          ws.close(1009, 'Message too big');
          return;
        }
        gw.received.push(f.client_msg_id);
        ws.send(JSON.stringify({ type: 'ack', message: 'Processando sua solicitação...', timestamp: now(), client_msg_id: f.client_msg_id }));
        ws.send(JSON.stringify({ type: 'message', role: 'assistant', message: `Recebido. Veja ${LINK}`, timestamp: now() }));
      }
    });
  });
  gw.close = () => {
    for (const c of wss.clients) c.terminate();
    return new Promise((r) => wss.close(r));
  };
  return gw;
}

describe('taps', () => {
  let site, gw, browser, context, page;

  before(async () => {
    site = await startDevserver();
    gw = await startFakeGateway();
    browser = await launchBrowser();
    context = await browser.newContext(PHONE);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.http });
    page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(`ws://127.0.0.1:${gw.port}`)}`);
    await waitReady(page);
    await waitStatus(page, 'connected');
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    await site?.stop();
  });

  // Waits until the frame has drawn a rectangle of this kind (for a message, or with this label).
  async function drawn(kind, filter = {}, timeout = 10000) {
    await page.waitForFunction(({ kind, filter }) => window.BuildingOS.__test.hitRects(kind)
      .some((r) => (filter.id === undefined || r.id === filter.id) && (filter.detail === undefined || r.detail === filter.detail)),
    { kind, filter }, { timeout });
    // Where the last frame drew it: where a finger tapping now lands.
    return oneRect(await layout(page), kind, filter);
  }
  async function gone(kind, filter = {}, timeout = 10000) {
    await page.waitForFunction(({ kind, filter }) => !window.BuildingOS.__test.hitRects(kind)
      .some((r) => (filter.id === undefined || r.id === filter.id) && (filter.detail === undefined || r.detail === filter.detail)),
    { kind, filter }, { timeout });
  }
  async function failOne() {
    gw.refuse = true;
    const sent = await page.evaluate((t) => window.BuildingOS.send(t), TOO_BIG);
    assert.equal(sent.ok, true);
    await waitMessage(page, { id: sent.id, state: 'failed' });
    await waitStatus(page, 'connected');
    return sent.id;
  }

  it('"Reenviar" on a message the gateway refused sends it again, once', async () => {
    const id = await failOne();
    const retry = await drawn('retry', { id });
    assert.equal(retry.detail, 'Reenviar');
    // The button is drawn in the accent colour where the layout says, next to "Apagar".
    const shot = await capture(page, 'phone-failed-message');
    assertFill(shot.img, { x: retry.x + retry.h / 2, y: retry.y + 2, w: 3, h: 4 }, shot.pal.accent, '"Reenviar"', shot.scale);
    assert.equal(oneRect(shot.layout, 'delete', { id }).detail, 'Apagar');
    gw.refuse = false;
    const before = gw.received.length;
    await tapRect(page, retry);
    await waitMessage(page, { id, state: ['acked', 'answered'] });
    await gone('retry', { id });
    assert.deepEqual(gw.received.slice(before), [id], 'the gateway got it once, after the tap');
  });

  it('"Apagar" removes a message that could not be sent, and nothing is sent', async () => {
    const id = await failOne();
    const refusedBefore = gw.refused, receivedBefore = gw.received.length;
    const del = await drawn('delete', { id });
    await tapRect(page, del);
    await page.waitForFunction((id) => !window.BuildingOS.messages().some((m) => m.id === id), id);
    await gone('bubble', { id });
    assert.equal(gw.refused, refusedBefore);
    assert.equal(gw.received.length, receivedBefore);
  });

  it('a tap selects a bubble and "Copiar" puts its text on the clipboard', async () => {
    const answer = (await page.evaluate(() => window.BuildingOS.messages())).filter((m) => m.role === 'assistant').at(-1);
    await page.evaluate(() => navigator.clipboard.writeText(''));
    const bubble = await drawn('bubble', { id: answer.id });
    // On the bubble's text, clear of its link chip.
    const text = oneRect(await layout(page), 'text', { id: answer.id });
    await page.touchscreen.tap(text.x + 8, text.y + 6);
    const copy = await drawn('copy', { id: answer.id });
    assert.equal(copy.detail, 'Copiar');
    assert.ok(copy.y >= bubble.y + bubble.h, 'under its bubble');
    await tapRect(page, copy);
    await page.waitForFunction(async (want) => (await navigator.clipboard.readText()) === want, answer.text);
    await gone('copy', { id: answer.id });  // the selection ends with the copy
    assert.equal((await drawn('toast')).detail, 'Copiado');
  });

  it('a link chip asks "Abrir site externo?" first, then opens the link in a new tab', async () => {
    await context.route(`${LINK}*`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>aviso</title>' }));
    const answer = (await page.evaluate(() => window.BuildingOS.messages())).filter((m) => m.role === 'assistant').at(-1);
    const chip = await drawn('link', { id: answer.id });
    assert.equal(chip.detail, LINK);
    // Issue 13: a tap only asks; "Cancelar" opens nothing, "Abrir" opens it.
    await tapRect(page, chip);
    await tapRect(page, await drawn('cancel_open'));
    await gone('cancel_open');
    assert.equal(context.pages().length, 1);
    await tapRect(page, await drawn('link', { id: answer.id }));
    const open = await drawn('confirm_open');
    assert.equal(open.detail, 'Abrir');
    const [popup] = await Promise.all([context.waitForEvent('page'), tapRect(page, open)]);
    await popup.waitForLoadState();
    assert.equal(popup.url(), LINK);
    await popup.close();
  });

  it('menu → "Texto maior" makes the text larger, and back', async () => {
    const normal = (await layout(page)).fonts.body;
    await tapRect(page, await drawn('menu'));
    await tapRect(page, await drawn('menu_item', { detail: 'Texto maior' }));
    await page.waitForFunction((n) => window.BuildingOS.__test.layout().fonts.body > n, normal);
    const larger = (await layout(page)).fonts.body;
    assert.ok(larger >= normal * 1.15, `${larger} px is not larger text than ${normal} px`);
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => /large/i.test(k)).map((k) => localStorage[k]).join()), '1');
    // The bubbles are drawn again at the new size, in their colours and on their sides.
    await assertBubblesDrawn(page, await capture(page, 'phone-larger-text'), { atLeast: 2 });
    await tapRect(page, await drawn('menu'));
    await tapRect(page, await drawn('menu_item', { detail: 'Texto normal' }));
    await page.waitForFunction((n) => window.BuildingOS.__test.layout().fonts.body === n, normal);
  });

  it('menu → "Limpar conversa" asks first; "Cancelar" keeps it, confirming clears it', async () => {
    const count = (await page.evaluate(() => window.BuildingOS.messages())).length;
    assert.ok(count >= 2);
    await tapRect(page, await drawn('menu'));
    await tapRect(page, await drawn('menu_item', { detail: 'Limpar conversa' }));
    await tapRect(page, await drawn('cancel_clear'));
    await gone('cancel_clear');
    assert.equal((await page.evaluate(() => window.BuildingOS.messages())).length, count);
    await tapRect(page, await drawn('menu'));
    await tapRect(page, await drawn('menu_item', { detail: 'Limpar conversa' }));
    const confirm = await drawn('confirm_clear');
    assert.equal(confirm.detail, 'Limpar conversa');
    await tapRect(page, confirm);
    await page.waitForFunction(() => window.BuildingOS.messages().length === 0);
    await gone('bubble');
  });

  it('the phone keyboard never covers the composer: it stays inside the shrinking visual viewport', async () => {
    await page.tap('#composer-input');
    const full = await page.evaluate(() => window.visualViewport.height);
    for (const height of [Math.round(full * 0.6), Math.round(full * 0.45)]) {
      // What a keyboard opening does to the page: the visual viewport shrinks and says so.
      await page.evaluate((h) => {
        Object.defineProperty(window.visualViewport, 'height', { configurable: true, get: () => h });
        window.visualViewport.dispatchEvent(new Event('resize'));
      }, height);
      await page.waitForFunction((h) => {
        const r = document.getElementById('composer').getBoundingClientRect();
        return r.bottom <= h + 0.5 && window.BuildingOS.__test.hitRects('composer_strip').some((s) => s.y + s.h <= h + 0.5);
      }, height);
      await settled(page);
      const box = await page.locator('#composer').boundingBox();
      const l = await layout(page);
      const strip = oneRect(l, 'composer_strip');
      assert.ok(box.y >= 0 && box.y + box.height <= height + 0.5, `composer ${JSON.stringify(box)} outside a ${height} px viewport`);
      assert.ok(box.y >= strip.y - 0.5 && box.y + box.height <= strip.y + strip.h + 0.5, 'the composer sits on its drawn strip');
      for (const b of rectsOf(l, 'bubble')) assert.ok(b.y + b.h <= strip.y + 0.5, 'no bubble under the composer');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-input', 'the keyboard stays up');
    }
    assert.deepEqual(await noProblems(page), []);
  });
});
