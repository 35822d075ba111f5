// protocol.hpp: the wire format between the resident's client and the BuildingOS WebSocket API.
//
// Outgoing frames use exactly the seed client's shapes and key order (nlohmann::ordered_json):
//   {"action":"sendMessage","message":..,"timestamp":<ms>,"user_id":..,"session_id":..,"client_msg_id":..}
//   {"action":"heartbeat","timestamp":<ms>}
//   {"action":"typing","typing":bool,"user_id":..,"timestamp":<ms>}
// Incoming frames are parsed without exceptions, size and depth checked first, every field type-checked.
// Unknown types and malformed frames are reported as a FrameError, never fatal.
// Close codes: the standard ones the engine reads and the private ones (4000-4999) it sends.
// No I/O, no clock: timestamps come in as arguments.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bos {

// Close codes (RFC 6455 7.4). A browser lets a client send only 1000 and 3000-4999.
inline constexpr int kCloseNormal = 1000;
inline constexpr int kClosePolicy = 1008;   // from the server: refused (auth); retrying would not help
inline constexpr int kCloseTooBig = 1009;   // from API Gateway: a frame over its 32 KB limit
inline constexpr int kCloseAppFirst = 4000;  // private use: from the server, an application refusal
inline constexpr int kCloseAppLast = 4999;
inline constexpr int kCloseDeadLink = 4001;        // ours: a heartbeat went unanswered
inline constexpr int kCloseConnectTimeout = 4002;  // ours: the upgrade never completed
inline constexpr int kCloseSendFailed = 4003;      // ours: the socket refused a send

enum class FrameType {
  Ack,
  Message,               // role assistant
  Notification,
  Typing,
  Status,
  Error,
  Heartbeat,
  GatewayForbidden,      // API Gateway: no route matched ({"message": "Forbidden", ...})
  GatewayInternalError,  // API Gateway: the route's Lambda failed ({"message": "Internal server error", ...})
  Invalid,               // see FrameError
};

enum class FrameError {
  None,
  TooLarge,        // over kMaxInboundFrameBytes
  TooDeep,         // nesting over kMaxJsonDepth
  InvalidUtf8,
  InvalidJson,
  NotAnObject,
  MissingType,     // no string "type" (and not an API Gateway error frame)
  UnknownType,
  WrongFieldType,  // a known type whose required field is missing or of the wrong type (keep it last)
};
// Arrays indexed by FrameError have this many entries (static_assert where they are declared).
inline constexpr std::size_t kFrameErrorCount = static_cast<std::size_t>(FrameError::WrongFieldType) + 1;

enum class Priority { Normal, High };

// What the engine reads of a frame. Fields the engine has no use for (a message's "role", a status frame's
// "status") are type-checked, so a malformed frame is still refused, but not kept.
struct ServerFrame {
  FrameType type = FrameType::Invalid;
  FrameError error = FrameError::None;
  std::string error_detail;   // which field, which type (for logs)
  std::string message;        // text, valid UTF-8, cut to kMaxDisplayTextBytes
  std::string client_msg_id;  // ack, error: echoed by servers that support it
  std::string session_id;     // message (a reply): the session of the message it answers, cut to 128 bytes
  std::string connection_id;  // status (dev server extension) and API Gateway error frames
  std::string request_id;     // API Gateway error frames
  std::string agent;          // typing frames
  Priority priority = Priority::Normal;
  bool typing = false;
  int64_t timestamp_ms = 0;   // server timestamps are seconds; converted here; `now` if missing or absurd
};

const char* to_string(FrameType t);
const char* to_string(FrameError e);

// Parses one text frame from the server. `now_ms` stands in for a missing or absurd timestamp.
ServerFrame parse_server_frame(std::string_view text, int64_t now_ms);

// Outgoing frames (exact seed shapes). Text must be valid UTF-8 (the engine repairs it before).
std::string encode_send_message(std::string_view text, int64_t timestamp_ms, std::string_view user_id,
                                std::string_view session_id, std::string_view client_msg_id);
std::string encode_heartbeat(int64_t timestamp_ms);
std::string encode_typing(bool typing, std::string_view user_id, int64_t timestamp_ms);

// Server timestamps are seconds (int(time.time())); values that already look like milliseconds are kept.
// Returns false for non-finite, negative or absurd values.
bool server_timestamp_to_ms(double value, int64_t& out_ms);

// ws(s)://host/path?existing&user_id=..&session_id=.. (query values percent-encoded).
// With a token (issue 13): ...&token=<token>, API Gateway's REQUEST authorizer reads it from the query.
std::string build_connect_url(std::string_view endpoint, std::string_view user_id, std::string_view session_id,
                              std::string_view token = {});
std::string percent_encode(std::string_view s);

enum class EndpointError { None, Empty, BadScheme, InsecureOutsideLoopback, NoHost, TooLong, BadCharacter };
const char* to_string(EndpointError e);
// wss:// is always accepted; ws:// only when both the endpoint's host and the page's host are loopback
// (a plain socket from a real site would be mixed content, and readable on the way).
EndpointError validate_endpoint(std::string_view url, bool page_is_loopback);
bool is_loopback_host(std::string_view host);
// The host part of a ws/wss/http/https URL ("" if none); brackets kept for IPv6 ("[::1]").
std::string_view url_host(std::string_view url);

}  // namespace bos
