// main.cpp: the browser app's entry point and frame loop.
//
// Index
//   [SECTION] State, time, wake-ups    render on demand: the main loop pauses when nothing changes
//   [SECTION] Fonts and scale          Noto Sans subset, rebuilt when the pixel ratio or text size changes;
//                                      the rest of every script comes from the glyph cache (wasm/glyphs.cpp)
//   [SECTION] Input                    mouse, touch, wheel (html5 callbacks, not GLFW: see ui/pointer.hpp)
//   [SECTION] Frame                    canvas size, ImGui frame, intents to App::apply, composer placement
//   [SECTION] WebGL                    context creation, loss and restore
//   [SECTION] main
#include <GLES3/gl3.h>
#include <emscripten.h>
#include <emscripten/eventloop.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "build_id.h"
#include "imgui.h"
#include "imgui_impl_opengl3.h"
#include "ui/fonts.hpp"
#include "web.hpp"

// [SECTION] JS glue used here ---------------------------------------------------------------------------

EM_JS(char*, bos_js_page_string, (int which), {
  var v = "";
  try {
    if (which === 0) v = location.hostname;
    else if (which === 1) v = location.search;
    else if (which === 2) v = location.hash;
    else if (which === 3) v = (Module.bosConfigJson || "");
    else if (which === 4) v = (navigator.languages && navigator.languages[0]) || navigator.language || "";
  } catch (e) {}
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});

EM_JS(char*, bos_js_store_get, (const char* key), {
  var v = null;
  try { v = window.localStorage.getItem(UTF8ToString(key)); } catch (e) { v = null; }
  if (v === null) return 0;
  var n = lengthBytesUTF8(v) + 1;
  var p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});

EM_JS(uint32_t, bos_js_random32, (), {
  try {
    var a = new Uint32Array(1);
    crypto.getRandomValues(a);
    return a[0];
  } catch (e) {
    return (Math.random() * 4294967296) >>> 0;
  }
});

// Font bytes fetched by boot.js (Module.bosFonts[i], an ArrayBuffer or null), copied into the heap once.
EM_JS(void*, bos_js_font, (int index, int* size), {
  var f = Module.bosFonts && Module.bosFonts[index];
  if (!f || !f.byteLength) { HEAP32[size >> 2] = 0; return 0; }
  var p = _malloc(f.byteLength);
  HEAPU8.set(new Uint8Array(f), p);
  HEAP32[size >> 2] = f.byteLength;
  return p;
});

EM_JS(void, bos_js_begin_boot, (), { if (Module.bosBeginBoot) Module.bosBeginBoot(); });
EM_JS(void, bos_js_ready, (const char* version, const char* lang), {
  if (Module.bosShellReady) Module.bosShellReady(UTF8ToString(version), UTF8ToString(lang));
});
EM_JS(void, bos_js_first_frame, (), { if (window.BOSBoot) window.BOSBoot.done(); });
EM_JS(void, bos_js_webgl_failed, (), { if (window.BOSBoot) window.BOSBoot.webglFailed(); });
EM_JS(void, bos_js_place_composer, (float left, float bottom, float width), {
  if (Module.bosPlaceComposer) Module.bosPlaceComposer(left, bottom, width);
});

