// utf8.hpp: UTF-8 validation, counting, repair, trimming and safe truncation.
// Text reaches the engine from the network, from storage and from the composer (JS strings may hold lone
// surrogates); everything the engine keeps or shows is valid UTF-8 after passing through here.
// Pure functions; no allocation beyond the returned strings.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bos::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `pos`; returns its length in bytes, or 0 if the sequence there is invalid
// (overlong, surrogate, above U+10FFFF, truncated). `out` is set only on success.
std::size_t decode(std::string_view s, std::size_t pos, char32_t& out);
void append(std::string& out, char32_t cp);

bool is_valid(std::string_view s);
// Code points in a valid string; invalid sequences count as one each (as they would after repair).
std::size_t count_codepoints(std::string_view s);
// Valid UTF-8 with each invalid sequence replaced by U+FFFD.
std::string repair(std::string_view s);
// At most `max_bytes`, cut on a code-point boundary (input must be valid).
std::string_view truncate(std::string_view s, std::size_t max_bytes);
// Text from the server as the resident may see it (issue 13): without C0 controls except newline and tab
// (CR goes: "\r\n" becomes "\n"), DEL, C1 controls, and the invisible bidi controls: embeddings and
// overrides U+202A-U+202E, isolates U+2066-U+2069, and also the marks U+200E LRM, U+200F RLM and U+061C ALM.
// The marks cannot override a strong letter's direction, but they reorder digits and punctuation around
// them (a price, an apartment number, a link's dots) in the DOM twins, the live region and notifications,
// and a Portuguese building chat has no use for them (the token's "name" refuses them too). ZWJ (U+200D)
// and variation selectors stay: emoji sequences need them. Input must be valid UTF-8.
std::string without_deceptive_controls(std::string_view s);
// Without leading/trailing whitespace as JavaScript's String.prototype.trim sees it (input must be valid).
std::string_view trim(std::string_view s);

}  // namespace bos::utf8
