// Accessibility: everything a touch user can do on the canvas, a screen reader or a keyboard can do through
// its DOM twins (src/ui/page_twins.hpp, wasm/pre.js "Accessible twins"). Audited with axe-core (the real
// engine, from npm) in four page states, driven with Tab, Enter and Escape alone, and read back from
// Chromium's own accessibility tree (CDP Accessibility.getFullAXTree).
// axe's results, by page state and impact, go to artifacts/e2e/axe.json.
//
// Index
//  [SECTION] Helpers: axe, expected names, focus
//  [SECTION] The suite: axe states, the accessibility tree, keyboard
//  [SECTION] Keyboard only and the unsupported-browser page
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, screenshot, ARTIFACTS, DESKTOP,
} from './support.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_RESULTS = {};

// [SECTION] Helpers: axe, expected names, focus -----------------------------------------------------------------
// axe-core in the page as served (its CSP included: evaluate() is the debugger's, not a script the page
// loads). Returns the violations; records them by impact under `state`.
async function audit(page, state) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const byImpact = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) byImpact[v.impact] = (byImpact[v.impact] || 0) + 1;
  AXE_RESULTS[state] = { byImpact, violations };
  fs.writeFileSync(path.join(ARTIFACTS, 'axe.json'), JSON.stringify(AXE_RESULTS, null, 2));
  return violations;
}
function seriousOrWorse(violations) {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// The accessible name the page must give a message, worked out here from the automation API's record
// (src/core/strings.cpp's words): "<sender>, <time>, <state>: <text>".
const SENDER = { user: 'Você', assistant: 'Assistente', error: 'Erro no servidor', system: 'BuildingOS' };
const STATE = {
  queued: 'aguardando envio', sent: 'enviada', acked: 'entregue', answered: 'respondida', failed: 'não enviada', received: 'recebida',
};
const CLOCK = new Intl.DateTimeFormat('pt-BR', { timeZone: DESKTOP.timezoneId, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
function expectedName(m) {
  const sender = m.role === 'notification' ? (m.priority === 'high' ? 'Aviso importante' : 'Aviso') : SENDER[m.role];
  const state = m.state === 'failed' && m.failReason === 'too_big' ? 'não enviada, grande demais para o servidor' : STATE[m.state];
  return `${sender}, ${CLOCK.format(new Date(m.timestamp))}, ${state}: ${m.text}`;
}

// What has the keyboard focus: enough to tell the twins apart.
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'BODY' };
    const r = e.getBoundingClientRect();
    const cs = getComputedStyle(e);
    return {
      tag: e.tagName, id: e.id, role: e.getAttribute('role'), text: (e.textContent || '').trim(),
      label: e.getAttribute('aria-label'), article: e.closest('article') ? e.closest('article').id : null,
      box: { x: r.x, y: r.y, w: r.width, h: r.height },
      outline: { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) },
    };
  });
}
// Presses Tab (nothing else) until `want` says yes; fails after `max` presses.
async function tabTo(page, want, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (want(f)) return f;
  }
  assert.fail(`Tab never reached the control (last: ${JSON.stringify(await focused(page))})`);
}
// A focused twin is on screen, at least a touch target's size, with a visible focus ring.
function assertVisibleFocus(f, what) {
  assert.ok(f.box.w >= 24 && f.box.h >= 24, `${what}: on screen (${JSON.stringify(f.box)})`);
  assert.ok(f.box.x >= 0 && f.box.y >= 0 && f.box.x + f.box.w <= DESKTOP.viewport.width && f.box.y + f.box.h <= DESKTOP.viewport.height,
    `${what}: inside the viewport (${JSON.stringify(f.box)})`);
  assert.equal(f.outline.style, 'solid', `${what}: a focus ring`);
  assert.ok(f.outline.width >= 2, `${what}: a focus ring at least 2 px wide`);
}

