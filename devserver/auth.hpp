// auth.hpp: what the REQUEST authorizer on $connect checks under --auth-secret (issue 13): a compact JWS,
// HS256, keyed with the secret file's bytes, carrying sub/bld/name/iat/exp/jti; plus the revoked jtis.
// Pure functions and plain data (SHA-256 and HMAC are here too): no Asio, Beast or anything from src/
// (the client has its own token decoder, so each checks the other).
//
// Why a hand-written SHA-256 and not OpenSSL: the dev server already carries its own SHA-1 for
// Sec-WebSocket-Accept, HMAC-SHA256 is ~100 lines, it is tested against the FIPS 180-2 and RFC 4231
// vectors (tests/devserver/auth_test.cpp) and cross-checked with Python's hashlib/hmac at test time, and it
// keeps the binary free of a new link dependency and scripts/bootstrap free of a new package.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace devserver {

// --- limits (one source for each) ----------------------------------------------------------------------
inline constexpr std::size_t kMinAuthSecretBytes = 32;     // HS256 wants a key of at least the hash size
inline constexpr std::size_t kMaxAuthSecretBytes = 4096;   // a sanity bound on the file we read
inline constexpr std::size_t kMaxTokenBytes = 2048;        // checked before any decoding
inline constexpr std::size_t kMaxJtiBytes = 128;
inline constexpr std::size_t kMaxSubBytes = 128;
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxRevokedJtis = 100000;     // file + POST /__dev/revoke together
inline constexpr std::int64_t kTokenClockSkewS = 60;       // leeway on exp, iat and nbf

// --- hashing -------------------------------------------------------------------------------------------
std::string sha256_digest(std::string_view data);                       // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data);   // 32 raw bytes (RFC 2104)
// Compares every byte whatever the contents, so the time taken says nothing about where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// RFC 4648 section 5 without padding, as JWS uses it.
std::string base64url_encode(std::string_view bytes);
// Strict: no padding, no other characters, unused trailing bits must be zero. nullopt on anything else.
std::optional<std::string> base64url_decode(std::string_view text);

// --- tokens --------------------------------------------------------------------------------------------
// 1..kMaxJtiBytes printable ASCII without spaces (so a jti fits one line of the file and of the log).
bool is_valid_jti(std::string_view jti);
enum class TokenVerdict {
  kOk,
  kTooLong,          // over kMaxTokenBytes
  kMalformed,        // not three base64url parts, or the header is not a JSON object
  kUnsupportedAlg,   // alg is not exactly "HS256" (none, HS512, RS256, ...), or a crit header is present
  kBadSignature,
  kBadClaims,        // payload not a JSON object, or a claim missing / of the wrong type / too long
  kExpired,          // now >= exp + skew
  kNotYetValid,      // iat (or nbf) more than the skew in the future, or exp <= iat
};
const char* to_string(TokenVerdict verdict);

struct TokenClaims {
  std::string sub;  // "apto-502@torre-a": resident "@" building, globally unique
  std::string bld;
  std::string name;
  std::string jti;
  std::int64_t iat = 0;
  std::int64_t exp = 0;
};

struct TokenCheck {
  TokenVerdict verdict = TokenVerdict::kMalformed;
  TokenClaims claims;  // filled only when verdict is kOk
};

// The whole check except revocation: size, shape, alg, signature (constant time, before the payload is
// parsed), claims, exp / iat / nbf against now_s.
TokenCheck verify_hs256_token(std::string_view token, std::string_view secret, std::int64_t now_s);
// The signed compact JWS for a header and payload JSON text (for tests and tools; the server only verifies).
std::string sign_hs256_token(std::string_view header_json, std::string_view payload_json, std::string_view secret);

// --- the secret and the revoked jtis -------------------------------------------------------------------
// Reads --auth-secret FILE: its bytes with one trailing "\n" stripped. Returns an error message, or empty.
std::string load_auth_secret(const std::string& path, std::string& secret_out);

// The jtis that may no longer open a connection: the --revoked-jti file (one per line; blank lines and
// lines starting with '#' ignored; surrounding spaces and a CR stripped), re-read when its size or mtime
// changes, plus those revoked with POST /__dev/revoke. Open sockets are not affected (as API Gateway).
class RevokedJtis {
 public:
  // Reads the file now; an error message (unreadable, a line too long, too many) or empty.
  std::string load_file(const std::string& path);
  // Re-reads the file when it changed on disk; on an error keeps the previous list and returns the message.
  std::string refresh();
  enum class AddResult { kAdded, kAlreadyRevoked, kFull };
  AddResult add(const std::string& jti);
  bool contains(const std::string& jti) const { return from_file_.count(jti) != 0 || from_api_.count(jti) != 0; }
  std::size_t size() const { return from_file_.size() + from_api_.size(); }

 private:
  std::string read(std::unordered_set<std::string>& out) const;
  std::string path_;
  std::int64_t file_mtime_ns_ = -1;
  std::int64_t file_size_ = -1;
  std::unordered_set<std::string> from_file_;
  std::unordered_set<std::string> from_api_;
  std::string last_error_;  // refresh() reports each distinct failure once, not on every handshake
};

}  // namespace devserver
