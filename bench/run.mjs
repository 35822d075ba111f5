// run.mjs: the benchmark suite (scripts/bench runs it; see docs/performance.md for every method).
//
//   node bench/run.mjs [--quick] [--runs N] [--out FILE] [--only GROUPS] [--strict] [--no-lighthouse]
//
// Exit status: 0 when every figure was measured (budgets that fail are reported, not fatal), 1 on an
// error, 3 with --strict when a budget fails.
// Groups, in the order they run: build, mobile (a phone on a mobile network: first and repeat visit, bytes
// on the wire as served, slow 3G, Lighthouse), pages (cold load, reply latency, idle), burst (burst and
// long history), engine (throughput native + wasm, frames per idle hour), server (10,000 connections,
// bos-devserver vs bench/node-server). Browser figures alternate which page goes first in each run.
// Prints the Markdown table on stdout, progress on stderr, writes the JSON to --out.
//
// Index
//  [SECTION] figures     pagesAndBurst, mobileFigures, engineFigures, serverFigures
//  [SECTION] the table   cells, buildRows (one block per group; mobileRows for the mobile group), markdown
//  [SECTION] main        options, builds, groups in order, JSON
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cleanupAll } from './lib/proc.mjs';
import { ROOT, log, summary, median, percentile, round } from './lib/util.mjs';
import { DEVSERVER, startDevserver } from './lib/servers.mjs';
import { loadSession, burstSession, stageSite, nameConfig, EMOJI_MIX, CHROMIUM, CHROMIUM_ARGS } from './lib/pages.mjs';
import { recordFrames } from './lib/frames.mjs';
import { engineThroughput, idleHour } from './lib/engine.mjs';
import { loadServer } from './lib/serverload.mjs';
import { buildBenchTools, buildWasmEngineBench, buildFigure } from './lib/builds.mjs';
import { mobileSession, lighthouseRun, lighthouseCli, NETWORKS, ACCEPT_ENCODING, PHONE } from './lib/mobile.mjs';

const FULL = {
  runs: 3, serverRuns: 3, replies: 200, repliesBackToBack: 50, idleSeconds: 10, settleMaxMs: 15000, burst: 5000, history: 10000,
  wheelSteps: 120, engineMinMs: 2000, conns: 10000, loadProcs: 2, warmMs: 1000, stepMs: 4000, drainMs: 1000,
  rates: [2000, 5000, 10000, 12500, 15000, 17500, 20000, 25000, 30000, 35000, 40000, 50000, 60000, 70000, 80000,
    100000, 125000, 150000, 200000],
  build: true, lighthouse: true,
};
const QUICK = {
  runs: 1, serverRuns: 1, replies: 20, repliesBackToBack: 10, idleSeconds: 3, settleMaxMs: 3000, burst: 500, history: 1000,
  wheelSteps: 20, engineMinMs: 300, conns: 1000, loadProcs: 1, warmMs: 300, stepMs: 1000, drainMs: 300,
  rates: [1000, 5000, 20000], build: false, lighthouse: true,
};
const GROUPS = ['build', 'mobile', 'pages', 'burst', 'engine', 'server'];

