// Compression as a browser meets it: the dev server serving dist/ (with the .br/.gz siblings scripts/build
// writes) answers each Accept-Encoding with that encoding, Chromium decodes it and the chat connects.
// Chromium offers br only over HTTPS, so the header is set on the context (CDP) as scripts/bench does.
// Also the page's named config (data-config, written by the deploy): boot.js reads that file, and falls
// back to /config.json when it is missing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevserver, launchBrowser, openPage, waitStatus, noProblems, DIST, PHONE } from './support.mjs';

// The files boot.js and index.html fetch that scripts/build compresses (>= 1,000 bytes, a compressible type).
const COMPRESSED = [/\/$/, /\/app\.[0-9a-f]{10}\.wasm$/, /\/app\.[0-9a-f]{10}\.js$/, /\/boot\.[0-9a-f]{10}\.js$/,
  /\/style\.[0-9a-f]{10}\.css$/, /\/NotoSans-Regular\.[0-9a-f]{10}\.ttf$/];

describe('compression', () => {
  let server, browser;

  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST, 'index.html.br')), 'dist/ has no .br siblings: run scripts/build');
    server = await startDevserver();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [offer, expected] of [['br, gzip, deflate', 'br'], ['gzip, deflate', 'gzip'], ['identity', null]]) {
    it(`Accept-Encoding: ${offer} → ${expected ?? 'identity'}, decoded, connected`, async () => {
      const context = await browser.newContext(PHONE);
      await context.setExtraHTTPHeaders({ 'Accept-Encoding': offer });
      const seen = [];
      context.on('response', (r) => seen.push({ url: r.url(), status: r.status(), headers: r.headers() }));
      const page = await openPage(context, server.http + '/');
      await waitStatus(page, 'connected');
      for (const pattern of COMPRESSED) {
        const r = seen.find((x) => pattern.test(new URL(x.url).pathname));
        assert.ok(r, `no response for ${pattern}`);
        assert.equal(r.status, 200, r.url);
        assert.equal(r.headers['content-encoding'] ?? null, expected, r.url);
        assert.match(r.headers.vary ?? '', /Accept-Encoding/i, r.url);
      }
      assert.deepEqual(await noProblems(page), []);
      await context.close();
    });
  }

  describe('a deployed page names its config (data-config)', () => {
    let site, named;

    before(async () => {
      site = fs.mkdtempSync(path.join(os.tmpdir(), 'bos-e2e-config-'));
      fs.cpSync(DIST, site, { recursive: true, preserveTimestamps: true });
      named = await startDevserver({ staticDir: site });
      // As the deploy writes it: an immutable config.<hash>.json next to the page, named by the boot script.
      fs.writeFileSync(path.join(site, 'config.0123456789.json'), JSON.stringify({ websocketEndpoint: named.ws }));
    });

    after(async () => {
      await named?.stop();
      if (site) fs.rmSync(site, { recursive: true, force: true });
    });

    function useConfig(name) {
      const file = path.join(site, 'index.html');
      const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
      fs.writeFileSync(file, html.replace('<script id="bos-boot"', `<script id="bos-boot" data-config="${name}"`));
      for (const ext of ['.br', '.gz']) fs.rmSync(file + ext, { force: true });   // the edited page has no siblings
    }

    async function load() {
      const context = await browser.newContext(PHONE);
      const asked = [];
      context.on('request', (r) => asked.push(new URL(r.url()).pathname));
      const page = await openPage(context, named.http + '/');
      await waitStatus(page, 'connected');
      const problems = await noProblems(page);
      await context.close();
      return { asked, problems };
    }

    it('reads the named file, not /config.json', async () => {
      useConfig('config.0123456789.json');
      const { asked, problems } = await load();
      assert.ok(asked.includes('/config.0123456789.json'), asked.join(' '));
      assert.ok(!asked.includes('/config.json'), asked.join(' '));
      assert.deepEqual(problems, []);
    });

    it('falls back to /config.json when the named file is missing', async () => {
      useConfig('config.ffffffffff.json');
      const { asked } = await load();
      assert.ok(asked.includes('/config.ffffffffff.json'), asked.join(' '));
      assert.ok(asked.includes('/config.json'), asked.join(' '));
    });
  });
});
