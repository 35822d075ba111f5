// A resident on a phone: a touch viewport at 3x, typing into the real DOM composer with the keyboard,
// Enter to send, Shift+Enter for a new line, the counter near the limit, drag to scroll; screenshots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, screenshot, PHONE, DESKTOP } from './support.mjs';

describe('phone', () => {
  let server, browser, context, page;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '200'] });
    browser = await launchBrowser();
    context = await browser.newContext(PHONE);
    page = await openPage(context, server.http + '/');
    await waitReady(page);
    await waitStatus(page, 'connected');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('places the composer inside the viewport, above the reserved strip', async () => {
    const box = await page.locator('#composer').boundingBox();
    assert.ok(box, 'composer visible');
    assert.ok(box.x >= 0 && box.x + box.width <= 390);
    assert.ok(box.y + box.height <= 844 && box.y > 700);
    const font = await page.$eval('#composer-input', (el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(font >= 16, 'at least 16 px so iOS does not zoom on focus');
    assert.equal(await page.getAttribute('#composer-input', 'enterkeyhint'), 'send');
  });

  it('sends what the resident types with the keyboard when Enter is pressed', async () => {
    await page.tap('#composer-input');
    await page.keyboard.type('Olá! O elevador está quebrado? ção');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('segunda linha');
    await page.keyboard.press('Enter');
    const mine = await waitMessage(page, { role: 'user' });
    assert.equal(mine.text, 'Olá! O elevador está quebrado? ção\nsegunda linha');
    assert.equal(await page.inputValue('#composer-input'), '');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-input');
    await waitMessage(page, { role: 'assistant' });
  });

  it('sends with the visible send button too, keeping the keyboard open', async () => {
    await page.tap('#composer-input');
    await page.keyboard.type('chamar elevador');
    await page.tap('#composer-send');
    await waitMessage(page, { text: 'chamar elevador' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-input');
    await waitMessage(page, { role: 'notification' });
    await page.waitForTimeout(300);
    await screenshot(page, 'phone-chat');  // the conversation at its newest message, keyboard focus kept
  });

  it('shows a counter near the 4,000-character limit and blocks sending over it', async () => {
    await page.fill('#composer-input', 'a'.repeat(3600));
    await page.waitForSelector('#composer-counter:not([hidden])');
    assert.match(await page.textContent('#composer-counter'), /3[.,]600 \/ 4[.,]000/);
    await page.fill('#composer-input', 'a'.repeat(4001));
    await page.dispatchEvent('#composer-input', 'input');
    assert.equal(await page.isDisabled('#composer-send'), true);
    await page.fill('#composer-input', '');
    await page.dispatchEvent('#composer-input', 'input');
    assert.equal(await page.isDisabled('#composer-send'), false);
  });

  it('scrolls a long history by dragging, without errors', async () => {
    const { userId } = await page.evaluate(() => window.BuildingOS.state());
    await server.json('/__dev/burst', { user_id: userId, count: 60, text_prefix: 'mensagem antiga ' });
    await waitMessage(page, { text: 'mensagem antiga 60' });
    await page.waitForTimeout(300);
    // The message list only (under the header, above the composer): it must move under the finger.
    const list = { x: 0, y: 120, width: 390, height: 560 };
    const before = await page.screenshot({ clip: list });
    const cdp = await context.newCDPSession(page);
    // A finger drags down over the message list: the list scrolls towards older messages.
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: 200, y: 300 }] });
    for (let y = 310; y <= 600; y += 30) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: 200, y }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForTimeout(300);
    const after = await page.screenshot({ clip: list });
    assert.notEqual(Buffer.compare(before, after), 0, 'the drag did not move the message list');
    await screenshot(page, 'phone-scrolled');
    assert.deepEqual(await noProblems(page), []);
  });

  it('"Tentar agora" in the banner reconnects at once when tapped where it is drawn', async () => {
    let api = await startDevserver({ staticDir: null });
    const port = api.port;
    const ctx = await browser.newContext(PHONE);
    try {
      const p = await openPage(ctx, `${server.http}/?ws=${encodeURIComponent(api.ws)}`);
      await waitReady(p);
      await waitStatus(p, 'connected');
      await api.kill();
      await waitStatus(p, 'failed', 60000);  // five failed attempts
      // Wait for a retry far enough away that a reconnection can only come from the tap.
      const secondsLeft = async () => Number((await p.evaluate(() => window.BuildingOS.state().statusText)).match(/(\d+) s/)?.[1] || 0);
      while ((await secondsLeft()) < 6) await p.waitForTimeout(500);
      await screenshot(p, 'phone-failed');
      api = await startDevserver({ port, staticDir: null });
      // The banner sits under the 60 px header; its button is at the right edge.
      await p.tap('#canvas', { position: { x: 330, y: 86 } });
      await waitStatus(p, 'connected', 3000);
      assert.deepEqual(await noProblems(p), []);
    } finally {
      await ctx.close();
      await api.stop();
    }
  });

  it('takes the desktop screenshot of a resident from a building link', async () => {
    const desktop = await browser.newContext(DESKTOP);
    const p2 = await openPage(desktop, server.http + '/#resident=apto-502');
    await waitReady(p2);
    await waitStatus(p2, 'connected');
    await p2.evaluate(() => window.BuildingOS.send('Bom dia! Tem encomenda para o 502?'));
    await waitMessage(p2, { role: 'assistant' });
    await screenshot(p2, 'desktop-resident');
    await desktop.close();
  });
});
