// web.hpp: the browser platform layer. The only place (with the other wasm/ files) that includes
// <emscripten/*.h>. All state lives in one struct (sokol style); JS talks to it through the small C API
// in exports.cpp and never holds a pointer, only connection generation ids.
#pragma once
#include <emscripten/websocket.h>

#include <cstdint>
#include <map>
#include <vector>
#include <string>

#include "app/app.hpp"
#include "ui/chat_view.hpp"
#include "ui/fonts.hpp"
#include "ui/glyph_cache.hpp"
#include "ui/page_twins.hpp"
#include "ui/pointer.hpp"

namespace bos::web {

// Port: carries the engine's effects out into the browser.
class WebPort final : public app::Port {
 public:
  void ws_open(uint32_t conn, const std::string& url) override;
  bool ws_send(uint32_t conn, const std::string& text) override;
  void ws_close(uint32_t conn, int code, const std::string& reason) override;
  void store_write(const std::string& key, const std::string& value) override;
  bool last_store_write_ok() const override { return last_store_ok_; }
  void notify(const std::string& title, const std::string& body) override;
  void set_title(const std::string& title) override;
  void announce(const std::string& text) override;  // nothing: the log's twins are the announcements
  void dispatch_event(const char* name, const std::string& detail_json) override;
  void log(LogLevel level, const std::string& text) override;
  void request_frame() override;
  void copy_to_clipboard(const std::string& text) override;
  void open_url(const std::string& url) override;
  void request_notification_permission() override;
  void load_update() override;
  void remove_fragment() override;
  void show_auth_screen(const std::string& auth) override;
  void sign_out_device() override;
  void reload() override;
  void clear_history_everywhere(const std::string& user_id) override;
  // Emscripten socket handles by connection generation: handles are never trusted on their own.
  std::map<uint32_t, EMSCRIPTEN_WEBSOCKET_T> sockets;

 private:
  bool last_store_ok_ = true;
};

// What the ImGui font cannot draw: measured and drawn by the page (wasm/glyphs.js), kept in one texture
// (wasm/glyphs.cpp). The glyph cache (ui/glyph_cache.hpp) decides what, where and when.
class WebGlyphs final : public ui::GlyphRasterizer {
 public:
  ui::GlyphMetrics measure(std::string_view text, const ui::GlyphStyle& style) override;
  bool rasterize(std::string_view text, const ui::GlyphStyle& style, int w, int h, float pen_x, float baseline_y,
                 uint8_t* rgba) override;
  void upload(int x, int y, int w, int h, const uint8_t* rgba) override;
  void create_texture(int size);  // a new, empty texture (at start, after a context loss)

  unsigned texture = 0;   // GL name
  double raster_ms = 0;   // time spent drawing and uploading new glyphs (the bench divides by rasterisations)
  double measure_ms = 0;
};

struct State {
  WebPort port;
  app::App* app = nullptr;
  ui::ChatView view;
  ui::PageTwins twins;       // the canvas's accessible DOM twins (twins.cpp)
  ui::Pointer pointer;
  WebGlyphs web_glyphs;
  ui::GlyphCache glyphs{&web_glyphs};
  // rendering
  int gl_context = 0;
  bool gl_lost = false;
  bool gl_ready = false;     // WebGL and Dear ImGui are set up (the app may boot, and connect, before)
  bool paused = false;
  int frames_left = 3;       // frames to render before pausing the main loop
  int width_px = 0, height_px = 0;
  float dpr = 1.0f;
  float font_dpr = 0.0f;     // the dpr the font atlas was built for
  bool font_large = false;   // the text size the atlas was built for (the choice is the app's)
  bool dark = true;
  double last_frame_ms = 0;
  bool first_frame_done = false;
  uint64_t frames_drawn = 0;  // frames rendered since start (render on demand; read by tests)
  ui::Fonts fonts;
  // page facts pushed from JS
  int tz_offset_min = 0;
  ui::Insets safe_area;
  float composer_css_h = 62;
  ui::NotificationsState notifications = ui::NotificationsState::Unsupported;
  ui::ComposerPlacement placed;
  // timers
  long deadline_timer = 0;
  double deadline_at = 0;
};

State& state();
int64_t now_ms();
// Something changed: render `frames` frames (resumes the paused loop). Data changes need one frame (the
// layout is computed, not discovered); input needs three (ImGui shows hover and press a frame late).
void wake(int frames = 1);
void after_event();          // re-arm the deadline timer after any event reached the engine
// Brings the page's accessible twins up to date with what the canvas shows (twins.cpp); once per frame.
void sync_twins(int64_t now);
void rebuild_fonts();
// A new glyph texture (at start and after a WebGL context loss): every glyph is rasterised again on next sight.
void reset_glyph_texture();
std::string page_string(int which);
std::string stored(const std::string& key);
// Boots the app (pre.js calls it once it knows which other tabs are open) and later takes over what
// closed tabs left. `entries_json`: [{"key","value","live"}] of this origin's bos.v1.* storage keys.
void boot_app(const char* tab_id, const char* entries_json);
void adopt(const char* entries_json);

}  // namespace bos::web
