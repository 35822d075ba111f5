// ws_connection.cpp: see ws_connection.hpp.
// Index:
//   [SECTION] construction
//   [SECTION] reading
//   [SECTION] writing
//   [SECTION] closing
//   [SECTION] deadlines
#include "ws_connection.hpp"

#include <algorithm>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "server.hpp"

namespace devserver {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kShrinkQueueAbove = 64;

SharedFrame make_frame(std::string bytes) { return std::make_shared<const std::string>(std::move(bytes)); }

}  // namespace

const char* to_string(SendResult result) {
  switch (result) {
    case SendResult::kSent: return "sent";
    case SendResult::kGone: return "gone";
    case SendResult::kBufferFull: return "buffer full";
  }
  return "unknown";
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] construction
//-----------------------------------------------------------------------------------------------------------

WsConnection::WsConnection(Server& server, asio::ip::tcp::socket socket, ConnectionSetup setup)
    : server_(server),
      socket_(std::move(socket)),
      setup_(std::move(setup)),
      fault_rng_(setup_.fault_seed),
      idle_deadline_ms_(kNever),
      max_deadline_ms_(kNever),
      drop_at_ms_(kNever),
      swallow_at_ms_(kNever),
      close_deadline_ms_(kNever),
      scheduled_check_ms_(kNever) {
  const Options& opt = server_.options();
  const std::int64_t now = server_.scheduler().now_ms();
  connected_at_epoch_ms_ = last_active_epoch_ms_ = epoch_ms_now();
  idle_deadline_ms_ = now + opt.idle_timeout_s * 1000;
  max_deadline_ms_ = now + opt.max_duration_s * 1000;
  // Draw in a fixed order so one --seed gives the same faults run after run.
  if (opt.faults.drop) drop_at_ms_ = now + fault_rng_.between(opt.faults.drop_min_ms, opt.faults.drop_max_ms);
  if (opt.faults.swallow_ms >= 0) swallow_at_ms_ = now + opt.faults.swallow_ms;
}

void WsConnection::start(std::string leftover) {
  error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) {
    leave(ws::close_code::kAbnormal, "socket error");
    finish_socket();
    return;
  }
  schedule_check(std::min({idle_deadline_ms_, max_deadline_ms_, drop_at_ms_, swallow_at_ms_}));
  if (!leftover.empty()) handle_bytes(leftover);
  wait_readable();
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] reading
//-----------------------------------------------------------------------------------------------------------

void WsConnection::wait_readable() {
  if (reading_ || state_ == State::kDone) return;
  reading_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) { self->on_readable(ec); });
}

void WsConnection::on_readable(const error_code& ec) {
  reading_ = false;
  if (state_ == State::kDone) return;
  if (ec) {
    leave(ws::close_code::kAbnormal, "connection lost");
    finish_socket();
    return;
  }
  // Single-threaded, so one scratch buffer serves every connection; the parser copies what it keeps.
  error_code read_ec;
  const std::size_t n = socket_.read_some(asio::buffer(server_.scratch(), server_.scratch_size()), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    wait_readable();
    return;
  }
  if (read_ec || n == 0) {
    // EOF or reset. After our close frame that is the end of a clean close; before it, abnormal (1006).
    leave(ws::close_code::kAbnormal, "Connection closed abnormally");
    finish_socket();
    return;
  }
  handle_bytes(std::string_view(server_.scratch(), n));
  wait_readable();
}

