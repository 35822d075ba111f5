// auth.cpp: see auth.hpp.
// Index:
//   [SECTION] SHA-256 and HMAC (FIPS 180-4, RFC 2104)
//   [SECTION] base64url (RFC 4648 section 5)
//   [SECTION] HS256 compact JWS verification (RFC 7515 / 7519, docs/identity.md)
//   [SECTION] the secret file and the revoked jtis
#include "auth.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "encoding.hpp"

namespace devserver {

namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

}  // namespace

//-----------------------------------------------------------------------------------------------------------
// [SECTION] SHA-256 and HMAC (FIPS 180-4, RFC 2104)
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

std::uint32_t rotr(std::uint32_t v, int n) { return (v >> n) | (v << (32 - n)); }

}  // namespace

std::string sha256_digest(std::string_view data) {
  std::uint32_t h[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                        0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  std::string msg(data);
  const std::uint64_t bit_len = static_cast<std::uint64_t>(data.size()) * 8u;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bit_len >> (i * 8)) & 0xffu));
  for (std::size_t chunk = 0; chunk < msg.size(); chunk += 64) {
    std::uint32_t w[64];
    for (std::size_t i = 0; i < 16; ++i) {
      const std::size_t p = chunk + i * 4;
      w[i] = (std::uint32_t{byte_at(msg, p)} << 24) | (std::uint32_t{byte_at(msg, p + 1)} << 16) |
             (std::uint32_t{byte_at(msg, p + 2)} << 8) | std::uint32_t{byte_at(msg, p + 3)};
    }
    for (std::size_t i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (std::size_t i = 0; i < 64; ++i) {
      const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + s1 + ch + kSha256K[i] + w[i];
      const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = s0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  std::string out;
  out.reserve(32);
  for (const std::uint32_t v : h) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xffu));
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  constexpr std::size_t kBlock = 64;
  std::string k = key.size() > kBlock ? sha256_digest(key) : std::string(key);
  k.resize(kBlock, '\0');
  std::string inner(kBlock, '\0');
  std::string outer(kBlock, '\0');
  for (std::size_t i = 0; i < kBlock; ++i) {
    inner[i] = static_cast<char>(byte_at(k, i) ^ 0x36u);
    outer[i] = static_cast<char>(byte_at(k, i) ^ 0x5cu);
  }
  inner.append(data.data(), data.size());
  outer += sha256_digest(inner);
  return sha256_digest(outer);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The lengths are public (a signature is always 32 bytes); the contents are not.
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (byte_at(a, i) ^ byte_at(b, i)));
  return diff == 0;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] base64url (RFC 4648 section 5)
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    acc = (acc << 8) | byte_at(bytes, i);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64UrlAlphabet[(acc >> bits) & 63u]);
    }
  }
  if (bits > 0) out.push_back(kBase64UrlAlphabet[(acc << (6 - bits)) & 63u]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // no byte count gives this length
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xffffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xffu));
    }
  }
  // Leftover bits must be zero: one token, one spelling.
  if (bits > 0 && (acc & ((1u << bits) - 1u)) != 0) return std::nullopt;
  return out;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] HS256 compact JWS verification (RFC 7515 / 7519, docs/identity.md)
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxTokenJsonDepth = 8;

constexpr const char* kTokenVerdictNames[] = {"ok",         "missing",     "oversize",      "malformed", "bad_header",
                                              "bad_signature", "bad_claims", "not_yet_valid", "expired"};

// A JSON object, strictly: valid UTF-8, no NaN (nlohmann refuses both), and no duplicate key at any level
// (parsers disagree on which of two equal keys wins, so two verifiers could read different claims).
std::optional<nlohmann::json> strict_json_object(std::string_view bytes) {
  if (json_nesting_depth(bytes) > kMaxTokenJsonDepth) return std::nullopt;
  std::vector<std::unordered_set<std::string>> keys_per_object;
  bool duplicate = false;
  const nlohmann::json::parser_callback_t track = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys_per_object.emplace_back();
    else if (event == E::object_end && !keys_per_object.empty()) keys_per_object.pop_back();
    else if (event == E::key && !keys_per_object.empty() && parsed.is_string() &&
             !keys_per_object.back().insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), track, false);
  if (duplicate || j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool is_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdChars) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_token_jti(std::string_view s) {
  if (s.size() < kMinJtiChars || s.size() > kMaxJtiChars) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// 1..64 code points, not only U+0020, none of C0/DEL/C1 controls, U+061C, U+200E-F, U+2028-9, U+202A-E,
// U+2066-9 (nlohmann has already refused invalid UTF-8 and lone surrogates).
bool is_display_name(std::string_view s) {
  std::size_t code_points = 0;
  bool only_spaces = true;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<std::uint8_t>(s[i + k]) & 0x3Fu);
    i += len;
    ++code_points;
    if (cp != 0x20) only_spaces = false;
    const bool forbidden = cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || (cp >= 0x200E && cp <= 0x200F) ||
                           (cp >= 0x2028 && cp <= 0x2029) || (cp >= 0x202A && cp <= 0x202E) ||
                           (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xD800 && cp <= 0xDFFF);
    if (forbidden) return false;
  }
  return code_points >= 1 && code_points <= kMaxNameCodePoints && !only_spaces;
}

