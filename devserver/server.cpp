// server.cpp: [gateway] listening, $connect rules, the registry, route selection, the @connections API.
// The seed's Lambdas are in lambdas.cpp; dev endpoints, static files and /notify in dev_endpoints.cpp.
// Index:
//   [SECTION] helpers (origins, paths, log redaction, shutdown grace)
//   [SECTION] lifecycle (construction, listen, start, stop, accept)
//   [SECTION] HTTP helpers (responses, @connections paths, the Host check)
//   [SECTION] $connect (handshake rules, the token authorizer, open/close)
//   [SECTION] routing ($request.body.action, gateway error frames)
//   [SECTION] @connections
//   [SECTION] plain HTTP routing
#include "server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include "host_check.hpp"
#include "http_session.hpp"
#include "pyjson.hpp"
#include "ws_frame.hpp"

namespace devserver {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;
using tcp = asio::ip::tcp;

//-----------------------------------------------------------------------------------------------------------
// [SECTION] helpers (origins, paths, log redaction, shutdown grace)
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxUserAgentBytes = 512;
constexpr std::size_t kMaxJsonDepth = 512;
constexpr std::int64_t kStopGraceMs = 300;

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// "http://HOST[:PORT]" -> HOST (with brackets for IPv6), lower case; empty when malformed.
std::string origin_host(const std::string& normalized) {
  const std::size_t scheme_end = normalized.find("://");
  if (scheme_end == std::string::npos) return {};
  std::string rest = normalized.substr(scheme_end + 3);
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    return close == std::string::npos ? std::string() : rest.substr(0, close + 1);
  }
  return rest.substr(0, rest.find(':'));
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The request target for a log line, with any token=... value replaced: tokens are credentials.
std::string loggable_target(std::string_view target) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return sanitize_for_log(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const auto decoded = percent_decode(key);
    out += decoded.value_or(std::string(key)) == "token" ? std::string(key) + "=<redacted>" : std::string(pair);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return sanitize_for_log(out);
}

std::string_view query_of(std::string_view target) {
  const std::size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

// Waits until every connection closed at shutdown is done, or the deadline passes, then runs `done`.
struct StopGrace : std::enable_shared_from_this<StopGrace> {
  StopGrace(asio::io_context& io, std::chrono::milliseconds grace, std::function<void()> on_done)
      : timer(io), deadline(std::chrono::steady_clock::now() + grace), done(std::move(on_done)) {}
  void poll() {
    const bool all_done = std::all_of(closing.begin(), closing.end(), [](const std::weak_ptr<WsConnection>& w) {
      const auto c = w.lock();
      return !c || c->is_done();
    });
    if (all_done || std::chrono::steady_clock::now() >= deadline) {
      if (done) std::exchange(done, nullptr)();
      return;
    }
    timer.expires_after(std::chrono::milliseconds(10));
    timer.async_wait([self = shared_from_this()](const error_code&) { self->poll(); });
  }
  std::vector<std::weak_ptr<WsConnection>> closing;
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> done;
};

}  // namespace

//-----------------------------------------------------------------------------------------------------------
// [SECTION] lifecycle (construction, listen, start, stop, accept)
//-----------------------------------------------------------------------------------------------------------

Server::Server(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      scheduler_(io),
      acceptor_(io),
      accept_retry_timer_(io),
      seed_(options_.seed ? *options_.seed : random_seed()),
      id_rng_(mix_seed(seed_, 0)),
      message_log_(LogLimits{kMaxLogRecordsPerUser, kMaxLogBytesPerUser,
                             static_cast<std::size_t>(options_.max_log_records),
                             static_cast<std::size_t>(options_.max_log_bytes)}) {
  rate_tokens_ = static_cast<double>(options_.max_new_conn_per_s);
  if (!options_.static_dir.empty()) {
    std::error_code ec;
    static_root_ = std::filesystem::canonical(options_.static_dir, ec).string();
    if (ec) static_root_.clear();
  }
}

Server::~Server() = default;

void Server::log(const std::string& line) const {
  if (options_.quiet) return;
  const std::int64_t ms = epoch_ms_now();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  std::fprintf(stderr, "devserver %02d:%02d:%02d.%03d %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
               static_cast<int>(ms % 1000), line.c_str());
}

std::optional<Server::ListenError> Server::listen() {
  error_code ec;
  const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return ListenError{"--host: '" + sanitize_for_log(options_.host, 60) +
                           "' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or localhost)",
                       true};
  }
  if (!options_.revoked_jti_path.empty()) {
    if (std::string err = revoked_.load_file(options_.revoked_jti_path); !err.empty()) return ListenError{err, true};
  }
  const tcp::endpoint endpoint(address, options_.port);
  const std::string where = sanitize_for_log(options_.host, 60) + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ListenError{"cannot listen on " + where + ": " + ec.message(), false};
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return ListenError{"cannot read the bound port: " + ec.message(), false};
  return std::nullopt;
}

std::string Server::endpoint_url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return "ws://" + (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port_);
}

