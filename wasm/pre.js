/* pre.js (--pre-js): the page side of the platform layer, bundled into app.js.
   JS never holds a pointer into the app: it calls the exported C functions in wasm/exports.cpp.

   Index
     [SECTION] Facts          what the C++ owns (limits, texts, storage keys): window.BOSFacts, generated
                              from it at build time (src/app/page_facts.cpp); the app's language at ready
     [SECTION] Helpers        C strings in and out, code point counting
     [SECTION] Page facts     time zone, safe-area insets, colour scheme, notification permission → the app
     [SECTION] Composer       a real <textarea> over the strip the ImGui layout reserves, so the phone
                              keyboard, accents, IME, autocorrect, dictation and paste all work; Enter sends,
                              Shift+Enter makes a new line
     [SECTION] Page actions   clipboard and notification permission, asked for in the chat view
     [SECTION] Tabs           each tab writes only its own storage keys; what closed tabs left is taken over
     [SECTION] Accessible twins  DOM stand-ins for what the canvas draws (menu, dialog, banner, status, the
                              messages in the role="log" region), for screen readers and keyboards
     [SECTION] Test hooks     window.BuildingOS.__test: read-only views of what the last frame drew
     [SECTION] Identity       the fragment's token removed, sign-out and "Limpar conversa" in every tab (issue 13)
     [SECTION] Ready          window.BuildingOS (the automation API) and the page events */
