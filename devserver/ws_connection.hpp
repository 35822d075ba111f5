// ws_connection.hpp: one accepted WebSocket connection after the 101: reads frames, answers pings, writes
// queued frames, and keeps its timers as deadlines (idle, max duration, faults, close handshake) that the
// server's Scheduler checks lazily. Kept small on purpose (10,000 of them must fit): no read buffer of its
// own while idle (reads go through the server's scratch buffer), no per-connection Asio timer.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "encoding.hpp"
#include "scheduler.hpp"
#include "ws_frame.hpp"

namespace devserver {

class Server;

enum class SendResult { kSent, kGone, kBufferFull };
const char* to_string(SendResult result);

// What the gateway knows about a connection once $connect accepted it.
struct ConnectionSetup {
  std::string id;
  std::string user_id;     // under --auth-secret: the token's sub (the query's user_id must equal it)
  std::string session_id;
  std::string jti;         // the token's jti under --auth-secret, else empty
  std::string source_ip;
  std::optional<std::string> user_agent;
  std::uint64_t fault_seed = 0;
};

using SharedFrame = std::shared_ptr<const std::string>;  // encoded frame bytes, shared by every receiver

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(Server& server, boost::asio::ip::tcp::socket socket, ConnectionSetup setup);
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  // Starts reading; `leftover` holds bytes the client sent right behind its handshake.
  void start(std::string leftover);
  // A data message, already encoded as frames. Resets the idle deadline.
  SendResult send_data(const SharedFrame& frames);
  // Starts the close handshake (close frame with `code`), as the gateway does on timeouts and DELETE.
  void close(std::uint16_t code, std::string_view reason);
  // Abnormal closure: no close frame, the TCP connection just goes away (clients see 1006).
  void drop(std::string_view why);

  bool is_open() const { return state_ == State::kOpen; }
  bool is_done() const { return state_ == State::kDone; }
  const ConnectionSetup& setup() const { return setup_; }
  const std::string& id() const { return setup_.id; }
  const std::string& user_id() const { return setup_.user_id; }
  std::int64_t connected_at_epoch_ms() const { return connected_at_epoch_ms_; }
  std::int64_t last_active_epoch_ms() const { return last_active_epoch_ms_; }
  Rng& fault_rng() { return fault_rng_; }

 private:
  enum class State : std::uint8_t { kOpen, kClosingSent, kClosingReceived, kDone };

  void wait_readable();
  void on_readable(const boost::system::error_code& ec);
  void handle_bytes(std::string_view bytes);
  SendResult enqueue(const SharedFrame& frames, bool is_data);
  void flush();
  void on_written(const boost::system::error_code& ec);
  void check_deadlines();
  void schedule_check(std::int64_t due_ms);
  void begin_close(std::uint16_t code, std::string_view reason, bool parser_failed);
  void leave(std::uint16_t code, std::string_view reason);
  void finish_socket();

  Server& server_;
  boost::asio::ip::tcp::socket socket_;
  ConnectionSetup setup_;
  ws::FrameParser parser_;
  Rng fault_rng_;
  State state_ = State::kOpen;
  bool reading_ = false;
  bool writing_ = false;
  bool swallowed_ = false;
  bool left_ = false;
  bool shutdown_after_flush_ = false;
  bool parser_failed_ = false;
  std::vector<SharedFrame> queue_;
  std::vector<SharedFrame> in_flight_;
  std::size_t queued_bytes_ = 0;
  std::int64_t connected_at_epoch_ms_ = 0;
  std::int64_t last_active_epoch_ms_ = 0;
  std::int64_t idle_deadline_ms_;
  std::int64_t max_deadline_ms_;
  std::int64_t drop_at_ms_;
  std::int64_t swallow_at_ms_;
  std::int64_t close_deadline_ms_;
  std::int64_t scheduled_check_ms_;
  // The pending check, cancelled when superseded or when the socket is done: a check left in the
  // scheduler keeps this object's memory (make_shared) until the idle deadline, minutes after the close.
  Scheduler::Ticket check_ticket_{};
};

}  // namespace devserver
