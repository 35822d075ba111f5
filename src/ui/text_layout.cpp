// text_layout.cpp: see text_layout.hpp.
//
// Index
//   [SECTION] Clusters     what each grapheme cluster is: atlas, space, newline, control, external
//   [SECTION] Tokens       atlas words, spaces, external clusters, shaped runs (RTL runs absorb neutrals)
//   [SECTION] Lines        greedy breaking: units between break opportunities, splitting what is too wide
//   [SECTION] Placement    line widths, right-aligned RTL paragraphs reordered run by run, pieces
//   [SECTION] Entry points  layout_text, text_size, draw_text, draw_layout
#include "ui/text_layout.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/grapheme.hpp"
#include "core/utf8.hpp"

namespace bos::ui {

namespace {

bool is_breaking_space(char32_t c) {
  // U+00A0, U+2007 and U+202F are spaces that do not break; they are ordinary glyphs here.
  return c == 0x20 || c == 0x09 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A && c != 0x2007) || c == 0x205F ||
         c == 0x3000;
}

bool emoji_component(char32_t c) {
  return c == 0xFE0F || c == 0x20E3 || (c >= 0x1F1E6 && c <= 0x1F1FF) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
         (c >= 0xE0020 && c <= 0xE007F);
}

// [SECTION] Clusters --------------------------------------------------------------------------------------

enum class Cls : uint8_t { Newline, Control, Space, Text };

struct Cluster {
  uint32_t b = 0, e = 0;
  Cls cls = Cls::Text;
  bool covered = false;  // the atlas has a glyph for every code point
  bool rtl = false, ltr = false, digit = false;
  bool shaped = false, wide = false, emoji = false;
  float atlas_w = 0;
};

void cluster_text(std::string_view text, const TextFace& face, std::vector<Cluster>& out) {
  out.clear();
  const ImFont* font = face.font;
  const float scale = face.size / font->FontSize;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t end = grapheme::next_boundary(text, i);
    Cluster c;
    c.b = static_cast<uint32_t>(i);
    c.e = static_cast<uint32_t>(end);
    char32_t first = 0;
    const std::size_t first_len = utf8::decode(text, i, first);
    const grapheme::Props p = first_len ? grapheme::props(first) : grapheme::Props{};
    const grapheme::Gcb g = p.gcb();
    c.rtl = p.strong_rtl();
    c.ltr = p.strong_ltr();
    c.digit = first >= '0' && first <= '9';
    c.shaped = p.shaped();
    c.wide = p.wide();
    if (g == grapheme::Gcb::CR || g == grapheme::Gcb::LF) {
      c.cls = Cls::Newline;
    } else if (first_len == 0 || (g == grapheme::Gcb::Control && first != 0x09)) {
      c.cls = Cls::Control;
    } else {
      bool covered = true, emoji = p.extended_pictographic() && p.emoji_presentation(), text_presentation = false;
      float w = 0;
      for (std::size_t j = i; j < end;) {
        char32_t cp = 0;
        const std::size_t len = utf8::decode(text, j, cp);
        if (len == 0) {
          covered = false;
          break;
        }
        if (cp == 0xFE0E) text_presentation = true;
        if (emoji_component(cp) || (cp == 0x200D && p.extended_pictographic())) emoji = true;
        if (covered && font->FindGlyphNoFallback(static_cast<ImWchar>(cp)) == nullptr) covered = false;
        w += font->GetCharAdvance(static_cast<ImWchar>(cp)) * scale;
        j += len;
      }
      c.covered = covered;
      c.emoji = emoji && !text_presentation;
      c.wide = c.wide || c.emoji;
      c.atlas_w = w;
      c.cls = covered && end == i + first_len && is_breaking_space(first) ? Cls::Space : Cls::Text;
    }
    out.push_back(c);
    i = end;
  }
}

// [SECTION] Tokens ----------------------------------------------------------------------------------------

enum class Tok : uint8_t { Word, Space, Ext, Shaped, Newline, Invisible };
enum Strength : uint8_t { Neutral = 0, Ltr = 1, Rtl = 2 };

