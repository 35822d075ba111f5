// builds.mjs: the benchmark's own build dirs, and the build figure.
//   build/bench-native  Release: bos-engine-bench, bos-loadgen (the product's dev server is build/native's)
//   build/bench-wasm    Release, the wasm toolchain: the app (timed: clean, then warm after touching one
//                       core file) and bos-engine-bench for Node (added by bench/wasm-hook.cmake)
import fs from 'node:fs';
import path from 'node:path';
import { run } from './proc.mjs';
import { ROOT, log } from './util.mjs';

export const NATIVE_DIR = path.join(ROOT, 'build/bench-native');
export const WASM_DIR = path.join(ROOT, 'build/bench-wasm');
const TOUCHED = path.join(ROOT, 'src/core/protocol.cpp');

const WASM_ENV = { ...process.env, NODE_PATH: '/usr/share/nodejs', EMSDK_PYTHON: '/usr/bin/python3' };

async function must(what, cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  return r;
}

async function configureNative() {
  if (fs.existsSync(path.join(NATIVE_DIR, 'build.ninja'))) return;
  await must('configure build/bench-native', 'cmake', ['-S', ROOT, '-B', NATIVE_DIR, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release']);
}

function wasmConfigureArgs() {
  return ['-S', ROOT, '-B', WASM_DIR, '-G', 'Ninja',
    '-DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake',
    '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch',
    `-DCMAKE_PROJECT_INCLUDE=${path.join(ROOT, 'bench/wasm-hook.cmake')}`];
}

async function configureWasm() {
  if (fs.existsSync(path.join(WASM_DIR, 'build.ninja'))) return;
  await must('configure build/bench-wasm', 'cmake', wasmConfigureArgs(), { env: WASM_ENV });
}

export async function buildBenchTools() {
  log('build: bench tools (build/bench-native)');
  await configureNative();
  await must('build bench tools', 'cmake', ['--build', NATIVE_DIR, '--target', 'bos-engine-bench', 'bos-loadgen']);
  return { engineBench: path.join(NATIVE_DIR, 'bench/bos-engine-bench'), loadgen: path.join(NATIVE_DIR, 'bench/bos-loadgen') };
}

export async function buildWasmEngineBench() {
  log('build: wasm engine bench (build/bench-wasm)');
  await configureWasm();
  await must('build wasm engine bench', 'cmake', ['--build', WASM_DIR, '--target', 'bos-engine-bench'], { env: WASM_ENV });
  return path.join(WASM_DIR, 'bench/bos-engine-bench.js');
}

// Clean: configure + build of the app from an empty dir. Warm: touch one core file, build again.
export async function buildFigure() {
  log('build figure: clean wasm release build of the app (build/bench-wasm, from scratch)');
  fs.rmSync(WASM_DIR, { recursive: true, force: true });
  const configure = await must('configure build/bench-wasm', 'cmake', wasmConfigureArgs(), { env: WASM_ENV });
  const clean = await must('clean wasm build', 'cmake', ['--build', WASM_DIR, '--target', 'bos_app'], { env: WASM_ENV });
  log(`build figure: warm rebuild after touching ${path.relative(ROOT, TOUCHED)}`);
  const before = fs.statSync(TOUCHED);
  const touchedAt = new Date();
  fs.utimesSync(TOUCHED, touchedAt, touchedAt);
  let warm;
  try {
    warm = await must('warm wasm build', 'cmake', ['--build', WASM_DIR, '--target', 'bos_app'], { env: WASM_ENV });
  } finally {
    // Put the old mtime back so other build dirs do not rebuild for nothing, unless someone edited the
    // file meanwhile (then its mtime is no longer ours and stays).
    const now = fs.statSync(TOUCHED);
    if (now.mtimeMs === touchedAt.getTime()) fs.utimesSync(TOUCHED, before.atime, before.mtime);
  }
  const steps = (r) => (r.stdout.match(/^\[\d+\/\d+\]/gm) || []).length;
  return {
    configureSeconds: configure.seconds, cleanSeconds: clean.seconds, cleanSteps: steps(clean),
    warmSeconds: warm.seconds, warmSteps: steps(warm), touched: path.relative(ROOT, TOUCHED),
  };
}
