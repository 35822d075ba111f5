// identity.cpp: see identity.hpp.
#include "core/identity.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/backoff.hpp"
#include "core/limits.hpp"

namespace bos {

namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr uint64_t kRadix = sizeof kDigits - 1;
constexpr int kIdentityFormatVersion = 1;

std::string base36(uint64_t v) {
  std::string out;
  do {
    out.push_back(kDigits[v % kRadix]);
    v /= kRadix;
  } while (v);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

bool is_valid_resident_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxResidentIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '+' || c == '-';
  });
}

bool parse_identity(std::string_view blob, Identity& out) {
  if (blob.empty() || blob.size() > kMaxIdentityBlobBytes) return false;
  const auto j = nlohmann::ordered_json::parse(blob.begin(), blob.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto v = j.find("v"), u = j.find("user_id"), s = j.find("session_id");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != kIdentityFormatVersion) return false;
  if (u == j.end() || !u->is_string() || s == j.end() || !s->is_string()) return false;
  Identity id{u->get<std::string>(), s->get<std::string>(), {}};
  if (!is_valid_resident_id(id.user_id) || !is_valid_resident_id(id.session_id)) return false;
  if (const auto t = j.find("token"); t != j.end() && t->is_string() && t->get_ref<const std::string&>().size() <= kMaxTokenBytes) {
    id.token = t->get<std::string>();
  }
  out = std::move(id);
  return true;
}

std::string serialize_identity(const Identity& id) {
  nlohmann::ordered_json j;
  j["v"] = kIdentityFormatVersion;
  j["user_id"] = id.user_id;
  j["session_id"] = id.session_id;
  if (!id.token.empty()) j["token"] = id.token;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string random_token(uint64_t& rng, int chars) {
  std::string out;
  for (int i = 0; i < chars; ++i) out.push_back(kDigits[next_random(rng) % kRadix]);
  return out;
}

std::string new_user_id(int64_t now_ms, uint64_t& rng) {
  return "web-user-" + std::to_string(now_ms) + "-" + random_token(rng, kIdRandomChars);
}

std::string new_session_id(int64_t now_ms, uint64_t& rng) {
  return "session-" + std::to_string(now_ms) + "-" + random_token(rng, kIdRandomChars);
}

std::string new_message_id(int64_t now_ms, uint64_t& rng) {
  return "m" + base36(static_cast<uint64_t>(std::max<int64_t>(now_ms, 0))) + "-" +
         random_token(rng, kMessageIdRandomChars);
}

std::string new_load_prefix(uint64_t& rng) { return "r" + random_token(rng, kLoadPrefixRandomChars) + "-"; }

}  // namespace bos