struct Token {
  Tok kind = Tok::Word;
  uint32_t c0 = 0, c1 = 0;  // clusters [c0, c1)
  float w = 0;
  GlyphFace face = GlyphFace::Text;
  bool rtl = false;
  bool wide = false;
  Strength strength = Neutral;
};

bool joins_unit(const Token& a, const Token& b) {
  const auto inked = [](const Token& t) { return t.kind == Tok::Word || t.kind == Tok::Ext || t.kind == Tok::Shaped; };
  return inked(a) && inked(b) && !a.wide && !b.wide;
}

struct Builder {
  std::string_view text;
  const TextFace& face;
  GlyphCache& glyphs;
  const std::vector<Cluster>& cl;

  std::string_view slice(uint32_t b, uint32_t e) const { return text.substr(b, e - b); }
  GlyphFace text_face() const { return face.bold ? GlyphFace::Bold : GlyphFace::Text; }
  float measure(uint32_t b, uint32_t e, GlyphFace f, bool rtl) const {
    return glyphs.metrics(slice(b, e), glyph_style(face, f, rtl)).advance;
  }

  void tokens(std::vector<Token>& out) const {
    out.clear();
    const uint32_t n = static_cast<uint32_t>(cl.size());
    for (uint32_t i = 0; i < n;) {
      const Cluster& c = cl[i];
      Token t;
      t.c0 = i;
      if (c.cls == Cls::Newline) {
        t.kind = Tok::Newline;
        t.c1 = ++i;
      } else if (c.cls == Cls::Control) {
        t.kind = Tok::Invisible;
        t.c1 = ++i;
      } else if (c.cls == Cls::Space) {
        t.kind = Tok::Space;
        t.w = c.atlas_w;
        t.c1 = ++i;
      } else if (c.rtl && !c.covered) {
        // A right-to-left run: up to the last strong RTL cluster before a strong LTR one or a line end,
        // with everything neutral in between (spaces, digits, punctuation, emoji): the browser orders it.
        uint32_t last = i;
        for (uint32_t j = i + 1; j < n && cl[j].cls != Cls::Newline && !cl[j].ltr; ++j) {
          if (cl[j].rtl) last = j;
        }
        t.kind = Tok::Shaped;
        t.rtl = true;
        t.strength = Rtl;
        t.c1 = i = last + 1;
      } else if (c.shaped && !c.covered) {
        // A word of a script whose letters join or reorder (Devanagari, Thai, ...).
        uint32_t j = i + 1;
        while (j < n && cl[j].cls == Cls::Text && cl[j].shaped && !cl[j].covered && !cl[j].rtl) ++j;
        t.kind = Tok::Shaped;
        t.strength = Ltr;
        t.c1 = i = j;
      } else if (c.covered) {
        uint32_t j = i;
        bool strong = false;
        while (j < n && cl[j].cls == Cls::Text && cl[j].covered) {
          strong = strong || cl[j].ltr || cl[j].digit;
          t.w += cl[j].atlas_w;
          ++j;
        }
        t.kind = Tok::Word;
        t.strength = strong ? Ltr : Neutral;
        t.c1 = i = j;
      } else {
        t.kind = Tok::Ext;
        t.face = c.emoji ? GlyphFace::Emoji : text_face();
        t.wide = c.wide;
        t.strength = c.ltr ? Ltr : Neutral;
        t.c1 = ++i;
      }
      if (t.kind == Tok::Ext || t.kind == Tok::Shaped) {
        if (t.kind == Tok::Shaped) t.face = text_face();
        t.w = measure(cl[t.c0].b, cl[t.c1 - 1].e, t.face, t.rtl);
      }
      out.push_back(t);
    }
  }
};

// [SECTION] Lines -----------------------------------------------------------------------------------------

struct Item {
  TextPiece::Kind kind = TextPiece::Atlas;
  bool space = false;
  uint32_t b = 0, e = 0;
  float w = 0;
  GlyphFace face = GlyphFace::Text;
  bool rtl = false;
  Strength strength = Neutral;
};

