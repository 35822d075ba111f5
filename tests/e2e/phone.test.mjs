// A resident on a phone: a touch viewport at 3x, typing into the real DOM composer with the keyboard,
// Enter to send, Shift+Enter for a new line, the counter near the limit, drag to scroll; screenshots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, PHONE, DESKTOP,
  capture, oneRect, rectsOf, tapRect, layout, assertBubblesDrawn,
} from './support.mjs';
import { assertFill, blend, crop, verticalShift, palette, layoutConstants } from './pixels.mjs';

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
    const note = await waitMessage(page, { role: 'notification' });
    // The conversation at its newest message, keyboard focus kept: the elevator's notification at the
    // bottom, the resident's own bubbles on the right in their colour, the composer over its strip.
    const shot = await capture(page, 'phone-chat');
    const drawn = await assertBubblesDrawn(page, shot, { atLeast: 3 });
    assert.equal(drawn.at(-1).rect.id, note.id);
    assert.ok(drawn.some((b) => b.message.text === 'chamar elevador' && b.rect.detail === 'user'));
    const strip = oneRect(shot.layout, 'composer_strip');
    const box = await page.locator('#composer').boundingBox();
    assert.ok(box.y >= strip.y && box.y + box.height <= strip.y + strip.h + 0.5, `composer ${JSON.stringify(box)} inside its strip ${JSON.stringify(strip)}`);
    assert.ok(drawn.every((b) => b.rect.y + b.rect.h <= strip.y), 'no bubble under the composer');
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
    const before = await capture(page);
    const cdp = await context.newCDPSession(page);
    // A finger drags down over the message list: the list scrolls towards older messages. The first
    // 10 px only make it a drag (ui/pointer: the drag threshold), the next 270 px scroll; the finger rests
    // before lifting, so there is no fling and the list moves by exactly the finger's travel.
    const travel = 270;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: 200, y: 300 }] });
    for (let y = 310; y <= 310 + travel; y += 30) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: 200, y }] });
    }
    await page.waitForTimeout(150);  // longer than pointer.cpp's 80 ms fling window
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const after = await capture(page, 'phone-scrolled');

    // Every bubble still on screen moved down by the finger's travel...
    const moved = rectsOf(after.layout, 'bubble').map((r) => {
      const was = rectsOf(before.layout, 'bubble', { id: r.id })[0];
      return was ? r.full[1] - was.full[1] : null;
    }).filter((d) => d !== null);
    assert.ok(moved.length >= 2, 'bubbles on screen before and after the drag');
    for (const d of moved) assert.ok(Math.abs(d - travel) <= 1, `a bubble moved ${d} CSS px, the finger ${travel}`);
    // ...and so did the picture: the list's pixels (without the scrollbar at its right edge) are the ones
    // from before, lower by that much, and older messages came in from the top.
    const list = oneRect(after.layout, 'list');
    const region = { x: list.x, y: list.y, w: list.w - 20, h: list.h };
    const shift = verticalShift(crop(before.img, region, before.scale), crop(after.img, region, after.scale), { max: Math.round(list.h * after.scale) - 40 });
    assert.ok(Math.abs(shift.shift / after.scale - travel) <= 1, `the list's pixels moved ${shift.shift / after.scale} CSS px`);
    assert.ok(shift.match > 0.98, `only ${(shift.match * 100).toFixed(1)} % of the rows match after the move`);
    const newest = (await page.evaluate(() => window.BuildingOS.messages())).at(-1);
    assert.ok(rectsOf(before.layout, 'bubble', { id: newest.id }).length === 1, 'the newest message was on screen before');
    await assertBubblesDrawn(page, after, { atLeast: 2 });
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
      // Offline, the banner shows under the header: the error colour's tint across the whole width, the
      // "Tentar agora" chip in the accent colour at its right, and the header's dot in the seed's red.
      const shot = await capture(p, 'phone-failed');
      const pal = shot.pal;
      const L = layoutConstants();
      const header = oneRect(shot.layout, 'header');
      const banner = oneRect(shot.layout, 'banner');
      assert.ok(Math.abs(banner.y - (header.y + header.h)) <= 0.5 && banner.w === shot.layout.width, JSON.stringify(banner));
      assertFill(shot.img, { x: banner.x + 2, y: banner.y + 2, w: L.kMarginX - 4, h: banner.h - 5 }, blend(pal.error, pal.bg, 0x2A),
        'the banner', shot.scale);
      const tryNow = oneRect(shot.layout, 'try_now');
      assert.ok(tryNow.x + tryNow.w <= shot.layout.width - L.kMarginX + 0.5 && tryNow.y > banner.y && tryNow.y + tryNow.h < banner.y + banner.h);
      assertFill(shot.img, { x: tryNow.x + tryNow.h / 2, y: tryNow.y + 2, w: 4, h: 6 }, pal.accent, '"Tentar agora"', shot.scale);
      const dot = oneRect(shot.layout, 'status_dot');
      assert.equal(dot.detail, 'failed');
      assertFill(shot.img, { x: dot.x + dot.w / 2 - 1, y: dot.y + dot.h / 2 - 1, w: 2, h: 2 }, palette('named').kStatusFailed, 'the status dot', shot.scale);
      const list = oneRect(shot.layout, 'list');
      assert.ok(Math.abs(list.y - (banner.y + banner.h)) <= 0.5, 'the list starts under the banner');

      api = await startDevserver({ port, staticDir: null });
      // Tapped where the layout says the button is drawn.
      await tapRect(p, tryNow);
      await waitStatus(p, 'connected', 3000);
      // Connected again: the banner is gone and the list starts right under the header.
      await p.waitForFunction(() => !window.BuildingOS.__test.hitRects('banner').length);
      assert.equal(oneRect(await layout(p), 'list').y, header.y + header.h);
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
    const sent = await p2.evaluate(() => window.BuildingOS.send('Bom dia! Tem encomenda para o 502?'));
    await waitMessage(p2, { role: 'assistant' });
    const shot = await capture(p2, 'desktop-resident');
    const drawn = await assertBubblesDrawn(p2, shot, { atLeast: 2 });
    assert.equal(drawn[0].rect.id, sent.id);
    assert.deepEqual(drawn.map((b) => b.rect.detail), ['user', 'assistant']);
    await desktop.close();
  });
});