void Server::start() {
  std::string auth = "auth off";
  if (!options_.auth_secret.empty()) auth = "auth required (" + std::to_string(revoked_.size()) + " revoked jtis)";
  log("seed " + std::to_string(seed_) + ", backend " + to_string(options_.backend) + ", " + auth +
      (options_.static_dir.empty() ? "" : ", static " + static_root_));
  accept_next();
}

void Server::stop(std::function<void()> done) {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  std::vector<std::shared_ptr<WsConnection>> open;
  open.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) open.push_back(conn);
  for (const auto& conn : open) conn->close(ws::close_code::kGoingAway, "Going away");
  scheduler_.stop();
  // Give the close handshakes a moment (polling, as the scheduler is stopped); the process exits either way.
  auto grace = std::make_shared<StopGrace>(io_, std::chrono::milliseconds(kStopGraceMs), std::move(done));
  for (const auto& conn : open) grace->closing.push_back(conn);
  grace->poll();
}

void Server::accept_next() {
  if (stopped_) return;
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning, and do not flood the log.
      const std::int64_t now = scheduler_.now_ms();
      if (now - last_accept_error_log_ms_ >= 1000) {
        last_accept_error_log_ms_ = now;
        log("accept failed: " + ec.message() + " (raise ulimit -n?)");
      }
      accept_retry_timer_.expires_after(std::chrono::milliseconds(50));
      accept_retry_timer_.async_wait([this](const error_code& e) {
        if (!e) accept_next();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpSession>(*this, std::move(socket))->start();
    accept_next();
  });
}

std::string Server::new_id() {
  for (;;) {
    std::string id = make_gateway_id(id_rng_);
    if (conns_.find(id) == conns_.end()) return id;
  }
}

bool Server::origin_allowed(std::string_view origin) const {
  for (const auto& allowed : options_.allow_origins) {
    if (allowed == "*") return true;
  }
  const auto normalized = normalize_origin(std::string(origin));
  if (!normalized) return false;
  const std::string host = origin_host(*normalized);
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return true;
  for (const auto& allowed : options_.allow_origins) {
    if (allowed == *normalized) return true;
  }
  return false;
}

bool Server::take_connection_token() {
  const std::int64_t limit = options_.max_new_conn_per_s;
  if (limit <= 0) return true;
  // Token bucket: bursts up to the limit, refilled at the limit per second.
  const std::int64_t now = scheduler_.now_ms();
  const double per_ms = static_cast<double>(limit) / 1000.0;
  rate_tokens_ = std::min(static_cast<double>(limit),
                          rate_tokens_ + static_cast<double>(now - rate_refilled_ms_) * per_ms);
  rate_refilled_ms_ = now;
  if (rate_tokens_ < 1.0) return false;
  rate_tokens_ -= 1.0;
  return true;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] HTTP helpers (responses, @connections paths, the Host check)
//-----------------------------------------------------------------------------------------------------------

