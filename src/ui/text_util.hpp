// text_util.hpp: small pure helpers for the chat view: links in message text, local times and dates.
// No ImGui, no clock (the offset and `now` come in), so they are tested natively.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.hpp"

namespace bos::ui {

// A longer "link" is not one (and would not fit a chip): it stays plain text.
inline constexpr std::size_t kMaxLinkBytes = 2048;
// http(s):// and www. links in `text`, trailing punctuation trimmed, ended by a space, a quote or an emoji
// and always on a grapheme cluster boundary; at most `max_links`, each ≤ kMaxLinkBytes.
std::vector<std::string> find_links(std::string_view text, std::size_t max_links = 5);
// The URL to open for a found link ("www.x" → "https://www.x"); "" if it is not http(s).
std::string link_target(std::string_view link);
// A short label for a link chip: host + the start of the path, ≤ `max_chars` grapheme clusters.
std::string link_label(std::string_view link, std::size_t max_chars = 40);

// A message's text as the screen and the live log show it. Dear ImGui stops drawing and measuring at
// U+0000, and so does every C string on the way to the page's live log: each U+0000 becomes U+FFFD (the
// replacement glyph the font has), so the text after it is still seen and read. The chat model keeps
// the text as received. Returns `text` itself when it has no U+0000, else `scratch`, filled.
std::string_view drawable_text(const std::string& text, std::string& scratch);

// A link as the resident may be shown it and asked about (issue 13). The host is what the browser's
// `new URL()` gives (lower-case, IDNA: non-ASCII labels as punycode "xn--…", computed here in C++), shown in
// full; only the path may be cut. Not a link at all: userinfo (https://buildingos.com.br@evil.example/),
// http: outside loopback, an empty or malformed host, a port outside 1-65535, a host with characters no
// browser would resolve. The chip and "Abrir site externo? <host>" both come from here.
struct SafeLink {
  bool ok = false;
  std::string url;   // what window.open gets: scheme://host[:port]/path?query#fragment, the host as below
  std::string host;  // ASCII, lower-case, punycode where needed ("xn--bcher-kva.example")
  std::string label; // the chip: the host in full + the path cut to fit (never the host)
  const char* why = "";  // for tests and the log when !ok
};
SafeLink safe_link(std::string_view link, std::size_t max_label_chars = 40);
// RFC 3492 punycode of one label's code points (no "xn--" prefix); false if it cannot be encoded.
bool punycode_encode(const std::u32string& label, std::string& out);

struct CivilDate {
  int year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};
// Days since 1970-01-01 in local time (`tz_offset_min`: minutes to add to UTC, e.g. -180 for Brasília).
int64_t local_day(int64_t utc_ms, int tz_offset_min);
CivilDate civil_from_days(int64_t days);
// "14:05"
std::string format_time(int64_t utc_ms, int tz_offset_min);
// "Hoje", "Ontem", "28/11/2026" (pt) / "Today", "Yesterday", "Nov 28, 2026" (en)
std::string format_day(int64_t day, int64_t today, Lang lang);

}  // namespace bos::ui
