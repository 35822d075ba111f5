// Grapheme clusters (src/core/grapheme.hpp): Unicode's own conformance file, the clusters of issue 17 one
// by one, Unicode 15.1's Indic conjunct rule, and the display cut that never splits a cluster.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/grapheme.hpp"
#include "core/limits.hpp"
#include "core/protocol.hpp"
#include "core/utf8.hpp"

using namespace bos;

namespace {

std::vector<std::string> clusters(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t next = grapheme::next_boundary(s, i);
    REQUIRE(next > i);
    out.emplace_back(s.substr(i, next - i));
    i = next;
  }
  return out;
}

std::string cps(std::initializer_list<char32_t> list) {
  std::string out;
  for (char32_t c : list) utf8::append(out, c);
  return out;
}

}  // namespace

TEST_CASE("grapheme clusters match every line of Unicode's GraphemeBreakTest.txt", "[grapheme]") {
  const char* path = "/usr/share/unicode/auxiliary/GraphemeBreakTest.txt";
  std::ifstream f(path);
  REQUIRE(f.good());  // scripts/bootstrap installs unicode-data
  std::string line;
  int cases = 0, failures = 0;
  while (std::getline(f, line)) {
    const auto hash = line.find('#');
    const std::string body = line.substr(0, hash);
    if (body.find_first_not_of(" \t") == std::string::npos) continue;
    // "÷ 0020 × 0308 ÷ 0020 ÷": code points, with ÷ (a boundary) or × (none) between them.
    std::istringstream in(body);
    std::string tok, text;
    std::vector<std::string> want;
    std::string current;
    while (in >> tok) {
      if (tok == "\xC3\xB7") {  // ÷
        if (!current.empty()) want.push_back(current);
        current.clear();
      } else if (tok == "\xC3\x97") {  // ×
      } else {
        std::string one;
        utf8::append(one, static_cast<char32_t>(std::stoul(tok, nullptr, 16)));
        current += one;
        text += one;
      }
    }
    ++cases;
    if (clusters(text) != want) {
      ++failures;
      UNSCOPED_INFO("line: " << line);
    }
  }
  CHECK(cases > 600);
  CHECK(failures == 0);
}

