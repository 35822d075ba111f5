// The page's pre-wasm token rule (shell/token.js, run by boot.js before app.wasm is downloaded) against the
// shared vectors, with the same server-reason -> client-verdict table as tests/core/token_test.cpp (the C++
// rule, src/core/token.hpp). Where JSON.parse cannot see what the C++ parser refuses (a duplicate key), the
// page lets the token through and the app refuses it once it runs: those vectors are listed here, and only
// those may differ. Run by ctest as ui.token_rule_js with BOS_PAGE_FACTS_DIR and BOS_SOURCE_DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const dir = process.env.BOS_PAGE_FACTS_DIR;
const root = process.env.BOS_SOURCE_DIR;
assert.ok(dir && root, 'BOS_PAGE_FACTS_DIR and BOS_SOURCE_DIR must be set (ctest sets them)');

const window = {};
const context = vm.createContext({ window });
vm.runInContext(fs.readFileSync(path.join(dir, 'facts.js'), 'utf8'), context);
vm.runInContext(fs.readFileSync(path.join(root, 'shell/token.js'), 'utf8'), context);
const { read } = window.BOSToken;
const vectors = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/auth/token-vectors.json'), 'utf8'));

const CLIENT = {
  allow: 'usable', bad_signature: 'usable', revoked: 'usable', user_mismatch: 'usable', not_yet_valid: 'usable',
  expired: 'expired', missing: 'malformed', oversize: 'malformed', malformed: 'malformed', bad_header: 'malformed',
  bad_claims: 'malformed',
};
// JSON.parse keeps the last of two equal keys; the app's strict parser refuses them (after the download).
const DEFERRED_TO_THE_APP = new Set(['header-duplicate-alg', 'payload-duplicate-sub']);

test('the facts carry the token numbers of src/core/limits.hpp', () => {
  const L = window.BOSFacts.token;
  assert.equal(L.maxBytes, vectors.contract.max_token_bytes);
  assert.equal(L.leewayS, vectors.contract.leeway_s);
  assert.equal(L.maxLifetimeS, vectors.contract.max_lifetime_s);
  assert.equal(L.fragmentParam, 't');
  assert.equal(window.BOSFacts.storage.identity, 'bos.v1.identity');
  assert.deepEqual(Array.from(window.BOSFacts.auth), ['none', 'signed_in', 'enrol', 'expired', 'link_refused']);
});

test('every shared vector: the page concludes what the app concludes', () => {
  const differ = [];
  let usable = 0;
  for (const v of vectors.tokens) {
    const want = CLIENT[v.reason || 'allow'];
    assert.ok(want, v.id);
    const got = read(v.token || '', v.now);
    if (DEFERRED_TO_THE_APP.has(v.id)) {
      // Let through by the page, never called expired: the app's full check refuses it.
      assert.equal(want, 'malformed', v.id);
      assert.equal(got.status, 'usable', v.id);
      differ.push(v.id);
      continue;
    }
    assert.equal(got.status, want, `${v.id}: ${got.reason}`);
    if (got.status === 'usable') {
      usable++;
      if (v.claims) {
        assert.equal(got.claims.sub, v.claims.sub, v.id);
        assert.equal(got.claims.name, v.claims.name, v.id);
      }
    }
  }
  assert.deepEqual(differ.sort(), [...DEFERRED_TO_THE_APP].sort());
  assert.ok(usable >= 15);
});

test('the leeway edge and hostile inputs', () => {
  const valid = vectors.tokens.find((v) => v.id === 'valid');
  const exp = valid.claims.exp;
  assert.equal(read(valid.token, exp + 59).status, 'usable');
  assert.equal(read(valid.token, exp + 60).status, 'expired');
  for (const bad of [null, undefined, 42, '', '.', '..', 'a.b.c', 'e30.e30.e30.e30', 'x'.repeat(2049), '\u00ff.\u00fe.']) {
    assert.equal(read(bad, 0).status, 'malformed', String(bad));
  }
});
