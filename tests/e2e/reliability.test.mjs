// Nothing lost under faults: a flapping network (the dev server drops every connection at random), a dead
// link that never closes, a frozen background tab, two tabs of the same resident, corrupted storage.
//
// Index
//   [SECTION] Chaos     500 messages under drops with ids; the seed's Lambdas without them
//   [SECTION] Links     a dead link, a frozen tab, a paused hidden tab
//   [SECTION] Storage   two tabs of one resident, corrupted storage
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startDevserver, launchBrowser, openPage, waitReady, waitStatus, waitMessage, noProblems, ARTIFACTS, DESKTOP,
  watchLeavingConnected, waitLeftConnected,
} from './support.mjs';

async function allAcked(page, ids, timeout) {
  await page.waitForFunction((want) => {
    const byId = new Map(window.BuildingOS.messages().map((m) => [m.id, m.state]));
    return want.every((id) => byId.get(id) === 'acked' || byId.get(id) === 'answered');
  }, ids, { timeout, polling: 250 });
}

describe('reliability', () => {
  let site, browser;

  before(async () => {
    site = await startDevserver();  // serves the page, like CloudFront; the API is another server per test
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await site?.stop();
  });

  // [SECTION] Chaos -------------------------------------------------------------------------------
  it('chaos: 500 messages while every connection drops at random and Lambdas fail arrive exactly once', async (t) => {
    const api = await startDevserver({
      staticDir: null,
      args: ['--fault', 'drop=200-2000,refuse=300,ack-drop=0.05,silent-fail=0.02,handler-error=0.02,publish-fail=0.02,cold-start=0-300',
        '--seed', '7', '--reply-delay-ms', '0'],
    });
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}#resident=chaos-1`);
      await waitReady(page);
      const started = Date.now();
      // 500 messages over about 10 s, whatever the connection is doing.
      const ids = await page.evaluate(async () => {
        const out = [];
        for (let i = 0; i < 500; i++) {
          const r = window.BuildingOS.send(`mensagem ${i} o vazamento no 502 voltou`);
          if (!r.ok) throw new Error('send refused: ' + r.error);
          out.push(r.id);
          if (i % 10 === 9) await new Promise((res) => setTimeout(res, 200));
        }
        return out;
      });
      await allAcked(page, ids, 240000);
      const seen = (await api.json('/__dev/messages?user_id=chaos-1')).body;
      const delivered = seen.messages.map((m) => m.client_msg_id);
      const counts = {
        sent: ids.length,
        delivered: new Set(delivered).size,
        duplicates_suppressed: seen.duplicates,
        lost: ids.filter((id) => !delivered.includes(id)).length,
        connections: (await api.json('/__dev/stats')).body.total_connections,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      fs.writeFileSync(path.join(ARTIFACTS, 'chaos.json'), JSON.stringify(counts, null, 2));
      t.diagnostic(`chaos: ${JSON.stringify(counts)}`);
      assert.equal(counts.lost, 0);
      // Every message executed once. Not in the order sent: a message a Lambda fault failed runs at its resend.
      assert.equal(delivered.length, ids.length, 'no message executed twice');
      assert.deepEqual([...delivered].sort(), [...ids].sort(), 'every message once');
      assert.ok(counts.connections > 3, 'the faults did drop connections');
      assert.equal((await page.evaluate(() => window.BuildingOS.state())).queued, 0);
      assert.deepEqual(await noProblems(page), []);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  it('chaos against the seed\'s Lambdas: nothing lost silently, no ✓✓ the frames cannot prove', async (t) => {
    // The seed backend (acks without client_msg_id, before the publish, nothing deduped) with its Lambda
    // faults. One message is in flight per link, so fewer messages than the ids run (the 120 s budget).
    const api = await startDevserver({
      staticDir: null,
      args: ['--backend', 'seed', '--fault',
        'drop=4000-8000,refuse=300,ack-drop=0.03,silent-fail=0.03,handler-error=0.03,publish-fail=0.03,cold-start=0-300',
        '--seed', '11', '--reply-delay-ms', '0'],
    });
    const context = await browser.newContext(DESKTOP);
    try {
      // A frame log in the page: which socket each sendMessage went out on.
      await context.addInitScript(() => {
        const sends = (window.__bosSends = []);
        let n = 0;
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
          if (this.__bosIndex === undefined) this.__bosIndex = n++;
          try {
            const j = JSON.parse(data);
            if (j.action === 'sendMessage') sends.push([j.client_msg_id, this.__bosIndex]);
          } catch (e) { /* not ours to judge */ }
          return send.call(this, data);
        };
      });
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}#resident=chaos-seed`);
      await waitReady(page);
      const started = Date.now();
      const ids = await page.evaluate(async () => {
        const out = [];
        for (let i = 0; i < 30; i++) {
          const r = window.BuildingOS.send(`mensagem ${i} sobre o vazamento`);
          if (!r.ok) throw new Error('send refused: ' + r.error);
          out.push(r.id);
          if (i % 10 === 9) await new Promise((res) => setTimeout(res, 200));
        }
        return out;
      });
      // Every message settles: acked/answered, or failed and left to the resident.
      await page.waitForFunction((want) => {
        const byId = new Map(window.BuildingOS.messages().map((m) => [m.id, m.state]));
        return window.BuildingOS.state().queued === 0 &&
          want.every((id) => ['acked', 'answered', 'failed'].includes(byId.get(id)));
      }, ids, { timeout: 150000, polling: 250 });
      const shown = new Map((await page.evaluate(() => window.BuildingOS.messages())).map((m) => [m.id, m]));
      const sends = await page.evaluate(() => window.__bosSends);
      const seen = (await api.json('/__dev/messages?user_id=chaos-seed')).body;
      const executions = new Map();
      for (const m of seen.messages) executions.set(m.client_msg_id, (executions.get(m.client_msg_id) || 0) + 1);
      const sockets = new Map();
      for (const [id, sock] of sends) sockets.set(id, new Set([...(sockets.get(id) || []), sock]));
      const state = (await page.evaluate(() => window.BuildingOS.state()));
      const counts = {
        sent: ids.length,
        delivered_once: ids.filter((id) => executions.get(id) === 1).length,
        executed_twice: ids.filter((id) => (executions.get(id) || 0) >= 2).length,
        not_confirmed: ids.filter((id) => shown.get(id)?.failReason === 'unconfirmed').length,
        failed_not_sent: ids.filter((id) => shown.get(id)?.state === 'failed' && shown.get(id)?.failReason !== 'unconfirmed').length,
        // Neither shown delivered nor left failed for the resident.
        lost_silently: ids.filter((id) => !['acked', 'answered', 'failed'].includes(shown.get(id)?.state)).length,
        // Shown ✓✓ (or answered) but never executed by the backend.
        unproven_state: ids.filter((id) => ['acked', 'answered'].includes(shown.get(id)?.state) && !executions.get(id)).length,
        // Messages that went out again on another link (their link ended, or an error proved them not taken):
        // the only ones that may run twice.
        in_flight_at_drop: ids.filter((id) => (sockets.get(id)?.size || 0) >= 2).length,
        delivery_mode: state.deliveryMode,
        connections: (await api.json('/__dev/stats')).body.total_connections,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      fs.writeFileSync(path.join(ARTIFACTS, 'chaos-seed.json'), JSON.stringify(counts, null, 2));
      t.diagnostic(`chaos-seed: ${JSON.stringify(counts)}`);
      assert.equal(counts.lost_silently, 0);
      assert.equal(counts.unproven_state, 0);
      assert.ok(counts.executed_twice <= counts.in_flight_at_drop, 'executed twice only after a link ended under it');
      assert.ok(counts.connections > 3, 'the faults did drop connections');
    } finally {
      await context.close();
      await api.stop();
    }
  });

  // [SECTION] Links -------------------------------------------------------------------------------
  it('a dead link (no answers, no close) is noticed within the heartbeat timeout and recovers', async (t) => {
    const api = await startDevserver({ staticDir: null, args: ['--fault', 'swallow=1000', '--seed', '3'] });
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}`);
      await waitReady(page);
      await waitStatus(page, 'connected');
      const opened = await watchLeavingConnected(page);
      // Heartbeat at 30 s, no frame for 10 s after it: dead. The page must leave "connected" by ~41 s
      // (from the status events: the reconnection can be quicker than any poll).
      const left = await waitLeftConnected(page, 45000);
      const noticed = (left - opened) / 1000;
      t.diagnostic(`dead link noticed after ${noticed.toFixed(1)} s`);
      assert.ok(noticed >= 30 && noticed <= 42, `noticed after ${noticed} s`);
      await waitStatus(page, 'connected', 15000);  // and it reconnects (the next link dies again later)
      assert.ok((await api.json('/__dev/stats')).body.total_connections >= 2);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  it('a frozen background tab recovers as soon as it is visible again', async () => {
    const api = await startDevserver({ staticDir: null });
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}#resident=frozen-1`);
      await waitReady(page);
      await waitStatus(page, 'connected');
      const cdp = await context.newCDPSession(page);
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
      // While frozen, the network drops the connection.
      await api.json('/__dev/close', { user_id: 'frozen-1', code: 0 });
      await new Promise((r) => setTimeout(r, 2000));
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      const resumed = Date.now();
      while ((await api.json('/__dev/stats')).body.total_connections < 2 && Date.now() - resumed < 5000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitStatus(page, 'connected', 5000);
      assert.ok((await api.json('/__dev/stats')).body.total_connections >= 2);
      await api.json('/notify', { user_id: 'frozen-1', message: 'O elevador chegou', priority: 'high' });
      await waitMessage(page, { role: 'notification' }, 5000);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  it('a paused hidden tab whose link died meanwhile notices it as soon as it is visible again', async (t) => {
    const api = await startDevserver({ staticDir: null, args: ['--fault', 'swallow=1000', '--seed', '5'] });
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}`);
      await waitReady(page);
      await waitStatus(page, 'connected');
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        Object.defineProperty(document, 'hidden', { value: true, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      // The tab is paused past the heartbeat interval: no timer of ours can run (a throttled background
      // tab), and the link dies in the meantime.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Debugger.enable');
      await cdp.send('Debugger.pause');
      await new Promise((r) => setTimeout(r, 31000));
      await cdp.send('Debugger.resume');
      await cdp.send('Debugger.disable');
      const visible = await watchLeavingConnected(page, 'visible');
      const left = await waitLeftConnected(page, 12000);
      const noticed = (left - visible) / 1000;
      t.diagnostic(`dead link noticed ${noticed.toFixed(1)} s after the tab became visible`);
      assert.ok(noticed <= 11, `${noticed} s`);
      await waitStatus(page, 'connected', 15000);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  // [SECTION] Storage -----------------------------------------------------------------------------
  it('two tabs of one resident: nothing lost or sent twice, no history clobbered', async () => {
    let api = await startDevserver({ staticDir: null, args: ['--reply-delay-ms', '50'] });
    const context = await browser.newContext(DESKTOP);  // one profile: the tabs share localStorage
    try {
      const url = `${site.http}/?ws=${encodeURIComponent(api.ws)}#resident=apto-77`;
      const a = await openPage(context, url);
      const b = await openPage(context, url);
      await Promise.all([waitReady(a), waitReady(b)]);
      await Promise.all([waitStatus(a, 'connected'), waitStatus(b, 'connected')]);
      const fromA = [], fromB = [];
      for (let i = 0; i < 10; i++) {
        fromA.push((await a.evaluate((n) => window.BuildingOS.send('A ' + n), i)).id);
        fromB.push((await b.evaluate((n) => window.BuildingOS.send('B ' + n), i)).id);
      }
      await allAcked(a, fromA, 20000);
      await allAcked(b, fromB, 20000);

      // The API goes down; tab A queues three more and is closed before they could go out.
      const port = api.port;
      await api.kill();
      await waitStatus(a, 'reconnecting', 10000);
      const orphaned = [];
      for (let i = 0; i < 3; i++) orphaned.push((await a.evaluate((n) => window.BuildingOS.send('A fechada ' + n), i)).id);
      await a.close();
      api = await startDevserver({ port, staticDir: null, args: ['--reply-delay-ms', '50'] });
      await waitStatus(b, 'connected', 40000);
      // Tab B takes over what tab A left (it checks when it becomes visible, and every 30 s).
      await b.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await allAcked(b, orphaned, 40000);

      const seen = (await api.json('/__dev/messages?user_id=apto-77')).body;
      const before = [...fromA, ...fromB];
      const all = seen.messages.map((m) => m.client_msg_id);
      assert.deepEqual(all, orphaned, 'the restarted server got only the three orphaned messages');
      assert.equal(seen.duplicates, 0);
      void before;

      // A new tab shows everything both tabs said: nothing was clobbered.
      const c = await openPage(context, url);
      await waitReady(c);
      const texts = (await c.evaluate(() => window.BuildingOS.messages())).map((m) => m.text);
      for (let i = 0; i < 10; i++) {
        assert.ok(texts.includes('A ' + i), 'A ' + i);
        assert.ok(texts.includes('B ' + i), 'B ' + i);
      }
      for (let i = 0; i < 3; i++) assert.ok(texts.includes('A fechada ' + i));
      assert.deepEqual(await noProblems(b), []);
    } finally {
      await context.close();
      await api.stop();
    }
  });

  it('corrupted storage restores to a safe state with a clear log line, never a blank page', async () => {
    const api = await startDevserver({ staticDir: null });
    const context = await browser.newContext(DESKTOP);
    try {
      await context.addInitScript(() => {
        if (sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('bos.v1.identity', '{"v":1,"user_id":"apto-9","session_id":"s-1"}');
        localStorage.setItem('bos.v1.outbox/apto-9/deadtab1', '{"v":1,"m":[["m1","trunc');  // truncated
        localStorage.setItem('bos.v1.history/apto-9/deadtab1', '{"v":99,"m":[]}');         // wrong version
        localStorage.setItem('bos.v1.outbox/apto-9/deadtab2', '[' + '['.repeat(100000));     // hostile nesting
        localStorage.setItem('bos.v1.outbox/apto-9/deadtab4', '{"v":1,"m":[["m9","ainda vale",1,0]]}');
        localStorage.setItem('bos.v1.history/apto-9/deadtab3', 'x'.repeat(4200 * 1024));     // huge
      });
      const page = await openPage(context, `${site.http}/?ws=${encodeURIComponent(api.ws)}`);
      await waitReady(page);
      await waitStatus(page, 'connected');
      const state = await page.evaluate(() => window.BuildingOS.state());
      assert.equal(state.userId, 'apto-9');
      // The one readable outbox is delivered; the broken ones are reported and removed.
      await waitMessage(page, { id: 'm9', state: ['acked', 'answered'] });
      const logs = page.logs.join('\n');
      assert.match(logs, /outbox could not be read \(invalid_json\)/);
      assert.match(logs, /history could not be read \(wrong_version\)/);
      assert.match(logs, /history could not be read \(too_large\)/);
      const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('deadtab')));
      assert.deepEqual(left, []);
      // Only the expected error lines: no exceptions, no CSP problems.
      const unexpected = (await noProblems(page)).filter((p) => !/could not be read/.test(p));
      assert.deepEqual(unexpected, []);
    } finally {
      await context.close();
      await api.stop();
    }
  });
});
