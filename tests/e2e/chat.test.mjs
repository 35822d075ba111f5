// The chat in a real browser against the real dev server: load, connect, send, ack, the assistant's reply,
// typing, notifications (in the page, the Notification API, the tab title), the automation API's contract.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, DESKTOP,
  capture, framesDrawn, rectsOf, oneRect, assertBubblesDrawn,
} from './support.mjs';
import { changed, assertFill, palette } from './pixels.mjs';
import { colourVerdict } from './emoji-checks.mjs';

describe('chat', () => {
  let server, browser, context, page;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '1200'] });
    browser = await launchBrowser();
    context = await browser.newContext(DESKTOP);
    await context.grantPermissions(['notifications'], { origin: server.http });
    await context.addInitScript(() => {
      window.__events = [];
      for (const name of ['buildingos:ready', 'buildingos:status', 'buildingos:message']) {
        window.addEventListener(name, (e) => window.__events.push({ name, detail: e.detail }));
      }
      // Record what the page asks the Notification API to show.
      window.__notifications = [];
      const Real = window.Notification;
      function Recording(title, options) { window.__notifications.push({ title, body: options && options.body }); }
      Recording.permission = 'granted';
      Recording.requestPermission = () => Promise.resolve('granted');
      Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
      void Real;
    });
    page = await openPage(context, server.http + '/');
    await waitReady(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('connects in real time and exposes the automation API', async () => {
    await waitStatus(page, 'connected');
    const state = await page.evaluate(() => window.BuildingOS.state());
    assert.equal(state.status, 'connected');
    assert.equal(state.attempts, 0);
    assert.equal(state.queued, 0);
    assert.match(state.connectionId, /^[A-Za-z0-9+/]{15}=$/);
    assert.match(state.userId, /^web-user-\d+-[a-z0-9]{9}$/);
    assert.match(state.sessionId, /^session-\d+-[a-z0-9]{9}$/);
    assert.equal(state.statusText, 'Conectado em tempo real');
    const version = await page.evaluate(() => window.BuildingOS.version);
    assert.match(version, /^\d+\.\d+\.\d+\+/);
    const api = await page.evaluate(() => Object.keys(window.BuildingOS).sort());
    // signOut(): issue 13 ("Sair deste aparelho" without the question).
    assert.deepEqual(api, ['disconnect', 'messages', 'reconnect', 'send', 'signOut', 'state', 'version']);
    const events = await page.evaluate(() => window.__events.map((e) => e.name));
    assert.ok(events.includes('buildingos:ready'));
    assert.ok(events.includes('buildingos:status'));
    assert.equal(await page.title(), 'BuildingOS · Chat do prédio');
  });

  it('sends a message, shows the ack, the typing indicator and the assistant reply', async () => {
    const result = await page.evaluate(() => window.BuildingOS.send('Onde está minha encomenda?'));
    assert.equal(result.ok, true);
    assert.match(result.id, /^m[a-z0-9]+-[a-z0-9]{8}$/);
    // Typing arrives right after the ack; the reply 1.2 s later.
    await page.waitForFunction(() => window.BuildingOS.state().agentTyping === true, null, { timeout: 5000 });
    const reply = await waitMessage(page, { role: 'assistant' });
    assert.match(reply.text, /encomenda/i);
    assert.equal(reply.state, 'received');
    const mine = (await page.evaluate(() => window.BuildingOS.messages())).find((m) => m.id === result.id);
    assert.equal(mine.role, 'user');
    assert.equal(mine.text, 'Onde está minha encomenda?');
    assert.equal(mine.state, 'answered');
    assert.equal(typeof mine.timestamp, 'number');
    const state = await page.evaluate(() => window.BuildingOS.state());
    assert.equal(state.agentTyping, false);
    assert.equal(state.queued, 0);
    // The "processing" line came (as a buildingos:message) and went.
    const events = await page.evaluate(() => window.__events.filter((e) => e.name === 'buildingos:message').map((e) => e.detail));
    assert.ok(events.some((m) => m.role === 'system' && /Processando/.test(m.text)));
    const now = await page.evaluate(() => window.BuildingOS.messages());
    assert.ok(!now.some((m) => m.role === 'system'));
    // The server saw it exactly once, with the client's id.
    const seen = await server.json('/__dev/messages?user_id=' + encodeURIComponent(state.userId));
    assert.deepEqual(seen.body.messages.map((m) => m.client_msg_id), [result.id]);
    // On screen: the resident's bubble on the right in its colour, the answer on the left in its own,
    // with ✓✓ and the header's dot in the seed's "connected" green.
    const shot = await capture(page, 'desktop-chat');
    const drawn = await assertBubblesDrawn(page, shot, { atLeast: 2 });
    assert.deepEqual(drawn.map((b) => b.message.role), ['user', 'assistant']);
    assert.equal(drawn[0].rect.id, result.id);
    assert.ok(drawn[0].rect.y < drawn[1].rect.y, 'the question above its answer');
    const dot = oneRect(shot.layout, 'status_dot');
    assert.equal(dot.detail, 'connected');
    assertFill(shot.img, { x: dot.x + dot.w / 2 - 1.5, y: dot.y + dot.h / 2 - 1.5, w: 3, h: 3 }, palette('named').kStatusConnected, 'the status dot');
  });

  it('refuses empty and too long messages with the contract errors', async () => {
    assert.deepEqual(await page.evaluate(() => window.BuildingOS.send('   ')), { ok: false, error: 'empty' });
    assert.deepEqual(await page.evaluate(() => window.BuildingOS.send('x'.repeat(4001))), { ok: false, error: 'too_long' });
    const ok = await page.evaluate(() => window.BuildingOS.send('ç'.repeat(4000)));
    assert.equal(ok.ok, true);
    await waitMessage(page, { id: ok.id, state: 'answered' });  // its reply must not land in the next test
  });

  it('shows high-priority notifications in the chat and through the Notification API', async () => {
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    const res = await server.json('/notify', { user_id: userId, message: 'O elevador chegou ao seu andar', priority: 'high' });
    assert.equal(res.body.delivered, 1);
    const n = await waitMessage(page, { role: 'notification' });
    assert.equal(n.priority, 'high');
    assert.equal(n.text, 'O elevador chegou ao seu andar');
    const shown = await page.evaluate(() => window.__notifications);
    assert.deepEqual(shown, [{ title: 'BuildingOS', body: 'O elevador chegou ao seu andar' }]);
    // A normal one only in the chat.
    await server.json('/notify', { user_id: userId, message: 'Encomenda na portaria', priority: 'normal' });
    await waitMessage(page, { text: 'Encomenda na portaria' });
    assert.equal((await page.evaluate(() => window.__notifications)).length, 1);
  });

  it('counts unread messages in the tab title while the page is hidden', async () => {
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await server.json('/notify', { user_id: userId, message: 'Visita na portaria' });
    await server.json('/notify', { user_id: userId, message: 'Água cortada às 14h' });
    await page.waitForFunction(() => document.title === '(2) BuildingOS · Chat do prédio', null, { timeout: 5000 });
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      Object.defineProperty(document, 'hidden', { value: false, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForFunction(() => document.title === 'BuildingOS · Chat do prédio', null, { timeout: 5000 });
  });

  it('mirrors new messages into the hidden live region', async () => {
    // Each message is an item of the log named "<sender>, <time>, <state>: <text>" (src/ui/page_twins).
    const texts = await page.evaluate(() => [...document.querySelectorAll('#bos-log p')].map((p) => p.textContent));
    assert.ok(texts.some((t) => /^Aviso importante, \d\d:\d\d, recebida: O elevador chegou ao seu andar$/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /^Assistente, \d\d:\d\d, recebida: /.test(t)), texts.join('\n'));
    assert.equal(await page.getAttribute('#bos-log', 'role'), 'log');
  });

  it('recovers from a lost WebGL context and from a change of pixel ratio', async () => {
    // Emoji on screen first: the glyph cache's texture goes with the context and is drawn again after it.
    const emojiText = 'Antes do contexto perdido \u{1F389}\u{1F44D}\u{1F3FD}\u{1F1E7}\u{1F1F7}';
    const { userId: uid } = await page.evaluate(() => window.BuildingOS.state());
    await server.json('/notify', { user_id: uid, message: emojiText });
    await waitMessage(page, { text: emojiText });
    await page.waitForFunction(() => window.BOSText.stats().rasterized >= 3, null, { timeout: 5000 });
    const glyphsBefore = await page.evaluate(() => window.BOSText.stats());
    const LIST = { x: 0, y: 64, width: DESKTOP.viewport.width, height: DESKTOP.viewport.height - 150, cssWidth: DESKTOP.viewport.width };
    const colourBefore = colourVerdict(await page.screenshot(), LIST, { minTotal: 150, minBins: 2 });
    assert.ok(colourBefore.ok, `emoji in colour before the loss: ${JSON.stringify(colourBefore)}`);
    const beforeLoss = await capture(page);
    const lost = await page.evaluate(() => {
      const gl = document.getElementById('canvas').getContext('webgl2');
      const ext = gl && gl.getExtension('WEBGL_lose_context');
      if (!ext) return false;
      window.__loseContext = ext;
      ext.loseContext();
      return true;
    });
    assert.equal(lost, true);
    await page.waitForTimeout(200);
    const drawnBefore = await framesDrawn(page);
    await page.evaluate(() => window.__loseContext.restoreContext());
    await page.waitForFunction(() => !document.getElementById('canvas').getContext('webgl2').isContextLost());
    // The restored context starts blank: the chat must be drawn again, exactly as it was.
    await page.waitForFunction((n) => window.BuildingOS.__test.framesDrawn() > n, drawnBefore);
    const restored = await capture(page, 'desktop-context-restored');
    assert.equal(changed(beforeLoss.img, restored.img), 0, 'the chat after the context came back differs from before');
    await assertBubblesDrawn(page, restored, { atLeast: 2 });
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    await server.json('/notify', { user_id: userId, message: 'Depois do contexto perdido' });
    const note = await waitMessage(page, { text: 'Depois do contexto perdido' });
    const after = await capture(page);
    const cards = await assertBubblesDrawn(page, after);
    assert.equal(cards.at(-1).rect.id, note.id, 'the new notification is drawn at the bottom');
    assert.ok(page.logs.some((l) => /WebGL context restored/.test(l)));
    // The emoji still on screen were rasterised again into a new texture (not drawn from a dead one).
    await page.waitForFunction((b) => {
      const s = window.BOSText.stats();
      return s.textureResets > b.textureResets && s.rasterized >= b.rasterized + 3 && s.resident >= 3;
    }, glyphsBefore, { timeout: 5000 });
    assert.equal((await page.evaluate(() => window.BOSText.stats())).replacementDrawn, 0);
    // ...and are visible: drawn from a dead texture they would be blank.
    const colourAfter = colourVerdict(await page.screenshot(), LIST, { minTotal: 150, minBins: 2 });
    assert.ok(colourAfter.ok && colourAfter.total >= 0.7 * colourBefore.total,
      `emoji in colour after the context came back: ${JSON.stringify(colourAfter)} (before: ${JSON.stringify(colourBefore)})`);
    // Browser zoom or moving the window to another screen changes the pixel ratio: the atlas is rebuilt.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1024, height: 720, deviceScaleFactor: 2, mobile: false });
    await page.evaluate(() => window.dispatchEvent(new Event('resize')));
    await page.waitForFunction(() => window.BuildingOS.__test.layout().dpr === 2);
    const size = await page.evaluate(() => [document.getElementById('canvas').width, window.devicePixelRatio]);
    assert.deepEqual(size, [2048, 2]);
    // Drawn at the new ratio: every bubble in place, in its colour, at twice the pixels.
    const sharp = await capture(page, 'desktop-dpr2', { cdp });
    assert.equal(sharp.img.width, 2048);
    assert.equal(sharp.scale, 2);
    const drawn = await assertBubblesDrawn(page, sharp, { atLeast: 2 });
    const previous = rectsOf(after.layout, 'bubble', { id: drawn.at(-1).rect.id })[0];
    assert.ok(previous, 'the same newest message on screen before and after');
    // The same bubble, as wide in CSS px (glyphs at 34 px are not exactly twice those at 17).
    assert.ok(Math.abs(drawn.at(-1).rect.full[2] - previous.full[2]) <= 3, `${drawn.at(-1).rect.full[2]} vs ${previous.full[2]} CSS px`);
    await cdp.send('Emulation.clearDeviceMetricsOverride');
  });

  it('had no errors and no CSP violations', async () => {
    assert.deepEqual(await noProblems(page), []);
  });
});