struct Line {
  uint32_t first = 0;  // into items
  bool rtl = false;    // its paragraph's direction
};

struct Breaker {
  const Builder& B;
  std::vector<Item>& items;
  std::vector<Line>& lines;
  float wrap;
  bool wrapping;
  float max_image_w;
  float x = 0;
  bool after_wrap = false;

  float avail() const { return wrapping ? wrap - x : FLT_MAX; }

  void new_line(bool wrapped, bool rtl) {
    while (items.size() > lines.back().first && items.back().space) items.pop_back();  // trailing spaces
    lines.push_back({static_cast<uint32_t>(items.size()), rtl});
    x = 0;
    after_wrap = wrapped;
  }
  void wrap_line() { new_line(true, lines.back().rtl); }

  void put(const Item& it) {
    items.push_back(it);
    x += it.w;
  }
  void put_atlas(uint32_t b, uint32_t e, float w, Strength s) { put({TextPiece::Atlas, false, b, e, w, GlyphFace::Text, false, s}); }
  void put_external(uint32_t b, uint32_t e, float w, GlyphFace f, bool rtl, Strength s) {
    put({TextPiece::External, false, b, e, w, f, rtl, s});
  }

  // An atlas word too wide for any line: cut at cluster boundaries.
  void split_word(const Token& t) {
    uint32_t pb = B.cl[t.c0].b;
    float acc = 0;
    for (uint32_t c = t.c0; c < t.c1; ++c) {
      const float cw = B.cl[c].atlas_w;
      if (wrapping && x + acc + cw > wrap && (acc > 0 || x > 0)) {
        if (acc > 0) put_atlas(pb, B.cl[c].b, acc, t.strength);
        wrap_line();
        pb = B.cl[c].b;
        acc = 0;
      }
      acc += cw;
    }
    if (B.cl[t.c1 - 1].e > pb) put_atlas(pb, B.cl[t.c1 - 1].e, acc, t.strength);
  }

  // A shaped run wider than the room it has: line-sized pieces, cut between its words (or, for one word
  // wider than a line, between its clusters), each measured again as the browser will draw it.
  void split_shaped(const Token& t) {
    struct Word {
      uint32_t c0, c1;
      float w;
    };
    std::vector<Word> words;
    for (uint32_t c = t.c0; c < t.c1;) {
      if (B.cl[c].cls == Cls::Space) {
        ++c;
        continue;
      }
      uint32_t d = c;
      while (d < t.c1 && B.cl[d].cls != Cls::Space) ++d;
      words.push_back({c, d, B.measure(B.cl[c].b, B.cl[d - 1].e, t.face, t.rtl)});
      c = d;
    }
    const float space_w = B.glyphs.metrics(" ", glyph_style(B.face, t.face, t.rtl)).advance;
    auto emit = [&](uint32_t c0, uint32_t c1) {
      const uint32_t b = B.cl[c0].b, e = B.cl[c1 - 1].e;
      put_external(b, e, B.measure(b, e, t.face, t.rtl), t.face, t.rtl, t.strength);
    };
    for (std::size_t i = 0; i < words.size();) {
      const float limit = std::min(avail(), max_image_w);
      float acc = 0;
      std::size_t j = i;
      while (j < words.size()) {
        const float add = (j > i ? space_w : 0) + words[j].w;
        if (acc + add > limit) break;
        acc += add;
        ++j;
      }
      if (j == i) {
        if (x > 0) {
          wrap_line();
          continue;
        }
        // One word wider than a line: pieces of clusters, with the clusters' own widths as the estimate.
        uint32_t pc = words[i].c0;
        float pw = 0;
        for (uint32_t c = words[i].c0; c < words[i].c1; ++c) {
          const float cw = B.measure(B.cl[c].b, B.cl[c].e, t.face, t.rtl);
          if (pw + cw > limit && c > pc) {
            emit(pc, c);
            wrap_line();
            pc = c;
            pw = 0;
          }
          pw += cw;
        }
        emit(pc, words[i].c1);
        ++i;
        if (i < words.size()) wrap_line();
        continue;
      }
      emit(words[i].c0, words[j - 1].c1);
      i = j;
      if (i < words.size()) wrap_line();
    }
  }

