// Protocol: the seed's outgoing shapes byte for byte, every incoming type, and a table of malformed frames
// that must be reported and ignored, never fatal.
#include <catch2/catch.hpp>

#include <string>

#include "core/limits.hpp"
#include "core/protocol.hpp"

using namespace bos;

namespace {
constexpr int64_t kNow = 1'764'345'600'123;
}

TEST_CASE("outgoing frames have exactly the seed client's shapes and key order", "[protocol]") {
  CHECK(encode_send_message("Ol\xC3\xA1, o elevador quebrou", 1764345600123, "web-user-1", "session-9", "m1-abc") ==
        R"({"action":"sendMessage","message":"Olá, o elevador quebrou","timestamp":1764345600123,)"
        R"("user_id":"web-user-1","session_id":"session-9","client_msg_id":"m1-abc"})");
  CHECK(encode_heartbeat(1764345600123) == R"({"action":"heartbeat","timestamp":1764345600123})");
  CHECK(encode_typing(true, "web-user-1", 5) == R"({"action":"typing","typing":true,"user_id":"web-user-1","timestamp":5})");
  CHECK(encode_typing(false, "u", 6) == R"({"action":"typing","typing":false,"user_id":"u","timestamp":6})");
}

TEST_CASE("outgoing text is escaped as JSON, never breaks the frame", "[protocol]") {
  const auto frame = encode_send_message("aspas \" barra \\ nova\nlinha \x01", 1, "u", "s", "m");
  CHECK(frame == R"({"action":"sendMessage","message":"aspas \" barra \\ nova\nlinha \u0001","timestamp":1,)"
                 R"("user_id":"u","session_id":"s","client_msg_id":"m"})");
}

TEST_CASE("the longest allowed message fits API Gateway's 32 KB frame limit even when fully escaped", "[protocol]") {
  // 4,000 control characters: each becomes \u00XX (6 bytes) in JSON.
  const std::string worst(kMaxMessageCodepoints, '\x01');
  const auto frame = encode_send_message(worst, kNow, std::string(64, 'u'), std::string(64, 's'), std::string(40, 'm'));
  CHECK(frame.size() < kMaxOutboundFrameBytes);
  // 4,000 four-byte code points (emoji) stay raw UTF-8: 16,000 bytes.
  std::string emoji;
  for (std::size_t i = 0; i < kMaxMessageCodepoints; ++i) emoji += "\xF0\x9F\x98\x80";
  CHECK(encode_send_message(emoji, kNow, "u", "s", "m").size() < kMaxOutboundFrameBytes);
}

