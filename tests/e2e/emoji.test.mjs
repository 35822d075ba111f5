// Every character residents type (issue 17), in Chromium against the real dev server: the browser has the
// fonts (else this fails loudly), the app's grapheme clusters are the browser's, emoji are drawn in colour
// and U+FFFD never for valid text, a screen of 200 emoji costs one rasterisation each on first sight only,
// and the phone shows emoji and mixed scripts (artifacts/e2e/phone-emoji.png, desktop-emoji.png).
// The glyph cache's counters come from window.BOSText (wasm/glyphs.js: a test hook, not a contract).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, ARTIFACTS, DESKTOP, PHONE } from './support.mjs';
import { CLASSES, MIXED, distinctEmoji, fontProbe, colourVerdict, colourDelta } from './emoji-checks.mjs';

const stats = (page) => page.evaluate(() => window.BOSText.stats());

// One screenshot, kept in artifacts/e2e/ and returned for its pixels.
async function shoot(page, name) {
  const png = await page.screenshot();
  fs.writeFileSync(path.join(ARTIFACTS, name + '.png'), png);
  return png;
}

// Resolves after the app drew `n` more frames that drew external images (the render loop runs on demand:
// a mouse move wakes it).
async function framesDrawn(page, n = 3) {
  for (let i = 0; i < n; i++) {
    const before = (await stats(page)).imagesDrawn;
    await page.mouse.move(300 + i * 7, 300 + (i % 2) * 5);
    await page.waitForFunction((b) => window.BOSText.stats().imagesDrawn > b, before, { timeout: 5000, polling: 50 });
  }
}

async function push(server, page, text) {
  const { userId } = await page.evaluate(() => window.BuildingOS.state());
  const r = await server.json('/__dev/burst', { user_id: userId, count: 1, text_prefix: text });
  assert.equal(r.body.sent, 1);
  return waitMessage(page, { role: 'assistant', text: text + '1' });
}

