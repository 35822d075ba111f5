// ws_frame.cpp: see ws_frame.hpp.
#include "ws_frame.hpp"

#include <algorithm>

#include "encoding.hpp"

namespace devserver::ws {

namespace {

constexpr std::size_t kTrimAboveBytes = 16 * 1024;

void append_header(std::string& out, std::uint8_t first_byte, std::size_t length) {
  out.push_back(static_cast<char>(first_byte));
  if (length < 126) {
    out.push_back(static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>((length >> 8) & 0xFF));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    const auto len64 = static_cast<std::uint64_t>(length);
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((len64 >> s) & 0xFF));
  }
}

bool is_control(Opcode op) { return static_cast<std::uint8_t>(op) >= 8; }

}  // namespace

bool is_sendable_close_code(std::uint32_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

Event FrameParser::fail(std::uint16_t code, std::string_view reason) {
  failed_ = true;
  failed_code_ = code;
  failed_reason_ = std::string(reason);
  message_.clear();
  control_.clear();
  return Event{Event::Kind::kError, code, failed_reason_};
}

void FrameParser::trim() {
  if (!in_message_ && message_.capacity() > kTrimAboveBytes) std::string().swap(message_);
}

Event FrameParser::next(std::string_view& input) {
  if (failed_) return Event{Event::Kind::kError, failed_code_, failed_reason_};
  while (!input.empty()) {
    if (!in_payload_) {
      // Collect the header: 2 bytes, then the extended length and the mask key.
      if (header_have_ < 2) {
        header_[header_have_++] = static_cast<std::uint8_t>(input.front());
        input.remove_prefix(1);
        continue;
      }
      const std::uint8_t len7 = header_[1] & 0x7F;
      const bool masked = (header_[1] & 0x80) != 0;
      const std::size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
      if (header_have_ < need) {
        const std::size_t take = std::min(need - header_have_, input.size());
        std::copy_n(input.data(), take, header_ + header_have_);
        header_have_ += take;
        input.remove_prefix(take);
        if (header_have_ < need) return Event{};
      }
      // Validate the complete header.
      const std::uint8_t b0 = header_[0];
      fin_ = (b0 & 0x80) != 0;
      if ((b0 & 0x70) != 0) return fail(close_code::kProtocolError, "reserved bits set");
      const std::uint8_t op = b0 & 0x0F;
      if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10) {
        return fail(close_code::kProtocolError, "unknown opcode");
      }
      opcode_ = static_cast<Opcode>(op);
      if (!masked) return fail(close_code::kProtocolError, "client frame not masked");
      std::uint64_t length = len7;
      std::size_t pos = 2;
      if (len7 == 126) {
        length = (std::uint64_t{header_[2]} << 8) | header_[3];
        pos = 4;
      } else if (len7 == 127) {
        length = 0;
        for (std::size_t k = 0; k < 8; ++k) length = (length << 8) | header_[2 + k];
        pos = 10;
        if (length >> 63) return fail(close_code::kProtocolError, "invalid length");
      }
      std::copy_n(header_ + pos, 4, mask_);
      mask_pos_ = 0;
      header_have_ = 0;
      if (is_control(opcode_)) {
        if (!fin_ || length > 125) return fail(close_code::kProtocolError, "invalid control frame");
        control_.clear();
      } else {
        if (opcode_ == Opcode::kContinuation && !in_message_) {
          return fail(close_code::kProtocolError, "continuation without a message");
        }
        if (opcode_ != Opcode::kContinuation && in_message_) {
          return fail(close_code::kProtocolError, "new message inside a fragmented one");
        }
        // API Gateway rejects binary frames with 1003 (websocket-api-develop-binary-media-types).
        if (opcode_ == Opcode::kBinary) return fail(close_code::kUnsupportedData, "binary frames are not supported");
        if (length > limits_.max_frame_bytes) return fail(close_code::kTooBig, "frame too big");
        if (message_.size() + length > limits_.max_message_bytes) return fail(close_code::kTooBig, "message too big");
        if (opcode_ != Opcode::kContinuation) {
          in_message_ = true;
          message_.clear();
        }
      }
      remaining_ = length;
      in_payload_ = true;
      if (remaining_ == 0) {
        Event ev = finish_frame();
        if (ev.kind != Event::Kind::kNeedMore) return ev;
      }
      continue;
    }
    // Payload bytes, unmasked into the message or control buffer.
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
    std::string& target = is_control(opcode_) ? control_ : message_;
    const std::size_t base = target.size();
    target.append(input.data(), take);
    for (std::size_t k = 0; k < take; ++k) {
      target[base + k] = static_cast<char>(static_cast<std::uint8_t>(target[base + k]) ^ mask_[mask_pos_]);
      mask_pos_ = (mask_pos_ + 1) & 3;
    }
    input.remove_prefix(take);
    remaining_ -= take;
    if (remaining_ == 0) {
      Event ev = finish_frame();
      if (ev.kind != Event::Kind::kNeedMore) return ev;
    }
  }
  return Event{};
}

