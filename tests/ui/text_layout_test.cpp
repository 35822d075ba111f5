// Text in every script (ui/text_layout.hpp, ui/glyph_cache.hpp) with the browser faked (fake_glyphs.hpp):
// which runs the atlas draws and which the browser draws, one image per cluster with the browser's width,
// wrapping with injected advances, right-to-left runs and paragraphs, the bounded LRU cache, and the chat
// view drawing it all inline (bubbles, cards, chips, the typing line, the header).
//
// Index
//   [SECTION] Helpers
//   [SECTION] Runs            atlas vs external, one cluster per image, shaped and RTL runs
//   [SECTION] Lines           wrapping with external advances, long words, long RTL runs, RTL paragraphs
//   [SECTION] Glyph cache     first sight only, LRU eviction, context loss, colour
//   [SECTION] In the view     bubble sizes, images drawn, 200 emoji, every place text is drawn
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <set>

#include "fake_glyphs.hpp"
#include "harness.hpp"
#include "core/limits.hpp"
#include "core/utf8.hpp"
#include "ui/chat_layout.hpp"
#include "ui/text_layout.hpp"
#include "ui/text_util.hpp"

using namespace bos;
using namespace bos::test;
namespace layout = bos::ui::layout;

// [SECTION] Helpers ---------------------------------------------------------------------------------------

namespace {

// The emoji of issue 17, one cluster each.
const std::string kFamily = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
const std::string kBrazil = "\xF0\x9F\x87\xA7\xF0\x9F\x87\xB7";
const std::string kThumbTone = "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD";
const std::string kKeycap = "1\xEF\xB8\x8F\xE2\x83\xA3";
const std::string kHeart = "\xE2\x9D\xA4\xEF\xB8\x8F";
const std::string kThumb = "\xF0\x9F\x91\x8D";
const std::string kPray = "\xF0\x9F\x99\x8F";
const std::string kShalom = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D";        // שלום
const std::string kOlam = "\xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D";          // עולם
const std::string kZhong = "\xE4\xB8\xAD";                            // 中
const std::string kNamaste = "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87";  // नमस्ते

struct Fixture {
  ViewHarness h;
  FakeGlyphs fake;
  ui::GlyphCache cache{&fake};
  ui::TextFace face;
  Fixture() {
    cache.set_texture_id(FakeGlyphs::kTexture);
    face = {h.ctx.fonts.body, h.ctx.fonts.body->FontSize, h.ctx.fonts.em_scale, false};
  }
  ui::TextLayout lay(std::string_view text, float wrap = 0) {
    ui::TextLayout L;
    ui::layout_text(L, text, face, wrap, &cache);
    return L;
  }
  float atlas_w(std::string_view s) const {
    return face.font->CalcTextSizeA(face.size, FLT_MAX, 0, s.data(), s.data() + s.size()).x;
  }
};

std::string_view piece_text(const ui::TextPiece& p, std::string_view text) { return text.substr(p.begin, p.end - p.begin); }

std::vector<std::string> externals(const ui::TextLayout& L, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& p : L.pieces) {
    if (p.kind == ui::TextPiece::External) out.emplace_back(piece_text(p, text));
  }
  return out;
}

ui::ViewState connected() {
  ui::ViewState s;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  s.version = "0.1.0+test";
  return s;
}

void settle(ViewHarness& h, const ChatModel& chat, const ui::ViewState& s) {
  for (int i = 0; i < 64; ++i) {
    h.frame(chat, s);
    if (!h.view.needs_frame()) break;
  }
  h.frame(chat, s);
}