describe('emoji and every script', () => {
  let server, browser, desktop, page;

  before(async () => {
    server = await startDevserver({ args: ['--reply-delay-ms', '100'] });
    browser = await launchBrowser();
    desktop = await browser.newContext(DESKTOP);
    page = await openPage(desktop, server.http + '/');
    await waitReady(page);
    await waitStatus(page, 'connected');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('runs on a browser with a colour emoji font and a font for every script (else nothing here means anything)', async () => {
    const probe = await page.evaluate(fontProbe, CLASSES);
    assert.equal(probe.error, undefined, probe.error);
    assert.ok(probe.emojiColoured > 50,
      `NO COLOUR EMOJI FONT: a canvas draws U+1F600 with ${probe.emojiColoured} coloured pixels (scripts/bootstrap installs fonts-noto-color-emoji)`);
    assert.deepEqual(probe.missing, [], `NO FONT FOR: ${probe.missing.join(', ')} (drawn as the tofu or U+FFFD glyph)`);
  });

  it("cuts text into the browser's grapheme clusters (Intl.Segmenter)", async () => {
    const texts = [...CLASSES.map((c) => c.text), MIXED, '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
      '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}', 'a\u0308\u0301b', '\r\n\u1100\u1161\u11A8'];
    const got = await page.evaluate((list) => list.map((t) => ({
      app: window.BOSText.clusters(t),
      browser: [...new Intl.Segmenter('pt-BR', { granularity: 'grapheme' }).segment(t)].map((s) => s.segment),
    })), texts);
    got.forEach((g, i) => assert.deepEqual(g.app, g.browser, `clusters of ${JSON.stringify(texts[i])}`));
    CLASSES.forEach((c, i) => assert.equal(got[i].app.length, c.units, `${c.name}: ${c.units} cluster(s)`));
  });

  it('draws emoji in colour and never U+FFFD for valid text (every class)', async () => {
    const s0 = await stats(page);
    const before = await page.screenshot();
    await push(server, page, MIXED + ' ');
    await framesDrawn(page, 2);
    const s1 = await stats(page);
    assert.equal(s1.replacementDrawn, 0, 'U+FFFD drawn for valid UTF-8');
    assert.ok(s1.rasterized > s0.rasterized, 'the scripts the font lacks were rasterised by the browser');
    const png = await shoot(page, 'desktop-emoji');
    // The message list: under the header, above the composer, the assistant's side (left).
    const v = colourDelta(before, png, { x: 0, y: 64, width: DESKTOP.viewport.width, height: DESKTOP.viewport.height - 150, cssWidth: DESKTOP.viewport.width });
    assert.ok(v.ok, `colour emoji in the list: ${JSON.stringify(v)}`);
  });

  it('counts U+FFFD when the text really holds one (so the check above can fail)', async () => {
    const s0 = await stats(page);
    await push(server, page, 'trocado \uFFFD ');
    await framesDrawn(page, 1).catch(() => {});  // frames with images: the 200 emoji may have scrolled away
    await page.mouse.move(10, 10);
    await page.waitForFunction((b) => window.BOSText.stats().replacementDrawn > b, s0.replacementDrawn, { timeout: 5000 });
  });

  it('draws a screen of 200 emoji with one rasterisation each, on first sight only', async () => {
    const emoji = distinctEmoji(200);
    assert.equal(new Set(emoji).size, 200);
    const s0 = await stats(page);
    await push(server, page, emoji.join(''));
    await framesDrawn(page, 2);
    const s1 = await stats(page);
    assert.equal(s1.rasterized - s0.rasterized, 200, `rasterised ${s1.rasterized - s0.rasterized} for 200 new emoji`);
    assert.equal(s1.measured - s0.measured, 200, 'measured once each');
    assert.equal(s1.evictedGlyphs, s0.evictedGlyphs, 'nothing evicted');
    assert.equal(s1.full, 0, 'the texture had room');
    assert.equal(s1.failed, 0);
    await shoot(page, 'desktop-200-emoji');
    // Drawn again, frame after frame: no new rasterisation.
    await framesDrawn(page, 3);
    const s2 = await stats(page);
    assert.ok(s2.imagesDrawn - s1.imagesDrawn >= 3 * 200, `drawn again (${s2.imagesDrawn - s1.imagesDrawn} images)`);
    assert.equal(s2.rasterized, s1.rasterized, 'no rasterisation on later frames');
    assert.equal(s2.measured, s1.measured, 'no measuring on later frames');
    assert.ok(s2.textureSize <= 1024);
  });

  it("phone: a resident's emoji and mixed scripts, typed and received (artifacts/e2e/phone-emoji.png)", async (t) => {
    const t0 = Date.now(), at = {};
    const phone = await browser.newContext(PHONE);
    try {
      const p = await openPage(phone, server.http + '/');
      await waitReady(p);
      await waitStatus(p, 'connected');
      at.connected = Date.now() - t0;
      const typed = 'Bom dia \u{1F44B}\u{1F3FD} o elevador \u{1F6D7} parou no 5\uFE0F\u20E3 \u2764\uFE0F\u{1F1E7}\u{1F1F7}';
      await p.tap('#composer-input');
      await p.keyboard.insertText(typed);  // as a phone keyboard's emoji panel does: one input, no key codes
      await p.keyboard.press('Enter');
      const mine = await waitMessage(p, { role: 'user', text: typed });
      await waitMessage(p, { id: mine.id, state: ['acked', 'answered'] });
      const sent = await stats(p);
      await push(server, p, 'Obrigado! \u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u05E9\u05DC\u05D5\u05DD \u0645\u0631\u062D\u0628\u0627 \u6F22\u5B57 \u0928\u092E\u0938\u094D\u0924\u0947 \u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35 \u041F\u0440\u0438\u0432\u0435\u0442 \u0141ukasz Dvo\u0159\u00E1k ');
      // Drawn: the family, the Hebrew + Arabic run, two ideographs, the two shaped words, six Cyrillic letters
      // and Ł, ř (Latin Extended-A is not in the shipped font subset: the browser draws it).
      await p.waitForFunction((b) => window.BOSText.stats().rasterized >= b + 13, sent.rasterized, { timeout: 10000 });
      const st = await stats(p);
      assert.equal(st.replacementDrawn, 0);
      assert.equal(st.full, 0);
      assert.ok(st.rasterized > 0);
      at.received = Date.now() - t0;
      const png = await shoot(p, 'phone-emoji');
      at.shot = Date.now() - t0;
      const v = colourVerdict(png, { x: 0, y: 64, width: PHONE.viewport.width, height: PHONE.viewport.height - 200, cssWidth: PHONE.viewport.width });
      at.checked = Date.now() - t0;
      t.diagnostic(`phone: ms since start ${JSON.stringify(at)}, glyph cache ${JSON.stringify(st)}`);
      assert.ok(v.ok, `colour emoji on the phone: ${JSON.stringify(v)}`);
      assert.deepEqual(await noProblems(p), []);
    } finally {
      await phone.close();
    }
  });

  it('had no errors and no CSP violations', async () => {
    assert.deepEqual(await noProblems(page), []);
  });
});
