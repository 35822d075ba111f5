// coldload-timeline.mjs: where a cold load's time goes, for docs/performance.md's cold-load figure.
// Wraps getContext, WebAssembly.instantiateStreaming, new WebSocket and requestAnimationFrame in the page
// and prints, per fresh browser, the marks (ms from navigation start) and every resource's start/end.
//   node bench/diagnostics/coldload-timeline.mjs [runs]      (needs scripts/build: dist/ and the dev server)
import { startDevserver, launchBrowser } from '../../tests/e2e/support.mjs';
const server = await startDevserver();
const runs = Number(process.argv[2]) || 3;
for (let i = 0; i < runs; i++) {
  const browser = await launchBrowser();
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 720 }, locale: 'pt-BR' });
  await ctx.addInitScript(() => {
    window.__marks = [];
    const mark = (n) => window.__marks.push([n, Math.round(performance.now())]);
    addEventListener('buildingos:status', (e) => { if (e.detail.status === 'connected' && !window.__conn) { window.__conn = 1; mark('connected'); } });
    addEventListener('buildingos:ready', () => mark('ready'));
    const gc = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (...a) { mark('getContext>'); const r = gc.apply(this, a); mark('getContext<'); return r; };
    const WS = window.WebSocket;
    window.WebSocket = function (...a) { mark('new WebSocket'); const s = new WS(...a); s.addEventListener('open', () => mark('ws open')); return s; };
    window.WebSocket.prototype = WS.prototype; Object.assign(window.WebSocket, { OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2 });
    const inst = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = function (...a) { mark('instantiateStreaming>'); return inst.apply(this, a).then((r) => { mark('instantiateStreaming<'); return r; }); };
    const raf = window.requestAnimationFrame;
    let n = 0;
    window.requestAnimationFrame = function (cb) { return raf.call(window, (t) => { const s = performance.now(); cb(t); const d = performance.now() - s; if (n++ < 6) mark('raf ' + Math.round(d) + 'ms'); }); };
  });
  const page = await ctx.newPage();
  await page.goto(server.http + '/');
  await page.waitForFunction(() => window.__conn, null, { timeout: 30000 });
  const r = await page.evaluate(() => ({ marks: window.__marks, res: performance.getEntriesByType('resource').map((e) => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.responseEnd)]), nav: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd) }));
  console.log(JSON.stringify(r));
  await browser.close();
}
await server.stop();
