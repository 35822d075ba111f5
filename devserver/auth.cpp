// auth.cpp: see auth.hpp.
// Index:
//   [SECTION] SHA-256 and HMAC (FIPS 180-4, RFC 2104)
//   [SECTION] base64url (RFC 4648 section 5)
//   [SECTION] HS256 compact JWS verification (RFC 7515 / 7519)
//   [SECTION] the secret file and the revoked jtis
#include "auth.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
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
// [SECTION] HS256 compact JWS verification (RFC 7515 / 7519)
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxTokenJsonDepth = 8;

const char* kTokenVerdictNames[] = {"ok", "too long", "malformed", "unsupported alg", "bad signature",
                                    "bad claims", "expired", "not yet valid"};

std::optional<nlohmann::json> decode_json_part(std::string_view part) {
  const auto bytes = base64url_decode(part);
  if (!bytes || json_nesting_depth(*bytes) > kMaxTokenJsonDepth) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

const std::string* string_claim(const nlohmann::json& payload, const char* name, std::size_t max_bytes) {
  const auto it = payload.find(name);
  if (it == payload.end() || !it->is_string()) return nullptr;
  const std::string& s = it->get_ref<const std::string&>();
  return s.size() <= max_bytes ? &s : nullptr;
}

// RFC 7519 NumericDate: seconds since the epoch, possibly fractional. Booleans and strings are refused.
std::optional<std::int64_t> date_claim(const nlohmann::json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  constexpr std::int64_t kMaxDate = std::int64_t{1} << 40;  // year ~36,800: anything larger is nonsense
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxDate)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    if (v < 0 || v > kMaxDate) return std::nullopt;
    return v;
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < 0 || v > static_cast<double>(kMaxDate)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  return std::nullopt;
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

TokenCheck verify_hs256_token(std::string_view token, std::string_view secret, std::int64_t now_s) {
  TokenCheck check;
  auto fail = [&check](TokenVerdict v) {
    check.verdict = v;
    check.claims = {};
    return check;
  };
  if (token.size() > kMaxTokenBytes) return fail(TokenVerdict::kTooLong);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenVerdict::kMalformed);
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty()) return fail(TokenVerdict::kMalformed);

  // The header decides nothing but "is this HS256": alg "none", HS512, RS256 (the classic key-confusion
  // attack) and unknown critical extensions are refused before any key is used.
  const auto header = decode_json_part(header_part);
  if (!header) return fail(TokenVerdict::kMalformed);
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256" ||
      header->contains("crit")) {
    return fail(TokenVerdict::kUnsupportedAlg);
  }

  const auto signature = base64url_decode(signature_part);
  const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
  if (!signature || !constant_time_equal(*signature, expected)) return fail(TokenVerdict::kBadSignature);

  // Signed by our secret from here on; still checked, as a minting bug must not open a socket.
  const auto payload = decode_json_part(payload_part);
  if (!payload) return fail(TokenVerdict::kBadClaims);
  const std::string* sub = string_claim(*payload, "sub", kMaxSubBytes);
  const std::string* bld = string_claim(*payload, "bld", kMaxSubBytes);
  const std::string* name = string_claim(*payload, "name", kMaxNameBytes);
  const std::string* jti = string_claim(*payload, "jti", kMaxJtiBytes);
  const auto iat = date_claim(*payload, "iat");
  const auto exp = date_claim(*payload, "exp");
  if (!sub || !bld || !name || !jti || !iat || !exp) return fail(TokenVerdict::kBadClaims);
  // sub is "<resident>@<bld>": the responder looks users up by UserId alone, and apto-502 exists everywhere.
  const std::size_t at = sub->find('@');
  if (!is_printable_word(*sub) || at == 0 || at == std::string::npos || sub->find('@', at + 1) != std::string::npos ||
      bld->empty() || sub->substr(at + 1) != *bld || !is_valid_jti(*jti)) {
    return fail(TokenVerdict::kBadClaims);
  }
  if (*exp <= *iat) return fail(TokenVerdict::kBadClaims);
  if (*iat > now_s + kTokenClockSkewS) return fail(TokenVerdict::kNotYetValid);
  if (payload->contains("nbf")) {
    const auto nbf = date_claim(*payload, "nbf");
    if (!nbf) return fail(TokenVerdict::kBadClaims);
    if (*nbf > now_s + kTokenClockSkewS) return fail(TokenVerdict::kNotYetValid);
  }
  if (now_s >= *exp + kTokenClockSkewS) return fail(TokenVerdict::kExpired);

  check.verdict = TokenVerdict::kOk;
  check.claims = TokenClaims{*sub, *bld, *name, *jti, *iat, *exp};
  return check;
}

