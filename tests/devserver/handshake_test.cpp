// handshake_test.cpp: $connect as API Gateway and the seed's Lambda do it: upgrades at / and /{stage},
// rejections as plain HTTP responses (400 user_id, 403 origin, 429 rate; never open-then-close), the
// welcome frame byte-exact, connection ids, pipelined frames, and the handshake deadline.
#include <set>

#include "support/checks.hpp"

using namespace dstest;

namespace {

HandshakeResult try_connect(std::uint16_t port, const std::string& target, std::optional<std::string> origin = {}) {
  WsClient client;
  ConnectOptions options;
  options.target = target;
  options.origin = std::move(origin);
  return client.connect(port, options);
}

}  // namespace

TEST_CASE("handshake: upgrades at / and at any /{stage}") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string target =
      GENERATE(as<std::string>{}, "/?user_id=a", "/dev?user_id=a", "/prod?user_id=a&session_id=s", "/x1?session_id=&user_id=b");
  INFO(target);
  WsClient client;
  ConnectOptions options;
  options.target = target;
  const HandshakeResult r = client.connect(server.port(), options);
  REQUIRE(r.ok);
  CHECK(r.status == 101);
  CHECK(json_string(read_text(client), "status") == "connected");
}

TEST_CASE("handshake: the welcome frame is the seed's status frame plus connectionId, byte-exact") {
  DSTEST_START_SERVER(server, {"--quiet"});
  WsClient client;
  ConnectOptions options;
  options.target = "/dev?user_id=u1&session_id=s1";
  REQUIRE(client.connect(server.port(), options).ok);
  const std::string welcome = read_text(client);
  INFO(welcome);
  CHECK(regex_full_match(welcome, std::string(R"(\{"type": "status", "status": "connected", "message": )"
                                              R"("\\ud83d\\udfe2 Conectado em tempo real", "timestamp": [0-9]+, )"
                                              R"("connectionId": ")") + kGatewayIdPattern + "\"\\}"));
  const auto ts = parse_json(welcome)["timestamp"].get<long long>();
  CHECK(std::llabs(ts - now_s()) <= 5);
}

TEST_CASE("handshake: a missing or empty user_id is HTTP 400 on the handshake, never open-then-close") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string target = GENERATE(as<std::string>{}, "/", "/dev", "/dev?session_id=s", "/?user_id=", "/?user_idx=a");
  INFO(target);
  const HandshakeResult r = try_connect(server.port(), target);
  CHECK_FALSE(r.ok);
  CHECK(r.status == 400);
  CHECK(r.body == "user_id required");
}

TEST_CASE("handshake: a foreign Origin is HTTP 403, and loopback origins and no Origin are accepted") {
  DSTEST_START_SERVER(server, {"--quiet"});
  SECTION("refused") {
    const std::string origin = GENERATE(as<std::string>{}, "https://evil.example", "http://localhost.evil.example:3000",
                                        "null", "http://127.0.0.2:3000", "file://", "http://[::2]:80", "garbage");
    INFO(origin);
    const HandshakeResult r = try_connect(server.port(), "/?user_id=u", origin);
    CHECK_FALSE(r.ok);
    CHECK(r.status == 403);
  }
  SECTION("accepted") {
    const std::string origin = GENERATE(as<std::string>{}, "http://localhost:5173", "https://localhost:8443",
                                        "http://127.0.0.1:3001", "http://[::1]:3001", "http://localhost",
                                        "HTTP://LOCALHOST:3000");
    INFO(origin);
    CHECK(try_connect(server.port(), "/?user_id=u", origin).ok);
  }
  SECTION("no Origin (non-browser clients)") { CHECK(try_connect(server.port(), "/?user_id=u").ok); }
}

TEST_CASE("handshake: --allow-origin adds exact origins") {
  DSTEST_START_SERVER(server, {"--quiet", "--allow-origin", "https://app.example.com", "--allow-origin",
                               "https://d1234567890abc.cloudfront.net"});
  CHECK(try_connect(server.port(), "/?user_id=u", "https://app.example.com").ok);
  CHECK(try_connect(server.port(), "/?user_id=u", "https://d1234567890abc.cloudfront.net").ok);
  CHECK(try_connect(server.port(), "/?user_id=u", "https://app.example.com.evil.example").status == 403);
  CHECK(try_connect(server.port(), "/?user_id=u", "http://app.example.com").status == 403);
}