HttpResponse Server::simple_response(const HttpRequest* req, unsigned status, std::string_view message,
                                     std::string_view error_type) {
  HttpResponse res{static_cast<http::status>(status), 11};
  if (!error_type.empty()) res.set("x-amzn-ErrorType", error_type);
  // API Gateway's 410 body is not JSON (laravel-echo-api-gateway#9); everything else gets {"message": ...}.
  if (status != 410 && status != 204) {
    res.set(http::field::content_type, "application/json");
    res.body() = nlohmann::json{{"message", std::string(message)}}.dump(-1, ' ', false,
                                                                         nlohmann::json::error_handler_t::replace);
  }
  res.keep_alive(req ? req->keep_alive() : false);
  res.prepare_payload();
  return res;
}

std::optional<std::string_view> Server::connections_id_of(std::string_view path) {
  auto at = [path](std::size_t pos) -> std::optional<std::string_view> {
    const std::string_view rest = path.substr(pos);
    for (const std::string_view marker : {std::string_view("/@connections/"), std::string_view("/%40connections/")}) {
      if (rest.substr(0, marker.size()) == marker) return rest.substr(marker.size());
    }
    return std::nullopt;
  };
  if (auto id = at(0)) return id;
  const std::size_t second = path.find('/', 1);
  if (path.size() > 1 && second != std::string_view::npos && second > 1) return at(second);
  return std::nullopt;
}

bool Server::is_connections_target(std::string_view target) {
  return connections_id_of(path_of(target)).has_value();
}

bool Server::host_allowed(const HttpRequest& req) const {
  const auto header = req.find(http::field::host);
  return devserver::host_allowed(header == req.end() ? std::nullopt : std::optional<std::string_view>(header->value()),
                                 HostPolicy{options_.host, options_.allow_hosts});
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] $connect (handshake rules, the token authorizer, open/close)
//-----------------------------------------------------------------------------------------------------------

