// frames.mjs: records the frames a real dev server sends a resident, for the engine throughput figure.
// One session over a real WebSocket: the welcome, chat round trips (ack, typing, reply, typing), heartbeat
// answers, the elevator notification, an error frame, and a burst of assistant messages. One frame per
// line (the server's JSON never holds a raw newline).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

export async function recordFrames(server, file, { chats = 100, heartbeats = 100, burst = 1000 } = {}) {
  const frames = [];
  const ws = new WebSocket(`${server.ws}/?user_id=frames-recorder&session_id=session-frames`);
  let onFrame = () => {};
  ws.on('message', (data) => { frames.push(data.toString('utf8')); onFrame(frames[frames.length - 1]); });
  const next = (pred) => new Promise((resolve) => { onFrame = (f) => { if (pred(f)) { onFrame = () => {}; resolve(); } }; });
  const welcomed = next((f) => f.includes('"status"'));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  await welcomed;
  const questions = ['qual o horário da portaria?', 'chegou alguma encomenda?', 'o elevador está funcionando?',
    'tem vazamento no banheiro', 'olá, bom dia', 'como pago o condomínio?'];
  for (let i = 0; i < chats; i++) {
    const replied = next((f) => f.includes('"typing": false'));
    ws.send(JSON.stringify({ action: 'sendMessage', message: questions[i % questions.length], timestamp: Date.now(),
      user_id: 'frames-recorder', session_id: 'session-frames', client_msg_id: `m-${i}` }));
    await replied;
  }
  for (let i = 0; i < heartbeats; i++) {
    const answered = next((f) => f.includes('"heartbeat"'));
    ws.send(JSON.stringify({ action: 'heartbeat', timestamp: Date.now() }));
    await answered;
  }
  const notified = next((f) => f.includes('"notification"'));
  ws.send(JSON.stringify({ action: 'sendMessage', message: 'chamar o elevador', timestamp: Date.now(),
    user_id: 'frames-recorder', session_id: 'session-frames', client_msg_id: 'm-elevator' }));
  await notified;
  const errored = next((f) => f.includes('"error"'));
  ws.send(JSON.stringify({ action: 'sendMessage', message: 42 }));
  await errored;
  const burstDone = next((f) => f.includes(`"burst ${burst}"`));
  await server.json('/__dev/burst', { user_id: 'frames-recorder', count: burst });
  await burstDone;
  ws.close();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, frames.join('\n') + '\n');
  return frames.length;
}
