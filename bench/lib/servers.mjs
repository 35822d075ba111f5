// servers.mjs: the two WebSocket servers the benchmark drives, started on 127.0.0.1 with a free port.
//   bos-devserver            the product's dev server (native, Boost.Beast)
//   bench/node-server        the same routes on Node + ws (the dev-server figure's comparison)
// Both print `listening ws://127.0.0.1:PORT` when ready; both are stopped with SIGTERM.
import path from 'node:path';
import { onCleanup, spawnTracked, stopChild } from './proc.mjs';
import { ROOT } from './util.mjs';

export const DEVSERVER = path.join(ROOT, 'build/native/devserver/bos-devserver');
const NODE_SERVER = path.join(ROOT, 'bench/node-server/server.mjs');

function startListening(cmd, args, what) {
  return new Promise((resolve, reject) => {
    let done = false;
    const child = spawnTracked(cmd, args, {
      onLine: (line) => {
        const m = /^listening ws:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
        if (m && !done) {
          done = true;
          clearTimeout(timer);
          resolve(serverHandle(child, Number(m[1])));
        }
      },
    });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      stopChild(child, 500);
      reject(new Error(`${what} printed no ready line in 15 s: ${child.stderrTail}`));
    }, 15000);
    child.on('exit', (code, sig) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? sig}) before it was ready: ${child.stderrTail}`));
    });
  });
}

function serverHandle(child, port) {
  const server = {
    port,
    pid: child.pid,
    child,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    async stop() {
      unregister();
      await stopChild(child);
    },
    async json(pathname, body) {
      const res = await fetch(server.http + pathname, body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
  };
  const unregister = onCleanup(() => stopChild(child));
  return server;
}

// `extra`: more dev-server flags (e.g. ['--reply-delay-ms', '0']).
export function startDevserver({ staticDir = null, extra = [] } = {}) {
  const args = ['--host', '127.0.0.1', '--port', '0', '--quiet', ...extra];
  if (staticDir) args.push('--static', staticDir);
  return startListening(DEVSERVER, args, 'bos-devserver');
}

export function startNodeServer({ extra = [] } = {}) {
  return startListening(process.execPath, [NODE_SERVER, '--port', '0', ...extra], 'node-server');
}