UpgradeDecision Server::decide_upgrade(const HttpRequest& req, const tcp::endpoint& remote) {
  UpgradeDecision d;
  const std::string_view target = req.target();
  const std::string_view path = path_of(target);
  const std::string_view query = query_of(target);
  const std::string who = remote.address().to_string();
  auto reject = [&](unsigned status, std::string_view message, std::string_view why) {
    d.rejection = simple_response(&req, status, message);
    log("reject " + std::to_string(status) + " " + who + " " + loggable_target(target) + ": " + std::string(why));
    return std::move(d);
  };
  if (req.method() != http::verb::get || req.version() != 11) {
    return reject(400, "Bad Request", "a WebSocket upgrade must be GET over HTTP/1.1");
  }
  const auto connection = req.find(http::field::connection);
  if (connection == req.end() || !header_has_token(connection->value(), "upgrade")) {
    return reject(400, "Bad Request", "missing Connection: Upgrade");
  }
  const auto version = req.find(http::field::sec_websocket_version);
  if (version == req.end() || version->value() != "13") {
    d.rejection = simple_response(&req, 426, "Upgrade Required");
    d.rejection.set(http::field::sec_websocket_version, "13");
    log("reject 426 " + who + ": Sec-WebSocket-Version must be 13");
    return d;
  }
  const auto key = req.find(http::field::sec_websocket_key);
  if (key == req.end()) return reject(400, "Bad Request", "missing Sec-WebSocket-Key");
  const auto key_bytes = base64_decode(key->value());
  if (!key_bytes || key_bytes->size() != 16) return reject(400, "Bad Request", "malformed Sec-WebSocket-Key");
  // "/" or "/{stage}": any stage name, one path segment.
  const bool path_ok = path == "/" || (path.size() > 1 && path.front() == '/' && path.find('/', 1) == std::string_view::npos);
  if (!path_ok) return reject(403, "Forbidden", "no WebSocket API at this path");
  if (!take_connection_token()) return reject(429, "Too Many Requests", "over --max-new-conn-per-s");
  const auto origin = req.find(http::field::origin);
  if (origin != req.end() && !origin_allowed(origin->value())) {
    return reject(403, "Forbidden", "origin " + sanitize_for_log(origin->value()) + " not allowed (--allow-origin)");
  }
  if (scheduler_.now_ms() < refuse_until_ms_) return reject(502, "Internal server error", "fault: refuse");
  const auto user_id = query_param(query, "user_id");
  // The REQUEST authorizer (identity source route.request.querystring.token), as backend/authorizer does
  // it (docs/identity.md): 401 without a token, 403 for everything else it refuses.
  TokenClaims claims;
  if (!options_.auth_secret.empty()) {
    ConnectAuth auth = authorize_connect(query_param(query, "token"), query_param_count(query, "token"), user_id,
                                         query_param_count(query, "user_id"), options_.auth_secret, epoch_s_now(), revoked_);
    if (auth.status != 0) {
      return reject(static_cast<unsigned>(auth.status), auth.status == 401 ? "Unauthorized" : "Forbidden",
                    "auth: " + sanitize_for_log(auth.reason, 200));
    }
    claims = std::move(auth.claims);
  }
  // $connect (websocket_manager.handle_connect): user_id is required.
  if (!user_id || user_id->empty()) {
    d.rejection = HttpResponse{http::status::bad_request, 11};
    d.rejection.set(http::field::content_type, "text/plain; charset=utf-8");
    d.rejection.body() = "user_id required";
    d.rejection.keep_alive(false);
    d.rejection.prepare_payload();
    log("reject 400 " + who + " " + loggable_target(target) + ": user_id required");
    return d;
  }
  const auto session_id = query_param(query, "session_id");
  d.accept = true;
  d.accept_key = websocket_accept_key(key->value());
  d.setup.id = new_id();
  // Under --auth-secret the authorized sub (the query's user_id was checked equal to it): replies,
  // notifications and the message log are keyed by it, as the $connect change in docs/identity.md stores it.
  d.setup.user_id = options_.auth_secret.empty() ? *user_id : claims.sub;
  d.setup.jti = claims.jti;
  d.setup.session_id = session_id && !session_id->empty() ? *session_id : "session-" + std::to_string(epoch_s_now());
  d.setup.source_ip = who;
  if (const auto ua = req.find(http::field::user_agent); ua != req.end()) {
    d.setup.user_agent = std::string(ua->value().substr(0, kMaxUserAgentBytes));
  }
  d.setup.fault_seed = mix_seed(seed_, ++connection_ordinal_);
  return d;
}

void Server::open_connection(tcp::socket socket, ConnectionSetup setup, std::string leftover) {
  if (stopped_) return;
  auto conn = std::make_shared<WsConnection>(*this, std::move(socket), std::move(setup));
  const ConnectionSetup& s = conn->setup();
  conns_.emplace(s.id, conn);
  users_[s.user_id].connection_ids.push_back(s.id);
  ++stats_.total_connections;
  log("connect " + s.id + " user=" + sanitize_for_log(s.user_id) + " session=" + sanitize_for_log(s.session_id) +
      " ip=" + s.source_ip + (s.jti.empty() ? "" : " jti=" + sanitize_for_log(s.jti)));
  // The seed's welcome (handle_connect), sent once the socket is open, plus our connectionId extension.
  const ordered_json welcome = {{"type", "status"},
                                {"status", "connected"},
                                {"message", "\xF0\x9F\x9F\xA2 Conectado em tempo real"},
                                {"timestamp", epoch_s_now()},
                                {"connectionId", s.id}};
  send_to(*conn, py_dumps(welcome));
  conn->start(std::move(leftover));
}