// Draw commands of the last frame that use the glyph cache's texture, and the vertices they hold.
std::size_t image_quads() {
  std::size_t quads = 0;
  const ImDrawData* dd = ImGui::GetDrawData();
  for (int l = 0; dd && l < dd->CmdListsCount; ++l) {
    for (const ImDrawCmd& c : dd->CmdLists[l]->CmdBuffer) {
      if (c.TextureId == FakeGlyphs::kTexture) quads += c.ElemCount / 6;
    }
  }
  return quads;
}
std::size_t image_commands() {
  std::size_t n = 0;
  const ImDrawData* dd = ImGui::GetDrawData();
  for (int l = 0; dd && l < dd->CmdListsCount; ++l) {
    for (const ImDrawCmd& c : dd->CmdLists[l]->CmdBuffer) n += c.TextureId == FakeGlyphs::kTexture && c.ElemCount > 0;
  }
  return n;
}

}  // namespace

// [SECTION] Runs ------------------------------------------------------------------------------------------

TEST_CASE("text the atlas covers stays ImGui text, measured as ImGui measures it", "[ui][text]") {
  Fixture f;
  REQUIRE(f.h.real_font);
  const std::string text = "Ol\xC3\xA1! O elevador est\xC3\xA1 quebrado? \xE2\x80\x9C" "a\xC3\xA7\xC3\xA3o\xE2\x80\x9D \xE2\x82\xAC 10";
  const auto L = f.lay(text, 150);
  CHECK(L.plain);
  const ImVec2 imgui = f.face.font->CalcTextSizeA(f.face.size, FLT_MAX, 150, text.data(), text.data() + text.size());
  CHECK(L.size.x == imgui.x);
  CHECK(L.size.y == imgui.y);
  CHECK(f.fake.measured.empty());  // the browser is never asked
}

TEST_CASE("a message of Portuguese and emoji: atlas runs and one external piece per emoji", "[ui][text]") {
  Fixture f;
  const std::string text = "Obrigado!! " + kThumb + kPray;
  const auto L = f.lay(text);
  REQUIRE_FALSE(L.plain);
  REQUIRE(L.pieces.size() == 3);
  CHECK(L.pieces[0].kind == ui::TextPiece::Atlas);
  CHECK(piece_text(L.pieces[0], text) == "Obrigado!! ");
  CHECK(externals(L, text) == std::vector<std::string>{kThumb, kPray});
  CHECK(L.pieces[1].face == ui::GlyphFace::Emoji);
  CHECK(L.pieces[1].x == Approx(f.atlas_w("Obrigado!! ")));
  CHECK(L.pieces[2].x == Approx(L.pieces[1].x + 20));
  CHECK(L.size.x == Approx(f.atlas_w("Obrigado!! ") + 40));
  CHECK(L.size.y == f.face.size);
}

TEST_CASE("each of issue 17's clusters is one image with the browser's width", "[ui][text]") {
  Fixture f;
  const std::vector<std::string> clusters = {kFamily, kBrazil, kThumbTone, kKeycap, kHeart};
  const float widths[] = {31, 23, 19, 17, 13};
  std::string text;
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    f.fake.advances[clusters[i]] = widths[i];
    text += clusters[i];
  }
  const auto L = f.lay(text);
  CHECK(externals(L, text) == clusters);
  float x = 0;
  for (std::size_t i = 0; i < L.pieces.size(); ++i) {
    CHECK(L.pieces[i].x == Approx(x));
    CHECK(L.pieces[i].w == Approx(widths[i]));
    CHECK(L.pieces[i].face == ui::GlyphFace::Emoji);
    x += widths[i];
  }
  // The browser was asked about whole clusters only, never about a part of one.
  for (const auto& m : f.fake.measured) CHECK(std::find(clusters.begin(), clusters.end(), m) != clusters.end());
}

TEST_CASE("a letter the atlas lacks is drawn by the browser, glued to its word", "[ui][text]") {
  Fixture f;
  // "café" with a combining accent, Vietnamese, Cyrillic: the cluster, not the code point, is the unit.
  const std::string text = "cafe\xCC\x81 Vi\xE1\xBB\x87t \xD0\x9C\xD0\xB8\xD1\x80";
  const auto L = f.lay(text);
  CHECK(externals(L, text) == std::vector<std::string>{"e\xCC\x81", "\xE1\xBB\x87", "\xD0\x9C", "\xD0\xB8", "\xD1\x80"});
  for (const auto& p : L.pieces) {
    if (p.kind == ui::TextPiece::External) CHECK(p.face == ui::GlyphFace::Text);  // monochrome, tinted
  }
}