  void place(const Token& t, bool too_wide) {
    switch (t.kind) {
      case Tok::Word:
        if (too_wide && wrapping && x + t.w > wrap) split_word(t);
        else put_atlas(B.cl[t.c0].b, B.cl[t.c1 - 1].e, t.w, t.strength);
        break;
      case Tok::Ext:
        if (too_wide && wrapping && x > 0 && x + t.w > wrap) wrap_line();
        put_external(B.cl[t.c0].b, B.cl[t.c0].e, t.w, t.face, false, t.strength);
        break;
      case Tok::Shaped:
        if (t.w <= std::min(avail(), max_image_w)) put_external(B.cl[t.c0].b, B.cl[t.c1 - 1].e, t.w, t.face, t.rtl, t.strength);
        else split_shaped(t);
        break;
      default: break;
    }
  }

  static bool paragraph_rtl(const std::vector<Cluster>& cl, uint32_t from) {
    for (uint32_t i = from; i < cl.size() && cl[i].cls != Cls::Newline; ++i) {
      if (cl[i].rtl) return true;
      if (cl[i].ltr) return false;
    }
    return false;
  }

  void run(const std::vector<Token>& toks) {
    lines.push_back({0, paragraph_rtl(B.cl, 0)});
    const std::size_t n = toks.size();
    for (std::size_t t = 0; t < n;) {
      const Token& tok = toks[t];
      switch (tok.kind) {
        case Tok::Newline:
          new_line(false, paragraph_rtl(B.cl, tok.c1));
          ++t;
          continue;
        case Tok::Invisible: ++t; continue;
        case Tok::Space:
          if (!(after_wrap && x == 0)) {
            put({TextPiece::Atlas, true, B.cl[tok.c0].b, B.cl[tok.c0].e, tok.w, GlyphFace::Text, false, Neutral});
          }
          ++t;
          continue;
        default: break;
      }
      // A unit: tokens with no break opportunity between them.
      std::size_t u = t + 1;
      float unit_w = tok.w;
      while (u < n && joins_unit(toks[u - 1], toks[u])) unit_w += toks[u++].w;
      if (wrapping && x > 0 && x + unit_w > wrap) wrap_line();
      const bool too_wide = wrapping && x + unit_w > wrap;
      for (std::size_t k = t; k < u; ++k) place(toks[k], too_wide);
      t = u;
    }
    // Like ImGui: trailing spaces of the last line do not count.
    while (items.size() > lines.back().first && items.back().space) items.pop_back();
  }
};

// [SECTION] Placement -------------------------------------------------------------------------------------

// Visual order of one right-to-left paragraph's line: neutrals between two left-to-right items join them,
// the rest take the paragraph's direction; the line is reversed, then each left-to-right run back.
void reorder_rtl(std::vector<Item>& items, std::size_t b, std::size_t e) {
  std::vector<uint8_t> ltr(e - b, 0);
  for (std::size_t i = b; i < e; ++i) {
    if (items[i].strength == Ltr) {
      ltr[i - b] = 1;
    } else if (items[i].strength == Neutral) {
      Strength before = Rtl, after = Rtl;
      for (std::size_t k = i; k-- > b;) {
        if (items[k].strength != Neutral) { before = items[k].strength; break; }
      }
      for (std::size_t k = i + 1; k < e; ++k) {
        if (items[k].strength != Neutral) { after = items[k].strength; break; }
      }
      ltr[i - b] = before == Ltr && after == Ltr;
    }
  }
  std::reverse(items.begin() + static_cast<long>(b), items.begin() + static_cast<long>(e));
  std::reverse(ltr.begin(), ltr.end());
  for (std::size_t i = 0; i < ltr.size();) {
    if (!ltr[i]) { ++i; continue; }
    std::size_t j = i;
    while (j < ltr.size() && ltr[j]) ++j;
    std::reverse(items.begin() + static_cast<long>(b + i), items.begin() + static_cast<long>(b + j));
    i = j;
  }
}

