// text_layout.hpp: every piece of text the chat draws, in every script. Text the ImGui font covers is
// drawn by ImGui; the rest ("external": emoji, CJK, symbols, Cyrillic, Greek, ...; Hebrew and Arabic runs;
// Devanagari, Thai and other shaped words) is drawn by the browser, as images from the glyph cache
// (ui/glyph_cache.hpp), laid out inline here: wrapping, bubble width and line height stay in C++ and are
// tested natively with injected advances.
//
// The units (core/grapheme.hpp): an external piece is one grapheme cluster (👨‍👩‍👧, 🇧🇷, 👍🏽, 1️⃣, ❤️ each
// take one image with the browser's width), except in scripts whose letters join or reorder: there a word
// (Devanagari, Thai) or a right-to-left run (Hebrew, Arabic, with the spaces, digits, punctuation and
// emoji between its letters) is one piece, drawn as the browser shapes and orders it.
//
// Lines break at spaces, before and after wide clusters (CJK, kana, Hangul, emoji), and inside a word
// that is wider than the line (at cluster boundaries). A right-to-left run wider than the line is cut
// between its words into line-sized pieces, in logical order, the first on the first line (the browser
// draws each piece): the cut is chosen with the words' measured widths, so a piece can be a few pixels
// wider than estimated (approximate, as the issue allows). A paragraph whose first strong letter is
// right-to-left is right-aligned, and its lines are ordered right to left run by run (UAX #9 L2 with
// two levels: the left-to-right words inside it keep their order). Control characters draw nothing.
//
// Text whose every code point the atlas covers takes ImGui's own path (CalcTextSizeA / AddText with its
// word wrap), exactly as before: Portuguese costs what it did.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "imgui.h"
#include "ui/glyph_cache.hpp"

namespace bos::ui {

// One ImGui font at one size, and what the browser needs to draw the same size.
struct TextFace {
  ImFont* font = nullptr;
  float size = 0;      // px; the line height
  float em_scale = 1;  // CSS em px per px of `size` (ui::Fonts::em_scale)
  bool bold = false;
};

struct TextPiece {
  enum Kind : uint8_t { Atlas, External } kind = Atlas;
  float x = 0, y = 0, w = 0;  // relative to the text's top-left
  uint32_t begin = 0, end = 0;  // bytes of the text
  GlyphFace face = GlyphFace::Text;
  bool rtl = false;
};

struct TextLayout {
  std::vector<TextPiece> pieces;  // empty when `plain`
  ImVec2 size{0, 0};
  int lines = 0;
  float wrap = 0;     // as laid out (0: no wrapping)
  bool plain = true;  // the atlas covers it all: ImGui draws it with its own wrapping
};

// `wrap_w` ≤ 0: no wrapping (as ImGui's). Without a glyph cache (or one with no rasterizer) every text is
// plain: ImGui draws it, with its fallback glyph where the font has none.
void layout_text(TextLayout& out, std::string_view text, const TextFace& face, float wrap_w, GlyphCache* glyphs);
ImVec2 text_size(std::string_view text, const TextFace& face, float wrap_w, GlyphCache* glyphs);
void draw_text(ImDrawList* dl, std::string_view text, const TextFace& face, ImVec2 pos, ImU32 col, float wrap_w,
               GlyphCache* glyphs);
// Draws a layout made by layout_text for the same text and face. `atlas_only`: skip the images (the second
// stroke of a faux-bold title). External images go to the draw list's channel 1 when it is split in two
// (ChatView does, per window), so a window switches textures once, not twice per emoji.
void draw_layout(ImDrawList* dl, const TextLayout& layout, std::string_view text, const TextFace& face, ImVec2 pos,
                 ImU32 col, GlyphCache* glyphs, bool atlas_only = false);

// The style the glyph cache keys an external piece of `face` by.
GlyphStyle glyph_style(const TextFace& face, GlyphFace glyph_face, bool rtl);

}  // namespace bos::ui
