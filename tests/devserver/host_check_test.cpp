// host_check_test.cpp: the DNS-rebinding guard (issue 13, "5. Dev server hardening"): /__dev/*, /notify and
// @connections answer 421 to a Host that is neither loopback's, the bound address nor an --allow-host name;
// static files, /config.json and the WebSocket handshake (guarded by Origin) are not affected. The
// wildcard-bind rules are checked on the pure function (a test must not bind 0.0.0.0).
#include "devserver/host_check.hpp"
#include "support/checks.hpp"

using namespace dstest;

namespace {

HttpResult with_host(std::uint16_t port, const std::string& method, const std::string& target, const std::string& host,
                     const std::string& body = {}) {
  // Beast's client sets Host itself unless told otherwise: this header replaces it.
  return http_request(port, method, target, body, {{"Host", host}});
}

}  // namespace

TEST_CASE("host check: a foreign Host is refused with 421 on every dev endpoint") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string conn_id;
  auto ws = must_connect(server.port(), "u-host", &conn_id);
  const std::string conn_path = "/dev/@connections/" + percent_encode(conn_id);
  struct Req {
    std::string method, target, body;
  };
  const std::vector<Req> requests = {
      {"GET", "/__dev/stats", ""},
      {"GET", "/__dev/messages?user_id=u-host", ""},
      {"POST", "/__dev/burst", R"({"user_id":"u-host","count":1})"},
      {"POST", "/__dev/close", R"({"user_id":"u-host","code":1000})"},
      {"POST", "/__dev/revoke", R"({"jti":"j"})"},
      {"POST", "/notify", R"({"user_id":"u-host","message":"rebound"})"},
      {"POST", conn_path, "rebound"},
      {"GET", conn_path, ""},
      {"DELETE", conn_path, ""},
      {"POST", "/prod/%40connections/" + percent_encode(conn_id), "rebound"},
  };
  for (const std::string& host : std::vector<std::string>{"evil.example", "evil.example:" + std::to_string(server.port()), "EVIL.example.",
                                 "localhost.evil.example", "127.0.0.1.nip.io", "x", "", "[::1", "a b", "127.0.0.1:port"}) {
    for (const Req& r : requests) {
      INFO(host << " " << r.method << " " << r.target);
      const HttpResult res = with_host(server.port(), r.method, r.target, host, r.body);
      CHECK(res.status == 421);
      CHECK(parse_json(res.body)["message"].get<std::string>().find("Host") != std::string::npos);
    }
  }
  // None of them got through: the socket is open and was sent nothing.
  expect_nothing_pending(*ws);
}

TEST_CASE("host check: loopback names and addresses, with or without a port, are accepted") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string port = std::to_string(server.port());
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LOCALHOST", "localhost.",
                                 "[::1]:" + port, "[::1]", "127.0.0.5", "[::ffff:127.0.0.1]:" + port}) {
    INFO(host);
    CHECK(with_host(server.port(), "GET", "/__dev/stats", host).status == 200);
    CHECK(with_host(server.port(), "POST", "/notify", host, R"({"user_id":"nobody","message":"x"})").status == 200);
  }
}

TEST_CASE("host check: a request without Host (HTTP/1.0 tools) is accepted") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string out = raw_exchange(server.port(), "GET /__dev/stats HTTP/1.0\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 200 ", 0) == 0);
}

TEST_CASE("host check: static files, /config.json and the handshake do not look at Host") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(with_host(server.port(), "GET", "/config.json", "evil.example").status == 200);
  CHECK(with_host(server.port(), "GET", "/", "evil.example").status == 426);
  const std::string handshake = "GET /?user_id=u HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";
  CHECK(raw_exchange(server.port(), handshake, 500ms).rfind("HTTP/1.1 101 ", 0) == 0);
}

TEST_CASE("host check: --allow-host adds exact names and \"*\" turns the check off") {
  SECTION("a name") {
    DSTEST_START_SERVER(server, {"--quiet", "--allow-host", "devbox.local", "--allow-host", "Chat.Example.com"});
    CHECK(with_host(server.port(), "GET", "/__dev/stats", "devbox.local:3001").status == 200);
    CHECK(with_host(server.port(), "GET", "/__dev/stats", "chat.example.com").status == 200);
    CHECK(with_host(server.port(), "GET", "/__dev/stats", "devbox.local.evil.example").status == 421);
    CHECK(with_host(server.port(), "GET", "/__dev/stats", "evil.example").status == 421);
  }
  SECTION("*") {
    DSTEST_START_SERVER(server, {"--quiet", "--allow-host", "*"});
    CHECK(with_host(server.port(), "GET", "/__dev/stats", "evil.example").status == 200);
  }
}

TEST_CASE("host check: the policy for each bind address (pure)") {
  using devserver::host_allowed;
  using devserver::HostPolicy;
  const HostPolicy loopback{"127.0.0.1", {}};
  const HostPolicy v6_loopback{"::1", {}};
  const HostPolicy wildcard{"0.0.0.0", {}};
  const HostPolicy v6_wildcard{"::", {}};
  const HostPolicy lan{"192.168.1.50", {}};
  const HostPolicy named{"0.0.0.0", {"devbox.local"}};
  CHECK(host_allowed(std::nullopt, loopback));
  CHECK(host_allowed("localhost:3001", v6_loopback));
  CHECK(host_allowed("[::1]:3001", loopback));
  // Bound to one address: that address and loopback's.
  CHECK(host_allowed("192.168.1.50:3001", lan));
  CHECK_FALSE(host_allowed("192.168.1.51:3001", lan));
  CHECK_FALSE(host_allowed("192.168.1.50", loopback));
  // Bound to every interface: any IP literal (a rebinding page's Host is a name), names only when listed.
  for (const HostPolicy* p : {&wildcard, &v6_wildcard}) {
    CHECK(host_allowed("192.168.1.50:3001", *p));
    CHECK(host_allowed("10.0.0.7", *p));
    CHECK(host_allowed("[fe80::1]:3001", *p));
    CHECK_FALSE(host_allowed("devbox.local:3001", *p));
    CHECK_FALSE(host_allowed("evil.example", *p));
  }
  CHECK(host_allowed("devbox.local:3001", named));
  CHECK(host_allowed("DEVBOX.LOCAL.", named));
  CHECK_FALSE(host_allowed("evil.example", named));
  // Malformed values are refused.
  for (const char* bad : {"", ":3001", "[]", "[127.0.0.1]", "::1", "localhost:", "localhost:99999999", "local host", "h\xc3\xa9.example"}) {
    INFO(bad);
    CHECK_FALSE(host_allowed(std::string_view(bad), wildcard));
  }
}
