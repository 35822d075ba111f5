// backends_test.cpp: --backend ids|seed (issue 12 item 1) and the Lambda faults for either backend:
// silent-fail, handler-error, publish-fail, cold-start (with the integration timeout), their determinism
// with --seed, and what a failed message leaves behind (not in /__dev/messages, its id not remembered).
// Barriers, not sleeps: the server answers a connection's frames in order, so a heartbeat's answer means
// every earlier frame of that connection was processed (and, for a publish, that typing was sent).
#include <algorithm>
#include <map>

#include "support/checks.hpp"

using namespace dstest;

namespace {

const std::string kErrorPattern = R"(\{"type": "error", "message": "Erro ao processar mensagem", "timestamp": [0-9]+)";
const std::string kSeedAckPattern = std::string(R"(\{"type": "ack", "message": ")") + kAckTextEscaped + R"(", "timestamp": [0-9]+\})";

std::string ids_ack_pattern(const std::string& id) {
  return std::string(R"(\{"type": "ack", "message": ")") + kAckTextEscaped + R"(", "timestamp": [0-9]+, "client_msg_id": ")" +
         regex_escape(id) + "\"\\}";
}

// Sends a heartbeat and returns every frame that came before its answer.
std::vector<std::string> until_heartbeat(WsClient& client) {
  REQUIRE(client.send(R"({"action":"heartbeat"})"));
  std::vector<std::string> frames;
  for (;;) {
    const std::string f = read_text(client);
    if (frame_type(f) == "heartbeat") return frames;
    frames.push_back(f);
    REQUIRE(frames.size() < 100);
  }
}

std::vector<std::string> types_of(const std::vector<std::string>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(frame_type(f).empty() ? "(gateway) " + json_string(f, "message") : frame_type(f));
  return out;
}

nlohmann::json dev_messages(std::uint16_t port, const std::string& user_id) {
  const HttpResult r = http_request(port, "GET", "/__dev/messages?user_id=" + user_id);
  REQUIRE(r.status == 200);
  return parse_json(r.body);
}

std::vector<std::string> server_args(const std::string& backend, std::vector<std::string> more) {
  std::vector<std::string> args = {"--quiet", "--backend", backend, "--reply-delay-ms", "60000"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

using Types = std::vector<std::string>;

}  // namespace

// --- the seed backend ---------------------------------------------------------------------------------

TEST_CASE("backend seed: the ack carries no client_msg_id, even when the frame had one") {
  DSTEST_START_SERVER(server, server_args("seed", {}));
  auto client = must_connect(server.port(), "u-seed-ack");
  REQUIRE(client->send(send_message_json("Oi", "m-abc")));
  const std::string ack = read_text(*client);
  INFO(ack);
  CHECK(regex_full_match(ack, kSeedAckPattern));
  CHECK(read_text(*client) == R"({"type": "typing", "typing": true, "agent": "assistant"})");
}

TEST_CASE("backend seed: nothing is deduped, /__dev/messages lists every arrival with its client_msg_id") {
  DSTEST_START_SERVER(server, {"--quiet", "--backend", "seed", "--reply-delay-ms", "0"});
  auto first = must_connect(server.port(), "u-seed-dup");
  REQUIRE(first->send(send_message_json("Tem vazamento no banheiro", "m-42")));
  for (const char* t : {"ack", "typing", "message", "typing"}) read_type(*first, t);
  // The client reconnects and resends (its ack was lost): the seed executes it again.
  auto second = must_connect(server.port(), "u-seed-dup");
  REQUIRE(second->send(send_message_json("Tem vazamento no banheiro", "m-42")));
  REQUIRE(second->send(send_message_json("sem id")));
  // Two executions: two acks, two replies (the replies may interleave with the second ack).
  std::map<std::string, int> counts;
  for (int i = 0; i < 8; ++i) ++counts[frame_type(read_text(*second))];
  CHECK(counts == std::map<std::string, int>{{"ack", 2}, {"typing", 4}, {"message", 2}});
  const auto log = dev_messages(server.port(), "u-seed-dup");
  REQUIRE(log["messages"].size() == 3);
  CHECK(log["messages"][0]["client_msg_id"] == "m-42");
  CHECK(log["messages"][1]["client_msg_id"] == "m-42");
  CHECK(log["messages"][2]["client_msg_id"].is_null());
  CHECK(log["messages"][0]["connection_id"] != log["messages"][1]["connection_id"]);
  CHECK(log["duplicates"] == 0);
}

TEST_CASE("backend seed: replies go to every connection of the user with the sender's session_id") {
  DSTEST_START_SERVER(server, {"--quiet", "--backend", "seed", "--reply-delay-ms", "0"});
  auto sender = must_connect(server.port(), "u-seed-multi", nullptr, "&session_id=s-phone");
  auto other_tab = must_connect(server.port(), "u-seed-multi", nullptr, "&session_id=s-laptop");
  auto stranger = must_connect(server.port(), "u-seed-other");
  REQUIRE(sender->send(send_message_json("Chegou alguma encomenda?", "m-1")));
  read_type(*sender, "ack");
  for (WsClient* c : {sender.get(), other_tab.get()}) {
    read_type(*c, "typing");
    CHECK(json_string(read_type(*c, "message"), "session_id") == "s-phone");
    read_type(*c, "typing");
  }
  CHECK(until_heartbeat(*stranger).empty());
}

TEST_CASE("backend ids: explicit --backend ids is the documented default (ack echoes the id, resends deduped)") {
  DSTEST_START_SERVER(server, server_args("ids", {}));
  auto client = must_connect(server.port(), "u-ids");
  REQUIRE(client->send(send_message_json("Oi", "m-1")));
  REQUIRE(client->send(send_message_json("Oi", "m-1")));
  const auto frames = until_heartbeat(*client);
  REQUIRE(types_of(frames) == Types{"ack", "typing", "ack"});
  CHECK(regex_full_match(frames[0], ids_ack_pattern("m-1")));
  CHECK(regex_full_match(frames[2], ids_ack_pattern("m-1")));
  CHECK(dev_messages(server.port(), "u-ids")["duplicates"] == 1);
}

TEST_CASE("backend: a non-string message gets the error frame, only ids echoes client_msg_id in it") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  DSTEST_START_SERVER(server, server_args(backend, {}));
  auto client = must_connect(server.port(), "u-nonstring");
  REQUIRE(client->send(R"({"action":"sendMessage","message":5,"client_msg_id":"m-5"})"));
  const auto frames = until_heartbeat(*client);
  REQUIRE(frames.size() == 1);
  INFO(backend << " " << frames[0]);
  CHECK(regex_full_match(frames[0], kErrorPattern + (backend == "ids" ? R"(, "client_msg_id": "m-5"\})" : R"(\})")));
}

// --- silent-fail ----------------------------------------------------------------------------------------

TEST_CASE("fault silent-fail=1: no ack, no reply, not published, for either backend") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  DSTEST_START_SERVER(server, server_args(backend, {"--fault", "silent-fail=1"}));
  auto client = must_connect(server.port(), "u-silent");
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));  // the resend fails the same way
  CHECK(until_heartbeat(*client).empty());  // not even typing: nothing was published
  const auto log = dev_messages(server.port(), "u-silent");
  CHECK(log["messages"].empty());
  CHECK(log["duplicates"] == 0);
}

