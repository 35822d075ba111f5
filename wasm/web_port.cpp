// web_port.cpp: the engine's effects carried out in the browser.
//   WebSocket   Emscripten's WebSocket API (-lwebsocket.js), guarded against its 3.1.6 traps
//   Storage     localStorage, guarded (private mode, quota, disabled)
//   Page        Notification API, document.title, CustomEvents, console,
//               and what the resident asked for in the view: clipboard, links, notification permission
#include <emscripten.h>
#include <emscripten/websocket.h>

#include <cstring>

#include "core/limits.hpp"
#include "core/utf8.hpp"
#include "web.hpp"

// [SECTION] JS glue -------------------------------------------------------------------------------------

// new WebSocket() throws for a bad URL or, in some browsers, a CSP refusal; 3.1.6 does not catch it and
// the exception would abort the app. Returns the socket handle or -1.
EM_JS(int, bos_js_ws_new, (const EmscriptenWebSocketCreateAttributes* attrs), {
  try {
    return _emscripten_websocket_new(attrs);
  } catch (e) {
    console.warn('[buildingos] WebSocket could not be created:', e && e.message);
    return -1;
  }
});

// 3.1.6's emscripten_websocket_delete deletes the wrong key (emscripten#16577) and leaks the socket:
// drop our reference to a closed socket ourselves. Handles are never reused by the library either way.
EM_JS(void, bos_js_ws_forget, (int handle), {
  try {
    if (typeof WS !== 'undefined' && WS.sockets && WS.sockets[handle]) {
      var s = WS.sockets[handle];
      s.onopen = s.onmessage = s.onerror = s.onclose = null;
      WS.sockets[handle] = null;
    }
  } catch (e) {}
});

EM_JS(int, bos_js_store_set, (const char* key, const char* value), {
  try {
    var k = UTF8ToString(key);
    var v = UTF8ToString(value);
    if (v.length === 0) window.localStorage.removeItem(k);
    else window.localStorage.setItem(k, v);
    return 1;
  } catch (e) {
    // Private mode, quota or disabled storage: the chat keeps working, it just cannot remember.
    if (!window.__bosStorageWarned) {
      window.__bosStorageWarned = true;
      console.warn('[buildingos] localStorage is not available (' + (e && e.name) + '): messages will not survive a reload');
    }
    return 0;
  }
});

EM_JS(void, bos_js_notify, (const char* title, const char* body), {
  try {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    new Notification(UTF8ToString(title), { body: UTF8ToString(body), tag: 'buildingos-notification' });
  } catch (e) {
    // Android Chrome only allows notifications from a service worker: the in-page card is enough.
  }
});

EM_JS(void, bos_js_set_title, (const char* title), { document.title = UTF8ToString(title); });

EM_JS(void, bos_js_dispatch, (const char* name, const char* json), {
  try {
    window.dispatchEvent(new CustomEvent(UTF8ToString(name), { detail: JSON.parse(UTF8ToString(json)) }));
  } catch (e) {
    console.error('[buildingos] event dispatch failed', e);
  }
});

EM_JS(void, bos_js_log, (int level, const char* text), {
  var t = '[buildingos] ' + UTF8ToString(text);
  if (level >= 2) console.error(t);
  else if (level === 1) console.warn(t);
  else console.info(t);
});

// The offline shell's new build (boot.js: BOSBoot.updates.load): the page reloads into it.
EM_JS(void, bos_js_load_update, (), {
  if (window.BOSBoot && window.BOSBoot.updates) window.BOSBoot.updates.load();
});
EM_JS(void, bos_js_copy, (const char* text), { if (Module.bosCopy) Module.bosCopy(UTF8ToString(text)); });
EM_JS(void, bos_js_open_url, (const char* url), {
  try { window.open(UTF8ToString(url), '_blank', 'noopener,noreferrer'); } catch (e) {}
});
EM_JS(void, bos_js_request_notifications, (), { if (Module.bosRequestNotifications) Module.bosRequestNotifications(); });
// Identity (issue 13): wasm/pre.js carries these out.
EM_JS(void, bos_js_identity, (int what, const char* arg), {
  var a = UTF8ToString(arg);
  if (what === 0 && Module.bosRemoveFragment) Module.bosRemoveFragment();
  else if (what === 1 && Module.bosShowAuth) Module.bosShowAuth(a);
  else if (what === 2 && Module.bosSignOutDevice) Module.bosSignOutDevice();
  else if (what === 3 && Module.bosReload) Module.bosReload();
  else if (what === 4 && Module.bosClearEverywhere) Module.bosClearEverywhere(a);
});

namespace bos::web {

// [SECTION] WebSocket callbacks -----------------------------------------------------------------------
// userData carries the connection generation, never a pointer: a late callback of a socket the engine has
// moved on from reaches the engine with a stale id and is ignored there.

namespace {

uint32_t conn_of(void* user) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(user)); }

EM_BOOL on_ws_open(int, const EmscriptenWebSocketOpenEvent*, void* user) {
  State& s = state();
  s.app->on_open(conn_of(user), now_ms());
  after_event();
  return EM_TRUE;
}

