// flows.mjs: the core flows every engine must pass, written once and run by firefox.test.mjs and
// webkit.test.mjs (tests/engines/engines.mjs drives each browser): boot, connect, send and receive, accented
// typing key by key and Enter, a notification, a reconnection after a dev-server restart on the same port,
// a reload that keeps history and queue, ten hostile frames, two windows of one resident, a screenshot
// checked by its pixels, emoji in colour and every script without U+FFFD (tests/e2e/emoji-checks.mjs).
//
// As in production, the page comes from one server (CloudFront's role) and the WebSocket API from another
// (`?ws=` on a loopback page), so the API can go down while the page reloads.
//
// Index
//  [SECTION] Fixed data and helpers
//  [SECTION] The suite: start, capabilities, boot, chat flows
//  [SECTION] Outages, hostile frames, two windows
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDevserver, waitReady, waitStatus, waitMessage, noProblems, ARTIFACTS } from '../e2e/support.mjs';
import { pickFrames, startHostileServer } from '../e2e/hostile-frames.mjs';
import { launchEngine, VIEWPORT } from './engines.mjs';
import { decodePng, countColor } from './png.mjs';
import { CLASSES, MIXED, fontProbe, colourDelta } from '../e2e/emoji-checks.mjs';

// [SECTION] Fixed data and helpers ------------------------------------------------------------------------

// The resident's bubble (src/ui/chat_view.cpp: user_bubble, light and dark themes).
const USER_BUBBLE = [0x00d4aa, 0x00b894];
const ACCENTED = 'ação elevador às 10h';
// Ten of tests/e2e/hostile's frames, the ones where browsers differ most (frame size, UTF-8 validation,
// binary frames, text shaping), plus the two markers the server's pause needs.
const TEN_FRAMES = [
  'truncated JSON', 'deep nesting', '1 MB message (over the 128 KiB frame limit)', '100 KB message (cut for display)',
  'printf format string', 'bidi overrides', 'astral emoji and ZWJ', 'control characters and NUL', 'binary frame',
  'invalid UTF-8 bytes',
];
const FRAMES = pickFrames([...TEN_FRAMES, 'sentinel', 'after the browser dropped the connection']);

async function allAcked(page, ids, timeout) {
  await page.waitForFunction((want) => {
    const byId = new Map(window.BuildingOS.messages().map((m) => [m.id, m.state]));
    return want.every((id) => byId.get(id) === 'acked' || byId.get(id) === 'answered');
  }, ids, { timeout, polling: 250 });
}

// The first frame is drawn: the boot overlay is gone, the canvas fills the window in device pixels, and
// the composer sits where the frame reserved it. window.BuildingOS and even 'connected' can come before
// that (WebKit drew its first frame up to 1.5 s after them here), and a resident can only type after it.
async function waitDrawn(page, timeout = 20000) {
  await page.waitForFunction(() => {
    const boot = document.getElementById('boot');
    const canvas = document.getElementById('canvas');
    const composer = document.getElementById('composer');
    if (boot && !boot.hidden && getComputedStyle(boot).display !== 'none') return false;
    if (!canvas || canvas.width !== Math.round(innerWidth * devicePixelRatio)) return false;
    const box = composer && composer.getBoundingClientRect();
    return !!box && box.width > 0 && box.height > 0 && getComputedStyle(composer).display !== 'none';
  }, null, { timeout });
}

async function problemsOf(page) {
  await page.sync();
  return noProblems(page);
}

// [SECTION] The suite: start, capabilities, boot, chat flows -----------------------------------------------

