// send_message_test.cpp: the seed's sendMessage Lambda and the responder: the ack (byte-exact, echoing
// client_msg_id), typing / assistant message / typing to every connection of the user, empty messages,
// the Lambda's error frame, dedupe by client_msg_id, Python's ensure_ascii, and the message log.
#include "support/checks.hpp"

using namespace dstest;

namespace {

const std::string kTypingOn = R"({"type": "typing", "typing": true, "agent": "assistant"})";
const std::string kTypingOff = R"({"type": "typing", "typing": false, "agent": "assistant"})";

std::string assistant_pattern(const std::string& session_id) {
  return R"(\{"type": "message", "role": "assistant", "message": "[^"\\]*(\\.[^"\\]*)*", "timestamp": [0-9]+, )"
         R"("session_id": ")" + regex_escape(session_id) + "\"\\}";
}

nlohmann::json dev_messages(std::uint16_t port, const std::string& user_id) {
  const HttpResult r = http_request(port, "GET", "/__dev/messages?user_id=" + user_id);
  REQUIRE(r.status == 200);
  return parse_json(r.body);
}

}  // namespace

TEST_CASE("sendMessage: the ack is the seed's, byte-exact, echoing client_msg_id") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-ack");
  REQUIRE(client->send(send_message_json("Oi", "m-abc")));
  const std::string ack = read_text(*client);
  INFO(ack);
  CHECK(regex_full_match(ack, std::string(R"(\{"type": "ack", "message": ")") + kAckTextEscaped +
                                  R"(", "timestamp": [0-9]+, "client_msg_id": "m-abc"\})"));
  CHECK(std::llabs(parse_json(ack)["timestamp"].get<long long>() - now_s()) <= 5);
}

TEST_CASE("sendMessage: without client_msg_id the ack has no such field") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-ack2");
  REQUIRE(client->send(send_message_json("Oi")));
  const std::string ack = read_text(*client);
  INFO(ack);
  CHECK(regex_full_match(ack, std::string(R"(\{"type": "ack", "message": ")") + kAckTextEscaped +
                                  R"(", "timestamp": [0-9]+\})"));
}

TEST_CASE("sendMessage: typing, the assistant's message and typing false reach every connection of the user, only") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "100"});
  auto sender = must_connect(server.port(), "u-multi", nullptr, "&session_id=s-phone");
  auto other_tab = must_connect(server.port(), "u-multi", nullptr, "&session_id=s-laptop");
  auto stranger = must_connect(server.port(), "u-other");
  REQUIRE(sender->send(send_message_json("Chegou alguma encomenda?", "m-1")));
  read_type(*sender, "ack");
  for (WsClient* c : {sender.get(), other_tab.get()}) {
    CHECK(read_text(*c) == kTypingOn);
    const std::string reply = read_text(*c);
    INFO(reply);
    // The session of the sender, on every connection.
    CHECK(regex_full_match(reply, assistant_pattern("s-phone")));
    CHECK(read_text(*c) == kTypingOff);
  }
  expect_nothing_pending(*stranger);
  expect_nothing_pending(*sender);
}

TEST_CASE("sendMessage: the reply comes --reply-delay-ms after the message") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "1000"});
  auto client = must_connect(server.port(), "u-delay");
  const auto t0 = std::chrono::steady_clock::now();  // before the send: every server event is later
  REQUIRE(client->send(send_message_json("Qual o horário da academia?")));
  read_type(*client, "ack");
  CHECK(read_text(*client) == kTypingOn);
  CHECK(elapsed_ms(t0) < 800);  // at once: well under the 1 s reply delay, with room for a loaded machine
  read_type(*client, "message");
  CHECK(elapsed_ms(t0) >= 995);  // due 1 s after the server got the message, which was after t0
  CHECK(read_text(*client) == kTypingOff);
}

TEST_CASE("sendMessage: the default session id is session-<seconds>") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "0"});
  auto client = must_connect(server.port(), "u-nosession");
  REQUIRE(client->send(send_message_json("oi")));
  read_type(*client, "ack");
  read_type(*client, "typing");
  const std::string reply = read_type(*client, "message");
  CHECK(regex_full_match(json_string(reply, "session_id"), "session-[0-9]+"));
}

TEST_CASE("sendMessage: an empty or whitespace-only message gets nothing back") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "0"});
  auto client = must_connect(server.port(), "u-empty");
  const std::string body = GENERATE(as<std::string>{}, R"({"action":"sendMessage","message":""})",
                                    R"({"action":"sendMessage","message":"   "})",
                                    R"({"action":"sendMessage","message":"\t\n\r "})",
                                    R"({"action":"sendMessage","message":"\u00a0\u3000\u2028"})",
                                    R"({"action":"sendMessage"})", R"({"action":"sendMessage","client_msg_id":"x"})");
  INFO(body);
  REQUIRE(client->send(body));
  // No sleep: an accepted message is acked and its typing frame broadcast while it is processed, so either
  // would arrive before the answer to this heartbeat (frames of one connection are processed in order).
  expect_nothing_pending(*client);
  CHECK(dev_messages(server.port(), "u-empty")["messages"].empty());
}

