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
  function submit() {
    var r = window.BuildingOS.send(input.value);
    if (r.ok) {
      input.value = '';
      errorShown = false;
      showNote('', false);
      autosize();
      updateCounter();
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
