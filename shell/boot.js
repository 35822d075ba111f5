/* boot.js: the page's first script. Plain ES5 on purpose: a browser below the support floor must still
   run it and show a readable message instead of a blank page.
   - checks the support floor (WebAssembly, WebGL2, Chrome/Edge 97, Firefox 102, Safari 16: BOSFacts.supportFloor), by user agent and by feature
   - downloads app.wasm with a progress bar, and the fonts in parallel
   - loads app.js (Emscripten) and explains any failure (download, WebGL, crash) with a retry button
   - keeps --vvh equal to the visual viewport, so the phone keyboard never covers the composer
   - registers the offline shell (sw.js) once the chat is on screen, and tells the app when a new build
     is ready (BOSBoot.updates; the app decides when to load it: never while the resident is typing)
   - identity (issue 13), before anything of the app is downloaded: a token in the fragment (#t=) or in
     bos.v1.identity that is expired or unreadable shows the "expired" screen; no token while /config.json
     says "auth":"required" shows the "enrol" screen. Neither downloads app.wasm. The rule is
     src/core/token.hpp's, as shell/token.js (in front of this file); the app re-checks it in full.
   - "Sair deste aparelho" (BOSBoot.signOutDevice): every bos.* key goes, and the other tabs are told
   The wasm side talks to the page through window.BOSShell (shell.js), never through inline script.
   Its texts, language rule and support floor come from window.BOSFacts, which the build generates from the
   C++ (src/app/page_facts.cpp) and puts in front of this file: they work before, and without, the wasm.

 * Index
 *   [SECTION] support floor       features, then the browser's version; a readable message otherwise
 *   [SECTION] visual viewport     --vvh
 *   [SECTION] identity            decided before anything of the app is downloaded (#t=, enrol, expired)
 *   [SECTION] downloads           app.wasm (streaming, with progress), fonts, the config
 *   [SECTION] tabs                Web Locks taken while the app downloads
 *   [SECTION] offline shell       sw.js registered after the first frame; BOSBoot.updates for the app
     then Module (Emscripten's hooks), window.BOSBoot and app.js */