(function () {
  'use strict';

  // [SECTION] Facts ---------------------------------------------------------------------------------
  // boot.js starts with the generated facts, so they are here before app.js loads.
  var F = window.BOSFacts;
  if (!F) throw new Error('[buildingos] window.BOSFacts is missing: the page was not assembled by scripts/build');
  var MAX_CODEPOINTS = F.limits.maxMessageCodepoints;
  var COUNTER_FROM = F.limits.counterFromCodepoints;
  var T = null;  // BOSFacts.strings in the app's language, from ready on (nothing reads it before)
  // The composer grows with its text up to the smaller of these, then scrolls.
  var COMPOSER_MAX_PX = 200;
  var COMPOSER_MAX_VIEWPORT = 0.35;  // of the visual viewport's height (the phone keyboard shrinks it)
  var COMPOSER_MIN_CAP_PX = 64;      // ...but the cap is never below this
  var COMPOSER_BORDERS_PX = 2;
  var ADOPT_EVERY_MS = 30000;        // look for closed tabs' messages this often (and when shown again)

  // [SECTION] Helpers -------------------------------------------------------------------------------
  function withCString(fn, str) {
    var n = lengthBytesUTF8(str) + 1;
    var p = _malloc(n);
    stringToUTF8(str, p, n);
    try {
      return UTF8ToString(fn(p));
    } finally {
      _free(p);
    }
  }
  function callWithTwoStrings(fn, a, b) {
    var na = lengthBytesUTF8(a) + 1, nb = lengthBytesUTF8(b) + 1;
    var pa = _malloc(na), pb = _malloc(nb);
    stringToUTF8(a, pa, na);
    stringToUTF8(b, pb, nb);
    try { fn(pa, pb); } finally { _free(pa); _free(pb); }
  }

  function codepoints(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xDC00 && d <= 0xDFFF) i++;
      }
      n++;
    }
    return n;
  }

  // [SECTION] Page facts ----------------------------------------------------------------------------
  var probe = null;
  function safeAreaInsets() {
    if (!probe) {
      probe = document.createElement('div');
      probe.id = 'bos-safe-probe';
      document.body.appendChild(probe);
    }
    var cs = getComputedStyle(probe);
    return [parseFloat(cs.paddingTop) || 0, parseFloat(cs.paddingRight) || 0,
            parseFloat(cs.paddingBottom) || 0, parseFloat(cs.paddingLeft) || 0];
  }
  var darkQuery = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  function notificationState() {
    if (!('Notification' in window)) return 0;
    var i = F.notificationPermissions.indexOf(Notification.permission);
    return i > 0 ? i : 0;  // position 0 is "unsupported"
  }
  function pushEnv() {
    if (!Module._bos_set_env) return;
    var s = safeAreaInsets();
    var dark = darkQuery ? (darkQuery.matches ? 1 : 0) : 1;
    Module._bos_set_env(-new Date().getTimezoneOffset(), s[0], s[1], s[2], s[3], dark, notificationState());
  }

  // [SECTION] Composer ------------------------------------------------------------------------------
  var form, input, sendButton, counter, errorShown = false, composing = false;

  function reportHeight() {
    if (form && !form.hidden && Module._bos_composer_height) Module._bos_composer_height(form.offsetHeight);
  }
  function autosize() {
    input.style.height = 'auto';
    var vh = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    var max = Math.max(COMPOSER_MIN_CAP_PX, Math.min(COMPOSER_MAX_PX, vh * COMPOSER_MAX_VIEWPORT));
    input.style.height = Math.min(input.scrollHeight + COMPOSER_BORDERS_PX, max) + 'px';
    reportHeight();
  }
  function showNote(text, isError) {
    counter.textContent = text;
    counter.hidden = !text;
    counter.className = 'composer-counter' + (isError ? ' over' : '');
    errorShown = !!(text && isError);
  }
  function updateCounter() {
    var n = codepoints(input.value.trim());
    var over = n > MAX_CODEPOINTS;
    sendButton.disabled = over;
    if (n >= COUNTER_FROM) showNote(n.toLocaleString(T.locale) + ' / ' + MAX_CODEPOINTS.toLocaleString(T.locale), over);
    else if (!errorShown) showNote('', false);
  }
  // The text for send()'s error (its SendError name); "%s" is the length limit, in the page's locale.
  function errorText(error) {
    var t = T[error];
    return t ? t.replace('%s', MAX_CODEPOINTS.toLocaleString(T.locale)) : error;
  }
  // Whether the resident is typing: a new build waits until the composer is empty and not focused.
  function reportState() {
    if (Module._bos_composer_state) Module._bos_composer_state(input.value.length ? 1 : 0, document.activeElement === input ? 1 : 0);
  }
  function submit() {
    var r = window.BuildingOS.send(input.value);
    if (r.ok) {
      input.value = '';
      errorShown = false;
      showNote('', false);
      autosize();
      updateCounter();
      reportState();
    } else {
      showNote(errorText(r.error), true);
    }
  }
  function setupComposer() {
    form = document.getElementById('composer');
    input = document.getElementById('composer-input');
    sendButton = document.getElementById('composer-send');
    counter = document.getElementById('composer-counter');
    if (!form || !input || !sendButton || !counter) return;
    input.placeholder = T.placeholder;
    sendButton.setAttribute('aria-label', T.send);
    sendButton.title = T.send;
    var label = document.getElementById('composer-label');
    if (label) label.textContent = T.label;
    var log = document.getElementById('bos-log');
    if (log) log.setAttribute('aria-label', T.log);

    input.addEventListener('compositionstart', function () { composing = true; });
    input.addEventListener('compositionend', function () { composing = false; });
    input.addEventListener('input', function () {
      if (errorShown) { errorShown = false; showNote('', false); }
      autosize();
      updateCounter();
      if (input.value.length) Module._bos_composer_input();
      reportState();
    });
    input.addEventListener('focus', reportState);
    input.addEventListener('keydown', function (e) {
      // Enter sends, Shift+Enter is a new line; never while an IME composition is open (keyCode 229).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !composing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    input.addEventListener('blur', function () { Module._bos_composer_blur(); reportState(); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submit();
    });
    // Tapping "send" must not take the focus away from the text field (the phone keyboard would close).
    sendButton.addEventListener('pointerdown', function (e) { e.preventDefault(); });
    sendButton.addEventListener('mousedown', function (e) { e.preventDefault(); });
    if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(form);
  }

  Module.bosPlaceComposer = function (left, bottom, width) {
    if (!form) return;
    form.style.left = left + 'px';
    form.style.bottom = bottom + 'px';
    form.style.width = width + 'px';
    if (form.hidden) {
      form.hidden = false;
      autosize();
    }
  };

  // [SECTION] Page actions --------------------------------------------------------------------------
  // Called by WebPort (wasm/web_port.cpp) when App::apply carries out the view's intents.
  Module.bosCopy = function (text) {
    function fallback() {
      try {
        var ta = document.createElement('textarea');
        ta.value = text;
        ta.setAttribute('readonly', '');
        ta.className = 'visually-hidden';
        document.body.appendChild(ta);
        ta.select();
        document.execCommand('copy');
        document.body.removeChild(ta);
      } catch (e) {}
    }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).catch(fallback);
    else fallback();
  };

  Module.bosRequestNotifications = function () {
    if (!('Notification' in window) || !Notification.requestPermission) return;
    try {
      var p = Notification.requestPermission(pushEnv);
      if (p && p.then) p.then(pushEnv, pushEnv);
    } catch (e) {}
  };

  // [SECTION] Tabs ----------------------------------------------------------------------------------
  // Every tab holds the Web Lock "bos-tab-<id>" while it lives (released by the browser when it closes or
  // crashes), so "is that tab still open?" has an exact answer. Taking over happens under the exclusive
  // lock "bos-storage", so two tabs never adopt the same messages. The key format is the app's
  // (src/app/boot_config.cpp), handed over in BOSFacts.storage.
  var L = Module.bosLocks || { tabId: 'tab' + Date.now().toString(36), ready: false };
  var TAB_ID = L.tabId;
  var locks = navigator.locks && navigator.locks.request ? navigator.locks : null;
  var ADOPTABLE_KEY = new RegExp(F.storage.adoptable);
  var KEY_TAB = new RegExp(F.storage.tabSuffix);

  function storedEntries(held) {
    var out = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (!ADOPTABLE_KEY.test(key)) continue;
        var m = KEY_TAB.exec(key);
        var tab = m ? m[1] : '';
        // Without Web Locks nothing can be known about other tabs: treat them as open (never adopt twice).
        var live = !held || tab === TAB_ID || held.has('bos-tab-' + tab);
        out.push({ key: key, value: localStorage.getItem(key) || '', live: live });
      }
    } catch (e) {}
    return out;
  }
  function withStorageLock(fn) {
    if (!locks) return Promise.resolve(fn(null));
    return locks.request('bos-storage', function () {
      return locks.query().then(function (state) {
        var held = new Set((state.held || []).map(function (l) { return l.name; }));
        return fn(held);
      });
    });
  }
  function adoptClosedTabs() {
    if (!locks || !Module._bos_adopt) return;
    withStorageLock(function (held) {
      var orphans = storedEntries(held).filter(function (e) { return !e.live; });
      if (orphans.length) withCString(function (p) { Module._bos_adopt(p); return 0; }, JSON.stringify(orphans));
    }).catch(function () {});
  }

  Module.bosBeginBoot = function () {
    function boot(held) {
      callWithTwoStrings(Module._bos_boot, TAB_ID, JSON.stringify(storedEntries(held)));
    }
    function bootHoldingTheLock() {
      try {
        boot(L.held);
      } finally {
        L.ready = false;
        if (L.release) L.release();
      }
    }
    if (!locks) {
      boot(null);
    } else if (L.ready) {
      bootHoldingTheLock();  // boot.js took the locks while the app downloaded: start now
    } else if (L.whenReady) {
      L.whenReady.then(function () {
        if (L.ready) bootHoldingTheLock();
        else withStorageLock(boot);
      });
    } else {
      withStorageLock(boot);
    }
    if (locks) {
      setInterval(adoptClosedTabs, ADOPT_EVERY_MS);
      document.addEventListener('visibilitychange', function () {
        if (document.visibilityState === 'visible') adoptClosedTabs();
      });
    }
  };

  // [SECTION] Accessible twins ----------------------------------------------------------------------
  // The canvas is out of reach of screen readers and keyboards, so real DOM controls stand in for what it
  // draws: the header menu (a button with aria-expanded and a role="menu"), the confirmation dialog, the
  // connection banner with "Tentar agora", the update banner with "Atualizar", the app's own question
  // ("Trocar para <nome>?", a role="alert"), the status line, and the newest messages in the role="log"
  // region, each named "<sender>, <time>, <state>: <text>" with its retry/delete buttons and its links.
  // What they show comes from the C++ (src/ui/page_twins.hpp) through Module.bosTwins, only what changed,
  // once per drawn frame; what they do goes back as the action code the C++ gave them (_bos_twin_act), so a
  // twin does what a tap on the canvas does (ui::request → App::apply). No text and no code is decided here.
  // They are out of sight until they hold the keyboard focus; then they show over the canvas (style.css).
  var twin = null;  // the elements, once set up
  function make(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function twinAct(action, seq, link) {
    if (Module._bos_twin_act) Module._bos_twin_act(action, seq || 0, link == null ? -1 : link);
  }

  // The menu: Enter or Space on the button opens it on its first item; Up/Down/Home/End and Tab move
  // through the items; Escape closes it and gives the focus back to the button, as leaving it does.
  function menuItems() { return Array.prototype.slice.call(twin.menu.querySelectorAll('[role="menuitem"]')); }
  function openMenu() {
    twin.panel.hidden = false;
    twin.button.setAttribute('aria-expanded', 'true');
    var items = menuItems();
    if (items.length) items[0].focus();
  }
  function closeMenu(refocus) {
    if (twin.panel.hidden) return;
    twin.panel.hidden = true;
    twin.button.setAttribute('aria-expanded', 'false');
    if (refocus) twin.button.focus();
  }
  function onMenuKey(e) {
    if (e.key === 'Escape' && !twin.panel.hidden) {
      e.preventDefault();
      closeMenu(true);
      return;
    }
    var items = menuItems();
    var i = items.indexOf(document.activeElement);
    if (i < 0) return;
    var to = e.key === 'ArrowDown' ? (i + 1) % items.length : e.key === 'ArrowUp' ? (i + items.length - 1) % items.length :
      e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : -1;
    if (to >= 0) {
      e.preventDefault();
      items[to].focus();
    }
  }
  // The question a menu item or a link asks first; `ok` does it (twinAct(action, seq, link)).
  function ask(question, cancel, ok, action, seq, link, back) {
    twin.question.textContent = question;
    twin.cancel.textContent = cancel;
    twin.ok.textContent = ok;
    twin.pending = { action: action, seq: seq || 0, link: link == null ? -1 : link };
    twin.back = back || twin.button;
    twin.dialog.showModal();
    twin.cancel.focus();  // the safe answer first
  }
  function chooseMenuItem(item) {
    if (item.confirm) {
      closeMenu(false);
      ask(item.confirm, item.cancel, item.label, item.action);
    } else {
      closeMenu(true);
      twinAct(item.action);
    }
  }
  function setMenu(menu) {
    twin.button.setAttribute('aria-label', menu.label);
    twin.button.title = menu.label;
    twin.about.textContent = menu.about;
    twin.who.textContent = menu.who || '';  // "Entrou como Apto 502" (issue 13)
    twin.who.hidden = !menu.who;
    // In place when the items are the same in number, so the focused one keeps the focus ("Texto maior"
    // becomes "Texto normal").
    var items = menuItems();
    if (items.length !== menu.items.length) {
      twin.menu.textContent = '';
      items = menu.items.map(function () {
        var b = make('button', { type: 'button', role: 'menuitem', 'class': 'twin-menuitem' });
        twin.menu.appendChild(b);
        return b;
      });
    }
    menu.items.forEach(function (item, i) {
      items[i].textContent = item.label;
      items[i].bosItem = item;
    });
  }
  // A line with its buttons, rebuilt only when it changed: the connection banner and the update banner
  // ({text, action, label}: one button), and the app's own question ({text, no, yes}: the safe answer first).
  function setNotice(el, notice) {
    var key = notice ? JSON.stringify(notice) : '';
    if (el.bosKey === key) return;
    el.bosKey = key;
    el.textContent = '';
    if (!notice) return;
    el.appendChild(make('p', {}, notice.text));
    var answers = notice.yes ? [notice.no, notice.yes] : [notice];
    answers.forEach(function (a, i) {
      var b = make('button', { type: 'button', 'class': i === answers.length - 1 ? 'twin-primary' : '' }, a.label);
      b.addEventListener('click', function () { twinAct(a.action); });
      el.appendChild(b);
    });
  }

  // One message of the log: an <article> named by its first paragraph, then its links and its actions.
  function makeItem(m, shape) {
    var item = make('article', { id: 'bos-m-' + m.seq, tabindex: '-1', 'aria-labelledby': 'bos-m-' + m.seq + '-name' });
    item.bosSeq = m.seq;
    item.bosShape = shape;
    var p = make('p', { id: 'bos-m-' + m.seq + '-name' });
    item.bosName = document.createTextNode(m.name);
    p.appendChild(item.bosName);
    item.appendChild(p);
    m.links.forEach(function (l, i) {
      var a = make('a', { href: l.href, target: '_blank', rel: 'noopener noreferrer', 'data-action': String(l.action),
        'data-link': String(i) }, l.label);
      a.bosAsk = l.confirm ? l : null;
      item.appendChild(a);
    });
    m.actions.forEach(function (a, i) {
      var b = make('button', { type: 'button', 'data-action': String(a.action), 'class': i ? '' : 'twin-primary' }, a.label);
      b.bosAsk = a.confirm ? a : null;
      item.appendChild(b);
    });
    return item;
  }
  function putItem(m, appended) {
    var shape = JSON.stringify([m.actions, m.links]);
    var old = twin.items.get(m.seq);
    if (old && old.bosShape === shape) {
      old.bosName.data = m.name;  // a text change only: the log announces additions, not every tick
      return;
    }
    var item = makeItem(m, shape);
    // A message that failed (or was sent again) is a new node, so the live region reads it with its buttons.
    if (old) twin.log.replaceChild(item, old);
    else appended.appendChild(item);
    twin.items.set(m.seq, item);
  }
  function onLogClick(e) {
    var t = e.target && e.target.closest ? e.target.closest('[data-action]') : null;
    var item = t && t.closest('article');
    if (!t || !item) return;
    e.preventDefault();  // a link opens through the app, as a tap on its chip does
    var link = t.hasAttribute('data-link') ? +t.getAttribute('data-link') : -1;
    var q = t.bosAsk;
    // Asked first, as on the canvas: "Abrir site externo? <host>" (issue 13), "Reenviar" on a message that
    // may have arrived (issue 12).
    if (q) ask(q.confirm, q.cancel, q.ok, +t.getAttribute('data-action'), item.bosSeq, link, t);
    else twinAct(+t.getAttribute('data-action'), item.bosSeq, link);
  }

  // Where the focus goes when the element holding it goes away (a retried, deleted or cleared message, the
  // banner after "Tentar agora"): its message, else a neighbour, else the composer. Never lost on <body>.
  function focusSpot() {
    var a = document.activeElement;
    if (!a || a === document.body) return null;
    var item = twin.log.contains(a) ? a.closest('article') : null;
    if (item) return { item: item, next: item.nextElementSibling, prev: item.previousElementSibling };
    if (twin.banner.contains(a) || twin.update.contains(a) || twin.ask.contains(a)) return {};
    return null;
  }
  function restoreFocus(spot) {
    var a = document.activeElement;
    if (!spot || (a && a !== document.body && document.contains(a))) return;
    var kept = spot.item && twin.items.get(spot.item.bosSeq);
    var to = [kept, spot.next, spot.prev, input].filter(function (e) { return e && e.isConnected; })[0];
    if (to) to.focus();
  }

  Module.bosTwins = function (u) {
    if (!twin) return;
    var spot = focusSpot();
    if (u.controls) {
      setMenu(u.controls.menu);
      if (twin.status.textContent !== u.controls.status) twin.status.textContent = u.controls.status;
      setNotice(twin.banner, u.controls.banner);
      setNotice(twin.update, u.controls.update);
      setNotice(twin.ask, u.controls.question);
    }
    if (u.reset) {
      twin.items.forEach(function (e) { e.remove(); });
      twin.items.clear();
    }
    (u.remove || []).forEach(function (seq) {
      var e = twin.items.get(seq);
      if (e) e.remove();
      twin.items.delete(seq);
    });
    var appended = document.createDocumentFragment();
    (u.put || []).forEach(function (m) { putItem(m, appended); });
    twin.log.appendChild(appended);  // new messages come after every shown one (page_twins.hpp)
    restoreFocus(spot);
  };

  function setupTwins() {
    var app = document.getElementById('app');
    var log = document.getElementById('bos-log');
    if (!app || !log) return;
    var box = make('div', { id: 'bos-twins' });
    var button = make('button', { id: 'bos-menu-button', type: 'button', 'class': 'twin-menu-button', 'aria-haspopup': 'menu',
      'aria-expanded': 'false', 'aria-controls': 'bos-menu' });
    button.appendChild(make('span', { 'aria-hidden': 'true' }, '\u22EE'));
    var panel = make('div', { id: 'bos-menu-panel', 'class': 'twin-menu-panel' });
    panel.hidden = true;
    var menu = make('div', { id: 'bos-menu', role: 'menu', 'aria-labelledby': 'bos-menu-button' });
    var about = make('p', { 'class': 'twin-about' });
    var who = make('p', { 'class': 'twin-about' });
    who.hidden = true;
    panel.appendChild(who);
    panel.appendChild(menu);
    panel.appendChild(about);
    var banner = make('div', { id: 'bos-banner', 'class': 'twin-banner', role: 'status' });
    var update = make('div', { id: 'bos-update', 'class': 'twin-banner', role: 'status' });
    var ask = make('div', { id: 'bos-question', 'class': 'twin-banner', role: 'alert' });  // read out as it comes
    var status = make('p', { id: 'bos-status', 'class': 'visually-hidden' });
    var dialog = make('dialog', { id: 'bos-confirm', 'class': 'twin-dialog', role: 'alertdialog', 'aria-labelledby': 'bos-confirm-text' });
    var question = make('p', { id: 'bos-confirm-text' });
    var answers = make('div', { 'class': 'twin-dialog-answers' });
    var cancel = make('button', { type: 'button' });
    var ok = make('button', { type: 'button', 'class': 'twin-danger' });
    answers.appendChild(cancel);
    answers.appendChild(ok);
    dialog.appendChild(question);
    dialog.appendChild(answers);
    [ask, button, panel, update, banner, status, dialog].forEach(function (e) { box.appendChild(e); });
    app.insertBefore(box, log);  // after the composer: the focus order starts there
    twin = { button: button, panel: panel, menu: menu, about: about, banner: banner, update: update, ask: ask,
      status: status, dialog: dialog,
      question: question, cancel: cancel, ok: ok, pending: null, back: null, who: who, log: log, items: new Map() };

    button.addEventListener('click', function () {
      if (panel.hidden) openMenu();
      else closeMenu(false);
    });
    box.addEventListener('keydown', onMenuKey);
    menu.addEventListener('click', function (e) {
      var b = e.target && e.target.closest ? e.target.closest('[role="menuitem"]') : null;
      if (b && b.bosItem) chooseMenuItem(b.bosItem);
    });
    // Leaving the menu (Tab past its last item, a click elsewhere) closes it.
    [button, panel].forEach(function (e) {
      e.addEventListener('focusout', function (ev) {
        var to = ev.relatedTarget;
        if (!to || (!panel.contains(to) && to !== button)) closeMenu(false);
      });
    });
    cancel.addEventListener('click', function () { dialog.close(); });
    ok.addEventListener('click', function () {
      var p = twin.pending;
      dialog.close();
      if (p) twinAct(p.action, p.seq, p.link);
    });
    // Escape (the dialog's own cancel), either answer: the focus goes back to where the question came from.
    dialog.addEventListener('close', function () {
      var back = twin.back && twin.back.isConnected ? twin.back : button;
      twin.pending = null;
      twin.back = null;
      back.focus();
    });
    log.addEventListener('click', onLogClick);
  }

  // [SECTION] Test hooks ----------------------------------------------------------------------------
  // For the e2e tests (docs/testing.md): where the last frame drew what a resident taps or sees, in CSS px
  // of the viewport, and how many frames were drawn. Read-only: the app records them every frame whether
  // or not anyone asks, so reading them cannot change what it does. Not part of the automation contract.
  function testHooks() {
    function layout() {
      var l = JSON.parse(UTF8ToString(Module._bos_test_layout()));
      var c = Module.canvas && Module.canvas.getBoundingClientRect ? Module.canvas.getBoundingClientRect() : { left: 0, top: 0 };
      l.rects.forEach(function (r) {
        r.x += c.left;
        r.y += c.top;
        r.full[0] += c.left;
        r.full[1] += c.top;
      });
      return l;
    }
    return Object.freeze({
      layout: layout,
      // The rectangles of one kind ("bubble", "retry", "menu_item", ...; see src/ui/chat_view.hpp HitRect).
      hitRects: function (kind) {
        return layout().rects.filter(function (r) { return !kind || r.kind === kind; });
      },
      framesDrawn: function () { return Module._bos_test_frames_drawn(); }
    });
  }

  // [SECTION] Identity ------------------------------------------------------------------------------
  // Called by WebPort when the app decided (src/app/app.cpp, issue 13). boot.js owns the screens and the
  // BroadcastChannel "bos-identity" the tabs of this origin talk on.
  var B = window.BOSBoot || {};
  var channel = B.channel || null;
  var HISTORY_KEY = new RegExp(F.storage.history);
  function reloadWithoutFragment() { location.replace(location.pathname + location.search); }
  var removeOurKeys = B.removeOurKeys;  // boot.js's: every bos.* key of every resident
  Module.bosRemoveFragment = function () {
    try { history.replaceState(history.state, '', location.pathname + location.search); } catch (e) {}
  };
  Module.bosShowAuth = function (kind) { if (B.showAuth) B.showAuth(kind, null); };
  Module.bosSignOutDevice = function () {
    if (B.signOutDevice) B.signOutDevice();
    else { removeOurKeys(); reloadWithoutFragment(); }
  };
  Module.bosReload = reloadWithoutFragment;
  Module.bosClearEverywhere = function (user) {
    try { if (channel) channel.postMessage({ type: 'clear-history', user: user }); } catch (e) {}
    // Closed tabs' histories of this resident go too (their outboxes stay: undelivered messages are kept).
    withStorageLock(function (held) {
      storedEntries(held).forEach(function (e) {
        var m = HISTORY_KEY.exec(e.key);
        if (m && m[1] === user && !e.live) { try { localStorage.removeItem(e.key); } catch (x) {} }
      });
    }).catch(function () {});
  };
  function signedOutElsewhere() {
    if (Module._bos_identity_event) Module._bos_identity_event(0);  // the app stops and writes nothing more
    removeOurKeys();  // whatever it wrote between the other tab's sign-out and this message
    reloadWithoutFragment();
  }
  function listenToOtherTabs() {
    if (channel) {
      channel.addEventListener('message', function (e) {
        var m = e.data || {};
        if (m.type === 'signed-out') signedOutElsewhere();
        else if (m.type === 'clear-history' && window.BuildingOS && m.user === window.BuildingOS.state().userId) {
          Module._bos_identity_event(1);
        }
      });
    }
    // A link opened into this tab (only the fragment changed: no page load): start again with it.
    window.addEventListener('hashchange', function () {
      if (new RegExp('[#&]' + F.token.fragmentParam + '=').test(location.hash)) location.reload();
    });
    // Without BroadcastChannel: the identity key disappearing means another tab signed out.
    window.addEventListener('storage', function (e) {
      if (e.key === F.storage.identity && e.newValue === null && !channel) signedOutElsewhere();
    });
  }

  // [SECTION] Ready ---------------------------------------------------------------------------------
  // `lang`: the app's language ("pt" or "en", src/app/boot_config.cpp language_from), so the composer
  // speaks the same language as the chat.
  Module.bosShellReady = function (version, lang) {
    T = F.strings[lang] || F.strings.pt;
    var api = {
      state: function () { return JSON.parse(UTF8ToString(Module._bos_api_state())); },
      messages: function () { return JSON.parse(UTF8ToString(Module._bos_api_messages())); },
      send: function (text) {
        return JSON.parse(withCString(Module._bos_api_send, text == null ? '' : String(text)));
      },
      reconnect: function () { Module._bos_api_reconnect(); },
      disconnect: function () { Module._bos_api_disconnect(); },
      // "Sair deste aparelho" without the question: {ok, undelivered} (the messages that were not delivered).
      signOut: function () { return JSON.parse(UTF8ToString(Module._bos_api_sign_out())); },
      version: version
    };
    // Not enumerable: Object.keys(BuildingOS) stays the contract's list.
    Object.defineProperty(api, '__test', { value: testHooks() });
    Object.freeze(api);
    try {
      Object.defineProperty(window, 'BuildingOS', { value: api, enumerable: true });
    } catch (e) {
      window.BuildingOS = api;
    }
    window.BOSShell = { wake: function () { if (Module._bos_wake) Module._bos_wake(); } };

    setupComposer();
    setupTwins();
    listenToOtherTabs();
    pushEnv();
    window.addEventListener('resize', pushEnv);
    if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener('change', pushEnv);
    window.addEventListener('online', function () { Module._bos_page_event(2); });
    window.addEventListener('offline', function () { Module._bos_page_event(3); });
    if (navigator.onLine === false) Module._bos_page_event(3);  // opened offline (from the offline shell)
    // The offline shell (boot.js): a new build ready, or taken by another tab.
    var B = window.BOSBoot;
    if (B && B.updates) B.updates.listen(function (kind) { Module._bos_update_event(kind === 'ready' ? 0 : 1); });
    window.addEventListener('pageshow', function () { Module._bos_page_event(1); });
    window.addEventListener('pagehide', function () { Module._bos_page_event(0); });
    document.addEventListener('freeze', function () { Module._bos_page_event(0); });
    document.addEventListener('resume', function () { Module._bos_page_event(1); });
    window.dispatchEvent(new CustomEvent('buildingos:ready', { detail: api.state() }));
  };
})();