void WsConnection::handle_bytes(std::string_view bytes) {
  while (state_ != State::kDone && !swallowed_ && !parser_failed_ && !bytes.empty()) {
    ws::Event ev = parser_.next(bytes);
    switch (ev.kind) {
      case ws::Event::Kind::kNeedMore:
        return;
      case ws::Event::Kind::kText:
        if (state_ != State::kOpen) break;  // data after a close frame is ignored
        idle_deadline_ms_ = server_.scheduler().now_ms() + server_.options().idle_timeout_s * 1000;
        last_active_epoch_ms_ = epoch_ms_now();
        parser_.trim();
        server_.on_text(*this, std::move(ev.payload));
        break;
      case ws::Event::Kind::kPing:
        // Answered by the gateway itself, never forwarded, and not counted as activity.
        if (state_ == State::kOpen) enqueue(make_frame(ws::encode_control(ws::Opcode::kPong, ev.payload)), false);
        break;
      case ws::Event::Kind::kPong:
        break;
      case ws::Event::Kind::kClose:
        if (state_ == State::kOpen) {
          // Client-initiated close: echo its code, then close TCP once the reply is written.
          const bool has_code = ev.code != ws::close_code::kNoStatus;
          leave(ev.code, has_code ? std::string_view(ev.payload) : "Client-side close frame status not set");
          state_ = State::kClosingReceived;
          close_deadline_ms_ = server_.scheduler().now_ms() + kCloseHandshakeTimeoutMs;
          schedule_check(close_deadline_ms_);
          enqueue(make_frame(has_code ? ws::encode_close(ev.code, {}) : ws::encode_control(ws::Opcode::kClose, {})),
                  false);
          return;
        }
        if (state_ == State::kClosingSent) {
          // The handshake is complete; the server closes TCP first (RFC 6455 7.1.1), once our own close
          // frame is out (both sides may have closed at the same time).
          state_ = State::kClosingReceived;
          if (!writing_ && queue_.empty()) finish_socket();
        }
        return;
      case ws::Event::Kind::kError:
        // From here on the byte stream cannot be parsed: later bytes are discarded until EOF or the close
        // deadline, so our close frame is not lost to a reset.
        parser_failed_ = true;
        if (state_ == State::kOpen) {
          server_.log("protocol-error " + setup_.id + " code=" + std::to_string(ev.code) + " (" + ev.payload + ")");
          begin_close(ev.code, ev.payload, true);
        }
        return;
    }
  }
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] writing
//-----------------------------------------------------------------------------------------------------------

SendResult WsConnection::send_data(const SharedFrame& frames) { return enqueue(frames, true); }

SendResult WsConnection::enqueue(const SharedFrame& frames, bool is_data) {
  if (state_ == State::kDone || (is_data && state_ != State::kOpen)) return SendResult::kGone;
  if (swallowed_) {
    // A dead link: the gateway accepts the message and it never arrives.
    if (is_data) server_.count_dropped_frame();
    return SendResult::kSent;
  }
  // The close frame always fits (it is the last one); pongs do not, or a ping flood could grow the queue.
  const bool is_close = !is_data && frames->size() >= 2 && (static_cast<std::uint8_t>((*frames)[0]) & 0x0F) == 8;
  if (!is_close && queued_bytes_ + frames->size() > kMaxQueuedBytesPerConnection) {
    if (is_data) server_.count_dropped_frame();
    return SendResult::kBufferFull;
  }
  queue_.push_back(frames);
  queued_bytes_ += frames->size();
  if (is_data) {
    server_.count_sent_frame();
    idle_deadline_ms_ = server_.scheduler().now_ms() + server_.options().idle_timeout_s * 1000;
    last_active_epoch_ms_ = epoch_ms_now();
  }
  flush();
  return SendResult::kSent;
}

void WsConnection::flush() {
  if (writing_ || queue_.empty() || state_ == State::kDone) return;
  writing_ = true;
  in_flight_.swap(queue_);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const auto& f : in_flight_) buffers.emplace_back(f->data(), f->size());
  // The frames stay alive in in_flight_ until the handler runs; the buffer list is copied into the op.
  asio::async_write(socket_, buffers,
                    [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_written(ec); });
}

