// token.hpp: the resident token as the client reads it (issue 13, docs/identity.md "The token contract").
//
// The client has no secret, so it cannot verify the signature: it decodes the payload (base64url + strict
// JSON, size first, no exceptions) only to decide what to show (signed in as "Apto 502", the link expired,
// the link is unreadable) and which user_id to connect with. The server decides access; a token the client
// calls usable may still be refused there (bad signature, revoked, not yet valid by the server's clock),
// which the client sees as a connection that never opens (the app's link_refused).
//
// The rule, in the contract's order, signature skipped: size; three segments of canonical unpadded
// base64url; the header a strict JSON object with alg exactly HS256, typ absent or JWT, no crit or b64;
// the payload a strict JSON object with every claim of its type and rule (sub = <id>@<bld>, name, jti, iat,
// exp, optional nbf, no aud, exp > iat, lifetime at most 400 days); then exp <= now - leeway is expired.
// iat/nbf in the future are not judged here: the device's clock is not the server's.
// shell/token.js is the page's copy of this rule, run before the wasm is downloaded; tests/core/token_test.cpp
// and tests/ui/token_rule.test.mjs run both on tests/fixtures/auth/token-vectors.json.
// No I/O, no clock.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace bos {

enum class TokenStatus { Usable, Expired, Malformed };
const char* to_string(TokenStatus s);

struct TokenClaims {
  std::string sub;   // "apto-502@torre-a": the user_id the client connects with
  std::string bld;
  std::string name;  // "Apto 502": shown in the menu
  std::string jti;
  int64_t iat = 0;
  int64_t exp = 0;
};

struct TokenRead {
  TokenStatus status = TokenStatus::Malformed;
  // Why, for the log: the contract's reason names (oversize, malformed, bad_header, bad_claims, expired).
  const char* reason = "malformed";
  TokenClaims claims;  // filled for Usable and Expired
};

TokenRead read_token(std::string_view token, int64_t now_s);

// RFC 4648 section 5, unpadded, canonical (unused trailing bits zero). false on anything else.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace bos
