// connections_api_test.cpp: the @connections management API: POST/GET/DELETE at any stage, "@" or "%40",
// the id percent-decoded; 410 GoneException with the x-amzn-ErrorType header, 400 for malformed ids, 413
// over 131072 bytes, and outbound messages split into frames of at most 32 KB.
#include "support/checks.hpp"

using namespace dstest;

TEST_CASE("@connections: POST delivers the body as a frame, at any stage and spelling") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-post", &id);
  const std::vector<std::string> paths = {"/dev/@connections/" + id, "/@connections/" + id,
                                          "/prod/%40connections/" + percent_encode(id), "/%40connections/" + percent_encode(id),
                                          "/anything/@connections/" + percent_encode(id)};
  int n = 0;
  for (const auto& path : paths) {
    INFO(path);
    const std::string body = R"({"type": "message", "role": "assistant", "message": "via @connections )" + std::to_string(++n) + "\"}";
    const HttpResult r = http_request(server.port(), "POST", path, body);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(read_text(*client) == body);
  }
}

TEST_CASE("@connections: GET describes the connection") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-get", &id);
  const HttpResult r = http_request(server.port(), "GET", "/dev/@connections/" + percent_encode(id));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  const auto j = parse_json(r.body);
  const std::string iso = R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)";
  CHECK(regex_full_match(j["connectedAt"].get<std::string>(), iso));
  CHECK(regex_full_match(j["lastActiveAt"].get<std::string>(), iso));
  CHECK(j["identity"]["sourceIp"] == "127.0.0.1");
  CHECK(j["identity"]["userAgent"] == "dstest/1");
  CHECK(j.size() == 3);
}

TEST_CASE("@connections: DELETE answers 204 and closes the socket with 1000") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-del", &id);
  const HttpResult r = http_request(server.port(), "DELETE", "/dev/@connections/" + percent_encode(id));
  CHECK(r.status == 204);
  const Frame f = client->read();
  CHECK(f.kind == Frame::Kind::kClosed);
  CHECK(f.close_code == 1000);
}

TEST_CASE("@connections: a gone or unknown id is 410 with x-amzn-ErrorType: GoneException") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  {
    auto client = must_connect(server.port(), "u-gone", &id);
    REQUIRE(client->close(1000));
  }
  for (const std::string& target : {"/dev/@connections/" + percent_encode(id), std::string("/dev/@connections/AAAAAAAAAAAAAAA=")}) {
    for (const char* method : {"POST", "GET", "DELETE"}) {
      INFO(method << " " << target);
      HttpResult r;
      REQUIRE(eventually([&] {
        r = http_request(server.port(), method, target, method == std::string("POST") ? "x" : "");
        return r.status == 410;
      }));
      CHECK(r.header("x-amzn-errortype") == "GoneException");
    }
  }
}

TEST_CASE("@connections: a malformed id is 400 BadRequestException") {
  DSTEST_START_SERVER(server, {"--quiet"});
  const std::string id = GENERATE(as<std::string>{}, "abc", "AAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAA==", "%zz", "AAAAAAAA%00AAAAA=",
                                  "AAAAAAAAAAAAAAAAAAAAAAA=");
  INFO(id);
  const HttpResult r = http_request(server.port(), "POST", "/dev/@connections/" + id, "x");
  CHECK(r.status == 400);
  CHECK(r.header("x-amzn-errortype") == "BadRequestException");
}

TEST_CASE("@connections: POST over 131072 bytes is 413 PayloadTooLargeException") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-413", &id);
  const HttpResult r = http_request(server.port(), "POST", "/dev/@connections/" + percent_encode(id), std::string(131073, 'x'));
  CHECK(r.status == 413);
  CHECK(r.header("x-amzn-errortype") == "PayloadTooLargeException");
  const HttpResult ok = http_request(server.port(), "POST", "/dev/@connections/" + percent_encode(id), std::string(131072, 'y'));
  CHECK(ok.status == 200);
  CHECK(read_text(*client) == std::string(131072, 'y'));
}

TEST_CASE("@connections: a 70 KB POST goes out as frames of at most 32 KB") {
  DSTEST_START_SERVER(server, {"--quiet"});
  RawWs raw;
  REQUIRE(raw.connect(server.port(), "/dev?user_id=u-split"));
  const auto welcome = raw.read_frame();
  REQUIRE(welcome);
  const std::string id = json_string(welcome->payload, "connectionId");
  std::string body(70 * 1024, 'z');
  body[0] = '"';
  const HttpResult r = http_request(server.port(), "POST", "/dev/@connections/" + percent_encode(id), body);
  REQUIRE(r.status == 200);
  std::string joined;
  std::vector<std::size_t> sizes;
  for (;;) {
    const auto f = raw.read_frame();
    REQUIRE(f);
    CHECK_FALSE(f->masked);
    CHECK(f->opcode == (sizes.empty() ? 1 : 0));
    CHECK(f->payload.size() <= 32768);
    sizes.push_back(f->payload.size());
    joined += f->payload;
    if (f->fin) break;
  }
  CHECK(sizes == std::vector<std::size_t>{32768, 32768, 70 * 1024 - 65536});
  CHECK(joined == body);
}

TEST_CASE("@connections: other methods are 403 ForbiddenException") {
  DSTEST_START_SERVER(server, {"--quiet"});
  std::string id;
  auto client = must_connect(server.port(), "u-put", &id);
  const HttpResult r = http_request(server.port(), "PUT", "/dev/@connections/" + percent_encode(id), "x");
  CHECK(r.status == 403);
  CHECK(r.header("x-amzn-errortype") == "ForbiddenException");
}
