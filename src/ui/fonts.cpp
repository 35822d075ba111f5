// fonts.cpp: see fonts.hpp.
#include "ui/fonts.hpp"

#include <cmath>

namespace bos::ui {

namespace {
// Latin, Latin-1, Latin Extended-A, general punctuation (“ ” …), the euro sign, the replacement glyph:
// the same ranges as the subset the site ships (scripts/lib/assemble_site.py FONTS).
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2000, 0x206F, 0x20AC, 0x20AC, 0xFFFD, 0xFFFD, 0};
constexpr int kOversampleH = 2;  // crisp horizontal subpixel positions; vertical needs none
constexpr int kOversampleV = 1;
constexpr float kFrameRounding = 10;   // CSS px
constexpr float kPopupRounding = 10;
constexpr float kTouchExtraPadding = 4;
}  // namespace

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