TEST_CASE("fault silent-fail=0: every message goes through") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  DSTEST_START_SERVER(server, server_args(backend, {"--fault", "silent-fail=0"}));
  auto client = must_connect(server.port(), "u-silent0");
  for (int i = 0; i < 5; ++i) REQUIRE(client->send(send_message_json("oi", "m-" + std::to_string(i))));
  CHECK(types_of(until_heartbeat(*client)) == Types{"ack", "typing", "ack", "typing", "ack", "typing", "ack", "typing", "ack", "typing"});
  CHECK(dev_messages(server.port(), "u-silent0")["messages"].size() == 5);
}

TEST_CASE("fault silent-fail: the failed message is not remembered, so its resend executes (seeded)") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  DSTEST_START_SERVER(server, server_args(backend, {"--seed", "7", "--fault", "silent-fail=0.5"}));
  auto client = must_connect(server.port(), "u-silent-resend");
  int failures = 0;
  for (;;) {
    REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));
    const auto frames = until_heartbeat(*client);
    if (!frames.empty()) {
      CHECK(types_of(frames) == Types{"ack", "typing"});  // executed, and not as a duplicate
      break;
    }
    CHECK(dev_messages(server.port(), "u-silent-resend")["messages"].empty());
    REQUIRE(++failures < 40);
  }
  const auto log = dev_messages(server.port(), "u-silent-resend");
  REQUIRE(log["messages"].size() == 1);
  CHECK(log["messages"][0]["client_msg_id"] == "m-a");
  CHECK(log["duplicates"] == 0);
  INFO("failures before the success: " << failures);
}

