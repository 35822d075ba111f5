// auth_vectors_test.cpp: the dev server against the shared known-answer vectors of the resident token
// (tests/fixtures/auth/token-vectors.json, written by backend/authorizer/make_vectors.py and also checked by
// the backend's pytest): every secret through the key rule and the real binary, every token through the
// same decision the handshake uses (status and reason at the vector's `now`), the mintable ones re-minted
// byte for byte, and every vector whose outcome does not depend on the clock through a real handshake.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "support/tokens.hpp"

using namespace dstest;

namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json doc = [] {
    std::ifstream in(BOS_REPO_ROOT "/tests/fixtures/auth/token-vectors.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str(), nullptr, false);
  }();
  return doc;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

const nlohmann::json& secret_of(const std::string& id) {
  for (const auto& s : vectors()["secrets"]) {
    if (s["id"] == id) return s;
  }
  static const nlohmann::json kNone;
  FAIL("no secret " << id);
  return kNone;
}

std::optional<std::string> optional_string(const nlohmann::json& v) {
  return v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
}

// The reasons whose outcome is decided before the clock, the revocation list or user_id are looked at.
bool clock_free(const nlohmann::json& v) {
  static const std::vector<std::string> kReasons = {"missing", "oversize", "malformed", "bad_header", "bad_signature", "bad_claims"};
  return v.contains("reason") && std::find(kReasons.begin(), kReasons.end(), v["reason"].get<std::string>()) != kReasons.end();
}

}  // namespace

TEST_CASE("auth vectors: the fixture is there and covers every outcome") {
  REQUIRE_FALSE(vectors().is_discarded());
  REQUIRE(vectors()["tokens"].size() >= 60);
  std::map<std::string, int> reasons;
  for (const auto& v : vectors()["tokens"]) ++reasons[v.value("reason", std::string("allow"))];
  for (const char* r : {"allow", "missing", "oversize", "malformed", "bad_header", "bad_signature", "bad_claims", "expired",
                        "not_yet_valid", "revoked", "user_mismatch"}) {
    INFO(r);
    CHECK(reasons[r] > 0);
  }
  CHECK(vectors()["contract"]["max_token_bytes"] == devserver::kMaxTokenBytes);
  CHECK(vectors()["contract"]["leeway_s"] == devserver::kTokenLeewayS);
  CHECK(vectors()["contract"]["min_secret_bytes"] == devserver::kMinAuthSecretBytes);
  CHECK(vectors()["contract"]["max_lifetime_s"] == devserver::kMaxTokenLifetimeS);
  CHECK(vectors()["contract"]["name_max_code_points"] == devserver::kMaxNameCodePoints);
}

TEST_CASE("auth vectors: every secret follows the key rule, in the function and in the binary") {
  for (const auto& s : vectors()["secrets"]) {
    const std::string id = s["id"];
    INFO(id << ": " << s.value("about", ""));
    const std::string file_bytes = from_hex(s["file_hex"]);
    std::string key;
    const std::string error = devserver::key_from_secret_bytes(file_bytes, key);
    CHECK(error.empty() == s["accepted"].get<bool>());
    if (s["accepted"].get<bool>()) CHECK(key == from_hex(s["key_hex"]));
    TempFile file(file_bytes);
    if (s["accepted"].get<bool>()) {
      ServerProcess server({"--quiet", "--auth-secret", file.path()});
      CHECK(server.ok());
    } else {
      const RunResult r = run_devserver({"--auth-secret", file.path()});
      CHECK(r.exit_code == 2);
      CHECK(r.err.rfind("bos-devserver: --auth-secret: ", 0) == 0);
    }
  }
}

TEST_CASE("auth vectors: every token gets its status and reason from the handshake's decision") {
  for (const auto& v : vectors()["tokens"]) {
    const std::string id = v["id"];
    INFO(id << ": " << v.value("about", ""));
    const std::string key = from_hex(secret_of(v["secret"])["key_hex"]);
    devserver::RevokedJtis revoked;
    for (const auto& jti : v["revoked_jtis"]) REQUIRE(revoked.add(jti.get<std::string>()) == devserver::RevokedJtis::AddResult::kAdded);
    const auto token = optional_string(v["token"]);
    const auto user_id = optional_string(v["query_user_id"]);
    const devserver::ConnectAuth auth = devserver::authorize_connect(token, token ? 1 : 0, user_id, user_id ? 1 : 0, key,
                                                                     v["now"].get<std::int64_t>(), revoked);
    const int status = v["status"];
    INFO("dev server: status " << auth.status << " reason " << auth.reason);
    if (v["expect"] == "allow") {
      CHECK(auth.status == 0);
      CHECK(status == (user_id ? 101 : 400));  // without user_id the $connect Lambda's 400 follows
      CHECK(auth.claims.sub == v["claims"]["sub"]);
      CHECK(auth.claims.bld == v["claims"]["bld"]);
      CHECK(auth.claims.name == v["claims"]["name"]);
      CHECK(auth.claims.jti == v["claims"]["jti"]);
      CHECK(auth.claims.iat == v["claims"]["iat"]);
      CHECK(auth.claims.exp == v["claims"]["exp"]);
    } else {
      CHECK(auth.status == status);
      CHECK(auth.reason.rfind(v["reason"].get<std::string>(), 0) == 0);
    }
    if (v.contains("mint_claims")) {
      // nlohmann::json sorts keys and writes UTF-8, as the contract's minting does.
      CHECK(devserver::sign_hs256_token(R"({"alg":"HS256","typ":"JWT"})", nlohmann::json(v["mint_claims"]).dump(), key) ==
            token.value_or(""));
    }
  }
}

TEST_CASE("auth vectors: the clock-free ones through real handshakes") {
  TempFile secret(from_hex(secret_of("main")["file_hex"]));
  DSTEST_START_SERVER(server, {"--quiet", "--auth-secret", secret.path()});
  int checked = 0;
  for (const auto& v : vectors()["tokens"]) {
    if (!clock_free(v) || v["secret"] != "main") continue;
    INFO(v["id"].get<std::string>() << ": " << v.value("about", ""));
    WsClient client;
    ConnectOptions options;
    const auto token = optional_string(v["token"]);
    const auto user_id = optional_string(v["query_user_id"]);
    options.target = "/dev?session_id=s-1";
    if (user_id) options.target += "&user_id=" + percent_encode(*user_id);
    if (token) options.target += "&token=" + percent_encode(*token);
    const HandshakeResult r = client.connect(server.port(), options);
    CHECK(r.status == v["status"].get<int>());
    ++checked;
  }
  CHECK(checked >= 50);
}
