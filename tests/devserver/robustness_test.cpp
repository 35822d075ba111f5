// robustness_test.cpp: untrusted input never crashes or stalls the server: garbage and oversized HTTP,
// random bytes after the handshake, a client that does not read, and a few hundred concurrent sockets.
#include <random>

#include "support/checks.hpp"

using namespace dstest;

namespace {

bool stats_ok(std::uint16_t port) { return http_request(port, "GET", "/__dev/stats").status == 200; }

}  // namespace

TEST_CASE("robustness: garbage and oversized HTTP requests get 4xx and the server keeps serving") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(raw_exchange(server.port(), "GARBAGE\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(raw_exchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n")
            .rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(raw_exchange(server.port(), "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 414 ", 0) == 0);
  CHECK(raw_exchange(server.port(), "POST /notify HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc")
            .rfind("HTTP/1.1 413 ", 0) == 0);
  CHECK(raw_exchange(server.port(), "POST /notify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(raw_exchange(server.port(), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)).rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(stats_ok(server.port()));
}

TEST_CASE("robustness: keep-alive serves several requests on one connection, and Expect: 100-continue works") {
  DSTEST_START_SERVER(server, {"--quiet"});
  // A loopback Host: /__dev/* and /notify refuse foreign Host names since the DNS-rebinding check (issue 13).
  const std::string req = "GET /__dev/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string out = raw_exchange(server.port(), req + req + req, 1000ms);
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = out.find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) ++count;
  CHECK(count == 3);
  const std::string body = R"({"user_id":"u","message":"x"})";
  const std::string cont = raw_exchange(server.port(),
                                        "POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: " +
                                            std::to_string(body.size()) + "\r\n\r\n" + body,
                                        1000ms);
  CHECK(cont.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0) == 0);
}

TEST_CASE("robustness: random bytes after the handshake never crash the server") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::mt19937 rng(1234);
  for (int i = 0; i < 60; ++i) {
    RawWs raw;
    REQUIRE(raw.connect(server.port(), "/?user_id=fuzz"));
    std::string bytes(static_cast<std::size_t>(rng() % 300 + 1), '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    if (i % 3 == 0) bytes = RawWs::client_frame(1, bytes);  // well-framed random text (often invalid UTF-8)
    if (i % 3 == 1) bytes = RawWs::client_frame(1, R"({"action":"sendMessage","message":)" + bytes);
    raw.write(bytes);
    raw.read_frame(200ms);
  }
  CHECK(stats_ok(server.port()));
  CHECK(server.running());
}

TEST_CASE("robustness: a client that never reads does not stall the others") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs lazy;  // connects and then never reads
  REQUIRE(lazy.connect(server.port(), "/?user_id=u-lazy"));
  auto busy = must_connect(server.port(), "u-busy");
  // About 5 MB for a client whose socket buffers fill up after a few hundred KB.
  const HttpResult r = http_request(server.port(), "POST", "/__dev/burst",
                                    R"({"user_id":"u-lazy","count":5000,"text_prefix":")" + std::string(1000, 'x') + "\"}");
  CHECK(r.status == 200);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) expect_nothing_pending(*busy);
  CHECK(elapsed_ms(t0) < 4000);  // milliseconds each when nothing stalls; the rest is room for a loaded machine
  CHECK(server.running());
}

TEST_CASE("robustness: 300 concurrent connections are held and counted") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-new-conn-per-s", "0"});
  std::vector<std::unique_ptr<RawWs>> sockets;
  for (int i = 0; i < 300; ++i) {
    sockets.push_back(std::make_unique<RawWs>());
    REQUIRE(sockets.back()->connect(server.port(), "/?user_id=many-" + std::to_string(i % 10)));
  }
  REQUIRE(eventually([&] {
    return parse_json(http_request(server.port(), "GET", "/__dev/stats").body)["connections"] == 300;
  }));
  const HttpResult r = http_request(server.port(), "POST", "/notify", R"({"user_id":"many-3","message":"hi"})");
  CHECK(r.body == R"({"delivered":30})");
  sockets.clear();
  CHECK(eventually([&] { return parse_json(http_request(server.port(), "GET", "/__dev/stats").body)["connections"] == 0; }));
}
