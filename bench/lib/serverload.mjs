// serverload.mjs: the dev-server figure. N concurrent WebSocket connections held open, heartbeats at
// rising rates over all of them, against bos-devserver and against bench/node-server, in the same run.
// The load comes from bench/loadgen.cpp (bos-loadgen: C++, epoll), optionally split over several
// processes that start each step at the same wall-clock instant; their latency histograms are merged.
import { spawnTracked, stopChild, rssOf, cpuSecondsOf } from './proc.mjs';
import { startDevserver, startNodeServer } from './servers.mjs';

const HIST_BUCKET_MS = 0.1;

function mergeHist(into, text) {
  if (!text) return;
  for (const pair of text.split(',')) {
    const [b, n] = pair.split(':').map(Number);
    into.set(b, (into.get(b) || 0) + n);
  }
}
function histPercentile(hist, p, total) {
  if (!total) return NaN;
  const target = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const b of [...hist.keys()].sort((x, y) => x - y)) {
    seen += hist.get(b);
    if (seen >= target) return (b + 1) * HIST_BUCKET_MS;
  }
  return Infinity;  // the rest were never answered
}

// `onStep(ev)` is called as each step's result line arrives (the driver samples the server's CPU then).
function startLoadgen(bin, port, { conns, index, rates, warmMs, stepMs, drainMs, maxFails, onStep }) {
  const events = [];
  let onEvent = (ev) => { if (ev.event === 'step' && onStep) onStep(ev); };
  const child = spawnTracked(bin, [
    '--port', String(port), '--conns', String(conns), '--user-prefix', `lg${index}-`,
    '--rates', rates.join(','), '--warm-ms', String(warmMs), '--step-ms', String(stepMs), '--drain-ms', String(drainMs),
    '--max-fails', String(maxFails), '--wait-go',
  ], {
    stdin: true,
    onLine: (line) => {
      let ev;
      try { ev = JSON.parse(line); } catch { return; }
      events.push(ev);
      onEvent(ev);
    },
  });
  const waitFor = (name) => new Promise((resolve, reject) => {
    const found = events.find((e) => e.event === name);
    if (found) return resolve(found);
    const prev = onEvent;
    onEvent = (ev) => { prev(ev); if (ev.event === name) resolve(ev); };
    child.on('exit', (code) => reject(new Error(`bos-loadgen exited (${code}) before "${name}": ${child.stderrTail}`)));
  });
  return { child, events, waitFor };
}

// One server under load. `kind`: 'devserver' | 'node'.
export async function loadServer(kind, { loadgenBin, conns, procs, rates, warmMs, stepMs, drainMs }) {
  const server = kind === 'devserver'
    ? await startDevserver({ extra: ['--max-new-conn-per-s', '0', '--idle-timeout-s', '3600', '--reply-delay-ms', '0'] })
    : await startNodeServer({ extra: ['--idle-timeout-s', '3600', '--reply-delay-ms', '0'] });
  const gens = [];
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssOf(server.pid).rss); }, 200);
  try {
    const rssEmpty = rssOf(server.pid).rss;
    const per = Math.ceil(conns / procs);
    const t0 = Date.now();
    // The server's CPU per step, sampled when the first process reports each step (steps are in lockstep).
    const serverCpuByRate = new Map();
    let lastCpu = null;
    const onStep = (ev) => {
      if (serverCpuByRate.has(ev.rate)) return;
      const now = { cpu: cpuSecondsOf(server.pid), at: Date.now() };
      if (lastCpu) serverCpuByRate.set(ev.rate, { seconds: now.cpu - lastCpu.cpu, pct: ((now.cpu - lastCpu.cpu) / ((now.at - lastCpu.at) / 1000)) * 100 });
      lastCpu = now;
    };
    for (let i = 0; i < procs; i++) {
      gens.push(startLoadgen(loadgenBin, server.port, {
        conns: Math.min(per, conns - i * per), index: i, rates, warmMs, stepMs, drainMs, maxFails: 2, onStep,
      }));
    }
    const connected = await Promise.all(gens.map((g) => g.waitFor('connected')));
    const connectMs = Date.now() - t0;
    const held = connected.reduce((s, e) => s + e.conns, 0);
    const stats = await server.json('/__dev/stats');
    const rssHeld = rssOf(server.pid).rss;
    const cpu0 = cpuSecondsOf(server.pid);
    const goAt = Date.now() + 300;
    for (const g of gens) g.child.stdin.write(`go ${goAt}\n`);
    setTimeout(() => { lastCpu = { cpu: cpuSecondsOf(server.pid), at: Date.now() }; }, 300);
    const done = await Promise.all(gens.map((g) => g.waitFor('done')));
    const serverCpu = cpuSecondsOf(server.pid) - cpu0;
    const steps = [];
    for (const rate of rates) {
      const parts = gens.map((g) => g.events.find((e) => e.event === 'step' && e.rate === Math.round(rate)));
      if (parts.some((p) => !p)) break;
      const hist = new Map();
      for (const p of parts) mergeHist(hist, p.hist);
      const sum = (k) => parts.reduce((s, p) => s + p[k], 0);
      const sent = sum('sent'), answered = sum('answered'), expected = sum('expected');
      const lost = Math.max(0, sent - answered);
      const p99 = lost * 100 > sent ? Infinity : histPercentile(hist, 99, sent);
      steps.push({
        rate, expected, sent, answered, lost,
        achievedPerS: sum('achieved_per_s'),
        p50Ms: histPercentile(hist, 50, answered), p99Ms: p99,
        maxMs: Math.max(...parts.map((p) => p.max_ms)),
        loadgenCpuPct: sum('loadgen_cpu_pct'),
        serverCpuPct: serverCpuByRate.get(rate)?.pct ?? null,
        // Server CPU per heartbeat round trip: the step's CPU over the heartbeats sent in it (warm-up included).
        serverCpuUsPerMsg: serverCpuByRate.has(rate)
          ? (serverCpuByRate.get(rate).seconds * 1e6) / (rate * (warmMs + stepMs) / 1000) : null,
        sustained: sent >= expected * 0.97 && lost * 1000 <= sent && p99 <= 100,
      });
    }
    // The highest rate sustained (the run goes on one step past a failure, so one noisy step does not end it).
    let maxSustained = 0;
    for (const s of steps) if (s.sustained) maxSustained = Math.max(maxSustained, s.rate);
    return {
      kind, conns, procs, connectMs, held, serverReportedConnections: stats.connections,
      heldAtEnd: done.reduce((s, e) => s + e.open, 0),
      rssEmptyBytes: rssEmpty, rssHeldBytes: rssHeld, rssPeakBytes: Math.max(peak, rssOf(server.pid).rss),
      serverCpuSeconds: serverCpu, maxSustainedPerS: maxSustained, steps,
    };
  } finally {
    clearInterval(sampler);
    for (const g of gens) await stopChild(g.child, 1000);
    await server.stop();
  }
}
