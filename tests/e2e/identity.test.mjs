// Resident identity end to end (issue 13), against the dev server under --auth-secret: a link minted by
// scripts/resident-link connects, loses its fragment and gets replies; an expired token shows the expired
// screen without the app's download; a tampered or revoked one ends in link_refused; a neighbour's user_id
// with one's own token is refused at the handshake; sign-out leaves no bos.* key and signs the other tab
// out; another resident's link asks first; with "auth":"required" and no token the enrol screen shows and no
// wasm is fetched. What the page showed goes to artifacts/e2e/identity.json (the closing note quotes it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ARTIFACTS, startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, DESKTOP } from './support.mjs';

const b64url = (b) => Buffer.from(b).toString('base64url');
// Bounded waits: the refusal shows after the engine's 6th failed attempt (backoff ceilings 1+2+4+8+16 s, full
// jitter) plus the page's boot; the screens before any download need only the page and boot.js. Generous for
// a loaded CI machine, still bounded.
const REFUSED_WITHIN_MS = 60000;
const SCREEN_WITHIN_MS = 15000;

describe('identity (--auth-secret)', () => {
  let server, browser, dir, secretFile, key;
  const record = { minted: {}, seen: {} };

  function mint(resident, name, days = 90) {
    const out = execFileSync(path.join(ROOT, 'scripts/resident-link'), [
      '--resident', resident, '--building', 'torre-a', '--name', name, '--days', String(days), '--env', 'dev',
      '--base-url', server.http,
    ], { env: { ...process.env, BOS_AUTH_SECRET_FILE: secretFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.toString().trim();
  }
  function mintWithLog(resident, name) {
    const r = execFileSync('/bin/sh', ['-c', `"$0" "$@" 2>&1 1>"${dir}/link.txt"`, path.join(ROOT, 'scripts/resident-link'),
      '--resident', resident, '--building', 'torre-a', '--name', name, '--days', '90', '--env', 'dev', '--base-url', server.http],
    { env: { ...process.env, BOS_AUTH_SECRET_FILE: secretFile } }).toString();
    return { link: fs.readFileSync(path.join(dir, 'link.txt'), 'utf8').trim(), log: r.trim() };
  }
  // A token signed as the contract says, with claims the script refuses to mint (an expiry in the past).
  function signed(claims) {
    const input = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64url(JSON.stringify(claims));
    return input + '.' + crypto.createHmac('sha256', key).update(input).digest('base64url');
  }
  const tokenOf = (link) => new URL(link).hash.replace(/^#t=/, '');
  const bootAuth = (page) => page.evaluate(() => document.getElementById('boot').getAttribute('data-auth'));
  async function pollPage(page, fn, arg, timeout) {
    // Survives navigations (a sign-out reloads the other tab).
    const until = Date.now() + timeout;
    for (;;) {
      try {
        const v = await page.evaluate(fn, arg);
        if (v) return v;
      } catch (e) { /* the page is navigating */ }
      if (Date.now() > until) throw new Error('timed out waiting in the page');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const ourKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('bos.')));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bos-identity-'));
    secretFile = path.join(dir, 'dev.secret');
    key = crypto.randomBytes(48).toString('base64');
    fs.writeFileSync(secretFile, key, { mode: 0o600 });
    server = await startDevserver({ args: ['--reply-delay-ms', '100', '--auth-secret', secretFile] });
    browser = await launchBrowser();
  });

  after(async () => {
    fs.writeFileSync(path.join(ARTIFACTS, 'identity.json'), JSON.stringify(record, null, 2) + '\n');
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a minted link connects as its resident, the fragment is gone, replies arrive', async () => {
    const { link, log } = mintWithLog('apto-502', 'Apto 502');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#t=[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(log, /jti=[\w-]{22}/);
    record.minted = { link, log };
    const context = await browser.newContext(DESKTOP);
    const page = await openPage(context, link);
    try {
      await waitReady(page);
      await waitStatus(page, 'connected');
      assert.equal(await page.evaluate(() => location.hash), '');
      assert.equal(await page.evaluate(() => location.href), server.http + '/');
      const state = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(state.auth, 'signed_in');
      assert.equal(state.residentLabel, 'Apto 502');
      assert.equal(state.userId, 'apto-502@torre-a');
      const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('bos.v1.identity')));
      assert.equal(stored.token, tokenOf(link));
      assert.equal(stored.user_id, 'apto-502@torre-a');
      await page.evaluate(() => window.BuildingOS.send('minha encomenda chegou?'));
      const reply = await waitMessage(page, { role: 'assistant' });
      const seen = await server.json('/__dev/messages?user_id=' + encodeURIComponent('apto-502@torre-a'));
      assert.deepEqual(seen.body.messages.map((m) => m.message), ['minha encomenda chegou?']);
      record.seen.signedIn = { href: await page.evaluate(() => location.href), auth: state.auth,
        residentLabel: state.residentLabel, userId: state.userId, status: state.status, reply: reply.text };
    } finally {
      await context.close();
    }
  });

  it('a neighbour\'s user_id with one\'s own token is refused at the handshake', async () => {
    const token = tokenOf(mint('apto-502', 'Apto 502'));
    const handshake = (userId) => new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: server.port,
        path: `/?user_id=${encodeURIComponent(userId)}&session_id=s1&token=${token}`,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64') },
      });
      req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(await handshake('apto-503@torre-a'), 403);
    assert.equal(await handshake('apto-502@torre-a'), 101);  // the same token, its own user_id: accepted
    record.seen.neighbour = { 'apto-503@torre-a': 403, 'apto-502@torre-a': 101 };
  });

  it('an expired token shows the expired screen at once, and nothing of the app is downloaded', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signed({ bld: 'torre-a', exp: now - 3600, iat: now - 90000, jti: crypto.randomBytes(16).toString('base64url'),
      name: 'Apto 502', sub: 'apto-502@torre-a' });
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    try {
      const t0 = Date.now();
      await page.goto(server.http + '/#t=' + token);
      await pollPage(page, () => document.getElementById('boot').getAttribute('data-auth') === 'expired', null, SCREEN_WITHIN_MS);
      const ms = Date.now() - t0;
      const text = await page.evaluate(() => document.getElementById('boot-text').textContent);
      assert.equal(text, 'Seu link de acesso expirou. Peça um novo à administração do prédio.');
      assert.equal((await page.evaluate(() => window.BuildingOS.state())).auth, 'expired');
      assert.equal(await page.evaluate(() => location.hash), '');
      assert.deepEqual(requests.filter((p) => /\.wasm$|app[.\w]*\.js$|\.ttf$/.test(p)), []);
      record.seen.expired = { text, ms, requests };
    } finally {
      await context.close();
    }
  });

  it('a tampered and a revoked token end in link_refused, and the client keeps retrying', async () => {
    const good = tokenOf(mint('apto-502', 'Apto 502'));
    const tampered = good.slice(0, -2) + (good.slice(-2) === 'AA' ? 'AQ' : 'AA');
    const revokedLink = mintWithLog('apto-504', 'Apto 504');
    const jti = /jti=([\w-]+)/.exec(revokedLink.log)[1];
    assert.deepEqual((await server.json('/__dev/revoke', { jti })).body, { revoked: jti });
    const run = async (name, url) => {
      const context = await browser.newContext(DESKTOP);
      const page = await openPage(context, url);
      try {
        const t0 = Date.now();
        await waitReady(page);
        await page.waitForFunction(() => window.BuildingOS.state().auth === 'link_refused', null, { timeout: REFUSED_WITHIN_MS });
        const ms = Date.now() - t0;
        const s = await page.evaluate(() => window.BuildingOS.state());
        assert.equal(s.status, 'failed');
        assert.equal(s.connectionId, null);
        assert.equal(await page.evaluate(() => location.hash), '');
        record.seen[name] = { auth: s.auth, status: s.status, statusText: s.statusText, ms };
        return ms;
      } finally {
        await context.close();
      }
    };
    const [a, b] = await Promise.all([run('tampered', server.http + '/#t=' + tampered), run('revoked', revokedLink.link)]);
    assert.ok(a < REFUSED_WITHIN_MS && b < REFUSED_WITHIN_MS);
  });

  it('sign-out leaves no bos.* key and signs the other tab out; another resident\'s link asks first', async () => {
    const context = await browser.newContext(DESKTOP);
    const a = await openPage(context, mint('apto-502', 'Apto 502'));
    try {
      await waitReady(a);
      await waitStatus(a, 'connected');
      const b = await openPage(context, server.http + '/');
      await waitReady(b);
      await waitStatus(b, 'connected');
      assert.equal((await b.evaluate(() => window.BuildingOS.state())).userId, 'apto-502@torre-a');

      // Another resident's link in tab B: asked, not switched.
      await b.goto(mint('apto-503', 'Apto 503'));
      await waitReady(b);
      await b.waitForFunction(() => window.BuildingOS.state().switchTo === 'Apto 503', null, { timeout: 10000 });
      const asked = await b.evaluate(() => window.BuildingOS.state());
      assert.equal(asked.userId, 'apto-502@torre-a');
      assert.equal(asked.residentLabel, 'Apto 502');
      assert.equal(await b.evaluate(() => location.hash), '');
      assert.equal(JSON.parse(await b.evaluate(() => localStorage.getItem('bos.v1.identity'))).user_id, 'apto-502@torre-a');
      record.seen.switchAsked = { switchTo: asked.switchTo, userId: asked.userId };
      // The page's twin asks the same (a role="alert" a screen reader reads at once), safe answer first;
      // answering it with the keyboard is answering the canvas's question.
      await b.waitForFunction(() => document.querySelectorAll('#bos-question[role="alert"] button').length === 2, null, { timeout: 10000 });
      const twin = await b.evaluate(() => ({
        text: document.querySelector('#bos-question p').textContent,
        answers: [...document.querySelectorAll('#bos-question button')].map((e) => e.textContent),
      }));
      assert.match(twin.text, /^Trocar para Apto 503\?/);
      assert.deepEqual(twin.answers, ['Continuar como Apto 502', 'Trocar']);
      await b.focus('#bos-question button');
      await b.keyboard.press('Enter');
      await b.waitForFunction(() => window.BuildingOS.state().switchTo === undefined, null, { timeout: 10000 });
      assert.equal((await b.evaluate(() => window.BuildingOS.state())).userId, 'apto-502@torre-a');
      assert.equal(await b.evaluate(() => document.querySelectorAll('#bos-question button').length), 0);
      record.seen.switchTwin = twin;

      await a.evaluate(() => window.BuildingOS.send('antes de sair'));
      await waitMessage(a, { role: 'assistant' });
      const r = await a.evaluate(() => window.BuildingOS.signOut());
      assert.equal(r.ok, true);
      // Both tabs load again signed out: under "auth":"required", the enrol screen.
      for (const page of [a, b]) {
        await pollPage(page, () => document.getElementById('boot').getAttribute('data-auth') === 'enrol', null, 10000);
        assert.deepEqual(await ourKeys(page), []);
      }
      record.seen.signOut = { undelivered: r.undelivered, keysLeft: await ourKeys(a), otherTab: await bootAuth(b) };
    } finally {
      await context.close();
    }
  });

  it('"auth":"required" and no token: the enrol screen, #resident= ignored, no wasm fetched', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    try {
      await page.goto(server.http + '/#resident=apto-502');
      await pollPage(page, () => document.getElementById('boot').getAttribute('data-auth') === 'enrol', null, SCREEN_WITHIN_MS);
      const text = await page.evaluate(() => document.getElementById('boot-text').textContent);
      assert.equal(text, 'Para conversar com o prédio, abra o link de acesso que você recebeu: carta, e-mail ou QR code na portaria');
      const s = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(s.auth, 'enrol');
      assert.equal(s.userId, '');
      assert.ok(requests.includes('/config.json'));
      assert.deepEqual(requests.filter((p) => /\.wasm$|app[.\w]*\.js$|\.ttf$/.test(p)), []);
      assert.deepEqual(await ourKeys(page), []);
      record.seen.enrol = { text, requests };
    } finally {
      await context.close();
    }
  });
});
