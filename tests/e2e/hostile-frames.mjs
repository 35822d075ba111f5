// hostile-frames.mjs: the table of hostile server frames and the misbehaving WebSocket server (Node `ws`)
// that sends them, shared by tests/e2e/hostile.test.mjs (Chromium, every frame) and tests/engines/ (Firefox
// and WebKit, ten of them).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');

export const py = (obj) => JSON.stringify(obj);  // shapes only; the byte-exact Python form is the dev server's job
export const msg = (text) => py({ type: 'message', role: 'assistant', message: text, timestamp: 1764345600 });
const deep = (n) => '['.repeat(n) + ']'.repeat(n);

// [frame, the text the page must show (or null: ignored), a name]
export const TABLE = [
  ['', null, 'empty frame'],
  ['{', null, 'truncated JSON'],
  ['{"type":"message","message":"x",}', null, 'trailing comma'],
  ["{'type':'message'}", null, 'single quotes'],
  ['null', null, 'null'],
  ['[]', null, 'array'],
  ['"message"', null, 'string'],
  ['123', null, 'number'],
  ['{}', null, 'empty object'],
  ['{"type":null}', null, 'null type'],
  ['{"type":42,"message":"x"}', null, 'numeric type'],
  ['{"type":["message"],"message":"x"}', null, 'array type'],
  ['{"type":"presence","who":"x"}', null, 'unknown type'],
  ['{"type":"MESSAGE","message":"x"}', null, 'type in capitals'],
  ['{"type":"message"}', null, 'message without text'],
  ['{"type":"message","message":12}', null, 'numeric text'],
  ['{"type":"message","message":{"html":"<b>x</b>"}}', null, 'object text'],
  ['{"type":"message","message":null}', null, 'null text'],
  ['{"type":"typing","typing":"yes"}', null, 'string boolean'],
  ['{"type":"notification","priority":"high"}', null, 'notification without text'],
  ['{"type":"ack","client_msg_id":{"$gt":""}}', null, 'object id'],
  ['{"type":"message","message":"\\ud800"}', null, 'lone surrogate escape'],
  [deep(5000), null, 'deep nesting'],
  ['{"type":"message","message":"x","extra":' + deep(200) + '}', null, 'deep extra field'],
  [msg('x'.repeat(1024 * 1024)), null, '1 MB message (over the 128 KiB frame limit)'],
  [msg('a'.repeat(100000)), 'a'.repeat(16384), '100 KB message (cut for display)'],
  [msg('%s%n%x%d%p %08x'), '%s%n%x%d%p %08x', 'printf format string'],
  [msg('##hidden ###id ##'), '##hidden ###id ##', 'ImGui id markers'],
  // Issue 13: bidi controls and C0/C1 controls (but newline and tab) never reach the resident.
  [msg('\u202Eevil.exe\u202C and \u2066isolate\u2069'), 'evil.exe and isolate', 'bidi overrides'],
  [msg('pre\u00e7o\u200F 50\u200E,00\u061C \u202Bx\u202A'), 'pre\u00e7o 50,00 x', 'bidi marks and embeddings'],
  [msg('zero\u200Bwidth\u200C\u200D\uFEFFjoin'), 'zero\u200Bwidth\u200C\u200D\uFEFFjoin', 'zero-width characters'],
  [msg('🏢🟢 elevador 👍🏽 \u{1F9D1}\u200D\u{1F527}'), '🏢🟢 elevador 👍🏽 \u{1F9D1}\u200D\u{1F527}', 'astral emoji and ZWJ'],
  [msg('<script>alert(1)</script><img src=x onerror=alert(2)>'), '<script>alert(1)</script><img src=x onerror=alert(2)>', 'HTML'],
  [msg('linha 1\r\nlinha 2\ttab\u0000nul\u001b[31m\u0085\u009b'), 'linha 1\nlinha 2\ttabnul[31m', 'control characters and NUL'],
  [msg('\\u00e7 literal backslash'), '\\u00e7 literal backslash', 'escaped escape'],
  [msg('javascript:alert(1) https://ok.example/ajuda'), 'javascript:alert(1) https://ok.example/ajuda', 'script URL next to a link'],
  [msg(' '), ' ', 'just a space'],
  [msg('ç'.repeat(5000)), 'ç'.repeat(5000), 'long accented text'],
  [py({ type: 'message', message: 'sem role' }), 'sem role', 'no role'],
  [py({ type: 'message', role: 'user', message: 'role falso' }), 'role falso', 'spoofed role'],
  [py({ type: 'message', message: 'tempo ruim', timestamp: 'ontem' }), 'tempo ruim', 'string timestamp'],
  [py({ type: 'message', message: 'tempo negativo', timestamp: -1e308 }), 'tempo negativo', 'negative timestamp'],
  [py({ type: 'message', message: 'duplicada', type2: 'x', type: 'message' }), 'duplicada', 'duplicate keys'],
  [py({ type: 'notification', message: 'prioridade estranha', priority: 'URGENT!!' }), 'prioridade estranha', 'odd priority'],
  [py({ type: 'typing', typing: true, agent: 'x'.repeat(100000) }), null, 'huge agent name'],
  [py({ type: 'status', status: 'connected', connectionId: '../../etc/passwd' }), null, 'odd connection id'],
  [py({ type: 'error', message: 'Erro do servidor %s' }), 'Erro do servidor %s', 'error with a format string'],
  ['{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}', null, 'API Gateway Forbidden'],
  ['{"message": "Internal server error", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}', null, 'API Gateway internal error'],
  [Buffer.from('{"type":"message","message":"bin\u00e1rio"}'), null, 'binary frame'],
  [msg('antes dos bytes inv\u00e1lidos'), 'antes dos bytes inválidos', 'sentinel'],
  // Browsers fail a connection that delivers invalid UTF-8 in a text frame: the page must reconnect.
  [Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x7d]), null, 'invalid UTF-8 bytes'],
  [msg('depois da reconex\u00e3o'), 'depois da reconexão', 'after the browser dropped the connection'],
];