TEST_CASE("the atlas holds what the site's font subset holds: Latin Extended-A comes from the browser", "[ui][text]") {
  Fixture f;
  REQUIRE(f.h.real_font);
  // The UI's own texts ("Enviando\u2026", "\u00B7") and the punctuation replies use stay atlas text...
  CHECK(f.lay("Enviando\xE2\x80\xA6 \xC2\xB7 \xE2\x80\x94 \xE2\x80\x98ok\xE2\x80\x99 \xC2\xABsim\xC2\xBB 5\xE2\x80\xB0").plain);
  // ...Latin Extended-A (U+0100-017F, 4 KB of the font with the rare punctuation) is drawn by the browser,
  // each letter glued to its word, so a Polish or Czech name still shows (src/ui/fonts.cpp kGlyphRanges).
  const std::string text = "\xC5\x81ukasz Dvo\xC5\x99\xC3\xA1k \xE2\x80\xBB";  // Łukasz Dvořák ※
  const auto L = f.lay(text, 400);
  REQUIRE_FALSE(L.plain);
  CHECK(externals(L, text) == std::vector<std::string>{"\xC5\x81", "\xC5\x99", "\xE2\x80\xBB"});
  CHECK(L.lines == 1);
}

TEST_CASE("Hebrew and Arabic runs are one piece each, with the neutrals between their words", "[ui][text]") {
  Fixture f;
  const std::string run = kShalom + " 123, " + kOlam;
  const std::string text = "Oi " + run + "! tchau";
  const auto L = f.lay(text);
  REQUIRE(externals(L, text) == std::vector<std::string>{run});
  const auto it = std::find_if(L.pieces.begin(), L.pieces.end(), [](const ui::TextPiece& p) { return p.kind == ui::TextPiece::External; });
  CHECK(it->rtl);
  CHECK(it->x == Approx(f.atlas_w("Oi ")));  // a left-to-right paragraph: in logical order
  const std::string arabic = "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD8\xA8\xD9\x83";  // مرحبا بك
  CHECK(externals(f.lay(arabic), arabic) == std::vector<std::string>{arabic});
  // Devanagari joins inside a word: one piece per word.
  const std::string hindi = kNamaste + " " + kNamaste;
  CHECK(externals(f.lay(hindi), hindi) == std::vector<std::string>{kNamaste, kNamaste});
}

TEST_CASE("control characters draw nothing, U+FFFD is counted when it is the text", "[ui][text]") {
  Fixture f;
  const std::string text = std::string("a\x01" "b\x7F") + "c" + kThumb;
  const auto L = f.lay(text);
  std::string drawn;
  for (const auto& p : L.pieces) drawn += std::string(piece_text(p, text));
  CHECK(drawn == "abc" + kThumb);
  ImGui::NewFrame();
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  ui::draw_text(dl, text, f.face, ImVec2(0, 0), IM_COL32_WHITE, 0, &f.cache);
  CHECK(f.cache.stats().replacement_drawn == 0);
  ui::draw_text(dl, "invalid \xEF\xBF\xBD byte", f.face, ImVec2(0, 0), IM_COL32_WHITE, 0, &f.cache);
  CHECK(f.cache.stats().replacement_drawn == 1);
  ImGui::Render();
}

// [SECTION] Lines -----------------------------------------------------------------------------------------