// --- handler-error --------------------------------------------------------------------------------------

TEST_CASE("fault handler-error=1: only the error frame (ids: echoing client_msg_id), no ack, not published") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  DSTEST_START_SERVER(server, server_args(backend, {"--fault", "handler-error=1"}));
  auto client = must_connect(server.port(), "u-herr");
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));
  REQUIRE(client->send(send_message_json("sem id")));
  const auto frames = until_heartbeat(*client);
  REQUIRE(types_of(frames) == Types{"error", "error"});
  INFO(frames[0]);
  CHECK(regex_full_match(frames[0], kErrorPattern + (backend == "ids" ? R"(, "client_msg_id": "m-a"\})" : R"(\})")));
  CHECK(regex_full_match(frames[1], kErrorPattern + R"(\})"));
  CHECK(dev_messages(server.port(), "u-herr")["messages"].empty());
}

TEST_CASE("fault handler-error=0: every message goes through") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  DSTEST_START_SERVER(server, server_args(backend, {"--fault", "handler-error=0"}));
  auto client = must_connect(server.port(), "u-herr0");
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  CHECK(types_of(until_heartbeat(*client)) == Types{"ack", "typing"});
}

// --- publish-fail ---------------------------------------------------------------------------------------

TEST_CASE("fault publish-fail=1, seed: the ack, then the error frame, and no reply (the unproven ✓✓)") {
  DSTEST_START_SERVER(server, server_args("seed", {"--fault", "publish-fail=1"}));
  auto client = must_connect(server.port(), "u-pfail-seed");
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));
  const auto frames = until_heartbeat(*client);
  REQUIRE(types_of(frames) == Types{"ack", "error"});
  CHECK(regex_full_match(frames[0], kSeedAckPattern));
  CHECK(regex_full_match(frames[1], kErrorPattern + R"(\})"));
  CHECK(dev_messages(server.port(), "u-pfail-seed")["messages"].empty());
}

TEST_CASE("fault publish-fail=1, ids: the error frame with client_msg_id and no ack (ack after the publish)") {
  DSTEST_START_SERVER(server, server_args("ids", {"--fault", "publish-fail=1"}));
  auto client = must_connect(server.port(), "u-pfail-ids");
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));
  REQUIRE(client->send(send_message_json("vazamento no 502", "m-a")));  // a resend is not a duplicate: it was never taken
  const auto frames = until_heartbeat(*client);
  REQUIRE(types_of(frames) == Types{"error", "error"});
  for (const auto& f : frames) CHECK(regex_full_match(f, kErrorPattern + R"(, "client_msg_id": "m-a"\})"));
  const auto log = dev_messages(server.port(), "u-pfail-ids");
  CHECK(log["messages"].empty());
  CHECK(log["duplicates"] == 0);
}