void Server::on_closed(WsConnection& conn, std::uint16_t code, std::string_view reason) {
  const std::string id = conn.id();
  if (auto it = conns_.find(id); it != conns_.end()) {
    // The caller may be a member of this very connection: free it only after the current handler.
    asio::post(io_, [keep = std::move(it->second)] {});
    conns_.erase(it);
  }
  if (auto user = users_.find(conn.user_id()); user != users_.end()) {
    auto& ids = user->second.connection_ids;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty()) users_.erase(user);  // its message log (MessageLog) outlives it, within its own bounds
  }
  // $disconnect (best effort, return value ignored): the seed only deletes the DynamoDB row.
  log("disconnect " + id + " code=" + std::to_string(code) + " reason=\"" + sanitize_for_log(reason) + "\"");
}

void Server::on_fault_drop(WsConnection&) {
  if (options_.faults.refuse_ms > 0) refuse_until_ms_ = scheduler_.now_ms() + options_.faults.refuse_ms;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] routing ($request.body.action, gateway error frames)
//-----------------------------------------------------------------------------------------------------------

void Server::send_to(WsConnection& conn, const std::string& json_text) {
  conn.send_data(std::make_shared<const std::string>(ws::encode_message(ws::Opcode::kText, json_text)));
}

std::size_t Server::broadcast(const std::string& user_id, const std::string& json_text) {
  const auto user = users_.find(user_id);
  if (user == users_.end() || user->second.connection_ids.empty()) return 0;
  const auto frame = std::make_shared<const std::string>(ws::encode_message(ws::Opcode::kText, json_text));
  const std::vector<std::string> ids = user->second.connection_ids;  // sending must not invalidate the loop
  std::size_t delivered = 0;
  for (const auto& id : ids) {
    const auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    const auto keep = it->second;
    if (keep->send_data(frame) == SendResult::kSent) ++delivered;
  }
  return delivered;
}

std::string Server::gateway_error_frame(const WsConnection& conn, std::string_view message,
                                        const std::string& request_id) const {
  // Byte-exact: only the first colon has a space after it (aws-samples/simple-websockets-chat-app#24,
  // Kludex/mangum#128 for the timeout).
  return R"({"message": ")" + std::string(message) + R"(", "connectionId":")" + conn.id() + R"(", "requestId":")" +
         request_id + R"("})";
}

void Server::on_text(WsConnection& conn, std::string text) {
  ++stats_.frames_in;
  const std::string request_id = new_id();
  // Route selection: $request.body.action. Non-JSON, a non-object, or a missing/unknown action select
  // $default, which this API does not have: API Gateway answers Forbidden and keeps the socket open.
  nlohmann::json body;
  std::string action;
  if (json_nesting_depth(text) <= kMaxJsonDepth) {
    body = nlohmann::json::parse(text, nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
      const auto it = body.find("action");
      if (it != body.end() && it->is_string()) action = it->get<std::string>();
    }
  }
  const bool known = action == "sendMessage" || action == "typing" || action == "heartbeat";
  if (!known) {
    log("route " + conn.id() + " (no route) -> Forbidden requestId=" + request_id);
    send_to(conn, gateway_error_frame(conn, "Forbidden", request_id));
    return;
  }
  log("route " + conn.id() + " " + action + " requestId=" + request_id);
  if (options_.faults.lambda_error_p > 0 && conn.fault_rng().chance(options_.faults.lambda_error_p)) {
    log("fault lambda-error " + conn.id());
    send_to(conn, gateway_error_frame(conn, "Internal server error", request_id));
    return;
  }
  if (action == "sendMessage") {
    lambda_send_message(conn, std::move(body), request_id);
  } else if (action == "heartbeat") {
    send_to(conn, py_dumps(ordered_json{{"type", "heartbeat"}, {"timestamp", epoch_s_now()}}));
  }
  // typing: the seed only logs it; nothing goes back.
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] @connections
//-----------------------------------------------------------------------------------------------------------

