// harness.cpp: see harness.hpp. Every socket operation is asynchronous on a private io_context and run
// with a deadline, so a misbehaving server fails a test instead of hanging it.
//
// Index
//   [SECTION] ServerProcess   fork/exec the binary, its ready line, stop; run_devserver
//   [SECTION] HTTP            Beast requests; raw_exchange for bytes the parser must refuse
//   [SECTION] WsClient        the Beast WebSocket client
//   [SECTION] RawWs           the hand-written RFC 6455 client for frame-level checks
//   [SECTION] helpers         JSON fields, regexes, sendMessage bodies
#include "harness.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace dstest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Runs `io` until `done` or the deadline. On timeout, `cancel` aborts the operation and the io is drained.
template <class Cancel>
bool run_until(asio::io_context& io, const bool& done, Millis timeout, Cancel cancel) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    io.run_one_for(deadline - now);
  }
  if (done) return true;
  cancel();
  io.restart();
  const auto drain_deadline = std::chrono::steady_clock::now() + 2s;
  while (!done && std::chrono::steady_clock::now() < drain_deadline) io.run_one_for(100ms);
  return false;
}

bool connect_socket(asio::io_context& io, tcp::socket& socket, std::uint16_t port, Millis timeout) {
  bool done = false;
  error_code ec;
  socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](const error_code& e) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done, timeout, [&] {
        error_code ignored;
        socket.close(ignored);
      })) {
    return false;
  }
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  return !ec;
}

std::string read_all_fd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::vector<char*> make_argv(const std::vector<std::string>& args, std::vector<std::string>& storage) {
  storage.clear();
  storage.push_back(devserver_binary());
  for (const auto& a : args) storage.push_back(a);
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

void sleep_for(Millis ms) { std::this_thread::sleep_for(ms); }

const char* devserver_binary() {
  if (const char* env = std::getenv("BOS_DEVSERVER_BIN"); env && *env) return env;
  return BOS_DEVSERVER_BIN;
}

// [SECTION] ServerProcess -----------------------------------------------------------------------------------

ServerProcess::ServerProcess(std::vector<std::string> args, bool capture_stderr, int port) {
  args.insert(args.begin(), {"--port", std::to_string(port)});
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return;
  int err_fd = -1;
  if (capture_stderr) {
    char path[] = "/tmp/dstest-stderr-XXXXXX";
    err_fd = ::mkstemp(path);
    if (err_fd >= 0) stderr_path_ = path;
  }
  std::vector<std::string> storage;
  std::vector<char*> argv = make_argv(args, storage);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out_pipe[1], 1);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  if (err_fd >= 0) ::close(err_fd);
  stdout_fd_ = out_pipe[0];
  if (pid_ < 0) return;
  // Wait for exactly one line.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char c[256];
    const ssize_t n = ::read(stdout_fd_, c, sizeof c);
    if (n <= 0) break;
    line.append(c, static_cast<std::size_t>(n));
  }
  if (line.find('\n') == std::string::npos) return;
  ready_line_ = line.substr(0, line.find('\n'));
  std::smatch m;
  static const std::regex kReady(R"(^listening ws://(.+):([0-9]+)$)");
  if (std::regex_match(ready_line_, m, kReady)) port_ = static_cast<std::uint16_t>(std::stoi(m[2].str()));
}

ServerProcess::~ServerProcess() {
  // SIGTERM first: a clean exit lets sanitizer builds report leaks; SIGKILL if it does not stop.
  if (running()) stop(SIGTERM, 3000ms);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (!stderr_path_.empty()) ::unlink(stderr_path_.c_str());
}

bool ServerProcess::running() {
  if (pid_ <= 0 || exit_code_ != -1) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return r == 0;
}

int ServerProcess::stop(int signo, Millis timeout) {
  if (!running()) return exit_code_;
  ::kill(pid_, signo);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_code_;
    sleep_for(5ms);
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  return -1;
}

