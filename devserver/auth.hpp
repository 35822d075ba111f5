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

// --- limits: docs/identity.md, "The token contract" (the backend's token_contract.py has the same) ------
inline constexpr std::size_t kMinAuthSecretBytes = 32;     // after the one trailing newline is stripped
inline constexpr std::size_t kMaxAuthSecretBytes = 4096;   // a larger secret file is a mistake (a PEM bundle...)
inline constexpr std::size_t kMaxTokenBytes = 2048;        // checked before any decoding
inline constexpr std::int64_t kTokenLeewayS = 60;          // clock skew allowed for iat, nbf and exp
inline constexpr std::int64_t kMaxTokenLifetimeS = 400 * 86400;  // exp - iat
inline constexpr std::int64_t kMaxTokenTimeS = 100'000'000'000;  // iat/exp/nbf beyond this are garbage
inline constexpr std::size_t kMaxIdChars = 64;             // resident and building ids: [A-Za-z0-9._+-]
inline constexpr std::size_t kMaxNameCodePoints = 64;
inline constexpr std::size_t kMinJtiChars = 22;            // 128 random bits, URL-safe: [A-Za-z0-9_-]
inline constexpr std::size_t kMaxJtiChars = 64;
inline constexpr std::size_t kMaxJtiBytes = 128;           // what POST /__dev/revoke accepts (lenient)
inline constexpr std::size_t kMaxRevokedJtis = 100000;     // added with POST /__dev/revoke
inline constexpr std::size_t kMaxRevokedFileBytes = 16u * 1024u * 1024u;

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
// 1..kMaxJtiBytes printable ASCII without spaces: what may be revoked (a token's jti is stricter).
bool is_valid_jti(std::string_view jti);

// Why a token is refused; the names are the contract's reasons (only the HTTP status is normative).
enum class TokenVerdict {
  kOk,
  kMissing,       // no token or an empty one (401)
  kOversize,      // over kMaxTokenBytes
  kMalformed,     // not three canonical unpadded base64url segments; header not a strict JSON object
  kBadHeader,     // alg not exactly "HS256"; typ present and not "JWT"; crit or b64 present
  kBadSignature,  // not 32 bytes, or not HMAC-SHA256(key, header.payload)
  kBadClaims,     // payload not a strict JSON object; a claim missing or outside its rule; aud present;
                  // exp <= iat; lifetime over 400 days
  kNotYetValid,   // iat or nbf later than now + leeway
  kExpired,       // exp <= now - leeway
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

// The whole contract check except revocation and the query's user_id, in the contract's order: size,
// segments, header, signature (constant time, before the payload is parsed), claims, time against now_s.
TokenCheck verify_hs256_token(std::string_view token, std::string_view key, std::int64_t now_s);
// The compact JWS for a header and payload JSON text, as given (tests mint with it; the server only verifies).
std::string sign_hs256_token(std::string_view header_json, std::string_view payload_json, std::string_view key);

// --- the secret and the revoked jtis -------------------------------------------------------------------
// The HMAC key from a secret file's bytes: one trailing 0x0A stripped, nothing else; refused (an error
// message) when the file is over kMaxAuthSecretBytes, the key under kMinAuthSecretBytes, or it looks like a
// PEM or SSH key. Empty on success.
std::string key_from_secret_bytes(std::string_view file_bytes, std::string& key_out);
// Reads --auth-secret FILE through key_from_secret_bytes. Returns an error message, or empty.
std::string load_auth_secret(const std::string& path, std::string& key_out);

// The jtis that may no longer open a connection: the --revoked-jti file (one jti per line, surrounding
// whitespace and empty lines ignored: the backend's BOS_AUTH_REVOKED_FILE format), re-read when its size,
// mtime or inode changes, plus those revoked with POST /__dev/revoke. Open sockets are not affected (as
// in API Gateway).
class RevokedJtis {
 public:
  // Reads the file now; an error message (unreadable, over kMaxRevokedFileBytes) or empty.
  std::string load_file(const std::string& path);
  // Re-reads the file when it changed on disk. An error message when it cannot be read: the caller must
  // then refuse the handshake (fail closed, as the authorizer does when its store cannot tell).
  std::string refresh();
  enum class AddResult { kAdded, kAlreadyRevoked, kFull };
  AddResult add(const std::string& jti);
  bool contains(const std::string& jti) const { return from_file_.count(jti) != 0 || from_api_.count(jti) != 0; }
  std::size_t size() const { return from_file_.size() + from_api_.size(); }

 private:
  struct Stamp {
    std::int64_t mtime_ns = -1;
    std::int64_t size = -1;
    std::uint64_t inode = 0;
    bool operator==(const Stamp& o) const { return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode; }
  };
  static std::optional<Stamp> stamp_of(const std::string& path);
  std::string read(const Stamp& stamp);
  std::string path_;
  Stamp stamp_;
  std::unordered_set<std::string> from_file_;
  std::unordered_set<std::string> from_api_;
};

// What API Gateway + the REQUEST authorizer answer on $connect (docs/identity.md, "The reference
// authorizer"), before the $connect Lambda's own user_id check. `status` 0 means allowed; else 401 or 403.
struct ConnectAuth {
  int status = 0;
  std::string reason;  // the contract's reason names, for the log: missing, bad_signature, revoked, ...
  TokenClaims claims;  // when allowed
};
// token / user_id: the query's values (nullopt when absent); *_count: how often each parameter appears
// (given twice, a Lambda might read the other one: refused).
ConnectAuth authorize_connect(const std::optional<std::string>& token, std::size_t token_count,
                              const std::optional<std::string>& user_id, std::size_t user_id_count,
                              std::string_view key, std::int64_t now_s, RevokedJtis& revoked);

}  // namespace devserver
