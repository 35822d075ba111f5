// text_util.cpp: see text_util.hpp.
#include "ui/text_util.hpp"

#include <cstdio>

#include "core/utf8.hpp"

namespace bos::ui {

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
}  // namespace

std::vector<std::string> find_links(std::string_view text, std::size_t max_links) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_links) {
    const auto rest = text.substr(i);
    const bool at_word_start = i == 0 || !is_link_char(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '(';
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
    std::size_t end = i;
    while (end < text.size() && is_link_char(static_cast<unsigned char>(text[end]))) ++end;
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
  if (utf8::count_codepoints(s) <= max_chars) return std::string(s);
  // Cut on a code point and mark the cut.
  std::string out;
  std::size_t count = 0;
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size() && count + 1 < max_chars; ++count) {
    const auto len = utf8::decode(s, i, cp);
    if (len == 0) break;
    out.append(s.substr(i, len));
    i += len;
  }
  return out + "\xE2\x80\xA6";
}

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