namespace bos::web {

namespace {
constexpr float kMinDpr = 0.5f;          // device pixel ratios outside this range are browser bugs
constexpr float kMaxDpr = 4.0f;
constexpr double kMinFrameS = 0.001;     // ImGui needs a positive DeltaTime...
constexpr double kMaxFrameS = 0.1;       // ...and a paused loop must not look like one long frame
constexpr int kInputFrames = 3;          // see wake(): ImGui shows hover and press a frame late
constexpr int kSafetyTickMs = 1000;      // the interval that keeps deadlines honest in background tabs
constexpr double kTimerSlackMs = 1;      // fire just after the deadline, never just before it
}  // namespace

// [SECTION] State, time, wake-ups -----------------------------------------------------------------------

State& state() {
  static State s;
  return s;
}

int64_t now_ms() { return static_cast<int64_t>(emscripten_date_now()); }

void wake(int frames) {
  State& s = state();
  s.frames_left = std::max(s.frames_left, frames);
  if (s.paused && !s.gl_lost) {
    s.paused = false;
    emscripten_resume_main_loop();
  }
}

namespace {

void on_deadline(void*) {
  State& s = state();
  s.deadline_timer = 0;
  if (!s.app) return;
  s.app->tick(now_ms());
  after_event();
}

}  // namespace

void after_event() {
  // One precise timer for the engine's earliest deadline (heartbeat, retry, typing, ...) or the view's
  // (countdown, toast). The 1 s interval in main() is the safety net for throttled background tabs.
  State& s = state();
  if (!s.app) return;
  int64_t due = s.app->engine().next_deadline_ms();
  const int64_t view_due = s.view.wake_at_ms();
  if (view_due > 0) due = std::min(due, view_due);
  if (due == kNever) return;
  const double at = static_cast<double>(due);
  if (s.deadline_timer && s.deadline_at <= at) return;  // an earlier one is already armed
  if (s.deadline_timer) emscripten_clear_timeout(s.deadline_timer);
  s.deadline_at = at;
  const double delay = std::max(0.0, at - static_cast<double>(now_ms()));
  s.deadline_timer = emscripten_set_timeout(on_deadline, delay + kTimerSlackMs, nullptr);
}

// [SECTION] Fonts and scale ---------------------------------------------------------------------------

void rebuild_fonts() {
  State& s = state();
  ImGuiIO& io = ImGui::GetIO();
  static ui::FontBytes regular, bold;
  static bool loaded = false;
  if (!loaded) {
    regular.data = bos_js_font(0, &regular.size);
    bold.data = bos_js_font(1, &bold.size);
    loaded = true;
    if (!regular.data) s.port.log(LogLevel::Warn, "Noto Sans unavailable: using the built-in font");
  }
  const bool large = s.app && s.app->large_text();
  s.fonts = ui::build_fonts(io, regular, bold, s.dpr, large);
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  ImGui::GetStyle() = ui::make_style(s.dpr);  // style sizes follow the pixel ratio too
  s.font_dpr = s.dpr;
  s.font_large = large;
  s.glyphs.clear();  // new sizes: the browser's glyphs are measured and drawn again
  s.view.invalidate_layout();
}

// [SECTION] Input -------------------------------------------------------------------------------------

namespace {

EM_BOOL on_mouse_move(int, const EmscriptenMouseEvent* e, void*) {
  State& s = state();
  s.pointer.mouse_move(static_cast<float>(e->clientX) * s.dpr, static_cast<float>(e->clientY) * s.dpr);
  wake(kInputFrames);
  return EM_FALSE;
}

EM_BOOL on_mouse_button(int type, const EmscriptenMouseEvent* e, void*) {
  State& s = state();
  if (e->button != 0) return EM_FALSE;
  s.pointer.mouse_move(static_cast<float>(e->clientX) * s.dpr, static_cast<float>(e->clientY) * s.dpr);
  s.pointer.mouse_button(type == EMSCRIPTEN_EVENT_MOUSEDOWN);
  wake(kInputFrames);
  return EM_FALSE;
}

EM_BOOL on_mouse_leave(int, const EmscriptenMouseEvent*, void*) {
  state().pointer.mouse_leave();
  wake(kInputFrames);
  return EM_FALSE;
}

EM_BOOL on_touch(int type, const EmscriptenTouchEvent* e, void*) {
  State& s = state();
  const auto t = now_ms();
  // One primary touch: the first one listed.
  if (e->numTouches <= 0) return EM_TRUE;
  const EmscriptenTouchPoint& p = e->touches[0];
  const float x = static_cast<float>(p.targetX) * s.dpr;
  const float y = static_cast<float>(p.targetY) * s.dpr;
  switch (type) {
    case EMSCRIPTEN_EVENT_TOUCHSTART:
      if (e->numTouches == 1) s.pointer.touch_start(x, y, t);
      break;
    case EMSCRIPTEN_EVENT_TOUCHMOVE: s.pointer.touch_move(x, y, t); break;
    case EMSCRIPTEN_EVENT_TOUCHEND: s.pointer.touch_end(t); break;
    default: s.pointer.touch_cancel(); break;
  }
  wake(kInputFrames);
  return EM_TRUE;  // preventDefault: no emulated mouse events, no double taps
}

EM_BOOL on_wheel(int, const EmscriptenWheelEvent* e, void*) {
  State& s = state();
  s.pointer.wheel(e->deltaY, static_cast<int>(e->deltaMode), static_cast<float>(s.height_px) * ui::Pointer::kWheelPageFraction);
  wake(kInputFrames);
  return EM_TRUE;
}

EM_BOOL on_resize(int, const EmscriptenUiEvent*, void*) {
  wake(kInputFrames);
  return EM_FALSE;
}

EM_BOOL on_visibility(int, const EmscriptenVisibilityChangeEvent* e, void*) {
  State& s = state();
  if (!s.app) return EM_FALSE;
  if (e->hidden) s.app->page_hidden(now_ms());
  else s.app->page_visible(now_ms());
  after_event();
  wake();
  return EM_FALSE;
}

}  // namespace

// [SECTION] Frame -------------------------------------------------------------------------------------

namespace {

void frame() {
  State& s = state();
  if (s.gl_lost || !s.gl_ready || !s.app) return;
  const double t = emscripten_date_now();

  // Canvas backing store in physical pixels (the 3.1.6 GLFW path has no HiDPI; we do it ourselves).
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  const float dpr = std::clamp(static_cast<float>(emscripten_get_device_pixel_ratio()), kMinDpr, kMaxDpr);
  const int w = std::max(1, static_cast<int>(std::lround(css_w * dpr)));
  const int h = std::max(1, static_cast<int>(std::lround(css_h * dpr)));
  if (w != s.width_px || h != s.height_px) {
    emscripten_set_canvas_element_size("#canvas", w, h);
    s.width_px = w;
    s.height_px = h;
  }
  s.dpr = dpr;
  s.pointer.set_scale(dpr);
  if (s.font_dpr != dpr || s.font_large != s.app->large_text()) rebuild_fonts();

  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
  io.DisplayFramebufferScale = ImVec2(1, 1);
  io.DeltaTime = static_cast<float>(std::clamp((t - s.last_frame_ms) / 1000.0, kMinFrameS, kMaxFrameS));
  s.last_frame_ms = t;
  const ui::PointerFrame pf = s.pointer.frame(static_cast<int64_t>(t));
  io.MousePos = ImVec2(pf.x, pf.y);
  io.MouseDown[0] = pf.down;

  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  ui::ViewContext ctx;
  ctx.now_ms = static_cast<int64_t>(t);
  ctx.dpr = dpr;
  ctx.tz_offset_min = s.tz_offset_min;
  ctx.safe_area = s.safe_area;
  ctx.composer_css_h = s.composer_css_h;
  ctx.notifications = s.notifications;
  ctx.dark = s.dark;
  ctx.fonts = s.fonts;
  ctx.pointer = pf;
  ctx.glyphs = &s.glyphs;
  const ui::Intents intents = s.view.draw(s.app->engine().chat(), s.app->view_state(ctx.now_ms), ctx);
  ImGui::Render();

  glViewport(0, 0, w, h);
  const uint32_t bg = (s.dark ? ui::kDarkPalette : ui::kLightPalette).bg;  // 0xRRGGBB
  glClearColor(static_cast<float>((bg >> 16) & 255) / 255.f, static_cast<float>((bg >> 8) & 255) / 255.f,
               static_cast<float>(bg & 255) / 255.f, 1.f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  ++s.frames_drawn;

  if (!(s.view.composer() == s.placed)) {
    s.placed = s.view.composer();
    bos_js_place_composer(s.placed.left_css, s.placed.bottom_css, s.placed.width_css);
  }
  // What the resident asked for: the wiring is in src/app (App::apply), the page's part in WebPort.
  if (!intents.empty()) s.app->apply(intents, now_ms());
  after_event();  // every frame: the view's own deadline (countdown, toast) may have moved
  sync_twins(now_ms());  // the page's accessible twins show what this frame drew (twins.cpp)

  if (!s.first_frame_done) {
    s.first_frame_done = true;
    bos_js_first_frame();
  }
  // Render on demand: after a few quiet frames the loop pauses until something wakes it.
  if (s.frames_left > 0) --s.frames_left;
  const bool busy = pf.animating || s.view.animating() || s.pointer.pending() || ImGui::IsAnyItemActive() ||
                    s.view.needs_frame();
  if (busy) s.frames_left = std::max(s.frames_left, 1);
  if (s.frames_left == 0) {
    s.paused = true;
    emscripten_pause_main_loop();
  }
}

void on_interval(void*) {
  State& s = state();
  if (!s.app) return;
  s.app->tick(now_ms());
  after_event();
}

}  // namespace

// [SECTION] WebGL -------------------------------------------------------------------------------------

namespace {

EM_BOOL on_context_lost(int, const void*, void*) {
  State& s = state();
  s.gl_lost = true;
  s.port.log(LogLevel::Warn, "WebGL context lost: waiting for it to be restored");
  return EM_TRUE;  // preventDefault: allow the browser to restore it
}

EM_BOOL on_context_restored(int, const void*, void*) {
  State& s = state();
  s.port.log(LogLevel::Info, "WebGL context restored");
  emscripten_webgl_make_context_current(s.gl_context);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplOpenGL3_Init("#version 300 es");
  reset_glyph_texture();  // the browser's glyphs are drawn again as they come into view
  s.gl_lost = false;
  s.font_dpr = 0;  // rebuild the font texture on the next frame
  s.width_px = s.height_px = 0;
  s.paused = true;
  wake();
  return EM_TRUE;
}

bool create_gl() {
  State& s = state();
  EmscriptenWebGLContextAttributes attrs;
  emscripten_webgl_init_context_attributes(&attrs);
  attrs.majorVersion = 2;
  attrs.minorVersion = 0;
  attrs.alpha = EM_FALSE;
  attrs.depth = EM_FALSE;
  attrs.stencil = EM_FALSE;
  attrs.antialias = EM_FALSE;
  attrs.premultipliedAlpha = EM_TRUE;
  attrs.preserveDrawingBuffer = EM_FALSE;
  attrs.enableExtensionsByDefault = EM_FALSE;
  s.gl_context = emscripten_webgl_create_context("#canvas", &attrs);
  if (s.gl_context <= 0) return false;
  emscripten_webgl_make_context_current(s.gl_context);
  emscripten_set_webglcontextlost_callback("#canvas", nullptr, EM_FALSE,
                                           reinterpret_cast<em_webgl_context_callback>(on_context_lost));
  emscripten_set_webglcontextrestored_callback("#canvas", nullptr, EM_FALSE,
                                               reinterpret_cast<em_webgl_context_callback>(on_context_restored));
  return true;
}

}  // namespace

std::vector<app::App::StoredEntry> parse_entries(const char* json_text) {
  std::vector<app::App::StoredEntry> out;
  if (!json_text) return out;
  const auto j = nlohmann::ordered_json::parse(json_text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    const auto k = e.find("key"), v = e.find("value"), l = e.find("live");
    if (k == e.end() || !k->is_string() || v == e.end() || !v->is_string()) continue;
    out.push_back({k->get<std::string>(), v->get<std::string>(), l != e.end() && l->is_boolean() && l->get<bool>()});
  }
  return out;
}

void boot_app(const char* tab_id, const char* entries_json) {
  State& s = state();
  if (s.app) return;
  static app::App app(s.port, BOS_BUILD_ID);
  s.app = &app;
  app::PageInfo page;
  page.hostname = page_string(0);
  page.search = page_string(1);
  page.hash = page_string(2);
  page.config_json = page_string(3);
  page.language = page_string(4);
  if (page.language.empty()) page.language = std::string(app::kFallbackLanguageTag);
  const uint64_t seed = (static_cast<uint64_t>(bos_js_random32()) << 32) | bos_js_random32();
  app.restore_large_text(stored(app::storage_key_large_text()));
  app.boot(page, stored(app::storage_key_identity()), parse_entries(entries_json), tab_id ? tab_id : "", seed, now_ms());

  emscripten_set_mousemove_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, EM_FALSE, on_mouse_move);
  emscripten_set_mousedown_callback("#canvas", nullptr, EM_FALSE, on_mouse_button);
  emscripten_set_mouseup_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, EM_FALSE, on_mouse_button);
  emscripten_set_mouseleave_callback("#canvas", nullptr, EM_FALSE, on_mouse_leave);
  emscripten_set_touchstart_callback("#canvas", nullptr, EM_FALSE, on_touch);
  emscripten_set_touchmove_callback("#canvas", nullptr, EM_FALSE, on_touch);
  emscripten_set_touchend_callback("#canvas", nullptr, EM_FALSE, on_touch);
  emscripten_set_touchcancel_callback("#canvas", nullptr, EM_FALSE, on_touch);
  emscripten_set_wheel_callback("#canvas", nullptr, EM_FALSE, on_wheel);
  emscripten_set_resize_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, EM_FALSE, on_resize);
  emscripten_set_visibilitychange_callback(nullptr, EM_FALSE, on_visibility);
  // Timers are throttled in background tabs; this 1 s interval keeps deadlines honest there.
  emscripten_set_interval(on_interval, kSafetyTickMs, nullptr);

  bos_js_ready(BOS_BUILD_ID, app::lang_code(app.lang()));
  after_event();
  emscripten_set_main_loop(frame, 0, 0);
}

void adopt(const char* entries_json) {
  State& s = state();
  if (!s.app) return;
  s.app->adopt(parse_entries(entries_json), now_ms());
  after_event();
}

std::string page_string(int which) {
  char* p = bos_js_page_string(which);
  std::string out = p ? p : "";
  free(p);
  return out;
}

std::string stored(const std::string& key) {
  char* p = bos_js_store_get(key.c_str());
  std::string out = p ? p : "";
  free(p);
  return out;
}

}  // namespace bos::web

// [SECTION] main ----------------------------------------------------------------------------------------

int main() {
  using namespace bos::web;
  State& s = state();
  // Connect first: boot.js took the tab locks while the app downloaded, so the app usually boots right
  // here and its WebSocket opens while WebGL and the font atlas are still being set up.
  bos_js_begin_boot();
  if (!create_gl()) {
    bos_js_webgl_failed();
    return 0;
  }
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.ConfigWindowsMoveFromTitleBarOnly = true;
  io.MouseDrawCursor = false;
  ImGui_ImplOpenGL3_Init("#version 300 es");
  reset_glyph_texture();
  s.gl_ready = true;
  wake();
  return 0;
}