function parseArgs(argv) {
  const o = { quick: false, strict: false, lighthouse: true, runs: null, out: path.join(ROOT, 'artifacts/bench/bench.json'), only: GROUPS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--strict') o.strict = true;
    else if (a === '--no-lighthouse') o.lighthouse = false;
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--only') o.only = val().split(',');
    else throw new Error(`unknown option ${a} (scripts/bench --help)`);
  }
  if (o.runs !== null && !(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs wants a whole number ≥ 1');
  for (const g of o.only) if (!GROUPS.includes(g)) throw new Error(`unknown group ${g} (one of ${GROUPS.join(', ')})`);
  return o;
}

function environment() {
  const tryRun = (cmd, args) => {
    try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
  };
  return {
    date: new Date().toISOString(),
    commit: tryRun('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirty: !!tryRun('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'wasm', 'shell', 'devserver', 'bench']),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    node: process.version,
    chromium: tryRun(CHROMIUM, ['--version']),
    chromiumArgs: CHROMIUM_ARGS,
  };
}

// [SECTION] figures ------------------------------------------------------------------------------------

async function pagesAndBurst(P, groups, raw) {
  const site = stageSite(path.join(ROOT, 'dist'), path.join(ROOT, 'bench/baseline'));
  const server = await startDevserver({ staticDir: site, extra: ['--reply-delay-ms', '0'] });
  const urls = { ours: server.http + '/', baseline: server.http + '/baseline/' };
  try {
    if (groups.includes('pages')) {
      raw.pages = { ours: [], baseline: [] };
      for (let r = 0; r < P.runs; r++) {
        for (const which of r % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) {
          log(`pages: run ${r + 1}/${P.runs}: ${which} (cold load, ${P.idleSeconds} s idle, ${P.replies} + ${P.repliesBackToBack} replies)`);
          const s = await loadSession(urls[which], P);
          const lat = s.latencies, b2b = s.backToBack;
          raw.pages[which].push({
            loadMs: s.loadMs, timeline: s.timeline,
            idle: s.idle, problems: s.problems,
            reply: {
              p50Ms: percentile(lat.map((x) => x.visibleMs), 50), p99Ms: percentile(lat.map((x) => x.visibleMs), 99),
              eventP50Ms: percentile(lat.map((x) => x.eventMs), 50), eventP99Ms: percentile(lat.map((x) => x.eventMs), 99),
              maxMs: Math.max(...lat.map((x) => x.visibleMs)), samples: lat.map((x) => round(x.visibleMs, 2)),
              backToBackP50Ms: percentile(b2b.map((x) => x.visibleMs), 50),
              backToBackP99Ms: percentile(b2b.map((x) => x.visibleMs), 99),
              backToBackEventP50Ms: percentile(b2b.map((x) => x.eventMs), 50),
            },
          });
        }
      }
    }
    if (groups.includes('burst')) {
      raw.burst = { ours: [], baseline: [] };
      for (let r = 0; r < P.runs; r++) {
        for (const which of r % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) {
          log(`burst: run ${r + 1}/${P.runs}: ${which} (${P.burst} pushed, ${P.history} in history, ${P.wheelSteps} wheel steps)`);
          const s = await burstSession(urls[which], server, P);
          raw.burst[which].push({
            ...s.burst,
            history: {
              messages: s.history.messages, wasmHeapBytes: s.history.wasmHeapBytes, frames: s.history.frames,
              scrolledPx: s.history.scrolledPx,
              workMedianMs: median(s.history.work), workP95Ms: percentile(s.history.work, 95),
              workMaxMs: Math.max(...s.history.work),
              intervalMedianMs: median(s.history.intervals), intervalP95Ms: percentile(s.history.intervals, 95),
            },
            problems: s.problems,
          });
        }
      }
      // The same on the product with 30 % of the messages holding emoji (issue 17): the glyph cache's cost.
      raw.burst.emoji = [];
      for (let r = 0; r < P.runs; r++) {
        log(`burst: run ${r + 1}/${P.runs}: ours, 30 % of messages with emoji`);
        const s = await burstSession(urls.ours, server, { ...P, suffixes: EMOJI_MIX });
        raw.burst.emoji.push({
          ...s.burst,
          history: { workMedianMs: median(s.history.work), workP95Ms: percentile(s.history.work, 95) },
          glyphs: s.glyphs,
          problems: s.problems,
        });
      }
    }
  } finally {
    await server.stop();
  }
}

// The product and the DOM page, alternating which goes first, each in a fresh browser per run.
async function mobileFigures(P, raw) {
  const site = stageSite(path.join(ROOT, 'dist'), path.join(ROOT, 'bench/baseline'));
  const server = await startDevserver({ staticDir: site, extra: ['--reply-delay-ms', '0'] });
  // The product as deployed: its HTML names an immutable config.<hash>.json (the DOM page reads /config.json).
  const configName = nameConfig(site, await (await fetch(server.http + '/config.json')).text());
  const urls = { ours: server.http + '/', baseline: server.http + '/baseline/' };
  const order = (r) => (r % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']);
  raw.mobile = {
    network: NETWORKS.mobile, slow3g: NETWORKS.slow3g, acceptEncoding: ACCEPT_ENCODING, configName,
    phone: { viewport: PHONE.viewport, deviceScaleFactor: PHONE.deviceScaleFactor },
    ours: [], baseline: [], slow: { ours: [], baseline: [] }, lighthouse: P.lighthouse ? { ours: [], baseline: [] } : null,
  };
  try {
    for (let r = 0; r < P.runs; r++) {
      for (const which of order(r)) {
        log(`mobile: run ${r + 1}/${P.runs}: ${which} (first visit, repeat visit; ${NETWORKS.mobile.name})`);
        raw.mobile[which].push(await mobileSession(urls[which], { network: NETWORKS.mobile }));
      }
    }
    for (let r = 0; r < P.runs; r++) {
      for (const which of order(r)) {
        log(`mobile: run ${r + 1}/${P.runs}: ${which} (first visit, ${NETWORKS.slow3g.name})`);
        raw.mobile.slow[which].push((await mobileSession(urls[which], { network: NETWORKS.slow3g, repeat: false, timeoutMs: 120000 })).first);
      }
    }
    if (P.lighthouse) {
      for (let r = 0; r < P.runs; r++) {
        for (const which of order(r)) {
          log(`mobile: run ${r + 1}/${P.runs}: ${which} (Lighthouse, mobile defaults)`);
          raw.mobile.lighthouse[which].push(await lighthouseRun(urls[which]));
        }
      }
    }
  } finally {
    await server.stop();
  }
}

async function engineFigures(P, tools, wasmJs, raw) {
  const framesFile = path.join(ROOT, 'artifacts/bench/frames.txt');
  const server = await startDevserver({ extra: ['--reply-delay-ms', '0'] });
  let frames;
  try {
    log('engine: recording frames from the dev server');
    frames = await recordFrames(server, framesFile, P === QUICK ? { chats: 20, heartbeats: 20, burst: 200 } : {});
  } finally {
    await server.stop();
  }
  raw.engine = { framesFile: path.relative(ROOT, framesFile), frames, runs: [] };
  for (let r = 0; r < P.runs; r++) {
    log(`engine: throughput run ${r + 1}/${P.runs} (native, then wasm under Node)`);
    raw.engine.runs.push(await engineThroughput({ nativeBin: tools.engineBench, wasmJs }, framesFile, P.engineMinMs));
  }
  log('engine: frames per idle hour (virtual time)');
  raw.engine.idleHour = await idleHour(tools.engineBench);
}

async function serverFigures(P, tools, raw) {
  raw.server = { devserver: [], node: [] };
  for (let r = 0; r < P.serverRuns; r++) {
    for (const kind of r % 2 ? ['node', 'devserver'] : ['devserver', 'node']) {
      log(`server: run ${r + 1}/${P.serverRuns}: ${kind}, ${P.conns} connections, heartbeats up to ${P.rates.at(-1)}/s`);
      raw.server[kind].push(await loadServer(kind, { loadgenBin: tools.loadgen, conns: P.conns, procs: P.loadProcs,
        rates: P.rates, warmMs: P.warmMs, stepMs: P.stepMs, drainMs: P.drainMs }));
    }
  }
}

// [SECTION] the table ----------------------------------------------------------------------------------

const fmtNum = (x, d = 1) => {
  if (x === Infinity) return '∞';
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
};
function cell(s, d = 1) {
  if (s === null || s === undefined) return '—';
  if (typeof s === 'string') return s;
  if (typeof s === 'number') return fmtNum(s, d);
  const tail = s.label ? ` (${s.label})` : '';
  if (s.runs.length > 1 && s.min !== s.max) return `${fmtNum(s.median, d)} (${fmtNum(s.min, d)}–${fmtNum(s.max, d)})${tail}`;
  return fmtNum(s.median, d) + tail;
}
const med = (s) => (s && typeof s === 'object' ? s.median : s);

function buildRows(P, raw) {
  const rows = [];
  const row = (figure, ours, baseline, budget, pass, d = 1, ratio = undefined, moonshot = undefined) => {
    const r = ratio !== undefined ? ratio : (Number.isFinite(med(ours)) && Number.isFinite(med(baseline)) && med(baseline) !== 0
      ? med(ours) / med(baseline) : NaN);
    rows.push({ figure, ours, baseline, ratio: r, budget, pass, digits: d, ...(moonshot === undefined ? {} : { moonshot }) });
  };
  const col = (list, f) => summary(list.map(f));
  if (raw.mobile) mobileRows(raw.mobile, row, col);
  if (raw.pages) {
    const o = raw.pages.ours, b = raw.pages.baseline;
    const lO = col(o, (x) => x.loadMs), lB = col(b, (x) => x.loadMs);
    row('cold load → connected (ms)', lO, lB, '≤ baseline + 400 ms', med(lO) <= med(lB) + 400, 0);
    const p50O = col(o, (x) => x.reply.p50Ms), p50B = col(b, (x) => x.reply.p50Ms);
    row(`send → reply visible, p50 (ms, ${P.replies} msgs, idle page)`, p50O, p50B, '≤ 1.2 × baseline + 2 ms', med(p50O) <= 1.2 * med(p50B) + 2);
    const p99O = col(o, (x) => x.reply.p99Ms), p99B = col(b, (x) => x.reply.p99Ms);
    row('send → reply visible, p99 (ms)', p99O, p99B, '≤ 20 ms', med(p99O) <= 20);
    const eO = col(o, (x) => x.reply.eventP50Ms), eB = col(b, (x) => x.reply.eventP50Ms);
    row('  of which send → message event, p50 (ms)', eO, eB, 'info', null);
    const bO = col(o, (x) => x.reply.backToBackP50Ms), bB = col(b, (x) => x.reply.backToBackP50Ms);
    row(`  back to back (${P.repliesBackToBack} msgs, no pause), p50 (ms)`, bO, bB, 'info', null);
    const cO = col(o, (x) => x.idle.treeCpuPct), cB = col(b, (x) => x.idle.treeCpuPct);
    row(`idle ${P.idleSeconds} s: browser tree CPU (% of a core)`, cO, cB, '≤ 2 × baseline + 0.5', med(cO) <= 2 * med(cB) + 0.5, 2);
    const mO = col(o, (x) => x.idle.mainThreadPct), mB = col(b, (x) => x.idle.mainThreadPct);
    row(`idle ${P.idleSeconds} s: main thread busy (%)`, mO, mB, '≤ 0.5 %', med(mO) <= 0.5, 3);
  }
  if (raw.burst) {
    const o = raw.burst.ours, b = raw.burst.baseline;
    const allO = o.every((x) => x.rendered === x.count), allB = b.every((x) => x.rendered === x.count);
    row(`burst ${P.burst}: rendered`, `${Math.min(...o.map((x) => x.rendered))}/${P.burst}`,
      `${Math.min(...b.map((x) => x.rendered))}/${P.burst}`, 'all', allO, 0, NaN);
    const dO = col(o, (x) => x.ms), dB = col(b, (x) => x.ms);
    row(`burst ${P.burst}: all rendered after (ms)`, dO, dB, 'info', null, 0);
    const wO = col(o, (x) => x.worstFrameMs), wB = col(b, (x) => x.worstFrameMs);
    row(`burst ${P.burst}: worst frame (ms)`, wO, wB, '≤ 50 ms', med(wO) <= 50);
    const hO = col(o, (x) => (x.wasmHeapBytes ?? NaN) / 2 ** 20);
    const jO = col(o, (x) => x.jsHeapBytes / 2 ** 20), jB = col(b, (x) => x.jsHeapBytes / 2 ** 20);
    row(`burst ${P.burst}: wasm heap (MiB)`, hO, 'no wasm', '≤ 64 MB', med(hO) <= 64, 1, NaN);
    row(`burst ${P.burst}: JS heap used (MiB)`, jO, jB, 'info', null);
    const fO = col(o, (x) => x.history.workMedianMs), fB = col(b, (x) => x.history.workMedianMs);
    row(`long history ${P.history}: frame work while wheel-scrolling, median (ms)`, fO, fB, '≤ 16 ms', med(fO) <= 16, 2);
    const f95O = col(o, (x) => x.history.workP95Ms), f95B = col(b, (x) => x.history.workP95Ms);
    row(`long history ${P.history}: frame work, p95 (ms)`, f95O, f95B, 'info', null, 2);
    const iO = col(o, (x) => x.history.intervalMedianMs), iB = col(b, (x) => x.history.intervalMedianMs);
    row(`long history ${P.history}: frame interval, median (ms)`, iO, iB, 'info', null, 1);
    const e = raw.burst.emoji || [];
    if (e.length) {
      // "ours" is the product with 30 % emoji messages, "baseline" the product without (the runs above).
      const ewO = col(e, (x) => x.worstFrameMs);
      row(`burst ${P.burst}, 30 % with emoji: worst frame (ms) vs without`, ewO, wO, '≤ 50 ms', med(ewO) <= 50);
      const edO = col(e, (x) => x.ms);
      row(`burst ${P.burst}, 30 % with emoji: all rendered after (ms) vs without`, edO, dO, 'info', null, 0);
      const efO = col(e, (x) => x.history.workMedianMs);
      row(`long history ${P.history}, 30 % with emoji: frame work, median (ms) vs without`, efO, fO, '≤ 16 ms', med(efO) <= 16, 2);
      const ef95 = col(e, (x) => x.history.workP95Ms);
      row(`long history ${P.history}, 30 % with emoji: frame work, p95 (ms) vs without`, ef95, f95O, 'info', null, 2);
      const perGlyph = col(e, (x) => (x.glyphs && x.glyphs.rasterized ? x.glyphs.rasterMs / x.glyphs.rasterized : NaN));
      row('new glyph: rasterise + upload (ms per glyph)', perGlyph, 'n/a', 'info', null, 3, NaN);
      const perMeasure = col(e, (x) => (x.glyphs && x.glyphs.measured ? x.glyphs.measureMs / x.glyphs.measured : NaN));
      row('new glyph: measure (ms per text)', perMeasure, 'n/a', 'info', null, 3, NaN);
      const ras = col(e, (x) => (x.glyphs ? x.glyphs.rasterized : NaN));
      row('glyphs rasterised in the whole session (90 distinct emoji sent)', ras, 'n/a', 'info', null, 0, NaN);
    }
  }
  if (raw.engine) {
    const n = col(raw.engine.runs, (x) => x.native.msgs_per_s);
    const w = col(raw.engine.runs, (x) => (x.wasm ? x.wasm.msgs_per_s : NaN));
    row('engine parse + dispatch, native (msgs/s)', n, 'n/a', '≥ 200,000/s', med(n) >= 200000, 0, NaN);
    row('engine parse + dispatch, wasm in Node (msgs/s)', w, 'n/a', 'report', null, 0, NaN);
    const pn = col(raw.engine.runs, (x) => x.native.parse_msgs_per_s);
    const pw = col(raw.engine.runs, (x) => (x.wasm ? x.wasm.parse_msgs_per_s : NaN));
    row('  of which parse alone, native / wasm (msgs/s)', `${cell(pn, 0)} / ${cell(pw, 0)}`, 'n/a', 'info', null, 0, NaN);
    const ih = raw.engine.idleHour;
    row('frames sent per idle hour (virtual time)', ih.frames_sent, '1,800 (polling every 2 s)', '≤ 130', ih.frames_sent <= 130, 0,
      ih.frames_sent / 1800);
  }
  if (raw.server) {
    const d = raw.server.devserver, n = raw.server.node;
    const hD = col(d, (x) => Math.min(x.held, x.heldAtEnd)), hN = col(n, (x) => Math.min(x.held, x.heldAtEnd));
    row(`dev server: connections held (of ${P.conns.toLocaleString('en-US')})`, hD, hN, `all ${P.conns.toLocaleString('en-US')}`,
      med(hD) === P.conns, 0);
    const sD = col(d, (x) => x.maxSustainedPerS), sN = col(n, (x) => x.maxSustainedPerS);
    row('dev server: max sustained heartbeats/s, p99 ≤ 100 ms', sD, sN, '≥ Node ws server', med(sD) >= med(sN), 0);
    const rD = col(d, (x) => x.rssPeakBytes / 2 ** 20), rN = col(n, (x) => x.rssPeakBytes / 2 ** 20);
    row('dev server: peak RSS under that load (MiB)', rD, rN, '≤ 0.5 × Node ws server', med(rD) <= 0.5 * med(rN));
    // CPU per message does not depend on how much of a core the machine lets the server have.
    const cpuAt = (runs, i, rate) => runs[i]?.steps.find((x) => x.rate === rate)?.serverCpuUsPerMsg ?? NaN;
    const both = d.map((x, i) => Math.min(x.maxSustainedPerS, n[i] ? n[i].maxSustainedPerS : 0));
    const uD = summary(both.map((rate, i) => cpuAt(d, i, rate))), uN = summary(both.map((rate, i) => cpuAt(n, i, rate)));
    row('dev server: CPU per heartbeat round trip (µs), at the top rate both sustained', uD, uN, 'info', null);
    const r0D = col(d, (x) => x.rssHeldBytes / 2 ** 20), r0N = col(n, (x) => x.rssHeldBytes / 2 ** 20);
    row(`dev server: RSS holding ${P.conns.toLocaleString('en-US')} idle connections (MiB)`, r0D, r0N, 'info', null);
  }
  if (raw.build) {
    row('build: clean wasm release (configure + app), s', raw.build.configureSeconds + raw.build.cleanSeconds, 'n/a', 'report', null, 1, NaN);
    row(`build: warm rebuild after touching ${raw.build.touched}, s`, raw.build.warmSeconds, 'n/a', 'report', null, 1, NaN);
  }
  return rows;
}

// Bytes on the wire with the encoding named: "158.3 (br)", or each encoding's share when they differ.
function bytesCell(visits) {
  const s = summary(visits.map((v) => v.network.wireBytes / 1000));
  const enc = {};
  for (const v of visits) for (const [k, b] of Object.entries(v.network.bytesByEncoding)) enc[k] = (enc[k] || 0) + b / visits.length;
  const names = Object.entries(enc).sort((a, b) => b[1] - a[1]);
  const label = names.length === 1 ? names[0][0] : names.map(([k, b]) => `${k} ${fmtNum(b / 1000, 1)}`).join(' + ');
  return { ...s, label };
}

function mobileRows(m, row, col) {
  const o = m.ours, b = m.baseline;
  const first = (list, f) => col(list, (x) => f(x.first));
  const again = (list, f) => col(list, (x) => f(x.repeat));
  row('mobile, first visit: first contentful paint (ms)', first(o, (v) => v.fcpMs), first(b, (v) => v.fcpMs), 'info', null, 0);
  const cO = first(o, (v) => v.connectedMs), cB = first(b, (v) => v.connectedMs);
  row('mobile, first visit: connected (ms)', cO, cB, '≤ baseline + 700 ms (moonshot + 400)', med(cO) <= med(cB) + 700, 0, undefined,
    med(cO) <= med(cB) + 400);
  row('mobile, first visit: first chat frame drawn (ms)', first(o, (v) => v.firstFrameMs), first(b, (v) => v.firstFrameMs), 'info', null, 0);
  const wO = bytesCell(o.map((x) => x.first)), wB = bytesCell(b.map((x) => x.first));
  row('mobile, first visit: bytes on the wire, as served, encoding named (KB)', wO, wB, '≤ 200 KB (moonshot 160)', med(wO) <= 200, 1,
    undefined, med(wO) <= 160);
  const okO = Math.min(...o.map((x) => x.first.network.encodingOk)), nO = Math.max(...o.map((x) => x.first.network.encodingChecked));
  const okB = Math.min(...b.map((x) => x.first.network.encodingOk)), nB = Math.max(...b.map((x) => x.first.network.encodingChecked));
  row(`  compressible responses ≥ 1 KB in the best encoding offered (${m.acceptEncoding.split(',')[0]}), Vary set`,
    `${okO}/${nO}`, `${okB}/${nB}`, 'all', okO === nO && okB === nB, 0, NaN);
  const enc = (list, ae) => col(list, (x) => x.first.served[ae].bodyBytes / 1000);
  row('  the same files fetched with Accept-Encoding br / gzip / identity, bodies (KB)',
    `${cell(enc(o, 'br'))} / ${cell(enc(o, 'gzip'))} / ${cell(enc(o, 'identity'))}`,
    `${cell(enc(b, 'br'))} / ${cell(enc(b, 'gzip'))} / ${cell(enc(b, 'identity'))}`, 'info', null, 1, NaN);
  const rO = again(o, (v) => v.connectedMs), rB = again(b, (v) => v.connectedMs);
  row('mobile, repeat visit: connected (ms)', rO, rB, '≤ baseline + 150 ms', med(rO) <= med(rB) + 150, 0);
  row('mobile, repeat visit: first contentful paint (ms)', again(o, (v) => v.fcpMs), again(b, (v) => v.fcpMs), 'info', null, 0);
  row('mobile, repeat visit: first chat frame drawn (ms)', again(o, (v) => v.firstFrameMs), again(b, (v) => v.firstFrameMs), 'info', null, 0);
  row('mobile, repeat visit: bytes on the wire (KB)', bytesCell(o.map((x) => x.repeat)), bytesCell(b.map((x) => x.repeat)), 'info', null, 1);
  const sO = m.slow.ours, sB = m.slow.baseline;
  row('slow 3G (400 ms, 400 kbps), first visit: connected (ms)', col(sO, (v) => v.connectedMs), col(sB, (v) => v.connectedMs), 'info', null, 0);
  row('slow 3G, first visit: first chat frame drawn (ms)', col(sO, (v) => v.firstFrameMs), col(sB, (v) => v.firstFrameMs), 'info', null, 0);
  if (m.lighthouse) {
    const lO = m.lighthouse.ours, lB = m.lighthouse.baseline;
    const sc = col(lO, (x) => x.score), scB = col(lB, (x) => x.score);
    row('Lighthouse 12 mobile: performance score', sc, scB, '≥ 90 (moonshot: = baseline)', med(sc) >= 90, 0, undefined, med(sc) >= med(scB));
    row('  Lighthouse LCP (ms)', col(lO, (x) => x.lcpMs), col(lB, (x) => x.lcpMs), 'info', null, 0);
    row('  Lighthouse TBT (ms; on SwiftShader it includes software GL)', col(lO, (x) => x.tbtMs), col(lB, (x) => x.tbtMs), 'info', null, 0);
    row('  Lighthouse TTI (ms)', col(lO, (x) => x.ttiMs), col(lB, (x) => x.ttiMs), 'info', null, 0);
    row('  Lighthouse total byte weight (KB)', col(lO, (x) => x.totalBytes / 1000), col(lB, (x) => x.totalBytes / 1000), 'info', null, 1);
  }
}

function markdown(rows) {
  const lines = ['| figure | ours | baseline | ratio | budget | result |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    let result = r.pass === null || r.pass === undefined ? '' : r.pass ? 'pass' : '**FAIL**';
    if (r.moonshot !== undefined) result += r.moonshot ? ' · moonshot pass' : ' · moonshot not reached';
    lines.push(`| ${r.figure} | ${cell(r.ours, r.digits)} | ${cell(r.baseline, r.digits)} | ${Number.isFinite(r.ratio) ? fmtNum(r.ratio, 2) : ''} | ${r.budget} | ${result} |`);
  }
  return lines.join('\n');
}

// [SECTION] main -----------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const P = { ...(opts.quick ? QUICK : FULL) };
  // The dev-server figure takes about a minute per server and run: at most 3 runs of it.
  if (opts.runs) { P.runs = opts.runs; P.serverRuns = Math.min(opts.runs, 3); }
  if (!opts.lighthouse) P.lighthouse = false;
  if (P.lighthouse && opts.only.includes('mobile') && !lighthouseCli()) {
    throw new Error('the mobile group runs Lighthouse, which is not installed (scripts/bootstrap runs npm ci; or pass --no-lighthouse)');
  }
  const groups = opts.only.filter((g) => g !== 'build' || P.build);
  const started = Date.now();
  const env = environment();
  if (!fs.existsSync(DEVSERVER)) throw new Error(`${DEVSERVER} is missing (scripts/build --native)`);
  if (!fs.existsSync(path.join(ROOT, 'dist/index.html'))) throw new Error('dist/ is missing (scripts/build --wasm)');

  const raw = {};
  const timings = {};
  const timed = async (name, fn) => {
    const t0 = Date.now();
    const r = await fn();
    timings[name] = Math.round((Date.now() - t0) / 1000);
    return r;
  };
  if (groups.includes('build')) raw.build = await timed('build figure', buildFigure);
  const needTools = groups.includes('engine') || groups.includes('server');
  const tools = needTools ? await timed('bench tools build', buildBenchTools) : null;
  const wasmJs = groups.includes('engine') ? await timed('wasm engine bench build', buildWasmEngineBench) : null;
  if (groups.includes('mobile')) await timed('mobile', () => mobileFigures(P, raw));
  if (groups.includes('pages') || groups.includes('burst')) await timed('pages + burst', () => pagesAndBurst(P, groups, raw));
  if (groups.includes('engine')) await timed('engine', () => engineFigures(P, tools, wasmJs, raw));
  if (groups.includes('server')) await timed('server', () => serverFigures(P, tools, raw));

  const rows = buildRows(P, raw);
  const table = markdown(rows);
  env.loadAverageAfter = os.loadavg().map((x) => round(x, 2));
  const seconds = Math.round((Date.now() - started) / 1000);
  const command = ['scripts/bench', ...process.argv.slice(2)].join(' ');
  const failed = rows.filter((r) => r.pass === false).map((r) => r.figure);
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify({ command, seconds, timings, environment: env, parameters: P, groups, failed,
    rows: rows.map(({ digits, ...r }) => r), raw }, null, 1) + '\n');
  process.stdout.write(`${table}\n\n`);
  process.stdout.write(`${command}: ${seconds} s on ${env.cpus} CPUs (load average ${env.loadAverage.join(', ')} before, ` +
    `${env.loadAverageAfter.join(', ')} after); ${rows.filter((r) => r.pass === true).length} budgets hold, ` +
    `${failed.length} fail; JSON: ${path.relative(process.cwd(), opts.out)}\n` +
    `time: ${Object.entries(timings).map(([k, v]) => `${k} ${v} s`).join(', ')}\n`);
  const mobileVisits = ['ours', 'baseline'].flatMap((k) => [...(raw.mobile?.[k] || []).flatMap((x) => [x.first, x.repeat]),
    ...(raw.mobile?.slow?.[k] || [])]).filter(Boolean);
  const problems = [...mobileVisits, ...(raw.pages?.ours || []), ...(raw.pages?.baseline || []), ...(raw.burst?.ours || []), ...(raw.burst?.baseline || []), ...(raw.burst?.emoji || [])]
    .flatMap((x) => x.problems || []);
  if (problems.length) process.stderr.write(`page errors seen during the run:\n  ${[...new Set(problems)].join('\n  ')}\n`);
  return opts.strict && failed.length ? 3 : 0;
}

main().then(
  async (code) => { await cleanupAll(); process.exit(code); },
  async (e) => { process.stderr.write(`bench: ${e.stack || e}\n`); await cleanupAll(); process.exit(1); },
);