// The rows named, in the table's order (a typo is an error, not a smaller test).
export function pickFrames(names) {
  const known = new Set(TABLE.map(([, , name]) => name));
  for (const n of names) if (!known.has(n)) throw new Error('no hostile frame named ' + JSON.stringify(n));
  return TABLE.filter(([, , name]) => names.includes(name));
}

// A real WebSocket server on 127.0.0.1 that misbehaves on purpose: on each connection it sends the rows
// of `table` not sent yet, then "fim da tabela". It stops before "invalid UTF-8 bytes" until release():
// a browser that fails the connection drops frames it had received but not dispatched yet (not ours to
// test), so the test first waits until the page has taken in everything before it. After that frame the
// browser fails the connection; the table resumes on the next one.
export async function startHostileServer(table = TABLE) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const queue = { next: 0, released: false, resume: null };
  wss.on('connection', (ws) => {
    ws.on('message', () => {});
    const pump = () => {
      while (queue.next < table.length && ws.readyState === ws.OPEN) {
        const [frame, , name] = table[queue.next];
        if (name === 'invalid UTF-8 bytes' && !queue.released) {
          queue.resume = pump;
          return;
        }
        queue.next++;
        ws.send(frame, { binary: name === 'binary frame' });
        if (name === 'invalid UTF-8 bytes') return;  // the browser fails this connection; go on with the next
      }
      if (queue.next >= table.length && ws.readyState === ws.OPEN) ws.send(msg('fim da tabela'));
    };
    setTimeout(pump, 50);
  });
  const port = wss.address().port;
  return {
    port,
    ws: `ws://127.0.0.1:${port}`,
    get connections() { return wss.clients.size; },
    release() {
      queue.released = true;
      const resume = queue.resume;
      queue.resume = null;
      if (resume) resume();
    },
    close() {
      for (const c of wss.clients) c.terminate();   // wss.close() alone waits for open connections
      return new Promise((r) => wss.close(r));
    },
  };
}
