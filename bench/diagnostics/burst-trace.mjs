// burst-trace.mjs: a Chromium trace of the 5,000-message burst, for docs/performance.md's burst figure.
// Prints the animation-frame intervals, the busiest threads, what the renderer's main thread did, and
// the tasks over 30 ms. The trace itself is left in artifacts/bench/burst-trace.json.
//   node bench/diagnostics/burst-trace.mjs                   (needs scripts/build: dist/ and the dev server)
import fs from 'node:fs';
import { startDevserver, launchBrowser } from '../../tests/e2e/support.mjs';
const TRACE = new URL('../../artifacts/bench/burst-trace.json', import.meta.url).pathname;
fs.mkdirSync(new URL('../../artifacts/bench/', import.meta.url).pathname, { recursive: true });
const server = await startDevserver({ args: ['--reply-delay-ms', '0'] });
const browser = await launchBrowser();
const ctx = await browser.newContext({ viewport: { width: 1024, height: 720 }, locale: 'pt-BR' });
const page = await ctx.newPage();
await page.goto(server.http + '/');
await page.waitForFunction(() => window.BuildingOS && window.BuildingOS.state().status === 'connected', null, { timeout: 30000 });
await page.waitForTimeout(1500);
const { userId } = await page.evaluate(() => window.BuildingOS.state());
await page.evaluate(() => {
  window.__n = 0; window.__gaps = []; let last = performance.now();
  addEventListener('buildingos:message', () => { window.__n++; });
  const loop = (t) => { const now = performance.now(); window.__gaps.push(Math.round(now - last)); last = now; if (window.__n < 5000) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
});
await browser.startTracing(page, { path: TRACE, categories: ['devtools.timeline', 'toplevel', 'v8.execute', 'blink.user_timing'] });
await server.json('/__dev/burst', { user_id: userId, count: 5000 });
await page.waitForFunction(() => window.__n >= 5000, null, { timeout: 60000 });
await page.waitForTimeout(500);
await browser.stopTracing();
const gaps = await page.evaluate(() => window.__gaps);
console.log('frames', gaps.length, 'worst', Math.max(...gaps), 'top', gaps.slice().sort((a, b) => b - a).slice(0, 8));
await browser.close();
await server.stop();
const trace = JSON.parse(fs.readFileSync(TRACE, 'utf8'));
const ev = trace.traceEvents || trace;
// renderer main thread: thread with most FireAnimationFrame
const byTid = {};
for (const e of ev) if (e.name === 'FireAnimationFrame') byTid[e.tid] = (byTid[e.tid] || 0) + 1;
const tid = Number(Object.entries(byTid).sort((a, b) => b[1] - a[1])[0][0]);
const main = ev.filter((e) => e.tid === tid && e.ph === 'X').sort((a, b) => a.ts - b.ts);
const tasks = main.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
const long = tasks.filter((t) => t.dur > 30000);
console.log('long tasks', long.length);
for (const t of long.slice(0, 12)) {
  const kids = main.filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur || 0) <= t.ts + t.dur);
  const agg = {};
  for (const k of kids) agg[k.name] = (agg[k.name] || 0) + (k.dur || 0);
  const top = Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 7).map(([n, d]) => n + ' ' + (d / 1000).toFixed(1));
  console.log((t.dur / 1000).toFixed(1) + 'ms', top.join(' | '));
}
// Busy time per thread over the burst (from the first to the last animation frame), and the main
// thread's events by total time.
const threadNames = {};
for (const e of ev) if (e.ph === 'M' && e.name === 'thread_name') threadNames[e.pid + ':' + e.tid] = e.args.name;
const frames = ev.filter((e) => e.name === 'FireAnimationFrame' && e.tid === tid);
const w0 = Math.min(...frames.map((e) => e.ts)), w1 = Math.max(...frames.map((e) => e.ts + e.dur));
console.log('burst window', ((w1 - w0) / 1000).toFixed(0), 'ms');
const busy = {};
for (const e of ev) {
  if (e.ph !== 'X' || e.ts < w0 || e.ts > w1 || !['ThreadControllerImpl::RunTask', 'RunTask', 'ThreadPool_RunTask'].includes(e.name)) continue;
  const k = threadNames[e.pid + ':' + e.tid] || e.pid + ':' + e.tid;
  busy[k] = (busy[k] || 0) + e.dur;
}
for (const [k, v] of Object.entries(busy).sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log('  busy', k, (v / 1000).toFixed(0), 'ms');
const mainAgg = {};
for (const e of main) {
  if (e.ts < w0 || e.ts > w1) continue;
  mainAgg[e.name] = mainAgg[e.name] || [0, 0];
  mainAgg[e.name][0] += e.dur;
  mainAgg[e.name][1]++;
}
for (const [k, v] of Object.entries(mainAgg).sort((a, b) => b[1][0] - a[1][0]).slice(0, 8)) {
  console.log('  main thread', k, (v[0] / 1000).toFixed(0), 'ms in', v[1], 'events');
}
