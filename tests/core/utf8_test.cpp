// UTF-8 helpers: validation, repair, trimming like JavaScript, truncation on code-point boundaries.
#include <catch2/catch.hpp>

#include <string>

#include "core/utf8.hpp"

namespace utf8 = bos::utf8;

TEST_CASE("utf8 validation accepts well-formed text and rejects each kind of malformed sequence", "[utf8]") {
  const auto [text, valid] = GENERATE(table<std::string, bool>({
      {"", true},
      {"ascii", true},
      {"\xC3\xA7\xC3\xA3\xC3\xA9\xC3\xB5", true},           // çãéõ
      {"\xF0\x9F\x9F\xA2", true},                             // 🟢 (astral plane)
      {"\xE2\x80\xAE", true},                                 // U+202E bidi override
      {"\x80", false},                                        // lone continuation byte
      {"\xC3", false},                                        // truncated 2-byte sequence
      {"\xE2\x82", false},                                    // truncated 3-byte sequence
      {"\xC0\xAF", false},                                    // overlong '/'
      {"\xE0\x80\xAF", false},                                // overlong 3-byte
      {"\xED\xA0\x80", false},                                // UTF-16 surrogate D800 (CESU)
      {"\xF4\x90\x80\x80", false},                            // above U+10FFFF
      {"\xFF", false},
      {"ok\xFEok", false},
  }));
  CAPTURE(text);
  CHECK(utf8::is_valid(text) == valid);
  const auto repaired = utf8::repair(text);
  CHECK(utf8::is_valid(repaired));
  if (valid) CHECK(repaired == text);
}

TEST_CASE("utf8 repair replaces each bad byte with U+FFFD and keeps the rest", "[utf8]") {
  CHECK(utf8::repair("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(utf8::repair("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("utf8 counts code points, not bytes", "[utf8]") {
  CHECK(utf8::count_codepoints("") == 0);
  CHECK(utf8::count_codepoints("abc") == 3);
  CHECK(utf8::count_codepoints("\xC3\xA7\xC3\xA3o") == 3);
  CHECK(utf8::count_codepoints("\xF0\x9F\x9F\xA2!") == 2);
  CHECK(utf8::count_codepoints("\xFF\xFF") == 2);
}

TEST_CASE("utf8 trim removes the whitespace JavaScript's trim removes", "[utf8]") {
  const auto [text, trimmed] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"   ", ""},
      {" \t\r\n ol\xC3\xA1 \n", "ol\xC3\xA1"},
      {"\xC2\xA0" "a" "\xE3\x80\x80", "a"},              // NBSP, ideographic space
      {"\xEF\xBB\xBF" "bom", "bom"},                       // U+FEFF
      {"\xE2\x80\x8B" "zw", "\xE2\x80\x8B" "zw"},          // U+200B is not whitespace in JS
      {"a b", "a b"},
  }));
  CHECK(std::string(utf8::trim(text)) == trimmed);
}

TEST_CASE("utf8 truncate never splits a code point", "[utf8]") {
  const std::string s = "a\xC3\xA7\xF0\x9F\x9F\xA2z";  // a ç 🟢 z = 1+2+4+1 bytes
  CHECK(utf8::truncate(s, 100) == s);
  CHECK(utf8::truncate(s, 1) == "a");
  CHECK(utf8::truncate(s, 2) == "a");
  CHECK(utf8::truncate(s, 3) == "a\xC3\xA7");
  CHECK(utf8::truncate(s, 6) == "a\xC3\xA7");
  CHECK(utf8::truncate(s, 7) == "a\xC3\xA7\xF0\x9F\x9F\xA2");
  CHECK(utf8::truncate(s, 0).empty());
}

TEST_CASE("utf8 append encodes every plane and replaces invalid scalars", "[utf8]") {
  std::string out;
  for (char32_t cp : {U'A', U'\u00E7', U'\u20AC', U'\U0001F7E2'}) utf8::append(out, cp);
  CHECK(out == "A\xC3\xA7\xE2\x82\xAC\xF0\x9F\x9F\xA2");
  std::string bad;
  utf8::append(bad, 0xD800);
  utf8::append(bad, 0x110000);
  CHECK(bad == "\xEF\xBF\xBD\xEF\xBF\xBD");
}