std::string sign_hs256_token(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  const std::string signature = hmac_sha256(secret, input);
  return input + "." + base64url_encode(signature);
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] the secret file and the revoked jtis
//-----------------------------------------------------------------------------------------------------------

namespace {

struct FileStamp {
  std::int64_t mtime_ns = -1;
  std::int64_t size = -1;
};

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<std::int64_t>(st.st_size)};
}

}  // namespace

std::string load_auth_secret(const std::string& path, std::string& secret_out) {
  const std::string shown = sanitize_for_log(path, 80);
  const auto stamp = stamp_of(path);
  if (!stamp) return "--auth-secret: cannot read '" + shown + "' (not a regular file)";
  if (stamp->size > static_cast<std::int64_t>(kMaxAuthSecretBytes) + 1) {
    return "--auth-secret: '" + shown + "' is larger than " + std::to_string(kMaxAuthSecretBytes) + " bytes";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return "--auth-secret: cannot open '" + shown + "'";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string secret = bytes.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();  // exactly one, as `echo` writes it
  if (secret.size() > kMaxAuthSecretBytes) {
    return "--auth-secret: '" + shown + "' is larger than " + std::to_string(kMaxAuthSecretBytes) + " bytes";
  }
  if (secret.size() < kMinAuthSecretBytes) {
    return "--auth-secret: the secret in '" + shown + "' has " + std::to_string(secret.size()) +
           " bytes; HS256 needs at least " + std::to_string(kMinAuthSecretBytes) +
           " (e.g. head -c 48 /dev/urandom | base64 > FILE)";
  }
  secret_out = std::move(secret);
  return {};
}

std::string RevokedJtis::read(std::unordered_set<std::string>& out) const {
  const std::string shown = sanitize_for_log(path_, 80);
  std::ifstream in(path_, std::ios::binary);
  if (!in) return "--revoked-jti: cannot open '" + shown + "'";
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.size() > kMaxJtiBytes + 64) {
      return "--revoked-jti: line " + std::to_string(line_no) + " of '" + shown + "' is too long for a jti";
    }
    std::string_view v(line);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
    if (v.empty() || v.front() == '#') continue;
    if (!is_valid_jti(v)) {
      return "--revoked-jti: line " + std::to_string(line_no) + " of '" + shown + "' is not a jti (1-" +
             std::to_string(kMaxJtiBytes) + " printable characters, no spaces)";
    }
    out.emplace(v);
    if (out.size() > kMaxRevokedJtis) {
      return "--revoked-jti: '" + shown + "' lists more than " + std::to_string(kMaxRevokedJtis) + " jtis";
    }
  }
  return {};
}

std::string RevokedJtis::load_file(const std::string& path) {
  path_ = path;
  const auto stamp = stamp_of(path);
  if (!stamp) return "--revoked-jti: cannot read '" + sanitize_for_log(path, 80) + "' (not a regular file)";
  std::unordered_set<std::string> jtis;
  std::string error = read(jtis);
  if (!error.empty()) return error;
  from_file_ = std::move(jtis);
  file_mtime_ns_ = stamp->mtime_ns;
  file_size_ = stamp->size;
  return {};
}

std::string RevokedJtis::refresh() {
  if (path_.empty()) return {};
  auto report = [this](std::string error) {
    if (error == last_error_) return std::string();
    last_error_ = error;
    return error.empty() ? std::string() : error + "; keeping the " + std::to_string(from_file_.size()) + " jtis read before";
  };
  const auto stamp = stamp_of(path_);
  if (!stamp) return report("--revoked-jti: cannot read '" + sanitize_for_log(path_, 80) + "'");
  if (stamp->mtime_ns == file_mtime_ns_ && stamp->size == file_size_) return report({});
  std::unordered_set<std::string> jtis;
  std::string error = read(jtis);
  if (!error.empty()) return report(std::move(error));
  from_file_ = std::move(jtis);
  file_mtime_ns_ = stamp->mtime_ns;
  file_size_ = stamp->size;
  return report({});
}

RevokedJtis::AddResult RevokedJtis::add(const std::string& jti) {
  if (contains(jti)) return AddResult::kAlreadyRevoked;
  if (size() >= kMaxRevokedJtis) return AddResult::kFull;
  from_api_.insert(jti);
  return AddResult::kAdded;
}

}  // namespace devserver
