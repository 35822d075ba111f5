// exports.cpp: the C functions the page's JS calls (shell glue in wasm/pre.js, window.BuildingOS).
// Strings go in as UTF-8 pointers the caller frees; strings come out in a static buffer the caller
// copies at once (UTF8ToString). JS never sees a pointer to engine state.
#include <emscripten.h>

#include <string>

#include <nlohmann/json.hpp>

#include "web.hpp"

namespace {
const char* out(std::string s) {
  static std::string buffer;
  buffer = std::move(s);
  return buffer.c_str();
}
int64_t now() { return bos::web::now_ms(); }
bos::app::App* app() { return bos::web::state().app; }
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* bos_api_state() { return app() ? out(app()->api_state_json(now())) : "null"; }

EMSCRIPTEN_KEEPALIVE const char* bos_api_messages() { return app() ? out(app()->api_messages_json()) : "[]"; }

EMSCRIPTEN_KEEPALIVE const char* bos_api_send(const char* text) {
  if (!app() || !text) return R"({"ok":false,"error":"empty"})";
  const char* r = out(app()->api_send_json(text, now()));
  bos::web::after_event();
  return r;
}

EMSCRIPTEN_KEEPALIVE void bos_api_reconnect() {
  if (!app()) return;
  app()->reconnect(now());
  bos::web::after_event();
}

EMSCRIPTEN_KEEPALIVE void bos_api_disconnect() {
  if (!app()) return;
  app()->disconnect(now());
  bos::web::after_event();
}

EMSCRIPTEN_KEEPALIVE const char* bos_api_sign_out() {
  if (!app()) return R"({"ok":false})";
  const std::size_t undelivered = app()->sign_out(now());
  bos::web::after_event();
  return out(R"({"ok":true,"undelivered":)" + std::to_string(undelivered) + "}");
}

// Another tab (BroadcastChannel "bos-identity"): 0 signed out, 1 cleared this resident's conversation.
EMSCRIPTEN_KEEPALIVE void bos_identity_event(int kind) {
  if (!app()) return;
  if (kind == 0) app()->signed_out_elsewhere(now());
  else if (kind == 1) app()->clear_history(now(), false);
  bos::web::after_event();
  bos::web::wake();
}

EMSCRIPTEN_KEEPALIVE void bos_composer_input() {
  if (!app()) return;
  app()->composer_input(now());
  bos::web::after_event();
}

EMSCRIPTEN_KEEPALIVE void bos_composer_blur() {
  if (!app()) return;
  app()->composer_blur(now());
  bos::web::after_event();
}

EMSCRIPTEN_KEEPALIVE void bos_composer_height(float css_px) {
  auto& s = bos::web::state();
  constexpr float kMaxComposerCssPx = 2000;  // a taller report is a layout glitch, not a composer
  if (css_px > 0 && css_px < kMaxComposerCssPx && css_px != s.composer_css_h) {
    s.composer_css_h = css_px;
    bos::web::wake();
  }
}

// What the composer <textarea> holds and whether it has the focus (an update never reloads while typing).
EMSCRIPTEN_KEEPALIVE void bos_composer_state(int has_text, int focused) {
  if (!app()) return;
  app()->composer_state(has_text != 0, focused != 0, now());
  bos::web::after_event();
}

// The offline shell (boot.js BOSBoot.updates): 0 a new build is installed and waiting, 1 another tab took it.
EMSCRIPTEN_KEEPALIVE void bos_update_event(int kind) {
  if (!app()) return;
  if (kind == 0) app()->update_ready(now());
  else if (kind == 1) app()->update_activated(now());
  else return;
  bos::web::after_event();
  bos::web::wake();
}

// 0 hidden, 1 visible, 2 online, 3 offline (pageshow/pagehide/freeze/resume map onto 0/1).
EMSCRIPTEN_KEEPALIVE void bos_page_event(int kind) {
  if (!app()) return;
  switch (kind) {
    case 0: app()->page_hidden(now()); break;
    case 1: app()->page_visible(now()); break;
    case 2: app()->network_online(now()); break;
    case 3: app()->network_offline(now()); break;
    default: return;
  }
  bos::web::after_event();
  bos::web::wake();
}

// Facts about the page that the view needs: time zone, safe-area insets (CSS px), colour scheme,
// notification permission (its position in ui::kNotificationPermissions: 0 unsupported, 1 default, ...).
EMSCRIPTEN_KEEPALIVE void bos_set_env(int tz_offset_min, float top, float right, float bottom, float left, int dark,
                                      int notifications) {
  auto& s = bos::web::state();
  s.tz_offset_min = tz_offset_min;
  s.safe_area = {top, right, bottom, left};
  s.dark = dark != 0;
  const int known = static_cast<int>(bos::ui::NotificationsState::kCount);
  s.notifications = static_cast<bos::ui::NotificationsState>(notifications < 0 || notifications >= known ? 0 : notifications);
  bos::web::wake();
}

EMSCRIPTEN_KEEPALIVE void bos_wake() { bos::web::wake(); }

EMSCRIPTEN_KEEPALIVE void bos_boot(const char* tab_id, const char* entries_json) { bos::web::boot_app(tab_id, entries_json); }

EMSCRIPTEN_KEEPALIVE void bos_adopt(const char* entries_json) { bos::web::adopt(entries_json); }

// [SECTION] Test hooks (window.BuildingOS.__test, docs/testing.md) --------------------------------------
// Read-only: what the last frame drew where (ui::HitRect), in CSS px of the canvas, and how many frames
// were drawn. Nothing here changes what the app does.
EMSCRIPTEN_KEEPALIVE const char* bos_test_layout() {
  const auto& s = bos::web::state();
  const float d = s.dpr > 0 ? s.dpr : 1.0f;
  const auto css = [d](float v) { return static_cast<double>(v / d); };
  nlohmann::ordered_json j;
  j["dpr"] = s.dpr;
  j["width"] = css(static_cast<float>(s.width_px));
  j["height"] = css(static_cast<float>(s.height_px));
  j["framesDrawn"] = s.frames_drawn;
  j["fonts"] = {{"body", s.fonts.body ? css(s.fonts.body->FontSize) : 0.0},
                {"small", s.fonts.small ? css(s.fonts.small->FontSize) : 0.0}};
  auto rects = nlohmann::ordered_json::array();
  for (const auto& r : s.view.hit_rects()) {
    rects.push_back({{"kind", r.kind}, {"id", r.id}, {"detail", r.detail},
                     {"x", css(r.vis_min.x)}, {"y", css(r.vis_min.y)},
                     {"w", css(r.vis_max.x - r.vis_min.x)}, {"h", css(r.vis_max.y - r.vis_min.y)},
                     {"full", {css(r.min.x), css(r.min.y), css(r.max.x - r.min.x), css(r.max.y - r.min.y)}}});
  }
  j["rects"] = std::move(rects);
  return out(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

EMSCRIPTEN_KEEPALIVE double bos_test_frames_drawn() { return static_cast<double>(bos::web::state().frames_drawn); }

}  // extern "C"