(function () {
  'use strict';
  var F = window.BOSFacts;
  if (!F) throw new Error('[boot] window.BOSFacts is missing: serve the built site (dist/), not shell/');
  var boot = document.getElementById('bos-boot');
  var lang = (navigator.languages && navigator.languages[0]) || navigator.language || F.language.fallback;
  var pt = new RegExp(F.language.portuguese, 'i').test(lang);  // the app's rule (boot_config language_from)
  var T = F.strings[pt ? 'pt' : 'en'];
  if (!pt) document.documentElement.lang = T.locale;

  var bootEl = document.getElementById('boot');
  var textEl = document.getElementById('boot-text');
  var barEl = document.getElementById('boot-bar');
  var fillEl = document.getElementById('boot-bar-fill');
  var retryEl = document.getElementById('boot-retry');
  textEl.textContent = T.loading;

  function progress(fraction) {
    var pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
    fillEl.style.width = pct + '%';
    barEl.setAttribute('aria-valuenow', String(pct));
  }

  var failed = false;
  function fail(message, buttonText, onClick, detail) {
    if (failed) return;
    failed = true;
    if (detail && window.console) console.error('[boot]', detail);
    bootEl.hidden = false;
    bootEl.className = 'boot error';
    textEl.textContent = message;
    retryEl.textContent = buttonText || T.retry;
    retryEl.hidden = false;
    retryEl.onclick = onClick || function () { location.reload(); };
    var app = document.getElementById('app');
    if (app) app.setAttribute('aria-hidden', 'true');
    window.dispatchEvent(new CustomEvent('buildingos:error', { detail: { message: message, detail: String(detail || '') } }));
  }

  // [SECTION] support floor -----------------------------------------------------------------------
  var FLOOR = F.supportFloor;
  function browserTooOld(ua) {
    var m;
    if ((m = /Firefox\/(\d+)/.exec(ua))) return +m[1] < FLOOR.firefox;
    if ((m = /(?:Chrome|Chromium|CriOS|Edg|EdgA|EdgiOS)\/(\d+)/.exec(ua)) && !/iPhone|iPad|iPod/.test(ua)) return +m[1] < FLOOR.chrome;
    if (/iPhone|iPad|iPod/.test(ua) && (m = /OS (\d+)_/.exec(ua))) return +m[1] < FLOOR.safari;
    if (/Safari\//.test(ua) && (m = /Version\/(\d+)/.exec(ua))) return +m[1] < FLOOR.safari;
    return false;  // unknown engines are judged by their features alone
  }
  // The floor by feature too: a user agent can claim any version (privacy add-ons, "desktop site", old
  // builds with a copied string). Each is the first version of its engine with the feature, so a browser
  // without it is below the floor whatever it says (MDN browser-compat-data): Chrome/Edge 97
  // Array.prototype.findLast, Firefox 102 TransformStream, Safari 16 AbortSignal.timeout.
  var FLOOR_FEATURES = {
    chrome: function () { return typeof Array.prototype.findLast === 'function'; },
    firefox: function () { return typeof window.TransformStream === 'function'; },
    safari: function () { return typeof window.AbortSignal === 'function' && typeof window.AbortSignal.timeout === 'function'; }
  };
  function engineOf(ua) {
    if (/iPhone|iPad|iPod/.test(ua)) return 'safari';  // every browser on iOS is WebKit
    if (/Firefox\//.test(ua)) return 'firefox';
    if (/Chrome|Chromium|Edg\//.test(ua)) return 'chrome';
    if (/Safari\//.test(ua)) return 'safari';
    return '';
  }
  function belowFloorByFeature(ua) {
    var engine = engineOf(ua);
    return !!engine && !FLOOR_FEATURES[engine]();
  }
  // Only the API's presence: creating a probe context costs up to a second on software GL, before any
  // download could start. A device that has the API but cannot create a context is told by the app.
  function hasWebGL2() {
    return typeof window.WebGL2RenderingContext === 'function';
  }
  var hasWasm = typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
  var hasApis = typeof fetch === 'function' && typeof Promise === 'function' && typeof TextDecoder === 'function' &&
    typeof WebSocket === 'function';
  if (!hasWasm || !hasApis) {
    fail(T.unsupported, T.reload);
    return;
  }
  if (!hasWebGL2()) {
    fail(T.webgl, T.reload);
    return;
  }
  if ((browserTooOld(navigator.userAgent) || belowFloorByFeature(navigator.userAgent)) && !/[?&]force=1/.test(location.search)) {
    fail(T.old, T.anyway, function () {
      location.search = (location.search ? location.search + '&' : '?') + 'force=1';
    });
    return;
  }

  // [SECTION] visual viewport ---------------------------------------------------------------------
  // The composer stays above the phone keyboard.
  function syncViewport() {
    var h = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    document.documentElement.style.setProperty('--vvh', Math.round(h) + 'px');
    if (window.BOSShell && window.BOSShell.wake) window.BOSShell.wake();
  }
  if (window.visualViewport) window.visualViewport.addEventListener('resize', syncViewport);
  window.addEventListener('resize', syncViewport);
  syncViewport();

  // [SECTION] identity ----------------------------------------------------------------------------
  // Decided before anything of the app is downloaded.
  var TOKEN_PARAM = F.token.fragmentParam;
  var channel = null;
  try { if (typeof BroadcastChannel === 'function') channel = new BroadcastChannel('bos-identity'); } catch (e) {}
  function fragmentParam(name) {
    // The app's rule (boot_config hash_param): '#', then key=value pairs joined by '&', percent-decoded.
    var h = location.hash.replace(/^#/, '');
    if (h.length > 8192) return null;
    var parts = h ? h.split('&') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      var key = eq < 0 ? parts[i] : parts[i].slice(0, eq);
      if (key !== name) continue;
      try { return eq < 0 ? '' : decodeURIComponent(parts[i].slice(eq + 1).replace(/\+/g, ' ')); } catch (e) { return ''; }
    }
    return null;
  }
  function storedIdentity() {
    try {
      var v = JSON.parse(localStorage.getItem(F.storage.identity) || 'null');
      return v && typeof v === 'object' ? v : null;
    } catch (e) { return null; }
  }
  function removeFragment() {
    try { history.replaceState(history.state, '', location.pathname + location.search); } catch (e) {}
  }
  // Every key of ours, from every resident (pre.js's sign-out uses it too, through BOSBoot).
  function removeOurKeys() {
    try {
      var keys = [];
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        if (k && k.indexOf(F.storage.prefix) === 0) keys.push(k);
      }
      for (var j = 0; j < keys.length; j++) localStorage.removeItem(keys[j]);
    } catch (e) {}
  }
  // Every key of ours, and the other open tabs told (they sign out too).
  function signOutDevice() {
    removeOurKeys();
    try { if (channel) channel.postMessage({ type: 'signed-out' }); } catch (e) {}
    location.replace(location.pathname + location.search);
  }
  var authShown = null;
  // The enrol or expired screen: DOM, no wasm. window.BuildingOS answers honestly if the app never ran.
  function showAuth(kind, claims) {
    authShown = kind;
    bootEl.hidden = false;
    bootEl.className = 'boot auth';
    bootEl.setAttribute('data-auth', kind);
    textEl.textContent = T[kind];
    barEl.hidden = true;
    retryEl.hidden = true;
    var app = document.getElementById('app');
    if (app) app.setAttribute('aria-hidden', 'true');
    // No app will boot here: other tabs must not wait for this one's storage lock.
    if (locks && locks.release) { locks.ready = false; locks.release(); }
    if (!window.BuildingOS) {
      var api = {
        state: function () {
          return { status: 'idle', attempts: 0, queued: 0, connectionId: null, userId: '', sessionId: '',
                   statusText: T[kind], endpoint: '', reconnectAttempt: 0, agentTyping: false, auth: kind,
                   residentLabel: claims ? claims.name : '' };
        },
        messages: function () { return []; },
        send: function () { return { ok: false, error: 'not_signed_in' }; },
        reconnect: function () {},
        disconnect: function () {},
        signOut: function () { signOutDevice(); return { ok: true, undelivered: 0 }; },
        version: ''
      };
      Object.freeze(api);
      window.BuildingOS = api;
    }
    window.dispatchEvent(new CustomEvent('buildingos:auth', { detail: { auth: kind } }));
  }
  var nowS = Math.floor(Date.now() / 1000);
  var linkToken = fragmentParam(TOKEN_PARAM);
  var saved = storedIdentity();
  var savedToken = saved && typeof saved.token === 'string' && saved.token ? saved.token : null;
  var tokenVerdict = null;  // of the token the app will use; null: none
  if (linkToken !== null) {
    tokenVerdict = window.BOSToken.read(linkToken, nowS);
    if (tokenVerdict.status !== 'usable') removeFragment();  // useless, and a bearer credential
  } else if (savedToken) {
    tokenVerdict = window.BOSToken.read(savedToken, nowS);
    if (tokenVerdict.status === 'usable' && tokenVerdict.claims.sub !== saved.user_id) tokenVerdict = { status: 'malformed' };
  }
  if (tokenVerdict && tokenVerdict.status !== 'usable') {
    showAuth('expired', tokenVerdict.claims);
    window.BOSBoot = { strings: T, portuguese: pt, fail: fail, showAuth: showAuth, signOutDevice: signOutDevice,
                       done: function () {}, webglFailed: function () {} };
    return;
  }

  // The endpoint. A deployed page names its own config (data-config="config.<hash>.json", immutable: the
  // deploy writes it with the CSP that allows that endpoint, in this same page, so the two always agree,
  // and a repeat visit takes it from the cache). Without the attribute (the local build, older deploys):
  // /config.json, which the deploy keeps writing and the dev server answers with itself.
  // If the named file cannot be read, /config.json is the next best answer.
  var configUrl = boot.getAttribute('data-config');
  function fetchConfig(url, cacheMode) {
    return fetch(url, { credentials: 'same-origin', cache: cacheMode }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.text();
    });
  }
  var configPromise = (configUrl ? fetchConfig(configUrl, 'default').catch(function () {
    return fetchConfig('config.json', 'no-store');
  }) : fetchConfig('config.json', 'no-store')).catch(function () { return ''; });
  function authRequired(text) {
    try { var c = JSON.parse(text); return !!c && c.auth === 'required'; } catch (e) { return false; }
  }

  // [SECTION] downloads ---------------------------------------------------------------------------
  var wasmUrl = boot.getAttribute('data-wasm');
  var wasmBytes = parseInt(boot.getAttribute('data-wasm-bytes'), 10) || 0;
  var fontUrls = [boot.getAttribute('data-font'), boot.getAttribute('data-font-bold')];

  function fetchChecked(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r;
    });
  }
  // The wasm is compiled while it downloads (instantiateStreaming), and the bytes are counted on the
  // way for the progress bar. Browsers without streams get the plain path.
  function fetchWithProgress(url, expected, onProgress) {
    return fetchChecked(url).then(function (r) {
      var streaming = typeof WebAssembly.instantiateStreaming === 'function' && typeof ReadableStream === 'function';
      if (!r.body || !r.body.getReader || !expected || !streaming) return r;
      var reader = r.body.getReader();
      var received = 0;
      var counted = new ReadableStream({
        pull: function (controller) {
          return reader.read().then(function (step) {
            if (step.done) { controller.close(); return; }
            received += step.value.length;
            onProgress(received / expected);
            controller.enqueue(step.value);
          });
        }
      });
      return new Response(counted, { headers: { 'Content-Type': 'application/wasm' } });
    });
  }

  // With a token the app starts downloading at once; without one, only once config.json says auth is not
  // required (the enrol screen must not cost the resident the app's download).
  var appAllowed = tokenVerdict ? Promise.resolve(true) : configPromise.then(function (text) {
    if (!authRequired(text)) return true;
    showAuth('enrol', null);
    return false;
  });
  var wasmPromise = appAllowed.then(function (ok) {
    return ok ? fetchWithProgress(wasmUrl, wasmBytes, function (f) { progress(0.05 + 0.85 * f); }) : new Promise(function () {});
  });
  // Fonts are optional: without them the app falls back to Dear ImGui's built-in font.
  var fontPromises = fontUrls.map(function (u) {
    return appAllowed.then(function (ok) {
      if (!ok || !u) return null;
      return fetchChecked(u).then(function (r) { return r.arrayBuffer(); }).catch(function (e) {
        if (window.console) console.warn('[boot] font unavailable, using the built-in font:', e);
        return null;
      });
    });
  });
  progress(0.05);

  // [SECTION] tabs --------------------------------------------------------------------------------
  // Web Locks taken now, while the app downloads, so it can start at once.
  // Each tab holds "bos-tab-<id>" for its life; the app reads what other tabs stored under the lock
  // "bos-storage", held from here until the app has booted (see wasm/pre.js).
  var tabId = (function () {
    var a = new Uint32Array(2);
    try { crypto.getRandomValues(a); } catch (e) { a[0] = Math.random() * 4294967296; a[1] = Date.now(); }
    return (a[0].toString(36) + a[1].toString(36)).slice(0, 16);
  })();
  var locks = { tabId: tabId, ready: false, held: null, release: null, whenReady: null };
  if (navigator.locks && navigator.locks.request && navigator.locks.query) {
    locks.whenReady = new Promise(function (readyResolve) {
      var tabHeld = new Promise(function (resolve) {
        navigator.locks.request('bos-tab-' + tabId, function () {
          resolve();
          return new Promise(function () {});  // held for the life of the page
        }).catch(function () {});
      });
      tabHeld.then(function () {
        return navigator.locks.request('bos-storage', function () {
          return navigator.locks.query().then(function (state) {
            locks.held = new Set((state.held || []).map(function (l) { return l.name; }));
            locks.ready = true;
            var released = new Promise(function (resolve) { locks.release = resolve; });
            readyResolve();
            if (authShown) { locks.ready = false; locks.release(); }  // the enrol screen boots no app
            // Never block the other tabs for long if this page fails to start.
            setTimeout(function () { locks.ready = false; locks.release(); }, 30000);
            return released;
          });
        });
      }).catch(function () { readyResolve(); });
    });
  }

  // [SECTION] offline shell -----------------------------------------------------------------------
  // The service worker.
  // Only where browsers allow it (a secure context: https, or http on loopback); elsewhere the page works
  // as it always did, from the network. Registered after the first frame, so the first visit's bandwidth
  // goes to the app (the worker then finds the hashed files in the HTTP cache).
  // Events for the app (pre.js wires them to bos_update_event): 'ready' (a new build is installed and
  // waiting), 'activated' (another tab accepted it: this tab now runs under the new worker).
  var UPDATE_CHECK_MS = 30 * 60 * 1000;  // an open tab looks for a new deploy this often (and when shown)
  var updates = {
    supported: !!(navigator.serviceWorker && window.isSecureContext),
    registration: null,
    listener: null,
    pending: [],
    accepting: false,
    emit: function (kind) {
      if (updates.listener) updates.listener(kind);
      else updates.pending.push(kind);
    },
    listen: function (fn) {
      updates.listener = fn;
      var p = updates.pending;
      updates.pending = [];
      for (var i = 0; i < p.length; i++) fn(p[i]);
    },
    // The app decided: the new build now. The waiting worker takes over, and the reload follows its
    // controllerchange; without one (it already took over from another tab) a reload is all it takes.
    load: function () {
      var reg = updates.registration;
      updates.accepting = true;
      if (reg && reg.waiting) {
        reg.waiting.postMessage({ type: 'bos-skip-waiting' });
        setTimeout(function () { location.reload(); }, 5000);  // never stuck if the event is lost
      } else {
        location.reload();
      }
    }
  };
  function registerWorker() {
    if (!updates.supported) return;
    var sw = navigator.serviceWorker;
    var controlled = !!sw.controller;  // a first visit is not: its first worker taking over is no update
    sw.addEventListener('controllerchange', function () {
      if (updates.accepting) { location.reload(); return; }
      if (controlled) updates.emit('activated');
      controlled = true;
    });
    sw.register('sw.js').then(function (reg) {
      updates.registration = reg;
      function waiting() { if (reg.waiting && sw.controller) updates.emit('ready'); }
      function follow(w) {
        if (w) w.addEventListener('statechange', function () { if (w.state === 'installed') waiting(); });
      }
      waiting();
      follow(reg.installing);  // found before this page registered (the navigation's own update check)
      reg.addEventListener('updatefound', function () { follow(reg.installing); });
      function check() { reg.update().catch(function () {}); }
      setInterval(check, UPDATE_CHECK_MS);
      document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') check(); });
      window.addEventListener('online', check);
    }).catch(function (e) {
      if (window.console) console.warn('[boot] offline shell unavailable:', e);
    });
  }
  var started = false;
  if (updates.supported) {
    navigator.serviceWorker.addEventListener('message', function (e) {
      // A file of this page's build is in no set and not on the network: before the chat is up, that is
      // the download failure boot already explains (its retry reloads into the newest complete set).
      if (e.data && e.data.type === 'bos-sw-missing' && !started) fail(T.download, T.retry, null, 'offline, missing ' + e.data.file);
    });
  }

  var Module = {
    bosLocks: locks,
    canvas: document.getElementById('canvas'),
    bosFonts: [null, null],
    bosConfigJson: '',
    print: function (t) { if (window.console) console.log(t); },
    printErr: function (t) { if (window.console) console.warn(t); },
    preRun: [function () {
      // main() waits for the fonts (or their failure) so the first frame already has crisp text.
      Module.addRunDependency('bos-fonts');
      Promise.all([Promise.all(fontPromises), configPromise]).then(function (got) {
        Module.bosFonts = got[0];
        Module.bosConfigJson = got[1] || '';
        Module.removeRunDependency('bos-fonts');
      });
    }],
    instantiateWasm: function (imports, done) {
      wasmPromise.then(function (response) {
        textEl.textContent = T.starting;
        if (typeof WebAssembly.instantiateStreaming === 'function') {
          return WebAssembly.instantiateStreaming(response, imports);
        }
        return response.arrayBuffer().then(function (bytes) { return WebAssembly.instantiate(bytes, imports); });
      }).then(function (result) {
        progress(0.95);
        done(result.instance, result.module);
      }).catch(function (e) {
        fail(T.download, T.retry, null, e);
      });
      return {};
    },
    onAbort: function (what) {
      fail(T.crash, T.reload, null, what);
    }
  };
  window.Module = Module;
  window.BOSBoot = {
    strings: T,
    portuguese: pt,
    fail: fail,
    showAuth: showAuth,
    signOutDevice: signOutDevice,
    channel: channel,
    removeOurKeys: removeOurKeys,
    // Called by the app after its first frame: the canvas now shows the chat.
    done: function () {
      progress(1);
      bootEl.hidden = true;
      if (!started) {
        started = true;
        registerWorker();
      }
    },
    updates: updates,
    webglFailed: function () { fail(T.webgl, T.reload); }
  };

  window.addEventListener('error', function (e) {
    // A failed <script> load (app.js) is a download problem; anything else after start-up is a crash.
    if (e && e.target && e.target.tagName === 'SCRIPT') fail(T.download, T.retry, null, 'script load failed');
  }, true);

  // Without a token, app.js waits for config.json too (the enrol screen loads nothing of the app).
  appAllowed.then(function (ok) {
    if (!ok) return;
    var script = document.createElement('script');
    script.src = boot.getAttribute('data-app');
    script.async = true;
    script.onerror = function () { fail(T.download, T.retry, null, 'app script failed to load'); };
    document.body.appendChild(script);
  });
})();