HttpResponse Server::handle_connections_api(const HttpRequest& req, std::string_view raw_id) {
  const http::verb method = req.method();
  if (method != http::verb::post && method != http::verb::get && method != http::verb::delete_) {
    return simple_response(&req, 403, "Forbidden", "ForbiddenException");
  }
  const auto id = percent_decode(raw_id);
  if (!id || !is_gateway_id(*id)) {
    return simple_response(&req, 400, "Invalid connectionId: " + sanitize_for_log(raw_id, 60),
                           "BadRequestException");
  }
  const auto it = conns_.find(*id);
  const char* verb = method == http::verb::post ? "POST" : method == http::verb::get ? "GET" : "DELETE";
  if (it == conns_.end() || !it->second->is_open()) {
    log("@connections " + std::string(verb) + " " + *id + " -> 410");
    return simple_response(&req, 410, "", "GoneException");
  }
  const auto conn = it->second;
  if (method == http::verb::post) {
    const std::string& data = req.body();
    if (data.size() > kMaxHttpBodyBytes) return simple_response(&req, 413, "Request body too large", "PayloadTooLargeException");
    const auto op = is_valid_utf8(data) ? ws::Opcode::kText : ws::Opcode::kBinary;
    const SendResult sent = conn->send_data(std::make_shared<const std::string>(ws::encode_message(op, data)));
    log("@connections POST " + *id + " " + std::to_string(data.size()) + " bytes -> " + to_string(sent));
    if (sent == SendResult::kBufferFull) return simple_response(&req, 429, "Client buffer is full", "LimitExceededException");
    if (sent == SendResult::kGone) return simple_response(&req, 410, "", "GoneException");
    HttpResponse res{http::status::ok, 11};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }
  if (method == http::verb::get) {
    nlohmann::ordered_json info = {
        {"connectedAt", iso8601_utc_ms(conn->connected_at_epoch_ms())},
        {"identity",
         {{"sourceIp", conn->setup().source_ip},
          {"userAgent", conn->setup().user_agent ? nlohmann::ordered_json(*conn->setup().user_agent)
                                                 : nlohmann::ordered_json(nullptr)}}},
        {"lastActiveAt", iso8601_utc_ms(conn->last_active_epoch_ms())}};
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }
  // DELETE: 204, then the gateway closes the socket with 1000 and fires $disconnect.
  log("@connections DELETE " + *id);
  conn->close(ws::close_code::kNormal, "");
  HttpResponse res{http::status::no_content, 11};
  res.keep_alive(req.keep_alive());
  return res;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] plain HTTP routing
//-----------------------------------------------------------------------------------------------------------

HttpResponse Server::handle_http(const HttpRequest& req) {
  const std::string_view target = req.target();
  const std::string_view path = path_of(target);
  const std::string_view query = query_of(target);
  const http::verb method = req.method();
  // Browsers send Origin on cross-site POSTs: a page elsewhere must not drive the dev endpoints (CSRF).
  if (method != http::verb::get && method != http::verb::head) {
    const auto origin = req.find(http::field::origin);
    if (origin != req.end() && !origin_allowed(origin->value())) return simple_response(&req, 403, "Forbidden");
  }
  const auto raw_id = connections_id_of(path);
  const bool dev_api = raw_id || path == "/notify" || path.substr(0, 7) == "/__dev/";
  if (dev_api && !host_allowed(req)) {
    const auto host = req.find(http::field::host);
    log("reject 421 " + sanitize_for_log(path) + ": Host " +
        sanitize_for_log(host == req.end() ? std::string_view{} : host->value(), 80) + " not allowed (--allow-host)");
    return simple_response(&req, 421, "Misdirected Request: Host not allowed (see --allow-host)");
  }
  if (raw_id) return handle_connections_api(req, *raw_id);
  if (path == "/notify") return handle_notify(req);
  if (path.substr(0, 7) == "/__dev/") return handle_dev(req, path, query);
  if (path == "/config.json") return handle_config(req);
  if (!static_root_.empty()) return handle_static(req, path);
  if (path == "/") {
    HttpResponse res = simple_response(&req, 426, "Upgrade Required");
    res.set(http::field::upgrade, "websocket");
    return res;
  }
  return simple_response(&req, 404, "Not Found");
}

}  // namespace devserver
