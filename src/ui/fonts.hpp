// fonts.hpp: the chat's faces and style for Dear ImGui, at a device pixel ratio. The platform hands in
// the font bytes (wasm/: what boot.js downloaded; tests: the same Noto Sans from the system) and uploads
// the atlas texture afterwards; nothing here touches a GPU or a file.
#pragma once
#include "imgui.h"

namespace bos::ui {

struct Fonts {
  ImFont* body = nullptr;   // message text
  ImFont* small = nullptr;  // times, status, chips
  ImFont* bold = nullptr;   // titles
  // The site ships no bold face (9.9 KB of transfer for two titles): `bold` is the regular face at the
  // title size, and titles are drawn twice, a stroke apart (faux bold).
  bool bold_synthetic = false;
  // CSS em px per px of ImGui font size: ImGui sizes a face by its ascent-to-descent height, CSS by its em
  // (Noto Sans: 1000 / (1069 + 293) = 0.734). The browser draws what the atlas lacks at size × em_scale,
  // so both sit on one baseline at one visual size (ui/text_layout.hpp).
  float em_scale = 1.0f;
};

struct FontBytes {
  void* data = nullptr;  // a TrueType file, owned by the caller for as long as the atlas is used
  int size = 0;
};

// CSS px, before the device pixel ratio and the resident's "Texto maior".
inline constexpr float kBodyFontPx = 17.0f;
inline constexpr float kSmallFontPx = 13.5f;
inline constexpr float kTitleFontPx = 18.0f;
inline constexpr float kLargeTextScale = 1.2f;

// `em_scale` of a TrueType file (head.unitsPerEm / (hhea.ascender - hhea.descender)); 1 if unreadable.
float em_scale_of(FontBytes face);

// Clears io.Fonts, adds body, small and title faces (ImGui's built-in font when `regular` has no data)
// for `dpr` and `large_text`, builds the atlas and makes the body face the default.
Fonts build_fonts(ImGuiIO& io, FontBytes regular, FontBytes bold, float dpr, bool large_text);

// Dear ImGui's dark style scaled to `dpr`, with the chat's roundings and touch padding.
ImGuiStyle make_style(float dpr);

}  // namespace bos::ui
