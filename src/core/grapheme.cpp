// grapheme.cpp: see grapheme.hpp. The rules are UAX #29's extended grapheme cluster rules (GB3-GB13,
// with Unicode 15.1's GB9c for Indic conjuncts), run forward from a known boundary.
#include "core/grapheme.hpp"

#include <algorithm>
#include <array>

#include "core/utf8.hpp"

namespace bos::grapheme {

namespace {

#include "unicode_props_table.inc"  // kRuns, kPalette, kStartDeltas, kPaletteIndex (generated)

constexpr char32_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3, kHangulTCount = 28;

// The table decoded once: run starts and their properties (12 KB, in BSS; the file ships 4 KB).
struct Table {
  std::array<char32_t, kRuns> starts{};
  std::array<uint16_t, kRuns> bits{};
  std::array<uint16_t, 128> ascii{};
  Table() {
    char32_t at = 0;
    std::size_t d = 0;
    for (std::size_t i = 0; i < kRuns; ++i) {
      char32_t delta = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t b = kStartDeltas[d++];
        delta |= static_cast<char32_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
      }
      at += delta;
      starts[i] = at;
      bits[i] = kPalette[kPaletteIndex[i]];
    }
    for (char32_t c = 0; c < 128; ++c) ascii[c] = lookup(c);
  }
  uint16_t lookup(char32_t cp) const {
    const auto it = std::upper_bound(starts.begin(), starts.end(), cp);
    return bits[static_cast<std::size_t>(it - starts.begin()) - 1];
  }
};

const Table& table() {
  static const Table t;
  return t;
}

bool is_control(Gcb g) { return g == Gcb::Control || g == Gcb::CR || g == Gcb::LF; }

// What the rules need to remember about the cluster so far.
struct State {
  Gcb prev = Gcb::Other;
  int regional = 0;      // regional indicators in a row (GB12/13 pair them)
  int pictographic = 0;  // 1: ExtPict Extend*, 2: ExtPict Extend* ZWJ (GB11)
  int conjunct = 0;      // 1: Consonant [Extend Linker]*, 2: ... with a Linker seen (GB9c)

  void take(Props p) {
    const Gcb g = p.gcb();
    regional = g == Gcb::RegionalIndicator ? regional + 1 : 0;
    if (p.extended_pictographic()) pictographic = 1;
    else if (g == Gcb::Extend && pictographic == 1) pictographic = 1;
    else if (g == Gcb::ZWJ && pictographic == 1) pictographic = 2;
    else pictographic = 0;
    if (p.conjunct_consonant()) conjunct = 1;
    else if (p.conjunct_linker() && conjunct > 0) conjunct = 2;
    else if (!(g == Gcb::Extend || g == Gcb::ZWJ)) conjunct = 0;  // InCB=Extend keeps the state
    prev = g;
  }

  // No boundary between the cluster so far and a code point with properties `p`.
  bool joins(Props p) const {
    const Gcb g = p.gcb();
    if (prev == Gcb::CR && g == Gcb::LF) return true;                  // GB3
    if (is_control(prev) || is_control(g)) return false;               // GB4, GB5
    if (prev == Gcb::L && (g == Gcb::L || g == Gcb::V || g == Gcb::LV || g == Gcb::LVT)) return true;  // GB6
    if ((prev == Gcb::LV || prev == Gcb::V) && (g == Gcb::V || g == Gcb::T)) return true;              // GB7
    if ((prev == Gcb::LVT || prev == Gcb::T) && g == Gcb::T) return true;                              // GB8
    if (g == Gcb::Extend || g == Gcb::ZWJ || g == Gcb::SpacingMark) return true;                       // GB9, GB9a
    if (prev == Gcb::Prepend) return true;                                                             // GB9b
    if (conjunct == 2 && p.conjunct_consonant()) return true;                                          // GB9c
    if (pictographic == 2 && prev == Gcb::ZWJ && p.extended_pictographic()) return true;               // GB11
    if (prev == Gcb::RegionalIndicator && g == Gcb::RegionalIndicator) return regional % 2 == 1;       // GB12, GB13
    return false;                                                                                      // GB999
  }
};

}  // namespace

Props props(char32_t cp) {
  const Table& t = table();
  if (cp < 128) return {t.ascii[cp]};
  Props p{t.lookup(cp)};
  if (cp >= kHangulFirst && cp <= kHangulLast) {
    // The generator gave the block LV's properties; a syllable with a final consonant is LVT.
    const Gcb g = (cp - kHangulFirst) % kHangulTCount == 0 ? Gcb::LV : Gcb::LVT;
    p.bits = static_cast<uint16_t>((p.bits & ~0xFu) | static_cast<uint16_t>(g));
  }
  return p;
}

std::size_t next_boundary(std::string_view s, std::size_t pos) {
  char32_t cp = 0;
  std::size_t len = utf8::decode(s, pos, cp);
  if (len == 0) return pos + 1;  // an invalid byte stands alone
  State st;
  st.take(props(cp));
  std::size_t i = pos + len;
  while (i < s.size()) {
    len = utf8::decode(s, i, cp);
    if (len == 0) break;
    const Props p = props(cp);
    if (!st.joins(p)) break;
    st.take(p);
    i += len;
  }
  return i;
}

std::size_t count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); i = next_boundary(s, i)) ++n;
  return n;
}

std::string_view truncate(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t next = next_boundary(s, i);
    if (next > max_bytes) break;
    cut = i = next;
  }
  if (cut == 0) return utf8::truncate(s, max_bytes);
  return s.substr(0, cut);
}

}  // namespace bos::grapheme
