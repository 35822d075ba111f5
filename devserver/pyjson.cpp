// pyjson.cpp: see pyjson.hpp.
#include "pyjson.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace devserver {

namespace {

// Decodes one code point at `i`; invalid or truncated sequences yield U+FFFD and consume one byte.
std::uint32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto c = static_cast<std::uint8_t>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<std::uint8_t>(s[i + k]);
    if ((cc & 0xC0u) != 0x80u) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

void append_u_escape(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xFu]);
}

bool py_isspace(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

void dump_into(std::string& out, const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::null:
      out += "null";
      return;
    case ordered_json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case ordered_json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return;
    case ordered_json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return;
    case ordered_json::value_t::number_float: {
      // repr(float): shortest round-trip digits, always with a '.' or an exponent.
      char buf[64];
      const double d = v.get<double>();
      const auto res = std::to_chars(buf, buf + sizeof buf, d);
      std::string s(buf, res.ptr);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      out += s;
      return;
    }
    case ordered_json::value_t::string:
      out += py_quote(v.get_ref<const std::string&>());
      return;
    case ordered_json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        dump_into(out, item);
      }
      out.push_back(']');
      return;
    }
    case ordered_json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += py_quote(it.key());
        out += ": ";
        dump_into(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case ordered_json::value_t::binary:
    case ordered_json::value_t::discarded:
      out += "null";
      return;
  }
}

}  // namespace

std::string py_quote(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 2);
  out.push_back('"');
  std::size_t i = 0;
  while (i < utf8.size()) {
    const std::uint32_t cp = decode_utf8(utf8, i);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x10000) {
      append_u_escape(out, cp);
    } else {
      const std::uint32_t v = cp - 0x10000;
      append_u_escape(out, 0xD800 + (v >> 10));
      append_u_escape(out, 0xDC00 + (v & 0x3FF));
    }
  }
  out.push_back('"');
  return out;
}

std::string py_dumps(const ordered_json& value) {
  std::string out;
  dump_into(out, value);
  return out;
}

std::string py_strip(std::string_view utf8) {
  std::size_t begin = 0;
  while (begin < utf8.size()) {
    std::size_t next = begin;
    if (!py_isspace(decode_utf8(utf8, next))) break;
    begin = next;
  }
  // Walk forward remembering where the last non-space code point ends (UTF-8 cannot be walked backwards
  // safely when it may be invalid).
  std::size_t end = begin;
  std::size_t i = begin;
  while (i < utf8.size()) {
    const std::uint32_t cp = decode_utf8(utf8, i);
    if (!py_isspace(cp)) end = i;
  }
  return std::string(utf8.substr(begin, end - begin));
}

}  // namespace devserver
