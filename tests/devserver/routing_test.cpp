// routing_test.cpp: route selection on $request.body.action: the byte-exact Forbidden frame for non-JSON
// and missing/unknown actions (socket kept open), heartbeat, typing, pings, and the frames that close.
#include <set>

#include "support/checks.hpp"

using namespace dstest;

namespace {

void check_forbidden(const std::string& frame, const std::string& connection_id) {
  INFO(frame);
  // Only the first colon has a space after it.
  const std::string prefix = R"({"message": "Forbidden", "connectionId":")" + connection_id + R"(", "requestId":")";
  REQUIRE(frame.rfind(prefix, 0) == 0);
  CHECK(regex_full_match(frame.substr(prefix.size()), std::string(kGatewayIdPattern) + "\"\\}"));
}

}  // namespace

TEST_CASE("routing: non-JSON and missing or unknown actions get the byte-exact Forbidden frame, socket open") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-route", &id);
  const std::string body = GENERATE(as<std::string>{}, "hello", "", "[1,2]", "null", "42", R"({"message":"x"})",
                                    R"({"action":"nope"})", R"({"action":5})", R"({"action":null})",
                                    R"({"action":"SendMessage"})", R"({"action":"$default"})", "{\"action\":",
                                    std::string(1000, '[') + std::string(1000, ']'));
  INFO("body: " << body.substr(0, 60));
  REQUIRE(client->send(body));
  check_forbidden(read_text(*client), id);
  expect_nothing_pending(*client);
}

TEST_CASE("routing: every event gets a new requestId") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-rid", &id);
  std::set<std::string> request_ids;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(client->send("not json"));
    const std::string frame = read_text(*client);
    check_forbidden(frame, id);
    request_ids.insert(frame.substr(frame.size() - 18, 16));
  }
  CHECK(request_ids.size() == 5);
  CHECK(request_ids.count(id) == 0);
}

TEST_CASE("routing: heartbeat answers with the heartbeat frame, byte-exact") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-hb");
  REQUIRE(client->send(R"({"action":"heartbeat","timestamp":1})"));
  const std::string frame = read_text(*client);
  INFO(frame);
  CHECK(regex_full_match(frame, R"(\{"type": "heartbeat", "timestamp": [0-9]+\})"));
  CHECK(std::llabs(parse_json(frame)["timestamp"].get<long long>() - now_s()) <= 5);
}

TEST_CASE("routing: typing sends nothing back") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-typing");
  REQUIRE(client->send(R"({"action":"typing","typing":true})"));
  REQUIRE(client->send(R"({"action":"typing","typing":false})"));
  expect_nothing_pending(*client);
}

TEST_CASE("routing: pings are answered by the gateway and never forwarded") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-ping");
  REQUIRE(client->ping());
  REQUIRE(client->ping());
  expect_nothing_pending(*client);  // the pongs arrive before the heartbeat and are counted on the way
  CHECK(client->pongs() == 2);
}

TEST_CASE("routing: a binary frame closes the connection with 1003") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/?user_id=u"));
  REQUIRE(raw.read_frame());
  REQUIRE(raw.write(RawWs::client_frame(2, "\x01\x02\x03")));
  const auto close = raw.read_frame();
  REQUIRE(close);
  CHECK(close->opcode == 8);
  REQUIRE(close->payload.size() >= 2);
  CHECK((static_cast<unsigned char>(close->payload[0]) << 8 | static_cast<unsigned char>(close->payload[1])) == 1003);
  CHECK(raw.wait_closed(3000ms));
}

TEST_CASE("routing: protocol errors close with 1002 or 1007") {
  DSTEST_START_SERVER(server, {"--quiet"});
  struct Case {
    const char* name;
    std::string bytes;
    int code;
  };
  const Case c = GENERATE(values<Case>({
      {"unmasked frame", RawWs::client_frame(1, "{}", true, false), 1002},
      {"unknown opcode", RawWs::client_frame(3, "x"), 1002},
      {"continuation first", RawWs::client_frame(0, "x"), 1002},
      {"fragmented ping", RawWs::client_frame(9, "x", false), 1002},
      {"invalid UTF-8", RawWs::client_frame(1, "\xC3\x28"), 1007},
      {"invalid close code", RawWs::client_frame(8, std::string("\x03\xED", 2)), 1002},
  }));
  INFO(c.name);
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/?user_id=u"));
  REQUIRE(raw.read_frame());
  REQUIRE(raw.write(c.bytes));
  const auto close = raw.read_frame();
  REQUIRE(close);
  CHECK(close->opcode == 8);
  REQUIRE(close->payload.size() >= 2);
  CHECK((static_cast<unsigned char>(close->payload[0]) << 8 | static_cast<unsigned char>(close->payload[1])) == c.code);
  CHECK(raw.wait_closed(3000ms));
}

TEST_CASE("routing: a client close is echoed and the server closes TCP") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/?user_id=u"));
  REQUIRE(raw.read_frame());
  REQUIRE(raw.write(RawWs::client_frame(8, std::string("\x0F\xA0", 2) + "bye")));  // 4000
  const auto close = raw.read_frame();
  REQUIRE(close);
  CHECK(close->opcode == 8);
  CHECK(close->payload.substr(0, 2) == std::string("\x0F\xA0", 2));
  CHECK_FALSE(close->masked);
  CHECK(raw.wait_closed(3000ms));
}
