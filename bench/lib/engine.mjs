// engine.mjs: the engine figures through bos-engine-bench (engine_bench.cpp), native and wasm under Node.
import { run } from './proc.mjs';

async function json(cmd, args) {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// One run each, native then wasm (never at the same time: they would share the two cores).
export async function engineThroughput({ nativeBin, wasmJs }, framesFile, minMs) {
  const native = await json(nativeBin, ['throughput', framesFile, String(minMs)]);
  const wasm = wasmJs
    ? await json(process.execPath, ['--no-experimental-fetch', wasmJs, 'throughput', framesFile, String(minMs)])
    : null;
  return { native, wasm };
}

export function idleHour(nativeBin) {
  return json(nativeBin, ['idle-hour', '1']);
}
