// tokens.hpp: minting test tokens (HS256 compact JWS, as scripts/resident-link and the backend's authorizer
// use them) and temporary files for --auth-secret / --revoked-jti. Signing goes through the server's own
// HMAC-SHA256 (devserver/auth.hpp), which auth_test.cpp checks against the RFC 4231 vectors and against
// Python's hashlib/hmac, so a token minted here is a correct one.
#pragma once
#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "devserver/auth.hpp"
#include "support/checks.hpp"

namespace dstest {

// 44 bytes: over the 32-byte minimum.
inline const std::string kTestSecret = "dev-secret-for-tests-0123456789abcdefghijklm";

struct TokenSpec {
  std::string alg = "HS256";
  std::string sub = "apto-502@torre-a";
  std::string bld = "torre-a";
  std::string name = "Apto 502";
  std::string jti = "jti-502-a-0123456789abcdef";  // the contract wants 22-64 of [A-Za-z0-9_-]
  long long iat = now_s();
  long long exp = now_s() + 3600;
};

// A jti of the contract's shape, distinct per tag.
inline std::string test_jti(const std::string& tag) { return (tag + "-0123456789abcdefghijklmnop").substr(0, 32); }

inline std::string claims_json(const TokenSpec& spec) {
  nlohmann::ordered_json claims = {{"sub", spec.sub}, {"bld", spec.bld}, {"name", spec.name},
                                   {"iat", spec.iat}, {"exp", spec.exp},   {"jti", spec.jti}};
  return claims.dump();
}

inline std::string header_json(const std::string& alg) { return nlohmann::ordered_json{{"alg", alg}, {"typ", "JWT"}}.dump(); }

inline std::string mint(const TokenSpec& spec, const std::string& secret = kTestSecret) {
  return devserver::sign_hs256_token(header_json(spec.alg), claims_json(spec), secret);
}

// A file in /tmp removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/bos-devserver-test-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    write(contents);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void write(const std::string& contents) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << contents;
    REQUIRE(out.good());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Connects with ?user_id=<user_id>&token=<token> (token omitted when empty).
inline HandshakeResult try_token(std::uint16_t port, const std::string& user_id, const std::string& token,
                                 WsClient* client_out = nullptr) {
  WsClient local;
  WsClient& client = client_out ? *client_out : local;
  ConnectOptions options;
  options.target = "/dev?user_id=" + percent_encode(user_id) + "&session_id=s-1" +
                   (token.empty() ? std::string() : "&token=" + token);
  return client.connect(port, options);
}

}  // namespace dstest