TEST_CASE("incoming frames of every type are parsed with their fields", "[protocol]") {
  SECTION("ack, as the seed's Lambda sends it (Python json.dumps, seconds)") {
    const auto f = parse_server_frame(
        R"({"type": "ack", "message": "Processando sua solicita\u00e7\u00e3o...", "timestamp": 1764345600})", kNow);
    CHECK(f.type == FrameType::Ack);
    CHECK(f.message == "Processando sua solicita\xC3\xA7\xC3\xA3o...");
    CHECK(f.timestamp_ms == 1764345600000);
    CHECK(f.client_msg_id.empty());
  }
  SECTION("ack echoing client_msg_id") {
    const auto f = parse_server_frame(R"({"type":"ack","message":"ok","timestamp":1,"client_msg_id":"m1-x"})", kNow);
    CHECK(f.type == FrameType::Ack);
    CHECK(f.client_msg_id == "m1-x");
  }
  SECTION("assistant message with session") {
    const auto f = parse_server_frame(
        R"({"type": "message", "role": "assistant", "message": "O elevador 2 est\u00e1 em manuten\u00e7\u00e3o.", "timestamp": 1764345601, "session_id": "session-9"})",
        kNow);
    CHECK(f.type == FrameType::Message);
    CHECK(f.timestamp_ms == 1764345601000);
  }
  SECTION("message without a role is the assistant's") {
    const auto f = parse_server_frame(R"({"type":"message","message":"oi"})", kNow);
    CHECK(f.type == FrameType::Message);
    CHECK(f.timestamp_ms == kNow);
  }
  SECTION("notification with priority") {
    const auto high = parse_server_frame(R"({"type":"notification","message":"O elevador chegou","priority":"high"})", kNow);
    CHECK(high.type == FrameType::Notification);
    CHECK(high.priority == Priority::High);
    const auto normal = parse_server_frame(R"({"type":"notification","message":"Encomenda na portaria"})", kNow);
    CHECK(normal.priority == Priority::Normal);
    const auto odd = parse_server_frame(R"({"type":"notification","message":"x","priority":"urgent"})", kNow);
    CHECK(odd.priority == Priority::Normal);
  }
  SECTION("typing with and without agent") {
    const auto t = parse_server_frame(R"({"type":"typing","typing":true,"agent":"assistant"})", kNow);
    CHECK(t.type == FrameType::Typing);
    CHECK(t.typing);
    CHECK(t.agent == "assistant");
    const auto f = parse_server_frame(R"({"type":"typing","typing":false})", kNow);
    CHECK_FALSE(f.typing);
    CHECK(f.agent == "system");
  }
  SECTION("status with the dev server's connectionId") {
    const auto f = parse_server_frame(
        R"({"type": "status", "status": "connected", "message": "\ud83d\udfe2 Conectado em tempo real", "timestamp": 1764345600, "connectionId": "R0oXAdfD0kwCH6w="})",
        kNow);
    CHECK(f.type == FrameType::Status);
    CHECK(f.connection_id == "R0oXAdfD0kwCH6w=");
    CHECK(f.message == "\xF0\x9F\x9F\xA2 Conectado em tempo real");
  }
  SECTION("error and heartbeat") {
    CHECK(parse_server_frame(R"({"type":"error","message":"Erro ao processar mensagem"})", kNow).type == FrameType::Error);
    CHECK(parse_server_frame(R"({"type":"error"})", kNow).type == FrameType::Error);
    CHECK(parse_server_frame(R"({"type": "heartbeat", "timestamp": 1764345600})", kNow).type == FrameType::Heartbeat);
  }
  SECTION("API Gateway's own frames, byte-exact as captured") {
    const auto forbidden = parse_server_frame(
        R"({"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="})", kNow);
    CHECK(forbidden.type == FrameType::GatewayForbidden);
    CHECK(forbidden.connection_id == "XDmENcnwIE0CFEQ=");
    CHECK(forbidden.request_id == "XDmGEE2RoE0FRdQ=");
    const auto internal = parse_server_frame(
        R"({"message": "Internal server error", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="})", kNow);
    CHECK(internal.type == FrameType::GatewayInternalError);
  }
}

