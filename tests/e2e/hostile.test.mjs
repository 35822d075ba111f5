// Hostile input end to end: a WebSocket server (Node `ws`) that sends the table of nasty frames
// (hostile-frames.mjs) to the page, one at a time. After each, what the resident sees is compared with what it was: a frame to ignore adds
// no message, no line to the live log and no pixel to the screen; a frame with text adds exactly that text
// to messages(), to the live log and to the screen (a bubble of its role with that text's width in the
// page's font). The page keeps working and stays locked down: ?ws= is ignored and ws:// refused on a page
// that is not served from loopback.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { TABLE as SHARED } from './hostile-frames.mjs';
import fs from 'node:fs';
import path from 'node:path';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, CHROMIUM_ARGS, DESKTOP,
  DIST, capture, settled, oneRect, rectsOf, assertBubblesDrawn,
} from './support.mjs';
import { changed, ink, bubbleFill, assertBubble } from './pixels.mjs';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');
const { chromium } = require('playwright-core');

const DROPS = Symbol('the browser drops the connection');
const TYPING = Symbol('the typing indicator shows');
const NOTICE = Symbol("the page's own error notice, not the frame's text");

// The shared table (hostile-frames.mjs: [frame, the text the page must show or null: ignored, a name]),
// with what this test can tell apart on screen. Three rows are neither ignored nor text: a valid typing
// frame shows the typing indicator, whatever the agent's name (TYPING; the name is not drawn); browsers
// fail the connection that carries invalid UTF-8 (WebSocket spec), so the page must reconnect (DROPS);
// API Gateway's "Internal server error" is shown as the page's own notice (NOTICE), once: the same frame
// again adds nothing.
const SPECIAL = new Map([['huge agent name', TYPING], ['API Gateway internal error', NOTICE], ['invalid UTF-8 bytes', DROPS]]);
const TABLE = SHARED.flatMap((row) => {
  const [frame, text, name] = row;
  const mine = [frame, SPECIAL.has(name) ? SPECIAL.get(name) : text, name];
  return name === 'API Gateway internal error' ? [mine, [frame, null, 'API Gateway internal error again (shown once)']] : [mine];
});
for (const name of SPECIAL.keys()) assert.ok(SHARED.some((r) => r[2] === name), `no hostile frame named "${name}"`);

// The page's font as the browser lays it out, for the width a text must have on screen. Dear ImGui sizes a
// face by its ascender-to-descender height (stb_truetype ScaleForPixelHeight), CSS by its em: a body font
// of N px in ImGui is N * unitsPerEm / (ascender - descender) px in CSS.
function fontScale() {
  const file = fs.readdirSync(DIST).find((f) => /^NotoSans-Regular\..*\.ttf$/.test(f));
  const ttf = fs.readFileSync(path.join(DIST, file));
  const tables = {};
  for (let i = 0, n = ttf.readUInt16BE(4); i < n; i++) {
    const o = 12 + 16 * i;
    tables[ttf.toString('latin1', o, o + 4)] = ttf.readUInt32BE(o + 8);
  }
  const unitsPerEm = ttf.readUInt16BE(tables.head + 18);
  const height = ttf.readInt16BE(tables.hhea + 4) - ttf.readInt16BE(tables.hhea + 6);
  return unitsPerEm / height;
}

// Texts whose width can be predicted: one line, only characters the shipped subset draws (Latin), none of
// them invisible or a control character.
const measurable = (t) => /^[\x20-\x7e\u00a0-\u00ff]+$/.test(t) && t.trim() === t;