void WsConnection::on_written(const error_code& ec) {
  writing_ = false;
  for (const auto& f : in_flight_) queued_bytes_ -= f->size();
  in_flight_.clear();
  if (in_flight_.capacity() > kShrinkQueueAbove) std::vector<SharedFrame>().swap(in_flight_);
  if (state_ == State::kDone) return;
  if (ec) {
    leave(ws::close_code::kAbnormal, "connection lost");
    finish_socket();
    return;
  }
  if (!queue_.empty()) {
    flush();
    return;
  }
  if (queue_.capacity() > kShrinkQueueAbove) std::vector<SharedFrame>().swap(queue_);
  if (state_ == State::kClosingReceived) {
    finish_socket();  // our close reply is out
  } else if (state_ == State::kClosingSent && shutdown_after_flush_) {
    // After a protocol error the byte stream cannot be parsed any more: half-close so the client sees
    // our close frame and then EOF, instead of waiting for a reply we could not read.
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] closing
//-----------------------------------------------------------------------------------------------------------

void WsConnection::close(std::uint16_t code, std::string_view reason) { begin_close(code, reason, false); }

void WsConnection::begin_close(std::uint16_t code, std::string_view reason, bool parser_failed) {
  if (state_ != State::kOpen) return;
  leave(code, reason);
  if (swallowed_) {
    finish_socket();  // nothing gets through a dead link, not even a close frame
    return;
  }
  state_ = State::kClosingSent;
  shutdown_after_flush_ = parser_failed;
  close_deadline_ms_ = server_.scheduler().now_ms() + kCloseHandshakeTimeoutMs;
  schedule_check(close_deadline_ms_);
  enqueue(make_frame(ws::encode_close(code, reason)), false);
}

void WsConnection::drop(std::string_view why) {
  if (state_ == State::kDone) return;
  leave(ws::close_code::kAbnormal, why);
  finish_socket();
}

void WsConnection::leave(std::uint16_t code, std::string_view reason) {
  if (left_) return;
  left_ = true;
  server_.on_closed(*this, code, reason);
}

void WsConnection::finish_socket() {
  if (state_ == State::kDone) return;
  state_ = State::kDone;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  queue_.clear();
  queue_.shrink_to_fit();
  queued_bytes_ = 0;
  parser_ = ws::FrameParser{};
  if (scheduled_check_ms_ != kNever) server_.scheduler().cancel(check_ticket_);
  scheduled_check_ms_ = kNever;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] deadlines
//-----------------------------------------------------------------------------------------------------------

void WsConnection::schedule_check(std::int64_t due_ms) {
  if (due_ms == kNever || due_ms >= scheduled_check_ms_ || state_ == State::kDone) return;
  if (scheduled_check_ms_ != kNever) server_.scheduler().cancel(check_ticket_);
  scheduled_check_ms_ = due_ms;
  check_ticket_ = server_.scheduler().at(due_ms, [weak = weak_from_this(), due_ms] {
    const auto self = weak.lock();
    if (!self) return;
    if (self->scheduled_check_ms_ == due_ms) self->scheduled_check_ms_ = kNever;
    self->check_deadlines();
  });
}

void WsConnection::check_deadlines() {
  if (state_ == State::kDone) return;
  const std::int64_t now = server_.scheduler().now_ms();
  if (state_ != State::kOpen) {
    if (now >= close_deadline_ms_) {
      finish_socket();
      return;
    }
    schedule_check(close_deadline_ms_);
    return;
  }
  if (now >= drop_at_ms_) {
    server_.log("fault drop " + setup_.id);
    server_.on_fault_drop(*this);
    drop("fault: drop");
    return;
  }
  if (!swallowed_ && now >= swallow_at_ms_) {
    server_.log("fault swallow " + setup_.id);
    swallowed_ = true;
    swallow_at_ms_ = kNever;
    queue_.clear();  // whatever has not reached the socket yet is lost with the link
    queued_bytes_ = 0;
    for (const auto& f : in_flight_) queued_bytes_ += f->size();
  }
  if (now >= max_deadline_ms_ || now >= idle_deadline_ms_) {
    begin_close(ws::close_code::kGoingAway, "Going away", false);
    return;
  }
  schedule_check(std::min({idle_deadline_ms_, max_deadline_ms_, drop_at_ms_, swallowed_ ? kNever : swallow_at_ms_}));
}

}  // namespace devserver