export function engineSuite(engineName) {
  describe(`${engineName}: core flows`, () => {
    let engine, site, api, page, hostile;
    let missing = null;        // what the engine lacks (WebGL2, WebAssembly): every flow then fails loudly
    const pages = [];
    const apiUrl = (suffix = '') => `${site.http}/?ws=${encodeURIComponent(api.ws)}${suffix}`;
    const restartApi = async (port) => {
      api = await startDevserver({ port, staticDir: null, args: ['--reply-delay-ms', '100'] });
    };
    const open = async (url) => {
      const p = await engine.newPage(url);
      pages.push(p);
      return p;
    };
    const flow = (name, fn, timeout = 60000) => it(name, { timeout }, async (t) => {
      if (missing) assert.fail(`${engineName.toUpperCase()} CANNOT RUN THE CHAT: ${missing}`);
      await fn(t);
    });

    before(async () => {
      site = await startDevserver();                                   // the page
      api = await startDevserver({ staticDir: null, args: ['--reply-delay-ms', '100'] });  // the API
    });

    after(async () => {
      for (const [what, stop] of [['browser', () => engine?.close()], ['hostile server', () => hostile?.close()],
        ['API', () => api?.stop()], ['site', () => site?.stop()]]) {
        const t0 = Date.now();
        await stop();
        if (Date.now() - t0 > 3000) process.stderr.write(`${engineName}: stopping the ${what} took ${Date.now() - t0} ms\n`);
      }
    });

    it('starts, and has WebGL2 and WebAssembly (checked first: without them nothing else can pass)', { timeout: 120000 }, async (t) => {
      // Started here rather than in before(): a browser that cannot start is then a failed test with its
      // reason, and every later flow fails with it too, instead of a run of cancelled tests.
      try {
        engine = await launchEngine(engineName);
        page = await open('about:blank');
      } catch (e) {
        missing = `it did not start: ${e.message}`;
        process.stderr.write(`\n\x1b[1;41;97m ${engineName.toUpperCase()} ${missing} \x1b[0m\n\n`);
        throw e;
      }
      const caps = await page.evaluate(async () => {
        const out = { webgl2: false, renderer: null, wasm: false, streaming: false };
        const gl = document.createElement('canvas').getContext('webgl2');
        if (gl) {
          out.webgl2 = true;
          const info = gl.getExtension('WEBGL_debug_renderer_info');
          out.renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
        }
        try {
          // The smallest module: the magic number and version. Compiling it proves WebAssembly runs.
          const mod = await WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
          out.wasm = mod instanceof WebAssembly.Module;
          out.streaming = typeof WebAssembly.instantiateStreaming === 'function';
        } catch (e) { out.wasmError = String(e); }
        out.userAgent = navigator.userAgent;
        out.language = navigator.language;
        return out;
      });
      t.diagnostic(`${engineName} ${engine.version}: ${JSON.stringify(caps)}`);
      const lacks = [];
      if (!caps.webgl2) lacks.push('no WebGL2 (is it running headed, under xvfb-run?)');
      if (!caps.wasm) lacks.push('no WebAssembly' + (caps.wasmError ? ` (${caps.wasmError})` : ''));
      if (lacks.length) {
        missing = lacks.join('; ');
        process.stderr.write(`\n\x1b[1;41;97m ${engineName.toUpperCase()}: ${missing} \x1b[0m\n\n`);
        assert.fail(`${engineName} ${engine.version}: ${missing}`);
      }
      assert.equal(caps.language, 'pt-BR', 'the browser runs in Brazilian Portuguese');
    });

    flow('boots: the chat is ready, in Portuguese, without a boot error', async () => {
      await page.goto(apiUrl());
      await waitReady(page, 40000);
      await waitDrawn(page);
      const shown = await page.evaluate(() => ({
        bootError: !!document.querySelector('#boot.error'),
        lang: document.documentElement.lang,
        title: document.title,
        version: window.BuildingOS.version,
      }));
      assert.equal(shown.bootError, false, 'no boot error');
      assert.equal(shown.lang, 'pt-BR');
      assert.equal(shown.title, 'BuildingOS · Chat do prédio');
      assert.match(shown.version, /^\d+\.\d+\.\d+\+/);
    });

    flow('connects in real time', async () => {
      await waitStatus(page, 'connected', 30000);
      const state = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(state.statusText, 'Conectado em tempo real');
      assert.match(state.connectionId, /^[A-Za-z0-9+/]{15}=$/);
      assert.match(state.userId, /^web-user-\d+-[a-z0-9]{9}$/);
      assert.equal(state.endpoint, api.ws);
      assert.equal((await api.json('/__dev/stats')).body.connections, 1);
    });

    flow('sends a message and receives the reply', async () => {
      const r = await page.evaluate(() => window.BuildingOS.send('Onde está minha encomenda?'));
      assert.equal(r.ok, true);
      const reply = await waitMessage(page, { role: 'assistant' });
      assert.match(reply.text, /encomenda/i);
      const mine = (await page.evaluate(() => window.BuildingOS.messages())).find((m) => m.id === r.id);
      assert.equal(mine.state, 'answered');
      const { userId } = await page.evaluate(() => window.BuildingOS.state());
      const seen = await api.json('/__dev/messages?user_id=' + encodeURIComponent(userId));
      assert.deepEqual(seen.body.messages.map((m) => m.client_msg_id), [r.id]);
      assert.deepEqual(await problemsOf(page), []);
    });

    flow(`types "${ACCENTED}" key by key into the composer and sends it with Enter`, async () => {
      await page.evaluate(() => {
        window.__inputs = 0;
        document.getElementById('composer-input').addEventListener('input', () => { window.__inputs++; });
      });
      await page.type('#composer-input', ACCENTED);
      const typed = await page.evaluate(() => ({ value: document.getElementById('composer-input').value, inputs: window.__inputs }));
      assert.equal(typed.value, ACCENTED, 'every accented key reached the textarea');
      assert.ok(typed.inputs >= [...ACCENTED].length, `one input event per key (${typed.inputs})`);
      await page.press('Enter');
      const mine = await waitMessage(page, { role: 'user', text: ACCENTED });
      assert.equal(await page.evaluate(() => document.getElementById('composer-input').value), '', 'Enter sent and cleared it (no newline left)');
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'composer-input', 'the keyboard stays');
      await waitMessage(page, { id: mine.id, state: 'answered' });
      const { userId } = await page.evaluate(() => window.BuildingOS.state());
      const seen = (await api.json('/__dev/messages?user_id=' + encodeURIComponent(userId))).body.messages;
      assert.deepEqual(seen.filter((m) => m.message === ACCENTED).map((m) => m.client_msg_id), [mine.id], 'the server got the exact text once');
    });

    flow('shows a notification in the chat and in the live region', async () => {
      const { userId } = await page.evaluate(() => window.BuildingOS.state());
      const res = await api.json('/notify', { user_id: userId, message: 'O elevador chegou ao seu andar', priority: 'high' });
      assert.equal(res.body.delivered, 1);
      const n = await waitMessage(page, { role: 'notification' });
      assert.equal(n.text, 'O elevador chegou ao seu andar');
      assert.equal(n.priority, 'high');
      await page.waitForFunction(() => [...document.querySelectorAll('#bos-log p')].some((p) => /^Aviso importante, \d\d:\d\d, recebida: O elevador chegou ao seu andar$/.test(p.textContent)), null, { timeout: 5000 });
      assert.equal(await page.evaluate(() => document.getElementById('bos-log').getAttribute('role')), 'log');
    });

    flow(`takes artifacts/e2e/${engineName}-chat.png: the resident's bubbles on the right`, async (t) => {
      await new Promise((r) => setTimeout(r, 300));   // the frame after the last message is drawn
      const png = await page.screenshot();
      const file = path.join(ARTIFACTS, `${engineName}-chat.png`);
      fs.writeFileSync(file, png);
      const img = decodePng(png);
      // Device pixels per CSS pixel (1 here); the message list lies between the header and the composer.
      const s = img.width / VIEWPORT.width;
      const list = { y: 64 * s, height: img.height - 150 * s };
      const right = countColor(img, USER_BUBBLE, { x: img.width / 2, width: img.width / 2, ...list });
      const left = countColor(img, USER_BUBBLE, { x: 0, width: img.width / 2, ...list });
      t.diagnostic(`${file}: ${img.width}×${img.height}, resident-bubble pixels right ${right}, left ${left}`);
      assert.ok(right >= 3000 * s * s, `the resident's bubbles are drawn (right half: ${right} pixels of the bubble colour)`);
      assert.ok(left * 4 < right, `and they are on the right (left ${left}, right ${right})`);
    });

    flow(`draws emoji in colour and every script without U+FFFD (artifacts/e2e/${engineName}-emoji.png)`, async (t) => {
      // As tests/e2e/emoji.test.mjs in Chromium: the fonts first (a missing one fails loudly), then the chat.
      const probe = await page.evaluate(fontProbe, CLASSES);
      assert.equal(probe.error, undefined, probe.error);
      assert.ok(probe.emojiColoured > 50, `NO COLOUR EMOJI FONT in ${engineName} (${probe.emojiColoured} coloured pixels)`);
      assert.deepEqual(probe.missing, [], `NO FONT in ${engineName} FOR: ${probe.missing.join(', ')}`);
      const clusters = await page.evaluate((text) => ({
        app: window.BOSText.clusters(text),
        browser: typeof Intl.Segmenter === 'function'
          ? [...new Intl.Segmenter('pt-BR', { granularity: 'grapheme' }).segment(text)].map((x) => x.segment) : null,
      }), MIXED);
      if (clusters.browser) assert.deepEqual(clusters.app, clusters.browser, "the app's clusters are the browser's");
      const { userId } = await page.evaluate(() => window.BuildingOS.state());
      const s0 = await page.evaluate(() => window.BOSText.stats());
      const before = await page.screenshot();
      await api.json('/__dev/burst', { user_id: userId, count: 1, text_prefix: MIXED + ' ' });
      await waitMessage(page, { role: 'assistant', text: MIXED + ' 1' });
      // The frame that draws the message rasterises every new cluster in it and draws them in the same frame.
      await page.waitForFunction((b) => {
        const s = window.BOSText.stats();
        return s.rasterized > b.rasterized && s.imagesDrawn > b.imagesDrawn;
      }, s0, { timeout: 5000, polling: 50 });
      const glyphs = await page.evaluate(() => window.BOSText.stats());
      assert.equal(glyphs.replacementDrawn, 0, 'U+FFFD drawn for valid text');
      assert.ok(glyphs.rasterized > 0 && glyphs.imagesDrawn > 0, `the browser drew what the font lacks: ${JSON.stringify(glyphs)}`);
      const png = await page.screenshot();
      fs.writeFileSync(path.join(ARTIFACTS, `${engineName}-emoji.png`), png);
      const v = colourDelta(before, png, { x: 0, y: 64, width: VIEWPORT.width, height: VIEWPORT.height - 150, cssWidth: VIEWPORT.width });
      t.diagnostic(`${engineName}-emoji.png: ${JSON.stringify(v)}, glyph cache ${JSON.stringify(glyphs)}`);
      assert.ok(v.ok, `colour emoji drawn: ${JSON.stringify(v)}`);
    });

    // [SECTION] Outages, hostile frames, two windows ----------------------------------------------------------

    flow('reconnects after the dev server is restarted on the same port; what was typed meanwhile arrives once', async () => {
      const port = api.port;
      await api.kill();
      await waitStatus(page, 'reconnecting', 15000);
      const r = await page.evaluate(() => window.BuildingOS.send('o vazamento no 502 voltou'));
      assert.equal(r.ok, true);
      assert.equal((await page.evaluate(() => window.BuildingOS.state())).queued, 1);
      assert.equal((await page.evaluate(() => window.BuildingOS.messages())).find((m) => m.id === r.id).state, 'queued');
      await restartApi(port);
      await waitStatus(page, 'connected', 40000);
      await waitMessage(page, { id: r.id, state: ['acked', 'answered'] });
      const { userId } = await page.evaluate(() => window.BuildingOS.state());
      const seen = (await api.json('/__dev/messages?user_id=' + encodeURIComponent(userId))).body;
      assert.deepEqual(seen.messages.map((m) => m.client_msg_id), [r.id]);
      assert.equal(seen.duplicates, 0);
    });

    flow('a reload during an outage keeps identity, history and the queue; the queue is delivered once', async () => {
      const first = await page.evaluate(() => window.BuildingOS.state());
      const port = api.port;
      await api.kill();
      await waitStatus(page, 'reconnecting', 15000);
      const pending = await page.evaluate(() => window.BuildingOS.send('digitada durante a queda'));
      assert.equal(pending.ok, true);
      await page.reload();
      await waitReady(page, 40000);
      await waitDrawn(page);
      const after = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(after.userId, first.userId);
      assert.equal(after.sessionId, first.sessionId);
      assert.equal(after.queued, 1);
      const texts = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
      for (const t of ['Onde está minha encomenda?', ACCENTED, 'o vazamento no 502 voltou', 'digitada durante a queda']) {
        assert.ok(texts.includes(t), `"${t}" survived the reload`);
      }
      await restartApi(port);
      await waitStatus(page, 'connected', 40000);
      await waitMessage(page, { id: pending.id, state: ['acked', 'answered'] });
      const seen = (await api.json('/__dev/messages?user_id=' + encodeURIComponent(first.userId))).body;
      assert.deepEqual(seen.messages.map((m) => m.message), ['digitada durante a queda']);
      assert.equal(seen.duplicates, 0);
      assert.deepEqual(await problemsOf(page), []);
    });

    flow(`survives ${TEN_FRAMES.length} hostile frames and shows text as text`, async () => {
      hostile = await startHostileServer(FRAMES);
      await page.goto(`${site.http}/?ws=${encodeURIComponent(hostile.ws)}`);
      await waitReady(page, 40000);
      await waitMessage(page, { text: 'antes dos bytes inválidos' }, 30000);
      hostile.release();
      await waitMessage(page, { text: 'fim da tabela' }, 30000);
      const shown = (await page.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
      for (const [, text, name] of FRAMES) {
        if (text === null) continue;
        assert.ok(shown.includes(text), `"${name}" shown as text; shown: ${JSON.stringify(shown.map((x) => x.slice(0, 30) + '…' + x.length))}`);
      }
      assert.equal((await page.evaluate(() => window.BuildingOS.send('ainda funciona?'))).ok, true);
      await waitStatus(page, 'connected', 10000);
      assert.deepEqual(await problemsOf(page), []);
      await page.goto('about:blank');
    }, 90000);

    flow('two windows of one resident: nothing lost or sent twice, no history clobbered', async () => {
      // As tests/e2e/reliability's two-tab test: both send, the API goes down, window A queues three and
      // is closed; window B delivers what A left, once; a new window shows what both said.
      const url = apiUrl('#resident=apto-77');
      const a = page;
      await a.goto(url);
      const b = await open(url);
      await Promise.all([waitReady(a, 40000), waitReady(b, 40000)]);
      await Promise.all([waitDrawn(a), waitDrawn(b)]);
      // Two windows, both visible (a second tab would hide the first one: Firefox pauses hidden tabs).
      assert.deepEqual([await a.evaluate(() => document.visibilityState), await b.evaluate(() => document.visibilityState)], ['visible', 'visible']);
      await Promise.all([waitStatus(a, 'connected', 30000), waitStatus(b, 'connected', 30000)]);
      const fromA = [], fromB = [];
      for (let i = 0; i < 5; i++) {
        fromA.push((await a.evaluate((n) => window.BuildingOS.send('A ' + n), i)).id);
        fromB.push((await b.evaluate((n) => window.BuildingOS.send('B ' + n), i)).id);
      }
      await allAcked(a, fromA, 20000);
      await allAcked(b, fromB, 20000);

      const port = api.port;
      await api.kill();
      await waitStatus(a, 'reconnecting', 15000);
      const orphaned = [];
      for (let i = 0; i < 3; i++) orphaned.push((await a.evaluate((n) => window.BuildingOS.send('A fechada ' + n), i)).id);
      assert.deepEqual(await problemsOf(a), []);
      await a.close();
      pages.splice(pages.indexOf(a), 1);
      await restartApi(port);
      await waitStatus(b, 'connected', 40000);
      // Window B takes over what A left (it checks when it becomes visible, and every 30 s).
      await b.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await allAcked(b, orphaned, 40000);
      const seen = (await api.json('/__dev/messages?user_id=apto-77')).body;
      assert.deepEqual(seen.messages.map((m) => m.client_msg_id), orphaned, 'the restarted server got only the three orphaned messages');
      assert.equal(seen.duplicates, 0);

      const c = await open(url);
      await waitReady(c, 40000);
      const texts = (await c.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
      for (let i = 0; i < 5; i++) {
        assert.ok(texts.includes('A ' + i), 'A ' + i);
        assert.ok(texts.includes('B ' + i), 'B ' + i);
      }
      for (let i = 0; i < 3; i++) assert.ok(texts.includes('A fechada ' + i), 'A fechada ' + i);
      assert.deepEqual(await problemsOf(b), []);
      assert.deepEqual(await problemsOf(c), []);
    }, 120000);
  });
}
