// util.mjs: paths, statistics and logging shared by the benchmark modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function log(...args) {
  process.stderr.write(`\x1b[1;34m==>\x1b[0m ${args.join(' ')}\n`);
}

export function median(xs) {
  return percentile(xs, 50);
}

// Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list.
export function percentile(xs, p) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * v.length));
  return v[Math.min(v.length, rank) - 1];
}

// Median and min–max of the runs of one figure: {median, min, max, runs}.
export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, runs: v };
}

export function round(x, digits = 1) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
