// glyphs.cpp: the browser's part of the glyph cache (ui/glyph_cache.hpp). The page measures and draws text
// with a 2D canvas and the system's fonts (wasm/glyphs.js: Module.bosGlyphs); this file hands it the text,
// takes the pixels back and puts them into one WebGL texture (at most 1024×1024 RGBA), which it recreates
// after a context loss. Also the test hook's C side (window.BOSText in glyphs.js).
#include <GLES3/gl3.h>
#include <emscripten.h>

#include <cstdio>
#include <string>

#include "core/grapheme.hpp"
#include "web.hpp"

// [SECTION] JS glue -------------------------------------------------------------------------------------

// Writes advance, ink left, ink right to out[0..2]; returns 0 when the page cannot measure.
EM_JS(int, bos_js_glyph_measure, (const char* text, int len, float em_px, int face, int rtl, float* out), {
  return Module.bosGlyphs ? Module.bosGlyphs.measure(text, len, em_px, face, rtl, out) : 0;
});
// Draws into a w×h RGBA buffer at `out`; returns 0 when the page cannot draw.
EM_JS(int, bos_js_glyph_raster, (const char* text, int len, float em_px, int face, int rtl, int w, int h, float pen_x,
                                 float baseline_y, uint8_t* out), {
  return Module.bosGlyphs ? Module.bosGlyphs.rasterize(text, len, em_px, face, rtl, w, h, pen_x, baseline_y, out) : 0;
});

namespace bos::web {

// [SECTION] WebGlyphs -----------------------------------------------------------------------------------

ui::GlyphMetrics WebGlyphs::measure(std::string_view text, const ui::GlyphStyle& style) {
  const double t0 = emscripten_get_now();
  float out[3] = {0, 0, 0};
  ui::GlyphMetrics m;
  if (bos_js_glyph_measure(text.data(), static_cast<int>(text.size()), style.em_px, static_cast<int>(style.face),
                           style.rtl ? 1 : 0, out)) {
    m.advance = out[0];
    m.left = out[1];
    m.right = out[2];
  }
  measure_ms += emscripten_get_now() - t0;
  return m;
}

bool WebGlyphs::rasterize(std::string_view text, const ui::GlyphStyle& style, int w, int h, float pen_x, float baseline_y,
                          uint8_t* rgba) {
  const double t0 = emscripten_get_now();
  const bool ok = bos_js_glyph_raster(text.data(), static_cast<int>(text.size()), style.em_px, static_cast<int>(style.face),
                                      style.rtl ? 1 : 0, w, h, pen_x, baseline_y, rgba) != 0;
  raster_ms += emscripten_get_now() - t0;
  return ok;
}

void WebGlyphs::upload(int x, int y, int w, int h, const uint8_t* rgba) {
  if (!texture) return;
  const double t0 = emscripten_get_now();
  glBindTexture(GL_TEXTURE_2D, texture);  // ImGui's renderer binds its own textures for every draw command
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, x, y, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  raster_ms += emscripten_get_now() - t0;
}

void WebGlyphs::create_texture(int size) {
  // A lost context took the old texture with it: its name means nothing now, a new one is made.
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, size, size, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
}

void reset_glyph_texture() {
  State& s = state();
  s.web_glyphs.create_texture(s.glyphs.texture_size());
  s.glyphs.set_texture_id(reinterpret_cast<void*>(static_cast<intptr_t>(s.web_glyphs.texture)));
  s.glyphs.reset_texture();
}

}  // namespace bos::web

// [SECTION] Test hook (window.BOSText) ------------------------------------------------------------------

namespace {
const char* out(std::string s) {
  static std::string buffer;
  buffer = std::move(s);
  return buffer.c_str();
}
}  // namespace

extern "C" {

// What the cache did so far, as JSON: tests count rasterisations, evictions and U+FFFD drawn; the bench reads
// the time spent on new glyphs.
EMSCRIPTEN_KEEPALIVE const char* bos_text_stats() {
  const auto& s = bos::web::state();
  const auto& st = s.glyphs.stats();
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"measured\":%llu,\"rasterized\":%llu,\"evictedShelves\":%llu,\"evictedGlyphs\":%llu,\"full\":%llu,"
                "\"failed\":%llu,\"textureResets\":%llu,\"resident\":%zu,\"shelves\":%zu,\"replacementDrawn\":%llu,"
                "\"imagesDrawn\":%llu,\"rasterMs\":%.3f,\"measureMs\":%.3f,\"textureSize\":%d}",
                static_cast<unsigned long long>(st.measured), static_cast<unsigned long long>(st.rasterized),
                static_cast<unsigned long long>(st.evicted_shelves), static_cast<unsigned long long>(st.evicted_glyphs),
                static_cast<unsigned long long>(st.full), static_cast<unsigned long long>(st.failed),
                static_cast<unsigned long long>(st.texture_resets), st.resident, st.shelves,
                static_cast<unsigned long long>(st.replacement_drawn), static_cast<unsigned long long>(st.images_drawn),
                s.web_glyphs.raster_ms, s.web_glyphs.measure_ms, s.glyphs.texture_size());
  return out(buf);
}

// Where the app's grapheme clusters of `text` end (core/grapheme.hpp), in UTF-16 code units as JavaScript
// counts them ("2,4,11"), to compare with Intl.Segmenter.
EMSCRIPTEN_KEEPALIVE const char* bos_text_clusters(const char* text) {
  std::string ends;
  const std::string_view s(text ? text : "");
  std::size_t units = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t next = bos::grapheme::next_boundary(s, i);
    for (std::size_t j = i; j < next; ++j) {
      const auto b = static_cast<unsigned char>(s[j]);
      if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;  // a lead byte: one code point (two units if astral)
    }
    if (!ends.empty()) ends += ',';
    ends += std::to_string(units);
    i = next;
  }
  return out(std::move(ends));
}

}  // extern "C"
