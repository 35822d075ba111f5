// server.mjs: the dev server's WebSocket routes on Node + ws, the comparison for the dev-server figure.
// Not a product: it does what bos-devserver does on the paths the benchmark exercises, the way a
// straightforward Node implementation would (one process, ws, no permessage-deflate, like API Gateway).
//
//   node bench/node-server/server.mjs [--port 0] [--reply-delay-ms 600] [--idle-timeout-s 600]
//
// WebSocket, at / or /{stage}?user_id=U&session_id=S (user_id required: 400; deeper paths: 403):
//   welcome  {"type": "status", "status": "connected", "message": ..., "timestamp": N, "connectionId": ...}
//   sendMessage  ack to the sender (client_msg_id echoed; a repeated id is acked, never answered twice),
//                typing true / the assistant's reply after the delay / typing false to all of U's connections
//   heartbeat    {"type": "heartbeat", "timestamp": N}
//   typing       nothing
//   other        {"message": "Forbidden", "connectionId":"...", "requestId":"..."}
// HTTP: GET /config.json, GET /__dev/stats, POST /__dev/burst, POST /@connections/{id}.
// Frames are serialized like Python's json.dumps (", " and ": ", ensure_ascii), as the Lambdas do.
// Prints `listening ws://127.0.0.1:PORT` when ready; SIGTERM/SIGINT close every socket with 1001.
import http from 'node:http';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
function flag(name, def) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : def;
}
const PORT = flag('--port', 0);
const REPLY_DELAY_MS = flag('--reply-delay-ms', 600);
const IDLE_TIMEOUT_MS = flag('--idle-timeout-s', 600) * 1000;
const MAX_MESSAGE_BYTES = 128 * 1024;

// Python json.dumps(obj) for the flat objects the Lambdas send.
function pyString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}
function pyDumps(obj) {
  const parts = [];
  for (const [k, v] of Object.entries(obj)) {
    let val;
    if (typeof v === 'string') val = pyString(v);
    else if (v === null || v === undefined) val = 'null';
    else if (typeof v === 'boolean') val = v ? 'true' : 'false';
    else val = String(v);
    parts.push(pyString(k) + ': ' + val);
  }
  return '{' + parts.join(', ') + '}';
}

const nowS = () => Math.floor(Date.now() / 1000);
const newId = () => crypto.randomBytes(12).toString('base64').slice(0, 15) + '=';

const connections = new Map();  // connectionId -> {ws, userId, sessionId, lastActive}
const byUser = new Map();       // userId -> Set(connectionId)
const seenIds = new Map();      // userId -> Set(client_msg_id)
let totalConnections = 0, framesIn = 0, framesOut = 0;

function send(conn, obj) {
  if (conn.ws.readyState !== 1) return;
  framesOut++;
  conn.ws.send(typeof obj === 'string' ? obj : pyDumps(obj));
}
function toUser(userId, obj) {
  const text = pyDumps(obj);
  for (const id of byUser.get(userId) || []) {
    const c = connections.get(id);
    if (c) send(c, text);
  }
}

function reply(text) {
  const t = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  if (/\b(elevador|elevator)\b/.test(t)) return 'Os elevadores estão funcionando normalmente.';
  if (/\b(encomenda|pacote|package|entrega)\b/.test(t)) return 'As encomendas ficam na portaria e podem ser retiradas das 8h às 22h.';
  if (/\b(horario|hours)\b/.test(t)) return 'Horários do prédio: portaria 24 horas; retirada de encomendas das 8h às 22h.';
  return 'Posso ajudar com elevadores, encomendas, manutenção e horários do prédio.';
}

