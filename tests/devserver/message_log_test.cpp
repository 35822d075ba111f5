// message_log_test.cpp: one overall cap bounds the per-user message logs (issue 13, "5. Dev server
// hardening"): a client cycling user ids cannot grow /__dev/messages without limit. The running server with
// small --max-log-records / --max-log-bytes, and the MessageLog itself with the per-user bound too.
#include "devserver/message_log.hpp"
#include "support/checks.hpp"

using namespace dstest;

namespace {

nlohmann::json dev_messages(std::uint16_t port, const std::string& user_id) {
  const HttpResult r = http_request(port, "GET", "/__dev/messages?user_id=" + user_id);
  REQUIRE(r.status == 200);
  return parse_json(r.body);
}

nlohmann::json dev_stats(std::uint16_t port) { return parse_json(http_request(port, "GET", "/__dev/stats").body); }

// Sends one message and waits until the server executed it (its ack and typing come before the heartbeat's answer).
void send_and_wait(WsClient& client, const std::string& text, const std::string& id) {
  REQUIRE(client.send(send_message_json(text, id)));
  read_type(client, "ack");
  read_type(client, "typing");
  expect_nothing_pending(client);
}

devserver::MessageRecord record(const std::string& id, std::size_t bytes = 1) {
  return devserver::MessageRecord{id, std::string(bytes, 'x'), "conn", 0, 0};
}

}  // namespace

TEST_CASE("message log: users cycling ids are bounded by --max-log-records, the oldest users go first") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-log-records", "50", "--reply-delay-ms", "600000"});
  for (int i = 0; i < 80; ++i) {
    auto client = must_connect(server.port(), "cycle-" + std::to_string(i));
    send_and_wait(*client, "msg " + std::to_string(i), "m-" + std::to_string(i));
  }
  const auto stats = dev_stats(server.port());
  CHECK(stats["log_records"] == 50);
  CHECK(stats["log_bytes"].get<long long>() > 0);
  for (int i = 0; i < 80; ++i) {
    INFO(i);
    const auto log = dev_messages(server.port(), "cycle-" + std::to_string(i));
    CHECK(log["messages"].size() == (i < 30 ? 0u : 1u));
  }
}

TEST_CASE("message log: one user beyond the overall cap keeps its newest records, and forgets evicted ids") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-log-records", "10", "--reply-delay-ms", "600000"});
  auto client = must_connect(server.port(), "u-cap");
  for (int i = 1; i <= 15; ++i) send_and_wait(*client, "msg " + std::to_string(i), "m-" + std::to_string(i));
  auto log = dev_messages(server.port(), "u-cap");
  REQUIRE(log["messages"].size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(log["messages"][static_cast<std::size_t>(i)]["client_msg_id"] == "m-" + std::to_string(i + 6));
  // m-15 is still known (a resend is a duplicate); m-1 was forgotten with its record (a resend executes).
  REQUIRE(client->send(send_message_json("msg 15", "m-15")));
  read_type(*client, "ack");
  expect_nothing_pending(*client);
  send_and_wait(*client, "msg 1", "m-1");
  log = dev_messages(server.port(), "u-cap");
  CHECK(log["duplicates"] == 1);
  CHECK(log["messages"].back()["client_msg_id"] == "m-1");
  CHECK(dev_stats(server.port())["log_records"] == 10);
}

TEST_CASE("message log: --max-log-bytes bounds the message bytes of all users together") {
  DSTEST_START_SERVER(server, {"--quiet", "--max-log-bytes", "1000", "--reply-delay-ms", "600000"});
  for (int i = 0; i < 6; ++i) {
    auto client = must_connect(server.port(), "bytes-" + std::to_string(i));
    send_and_wait(*client, std::string(296, static_cast<char>('a' + i)), "id-" + std::to_string(i));  // 300 bytes each
  }
  const auto stats = dev_stats(server.port());
  CHECK(stats["log_records"] == 3);
  CHECK(stats["log_bytes"] == 900);
  CHECK(dev_messages(server.port(), "bytes-2")["messages"].empty());
  CHECK(dev_messages(server.port(), "bytes-3")["messages"].size() == 1);
}

TEST_CASE("message log: the defaults are the named limits") {
  CHECK(devserver::kMaxLogRecordsPerUser == 100000);
  CHECK(devserver::kMaxLogBytesPerUser == 32u * 1024u * 1024u);
  CHECK(devserver::LogLimits{}.max_records_total == devserver::kMaxLogRecordsTotal);
  CHECK(devserver::LogLimits{}.max_bytes_total == devserver::kMaxLogBytesTotal);
  const RunResult help = run_devserver({"--help"});
  CHECK(help.out.find("--max-log-records N") != std::string::npos);
  CHECK(help.out.find("default " + std::to_string(devserver::kMaxLogRecordsTotal)) != std::string::npos);
}

TEST_CASE("message log (pure): per-user quarters and the overall cap together") {
  devserver::MessageLog log(devserver::LogLimits{8, 1000, 20, 100000});
  // One user over its own bound: the oldest quarter goes, ids with it.
  for (int i = 0; i < 9; ++i) log.append("a", record("a-" + std::to_string(i)), true);
  REQUIRE(log.find("a") != nullptr);
  CHECK(log.find("a")->records.size() == 7);  // 9 > 8: two (a quarter of 9, rounded down) evicted
  CHECK_FALSE(log.seen("a", "a-0"));
  CHECK_FALSE(log.seen("a", "a-1"));
  CHECK(log.seen("a", "a-2"));
  // Thousands more, per-user eviction leaving entries behind in the overall order: still bounded.
  for (int i = 9; i < 5000; ++i) log.append("a", record("a-" + std::to_string(i)), true);
  CHECK(log.find("a")->records.size() <= 8);
  CHECK(log.total_records() == log.find("a")->records.size());
  // Other users fill the overall cap; the oldest records overall go first, and empty users are dropped.
  for (int u = 0; u < 10; ++u) {
    for (int i = 0; i < 3; ++i) log.append("u" + std::to_string(u), record("x"), false);
  }
  CHECK(log.total_records() == 20);
  CHECK(log.find("a") == nullptr);
  CHECK(log.find("u0") == nullptr);
  CHECK(log.find("u9")->records.size() == 3);
  CHECK(log.users() <= 8);
  CHECK(log.total_bytes() == 40);  // 1 byte of text + 1 of id each
  // Seed-style records (remember_id false) never become dedupe keys.
  CHECK_FALSE(log.seen("u9", "x"));
}