TEST_CASE("CJK and emoji wrap between clusters, with the browser's advances", "[ui][text]") {
  Fixture f;
  std::string text;
  for (int i = 0; i < 8; ++i) text += kZhong;
  const auto L = f.lay(text, 70);  // 20 px each: three per line
  CHECK(L.lines == 3);
  CHECK(L.size.y == Approx(3 * f.face.size));
  CHECK(L.size.x == Approx(60));
  for (const auto& p : L.pieces) CHECK(p.x + p.w <= 70);
  // Emoji after a word: the word stays whole, the emoji go to the next line when they do not fit.
  const std::string msg = "Obrigado " + kThumb + kThumb + kThumb;
  const float word = f.atlas_w("Obrigado ");
  const auto M = f.lay(msg, word + 45);
  REQUIRE(M.pieces.size() == 4);
  CHECK(M.pieces[1].y == 0);
  CHECK(M.pieces[2].y == 0);
  CHECK(M.pieces[3].y == Approx(f.face.size));
  CHECK(M.pieces[3].x == 0);
}

TEST_CASE("letters of one word never wrap apart, even when the browser draws some of them", "[ui][text]") {
  Fixture f;
  const std::string text = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80";  // Привет мир
  const auto L = f.lay(text, 150);  // 6 × 20 = 120 px, then " мир" does not fit
  REQUIRE(L.lines == 2);
  for (const auto& p : L.pieces) {
    if (p.y == 0) CHECK(p.begin < 12);
    else CHECK(p.begin >= 13);
  }
  // "café" never breaks before its combining accent.
  std::string cafes;
  for (int i = 0; i < 12; ++i) cafes += "cafe\xCC\x81 ";
  const auto C = f.lay(cafes, 200);
  for (const auto& p : C.pieces) {
    if (p.kind == ui::TextPiece::External) CHECK(p.x > 0);  // always after its "caf"
  }
}

TEST_CASE("a word wider than the line breaks between clusters", "[ui][text]") {
  Fixture f;
  std::string text = "https://example.com/";
  for (int i = 0; i < 6; ++i) text += kThumb;
  const auto L = f.lay(text, 60);
  CHECK(L.lines > 2);
  CHECK(L.size.x <= 60.5f);
  std::string joined;
  for (const auto& p : L.pieces) joined += std::string(piece_text(p, text));
  CHECK(joined == text);  // nothing lost, nothing doubled
}

TEST_CASE("a long right-to-left run is cut between its words into line-sized pieces, first words first", "[ui][text]") {
  Fixture f;
  std::string text;
  for (int i = 0; i < 10; ++i) text += (i ? " " : "") + (i % 2 ? kOlam : kShalom);
  const auto L = f.lay(text, 200);  // a word is 4 clusters: 80 px; a space 20 px
  REQUIRE(L.lines >= 4);
  std::string joined;
  float last_y = -1;
  for (const auto& p : L.pieces) {
    CHECK(p.kind == ui::TextPiece::External);
    CHECK(p.rtl);
    CHECK(p.w <= 200);
    CHECK(p.y > last_y);  // one piece per line, in logical order
    last_y = p.y;
    joined += (joined.empty() ? "" : " ") + std::string(piece_text(p, text));
  }
  CHECK(joined == text);
  // Each piece was measured whole, as the browser will draw it.
  for (const auto& p : L.pieces) {
    CHECK(std::find(f.fake.measured.begin(), f.fake.measured.end(), std::string(piece_text(p, text))) != f.fake.measured.end());
  }
}

TEST_CASE("a right-to-left paragraph is right-aligned and ordered run by run", "[ui][text]") {
  Fixture f;
  const std::string text = kShalom + " John Smith " + kThumb;
  const auto L = f.lay(text);
  REQUIRE(L.pieces.size() == 3);
  const auto& hebrew = *std::find_if(L.pieces.begin(), L.pieces.end(), [&](const ui::TextPiece& p) { return p.rtl; });
  const auto& latin = *std::find_if(L.pieces.begin(), L.pieces.end(), [](const ui::TextPiece& p) { return p.kind == ui::TextPiece::Atlas; });
  const auto& emoji = *std::find_if(L.pieces.begin(), L.pieces.end(), [](const ui::TextPiece& p) { return p.face == ui::GlyphFace::Emoji; });
  CHECK(piece_text(latin, text) == "John Smith");  // left-to-right inside
  CHECK(hebrew.x > latin.x);                       // the first logical run is on the right
  CHECK(emoji.x < latin.x);                        // the last on the left
  CHECK(hebrew.x + hebrew.w == Approx(L.size.x));  // right-aligned
  // Two paragraphs: the Hebrew one right-aligned under a wider Portuguese one.
  const std::string two = "Bom dia a todos os vizinhos\n" + kShalom;
  const auto T = f.lay(two);
  const auto& h2 = *std::find_if(T.pieces.begin(), T.pieces.end(), [](const ui::TextPiece& p) { return p.rtl; });
  CHECK(h2.y == Approx(f.face.size));
  CHECK(h2.x + h2.w == Approx(T.size.x));
  CHECK(h2.x > 0);
}

