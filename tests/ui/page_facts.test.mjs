// The generated page facts as the page's JavaScript uses them (boot.js and pre.js run this same code on
// window.BOSFacts): the language rule, the storage-key patterns, the texts; and the colours the static
// files still name (the manifest and <meta name="theme-color"> cannot read CSS) against theme.css.
// Run by ctest as ui.page_facts_js with BOS_PAGE_FACTS_DIR (the native build's generated files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const dir = process.env.BOS_PAGE_FACTS_DIR;
const root = process.env.BOS_SOURCE_DIR;
assert.ok(dir && root, 'BOS_PAGE_FACTS_DIR and BOS_SOURCE_DIR must be set (ctest sets them)');

// Evaluated as a browser would: a script that assigns window.BOSFacts.
const window = {};
vm.runInNewContext(fs.readFileSync(path.join(dir, 'facts.js'), 'utf8'), { window });
const F = window.BOSFacts;

test('facts.js defines window.BOSFacts', () => {
  assert.equal(typeof F, 'object');
  assert.equal(F.limits.maxMessageCodepoints, 4000);
  assert.equal(F.limits.counterFromCodepoints, 3500);
});

test('pt_BR is Portuguese, as in the app (the same table as tests/ui/page_facts_test.cpp)', () => {
  const portuguese = new RegExp(F.language.portuguese, 'i');  // what boot.js builds
  const table = [
    ['pt-BR', true], ['pt_BR', true], ['pt', true], ['PT', true], ['pt-PT', true], ['Pt_br', true],
    ['en-US', false], ['en', false], ['es-419', false], ['ptx', false], ['p', false], ['', false],
    ['pt.BR', false], [' pt-BR', false], ['xpt-BR', false],
  ];
  for (const [tag, pt] of table) assert.equal(portuguese.test(tag), pt, tag);
  assert.ok(portuguese.test(F.language.fallback));
  // The rule the page used before: /^pt\b/ called pt_BR English while the app called it Portuguese.
  assert.equal(/^pt\b/i.test('pt_BR'), false);
});

test('the storage patterns pick the keys another tab may leave, and their tab id', () => {
  const adoptable = new RegExp(F.storage.adoptable);
  const tab = new RegExp(F.storage.tabSuffix);
  for (const key of ['bos.v1.outbox/apto-502/k3x9a0', 'bos.v1.history/web-user-1a2b/k3x9a0']) {
    assert.ok(adoptable.test(key), key);
    assert.equal(tab.exec(key)[1], 'k3x9a0');
  }
  for (const key of ['bos.v1.identity', 'bos.v1.largeText', 'bos.v2.outbox/u/t', 'bosXv1.outbox/u/t', 'other.v1.history/u/t']) {
    assert.equal(adoptable.test(key), false, key);
  }
  assert.equal(tab.exec('bos.v1.outbox/u/' + 'z'.repeat(32))[1], 'z'.repeat(32));
  assert.equal(tab.exec('bos.v1.outbox/u/BAD'), null);
});

test('every text is there in both languages, with the support floor written in', () => {
  const { pt, en } = F.strings;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(pt).sort());
  for (const key of ['placeholder', 'label', 'send', 'log', 'locale', 'empty', 'too_long', 'queue_full',
                     'loading', 'starting', 'unsupported', 'old', 'webgl', 'download', 'crash', 'retry', 'reload', 'anyway']) {
    assert.ok(pt[key] && en[key], key);
  }
  assert.equal(pt.retry, 'Tentar de novo');
  assert.equal(pt.loading, 'Carregando o chat do prédio...');
  assert.equal(en.locale, 'en');
  assert.ok(pt.unsupported.includes(`Firefox ${F.supportFloor.firefox}+`));
  // pre.js writes the limit into the too-long text in the page's locale.
  assert.equal(pt.too_long.replace('%s', (4000).toLocaleString(pt.locale)), 'Mensagem longa demais (máximo de 4.000 caracteres).');
  assert.equal(en.too_long.replace('%s', (4000).toLocaleString(en.locale)), 'Message too long (4,000 characters at most).');
  assert.deepEqual([...F.notificationPermissions], ['', 'default', 'granted', 'denied']);  // (another realm's array)
});

test('the background colour the static files name is theme.css\'s (generated from src/ui/theme.hpp)', () => {
  const css = fs.readFileSync(path.join(dir, 'theme.css'), 'utf8');
  const bg = /--bg: (#[0-9a-f]{6});/.exec(css)[1];  // the dark theme's, first
  const html = fs.readFileSync(path.join(root, 'shell/index.html'), 'utf8');
  assert.equal(/<meta name="theme-color" content="(#[0-9a-f]{6})">/.exec(html)[1], bg);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'web/manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.background_color, bg);
  assert.equal(manifest.theme_color, bg);
  // style.css names no colour of its own any more: they all come from theme.css.
  const style = fs.readFileSync(path.join(root, 'shell/style.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  assert.equal(/#[0-9a-fA-F]{3,8}\b/.exec(style), null);
});
