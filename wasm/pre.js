/* pre.js (--pre-js): the page side of the platform layer, bundled into app.js.
   - window.BuildingOS: the automation API (state, messages, send, reconnect, disconnect, version)
   - the DOM composer: a real <textarea> over the strip the ImGui layout reserves, so the phone keyboard,
     accents, IME, autocorrect, dictation and paste all work; Enter sends, Shift+Enter makes a new line
   - page events (pagehide/pageshow, online/offline, freeze/resume) and page facts (time zone, safe-area
     insets, colour scheme, notification permission) passed to the app
   JS never holds a pointer into the app: it calls the exported C functions in wasm/exports.cpp. */
(function () {
  'use strict';
  var MAX_CODEPOINTS = 4000;
  var COUNTER_FROM = 3500;

  function lang() {
    var l = (navigator.languages && navigator.languages[0]) || navigator.language || 'pt-BR';
    return /^pt\b/i.test(l) ? 'pt' : 'en';
  }
  var T = lang() === 'pt' ? {
    placeholder: 'Escreva sua mensagem...',
    label: 'Mensagem',
    send: 'Enviar',
    empty: 'Escreva uma mensagem antes de enviar.',
    too_long: 'Mensagem longa demais (máximo de 4.000 caracteres).',
    queue_full: 'Muitas mensagens aguardando envio. Aguarde a conexão voltar.',
    log: 'Mensagens'
  } : {
    placeholder: 'Type your message...',
    label: 'Message',
    send: 'Send',
    empty: 'Type a message before sending.',
    too_long: 'Message too long (4,000 characters at most).',
    queue_full: 'Too many messages waiting to be sent. Please wait for the connection to come back.',
    log: 'Messages'
  };

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

  // --- page facts ----------------------------------------------------------------------------------
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
    return { 'default': 1, granted: 2, denied: 3 }[Notification.permission] || 0;
  }
  function pushEnv() {
    if (!Module._bos_set_env) return;
    var s = safeAreaInsets();
    var dark = darkQuery ? (darkQuery.matches ? 1 : 0) : 1;
    Module._bos_set_env(-new Date().getTimezoneOffset(), s[0], s[1], s[2], s[3], dark, notificationState());
  }

  // --- composer ------------------------------------------------------------------------------------
  var form, input, sendButton, counter, errorShown = false, composing = false;

  function reportHeight() {
    if (form && !form.hidden && Module._bos_composer_height) Module._bos_composer_height(form.offsetHeight);
  }
  function autosize() {
    input.style.height = 'auto';
    var vh = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    var max = Math.max(64, Math.min(200, vh * 0.35));
    input.style.height = Math.min(input.scrollHeight + 2, max) + 'px';
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
    if (n >= COUNTER_FROM) showNote(n.toLocaleString(lang() === 'pt' ? 'pt-BR' : 'en') + ' / ' +
                                    MAX_CODEPOINTS.toLocaleString(lang() === 'pt' ? 'pt-BR' : 'en'), over);
    else if (!errorShown) showNote('', false);
  }
  function submit() {
    var r = window.BuildingOS.send(input.value);
    if (r.ok) {
      input.value = '';
      errorShown = false;
      showNote('', false);
      autosize();
      updateCounter();
    } else {
      showNote(T[r.error] || r.error, true);
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
    });
    input.addEventListener('keydown', function (e) {
      // Enter sends, Shift+Enter is a new line; never while an IME composition is open (keyCode 229).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !composing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    input.addEventListener('blur', function () { Module._bos_composer_blur(); });
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

  // --- tabs: each tab writes only its own storage keys; what closed tabs left is taken over ----------
  // Every tab holds the Web Lock "bos-tab-<id>" while it lives (released by the browser when it closes or
  // crashes), so "is that tab still open?" has an exact answer. Taking over happens under the exclusive
  // lock "bos-storage", so two tabs never adopt the same messages.
  var L = Module.bosLocks || { tabId: 'tab' + Date.now().toString(36), ready: false };
  var TAB_ID = L.tabId;
  var locks = navigator.locks && navigator.locks.request ? navigator.locks : null;

  function storedEntries(held) {
    var out = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (!/^bos\.v1\.(outbox|history)\//.test(key)) continue;
        var m = /\/([a-z0-9]{1,32})$/.exec(key);
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
  function callWithTwoStrings(fn, a, b) {
    var na = lengthBytesUTF8(a) + 1, nb = lengthBytesUTF8(b) + 1;
    var pa = _malloc(na), pb = _malloc(nb);
    stringToUTF8(a, pa, na);
    stringToUTF8(b, pb, nb);
    try { fn(pa, pb); } finally { _free(pa); _free(pb); }
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
      setInterval(adoptClosedTabs, 30000);
      document.addEventListener('visibilitychange', function () {
        if (document.visibilityState === 'visible') adoptClosedTabs();
      });
    }
  };

  // --- ready: the automation API ---------------------------------------------------------------------
  Module.bosShellReady = function (version) {
    var api = {
      state: function () { return JSON.parse(UTF8ToString(Module._bos_api_state())); },
      messages: function () { return JSON.parse(UTF8ToString(Module._bos_api_messages())); },
      send: function (text) {
        return JSON.parse(withCString(Module._bos_api_send, text == null ? '' : String(text)));
      },
      reconnect: function () { Module._bos_api_reconnect(); },
      disconnect: function () { Module._bos_api_disconnect(); },
      version: version
    };
    Object.freeze(api);
    try {
      Object.defineProperty(window, 'BuildingOS', { value: api, enumerable: true });
    } catch (e) {
      window.BuildingOS = api;
    }
    window.BOSShell = { wake: function () { if (Module._bos_wake) Module._bos_wake(); } };

    setupComposer();
    pushEnv();
    window.addEventListener('resize', pushEnv);
    if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener('change', pushEnv);
    window.addEventListener('online', function () { Module._bos_page_event(2); });
    window.addEventListener('offline', function () { Module._bos_page_event(3); });
    window.addEventListener('pageshow', function () { Module._bos_page_event(1); });
    window.addEventListener('pagehide', function () { Module._bos_page_event(0); });
    document.addEventListener('freeze', function () { Module._bos_page_event(0); });
    document.addEventListener('resume', function () { Module._bos_page_event(1); });
    window.dispatchEvent(new CustomEvent('buildingos:ready', { detail: api.state() }));
  };
})();