TEST_CASE("fault publish-fail=0: every message goes through") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  DSTEST_START_SERVER(server, server_args(backend, {"--fault", "publish-fail=0"}));
  auto client = must_connect(server.port(), "u-pfail0");
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  CHECK(types_of(until_heartbeat(*client)) == Types{"ack", "typing"});
  CHECK(dev_messages(server.port(), "u-pfail0")["messages"].size() == 1);
}

TEST_CASE("fault publish-fail with ack-delay, seed: the error follows the late ack") {
  DSTEST_START_SERVER(server, server_args("seed", {"--fault", "publish-fail=1,ack-delay=800"}));
  auto client = must_connect(server.port(), "u-pfail-delay");
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  CHECK(until_heartbeat(*client).empty());  // long enough for the heartbeat's answer to come first, even under load
  read_type(*client, "ack");
  CHECK(elapsed_ms(t0) >= 790);
  read_type(*client, "error");
}

TEST_CASE("fault ack-delay keeps its meaning with the seed backend: typing is not delayed") {
  DSTEST_START_SERVER(server, {"--quiet", "--backend", "seed", "--fault", "ack-delay=800", "--reply-delay-ms", "60000"});
  auto client = must_connect(server.port(), "u-seed-ackdelay");
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  CHECK(types_of(until_heartbeat(*client)) == Types{"typing"});
  read_type(*client, "ack");
  CHECK(elapsed_ms(t0) >= 790);
}

// --- cold-start -----------------------------------------------------------------------------------------

TEST_CASE("fault cold-start: the ack, typing and reply are delayed together, other events are not") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  DSTEST_START_SERVER(server, {"--quiet", "--backend", backend, "--fault", "cold-start=1000-1000", "--reply-delay-ms", "100"});
  auto client = must_connect(server.port(), "u-cold");
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  CHECK(until_heartbeat(*client).empty());  // the heartbeat's Lambda is warm
  CHECK(elapsed_ms(t0) < 990);
  read_type(*client, "ack");
  CHECK(elapsed_ms(t0) >= 990);
  read_type(*client, "typing");
  read_type(*client, "message");
  CHECK(elapsed_ms(t0) >= 1090);
  read_type(*client, "typing");
  CHECK(dev_messages(server.port(), "u-cold")["messages"].size() == 1);
}

TEST_CASE("fault cold-start=0-0 changes nothing") {
  DSTEST_START_SERVER(server, server_args("seed", {"--fault", "cold-start=0-0"}));
  auto client = must_connect(server.port(), "u-cold0");
  REQUIRE(client->send(send_message_json("oi")));
  CHECK(types_of(until_heartbeat(*client)) == Types{"ack", "typing"});
}

TEST_CASE("fault cold-start past the integration timeout: the gateway's timeout frame, then the Lambda's posts") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  DSTEST_START_SERVER(server, {"--quiet", "--backend", backend, "--fault", "cold-start=500", "--integration-timeout-ms",
                               "150", "--reply-delay-ms", "0"});
  std::string conn_id;
  auto client = must_connect(server.port(), "u-cold-timeout", &conn_id);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  const std::string timeout = read_text(*client);
  CHECK(elapsed_ms(t0) >= 140);
  const std::string prefix = R"({"message": "Endpoint request timed out", "connectionId":")" + conn_id + R"(", "requestId":")";
  INFO(timeout);
  REQUIRE(timeout.rfind(prefix, 0) == 0);
  CHECK(regex_full_match(timeout.substr(prefix.size()), std::string(kGatewayIdPattern) + "\"\\}"));
  const std::string ack = read_type(*client, "ack");
  CHECK(elapsed_ms(t0) >= 490);
  CHECK(regex_full_match(ack, backend == "ids" ? ids_ack_pattern("m-1") : kSeedAckPattern));
  read_type(*client, "typing");
  read_type(*client, "message");
}