EM_BOOL on_ws_message(int, const EmscriptenWebSocketMessageEvent* e, void* user) {
  State& s = state();
  if (!e->isText) {
    s.port.log(LogLevel::Warn, "ignored a binary frame");
    return EM_TRUE;
  }
  // Copy out at once: the library frees the buffer when this returns. numBytes counts the trailing NUL.
  const uint32_t n = e->numBytes > 0 ? e->numBytes - 1 : 0;
  std::string text(reinterpret_cast<const char*>(e->data), n);
  s.app->on_text(conn_of(user), text, now_ms());
  after_event();
  return EM_TRUE;
}

EM_BOOL on_ws_error(int, const EmscriptenWebSocketErrorEvent*, void* user) {
  State& s = state();
  s.app->on_error(conn_of(user), now_ms());
  after_event();
  return EM_TRUE;
}

EM_BOOL on_ws_close(int, const EmscriptenWebSocketCloseEvent* e, void* user) {
  State& s = state();
  const uint32_t conn = conn_of(user);
  const auto it = s.port.sockets.find(conn);
  if (it != s.port.sockets.end()) {
    bos_js_ws_forget(it->second);
    s.port.sockets.erase(it);
  }
  const std::string reason(e->reason, strnlen(e->reason, sizeof e->reason));
  s.app->on_close(conn, e->code, reason, now_ms());
  after_event();
  return EM_TRUE;
}

}  // namespace

void WebPort::ws_open(uint32_t conn, const std::string& url) {
  EmscriptenWebSocketCreateAttributes attrs;
  emscripten_websocket_init_create_attributes(&attrs);
  attrs.url = url.c_str();
  attrs.protocols = nullptr;
  attrs.createOnMainThread = EM_TRUE;
  const int handle = bos_js_ws_new(&attrs);
  if (handle <= 0) {
    // As if the connection failed at once: the engine schedules a retry with backoff.
    log(LogLevel::Error, "could not open a WebSocket to " + url);
    state().app->on_close(conn, 1006, "create failed", now_ms());
    return;
  }
  sockets[conn] = handle;
  void* user = reinterpret_cast<void*>(static_cast<uintptr_t>(conn));
  emscripten_websocket_set_onopen_callback(handle, user, on_ws_open);
  emscripten_websocket_set_onmessage_callback(handle, user, on_ws_message);
  emscripten_websocket_set_onerror_callback(handle, user, on_ws_error);
  emscripten_websocket_set_onclose_callback(handle, user, on_ws_close);
}

bool WebPort::ws_send(uint32_t conn, const std::string& text) {
  const auto it = sockets.find(conn);
  if (it == sockets.end()) return false;
  unsigned short ready = 0;
  // Sending while CONNECTING throws inside 3.1.6 and aborts the app: check OPEN (1) first.
  if (emscripten_websocket_get_ready_state(it->second, &ready) != EMSCRIPTEN_RESULT_SUCCESS || ready != 1) return false;
  return emscripten_websocket_send_utf8_text(it->second, text.c_str()) == EMSCRIPTEN_RESULT_SUCCESS;
}

void WebPort::ws_close(uint32_t conn, int code, const std::string& reason) {
  const auto it = sockets.find(conn);
  if (it == sockets.end()) return;
  // The library throws on codes other than 1000 / 3000-4999 and reasons over 123 bytes (kMaxCloseReasonBytes).
  if (code != 1000 && (code < 3000 || code > 4999)) code = 1000;
  const std::string r(utf8::truncate(utf8::repair(reason), kMaxCloseReasonBytes));
  unsigned short ready = 3;
  emscripten_websocket_get_ready_state(it->second, &ready);
  if (ready < 2) emscripten_websocket_close(it->second, static_cast<unsigned short>(code), r.c_str());
  // The engine has moved on from this connection; its close event, if any, is stale and ignored.
  bos_js_ws_forget(it->second);
  sockets.erase(it);
}

void WebPort::store_write(const std::string& key, const std::string& value) {
  last_store_ok_ = bos_js_store_set(key.c_str(), value.c_str()) != 0;
}
void WebPort::notify(const std::string& title, const std::string& body) { bos_js_notify(title.c_str(), body.c_str()); }
void WebPort::set_title(const std::string& title) { bos_js_set_title(title.c_str()); }
// The role="log" live region holds the messages' accessible twins (ui/page_twins, synced once per frame),
// whose arrival screen readers announce: a second copy of each message here would be read twice.
void WebPort::announce(const std::string& text) { (void)text; }
void WebPort::dispatch_event(const char* name, const std::string& detail_json) { bos_js_dispatch(name, detail_json.c_str()); }
void WebPort::log(LogLevel level, const std::string& text) { bos_js_log(static_cast<int>(level), text.c_str()); }
void WebPort::request_frame() { wake(); }
void WebPort::copy_to_clipboard(const std::string& text) { bos_js_copy(text.c_str()); }
void WebPort::open_url(const std::string& url) { bos_js_open_url(url.c_str()); }
void WebPort::remove_fragment() { bos_js_identity(0, ""); }
void WebPort::show_auth_screen(const std::string& auth) { bos_js_identity(1, auth.c_str()); }
void WebPort::sign_out_device() { bos_js_identity(2, ""); }
void WebPort::reload() { bos_js_identity(3, ""); }
void WebPort::clear_history_everywhere(const std::string& user_id) { bos_js_identity(4, user_id.c_str()); }
void WebPort::request_notification_permission() { bos_js_request_notifications(); }
void WebPort::load_update() { bos_js_load_update(); }

}  // namespace bos::web
