// grapheme.hpp: what a resident sees as one character. Extended grapheme clusters (UAX #29: 👨‍👩‍👧, 🇧🇷,
// 👍🏽, 1️⃣, ❤️, é as e + U+0301, a Hangul syllable from jamo, a Devanagari conjunct) and the Unicode
// properties the chat's text layout needs (src/ui/text_layout.hpp), from one table generated at build
// time from Debian's unicode-data (scripts/lib/gen_unicode_props.py). The one segmenter of the product:
// the engine cuts display text with it, the view lays text out with it, the browser only draws what it
// is handed (tests/e2e/emoji.test.mjs checks it against the browser's Intl.Segmenter).
// Pure functions on UTF-8; an invalid byte is a cluster of its own (callers repair text first anyway).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bos::grapheme {

// Grapheme_Cluster_Break values (the generator's GCB table uses the same numbers).
enum class Gcb : uint8_t {
  Other = 0, CR, LF, Control, Extend, ZWJ, RegionalIndicator, Prepend, SpacingMark, L, V, T, LV, LVT
};

struct Props {
  uint16_t bits = 0;
  Gcb gcb() const { return static_cast<Gcb>(bits & 0xF); }
  bool extended_pictographic() const { return bits & (1u << 4); }
  bool emoji_presentation() const { return bits & (1u << 5); }  // drawn as emoji without U+FE0F
  bool conjunct_consonant() const { return bits & (1u << 6); }  // Indic_Conjunct_Break=Consonant
  bool conjunct_linker() const { return bits & (1u << 7); }     // Indic_Conjunct_Break=Linker (a virama)
  bool strong_ltr() const { return bits & (1u << 8); }          // Bidi_Class L
  bool strong_rtl() const { return bits & (1u << 9); }          // Bidi_Class R or AL
  bool wide() const { return bits & (1u << 10); }               // East_Asian_Width W or F (CJK, kana, Hangul, emoji)
  bool shaped() const { return bits & (1u << 11); }             // a script whose letters join or reorder across clusters
};

Props props(char32_t cp);

// The end (byte offset) of the cluster that starts at `pos`, which must be a cluster boundary < s.size().
std::size_t next_boundary(std::string_view s, std::size_t pos);
// Clusters in `s`.
std::size_t count(std::string_view s);
// The longest prefix of at most `max_bytes` that ends on a cluster boundary; if even the first cluster is
// longer (a letter with thousands of marks), the longest prefix that ends on a code point boundary.
std::string_view truncate(std::string_view s, std::size_t max_bytes);

}  // namespace bos::grapheme