function onMessage(conn, data, isBinary) {
  conn.lastActive = Date.now();
  framesIn++;
  if (isBinary) { conn.ws.close(1003); return; }
  let body = null;
  try { body = JSON.parse(data.toString('utf8')); } catch { body = null; }
  const action = body && typeof body === 'object' && !Array.isArray(body) ? body.action : undefined;
  if (action === 'heartbeat') {
    send(conn, { type: 'heartbeat', timestamp: nowS() });
  } else if (action === 'typing') {
    // The Lambda accepts it and sends nothing.
  } else if (action === 'sendMessage') {
    const message = body.message;
    if (message !== undefined && message !== null && typeof message !== 'string') {
      send(conn, { type: 'error', message: 'Erro ao processar mensagem', timestamp: nowS() });
      return;
    }
    if (typeof message !== 'string' || !message.trim()) return;
    const id = typeof body.client_msg_id === 'string' && body.client_msg_id ? body.client_msg_id : null;
    const ack = { type: 'ack', message: 'Processando sua solicitação...', timestamp: nowS() };
    if (id) ack.client_msg_id = id;
    send(conn, ack);
    if (id) {
      if (!seenIds.has(conn.userId)) seenIds.set(conn.userId, new Set());
      const seen = seenIds.get(conn.userId);
      if (seen.has(id)) return;
      seen.add(id);
    }
    toUser(conn.userId, { type: 'typing', typing: true, agent: 'assistant' });
    const userId = conn.userId, sessionId = conn.sessionId;
    setTimeout(() => {
      toUser(userId, { type: 'message', role: 'assistant', message: reply(message.trim()), timestamp: nowS(), session_id: sessionId });
      toUser(userId, { type: 'typing', typing: false, agent: 'assistant' });
    }, REPLY_DELAY_MS);
  } else {
    send(conn, `{"message": "Forbidden", "connectionId":"${conn.id}", "requestId":"${newId()}"}`);
  }
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES, clientTracking: false });

function json(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/config.json') {
    json(res, 200, { websocketEndpoint: `ws://127.0.0.1:${server.address().port}` });
  } else if (req.method === 'GET' && url.pathname === '/__dev/stats') {
    json(res, 200, { connections: connections.size, total_connections: totalConnections, frames_in: framesIn,
      frames_out: framesOut, rss_bytes: process.memoryUsage.rss(), frames_dropped: 0 });
  } else if (req.method === 'POST' && url.pathname === '/__dev/burst') {
    let b;
    try { b = JSON.parse((await readBody(req)).toString('utf8')); } catch { json(res, 400, { message: 'bad JSON' }); return; }
    const prefix = typeof b.text_prefix === 'string' ? b.text_prefix : 'burst ';
    const ids = [...(byUser.get(b.user_id) || [])];
    let sent = 0;
    for (const id of ids) {
      const c = connections.get(id);
      for (let i = 1; i <= b.count; i++) {
        send(c, { type: 'message', role: 'assistant', message: prefix + i, timestamp: nowS(), session_id: c.sessionId });
        sent++;
      }
    }
    json(res, 200, { sent, connections: ids.length });
  } else if (req.method === 'POST' && /^(\/[^/]+)?\/(@|%40)connections\/[^/]+$/.test(url.pathname)) {
    const id = decodeURIComponent(url.pathname.split('/').pop());
    const c = connections.get(id);
    const body = await readBody(req);
    if (!c) { res.writeHead(410, { 'x-amzn-ErrorType': 'GoneException' }); res.end(); return; }
    framesOut++;
    c.ws.send(body.toString('utf8'));
    res.writeHead(200);
    res.end();
  } else {
    res.writeHead(req.method === 'GET' && url.pathname === '/' ? 426 : 404);
    res.end();
  }
});

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const reject = (status, body) => {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  if (url.pathname.split('/').filter(Boolean).length > 1) return reject(403, '{"message":"Forbidden"}');
  const userId = url.searchParams.get('user_id');
  if (!userId) return reject(400, 'user_id required');
  const sessionId = url.searchParams.get('session_id') || `session-${nowS()}`;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const conn = { id: newId(), ws, userId, sessionId, lastActive: Date.now() };
    connections.set(conn.id, conn);
    if (!byUser.has(userId)) byUser.set(userId, new Set());
    byUser.get(userId).add(conn.id);
    totalConnections++;
    ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
    ws.on('close', () => {
      connections.delete(conn.id);
      const set = byUser.get(userId);
      if (set) { set.delete(conn.id); if (!set.size) byUser.delete(userId); }
    });
    ws.on('error', () => {});
    send(conn, { type: 'status', status: 'connected', message: '\u{1F7E2} Conectado em tempo real', timestamp: nowS(), connectionId: conn.id });
  });
});

// Idle timeout: one sweep a second, like the dev server's single scheduler (no timer per connection).
setInterval(() => {
  const cutoff = Date.now() - IDLE_TIMEOUT_MS;
  for (const c of connections.values()) if (c.lastActive < cutoff) c.ws.close(1001, 'Going away');
}, 1000).unref();

server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`listening ws://127.0.0.1:${server.address().port}\n`);
});

function stop() {
  for (const c of connections.values()) c.ws.close(1001, 'Going away');
  server.close();
  setTimeout(() => process.exit(0), 300).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