void place_lines(TextLayout& out, std::vector<Item>& items, const std::vector<Line>& lines, float line_h) {
  std::vector<float> widths(lines.size(), 0);
  float block_w = 0;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    const std::size_t b = lines[l].first, e = l + 1 < lines.size() ? lines[l + 1].first : items.size();
    for (std::size_t i = b; i < e; ++i) widths[l] += items[i].w;
    block_w = std::max(block_w, widths[l]);
  }
  // As ImGui counts lines: a last line with nothing on it (after a final newline) is not one.
  std::size_t n_lines = lines.size();
  if (n_lines > 1 && lines.back().first == items.size()) --n_lines;
  out.size = ImVec2(block_w, line_h * static_cast<float>(n_lines));
  out.lines = static_cast<int>(n_lines);
  for (std::size_t l = 0; l < lines.size(); ++l) {
    const std::size_t b = lines[l].first, e = l + 1 < lines.size() ? lines[l + 1].first : items.size();
    if (lines[l].rtl) reorder_rtl(items, b, e);
    float x = lines[l].rtl ? block_w - widths[l] : 0;
    const float y = line_h * static_cast<float>(l);
    for (std::size_t i = b; i < e; ++i) {
      const Item& it = items[i];
      TextPiece* last = out.pieces.empty() ? nullptr : &out.pieces.back();
      if (it.kind == TextPiece::Atlas && last && last->kind == TextPiece::Atlas && last->y == y && last->end == it.b &&
          std::fabs(last->x + last->w - x) < 0.01f) {
        last->end = it.e;
        last->w += it.w;
      } else if (!it.space) {
        TextPiece p;
        p.kind = it.kind;
        p.x = x;
        p.y = y;
        p.w = it.w;
        p.begin = it.b;
        p.end = it.e;
        p.face = it.face;
        p.rtl = it.rtl;
        out.pieces.push_back(p);
      }
      x += it.w;
    }
  }
}

// Text the atlas draws whole: every byte printable ASCII, a newline or a tab, every other code point in the font.
bool atlas_covers(std::string_view text, const ImFont* font) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 && b != '\n' && b != '\t') return false;
      if (b == 0x7F) return false;
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = utf8::decode(text, i, cp);
    if (len == 0 || font->FindGlyphNoFallback(static_cast<ImWchar>(cp)) == nullptr) return false;
    i += len;
  }
  return true;
}

void count_replacements(std::string_view s, GlyphCache* glyphs) {
  if (!glyphs) return;
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '\xEF' && s[i + 1] == '\xBF' && s[i + 2] == '\xBD') {
      ++glyphs->stats().replacement_drawn;
      i += 2;
    }
  }
}

bool rich(GlyphCache* glyphs) { return glyphs && glyphs->available(); }

}  // namespace

// [SECTION] Entry points ----------------------------------------------------------------------------------

GlyphStyle glyph_style(const TextFace& face, GlyphFace glyph_face, bool rtl) {
  GlyphStyle s;
  s.em_px = face.size * face.em_scale;
  s.line_px = face.size;
  s.ascent_px = face.font->Ascent * (face.size / face.font->FontSize);
  s.face = glyph_face == GlyphFace::Emoji ? GlyphFace::Emoji : (face.bold ? GlyphFace::Bold : GlyphFace::Text);
  s.rtl = rtl;
  return s;
}

