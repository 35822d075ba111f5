// One language on every layer: the boot screen (boot.js), the composer (pre.js) and the chat (the wasm) all
// follow the app's rule (src/app/boot_config.cpp language_from), handed to the page as generated facts.
// pt_BR, the POSIX form some systems report, is Portuguese: the page used to call it English while the
// app called it Portuguese.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevserver, launchBrowser, openPage, waitReady, noProblems, DESKTOP } from './support.mjs';

describe('language', () => {
  let server, browser;

  before(async () => {
    server = await startDevserver();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Opens the chat with navigator.language(s) = `tag`, holding app.wasm until the boot screen was read.
  async function open(tag) {
    const context = await browser.newContext(DESKTOP);
    await context.addInitScript((t) => {
      Object.defineProperty(Navigator.prototype, 'language', { get: () => t, configurable: true });
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => [t], configurable: true });
    }, tag);
    const page = await openPage(context);
    let release;
    const gate = new Promise((r) => { release = r; });
    await page.route(/app\.[0-9a-f]+\.wasm$/, async (route) => { await gate; await route.continue(); });
    await page.goto(server.http + '/?ws=' + encodeURIComponent(server.ws));
    const boot = { text: await page.textContent('#boot-text'), lang: await page.getAttribute('html', 'lang') };
    release();
    await waitReady(page);
    return { context, page, boot };
  }

  async function tooLongNote(page) {
    await page.fill('#composer-input', 'x'.repeat(4001));
    await page.press('#composer-input', 'Enter');
    await page.waitForFunction(() => !document.getElementById('composer-counter').hidden);
    return page.textContent('#composer-counter');
  }

  it('pt_BR is Portuguese everywhere: boot screen, composer, chat, tab title', async () => {
    const { context, page, boot } = await open('pt_BR');
    assert.match(boot.text, /Carregando o chat do prédio/);
    assert.equal(boot.lang, 'pt-BR');
    assert.equal(await page.getAttribute('#composer-input', 'placeholder'), 'Escreva sua mensagem...');
    assert.equal(await page.getAttribute('#composer-send', 'aria-label'), 'Enviar');
    assert.equal(await page.title(), 'BuildingOS · Chat do prédio');
    // The limit comes from limits.hpp, written into the text in the page's locale.
    assert.equal(await tooLongNote(page), 'Mensagem longa demais (máximo de 4.000 caracteres).');
    assert.deepEqual(await noProblems(page), []);
    await context.close();
  });

  it('en-US is English everywhere, by the same rule', async () => {
    const { context, page, boot } = await open('en-US');
    assert.match(boot.text, /Loading the building chat/);
    assert.equal(boot.lang, 'en');
    assert.equal(await page.getAttribute('#composer-input', 'placeholder'), 'Type your message...');
    assert.equal(await page.title(), 'BuildingOS · Building chat');
    assert.equal(await tooLongNote(page), 'Message too long (4,000 characters at most).');
    assert.deepEqual(await noProblems(page), []);
    await context.close();
  });
});
