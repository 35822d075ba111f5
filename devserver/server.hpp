// server.hpp: the emulated API Gateway WebSocket API and the seed's Lambdas behind it.
//   [gateway]  handshake rules ($connect, the REQUEST authorizer under --auth-secret), connection registry,
//              route selection on $request.body.action, the byte-exact Forbidden / Internal server error /
//              Endpoint request timed out frames, the @connections API, the Host check (DNS rebinding)
//   [lambdas]  websocket_manager (sendMessage / typing / heartbeat, "Enhanced for production" version, or
//              the ids contract: --backend), its faults, websocket_responder (via the demo assistant and
//              POST /notify)
//   [dev]      /__dev/* endpoints for tests and benchmarks, static files, config.json
// Single-threaded: everything runs on one io_context.
#pragma once
#include <array>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "auth.hpp"
#include "encoding.hpp"
#include "message_log.hpp"
#include "options.hpp"
#include "scheduler.hpp"
#include "ws_connection.hpp"

namespace devserver {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

inline constexpr std::size_t kMaxQueuedBytesPerConnection = 16u * 1024u * 1024u;
inline constexpr std::size_t kMaxHttpBodyBytes = 131072;  // @connections POST limit; also for our endpoints
inline constexpr std::size_t kMaxUrlBytes = 4096;         // API Gateway's URL limit
inline constexpr std::int64_t kCloseHandshakeTimeoutMs = 2000;
inline constexpr std::size_t kMaxBurstCount = 1000000;
inline constexpr std::size_t kMaxBurstSuffixes = 1000;  // /__dev/burst's text_suffixes

struct Stats {
  std::uint64_t total_connections = 0;
  std::uint64_t frames_in = 0;       // data messages received
  std::uint64_t frames_out = 0;      // data messages queued to clients
  std::uint64_t frames_dropped = 0;  // data messages not sent (client buffer full, swallowed link)
};

// The registry's view of one user (the authorized sub under --auth-secret): replies, notifications and
// bursts go to these. The user's executed messages live in the MessageLog.
struct UserState {
  std::vector<std::string> connection_ids;  // open connections, in connect order
};

// How one sendMessage invocation fails, if it does (--fault silent-fail / handler-error / publish-fail).
enum class LambdaFailure { kNone, kSilent, kHandlerError, kPublish };

// What one sendMessage invocation will meet. Drawn when the event arrives, in a fixed order, from the
// connection's fault stream, so a cold start that reorders invocations cannot change later draws.
struct Invocation {
  std::string request_id;
  std::int64_t cold_start_ms = 0;
  LambdaFailure failure = LambdaFailure::kNone;
  bool drop_ack = false;
};

// The gateway's answer to an upgrade request: 101 with `setup`, or an HTTP error response.
struct UpgradeDecision {
  bool accept = false;
  HttpResponse rejection;
  ConnectionSetup setup;
  std::string accept_key;
};

class Server {
 public:
  Server(boost::asio::io_context& io, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  struct ListenError {
    std::string message;
    bool bad_argument = false;  // --host is not an address (exit 2) rather than e.g. port in use (exit 1)
  };
  std::optional<ListenError> listen();
  void start();
  // Stops accepting and closes every connection with 1001 "Going away"; `done` runs once they are
  // closed or after a short grace period.
  void stop(std::function<void()> done);
  std::uint16_t port() const { return port_; }
  std::string endpoint_url() const;  // ws://HOST:PORT
  std::uint64_t seed() const { return seed_; }

  // [session] HTTP side.
  const Options& options() const { return options_; }
  UpgradeDecision decide_upgrade(const HttpRequest& req, const boost::asio::ip::tcp::endpoint& remote);
  void open_connection(boost::asio::ip::tcp::socket socket, ConnectionSetup setup, std::string leftover);
  HttpResponse handle_http(const HttpRequest& req);
  // The @connections management API path: "/@connections/{id}" or "/{stage}/@connections/{id}", the "@"
  // possibly spelled "%40". Returns the raw (still percent-encoded) id.
  static std::optional<std::string_view> connections_id_of(std::string_view path);
  static bool is_connections_target(std::string_view target);
  static HttpResponse simple_response(const HttpRequest* req, unsigned status, std::string_view message,
                                      std::string_view error_type = {});

  // [connection] WebSocket side.
  void on_text(WsConnection& conn, std::string text);
  void on_closed(WsConnection& conn, std::uint16_t code, std::string_view reason);
  void on_fault_drop(WsConnection& conn);
  void count_dropped_frame() { ++stats_.frames_dropped; }
  void count_sent_frame() { ++stats_.frames_out; }
  Scheduler& scheduler() { return scheduler_; }
  char* scratch() { return scratch_.data(); }
  std::size_t scratch_size() const { return scratch_.size(); }
  void log(const std::string& line) const;

 private:
  // [gateway]
  void accept_next();
  std::string new_id();
  bool origin_allowed(std::string_view origin) const;
  bool take_connection_token();
  void send_to(WsConnection& conn, const std::string& json_text);
  std::size_t broadcast(const std::string& user_id, const std::string& json_text);
  // {"message": "<message>", "connectionId":"...", "requestId":"..."}: Forbidden, Internal server error,
  // Endpoint request timed out, byte-exact (only the first colon has a space after it).
  std::string gateway_error_frame(const WsConnection& conn, std::string_view message, const std::string& request_id) const;
  HttpResponse handle_connections_api(const HttpRequest& req, std::string_view raw_id);
  bool host_allowed(const HttpRequest& req) const;
  // [lambdas]
  void lambda_send_message(WsConnection& conn, nlohmann::json body, const std::string& request_id);
  void run_send_message(const std::string& conn_id, const nlohmann::json& body, const Invocation& invocation);
  // The ack, possibly late (ack-delay) or dropped (ack-drop); `then_frame` follows it (publish-fail).
  void send_ack(WsConnection& conn, const std::optional<std::string>& client_msg_id, bool drop_ack,
                std::optional<std::string> then_frame = std::nullopt);
  std::string error_frame(const std::optional<std::string>& client_msg_id) const;
  void schedule_assistant_reply(const std::string& user_id, const std::string& session_id, std::string text);
  // [dev]
  HttpResponse handle_notify(const HttpRequest& req);
  HttpResponse handle_dev(const HttpRequest& req, std::string_view path, std::string_view query);
  HttpResponse handle_static(const HttpRequest& req, std::string_view path);
  HttpResponse handle_config(const HttpRequest& req);

  boost::asio::io_context& io_;
  Options options_;
  Scheduler scheduler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  std::uint16_t port_ = 0;
  std::string static_root_;  // canonical, empty when --static is not given
  std::uint64_t seed_ = 0;
  Rng id_rng_;
  std::uint64_t connection_ordinal_ = 0;
  std::unordered_map<std::string, std::shared_ptr<WsConnection>> conns_;
  std::unordered_map<std::string, UserState> users_;
  MessageLog message_log_;
  RevokedJtis revoked_;
  Stats stats_;
  double rate_tokens_ = 0;
  std::int64_t rate_refilled_ms_ = 0;
  std::int64_t refuse_until_ms_ = 0;
  bool stopped_ = false;
  std::int64_t last_accept_error_log_ms_ = -1000000;
  std::array<char, 64 * 1024> scratch_{};
};

}  // namespace devserver