TEST_CASE("malformed frames are reported with a reason and never fatal", "[protocol]") {
  const std::string big(kMaxInboundFrameBytes + 1, ' ');
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  std::string deep_object = R"({"type":"message","message":"x","extra":)";
  for (int i = 0; i < 40; ++i) deep_object += "{\"a\":";
  deep_object += "1";
  for (int i = 0; i < 40; ++i) deep_object += "}";
  deep_object += "}";

  const auto [text, error] = GENERATE_COPY(table<std::string, FrameError>({
      {"", FrameError::InvalidJson},
      {" ", FrameError::InvalidJson},
      {"{", FrameError::InvalidJson},
      {"}", FrameError::InvalidJson},
      {"nul", FrameError::InvalidJson},
      {"{'type':'ack'}", FrameError::InvalidJson},
      {R"({"type":"ack",})", FrameError::InvalidJson},
      {R"({"type":"ack"} trailing)", FrameError::InvalidJson},
      {"{\"type\":\"message\",\"message\":\"\xFF\"}", FrameError::InvalidUtf8},
      {"{\"type\":\"message\",\"message\":\"\xED\xA0\x80\"}", FrameError::InvalidUtf8},
      {"\xC0\xAF", FrameError::InvalidUtf8},
      {R"({"type":"message","message":"\ud800"})", FrameError::InvalidJson},  // lone surrogate escape
      {big, FrameError::TooLarge},
      {deep, FrameError::TooDeep},
      {deep_object, FrameError::TooDeep},
      {"null", FrameError::NotAnObject},
      {"42", FrameError::NotAnObject},
      {R"("ack")", FrameError::NotAnObject},
      {R"([{"type":"ack"}])", FrameError::NotAnObject},
      {"true", FrameError::NotAnObject},
      {"{}", FrameError::MissingType},
      {R"({"message":"hello"})", FrameError::MissingType},
      {R"({"type":null})", FrameError::MissingType},
      {R"({"type":7})", FrameError::MissingType},
      {R"({"type":["ack"]})", FrameError::MissingType},
      {R"({"message": "Forbidden"})", FrameError::MissingType},  // no requestId: not API Gateway's frame
      {R"({"type":"presence"})", FrameError::UnknownType},
      {R"({"type":""})", FrameError::UnknownType},
      {R"({"type":"ACK"})", FrameError::UnknownType},
      {R"({"type":"%s%n%x"})", FrameError::UnknownType},
      {R"({"type":"message"})", FrameError::WrongFieldType},
      {R"({"type":"message","message":12})", FrameError::WrongFieldType},
      {R"({"type":"message","message":{"text":"x"}})", FrameError::WrongFieldType},
      {R"({"type":"message","message":"x","role":5})", FrameError::WrongFieldType},
      {R"({"type":"notification"})", FrameError::WrongFieldType},
      {R"({"type":"notification","message":"x","priority":1})", FrameError::WrongFieldType},
      {R"({"type":"typing"})", FrameError::WrongFieldType},
      {R"({"type":"typing","typing":"true"})", FrameError::WrongFieldType},
      {R"({"type":"typing","typing":1})", FrameError::WrongFieldType},
      {R"({"type":"ack","client_msg_id":123})", FrameError::WrongFieldType},
      {R"({"type":"status","connectionId":false})", FrameError::WrongFieldType},
      {R"({"type":"error","message":[]})", FrameError::WrongFieldType},
  }));
  CAPTURE(text.substr(0, 80));
  const auto f = parse_server_frame(text, kNow);
  CHECK(f.type == FrameType::Invalid);
  CHECK(f.error == error);
  CHECK(std::string(to_string(f.error)) != "?");
}