// [SECTION] The suite: axe states, the accessibility tree, keyboard ---------------------------------------------
describe('a11y', () => {
  let server, browser, context, page, userId;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '200'] });
    browser = await launchBrowser();
    context = await browser.newContext(DESKTOP);
    await context.addInitScript(() => {
      // Links open through the app (App::apply → window.open): recorded, not opened.
      window.__opened = [];
      window.open = (url, target, features) => { window.__opened.push({ url, target, features }); return null; };
      // Every frame the main loop asks for (Emscripten looks requestAnimationFrame up at each frame).
      window.__frames = 0;
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => { window.__frames++; return raf(cb); };
    });
    page = await openPage(context, server.http + '/#resident=a11y-1');
    await waitReady(page);
    await waitStatus(page, 'connected');
    userId = (await page.evaluate(() => window.BuildingOS.state())).userId;
    const r = await page.evaluate(() => window.BuildingOS.send('Bom dia! Tem encomenda para mim?'));
    assert.equal(r.ok, true);
    await waitMessage(page, { id: r.id, state: 'answered' });
    await server.json('/notify', { user_id: userId, message: 'Seu boleto: https://portal.example.com/boletos/502', priority: 'high' });
    await waitMessage(page, { role: 'notification' });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('axe: the chat has no serious or critical violations', async (t) => {
    const v = await audit(page, 'chat');
    t.diagnostic(`chat: ${JSON.stringify(AXE_RESULTS.chat.byImpact)} ${v.map((x) => x.id).join(' ')}`);
    assert.deepEqual(seriousOrWorse(v), []);
  });

  it('idle: with the twins in sync the page draws nothing', async () => {
    const frames = () => page.evaluate(() => window.__frames);
    // Settled: no frame asked for in 500 ms (within 10 s of the last change).
    const deadline = Date.now() + 10000;
    let last = await frames();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await frames();
      if (now === last) break;
      assert.ok(Date.now() < deadline, `the page never went idle (${now} frames)`);
      last = now;
    }
    assert.ok(last > 0, 'frames are counted');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await frames(), last, 'no frame in 1.5 s of idle');
    assert.equal(await page.evaluate(() => document.querySelectorAll('#bos-log > article').length),
      (await page.evaluate(() => window.BuildingOS.messages())).filter((m) => !m.temporary).length);
  });

  it('the accessibility tree: every message with its sender, time and state; the menu as a control', async () => {
    const cdp = await context.newCDPSession(page);
    const tree = async () => (await cdp.send('Accessibility.getFullAXTree')).nodes.filter((n) => !n.ignored);
    const prop = (n, name) => (n.properties || []).find((p) => p.name === name)?.value?.value;
    // The page's log shows the frame after a change: wait until it holds every message.
    const messages = (await page.evaluate(() => window.BuildingOS.messages())).filter((m) => !m.temporary);
    await page.waitForFunction((n) => document.querySelectorAll('#bos-log > article').length === n, messages.length);
    let nodes = await tree();
    const articles = nodes.filter((n) => n.role?.value === 'article').map((n) => n.name?.value);
    assert.deepEqual(articles, messages.map(expectedName));
    assert.ok(articles.some((a) => /^Você, \d\d:\d\d, respondida: Bom dia!/.test(a)), articles.join('\n'));
    assert.ok(articles.some((a) => /^Aviso importante, \d\d:\d\d, recebida: Seu boleto/.test(a)), articles.join('\n'));
    const log = nodes.find((n) => n.role?.value === 'log');
    assert.equal(log?.name?.value, 'Mensagens');
    const link = nodes.find((n) => n.role?.value === 'link' && n.name?.value === 'portal.example.com/boletos/502');
    assert.ok(link, 'the notice\'s link is a link');
    const composer = nodes.find((n) => n.role?.value === 'textbox');
    assert.equal(composer?.name?.value, 'Mensagem');

    const menuButton = nodes.find((n) => n.role?.value === 'button' && n.name?.value === 'Menu');
    assert.ok(menuButton, 'the menu button is in the tree');
    assert.equal(prop(menuButton, 'hasPopup'), 'menu');
    assert.equal(prop(menuButton, 'expanded'), false);
    assert.equal(prop(menuButton, 'focusable'), true);

    await page.focus('#bos-menu-button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#bos-menu-panel:not([hidden])');
    nodes = await tree();
    assert.equal(prop(nodes.find((n) => n.role?.value === 'button' && n.name?.value === 'Menu'), 'expanded'), true);
    const menu = nodes.find((n) => n.role?.value === 'menu');
    assert.ok(menu, 'the open menu is a menu');
    const items = nodes.filter((n) => n.role?.value === 'menuitem').map((n) => n.name?.value);
    // The test browser has not been asked about notifications yet ("default"): the menu offers them.
    assert.deepEqual(items, ['Ativar notificações', 'Texto maior', 'Limpar conversa']);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#bos-menu-panel[hidden]', { state: 'attached' });
    await cdp.detach();
  });

  it('axe: the open menu has no serious or critical violations; Escape closes it and gives the focus back', async (t) => {
    await page.focus('#composer-input');
    const button = await tabTo(page, (f) => f.id === 'bos-menu-button');
    assertVisibleFocus(button, 'the menu button');
    await page.keyboard.press('Enter');
    const first = await focused(page);
    assert.equal(first.role, 'menuitem');
    assert.equal(first.text, 'Ativar notificações');
    assertVisibleFocus(first, 'the first menu item');
    await screenshot(page, 'a11y-menu');
    const v = await audit(page, 'menu open');
    t.diagnostic(`menu open: ${JSON.stringify(AXE_RESULTS['menu open'].byImpact)} ${v.map((x) => x.id).join(' ')}`);
    assert.deepEqual(seriousOrWorse(v), []);
    await page.keyboard.press('Escape');
    const back = await focused(page);
    assert.equal(back.id, 'bos-menu-button');
    assert.equal(await page.getAttribute('#bos-menu-button', 'aria-expanded'), 'false');
  });

  it('keyboard: "Texto maior" and a link, through the app like a tap on the canvas', async () => {
    await page.focus('#composer-input');
    await tabTo(page, (f) => f.id === 'bos-menu-button');
    await page.keyboard.press('Enter');
    await tabTo(page, (f) => f.role === 'menuitem' && f.text === 'Texto maior', 2);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'bos-menu-button');  // the menu closed, the focus went back
    await page.waitForFunction(() => localStorage.getItem('bos.v1.largeText') === '1');
    await page.keyboard.press('Enter');
    await tabTo(page, (f) => f.role === 'menuitem' && f.text === 'Texto normal', 2);
    await page.keyboard.press('Enter');  // and back
    await page.waitForFunction(() => localStorage.getItem('bos.v1.largeText') === '0');

    const link = await tabTo(page, (f) => f.tag === 'A');
    assert.equal(link.text, 'portal.example.com/boletos/502');
    assertVisibleFocus(link, 'a link in a message');
    await screenshot(page, 'a11y-link-focused');
    await page.keyboard.press('Enter');
    // Issue 13: the page's link asks first, as the canvas chip does; the safe answer has the focus.
    await page.waitForSelector('#bos-confirm[open]');
    assert.equal(await page.textContent('#bos-confirm-text'), 'Abrir site externo? portal.example.com');
    assert.equal((await focused(page)).text, 'Cancelar');
    assert.deepEqual(await page.evaluate(() => window.__opened), []);
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Abrir');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#bos-confirm:not([open])', { state: 'attached' });
    assert.equal((await focused(page)).tag, 'A');  // the focus went back to the link
    const opened = await page.evaluate(() => window.__opened);
    assert.deepEqual(opened, [{ url: 'https://portal.example.com/boletos/502', target: '_blank', features: 'noopener,noreferrer' }]);
  });

  it('the page\'s log keeps the newest 500 messages of a burst', async () => {
    const before = await page.evaluate(() => window.BuildingOS.messages().length);
    const res = await server.json('/__dev/burst', { user_id: userId, count: 600, text_prefix: 'rajada ' });
    assert.equal(res.body.sent, 600);
    await page.waitForFunction((n) => window.BuildingOS.messages().length === n, before + 600);
    await page.waitForFunction(() => (document.querySelector('#bos-log > article:last-child p')?.textContent || '').endsWith(': rajada 600'));
    const names = await page.evaluate(() => [...document.querySelectorAll('#bos-log > article')].map((a) => a.firstChild.textContent));
    assert.equal(names.length, 500);
    assert.match(names[0], /: rajada 101$/);
    assert.deepEqual(await noProblems(page), []);
  });

  // [SECTION] Keyboard only and the unsupported-browser page ------------------------------------------------------
  it('keyboard only: sends, retries and clears with Tab, Enter and Escape alone', async (t) => {
    // Acks 2.5 s late, so a message can be caught in flight when the gateway refuses it (1009).
    const api = await startDevserver({ staticDir: null, args: ['--fault', 'ack-delay=2500', '--reply-delay-ms', '100'] });
    const ctx = await browser.newContext(DESKTOP);
    const started = Date.now();
    try {
      const p = await openPage(ctx, `${server.http}/?ws=${encodeURIComponent(api.ws)}#resident=teclado-1`);
      await waitReady(p);
      await waitStatus(p, 'connected');
      const seen = async () => (await api.json('/__dev/messages?user_id=teclado-1')).body.messages.map((m) => m.message);

      // The focus order starts at the composer.
      await p.keyboard.press('Tab');
      const composer = await focused(p);
      assert.equal(composer.id, 'composer-input');
      await p.keyboard.type('Bom dia, portaria');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => window.BuildingOS.messages().some((m) => m.text === 'Bom dia, portaria'));
      await waitMessage(p, { text: 'Bom dia, portaria', state: ['acked', 'answered'] });
      assert.deepEqual(await seen(), ['Bom dia, portaria']);

      // The next one is refused by the gateway while in flight: it fails, with Reenviar and Apagar.
      await p.keyboard.type('Chegou minha encomenda?');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => window.BuildingOS.messages().some((m) => m.text === 'Chegou minha encomenda?' && m.state === 'sent'));
      assert.equal((await api.json('/__dev/close', { user_id: 'teclado-1', code: 1009 })).body.closed, 1);
      const failed = await waitMessage(p, { text: 'Chegou minha encomenda?', state: 'failed' });
      await waitStatus(p, 'connected');

      const retry = await tabTo(p, (f) => f.tag === 'BUTTON' && f.text === 'Reenviar');
      assertVisibleFocus(retry, 'Reenviar');
      const item = await p.$eval('#' + retry.article, (a) => a.firstChild.textContent);
      assert.equal(item, expectedName(failed));
      await screenshot(p, 'a11y-retry-focused');
      await p.keyboard.press('Enter');
      const resent = await waitMessage(p, { id: failed.id, state: ['queued', 'sent', 'acked', 'answered'] });
      assert.notEqual(resent.state, 'failed');
      assert.equal((await focused(p)).id, retry.article, 'the focus stays on the message');
      await waitMessage(p, { id: failed.id, state: ['acked', 'answered'] });
      assert.deepEqual(await seen(), ['Bom dia, portaria', 'Chegou minha encomenda?']);

      // Limpar conversa: the menu, Escape on its question keeps everything, then the answer that clears.
      await tabTo(p, (f) => f.id === 'bos-menu-button');
      await p.keyboard.press('Enter');
      let f = await tabTo(p, (x) => x.role === 'menuitem' && x.text === 'Limpar conversa', 3);
      await p.keyboard.press('Enter');
      f = await focused(p);
      assert.equal(f.text, 'Cancelar', 'the question starts on its safe answer');
      assert.equal(await p.$eval('#bos-confirm', (d) => d.open), true);
      await p.keyboard.press('Escape');
      assert.equal(await p.$eval('#bos-confirm', (d) => d.open), false);
      assert.equal((await focused(p)).id, 'bos-menu-button');
      const kept = (await p.evaluate(() => window.BuildingOS.messages())).length;
      assert.ok(kept >= 2);

      await p.keyboard.press('Enter');
      await tabTo(p, (x) => x.role === 'menuitem' && x.text === 'Limpar conversa', 3);
      await p.keyboard.press('Enter');
      f = await tabTo(p, (x) => x.tag === 'BUTTON' && x.text === 'Limpar conversa', 2);
      assertVisibleFocus(f, 'the question\'s answer');
      await screenshot(p, 'a11y-clear-question');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => window.BuildingOS.messages().length === 0);
      await p.waitForFunction(() => document.querySelectorAll('#bos-log > article').length === 0);
      assert.equal((await focused(p)).id, 'bos-menu-button');
      assert.deepEqual(await noProblems(p), []);
      t.diagnostic(`keyboard flow: ${Math.round((Date.now() - started) / 1000)} s`);

      // The connection banner, with the server down: audited, and "Tentar agora" from the keyboard. The
      // gateway refuses the connection first (4001: the client waits to be asked, no automatic retry), so
      // the banner is there at once instead of after five failed attempts, and only the key reconnects.
      assert.equal((await api.json('/__dev/close', { user_id: 'teclado-1', code: 4001 })).body.closed, 1);
      await waitStatus(p, 'failed');
      const port = api.port;
      await api.kill();
      await p.waitForSelector('#bos-banner button');
      const v = await audit(p, 'connection banner');
      t.diagnostic(`connection banner: ${JSON.stringify(AXE_RESULTS['connection banner'].byImpact)} ${v.map((x) => x.id).join(' ')}`);
      assert.deepEqual(seriousOrWorse(v), []);
      const again = await startDevserver({ port, staticDir: null });
      try {
        await p.focus('#composer-input');
        const tryNow = await tabTo(p, (x) => x.tag === 'BUTTON' && x.text === 'Tentar agora');
        assertVisibleFocus(tryNow, 'Tentar agora');
        await screenshot(p, 'a11y-banner-focused');
        assert.equal((await p.evaluate(() => window.BuildingOS.state())).status, 'failed', 'nothing reconnected by itself');
        await p.keyboard.press('Enter');
        await waitStatus(p, 'connected');
        assert.equal((await focused(p)).id, 'composer-input', 'the focus leaves the banner that went away for the composer');
        // The refusal this test asked for is logged as an error; nothing else may be.
        assert.deepEqual((await noProblems(p)).filter((x) => !/server closed the connection with 4001 /.test(x)), []);
      } finally {
        await again.stop();
      }
      t.diagnostic(`keyboard flow and banner: ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      await ctx.close();
      await api.stop();
    }
  });

  it('axe: the unsupported-browser page has no serious or critical violations', async (t) => {
    const ctx = await browser.newContext(DESKTOP);
    try {
      await ctx.addInitScript(() => { delete window.WebAssembly; });
      const p = await openPage(ctx, server.http + '/');
      await p.waitForSelector('#boot.error');
      const v = await audit(p, 'unsupported browser');
      t.diagnostic(`unsupported browser: ${JSON.stringify(AXE_RESULTS['unsupported browser'].byImpact)} ${v.map((x) => x.id).join(' ')}`);
      assert.deepEqual(seriousOrWorse(v), []);
      // Its one control is reachable from the keyboard.
      await p.keyboard.press('Tab');
      assert.equal((await focused(p)).id, 'boot-retry');
    } finally {
      await ctx.close();
    }
  });
});
