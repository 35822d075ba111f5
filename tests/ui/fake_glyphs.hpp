// fake_glyphs.hpp: the browser's part of the glyph cache (wasm/glyphs.js), faked: advances are injected
// (a per-text table, else `advance_px` per grapheme cluster), "rasterising" paints the bitmap (red for
// the emoji face, white otherwise, as a colour font and a mask would come out; `grey` as a grey emoji), and every call is counted.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/grapheme.hpp"
#include "ui/glyph_cache.hpp"

namespace bos::test {

class FakeGlyphs final : public ui::GlyphRasterizer {
 public:
  static inline void* const kTexture = reinterpret_cast<void*>(static_cast<uintptr_t>(0x7E57));

  float advance_px = 20;                    // per cluster, unless `advances` names the text
  std::map<std::string, float> advances;    // exact texts
  std::vector<std::string> measured;        // texts, in call order
  std::vector<std::string> rasterized;
  std::vector<ui::GlyphStyle> styles;       // of each rasterize call
  int uploads = 0;
  bool fail = false;
  std::string grey;                         // this text comes out grey (a family silhouette), not white

  ui::GlyphMetrics measure(std::string_view text, const ui::GlyphStyle&) override {
    measured.emplace_back(text);
    const auto it = advances.find(std::string(text));
    const float w = it != advances.end() ? it->second : advance_px * static_cast<float>(grapheme::count(text));
    return {w, 0, w};
  }
  bool rasterize(std::string_view text, const ui::GlyphStyle& style, int w, int h, float, float, uint8_t* rgba) override {
    rasterized.emplace_back(text);
    styles.push_back(style);
    if (fail) return false;
    const bool colour = style.face == ui::GlyphFace::Emoji;
    const bool is_grey = !grey.empty() && text == grey;
    for (int i = 0; i < w * h; ++i) {
      if (is_grey) {
        rgba[i * 4 + 0] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = 90;
        rgba[i * 4 + 3] = 255;
        continue;
      }
      rgba[i * 4 + 0] = 255;
      rgba[i * 4 + 1] = colour ? 40 : 255;
      rgba[i * 4 + 2] = colour ? 40 : 255;
      rgba[i * 4 + 3] = 255;
    }
    return true;
  }
  void upload(int, int, int, int, const uint8_t*) override { ++uploads; }
};

}  // namespace bos::test