TEST_CASE("odd but harmless fields do not drop a frame", "[protocol]") {
  SECTION("a bad timestamp falls back to now") {
    for (const char* ts : {R"("yesterday")", "-5", "1e308", "null", "[]"}) {
      const auto f = parse_server_frame(std::string(R"({"type":"message","message":"x","timestamp":)") + ts + "}", kNow);
      CAPTURE(ts);
      CHECK(f.type == FrameType::Message);
      CHECK(f.timestamp_ms == kNow);
    }
  }
  SECTION("a millisecond timestamp is kept as milliseconds") {
    const auto f = parse_server_frame(R"({"type":"message","message":"x","timestamp":1764345600123})", kNow);
    CHECK(f.timestamp_ms == 1764345600123);
  }
  SECTION("a fractional seconds timestamp") {
    const auto f = parse_server_frame(R"({"type":"message","message":"x","timestamp":1764345600.5})", kNow);
    CHECK(f.timestamp_ms == 1764345600500);
  }
  SECTION("unknown extra fields and null optionals") {
    const auto f = parse_server_frame(R"({"type":"ack","message":null,"extra":{"deep":[1,2,3]},"client_msg_id":null})", kNow);
    CHECK(f.type == FrameType::Ack);
    CHECK(f.message.empty());
  }
  SECTION("a huge text is cut for display on a code-point boundary") {
    std::string text(100'000, 'a');
    text += "\xC3\xA7";
    const auto f = parse_server_frame(R"({"type":"message","message":")" + text + R"("})", kNow);
    CHECK(f.type == FrameType::Message);
    CHECK(f.message.size() <= kMaxDisplayTextBytes);
  }
  SECTION("format strings and ImGui ids are plain text") {
    const auto f = parse_server_frame(R"({"type":"message","message":"%s%n%d ##id ###x"})", kNow);
    CHECK(f.message == "%s%n%d ##id ###x");
  }
}

TEST_CASE("connect URLs carry user_id and session_id, percent-encoded", "[protocol]") {
  CHECK(build_connect_url("wss://api.example.com/prod", "web-user-1", "session-2") ==
        "wss://api.example.com/prod?user_id=web-user-1&session_id=session-2");
  CHECK(build_connect_url("ws://localhost:3001/dev?token=abc", "a b", "c&d=e") ==
        "ws://localhost:3001/dev?token=abc&user_id=a%20b&session_id=c%26d%3De");
  CHECK(build_connect_url("ws://localhost:3001/?", "u", "s") == "ws://localhost:3001/?user_id=u&session_id=s");
  CHECK(build_connect_url("ws://localhost:3001#frag", "\xC3\xA7", "s") == "ws://localhost:3001?user_id=%C3%A7&session_id=s");
}

TEST_CASE("endpoints: wss everywhere, ws only on loopback", "[protocol]") {
  const auto [url, page_loopback, error] = GENERATE(table<std::string, bool, EndpointError>({
      {"wss://websocket-api.buildingos.com", false, EndpointError::None},
      {"wss://websocket-api.buildingos.com/prod?x=1", false, EndpointError::None},
      {"ws://websocket-api.buildingos.com", false, EndpointError::InsecureOutsideLoopback},
      {"ws://websocket-api.buildingos.com", true, EndpointError::InsecureOutsideLoopback},
      {"ws://localhost:3001", true, EndpointError::None},
      {"ws://127.0.0.1:9", true, EndpointError::None},
      {"ws://[::1]:3001/dev", true, EndpointError::None},
      {"ws://localhost:3001", false, EndpointError::InsecureOutsideLoopback},
      {"http://localhost:3001", true, EndpointError::BadScheme},
      {"javascript:alert(1)", true, EndpointError::BadScheme},
      {"", true, EndpointError::Empty},
      {"wss://", false, EndpointError::NoHost},
      {"wss://bad host", false, EndpointError::BadCharacter},
      {"wss://evil.com\"><script>", false, EndpointError::BadCharacter},
      {"wss://" + std::string(3000, 'a') + ".com", false, EndpointError::TooLong},
  }));
  CAPTURE(url.substr(0, 60), page_loopback);
  CHECK(validate_endpoint(url, page_loopback) == error);
}

TEST_CASE("url_host finds the host, with userinfo, ports and IPv6", "[protocol]") {
  CHECK(url_host("wss://a.b.c:443/x") == "a.b.c");
  CHECK(url_host("ws://user:pw@localhost:3001") == "localhost");
  CHECK(url_host("ws://[::1]:3001/") == "[::1]");
  CHECK(url_host("ws://[::1") == "");
  CHECK(url_host("nothing") == "");
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.evil.com"));
}

TEST_CASE("server timestamps: seconds become milliseconds, absurd values are refused", "[protocol]") {
  int64_t ms = 0;
  CHECK(server_timestamp_to_ms(1764345600, ms));
  CHECK(ms == 1764345600000);
  CHECK(server_timestamp_to_ms(0, ms));
  CHECK(ms == 0);
  CHECK_FALSE(server_timestamp_to_ms(-1, ms));
  CHECK_FALSE(server_timestamp_to_ms(1e300, ms));
  CHECK_FALSE(server_timestamp_to_ms(std::numeric_limits<double>::quiet_NaN(), ms));
  CHECK_FALSE(server_timestamp_to_ms(std::numeric_limits<double>::infinity(), ms));
}

TEST_CASE("fields the engine does not keep are still type-checked", "[protocol]") {
  // ServerFrame no longer carries a message's role and session_id or a status frame's status, but a frame
  // with one of the wrong type is still malformed, as before.
  const auto [text, detail] = GENERATE(table<std::string, std::string>({
      {R"({"type":"message","message":"oi","role":5})", "role is number"},
      {R"({"type":"message","message":"oi","session_id":[]})", "session_id is array"},
      {R"({"type":"status","status":true})", "status is boolean"},
  }));
  const auto f = parse_server_frame(text, kNow);
  CHECK(f.type == FrameType::Invalid);
  CHECK(f.error == FrameError::WrongFieldType);
  CHECK(f.error_detail == detail);
  CHECK(parse_server_frame(R"({"type":"message","message":"oi","role":"user","session_id":null})", kNow).type ==
        FrameType::Message);
}