TEST_CASE("sendMessage: a non-string message gets the Lambda's error frame") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-error");
  const std::string body = GENERATE(as<std::string>{}, R"({"action":"sendMessage","message":123})",
                                    R"({"action":"sendMessage","message":null})",
                                    R"({"action":"sendMessage","message":["a"]})");
  INFO(body);
  REQUIRE(client->send(body));
  const std::string frame = read_text(*client);
  INFO(frame);
  CHECK(regex_full_match(frame, R"(\{"type": "error", "message": "Erro ao processar mensagem", "timestamp": [0-9]+\})"));
  expect_nothing_pending(*client);
}

TEST_CASE("sendMessage: a resend with the same client_msg_id is acked again but answered once") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "100"});
  auto first = must_connect(server.port(), "u-dedupe");
  REQUIRE(first->send(send_message_json("Tem vazamento no banheiro", "m-42")));
  CHECK(json_string(read_type(*first, "ack"), "client_msg_id") == "m-42");
  read_type(*first, "typing");
  read_type(*first, "message");
  read_type(*first, "typing");
  // The client reconnects and resends (its ack was lost): same user, another connection.
  std::string second_id;
  auto second = must_connect(server.port(), "u-dedupe", &second_id);
  REQUIRE(second->send(send_message_json("Tem vazamento no banheiro", "m-42")));
  CHECK(json_string(read_type(*second, "ack"), "client_msg_id") == "m-42");
  // No sleep: a second reply starts with a typing frame broadcast to both connections while the resend is
  // processed, before the heartbeats below are answered; the log counts the resend once.
  expect_nothing_pending(*second);
  expect_nothing_pending(*first);
  const auto log = dev_messages(server.port(), "u-dedupe");
  CHECK(log["messages"].size() == 1);
  CHECK(log["duplicates"] == 1);
}

TEST_CASE("sendMessage: frames are escaped like Python's json.dumps (ensure_ascii, surrogate pairs)") {
  DSTEST_START_SERVER(server, {"--quiet"});
  auto client = must_connect(server.port(), "u-ascii");
  REQUIRE(client->send(R"({"action":"sendMessage","message":"oi","client_msg_id":"a\u00e7\u00e3o-\ud83d\ude00-\"q\"\\\n\u007f"})"));
  const std::string ack = read_text(*client);
  INFO(ack);
  CHECK(ack.find(R"("client_msg_id": "a\u00e7\u00e3o-\ud83d\ude00-\"q\"\\\n\u007f"})") != std::string::npos);
  const HttpResult r = http_request(server.port(), "POST", "/notify",
                                    R"({"user_id":"u-ascii","message":"Olá 😀\t\u0001 ~","priority":"high"})");
  REQUIRE(r.status == 200);
  read_type(*client, "typing");
  const std::string note = read_type(*client, "notification");
  CHECK(regex_full_match(note, R"(\{"type": "notification", "message": "Ol\\u00e1 \\ud83d\\ude00\\t\\u0001 ~", )"
                               R"("priority": "high", "timestamp": [0-9]+\})"));
}

TEST_CASE("sendMessage: every unique message is recorded once, in arrival order") {
  DSTEST_START_SERVER(server, {"--quiet", "--reply-delay-ms", "0"});
  std::string id;
  auto client = must_connect(server.port(), "u-order", &id);
  for (int i = 1; i <= 25; ++i) REQUIRE(client->send(send_message_json("msg " + std::to_string(i), "m-" + std::to_string(i))));
  REQUIRE(client->send(send_message_json("msg 7 again", "m-7")));
  REQUIRE(client->send(send_message_json("  no id  ")));
  REQUIRE(eventually([&] { return dev_messages(server.port(), "u-order")["messages"].size() == 26; }));
  const auto log = dev_messages(server.port(), "u-order");
  CHECK(log["user_id"] == "u-order");
  CHECK(log["duplicates"] == 1);
  long long last_ms = 0;
  for (int i = 0; i < 25; ++i) {
    const auto& m = log["messages"][static_cast<std::size_t>(i)];
    CHECK(m["client_msg_id"] == "m-" + std::to_string(i + 1));
    CHECK(m["message"] == "msg " + std::to_string(i + 1));
    CHECK(m["connection_id"] == id);
    CHECK(m["received_at_ms"].get<long long>() >= last_ms);
    last_ms = m["received_at_ms"].get<long long>();
  }
  CHECK(log["messages"][25]["client_msg_id"].is_null());
  CHECK(log["messages"][25]["message"] == "no id");  // stripped, as the Lambda publishes it
}