// [SECTION] Glyph cache -----------------------------------------------------------------------------------

TEST_CASE("a glyph is measured and rasterised once, on first sight, and drawn from the cache after", "[ui][glyphs]") {
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  ui::GlyphStyle style{12.5f, 17, 13.3f, ui::GlyphFace::Emoji, false};
  cache.begin_frame();
  CHECK(cache.metrics(kThumb, style).advance == 20);
  CHECK(cache.metrics(kThumb, style).advance == 20);
  CHECK(fake.measured.size() == 1);
  CHECK(fake.rasterized.empty());  // measuring is not drawing
  const ui::GlyphImage* a = cache.image(kThumb, style);
  REQUIRE(a);
  CHECK(a->coloured);
  CHECK(a->w >= 20);
  CHECK(a->h > style.line_px);  // room for marks and tall emoji above and below the line
  CHECK(a->u1 > a->u0);
  for (int frame = 0; frame < 5; ++frame) {
    cache.begin_frame();
    CHECK(cache.image(kThumb, style) == a);
  }
  CHECK(fake.rasterized.size() == 1);
  CHECK(fake.uploads == 1);
  // Another size is another glyph.
  style.em_px = 25;
  cache.image(kThumb, style);
  CHECK(fake.rasterized.size() == 2);
  // Text is a white mask, to be tinted.
  style.face = ui::GlyphFace::Text;
  const ui::GlyphImage* t = cache.image(kZhong, style);
  REQUIRE(t);
  CHECK_FALSE(t->coloured);
  // A grey emoji (the family silhouettes) has colours of its own too: drawn as it is, never tinted.
  fake.grey = kFamily;
  style.face = ui::GlyphFace::Emoji;
  const ui::GlyphImage* g = cache.image(kFamily, style);
  REQUIRE(g);
  CHECK(g->coloured);
}

TEST_CASE("the cache is bounded: the least recently drawn shelf goes, never one drawn this frame", "[ui][glyphs]") {
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake, 128);  // 128 × 128: 4 shelves of 25 px glyphs, 4 glyphs each
  ui::GlyphStyle style{12, 17, 13, ui::GlyphFace::Emoji, false};
  auto glyph = [](int i) {  // CJK ideographs, one cluster each
    std::string g;
    utf8::append(g, static_cast<char32_t>(0x4E00 + i));
    return g;
  };
  cache.begin_frame();
  int placed = 0;
  for (int i = 0; i < 64 && cache.image(glyph(i), style); ++i) ++placed;
  CHECK(placed >= 8);
  CHECK(placed < 64);
  CHECK(cache.stats().full == 1);  // all of them were drawn this frame: nothing could be evicted
  const std::size_t resident = cache.stats().resident;
  // Next frame: only the last one is drawn again; new glyphs take the oldest shelves.
  cache.begin_frame();
  const ui::GlyphImage* keep = cache.image(glyph(placed - 1), style);
  REQUIRE(keep);
  const float u = keep->u0, v = keep->v0;
  for (int i = 100; i < 110; ++i) REQUIRE(cache.image(glyph(i), style));
  CHECK(cache.stats().evicted_shelves > 0);
  CHECK(cache.stats().resident <= resident);
  const ui::GlyphImage* again = cache.image(glyph(placed - 1), style);
  REQUIRE(again);
  CHECK(again->u0 == u);  // still where it was: its shelf was in use
  CHECK(again->v0 == v);
  cache.begin_frame();
  const auto before = fake.rasterized.size();
  REQUIRE(cache.image(glyph(0), style));  // evicted earlier: rasterised again
  CHECK(fake.rasterized.size() == before + 1);
}