// NumericDate as the contract takes it: a JSON integer (not a float, a string or a boolean) in 0..1e11.
std::optional<std::int64_t> date_claim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxTokenTimeS)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  const auto v = it->get<std::int64_t>();
  if (v < 0 || v > kMaxTokenTimeS) return std::nullopt;
  return v;
}

const std::string* string_claim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

bool is_printable_word(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

}  // namespace

const char* to_string(TokenVerdict verdict) { return kTokenVerdictNames[static_cast<int>(verdict)]; }

bool is_valid_jti(std::string_view jti) { return !jti.empty() && jti.size() <= kMaxJtiBytes && is_printable_word(jti); }

TokenCheck verify_hs256_token(std::string_view token, std::string_view key, std::int64_t now_s) {
  TokenCheck check;
  auto fail = [&check](TokenVerdict v) {
    check.verdict = v;
    check.claims = {};
    return check;
  };
  // Shape first, before anything is decoded: size, three canonical base64url segments.
  if (token.empty()) return fail(TokenVerdict::kMissing);
  if (token.size() > kMaxTokenBytes) return fail(TokenVerdict::kOversize);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenVerdict::kMalformed);
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  if (header_part.empty() || payload_part.empty()) return fail(TokenVerdict::kMalformed);
  const auto header_bytes = base64url_decode(header_part);
  const auto payload_bytes = base64url_decode(payload_part);
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header_bytes || !payload_bytes || !signature) return fail(TokenVerdict::kMalformed);

  // The header decides nothing but "is this HS256": the algorithm is pinned, never taken from the token
  // (none, HS512, RS256 key confusion), and no extension that changes how the signature is read.
  const auto header = strict_json_object(*header_bytes);
  if (!header) return fail(TokenVerdict::kMalformed);
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256") {
    return fail(TokenVerdict::kBadHeader);
  }
  if (const auto typ = header->find("typ"); typ != header->end() && !(typ->is_string() && typ->get_ref<const std::string&>() == "JWT")) {
    return fail(TokenVerdict::kBadHeader);
  }
  if (header->contains("crit") || header->contains("b64")) return fail(TokenVerdict::kBadHeader);
  if (signature->size() != 32 ||
      !constant_time_equal(*signature, hmac_sha256(key, token.substr(0, dot2)))) {
    return fail(TokenVerdict::kBadSignature);
  }

  // Signed with our key from here on; still checked, as a minting bug must not open a socket.
  const auto payload = strict_json_object(*payload_bytes);
  if (!payload) return fail(TokenVerdict::kBadClaims);
  const std::string* sub = string_claim(*payload, "sub");
  const std::string* bld = string_claim(*payload, "bld");
  const std::string* name = string_claim(*payload, "name");
  const std::string* jti = string_claim(*payload, "jti");
  const auto iat = date_claim(*payload, "iat");
  const auto exp = date_claim(*payload, "exp");
  if (!sub || !bld || !name || !jti || !iat || !exp || payload->contains("aud")) return fail(TokenVerdict::kBadClaims);
  std::optional<std::int64_t> nbf;
  if (payload->contains("nbf")) {
    nbf = date_claim(*payload, "nbf");
    if (!nbf) return fail(TokenVerdict::kBadClaims);
  }
  // sub is "<resident>@<bld>": the responder looks users up by UserId alone, and apto-502 exists everywhere.
  const std::size_t at = sub->find('@');
  if (!is_id(*bld) || at == std::string::npos || !is_id(std::string_view(*sub).substr(0, at)) ||
      std::string_view(*sub).substr(at + 1) != *bld || !is_display_name(*name) || !is_token_jti(*jti)) {
    return fail(TokenVerdict::kBadClaims);
  }
  if (*exp <= *iat || *exp - *iat > kMaxTokenLifetimeS) return fail(TokenVerdict::kBadClaims);

  if (*iat > now_s + kTokenLeewayS || (nbf && *nbf > now_s + kTokenLeewayS)) return fail(TokenVerdict::kNotYetValid);
  if (*exp <= now_s - kTokenLeewayS) return fail(TokenVerdict::kExpired);

  check.verdict = TokenVerdict::kOk;
  check.claims = TokenClaims{*sub, *bld, *name, *jti, *iat, *exp};
  return check;
}

std::string sign_hs256_token(std::string_view header_json, std::string_view payload_json, std::string_view key) {
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  const std::string signature = hmac_sha256(key, input);
  return input + "." + base64url_encode(signature);
}

