// text_util.cpp: see text_util.hpp.
//
// Index
//   [SECTION] Drawable text  U+0000 shown and read as U+FFFD
//   [SECTION] Links        finding links in text, their targets and chip labels
//   [SECTION] Safe links   punycode (RFC 3492), hosts as browsers read them, what is not a link (issue 13)
//   [SECTION] Dates        local days and times, "Hoje"/"Ontem"
#include "ui/text_util.hpp"

#include <cstdio>

#include "core/grapheme.hpp"
#include "core/utf8.hpp"

namespace bos::ui {

// [SECTION] Drawable text -------------------------------------------------------------------------------

std::string_view drawable_text(const std::string& text, std::string& scratch) {
  if (text.find('\0') == std::string::npos) return text;
  scratch.clear();
  scratch.reserve(text.size() + 8);
  for (const char c : text) {
    if (c == '\0') scratch += "\xEF\xBF\xBD";  // U+FFFD
    else scratch += c;
  }
  return scratch;
}

// [SECTION] Links ---------------------------------------------------------------------------------------

namespace {
bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_link_char(unsigned char c) {
  // Anything but whitespace, controls, quotes and angle brackets; non-ASCII (IRIs) is allowed.
  return c > 0x20 && c != 0x7F && c != '"' && c != '<' && c != '>' && c != '`';
}

// An emoji ends a link, and a link may follow one ("Veja 👉https://..."): residents put emoji around links,
// never in them. Emoji pieces count too (VS16, keycap, skin tones, flags' letters, tags).
bool is_emoji(char32_t c) {
  return grapheme::props(c).extended_pictographic() || c == 0xFE0F || c == 0x20E3 || (c >= 0x1F1E6 && c <= 0x1F1FF) ||
         (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0xE0020 && c <= 0xE007F);
}

bool emoji_before(std::string_view text, std::size_t i) {
  if (i == 0 || static_cast<unsigned char>(text[i - 1]) < 0x80) return false;
  std::size_t j = i - 1;
  while (j > 0 && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) --j;
  char32_t cp = 0;
  return utf8::decode(text, j, cp) == i - j && is_emoji(cp);
}

// Where a link that starts at `i` ends: at a space, quote or emoji, then back to a cluster boundary (a link
// never takes half of "1️⃣" or of an accented letter).
std::size_t link_end(std::string_view text, std::size_t i) {
  std::size_t end = i;
  while (end < text.size()) {
    const auto c = static_cast<unsigned char>(text[end]);
    if (c < 0x80) {
      if (!is_link_char(c)) break;
      ++end;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = utf8::decode(text, end, cp);
    if (len == 0) {
      ++end;  // invalid bytes stay in (repaired below), as before
      continue;
    }
    if (is_emoji(cp)) break;
    end += len;
  }
  std::size_t boundary = i;
  while (boundary < end) {
    const std::size_t next = grapheme::next_boundary(text, boundary);
    if (next > end) break;
    boundary = next;
  }
  return boundary;
}
}  // namespace

std::vector<std::string> find_links(std::string_view text, std::size_t max_links) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_links) {
    const auto rest = text.substr(i);
    const bool at_word_start =
        i == 0 || !is_link_char(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '(' || emoji_before(text, i);
    std::size_t prefix = 0;
    if (at_word_start) {
      if (starts_with_ci(rest, "https://")) prefix = 8;
      else if (starts_with_ci(rest, "http://")) prefix = 7;
      else if (starts_with_ci(rest, "www.")) prefix = 4;
    }
    if (prefix == 0) {
      ++i;
      continue;
    }
    std::size_t end = link_end(text, i);
    // Trailing punctuation belongs to the sentence, not the link.
    while (end > i + prefix) {
      const char c = text[end - 1];
      if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' || c == ']' || c == '}' ||
          c == '\'') {
        --end;
      } else {
        break;
      }
    }
    if (end > i + prefix + 1 && end - i <= kMaxLinkBytes) {
      out.emplace_back(utf8::repair(text.substr(i, end - i)));
    }
    i = end > i ? end : i + 1;
  }
  return out;
}

std::string link_target(std::string_view link) {
  if (starts_with_ci(link, "https://") || starts_with_ci(link, "http://")) return std::string(link);
  if (starts_with_ci(link, "www.")) return "https://" + std::string(link);
  return {};
}

std::string link_label(std::string_view link, std::size_t max_chars) {
  std::string_view s = link;
  if (starts_with_ci(s, "https://")) s.remove_prefix(8);
  else if (starts_with_ci(s, "http://")) s.remove_prefix(7);
  if (grapheme::count(s) <= max_chars) return std::string(s);
  // Cut between clusters (never inside an emoji or after half an accent) and mark the cut.
  std::size_t cut = 0;
  for (std::size_t count = 0; cut < s.size() && count + 1 < max_chars; ++count) cut = grapheme::next_boundary(s, cut);
  return std::string(s.substr(0, cut)) + "\xE2\x80\xA6";
}