TEST_CASE("after a lost texture every glyph is rasterised again on next sight, measurements stay", "[ui][glyphs]") {
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  ui::GlyphStyle style{12, 17, 13, ui::GlyphFace::Emoji, false};
  cache.begin_frame();
  for (const auto& g : {kThumb, kPray, kBrazil}) cache.image(g, style);
  CHECK(fake.rasterized.size() == 3);
  cache.reset_texture();
  CHECK(cache.stats().resident == 0);
  cache.begin_frame();
  for (const auto& g : {kThumb, kPray, kBrazil}) REQUIRE(cache.image(g, style));
  CHECK(fake.rasterized.size() == 6);
  CHECK(fake.measured.size() == 3);
  CHECK(cache.stats().texture_resets == 1);
}

TEST_CASE("a glyph the platform cannot draw is kept blank, not asked for every frame", "[ui][glyphs]") {
  FakeGlyphs fake;
  fake.fail = true;
  ui::GlyphCache cache(&fake);
  ui::GlyphStyle style{12, 17, 13, ui::GlyphFace::Emoji, false};
  for (int i = 0; i < 3; ++i) {
    cache.begin_frame();
    const ui::GlyphImage* img = cache.image(kThumb, style);
    REQUIRE(img);
    CHECK_FALSE(img->coloured);
  }
  CHECK(fake.rasterized.size() == 1);
  CHECK(cache.stats().failed == 1);
}

// [SECTION] In the view -----------------------------------------------------------------------------------

TEST_CASE("a bubble is as wide and as tall as its emoji make it", "[ui][text]") {
  ViewHarness h(390, 844, 1.0f);
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  cache.set_texture_id(FakeGlyphs::kTexture);
  h.ctx.glyphs = &cache;
  ChatModel chat;
  chat.append(message(Role::User, "Obrigado pela ajuda " + kThumb, h.now_ms, MessageState::Acked, "m1"));
  const auto s = connected();
  settle(h, chat, s);
  const Item* narrow = h.find(h.message_id(chat.messages().back(), "##bubble"));
  REQUIRE(narrow);
  const float w20 = narrow->rect.GetWidth();
  // The browser says the emoji is 60 px wide: the bubble grows by 40 px.
  fake.advances[kThumb] = 60;
  cache.clear();
  h.view.invalidate_layout();
  settle(h, chat, s);
  const Item* wide = h.find(h.message_id(chat.messages().back(), "##bubble"));
  REQUIRE(wide);
  CHECK(wide->rect.GetWidth() == Approx(w20 + 40));
  // A text of emoji wider than the bubble wraps: one more line of height.
  const float h1 = wide->rect.GetHeight();
  std::string many;
  for (int i = 0; i < 12; ++i) many += kThumb;
  chat.append(message(Role::User, many, h.now_ms, MessageState::Acked, "m2"));
  settle(h, chat, s);
  const Item* tall = h.find(h.message_id(chat.messages().back(), "##bubble"));
  REQUIRE(tall);
  CHECK(tall->rect.GetWidth() <= 390 * layout::kBubbleMaxWidthFraction + 0.5f);
  CHECK(tall->rect.GetHeight() >= h1 + 2 * h.ctx.fonts.body->FontSize - 0.5f);  // 720 px of emoji: 3+ lines
}