TEST_CASE("each of issue 17's emoji is one cluster", "[grapheme]") {
  const auto [text, what] = GENERATE(table<const char*, const char*>({
      {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", "family (ZWJ sequence)"},
      {"\xF0\x9F\x87\xA7\xF0\x9F\x87\xB7", "flag of Brazil (regional indicators)"},
      {"\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "thumbs up, medium skin tone"},
      {"1\xEF\xB8\x8F\xE2\x83\xA3", "keycap 1"},
      {"\xE2\x9D\xA4\xEF\xB8\x8F", "red heart with VS16"},
      {"\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3\xF3\xA0\x81\xB4\xF3\xA0\x81\xBF", "flag of Scotland (tags)"},
      {"\xF0\x9F\xA7\x91\xF0\x9F\x8F\xBF\xE2\x80\x8D\xF0\x9F\x9A\x80", "astronaut, dark skin tone (modifier + ZWJ)"},
      {"e\xCC\x81", "e + combining acute"},
      {"\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "Hangul syllable from jamo (L V T)"},
  }));
  INFO(what);
  CHECK(grapheme::count(text) == 1);
  CHECK(grapheme::next_boundary(text, 0) == std::string_view(text).size());
}

TEST_CASE("a row of flags pairs its regional indicators two by two", "[grapheme]") {
  const std::string br = "\xF0\x9F\x87\xA7\xF0\x9F\x87\xB7";
  const std::string pt = "\xF0\x9F\x87\xB5\xF0\x9F\x87\xB9";
  CHECK(clusters(br + pt + br) == std::vector<std::string>{br, pt, br});
  // An odd one out stands alone.
  CHECK(clusters(br + "\xF0\x9F\x87\xA7").size() == 2);
}

TEST_CASE("mixed text splits into the clusters a reader counts", "[grapheme]") {
  const std::string text = "Obrigado!! \xF0\x9F\x91\x8D\xF0\x9F\x99\x8F";  // Obrigado!! 👍🙏
  CHECK(grapheme::count(text) == 13);
  CHECK(grapheme::count("\xE4\xB8\xAD\xE6\x96\x87") == 2);                   // 中文
  CHECK(grapheme::count("\xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA") == 5);  // עברית
  CHECK(grapheme::count("a\r\nb") == 3);                                     // CR LF is one
}

TEST_CASE("a Devanagari conjunct is one cluster (Unicode 15.1 GB9c)", "[grapheme]") {
  // क्ष: KA, VIRAMA, SSA; न्त्र: NA VIRAMA TA VIRAMA RA; a ZWJ between virama and consonant keeps it.
  CHECK(grapheme::count(cps({0x0915, 0x094D, 0x0937})) == 1);
  CHECK(grapheme::count(cps({0x0928, 0x094D, 0x0924, 0x094D, 0x0930})) == 1);
  CHECK(grapheme::count(cps({0x0915, 0x094D, 0x200D, 0x0937})) == 1);
  // नमस्ते: न, म, स्ते
  CHECK(grapheme::count(cps({0x0928, 0x092E, 0x0938, 0x094D, 0x0924, 0x0947})) == 3);
  // Tamil's virama is not a linker: two clusters.
  CHECK(grapheme::count(cps({0x0B95, 0x0BCD, 0x0BB7})) == 2);
}

TEST_CASE("properties the text layout reads", "[grapheme]") {
  CHECK(grapheme::props(U'A').strong_ltr());
  CHECK(grapheme::props(0x05D0).strong_rtl());  // Hebrew alef
  CHECK(grapheme::props(0x0627).strong_rtl());  // Arabic alef
  CHECK(grapheme::props(0x0627).shaped());
  CHECK(grapheme::props(0x0915).shaped());      // Devanagari
  CHECK_FALSE(grapheme::props(U'A').shaped());
  CHECK_FALSE(grapheme::props(U' ').strong_ltr());
  CHECK_FALSE(grapheme::props(U' ').strong_rtl());
  CHECK_FALSE(grapheme::props(U'1').strong_rtl());
  CHECK(grapheme::props(0x4E2D).wide());         // 中
  CHECK(grapheme::props(0x1F44D).wide());        // 👍
  CHECK(grapheme::props(0x1F44D).extended_pictographic());
  CHECK(grapheme::props(0x1F44D).emoji_presentation());
  CHECK(grapheme::props(0x2764).extended_pictographic());
  CHECK_FALSE(grapheme::props(0x2764).emoji_presentation());  // ❤ needs U+FE0F
  CHECK(grapheme::props(0xAC00).gcb() == grapheme::Gcb::LV);
  CHECK(grapheme::props(0xAC01).gcb() == grapheme::Gcb::LVT);
  CHECK(grapheme::props(0xD7A3).gcb() == grapheme::Gcb::LVT);
  CHECK(grapheme::props(0x10FFFF).gcb() == grapheme::Gcb::Other);
}

TEST_CASE("truncate cuts on a cluster boundary, never inside an emoji", "[grapheme]") {
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // 18 bytes
  const std::string s = "ok " + family + "!";
  CHECK(grapheme::truncate(s, 100) == s);
  CHECK(grapheme::truncate(s, 3) == "ok ");
  for (std::size_t max = 3; max < 3 + family.size(); ++max) CHECK(grapheme::truncate(s, max) == "ok ");
  CHECK(grapheme::truncate(s, 3 + family.size()) == "ok " + family);
  CHECK(grapheme::truncate(s, 0).empty());
  // One cluster longer than the limit: cut on a code point instead of showing nothing.
  std::string zalgo = "a";
  for (int i = 0; i < 100; ++i) zalgo += "\xCC\x81";
  CHECK(grapheme::truncate(zalgo, 10) == utf8::truncate(zalgo, 10));
  CHECK(grapheme::truncate("ok\xF0\x9F\x87\xA7\xF0\x9F\x87\xB7", 9) == "ok");  // half a flag is no flag
}

TEST_CASE("a message cut for display ends on a whole emoji", "[grapheme][protocol]") {
  // 16 KiB of text whose cut falls inside a family emoji: the frame keeps the text before it.
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  const std::string head(kMaxDisplayTextBytes - 5, 'a');
  const std::string text = head + family + "tail";
  const auto f = parse_server_frame("{\"type\":\"message\",\"role\":\"assistant\",\"message\":\"" + text + "\"}", 0);
  REQUIRE(f.type == FrameType::Message);
  CHECK(f.message == head);
}