TEST_CASE("handshake: over --max-new-conn-per-s is HTTP 429, and the budget refills") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-new-conn-per-s", "3"});
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<WsClient>());
    ConnectOptions options;
    REQUIRE(open.back()->connect(server.port(), options).ok);
  }
  const HandshakeResult over = try_connect(server.port(), "/?user_id=u");
  CHECK_FALSE(over.ok);
  CHECK(over.status == 429);
  // Three per second: a token is back within about a third of a second.
  CHECK(eventually([&] { return try_connect(server.port(), "/?user_id=u").ok; }, 2000ms));
}

TEST_CASE("handshake: --max-new-conn-per-s 0 means unlimited") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-new-conn-per-s", "0"});
  for (int i = 0; i < 50; ++i) REQUIRE(try_connect(server.port(), "/?user_id=u").ok);
}

TEST_CASE("handshake: a plain GET / without --static is 426 Upgrade Required") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const HttpResult r = http_request(server.port(), "GET", "/");
  CHECK(r.status == 426);
  CHECK(r.header("upgrade") == "websocket");
}

TEST_CASE("handshake: a wrong version is 426, a bad key 400, a deeper path 403") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string base = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  const std::string good_key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  const std::string v13 = "Sec-WebSocket-Version: 13\r\n";
  std::string r = raw_exchange(server.port(), "GET /?user_id=u HTTP/1.1\r\n" + base + good_key + "Sec-WebSocket-Version: 8\r\n\r\n");
  CHECK(r.rfind("HTTP/1.1 426 ", 0) == 0);
  CHECK(r.find("Sec-WebSocket-Version: 13") != std::string::npos);
  r = raw_exchange(server.port(), "GET /?user_id=u HTTP/1.1\r\n" + base + "Sec-WebSocket-Key: short\r\n" + v13 + "\r\n");
  CHECK(r.rfind("HTTP/1.1 400 ", 0) == 0);
  r = raw_exchange(server.port(), "GET /?user_id=u HTTP/1.1\r\n" + base + v13 + "\r\n");
  CHECK(r.rfind("HTTP/1.1 400 ", 0) == 0);
  r = raw_exchange(server.port(), "GET /a/b?user_id=u HTTP/1.1\r\n" + base + good_key + v13 + "\r\n");
  CHECK(r.rfind("HTTP/1.1 403 ", 0) == 0);
  r = raw_exchange(server.port(), "POST /?user_id=u HTTP/1.1\r\n" + base + good_key + v13 + "Content-Length: 0\r\n\r\n");
  CHECK(r.rfind("HTTP/1.1 400 ", 0) == 0);
  r = raw_exchange(server.port(), "GET /?user_id=u HTTP/1.1\r\n" + base + good_key + v13 + "\r\n", 500ms);
  CHECK(r.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
}

TEST_CASE("handshake: connection ids are unique 16-character base64 strings ending in '='") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::set<std::string> ids;
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 30; ++i) {
    std::string id;
    open.push_back(must_connect(server.port(), "u-ids", &id));
    CHECK(regex_full_match(id, kGatewayIdPattern));
    ids.insert(id);
  }
  CHECK(ids.size() == 30);
}

TEST_CASE("handshake: frames sent right behind the handshake are processed") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/dev?user_id=u", RawWs::client_frame(1, R"({"action":"heartbeat"})")));
  const auto welcome = raw.read_frame();
  REQUIRE(welcome);
  CHECK(frame_type(welcome->payload) == "status");
  const auto heartbeat = raw.read_frame();
  REQUIRE(heartbeat);
  CHECK(frame_type(heartbeat->payload) == "heartbeat");
}

TEST_CASE("handshake: a client that never finishes its request is cut off at the deadline") {
  DSTEST_START_SERVER(server, {"--quiet", "--handshake-timeout-ms", "300"});
  const auto t0 = std::chrono::steady_clock::now();
  const std::string r = raw_exchange(server.port(), "GET /?user_id=u HTTP/1.1\r\nHost: x\r\n", 5000ms);
  CHECK(r.empty());
  CHECK(elapsed_ms(t0) < 4000);  // cut at 300 ms; without the deadline raw_exchange waits its whole 5 s
}