void layout_text(TextLayout& out, std::string_view text, const TextFace& face, float wrap_w, GlyphCache* glyphs) {
  out.pieces.clear();
  out.lines = 0;
  out.wrap = wrap_w > 0 ? wrap_w : 0.0f;
  const char* b = text.data();
  const char* e = b + text.size();
  if (!rich(glyphs) || atlas_covers(text, face.font)) {
    out.plain = true;
    out.size = face.font->CalcTextSizeA(face.size, FLT_MAX, wrap_w > 0 ? wrap_w : 0.0f, b, e);
    return;
  }
  out.plain = false;
  // Scratch kept between calls: a frame lays out many texts.
  static std::vector<Cluster> clusters;
  static std::vector<Token> toks;
  static std::vector<Item> items;
  static std::vector<Line> lines;
  cluster_text(text, face, clusters);
  const Builder builder{text, face, *glyphs, clusters};
  builder.tokens(toks);
  items.clear();
  lines.clear();
  Breaker br{builder, items, lines, wrap_w, wrap_w > 0, glyphs->max_image_width()};
  br.run(toks);
  place_lines(out, items, lines, face.size);
}

ImVec2 text_size(std::string_view text, const TextFace& face, float wrap_w, GlyphCache* glyphs) {
  static TextLayout scratch;
  layout_text(scratch, text, face, wrap_w, glyphs);
  return scratch.size;
}

void draw_layout(ImDrawList* dl, const TextLayout& L, std::string_view text, const TextFace& face, ImVec2 pos, ImU32 col,
                 GlyphCache* glyphs, bool atlas_only) {
  // Only what lies inside the draw list's clip rect becomes vertices. ImFont::RenderText lays out every
  // line of a wrapped text unless it gets a fine clip rect, and a 16 KB message makes 65,536 vertices:
  // past that the WebGL2 renderer's 16-bit indices wrap and what is drawn after it vanishes
  // (tests/ui/draw_limits_test.cpp). The pieces of a laid-out text are culled by line for the same reason.
  const ImVec2 c0 = dl->GetClipRectMin(), c1 = dl->GetClipRectMax();
  const ImVec4 fine_clip(c0.x, c0.y, c1.x, c1.y);
  if (L.plain) {
    count_replacements(text, glyphs);
    dl->AddText(face.font, face.size, pos, col, text.data(), text.data() + text.size(), L.wrap, &fine_clip);
    return;
  }
  const bool split = dl->_Splitter._Count >= 2;  // images batched in channel 1: one texture switch per window
  for (const TextPiece& p : L.pieces) {
    const ImVec2 at(pos.x + p.x, pos.y + p.y);
    // A line above or below what is seen (a line's margin either side: an image may overhang its line).
    if (at.y + 2 * face.size < c0.y || at.y - face.size > c1.y) continue;
    const std::string_view s = text.substr(p.begin, p.end - p.begin);
    if (p.kind == TextPiece::Atlas) {
      count_replacements(s, glyphs);
      dl->AddText(face.font, face.size, at, col, s.data(), s.data() + s.size(), 0.0f, &fine_clip);
      continue;
    }
    if (atlas_only || !glyphs) continue;
    const GlyphImage* img = glyphs->image(s, glyph_style(face, p.face, p.rtl));
    if (!img) continue;
    if (img->w <= 0) continue;
    ++glyphs->stats().images_drawn;
    const ImU32 tint = img->coloured ? (IM_COL32_WHITE & 0x00FFFFFF) | (col & IM_COL32_A_MASK) : col;
    const ImVec2 p0(std::round(at.x + img->x), std::round(at.y + img->y));
    if (split) dl->ChannelsSetCurrent(1);
    dl->AddImage(glyphs->texture_id(), p0, ImVec2(p0.x + img->w, p0.y + img->h), ImVec2(img->u0, img->v0),
                 ImVec2(img->u1, img->v1), tint);
    if (split) dl->ChannelsSetCurrent(0);
  }
}

void draw_text(ImDrawList* dl, std::string_view text, const TextFace& face, ImVec2 pos, ImU32 col, float wrap_w,
               GlyphCache* glyphs) {
  static TextLayout scratch;
  layout_text(scratch, text, face, wrap_w, glyphs);
  draw_layout(dl, scratch, text, face, pos, col, glyphs);
}

}  // namespace bos::ui