// [SECTION] Safe links ----------------------------------------------------------------------------------

bool punycode_encode(const std::u32string& input, std::string& out) {
  // RFC 3492 section 6.3, with its parameters for IDNA.
  constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72, kInitialN = 128;
  const auto digit = [](uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  const auto adapt = [&](uint32_t delta, uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  std::string result;
  for (const char32_t c : input) {
    if (c < 0x80) result.push_back(static_cast<char>(c));
  }
  const uint32_t basic = static_cast<uint32_t>(result.size());
  uint32_t handled = basic;
  if (basic > 0) result.push_back('-');
  uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  while (handled < input.size()) {
    uint32_t m = UINT32_MAX;
    for (const char32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    if ((m - n) > (UINT32_MAX - delta) / (handled + 1)) return false;  // overflow
    delta += (m - n) * (handled + 1);
    n = m;
    for (const char32_t c : input) {
      if (c < n && ++delta == 0) return false;
      if (c == n) {
        uint32_t q = delta;
        for (uint32_t k = kBase;; k += kBase) {
          const uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
          if (q < t) break;
          result.push_back(digit(t + (q - t) % (kBase - t)));
          q = (q - t) / (kBase - t);
        }
        result.push_back(digit(q));
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  out = std::move(result);
  return true;
}

namespace {

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// One host label to what a browser resolves: ASCII letters lower-cased, non-ASCII as "xn--" + punycode.
// (Full UTS #46 mapping, e.g. fullwidth letters or case folding beyond ASCII, is not done: a label that
// would need it is lower-cased where ASCII and otherwise encoded as it is, which can only show the
// resident a stranger-looking host than the browser's, never a more familiar one.)
bool host_label(std::string_view label, std::string& out) {
  if (label.empty() || label.size() > 253) return false;
  std::u32string cps;
  bool ascii = true;
  for (std::size_t i = 0; i < label.size();) {
    char32_t cp = 0;
    const std::size_t len = utf8::decode(label, i, cp);
    if (len == 0) return false;
    i += len;
    if (cp >= 'A' && cp <= 'Z') cp = cp - 'A' + 'a';
    if (cp < 0x80) {
      const bool ok = (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-' || cp == '_';
      if (!ok) return false;
    } else {
      ascii = false;
      // Invisible, space-like and control code points never belong in a host.
      if (cp <= 0x9F || cp == 0xA0 || cp == 0xAD || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
          (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFFF0)) {
        return false;
      }
    }
    cps.push_back(cp);
  }
  if (ascii) {
    for (const char32_t c : cps) out.push_back(static_cast<char>(c));
    return true;
  }
  std::string encoded;
  if (!punycode_encode(cps, encoded)) return false;
  out += "xn--" + encoded;
  return true;
}

}  // namespace

SafeLink safe_link(std::string_view link, std::size_t max_label_chars) {
  SafeLink r;
  const auto refuse = [&r](const char* why) {
    r = {};
    r.why = why;
    return r;
  };
  std::string target = link_target(link);
  if (target.empty()) return refuse("not http(s)");
  std::string_view t(target);
  const bool https = starts_with_ci(t, "https://");
  t.remove_prefix(https ? 8 : 7);
  const std::size_t end = t.find_first_of("/?#\\");
  const std::string_view authority = t.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? std::string_view{} : t.substr(end);
  if (authority.find('@') != std::string_view::npos) return refuse("userinfo");
  if (!rest.empty() && rest.front() == '\\') return refuse("backslash");  // browsers read it as '/'
  // host[:port]; IPv6 literals only as loopback "[::1]" (nothing else a building's message needs).
  std::string_view host_part = authority, port_part;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return refuse("bad host");
    host_part = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return refuse("bad host");
    if (!after.empty()) port_part = after.substr(1);
    if (host_part != "[::1]") return refuse("IPv6 literal");
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host_part = authority.substr(0, colon);
    port_part = authority.substr(colon + 1);
    if (port_part.empty()) return refuse("empty port");
  }
  std::string port;
  if (!port_part.empty()) {
    if (port_part.size() > 5) return refuse("bad port");
    unsigned value = 0;
    for (const char c : port_part) {
      if (c < '0' || c > '9') return refuse("bad port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return refuse("bad port");
    const bool default_port = (https && value == 443) || (!https && value == 80);
    if (!default_port) port = ":" + std::to_string(value);
  }
  std::string host;
  if (host_part.empty()) return refuse("empty host");
  if (host_part.front() == '[') {
    host = std::string(host_part);
  } else {
    if (host_part.empty() || host_part.front() == '.' || host_part.size() > 253) return refuse("bad host");
    std::string_view h = host_part;
    if (h.back() == '.') h.remove_suffix(1);  // the root label: "example.com." is example.com
    // Ideographic and fullwidth dots separate labels, as browsers read them.
    std::string dotted;
    for (std::size_t i = 0; i < h.size();) {
      char32_t cp = 0;
      const std::size_t len = utf8::decode(h, i, cp);
      if (len == 0) return refuse("bad host");
      if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) dotted.push_back('.');
      else dotted.append(h.substr(i, len));
      i += len;
    }
    std::string_view labels(dotted);
    while (true) {
      const auto dot = labels.find('.');
      if (!host_label(labels.substr(0, dot), host)) return refuse("bad host");
      if (dot == std::string_view::npos) break;
      host.push_back('.');
      labels.remove_prefix(dot + 1);
    }
    if (host.size() > 253) return refuse("bad host");
    // A last label that starts with a digit makes browsers read the host as IPv4 ("0x7f.1", "2130706433"
    // are 127.0.0.1): only the canonical dotted quad is shown as it is, anything else is not a link.
    const std::string_view last = std::string_view(host).substr(host.rfind('.') == std::string::npos ? 0 : host.rfind('.') + 1);
    if (!last.empty() && last.front() >= '0' && last.front() <= '9') {
      int parts = 0;
      bool canonical = true;
      std::string_view rest_h(host);
      while (canonical) {
        const auto dot = rest_h.find('.');
        const auto part = rest_h.substr(0, dot);
        ++parts;
        canonical = !part.empty() && part.size() <= 3 && (part.size() == 1 || part.front() != '0') &&
                    part.find_first_not_of("0123456789") == std::string_view::npos && std::stoi(std::string(part)) <= 255;
        if (dot == std::string_view::npos) break;
        rest_h.remove_prefix(dot + 1);
      }
      if (!canonical || parts != 4) return refuse("numeric host");
    }
  }
  if (!https && !is_loopback_host(host)) return refuse("http outside loopback");
  r.ok = true;
  r.host = host;
  r.url = std::string(https ? "https://" : "http://") + host + port + (rest.empty() ? "/" : std::string(rest));
  // The label: the host in full, then as much of the path as fits.
  std::string label = host + port;
  std::string path(rest == "/" ? std::string_view{} : rest);
  const std::size_t host_chars = utf8::count_codepoints(label);
  if (!path.empty()) {
    if (host_chars + utf8::count_codepoints(path) <= max_label_chars) {
      label += path;
    } else if (host_chars + 2 < max_label_chars) {
      std::size_t room = max_label_chars - host_chars - 1, count = 0;
      for (std::size_t i = 0; i < path.size() && count < room; ++count) {
        char32_t cp = 0;
        const std::size_t len = utf8::decode(path, i, cp);
        if (len == 0) break;
        label.append(path, i, len);
        i += len;
      }
      label += "\xE2\x80\xA6";
    } else {
      label += "/\xE2\x80\xA6";
    }
  }
  r.label = label;
  return r;
}

// [SECTION] Dates ---------------------------------------------------------------------------------------

int64_t local_day(int64_t utc_ms, int tz_offset_min) {
  const int64_t local_ms = utc_ms + static_cast<int64_t>(tz_offset_min) * 60'000;
  const int64_t day_ms = 86'400'000;
  return local_ms >= 0 ? local_ms / day_ms : -((-local_ms + day_ms - 1) / day_ms);
}

CivilDate civil_from_days(int64_t z) {
  // Howard Hinnant's algorithm (public domain), valid for every int64 day count we can see.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

std::string format_time(int64_t utc_ms, int tz_offset_min) {
  const int64_t local_ms = utc_ms + static_cast<int64_t>(tz_offset_min) * 60'000;
  const int64_t day_ms = 86'400'000;
  int64_t in_day = local_ms % day_ms;
  if (in_day < 0) in_day += day_ms;
  const int minutes = static_cast<int>(in_day / 60'000);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::string format_day(int64_t day, int64_t today, Lang lang) {
  if (day == today) return text(lang, Text::Today);
  if (day == today - 1) return text(lang, Text::Yesterday);
  const auto c = civil_from_days(day);
  char buf[32];
  if (lang == Lang::Pt) {
    std::snprintf(buf, sizeof buf, "%02u/%02u/%04d", c.day, c.month, c.year);
  } else {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(buf, sizeof buf, "%s %u, %d", kMonths[(c.month - 1) % 12], c.day, c.year);
  }
  return buf;
}

}  // namespace bos::ui
