// dev_endpoints_test.cpp: the endpoints other tests and benchmarks rely on (keep their shapes stable):
// POST /notify, GET /__dev/stats, GET /__dev/messages, POST /__dev/burst, POST /__dev/close.
#include "support/checks.hpp"

using namespace dstest;

TEST_CASE("notify: POST /notify reaches every connection of the user, byte-exact, and says how many") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto a = must_connect(server.port(), "u-notify");
  auto b = must_connect(server.port(), "u-notify");
  auto stranger = must_connect(server.port(), "u-else");
  const HttpResult r =
      http_request(server.port(), "POST", "/notify", R"({"user_id":"u-notify","message":"Sua encomenda chegou","priority":"high"})");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.body == R"({"delivered":2})");
  for (WsClient* c : {a.get(), b.get()}) {
    CHECK(regex_full_match(read_text(*c), R"(\{"type": "notification", "message": "Sua encomenda chegou", )"
                                          R"("priority": "high", "timestamp": [0-9]+\})"));
  }
  expect_nothing_pending(*stranger);
  // priority defaults to normal; nobody connected is not an error.
  CHECK(http_request(server.port(), "POST", "/notify", R"({"user_id":"u-notify","message":"x"})").status == 200);
  CHECK(json_string(read_text(*a), "priority") == "normal");
  CHECK(http_request(server.port(), "POST", "/notify", R"({"user_id":"nobody","message":"x"})").body == R"({"delivered":0})");
}

TEST_CASE("notify: bad JSON or fields are 400 with a JSON error") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string body = GENERATE(as<std::string>{}, "", "not json", "[]", R"({"message":"x"})", R"({"user_id":"u"})",
                                    R"({"user_id":"","message":"x"})", R"({"user_id":5,"message":"x"})",
                                    R"({"user_id":"u","message":""})", R"({"user_id":"u","message":"x","priority":"urgent"})",
                                    R"({"user_id":"u","message":"x","priority":1})");
  INFO(body);
  const HttpResult r = http_request(server.port(), "POST", "/notify", body);
  CHECK(r.status == 400);
  CHECK(r.header("content-type") == "application/json");
  CHECK_FALSE(json_string(r.body, "message").empty());
}

TEST_CASE("notify: only POST") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(http_request(server.port(), "GET", "/notify").status == 405);
}

TEST_CASE("dev: GET /__dev/stats counts connections and frames") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto stats = [&] { return parse_json(http_request(server.port(), "GET", "/__dev/stats").body); };
  const auto empty = stats();
  for (const char* key : {"connections", "total_connections", "frames_in", "frames_out", "rss_bytes"}) {
    INFO(key);
    CHECK(empty[key].is_number_unsigned());
  }
  CHECK(empty["connections"] == 0);
  CHECK(empty["rss_bytes"].get<long long>() > 0);
  auto a = must_connect(server.port(), "u-stats");
  {
    auto b = must_connect(server.port(), "u-stats");
    expect_nothing_pending(*b);
    CHECK(stats()["connections"] == 2);
    REQUIRE(b->close(1000));
  }
  REQUIRE(eventually([&] { return stats()["connections"] == 1; }));
  const auto s = stats();
  CHECK(s["total_connections"] == 2);
  CHECK(s["frames_in"] == 1);   // the heartbeat
  CHECK(s["frames_out"] == 3);  // two welcomes and the heartbeat answer
}

TEST_CASE("dev: GET /__dev/messages needs user_id, and an unknown user has no messages") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(http_request(server.port(), "GET", "/__dev/messages").status == 400);
  const HttpResult r = http_request(server.port(), "GET", "/__dev/messages?user_id=nobody");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"user_id":"nobody","messages":[],"duplicates":0})");
}