TEST_CASE("a screen of 200 emoji: 200 images, each rasterised once, batched in one draw command per window", "[ui][text]") {
  ViewHarness h(390, 844, 3.0f);
  FakeGlyphs fake;
  fake.advance_px = 40;
  ui::GlyphCache cache(&fake);
  cache.set_texture_id(FakeGlyphs::kTexture);
  h.ctx.glyphs = &cache;
  ChatModel chat;
  // 5 messages of 40 different emoji (U+1F300..U+1F3C7): 200 on screen.
  for (int m = 0; m < 5; ++m) {
    std::string text;
    for (int i = 0; i < 40; ++i) utf8::append(text, static_cast<char32_t>(0x1F300 + m * 40 + i));
    chat.append(message(Role::Assistant, text, h.now_ms - (5 - m) * 1000));
  }
  const auto s = connected();
  settle(h, chat, s);
  std::set<std::string> distinct(fake.rasterized.begin(), fake.rasterized.end());
  CHECK(distinct.size() == fake.rasterized.size());  // none twice
  const std::size_t first = fake.rasterized.size();
  CHECK(first == 200);
  CHECK(cache.stats().full == 0);
  CHECK(image_quads() == first);
  CHECK(image_commands() == 1);  // the list's images in one batch: no texture switch per emoji
  h.frames(10, chat, s);
  CHECK(fake.rasterized.size() == first);  // first sight only
  CHECK(cache.stats().replacement_drawn == 0);
}

TEST_CASE("emoji are drawn in link chips, notification cards and the header", "[ui][text]") {
  ViewHarness h;
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  cache.set_texture_id(FakeGlyphs::kTexture);
  h.ctx.glyphs = &cache;
  ChatModel chat;
  chat.append(message(Role::Notification, "\xF0\x9F\x93\xA6 Sua encomenda chegou! \xF0\x9F\x8E\x89", h.now_ms));
  chat.append(message(Role::Assistant, "Veja https://buildingos.com/" + kZhong + " \xF0\x9F\x91\x89", h.now_ms));
  chat.set_agent_typing(true, "Ana", h.now_ms);
  auto s = connected();
  s.status_text = "\xF0\x9F\x9F\xA2 Conectado em tempo real";  // the seed's own welcome
  settle(h, chat, s);
  auto saw = [&](const std::string& t) { return std::find(fake.rasterized.begin(), fake.rasterized.end(), t) != fake.rasterized.end(); };
  CHECK(saw("\xF0\x9F\x93\xA6"));  // 📦 in the card
  CHECK(saw("\xF0\x9F\x8E\x89"));  // 🎉
  CHECK(saw("\xF0\x9F\x91\x89"));  // 👉 in the bubble
  CHECK(saw(kZhong));              // 中 in the bubble and in the link chip's label
  CHECK(saw("\xF0\x9F\x9F\xA2"));  // 🟢 in the header's status line
  const Item* chip = h.find(h.message_id(chat.messages().back(), "##link", 0));
  REQUIRE(chip);
  CHECK(cache.stats().replacement_drawn == 0);
}

TEST_CASE("a resident's name is drawn by the browser where the atlas lacks it: the menu and the switch question", "[ui][text][identity]") {
  ViewHarness h(390, 844, 1.0f);
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  cache.set_texture_id(FakeGlyphs::kTexture);
  h.ctx.glyphs = &cache;
  ChatModel chat;
  chat.append(message(Role::Assistant, "Ol\xC3\xA1", h.now_ms));
  auto s = connected();
  s.signed_in = true;
  s.resident_label = "\xC5\x81ukasz \xF0\x9F\x8F\xA0";  // Łukasz 🏠: Latin Extended-A and an emoji
  s.switch_name = "Dvo\xC5\x99\xC3\xA1k";              // Dvořák
  settle(h, chat, s);
  auto saw = [&](const std::string& t) {
    return std::any_of(fake.rasterized.begin(), fake.rasterized.end(), [&](const std::string& r) { return r.find(t) != std::string::npos; });
  };
  CHECK(saw("\xC5\x99"));      // ř in "Trocar para Dvořák?"
  CHECK(saw("\xF0\x9F\x8F\xA0"));  // 🏠 in "Continuar como Łukasz 🏠"
  const Item* keep = h.find_label("Continuar como \xC5\x81ukasz \xF0\x9F\x8F\xA0");
  REQUIRE(keep);
  // Keeping closes the question; the menu then says who is signed in, through the same path.
  CHECK(h.click(ImVec2((keep->rect.Min.x + keep->rect.Max.x) / 2, (keep->rect.Min.y + keep->rect.Max.y) / 2), chat, s)
            .switch_answer == ui::SwitchAnswer::Keep);
  s.switch_name.clear();
  settle(h, chat, s);
  fake.rasterized.clear();
  cache.reset_texture();  // so what the menu draws is rasterised again, and seen here
  const Item* menu = h.find(h.chat_id("##menu"));
  REQUIRE(menu);
  h.click(ImVec2((menu->rect.Min.x + menu->rect.Max.x) / 2, (menu->rect.Min.y + menu->rect.Max.y) / 2), chat, s);
  settle(h, chat, s);
  CHECK(saw("\xC5\x81"));      // Ł in "Entrou como Łukasz 🏠"
  CHECK(cache.stats().replacement_drawn == 0);
}

