// fonts.cpp: see fonts.hpp.
#include "ui/fonts.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace bos::ui {

namespace {
// Printable ASCII, Latin-1 (Portuguese, Spanish, French), the common punctuation (spaces, dashes, quotes “ ”,
// bullet, ellipsis …, per mille, guillemets), the euro sign, the replacement glyph: the same ranges as the
// subset the site ships (scripts/lib/assemble_site.py FONTS). The rest (Latin Extended-A's Ł ř ş, rarer
// punctuation) the browser draws like any other script the atlas lacks (ui/text_layout.hpp).
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x2000, 0x2027, 0x2030, 0x203A, 0x20AC, 0x20AC, 0xFFFD, 0xFFFD, 0};
constexpr int kOversampleH = 2;  // crisp horizontal subpixel positions; vertical needs none
constexpr int kOversampleV = 1;
constexpr float kFrameRounding = 10;   // CSS px
constexpr float kPopupRounding = 10;
constexpr float kTouchExtraPadding = 4;
uint32_t be32(const unsigned char* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }
int be16(const unsigned char* p) { return (p[0] << 8) | p[1]; }
int be16s(const unsigned char* p) { const int v = be16(p); return v >= 0x8000 ? v - 0x10000 : v; }
}  // namespace

float em_scale_of(FontBytes face) {
  // The sfnt table directory: 12 bytes, then 16 per table (tag, checksum, offset, length).
  const auto* d = static_cast<const unsigned char*>(face.data);
  const auto n = static_cast<std::size_t>(face.size);
  if (!d || n < 12) return 1.0f;
  const std::size_t tables = static_cast<std::size_t>(be16(d + 4));
  long units = 0, ascender = 0, descender = 0;
  bool head = false, hhea = false;
  for (std::size_t i = 0; i < tables && 12 + 16 * (i + 1) <= n; ++i) {
    const unsigned char* r = d + 12 + 16 * i;
    const std::size_t off = be32(r + 8), len = be32(r + 12);
    if (off > n || len > n - off) continue;
    if (std::memcmp(r, "head", 4) == 0 && len >= 20) {
      units = be16(d + off + 18);
      head = true;
    } else if (std::memcmp(r, "hhea", 4) == 0 && len >= 8) {
      ascender = be16s(d + off + 4);
      descender = be16s(d + off + 6);
      hhea = true;
    }
  }
  if (!head || !hhea || units <= 0 || ascender - descender <= 0) return 1.0f;
  return static_cast<float>(units) / static_cast<float>(ascender - descender);
}

Fonts build_fonts(ImGuiIO& io, FontBytes regular, FontBytes bold, float dpr, bool large_text) {
  const float scale = dpr * (large_text ? kLargeTextScale : 1.0f);
  io.Fonts->Clear();
  ImFontConfig cfg;
  cfg.FontDataOwnedByAtlas = false;  // the bytes stay the caller's; the atlas is rebuilt on every scale change
  cfg.OversampleH = kOversampleH;
  cfg.OversampleV = kOversampleV;
  cfg.PixelSnapH = false;
  auto add = [&](FontBytes face, float px) -> ImFont* {
    if (face.data) return io.Fonts->AddFontFromMemoryTTF(face.data, face.size, px, &cfg, kGlyphRanges);
    ImFontConfig def;
    def.SizePixels = std::round(px);
    return io.Fonts->AddFontDefault(&def);
  };
  Fonts fonts;
  fonts.body = add(regular, std::round(kBodyFontPx * scale));
  fonts.small = add(regular, std::round(kSmallFontPx * scale));
  fonts.bold = add(bold.data ? bold : regular, std::round(kTitleFontPx * scale));
  fonts.bold_synthetic = bold.data == nullptr;
  fonts.em_scale = regular.data ? em_scale_of(regular) : 1.0f;
  io.Fonts->Build();
  io.FontDefault = fonts.body;
  return fonts;
}

ImGuiStyle make_style(float dpr) {
  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.ScaleAllSizes(dpr);
  style.WindowRounding = 0;
  style.FrameRounding = kFrameRounding * dpr;
  style.PopupRounding = kPopupRounding * dpr;
  style.TouchExtraPadding = ImVec2(kTouchExtraPadding * dpr, kTouchExtraPadding * dpr);
  return style;
}

}  // namespace bos::ui