TEST_CASE("dev: POST /__dev/burst pushes N assistant messages in order") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-burst", nullptr, "&session_id=s-b");
  const HttpResult r = http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"u-burst","count":2000,"text_prefix":"b-"})");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"sent":2000,"connections":1})");
  for (int i = 1; i <= 2000; ++i) {
    const std::string f = read_text(*client);
    REQUIRE(json_string(f, "message") == "b-" + std::to_string(i));
    REQUIRE(json_string(f, "role") == "assistant");
    REQUIRE(json_string(f, "session_id") == "s-b");
  }
  expect_nothing_pending(*client);
  CHECK(http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"u-burst","count":-1})").status == 400);
  CHECK(http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"u-burst","count":"3"})").status == 400);
  CHECK(http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"nobody","count":3})").body == R"({"sent":0,"connections":0})");
}

TEST_CASE("dev: POST /__dev/burst appends text_suffixes in turn") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-suffix");
  const HttpResult r = http_request(server.port(), "POST", "/__dev/burst",
                                    R"({"user_id":"u-suffix","count":5,"text_prefix":"m","text_suffixes":["", " \u2764\ufe0f"]})");
  CHECK(r.body == R"({"sent":5,"connections":1})");
  const char* want[] = {"m1", "m2 \xE2\x9D\xA4\xEF\xB8\x8F", "m3", "m4 \xE2\x9D\xA4\xEF\xB8\x8F", "m5"};
  for (const char* w : want) REQUIRE(json_string(read_text(*client), "message") == w);
  expect_nothing_pending(*client);
  CHECK(http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"u-suffix","count":1,"text_suffixes":"x"})").status == 400);
  CHECK(http_request(server.port(), "POST", "/__dev/burst", R"({"user_id":"u-suffix","count":1,"text_suffixes":[1]})").status == 400);
}

TEST_CASE("dev: POST /__dev/close closes with the given code, and code 0 drops abnormally") {
  DSTEST_START_SERVER(server, {"--quiet"});
  struct Case {
    int code;
    const char* reason;
  };
  const Case c = GENERATE(values<Case>({{4001, ""}, {1001, "Going away"}, {1011, ""}, {1000, ""}}));
  INFO(c.code);
  auto client = must_connect(server.port(), "u-close");
  const HttpResult r =
      http_request(server.port(), "POST", "/__dev/close", R"({"user_id":"u-close","code":)" + std::to_string(c.code) + "}");
  CHECK(r.body == R"({"closed":1})");
  const Frame f = client->read();
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == c.code);
  CHECK(f.close_reason == c.reason);
}

TEST_CASE("dev: POST /__dev/close with code 0 drops without a close frame, and bad codes are 400") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-drop0");
  CHECK(http_request(server.port(), "POST", "/__dev/close", R"({"user_id":"u-drop0","code":0})").body == R"({"closed":1})");
  const Frame f = client->read();
  CHECK(f.kind == Frame::Kind::kError);
  for (const char* code : {"1005", "1006", "999", "5000", "\"1000\"", "-1", "70000"}) {
    INFO(code);
    CHECK(http_request(server.port(), "POST", "/__dev/close", std::string(R"({"user_id":"u","code":)") + code + "}").status == 400);
  }
}

TEST_CASE("dev: a cross-site POST (a foreign Origin) is refused") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-csrf");
  const HttpResult r = http_request(server.port(), "POST", "/notify", R"({"user_id":"u-csrf","message":"x"})",
                                    {{"Origin", "https://evil.example"}});
  CHECK(r.status == 403);
  const HttpResult same = http_request(server.port(), "POST", "/notify", R"({"user_id":"u-csrf","message":"x"})",
                                       {{"Origin", "http://127.0.0.1:" + std::to_string(server.port())}});
  CHECK(same.status == 200);
}

TEST_CASE("dev: unknown /__dev paths are 404") {
  DSTEST_START_SERVER(server, {"--quiet"});
  CHECK(http_request(server.port(), "GET", "/__dev/nope").status == 404);
}
