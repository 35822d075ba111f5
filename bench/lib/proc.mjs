// proc.mjs: processes the benchmark starts, and what /proc says about them.
//   - every child is registered and stopped on exit, on failure and on Ctrl-C (SIGTERM, then SIGKILL)
//   - process-tree CPU time (utime + stime of a process and all its descendants) and RSS
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';

const CLK_TCK = 100;  // getconf CLK_TCK on Linux x86-64 and arm64
const children = new Set();
const cleanups = new Set();

// Runs `fn` when the benchmark ends for any reason; returns a function that unregisters it.
export function onCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

let cleaning = null;
export async function cleanupAll() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    for (const fn of [...cleanups].reverse()) {
      try { await fn(); } catch { /* keep stopping the rest */ }
    }
    cleanups.clear();
    for (const child of children) await stopChild(child, 2000);
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}: stopping everything it started\n`);
    cleanupAll().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  // Last resort (synchronous): anything still alive gets SIGKILL.
  for (const child of children) {
    try { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// Spawns a tracked child. stdout lines go to `onLine` when given; stderr keeps its last 8 KB.
// `stdin: true` keeps a pipe to the child's stdin (child.stdin).
export function spawnTracked(cmd, args, { onLine, env, cwd, stdin = false } = {}) {
  const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: env || process.env, cwd });
  children.add(child);
  child.stderrTail = '';
  child.stderr.on('data', (d) => { child.stderrTail = (child.stderrTail + d).slice(-8192); });
  if (onLine) readline.createInterface({ input: child.stdout }).on('line', onLine);
  else child.stdout.resume();
  child.on('exit', () => children.delete(child));
  return child;
}

// SIGTERM, then SIGKILL after `graceMs`. Resolves once the child has exited.
export async function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
  await exited;
  clearTimeout(timer);
}


function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

// {pid: cpu ticks} for `root` and every descendant alive now.
export function treeTicks(root) {
  const all = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const kids = new Map();
  for (const st of all) {
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(st);
  }
  const out = new Map();
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return out;
  const stack = [rootStat];
  while (stack.length) {
    const st = stack.pop();
    out.set(st.pid, st.ticks);
    for (const k of kids.get(st.pid) || []) stack.push(k);
  }
  return out;
}

// CPU seconds the tree spent between two treeTicks snapshots (processes born in between count whole;
// processes that died in between are lost, which the caller avoids by measuring a steady page).
export function treeCpuSeconds(before, after) {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / CLK_TCK;
}

export function cpuSecondsOf(pid) {
  const st = readStat(pid);
  return st ? st.ticks / CLK_TCK : 0;
}

// Resident set size and its peak, bytes.
export function rssOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s) || [0, 0])[1]);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

// Runs a command to completion; resolves {code, stdout, stderr, seconds}.
export function run(cmd, args, { env, cwd, quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env, cwd });
    children.add(child);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (!quiet) process.stderr.write(d); });
    child.stderr.on('data', (d) => { stderr += d; if (!quiet) process.stderr.write(d); });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      children.delete(child);
      resolve({ code: code ?? 128, signal: sig, stdout, stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}
