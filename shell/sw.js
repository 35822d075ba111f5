/* sw.js: the offline shell (issue 14 item 5). Not content-hashed: browsers look for a new version of it
   at every navigation (and when the page calls registration.update()), and it is served with
   Cache-Control: no-cache (the dev server's --static, the deploy). Plain ES5, like boot.js.

   One build = one set: index.html and every hashed asset that build made, precached into one Cache
   ("bos-set-<build>") while this worker installs. The list is the build's own (scripts/lib/assemble_site.py
   writes it below, from the same table it renames the files with). A set is complete when its marker entry
   is there: it is written last, after every file was stored, so a set without it is never served.
   - Install fails (and the browser tries again later) if any file cannot be fetched, or if the index.html
     the origin answers is not this build's page (a CDN edge can serve the new sw.js before the new HTML).
   - A new worker waits: the page shows "Nova versão disponível · Atualizar" and, when the resident
     accepts (and is not typing), asks it to take over ({type: "bos-skip-waiting"}) and reloads.
   - Navigations get this set's index.html (history and composer offline, instant repeat visits), or the
     newest complete set's if this one is not complete, or the network (offline: any cached page).
   - A hashed file missing from the set is fetched from the network (and kept); failing that, from any other
     set; failing that, this set is marked incomplete (so the next navigation moves to the newest complete
     set) and the page is told ({type: "bos-sw-missing"}: boot.js offers a reload).
   - config.json (the endpoint, not hashed): network first, the set's copy when offline.
   - Everything else (other origins, the WebSocket, /__dev/*) is not touched. */
'use strict';

// {"index": SHA-256 of the index.html served with this worker, "files": [the build's hashed names]}. The
// build writes it; the deploy rewrites "index" with its page's (it rewrites the page's CSP and config name),
// so this file's bytes change, and browsers install it, exactly when the page residents get changes.
var SET = %%BOS_SET%%;
var PREFIX = 'bos-set-';
var BUILD = SET.index.slice(0, 16);
var CACHE = PREFIX + BUILD;
var ENTRY = 'index.html';
var MARKER = '__bos_set_complete__';  // a URL no server has: the set's "complete" flag and its time
var HASHED = /\.[0-9a-f]{8,}\.[^\/]+$/;  // the deploy's and the dev server's rule (is_content_hashed)
// Responses vary on Accept-Encoding (the dev server, CloudFront); the cached body is already decoded.
var MATCH = { ignoreVary: true, ignoreSearch: false };
var CONFIG_NAMED = /\bdata-config\s*=\s*"(config\.[0-9a-f]{8,}\.json)"/;

function scoped(name) { return new URL(name, self.registration.scope).href; }
function relative(url) {
  var scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) return null;
  return url.pathname.slice(scope.pathname.length);
}
function hex(buffer) {
  var b = new Uint8Array(buffer), out = '';
  for (var i = 0; i < b.length; i++) out += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return out;
}
function fetchOk(url, init) {
  return fetch(url, init).then(function (r) {
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r;
  });
}

// [SECTION] Install: the whole set or nothing ---------------------------------------------------------
// The endpoint the page will read, as boot.js does: the config a deployed page names (config.<hash>.json,
// immutable), else /config.json (the local build, the dev server). Optional: boot.js has its own fallbacks.
function precacheConfig(cache, named) {
  function local() {
    return fetch(scoped('config.json'), { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      return r.ok ? cache.put(scoped('config.json'), r) : null;
    }, function () { return null; });
  }
  if (!named) return local();
  return fetchOk(scoped(named), { credentials: 'same-origin' }).then(function (r) { return cache.put(scoped(named), r); }, local);
}
function precache() {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(scoped(MARKER)).then(function (done) {
      if (done) return null;
      // The page past the HTTP cache: it is max-age=300 and must be the one deployed with this worker.
      var page = fetchOk(scoped(ENTRY), { cache: 'reload', credentials: 'same-origin' }).then(function (r) {
        return r.clone().arrayBuffer().then(function (bytes) {
          return crypto.subtle.digest('SHA-256', bytes).then(function (digest) {
            if (hex(digest) !== SET.index) throw new Error('index.html is not the page of set ' + BUILD);
            return new TextDecoder().decode(bytes);
          });
        }).then(function (html) {
          var named = CONFIG_NAMED.exec(html);
          return Promise.all([cache.put(scoped(ENTRY), r), precacheConfig(cache, named ? named[1] : null)]);
        });
      });
      var assets = SET.files.map(function (name) {
        return fetchOk(scoped(name), { credentials: 'same-origin' }).then(function (r) { return cache.put(scoped(name), r); });
      });
      return Promise.all([page].concat(assets)).then(function () {
        return cache.put(scoped(MARKER), new Response(JSON.stringify({ build: BUILD, at: Date.now() }),
                                                      { headers: { 'Content-Type': 'application/json' } }));
      });
    });
  }).catch(function (e) {
    return caches.delete(CACHE).then(function () { throw e; });
  });
}