std::string ServerProcess::stderr_text() const {
  if (stderr_path_.empty()) return {};
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_devserver(const std::vector<std::string>& args, Millis timeout) {
  RunResult result;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  std::vector<std::string> storage;
  std::vector<char*> argv = make_argv(args, storage);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    ::poll(p, 2, 20);
    result.out += read_all_fd(out_pipe[0]);
    result.err += read_all_fd(err_pipe[0]);
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else {
    result.exit_code = decode_status(status);
  }
  result.out += read_all_fd(out_pipe[0]);
  result.err += read_all_fd(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  return result;
}

// [SECTION] HTTP --------------------------------------------------------------------------------------------

std::string HttpResult::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers, Millis timeout) {
  HttpResult result;
  asio::io_context io;
  tcp::socket socket(io);
  if (!connect_socket(io, socket, port, timeout)) {
    result.error = "connect failed";
    return result;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::user_agent, "dstest/1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
  bool done = false;
  error_code ec;
  http::async_write(socket, req, [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  auto cancel = [&] {
    error_code ignored;
    socket.close(ignored);
  };
  if (!run_until(io, done, timeout, cancel) || ec) {
    result.error = "write failed: " + ec.message();
    return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u * 1024u * 1024u);
  if (method == "HEAD") parser.skip(true);
  done = false;
  http::async_read(socket, buffer, parser, [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done, timeout, cancel) || ec) {
    result.error = "read failed: " + ec.message();
    return result;
  }
  const auto& res = parser.get();
  result.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  result.body = res.body();
  return result;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes, Millis timeout) {
  asio::io_context io;
  tcp::socket socket(io);
  if (!connect_socket(io, socket, port, timeout)) return {};
  bool done = false;
  error_code ec;
  asio::async_write(socket, asio::buffer(bytes), [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  auto cancel = [&] {
    error_code ignored;
    socket.close(ignored);
  };
  if (!run_until(io, done, timeout, cancel)) return {};
  std::string out;
  std::string chunk(4096, '\0');
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    done = false;
    std::size_t n = 0;
    socket.async_read_some(asio::buffer(chunk), [&](const error_code& e, std::size_t got) {
      ec = e;
      n = got;
      done = true;
    });
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (!run_until(io, done, std::max(left, Millis(1)), cancel)) break;
    out.append(chunk.data(), n);
    if (ec) break;
  }
  return out;
}

// [SECTION] WsClient ----------------------------------------------------------------------------------------

const char* to_string(Frame::Kind kind) {
  switch (kind) {
    case Frame::Kind::kText: return "text";
    case Frame::Kind::kBinary: return "binary";
    case Frame::Kind::kClosed: return "closed";
    case Frame::Kind::kError: return "error";
    case Frame::Kind::kTimeout: return "timeout";
  }
  return "?";
}

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  int pongs = 0;
  void cancel() {
    error_code ignored;
    ws.next_layer().cancel(ignored);
    ws.next_layer().close(ignored);
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {
  impl_->ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) ++impl_->pongs;
  });
}

WsClient::~WsClient() {
  error_code ignored;
  impl_->ws.next_layer().close(ignored);
}

HandshakeResult WsClient::connect(std::uint16_t port, const ConnectOptions& options, Millis timeout) {
  HandshakeResult result;
  if (!connect_socket(impl_->io, impl_->ws.next_layer(), port, timeout)) {
    result.error = "tcp connect failed";
    return result;
  }
  impl_->ws.set_option(websocket::stream_base::decorator([options](websocket::request_type& req) {
    req.set(http::field::user_agent, options.user_agent);
    if (options.origin) req.set(http::field::origin, *options.origin);
  }));
  websocket::response_type res;
  bool done = false;
  error_code ec;
  impl_->ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), options.target, [&](const error_code& e) {
    ec = e;
    done = true;
  });
  if (!run_until(impl_->io, done, timeout, [this] { impl_->cancel(); })) {
    result.error = "handshake timed out";
    return result;
  }
  result.status = static_cast<int>(res.result_int());
  result.body = res.body();
  result.ok = !ec;
  if (ec) result.error = ec.message();
  return result;
}

Frame WsClient::read(Millis timeout) {
  Frame frame;
  beast::flat_buffer buffer;
  bool done = false;
  error_code ec;
  impl_->ws.async_read(buffer, [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(impl_->io, done, timeout, [this] { impl_->cancel(); })) {
    frame.kind = Frame::Kind::kTimeout;
    return frame;
  }
  if (ec == websocket::error::closed) {
    frame.kind = Frame::Kind::kClosed;
    frame.close_code = static_cast<int>(impl_->ws.reason().code);
    frame.close_reason = std::string(impl_->ws.reason().reason.c_str());
    return frame;
  }
  if (ec) {
    frame.kind = Frame::Kind::kError;
    frame.error = ec.message();
    return frame;
  }
  frame.kind = impl_->ws.got_text() ? Frame::Kind::kText : Frame::Kind::kBinary;
  frame.data = beast::buffers_to_string(buffer.data());
  return frame;
}

bool WsClient::send(const std::string& text, Millis timeout) {
  bool done = false;
  error_code ec;
  impl_->ws.text(true);
  impl_->ws.async_write(asio::buffer(text), [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [this] { impl_->cancel(); }) && !ec;
}

void WsClient::set_fragment_size(std::size_t bytes) {
  if (bytes == 0) {
    impl_->ws.auto_fragment(false);
  } else {
    impl_->ws.auto_fragment(true);
    impl_->ws.write_buffer_bytes(bytes);
  }
}

bool WsClient::ping(Millis timeout) {
  bool done = false;
  error_code ec;
  impl_->ws.async_ping({}, [&](const error_code& e) {
    ec = e;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [this] { impl_->cancel(); }) && !ec;
}

int WsClient::pongs() const { return impl_->pongs; }

bool WsClient::close(int code, Millis timeout) {
  bool done = false;
  error_code ec;
  impl_->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)), [&](const error_code& e) {
    ec = e;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [this] { impl_->cancel(); }) && !ec;
}

std::unique_ptr<WsClient> connect_user(std::uint16_t port, const std::string& user_id, std::string* welcome_id,
                                       const std::string& extra_query) {
  auto client = std::make_unique<WsClient>();
  ConnectOptions options;
  options.target = "/dev?user_id=" + user_id + extra_query;
  if (!client->connect(port, options).ok) return nullptr;
  const Frame welcome = client->read();
  if (!welcome.is_text() || json_string(welcome.data, "status") != "connected") return nullptr;
  if (welcome_id) *welcome_id = json_string(welcome.data, "connectionId");
  return client;
}

// [SECTION] RawWs -------------------------------------------------------------------------------------------

struct RawWs::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  std::string buffer;
  bool closed = false;
  void cancel() {
    error_code ignored;
    socket.cancel(ignored);
  }
};

RawWs::RawWs() : impl_(std::make_unique<Impl>()) {}
RawWs::~RawWs() {
  error_code ignored;
  impl_->socket.close(ignored);
}

bool RawWs::write(const std::string& bytes, Millis timeout) {
  bool done = false;
  error_code ec;
  asio::async_write(impl_->socket, asio::buffer(bytes), [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [this] { impl_->cancel(); }) && !ec;
}

bool RawWs::fill(std::size_t n, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string chunk(64 * 1024, '\0');
  while (impl_->buffer.size() < n) {
    if (impl_->closed) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    bool done = false;
    error_code ec;
    std::size_t got = 0;
    impl_->socket.async_read_some(asio::buffer(chunk), [&](const error_code& e, std::size_t k) {
      ec = e;
      got = k;
      done = true;
    });
    if (!run_until(impl_->io, done, std::chrono::duration_cast<Millis>(deadline - now), [this] { impl_->cancel(); })) {
      return false;
    }
    impl_->buffer.append(chunk.data(), got);
    if (ec) impl_->closed = true;
  }
  return true;
}

bool RawWs::connect(std::uint16_t port, const std::string& target, const std::string& pipelined, Millis timeout) {
  if (!connect_socket(impl_->io, impl_->socket, port, timeout)) return false;
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!write(request + pipelined, timeout)) return false;
  // Read the response header byte by byte until the blank line; keep whatever follows.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end = std::string::npos;
  while ((end = impl_->buffer.find("\r\n\r\n")) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline || !fill(impl_->buffer.size() + 1, 1000ms)) return false;
  }
  const std::string head = impl_->buffer.substr(0, end + 4);
  impl_->buffer.erase(0, end + 4);
  // RFC 6455's own example key and accept value.
  return head.rfind("HTTP/1.1 101 ", 0) == 0 &&
         head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos;
}

