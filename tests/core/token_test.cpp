// The resident token as the client reads it (core/token.hpp, issue 13), against the shared known-answer
// vectors (tests/fixtures/auth/token-vectors.json, also run through the backend's authorizer, the dev server
// and, for the page's pre-wasm copy shell/token.js, tests/ui/token_rule.test.mjs with the same mapping).
// The client cannot check signatures, revocation or user_id, and does not judge iat/nbf by its own clock:
// for those vectors it must say "usable" (the server refuses; the page then shows link_refused).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/identity.hpp"
#include "core/limits.hpp"
#include "core/token.hpp"

using namespace bos;

namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json doc = [] {
    std::ifstream in(BOS_SOURCE_DIR "/tests/fixtures/auth/token-vectors.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str(), nullptr, false);
  }();
  return doc;
}

// The server's reason -> what the client must conclude (the same table is in tests/ui/token_rule.test.mjs).
TokenStatus client_status(const std::string& reason) {
  static const std::map<std::string, TokenStatus> kTable = {
      {"allow", TokenStatus::Usable},         {"bad_signature", TokenStatus::Usable},
      {"revoked", TokenStatus::Usable},       {"user_mismatch", TokenStatus::Usable},
      {"not_yet_valid", TokenStatus::Usable}, {"expired", TokenStatus::Expired},
      {"missing", TokenStatus::Malformed},    {"oversize", TokenStatus::Malformed},
      {"malformed", TokenStatus::Malformed},  {"bad_header", TokenStatus::Malformed},
      {"bad_claims", TokenStatus::Malformed},
  };
  const auto it = kTable.find(reason);
  REQUIRE(it != kTable.end());
  return it->second;
}

}  // namespace

TEST_CASE("token vectors: the client reads every shared vector as the contract says", "[token]") {
  REQUIRE_FALSE(vectors().is_discarded());
  const auto& tokens = vectors()["tokens"];
  REQUIRE(tokens.size() >= 60);
  std::map<TokenStatus, int> seen;
  for (const auto& v : tokens) {
    const std::string id = v["id"].get<std::string>();
    const std::string reason = v.value("reason", std::string("allow"));
    const std::string token = v["token"].is_string() ? v["token"].get<std::string>() : std::string();
    CAPTURE(id, reason);
    const TokenRead r = read_token(token, v["now"].get<int64_t>());
    CHECK(r.status == client_status(reason));
    ++seen[r.status];
    if (r.status == TokenStatus::Usable && v.contains("claims")) {
      CHECK(r.claims.sub == v["claims"]["sub"].get<std::string>());
      CHECK(r.claims.name == v["claims"]["name"].get<std::string>());
      CHECK(r.claims.exp == v["claims"]["exp"].get<int64_t>());
    }
    if (reason != "allow" && reason != "expired" && r.status == TokenStatus::Malformed) CHECK(std::string(r.reason) != "usable");
  }
  CHECK(seen[TokenStatus::Usable] >= 15);
  CHECK(seen[TokenStatus::Expired] == 2);
  CHECK(seen[TokenStatus::Malformed] >= 40);
}

TEST_CASE("token: expiry uses the contract's leeway, on the device's clock", "[token]") {
  const auto& valid = vectors()["tokens"][0];
  REQUIRE(valid["id"] == "valid");
  const std::string token = valid["token"].get<std::string>();
  const int64_t exp = valid["claims"]["exp"].get<int64_t>();
  CHECK(read_token(token, exp + kTokenLeewayS - 1).status == TokenStatus::Usable);
  CHECK(read_token(token, exp + kTokenLeewayS).status == TokenStatus::Expired);
  // An expired token still says whose it was (the expired screen may name nobody, but the log can).
  CHECK(read_token(token, exp + kTokenLeewayS).claims.sub == "apto-502@torre-a");
  // iat in the future by the device's clock: the server decides (a phone's clock is often wrong).
  CHECK(read_token(token, 0).status == TokenStatus::Usable);
}

TEST_CASE("token: hostile inputs are refused without a crash", "[token]") {
  const auto input = GENERATE(as<std::string>{}, "", ".", "..", "a.b.c", "e30.e30.", "e30.e30.e30.e30",
                              std::string(kMaxTokenBytes + 1, 'a'), std::string("eyJ\0hbGc.e30.", 13),
                              "W1tbW1tbW1tbW1tbW1tbW1tbXV1dXV1dXV1dXV1dXV1dXQ.e30.", "\xff\xfe.\xfd.");
  const TokenRead r = read_token(input, 1767225600);
  CHECK(r.status == TokenStatus::Malformed);
  CHECK(r.claims.sub.empty());
}

TEST_CASE("base64url: canonical spelling only", "[token]") {
  std::string out;
  CHECK(base64url_decode("", out));
  CHECK(out.empty());
  CHECK(base64url_decode("YQ", out));
  CHECK(out == "a");
  CHECK_FALSE(base64url_decode("YR", out));   // unused bits set
  CHECK_FALSE(base64url_decode("YQ==", out)); // padding
  CHECK_FALSE(base64url_decode("Y", out));    // 1 mod 4
  CHECK_FALSE(base64url_decode("a+b/", out)); // standard alphabet
}

TEST_CASE("identity blob: the token is stored beside the ids, and an older build's reader still reads the ids",
          "[identity][token]") {
  const Identity id{"apto-502@torre-a", "session-1-abcdefghi", "eyJ.eyJ.sig"};
  const std::string blob = serialize_identity(id);
  CHECK(blob == R"({"v":1,"user_id":"apto-502@torre-a","session_id":"session-1-abcdefghi","token":"eyJ.eyJ.sig"})");
  Identity back;
  REQUIRE(parse_identity(blob, back));
  CHECK(back.token == id.token);
  // What parse_identity did before issue 13 (ignore unknown fields) is still what it does with the ids.
  const auto old = nlohmann::json::parse(blob);
  CHECK(old["user_id"] == "apto-502@torre-a");
  CHECK(old["session_id"] == "session-1-abcdefghi");
  // A real link's blob stays under the 1024 bytes the builds before issue 13 accept.
  const auto& vs = vectors()["tokens"];
  for (const auto& v : vs) {
    if (v["id"] == "valid-name-64-code-points") {
      const Identity longest{"apto-502@torre-a", "session-1764345600000-abcdefghi", v["token"].get<std::string>()};
      CHECK(serialize_identity(longest).size() < 1024);
    }
  }
  // A token of the wrong type or size is dropped; the ids are still read.
  Identity t;
  REQUIRE(parse_identity(R"({"v":1,"user_id":"a","session_id":"b","token":7})", t));
  CHECK(t.token.empty());
  REQUIRE(parse_identity(R"({"v":1,"user_id":"a","session_id":"b","token":")" + std::string(kMaxTokenBytes + 1, 'x') + "\"}", t));
  CHECK(t.token.empty());
  CHECK(t.user_id == "a");
}