TEST_CASE("a display-cap message the browser helps draw still makes vertices only for its visible lines", "[ui][text][draw]") {
  // Issue 18's guarantee on the laid-out path (draw_limits_test.cpp covers the atlas-only one): 16 KB of
  // letters with one emoji is not plain text, so ImGui's own clipping of a wrapped text does not apply; drawn
  // whole, its 16,000 letters are 64,000 vertices and the WebGL2 renderer's 16-bit indices wrap.
  ViewHarness h(390, 844, 1.0f);
  FakeGlyphs fake;
  ui::GlyphCache cache(&fake);
  cache.set_texture_id(FakeGlyphs::kTexture);
  h.ctx.glyphs = &cache;
  const std::string emoji_line = kThumb + " " + std::string(kMaxDisplayTextBytes - 64, 'a') + " " + kPray;
  const std::string words_line = [] {
    std::string t;
    while (t.size() + 16 < kMaxDisplayTextBytes) t += "palavra " + kZhong + " ";
    return t;
  }();
  for (const std::string* text : {&emoji_line, &words_line}) {
    ChatModel chat;
    chat.append(message(Role::Assistant, *text, h.now_ms, MessageState::Received, "a-long"));
    chat.append(message(Role::Assistant, "depois da longa " + kThumb, h.now_ms + 1, MessageState::Received, "a-after"));
    settle(h, chat, connected());
    const ImDrawData* dd = ImGui::GetDrawData();
    REQUIRE(dd);
    for (int i = 0; i < dd->CmdListsCount; ++i) {
      CAPTURE(text->size(), i, dd->CmdLists[i]->VtxBuffer.Size);
      CHECK(dd->CmdLists[i]->VtxBuffer.Size < 65536);
    }
    // The list sits at the bottom: the message after it is on screen, with its emoji drawn.
    bool after_drawn = false;
    for (const auto& r : h.view.hit_rects()) after_drawn |= std::string(r.kind) == "bubble" && r.id == "a-after";
    CHECK(after_drawn);
    CHECK(image_quads() >= 1);
  }
}

TEST_CASE("links stop at emoji and never take part of a cluster", "[ui][text][links]") {
  CHECK(ui::find_links("Veja \xF0\x9F\x91\x89https://buildingos.com/aviso\xF0\x9F\x8E\x89!") ==
        std::vector<std::string>{"https://buildingos.com/aviso"});
  CHECK(ui::find_links("https://x.com/" + kKeycap) == std::vector<std::string>{"https://x.com/"});
  CHECK(ui::find_links("www.exemplo.com.br/caf" "e\xCC\x81 ok") == std::vector<std::string>{"www.exemplo.com.br/caf" "e\xCC\x81"});
  // A chip's label is cut between clusters: the family stays whole.
  const std::string long_link = "https://exemplo.com/" + std::string(18, 'a') + kFamily + kFamily + std::string(10, 'b');
  CHECK(ui::link_label(long_link, 32) == "exemplo.com/" + std::string(18, 'a') + kFamily + "\xE2\x80\xA6");
}
