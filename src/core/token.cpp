// token.cpp: see token.hpp.
#include "core/token.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/limits.hpp"
#include "core/utf8.hpp"

namespace bos {

const char* to_string(TokenStatus s) {
  switch (s) {
    case TokenStatus::Usable: return "usable";
    case TokenStatus::Expired: return "expired";
    case TokenStatus::Malformed: return "malformed";
  }
  return "?";
}

namespace {

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Nesting depth of brackets outside strings: nlohmann recurses, so it is bounded before parsing.
int json_depth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

// A JSON object, strictly: valid UTF-8, no NaN (nlohmann refuses both), no duplicate key at any level
// (parsers disagree on which of two equal keys wins).
std::optional<nlohmann::json> strict_object(std::string_view bytes) {
  if (json_depth(bytes) > kMaxTokenJsonDepth) return std::nullopt;
  std::vector<std::unordered_set<std::string>> keys;
  bool duplicate = false;
  const nlohmann::json::parser_callback_t track = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    else if (event == E::object_end && !keys.empty()) keys.pop_back();
    else if (event == E::key && !keys.empty() && parsed.is_string() && !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), track, false);
  if (duplicate || j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool is_token_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenIdChars) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_jti(std::string_view s) {
  if (s.size() < kMinTokenJtiChars || s.size() > kMaxTokenJtiChars) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The name the menu shows: 1-64 code points, not only spaces, no controls, line separators or bidi controls.
bool is_name(std::string_view s) {
  std::size_t count = 0;
  bool only_spaces = true;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = utf8::decode(s, i, cp);
    if (len == 0) return false;  // the parser refuses invalid UTF-8; never trust that twice
    i += len;
    ++count;
    if (cp != 0x20) only_spaces = false;
    const bool forbidden = cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
                           cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                           (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xD800 && cp <= 0xDFFF);
    if (forbidden) return false;
  }
  return count >= 1 && count <= kMaxTokenNameCodePoints && !only_spaces;
}

std::optional<int64_t> date_claim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(kMaxTokenTimeS)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  const auto v = it->get<int64_t>();
  if (v < 0 || v > kMaxTokenTimeS) return std::nullopt;
  return v;
}

const std::string* string_claim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

}  // namespace

bool base64url_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) return false;  // no byte count gives this length
  std::string bytes;
  bytes.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = base64url_value(c);
    if (v < 0) return false;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xffu));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1u)) != 0) return false;  // one token, one spelling
  out = std::move(bytes);
  return true;
}

TokenRead read_token(std::string_view token, int64_t now_s) {
  TokenRead r;
  const auto fail = [&r](const char* reason) {
    r.status = TokenStatus::Malformed;
    r.reason = reason;
    r.claims = {};
    return r;
  };
  if (token.empty()) return fail("malformed");
  if (token.size() > kMaxTokenBytes) return fail("oversize");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return fail("malformed");
  const auto header_part = token.substr(0, dot1);
  const auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string header_bytes, payload_bytes, signature;
  if (header_part.empty() || payload_part.empty() || !base64url_decode(header_part, header_bytes) ||
      !base64url_decode(payload_part, payload_bytes) || !base64url_decode(token.substr(dot2 + 1), signature)) {
    return fail("malformed");
  }
  const auto header = strict_object(header_bytes);
  if (!header) return fail("malformed");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256") return fail("bad_header");
  if (const auto typ = header->find("typ");
      typ != header->end() && !(typ->is_string() && typ->get_ref<const std::string&>() == "JWT")) {
    return fail("bad_header");
  }
  if (header->contains("crit") || header->contains("b64")) return fail("bad_header");
  // (The signature comes here in the contract's order: only the server can check it.)

  const auto payload = strict_object(payload_bytes);
  if (!payload) return fail("bad_claims");
  const std::string* sub = string_claim(*payload, "sub");
  const std::string* bld = string_claim(*payload, "bld");
  const std::string* name = string_claim(*payload, "name");
  const std::string* jti = string_claim(*payload, "jti");
  const auto iat = date_claim(*payload, "iat");
  const auto exp = date_claim(*payload, "exp");
  if (!sub || !bld || !name || !jti || !iat || !exp || payload->contains("aud")) return fail("bad_claims");
  if (payload->contains("nbf") && !date_claim(*payload, "nbf")) return fail("bad_claims");
  const auto at = sub->find('@');
  if (!is_token_id(*bld) || at == std::string::npos || !is_token_id(std::string_view(*sub).substr(0, at)) ||
      std::string_view(*sub).substr(at + 1) != *bld || !is_name(*name) || !is_jti(*jti)) {
    return fail("bad_claims");
  }
  if (*exp <= *iat || *exp - *iat > kMaxTokenLifetimeS) return fail("bad_claims");

  r.claims = TokenClaims{*sub, *bld, *name, *jti, *iat, *exp};
  if (*exp <= now_s - kTokenLeewayS) {
    r.status = TokenStatus::Expired;
    r.reason = "expired";
    return r;
  }
  r.status = TokenStatus::Usable;
  r.reason = "usable";
  return r;
}

}  // namespace bos