std::optional<RawFrame> RawWs::read_frame(Millis timeout) {
  if (!fill(2, timeout)) return std::nullopt;
  const auto b0 = static_cast<std::uint8_t>(impl_->buffer[0]);
  const auto b1 = static_cast<std::uint8_t>(impl_->buffer[1]);
  RawFrame frame;
  frame.fin = (b0 & 0x80) != 0;
  frame.opcode = b0 & 0x0F;
  frame.masked = (b1 & 0x80) != 0;
  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len == 126) header = 4;
  if (len == 127) header = 10;
  if (frame.masked) header += 4;
  if (!fill(header, timeout)) return std::nullopt;
  if (len == 126) {
    len = (std::uint64_t{static_cast<std::uint8_t>(impl_->buffer[2])} << 8) | static_cast<std::uint8_t>(impl_->buffer[3]);
  } else if (len == 127) {
    len = 0;
    for (std::size_t k = 0; k < 8; ++k) len = (len << 8) | static_cast<std::uint8_t>(impl_->buffer[2 + k]);
  }
  if (!fill(header + len, timeout)) return std::nullopt;
  frame.payload = impl_->buffer.substr(header, len);
  impl_->buffer.erase(0, header + len);
  return frame;
}

bool RawWs::wait_closed(Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->closed && std::chrono::steady_clock::now() < deadline) {
    impl_->buffer.clear();
    fill(1, std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()) + 1ms);
  }
  return impl_->closed;
}

std::string RawWs::client_frame(int opcode, const std::string& payload, bool fin, bool mask) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0F)));
  const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((payload.size() >> 8) & 0xFF));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> s) & 0xFF));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return out;
}

// [SECTION] helpers -----------------------------------------------------------------------------------------

std::string frame_type(const std::string& json_text) { return json_string(json_text, "type"); }

std::string json_string(const std::string& json_text, const std::string& field) {
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  const auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool regex_full_match(const std::string& text, const std::string& pattern) {
  return std::regex_match(text, std::regex(pattern));
}

std::string send_message_json(const std::string& message, const std::string& client_msg_id) {
  nlohmann::ordered_json j = {{"action", "sendMessage"}, {"message", message}};
  if (!client_msg_id.empty()) j["client_msg_id"] = client_msg_id;
  return j.dump();
}

}  // namespace dstest