Event FrameParser::finish_frame() {
  in_payload_ = false;
  switch (opcode_) {
    case Opcode::kPing: return Event{Event::Kind::kPing, 0, std::move(control_)};
    case Opcode::kPong: return Event{Event::Kind::kPong, 0, std::move(control_)};
    case Opcode::kClose: {
      if (control_.empty()) return Event{Event::Kind::kClose, close_code::kNoStatus, {}};
      if (control_.size() == 1) return fail(close_code::kProtocolError, "invalid close payload");
      const std::uint32_t code =
          (std::uint32_t{static_cast<std::uint8_t>(control_[0])} << 8) | static_cast<std::uint8_t>(control_[1]);
      if (!is_sendable_close_code(code)) return fail(close_code::kProtocolError, "invalid close code");
      std::string reason = control_.substr(2);
      if (!is_valid_utf8(reason)) return fail(close_code::kInvalidPayload, "invalid UTF-8 in close reason");
      return Event{Event::Kind::kClose, static_cast<std::uint16_t>(code), std::move(reason)};
    }
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kContinuation:
      if (!fin_) return Event{};
      in_message_ = false;
      if (!is_valid_utf8(message_)) return fail(close_code::kInvalidPayload, "invalid UTF-8 in text message");
      {
        Event ev{Event::Kind::kText, 0, std::move(message_)};
        message_.clear();
        return ev;
      }
  }
  return Event{};
}

std::string encode_message(Opcode opcode, std::string_view payload, std::size_t max_frame_bytes) {
  if (max_frame_bytes == 0) max_frame_bytes = kMaxFrameBytes;
  std::string out;
  out.reserve(payload.size() + 14 * (payload.size() / max_frame_bytes + 1));
  std::size_t offset = 0;
  bool first = true;
  do {
    const std::size_t len = std::min(max_frame_bytes, payload.size() - offset);
    const bool fin = offset + len == payload.size();
    const auto op = first ? static_cast<std::uint8_t>(opcode) : std::uint8_t{0};
    append_header(out, static_cast<std::uint8_t>((fin ? 0x80 : 0x00) | op), len);
    out.append(payload.data() + offset, len);
    offset += len;
    first = false;
  } while (offset < payload.size());
  return out;
}

std::string encode_control(Opcode opcode, std::string_view payload) {
  const std::string_view body = payload.substr(0, std::min<std::size_t>(payload.size(), 125));
  std::string out;
  append_header(out, static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode)), body.size());
  out.append(body);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>((code >> 8) & 0xFF));
  body.push_back(static_cast<char>(code & 0xFF));
  body.append(reason.substr(0, std::min<std::size_t>(reason.size(), 123)));
  return encode_control(Opcode::kClose, body);
}

}  // namespace devserver::ws