TEST_CASE("fault cold-start within the integration timeout sends no timeout frame") {
  DSTEST_START_SERVER(server, {"--quiet", "--fault", "cold-start=200", "--integration-timeout-ms", "200", "--reply-delay-ms", "60000"});
  auto client = must_connect(server.port(), "u-cold-edge");
  REQUIRE(client->send(send_message_json("oi", "m-1")));
  read_type(*client, "ack");
  read_type(*client, "typing");
  expect_nothing_pending(*client);
}

TEST_CASE("fault cold-start: a connection closed during the cold start is not executed") {
  ServerProcess server({"--fault", "cold-start=1500", "--reply-delay-ms", "0"}, true);
  REQUIRE(server.ok());
  {
    auto client = must_connect(server.port(), "u-cold-gone");
    REQUIRE(client->send(send_message_json("oi", "m-1")));
    REQUIRE(client->close(1000));
  }
  REQUIRE(eventually([&] { return server.stderr_text().find("connection gone before the handler ran") != std::string::npos; },
                     6000ms));
  CHECK(dev_messages(server.port(), "u-cold-gone")["messages"].empty());
}

// --- determinism --------------------------------------------------------------------------------------

TEST_CASE("faults: silent-fail, handler-error and publish-fail are deterministic with --seed") {
  const std::string backend = GENERATE(as<std::string>{}, "ids", "seed");
  INFO(backend);
  auto pattern = [&](const std::string& seed) {
    ServerProcess server(server_args(backend, {"--seed", seed, "--fault", "silent-fail=0.3,handler-error=0.3,publish-fail=0.3"}));
    REQUIRE(server.ok());
    auto client = must_connect(server.port(), "u-det");
    std::string outcomes;
    for (int i = 0; i < 40; ++i) {
      REQUIRE(client->send(send_message_json("oi", "m-" + std::to_string(i))));
      const Types t = types_of(until_heartbeat(*client));
      if (t.empty()) outcomes += 'S';                                        // silent-fail
      else if (t == Types{"error"}) outcomes += backend == "ids" ? 'X' : 'H';  // ids: handler-error or publish-fail
      else if (t == Types{"ack", "error"}) outcomes += 'P';                  // seed publish-fail
      else if (t == Types{"ack", "typing"}) outcomes += 'A';
      else FAIL("unexpected frames");
    }
    const auto log = dev_messages(server.port(), "u-det");
    CHECK(log["messages"].size() == static_cast<std::size_t>(std::count(outcomes.begin(), outcomes.end(), 'A')));
    return outcomes;
  };
  const std::string first = pattern("1234");
  INFO(first);
  CHECK(first == pattern("1234"));
  for (const char c : std::string(backend == "ids" ? "SXA" : "SHPA")) CHECK(first.find(c) != std::string::npos);
  CHECK(pattern("99") != first);
}

TEST_CASE("faults: cold-start delays are deterministic with --seed") {
  auto delays = [](const std::string& seed) {
    ServerProcess server({"--seed", seed, "--fault", "cold-start=10-60", "--reply-delay-ms", "60000"}, true);
    REQUIRE(server.ok());
    auto client = must_connect(server.port(), "u-cold-det");
    for (int i = 0; i < 12; ++i) REQUIRE(client->send(send_message_json("oi", "m-" + std::to_string(i))));
    std::vector<std::string> found;
    REQUIRE(eventually([&] {
      found.clear();
      const std::string log = server.stderr_text();
      for (std::size_t pos = 0; (pos = log.find("delay=", pos)) != std::string::npos; ++pos) {
        found.push_back(log.substr(pos, log.find(' ', pos) - pos));
      }
      return found.size() == 12;
    }));
    return found;
  };
  const auto first = delays("5");
  CHECK(first == delays("5"));
  CHECK(std::count(first.begin(), first.end(), first.front()) < 12);  // they vary within the range
}
