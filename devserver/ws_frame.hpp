// ws_frame.hpp: RFC 6455 framing on the server side, with API Gateway's rules: client frames are parsed
// incrementally under the gateway's limits (close 1009 for a frame over 32 KB or a message over 128 KB,
// 1003 for binary frames, 1002/1007 for protocol and UTF-8 errors), and server messages are encoded as
// <= 32 KB frames. Pure: no sockets, no clock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace devserver::ws {

inline constexpr std::size_t kMaxFrameBytes = 32768;     // API Gateway: frame size quota
inline constexpr std::size_t kMaxMessageBytes = 131072;  // API Gateway: message size quota

enum class Opcode : std::uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

namespace close_code {
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kGoingAway = 1001;
inline constexpr std::uint16_t kProtocolError = 1002;
inline constexpr std::uint16_t kUnsupportedData = 1003;
inline constexpr std::uint16_t kNoStatus = 1005;  // never on the wire
inline constexpr std::uint16_t kAbnormal = 1006;  // never on the wire
inline constexpr std::uint16_t kInvalidPayload = 1007;
inline constexpr std::uint16_t kTooBig = 1009;
}  // namespace close_code

// Codes a peer may put in a close frame (RFC 6455 7.4 and the IANA registry).
bool is_sendable_close_code(std::uint32_t code);

struct Event {
  enum class Kind : std::uint8_t {
    kNeedMore,  // the input is used up; call again with more bytes
    kText,      // a complete text message in `payload`
    kPing,
    kPong,
    kClose,  // `code` (kNoStatus when the frame had none) and the reason in `payload`
    kError,  // close the connection with `code`; `payload` is a short reason
  };
  Kind kind = Kind::kNeedMore;
  std::uint16_t code = 0;
  std::string payload;
};

struct ParserLimits {
  std::size_t max_frame_bytes = kMaxFrameBytes;
  std::size_t max_message_bytes = kMaxMessageBytes;
};

// Client-to-server frames (masked). One parser per connection; holds at most one partial message.
class FrameParser {
 public:
  explicit FrameParser(ParserLimits limits = {}) : limits_(limits) {}
  // Consumes bytes from the front of `input` until one event is complete or `input` is empty.
  // After an kError event the parser stays failed and returns the same error.
  Event next(std::string_view& input);
  // Frees the message buffer when it grew large (called between messages to keep idle connections small).
  void trim();

 private:
  Event fail(std::uint16_t code, std::string_view reason);
  Event finish_frame();

  ParserLimits limits_;
  std::uint8_t header_[14] = {};
  std::size_t header_have_ = 0;
  bool in_payload_ = false;
  std::uint64_t remaining_ = 0;
  std::uint8_t mask_[4] = {};
  std::size_t mask_pos_ = 0;
  Opcode opcode_ = Opcode::kContinuation;
  bool fin_ = false;
  bool in_message_ = false;
  std::string message_;
  std::string control_;
  bool failed_ = false;
  std::uint16_t failed_code_ = 0;
  std::string failed_reason_;
};

// Unmasked server frames. A text/binary message longer than `max_frame_bytes` is fragmented.
std::string encode_message(Opcode opcode, std::string_view payload, std::size_t max_frame_bytes = kMaxFrameBytes);
std::string encode_control(Opcode opcode, std::string_view payload);  // payload <= 125 bytes
std::string encode_close(std::uint16_t code, std::string_view reason);

}  // namespace devserver::ws
