// limits_test.cpp: API Gateway's quotas: 1009 for a frame over 32 KB or a message over 128 KB, exact
// limits accepted, idle timeout (data both ways resets it, pings do not) and maximum duration, both 1001
// "Going away".
#include "support/checks.hpp"

using namespace dstest;

namespace {

// A heartbeat request padded to exactly `bytes` bytes.
std::string padded_heartbeat(std::size_t bytes) {
  const std::string head = R"({"action":"heartbeat","pad":")";
  const std::string tail = R"("})";
  return head + std::string(bytes - head.size() - tail.size(), 'x') + tail;
}

}  // namespace

TEST_CASE("limits: a 40 KB frame closes the connection with 1009") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-big");
  client->set_fragment_size(0);  // one frame
  REQUIRE(client->send(padded_heartbeat(40 * 1024)));
  const Frame f = client->read();
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1009);
}

TEST_CASE("limits: a frame of exactly 32768 bytes is accepted") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-32k");
  client->set_fragment_size(0);
  REQUIRE(client->send(padded_heartbeat(32768)));
  read_type(*client, "heartbeat");
}

TEST_CASE("limits: a message over 131072 bytes in small frames closes with 1009") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-128k");
  client->set_fragment_size(16 * 1024);
  REQUIRE(client->send(padded_heartbeat(131073)));
  const Frame f = client->read();
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1009);
}

TEST_CASE("limits: a message of exactly 131072 bytes in 32 KB frames is accepted") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-128k-ok");
  client->set_fragment_size(32 * 1024);
  REQUIRE(client->send(padded_heartbeat(131072)));
  read_type(*client, "heartbeat");
}

TEST_CASE("limits: an idle connection is closed with 1001 Going away, and pings do not count") {
  DSTEST_START_SERVER(server, {"--quiet", "--idle-timeout-s", "2"});
  auto client = must_connect(server.port(), "u-idle");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    sleep_for(500ms);  // the pings' pacing, not a wait for the server: pings at 0.5, 1 and 1.5 s
    REQUIRE(client->ping());
  }
  const Frame f = client->read(5000ms);
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1001);
  CHECK(f.close_reason == "Going away");
  // Closed at 2 s if pings do not count, at 3.5 s if they reset the timer: the bound is halfway.
  CHECK(elapsed_ms(t0) < 2750);
}

TEST_CASE("limits: data frames in either direction reset the idle timer") {
  DSTEST_START_SERVER(server, {"--quiet", "--idle-timeout-s", "1"});
  auto client = must_connect(server.port(), "u-busy");
  const auto t0 = std::chrono::steady_clock::now();
  // Client to server (heartbeats; their answers also count the other way).
  while (elapsed_ms(t0) < 1500) {
    sleep_for(300ms);
    REQUIRE(client->send(R"({"action":"typing","typing":true})"));  // inbound only: typing gets no answer
  }
  // Server to client only.
  const auto t1 = std::chrono::steady_clock::now();
  auto last_notify = t1;  // before the last POST: the server sent its frame after this
  while (elapsed_ms(t1) < 1500) {
    sleep_for(300ms);
    last_notify = std::chrono::steady_clock::now();
    REQUIRE(http_request(server.port(), "POST", "/notify", R"({"user_id":"u-busy","message":"ping"})").status == 200);
    read_type(*client, "notification");
  }
  const Frame f = client->read(3000ms);
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1001);
  CHECK(elapsed_ms(last_notify) >= 995);  // idle 1 s counted from that last frame, not from before it
}

TEST_CASE("limits: connections are closed with 1001 at --max-duration-s even when busy") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-duration-s", "1", "--idle-timeout-s", "60"});
  const auto t0 = std::chrono::steady_clock::now();  // before the connect: the server opens after it
  auto client = must_connect(server.port(), "u-old");
  Frame f;
  while (elapsed_ms(t0) < 5000) {
    REQUIRE(client->send(R"({"action":"heartbeat"})"));
    f = client->read(1000ms);
    if (f.kind != Frame::Kind::kText) break;
    sleep_for(100ms);
  }
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1001);
  CHECK(f.close_reason == "Going away");
  CHECK(elapsed_ms(t0) >= 995);  // due 1 s after open
  CHECK(elapsed_ms(t0) < 4000);  // busy all along, so not the idle timeout; the rest is room for load
}