ConnectAuth authorize_connect(const std::optional<std::string>& token, std::size_t token_count,
                              const std::optional<std::string>& user_id, std::size_t user_id_count,
                              std::string_view key, std::int64_t now_s, RevokedJtis& revoked) {
  ConnectAuth out;
  auto deny = [&out](int status, std::string reason) {
    out.status = status;
    out.reason = std::move(reason);
    out.claims = {};
    return out;
  };
  // API Gateway answers 401 itself when the identity source is missing or empty.
  if (!token || token->empty()) return deny(401, "missing");
  // Two token= or user_id= parameters: API Gateway passes one, a Lambda may read the other.
  if (token_count > 1 || user_id_count > 1) return deny(403, "duplicate_parameter");
  TokenCheck check = verify_hs256_token(*token, key, now_s);
  if (check.verdict != TokenVerdict::kOk) return deny(403, to_string(check.verdict));
  if (const std::string err = revoked.refresh(); !err.empty()) return deny(403, "store_error: " + err);
  const std::string who = " (jti=" + sanitize_for_log(check.claims.jti) + " sub=" + sanitize_for_log(check.claims.sub) + ")";
  if (revoked.contains(check.claims.jti)) return deny(403, "revoked" + who);
  if (user_id && *user_id != check.claims.sub) return deny(403, "user_mismatch" + who);
  out.claims = std::move(check.claims);
  return out;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] the secret file and the revoked jtis
//-----------------------------------------------------------------------------------------------------------

std::string key_from_secret_bytes(std::string_view data, std::string& key_out) {
  if (data.size() > kMaxAuthSecretBytes) {
    return "is over " + std::to_string(kMaxAuthSecretBytes) + " bytes: not a secret file";
  }
  std::string key(data);
  if (!key.empty() && key.back() == '\n') key.pop_back();  // exactly one 0x0A, as `echo` writes it
  if (key.size() < kMinAuthSecretBytes) {
    return "is " + std::to_string(key.size()) + " bytes; at least " + std::to_string(kMinAuthSecretBytes) +
           " are required (make one with: head -c 48 /dev/urandom | base64 > FILE)";
  }
  std::string_view trimmed(key);
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t' || trimmed.front() == '\n' ||
                              trimmed.front() == '\r' || trimmed.front() == '\v' || trimmed.front() == '\f')) {
    trimmed.remove_prefix(1);
  }
  for (const std::string_view prefix : {std::string_view("-----BEGIN"), std::string_view("ssh-"), std::string_view("ecdsa-sha2-")}) {
    if (trimmed.substr(0, prefix.size()) == prefix) return "looks like a PEM or SSH key; HS256 needs a random secret";
  }
  key_out = std::move(key);
  return {};
}

std::string load_auth_secret(const std::string& path, std::string& key_out) {
  const std::string shown = "--auth-secret: '" + sanitize_for_log(path, 80) + "' ";
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return shown + "is not a readable file";
  if (st.st_size > static_cast<off_t>(kMaxAuthSecretBytes)) {
    return shown + "is over " + std::to_string(kMaxAuthSecretBytes) + " bytes: not a secret file";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return shown + "cannot be opened";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string error = key_from_secret_bytes(bytes.str(), key_out);
  return error.empty() ? std::string() : shown + error;
}

std::optional<RevokedJtis::Stamp> RevokedJtis::stamp_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return Stamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

std::string RevokedJtis::read(const Stamp& stamp) {
  const std::string shown = "--revoked-jti: '" + sanitize_for_log(path_, 80) + "' ";
  if (stamp.size > static_cast<std::int64_t>(kMaxRevokedFileBytes)) {
    return shown + "is over " + std::to_string(kMaxRevokedFileBytes) + " bytes (a bigger list belongs in DynamoDB)";
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) return shown + "cannot be opened";
  std::unordered_set<std::string> jtis;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view v(line);
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
    while (!v.empty() && space(v.front())) v.remove_prefix(1);
    while (!v.empty() && space(v.back())) v.remove_suffix(1);
    if (!v.empty()) jtis.emplace(v);
  }
  from_file_ = std::move(jtis);
  stamp_ = stamp;
  return {};
}

std::string RevokedJtis::load_file(const std::string& path) {
  path_ = path;
  const auto stamp = stamp_of(path);
  if (!stamp) return "--revoked-jti: '" + sanitize_for_log(path, 80) + "' is not a readable file";
  return read(*stamp);
}

std::string RevokedJtis::refresh() {
  if (path_.empty()) return {};
  const auto stamp = stamp_of(path_);
  if (!stamp) return "--revoked-jti: '" + sanitize_for_log(path_, 80) + "' cannot be read";
  if (*stamp == stamp_) return {};
  return read(*stamp);
}

RevokedJtis::AddResult RevokedJtis::add(const std::string& jti) {
  if (contains(jti)) return AddResult::kAlreadyRevoked;
  if (from_api_.size() >= kMaxRevokedJtis) return AddResult::kFull;
  from_api_.insert(jti);
  return AddResult::kAdded;
}

}  // namespace devserver