describe('hostile input', () => {
  let site, wss, port, browser;
  let current = null, connections = 0;

  before(async () => {
    site = await startDevserver();
    // A real WebSocket server that misbehaves on purpose, one frame when the test asks.
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    port = wss.address().port;
    wss.on('connection', (ws) => {
      current = ws;
      connections++;
      ws.on('message', () => {});
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const c of wss?.clients || []) c.terminate();  // wss.close() alone waits for open connections
    await new Promise((r) => wss.close(r));
    await site?.stop();
  });

  it(`survives ${TABLE.length} hostile frames: ignored ones change nothing on screen, text is shown as text`, async (t) => {
    assert.ok(TABLE.length >= 40);
    // A small window: one screenshot per frame, so fewer pixels to encode and compare.
    const context = await browser.newContext({ ...DESKTOP, viewport: { width: 640, height: 560 } });
    // Counts the frames the app's handler has finished with (Emscripten sets socket.onmessage): after a
    // frame was handled, whatever it changed is in messages() and has asked for its frame.
    await context.addInitScript(() => {
      window.__handled = 0;
      const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
      Object.defineProperty(WebSocket.prototype, 'onmessage', {
        configurable: true,
        get() { return d.get.call(this); },
        set(fn) {
          d.set.call(this, typeof fn !== 'function' ? fn : function (e) {
            try { return fn.call(this, e); } finally { window.__handled++; }
          });
        },
      });
    });
    const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(`ws://127.0.0.1:${port}`)}`);
    await waitReady(page);
    await waitStatus(page, 'connected');
    const scale = fontScale();
    const logLines = () => page.evaluate(() => [...document.querySelectorAll('#bos-log p')].map((p) => p.textContent));
    const measure = (text, px) => page.evaluate(async ({ text, px }) => {
      if (!window.__measureFace) {
        const url = document.getElementById('bos-boot').getAttribute('data-font');
        window.__measureFace = new FontFace('BOSMeasure', `url(${url})`);
        await window.__measureFace.load();
        document.fonts.add(window.__measureFace);
      }
      const c = document.createElement('canvas').getContext('2d');
      c.font = `${px}px BOSMeasure`;
      c.fontKerning = 'none';  // Dear ImGui does not kern
      return c.measureText(text).width;
    }, { text, px });

    let state = { messages: await page.evaluate(() => window.BuildingOS.messages()), log: await logLines(), shot: await capture(page) };
    const ignored = [], shown = [], kept = [];
    for (let [frame, expected, name] of TABLE) {
      const handled = await page.evaluate(() => window.__handled);
      const connectionsBefore = connections;
      current.send(frame, { binary: name === 'binary frame' });
      if (expected === DROPS) {
        await page.waitForFunction(() => window.BuildingOS.state().status !== 'connected', null, { timeout: 10000 });
        await waitStatus(page, 'connected', 20000);
        assert.equal(connections, connectionsBefore + 1, `${name}: the page reconnected`);
      } else {
        await page.waitForFunction((n) => window.__handled > n, handled, { timeout: 10000 });
      }
      const now = { messages: await page.evaluate(() => window.BuildingOS.messages()), log: await logLines(), shot: await capture(page) };
      const why = `"${name}"`;
      if (expected === null || expected === DROPS || expected === TYPING) {
        assert.deepEqual(now.messages, state.messages, `${why} added or changed a message`);
        assert.deepEqual(now.log, state.log, `${why} reached the live log`);
        if (expected === null) {
          assert.equal(changed(state.shot.img, now.shot.img), 0, `${why} changed the screen`);
          ignored.push(name);
        } else if (expected === TYPING) {
          // The indicator, at the bottom of the list, as small as its label: no agent name in it.
          assert.equal((await page.evaluate(() => window.BuildingOS.state())).agentTyping, true);
          const typing = oneRect(now.shot.layout, 'typing');
          assert.ok(typing.w < 250, `${why}: the typing indicator is ${typing.w} px wide`);
          assert.ok(typing.y > rectsOf(now.shot.layout, 'bubble').at(-1).y, `${why}: the indicator under the last message`);
          shown.push(name);
        } else {
          // Reconnected: the status says so again (the screen went through "Reconectando").
          assert.equal(oneRect(now.shot.layout, 'status_dot').detail, 'connected');
          ignored.push(name);
        }
      } else {
        // Exactly one message more, with exactly this text...
        assert.deepEqual(now.messages.slice(0, -1), state.messages, `${why}: the messages before it changed`);
        const m = now.messages.at(-1);
        assert.equal(now.messages.length, state.messages.length + 1, `${why} added no message`);
        if (expected === NOTICE) {
          assert.equal(m.role, 'error', `${why}: shown as an error`);
          assert.ok(!/Internal server error/.test(m.text), `${why}: the gateway's words shown to the resident`);
          expected = m.text;
        }
        assert.equal(m.text, expected, `${why}: messages() has another text`);
        kept.push(m.text);
        assert.notEqual(m.role, 'user', `${why}: a server frame shown as the resident's own message`);
        // ...in the live log, as the screen reader reads it (a U+0000 as U+FFFD, like the screen draws it:
        // src/ui/text_util.hpp drawable_text)...
        const read = expected.replaceAll('\u0000', '\uFFFD');
        // The log's items are the canvas's twins, synced once per drawn frame: wait (bounded) for that frame.
        if (!now.log.at(-1)?.endsWith(': ' + read)) {
          await page.waitForFunction((r) => {
            const ps = [...document.querySelectorAll('#bos-log p')];
            return ps.length > 0 && ps.at(-1).textContent.endsWith(': ' + r);
          }, read, { timeout: 5000 }).catch(() => {});
          now.log = await logLines();
        }
        assert.ok(now.log.at(-1).endsWith(': ' + read), `${why}: the live log ends with ${JSON.stringify(now.log.at(-1).slice(-60))}`);
        assert.equal(now.log.length, Math.min(50, state.log.length + 1), `${why}: one line in the live log`);
        // ...and on screen: its bubble, in its role's colour, with its text drawn in it.
        const bubble = oneRect(now.shot.layout, 'bubble', { id: m.id });
        assert.equal(bubble.detail, m.role);
        assertBubble(now.shot.img, bubble, { pal: now.shot.pal, viewWidth: now.shot.layout.width, priority: m.priority, what: why });
        const text = oneRect(now.shot.layout, 'text', { id: m.id });
        const body = now.shot.layout.fonts.body;
        // Its first line, or what is on screen of it when the text is taller than the list.
        // Inside the bubble's outline (an error bubble's border is ink too).
        const cut = text.full[1] < text.y - 0.5;
        const right = Math.min(text.full[0] + text.full[2] + 2, bubble.full[0] + bubble.full[2] - 4);
        const line = cut ? { x: text.x - 2, y: text.y, w: right - text.x + 2, h: text.h }
          : { x: text.full[0] - 2, y: text.full[1], w: right - text.full[0] + 2, h: Math.min(text.h, body * 1.2) };
        const drawn = ink(now.shot.img, line, bubbleFill(bubble, now.shot.pal, m.priority));
        if (expected.trim() === '') {
          assert.equal(drawn.count, 0, `${why}: ink where only a space is`);
        } else {
          assert.ok(drawn.count > 0, `${why}: no text drawn`);
        }
        if (!cut && measurable(expected) && text.full[3] < body * 1.5) {
          // One line: the ink spans the text's width in the real font (side bearings aside).
          const want = await measure(expected, body * scale);
          assert.ok(Math.abs(drawn.w - want) <= 3 + want * 0.03, `${why}: ${drawn.w} px of ink, the text is ${want.toFixed(1)} px wide`);
          t.diagnostic(`${name}: ink ${drawn.w} px, measured ${want.toFixed(1)} px`);
        }
        shown.push(name);
      }
      state = now;
    }
    t.diagnostic(`${ignored.length} frames ignored (no change on screen), ${shown.length} shown`);
    assert.equal(ignored.length + shown.length, TABLE.length);
    // Everything shown is still there, in order.
    const texts = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
    assert.deepEqual(texts, kept);
    // And the page still works: it sends, and the UI answers.
    const sent = await page.evaluate(() => window.BuildingOS.send('ainda funciona?'));
    assert.equal(sent.ok, true);
    const last = await capture(page, 'hostile-frames');
    const drawn = await assertBubblesDrawn(page, last, { atLeast: 2 });
    assert.equal(drawn.at(-1).rect.id, sent.id);
    assert.equal(drawn.at(-1).rect.detail, 'user');
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
