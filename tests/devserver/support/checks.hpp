// checks.hpp: Catch2-aware shorthands shared by the dev server test files (read a text frame or fail, start
// a server or fail, byte-exact frame patterns).
#pragma once
#include <cctype>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"

namespace dstest {

inline std::string read_text(WsClient& client, Millis timeout = 5000ms) {
  const Frame f = client.read(timeout);
  INFO("expected a text frame, got " << to_string(f.kind) << " " << f.error << " code=" << f.close_code);
  REQUIRE(f.kind == Frame::Kind::kText);
  return f.data;
}

inline std::string read_type(WsClient& client, const std::string& type, Millis timeout = 5000ms) {
  std::string text = read_text(client, timeout);
  INFO("frame: " << text);
  REQUIRE(frame_type(text) == type);
  return text;
}

// Proves nothing else was queued for this client: the server answers in order, so the next frame after a
// heartbeat request must be the heartbeat.
inline void expect_nothing_pending(WsClient& client) {
  REQUIRE(client.send(R"({"action":"heartbeat"})"));
  const std::string text = read_text(client);
  INFO("frame: " << text);
  REQUIRE(frame_type(text) == "heartbeat");
}

inline std::unique_ptr<WsClient> must_connect(std::uint16_t port, const std::string& user_id,
                                              std::string* welcome_id = nullptr, const std::string& extra_query = {}) {
  auto client = connect_user(port, user_id, welcome_id, extra_query);
  REQUIRE(client != nullptr);
  return client;
}

inline std::string regex_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::string("\\^$.|?*+()[]{}/").find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// A path segment as a client would send it (RFC 3986 unreserved characters kept, the rest %XX): the
// @connections ids are base64 with '+', '/' and '='.
inline std::string percent_encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

inline nlohmann::json parse_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  INFO("not JSON: " << text);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

inline long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - since).count();
}

constexpr const char* kGatewayIdPattern = "[A-Za-z0-9+/]{15}=";
constexpr const char* kAckTextEscaped = R"(Processando sua solicita\\u00e7\\u00e3o\.\.\.)";

#define DSTEST_START_SERVER(name, ...)             \
  ::dstest::ServerProcess name(__VA_ARGS__);       \
  REQUIRE(name.ok())

}  // namespace dstest