self.addEventListener('install', function (event) {
  event.waitUntil(precache());
});

// [SECTION] Activate: older sets go, the open pages are ours ------------------------------------------
self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; })
                           .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('message', function (event) {
  var type = event.data && event.data.type;
  if (type === 'bos-skip-waiting') self.skipWaiting();
  else if (type === 'bos-build' && event.source) event.source.postMessage({ type: 'bos-build', build: BUILD });
});

// [SECTION] Fetch -------------------------------------------------------------------------------------
// The complete sets, newest first (by the time their marker was written), this worker's own first if complete.
function completeSets() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0; }).map(function (k) {
      return caches.open(k).then(function (c) {
        return c.match(scoped(MARKER)).then(function (m) {
          return m ? m.json().then(function (info) { return { name: k, cache: c, at: +info.at || 0 }; }, function () { return null; }) : null;
        });
      });
    }));
  }).then(function (sets) {
    return sets.filter(Boolean).sort(function (a, b) {
      if (a.name === CACHE) return -1;
      if (b.name === CACHE) return 1;
      return b.at - a.at;
    });
  });
}

function navigation(request) {
  return completeSets().then(function (sets) {
    if (sets.length) return sets[0].cache.match(scoped(ENTRY), MATCH).then(function (r) { return r || fetch(request); });
    // No complete set: the network, and offline any page still cached (its files may yet be there).
    return fetch(request).catch(function (offline) {
      return caches.match(scoped(ENTRY), MATCH).then(function (r) {
        if (r) return r;
        throw offline;
      });
    });
  });
}

function tellPages(message) {
  return self.clients.matchAll({ type: 'window' }).then(function (list) {
    list.forEach(function (c) { c.postMessage(message); });
  });
}

function asset(request, rel) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, MATCH).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (r) {
        if (r.ok) cache.put(request, r.clone()).catch(function () {});
        return r;
      }, function (offline) {
        return caches.match(request, MATCH).then(function (elsewhere) {
          if (elsewhere) return elsewhere;
          var ours = SET.files.indexOf(rel) >= 0;
          var marked = ours ? cache.delete(scoped(MARKER)) : Promise.resolve();
          return marked.then(function () { return tellPages({ type: 'bos-sw-missing', file: rel }); })
                       .then(function () { throw offline; });
        });
      });
    });
  });
}

function networkFirst(request, rel) {
  return fetch(request).then(function (r) {
    if (r.ok) {
      var copy = r.clone();
      caches.open(CACHE).then(function (c) { return c.put(scoped(rel), copy); }).catch(function () {});
    }
    return r;
  }, function (offline) {
    return caches.match(scoped(rel), MATCH).then(function (r) {
      if (r) return r;
      throw offline;
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var rel = relative(new URL(request.url));
  if (rel === null) return;
  if (request.mode === 'navigate') {
    if (rel === '' || rel === ENTRY) event.respondWith(navigation(request));
    return;
  }
  if (rel === 'config.json') event.respondWith(networkFirst(request, rel));
  else if (HASHED.test(rel) && rel.indexOf('/') < 0) event.respondWith(asset(request, rel));
});
