// harness.hpp: drives the real bos-devserver binary from tests: starts it on a free port (--port 0, reads
// the "listening ws://HOST:PORT" line), and talks to it over real sockets with Boost.Beast clients (an
// implementation independent of the server's hand-written framing) plus a raw-socket client for frame-level
// checks. Every wait has a deadline. Deliberately free of Beast/Catch headers so test files compile fast.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace dstest {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// --- the server process ------------------------------------------------------------------------------

const char* devserver_binary();

class ServerProcess {
 public:
  // Starts `bos-devserver --port 0 <args...>` (add "--quiet" yourself if the logs are not wanted) and waits
  // for its ready line. ok() is false when it did not print one in time.
  explicit ServerProcess(std::vector<std::string> args = {}, bool capture_stderr = false, int port = 0);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ok() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  const std::string& ready_line() const { return ready_line_; }
  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signo` and waits for the exit: the exit code, 128+N when killed by signal N, -1 on timeout.
  int stop(int signo = 15, Millis timeout = 5000ms);
  // Everything written to stderr so far (only with capture_stderr).
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::uint16_t port_ = 0;
  std::string ready_line_;
  int exit_code_ = -1;
};

struct RunResult {
  int exit_code = -1;  // -1: still running at the deadline (then killed)
  std::string out;
  std::string err;
};
// Runs the binary to completion (for --help and bad arguments).
RunResult run_devserver(const std::vector<std::string>& args, Millis timeout = 5000ms);

// --- HTTP ---------------------------------------------------------------------------------------------

struct HttpResult {
  int status = 0;  // 0: no response (connection failed, timeout)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;
  std::string header(const std::string& lower_name) const;
  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
};
using Headers = std::vector<std::pair<std::string, std::string>>;
HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const Headers& headers = {}, Millis timeout = 5000ms);
// Writes raw bytes and returns everything read until the server closes or the deadline passes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes, Millis timeout = 3000ms);

// --- WebSocket (Beast client) -------------------------------------------------------------------------

struct Frame {
  enum class Kind { kText, kBinary, kClosed, kError, kTimeout };
  Kind kind = Kind::kTimeout;
  std::string data;
  int close_code = 0;  // kClosed: the code in the server's close frame
  std::string close_reason;
  std::string error;  // kError: what the read failed with (eof, reset: an abnormal closure)
  bool is_text() const { return kind == Kind::kText; }
};
const char* to_string(Frame::Kind kind);

struct ConnectOptions {
  std::string target = "/?user_id=u1";
  std::optional<std::string> origin;
  std::string user_agent = "dstest/1";
};

struct HandshakeResult {
  bool ok = false;
  int status = 0;  // HTTP status of the handshake response (101 when ok)
  std::string body;
  std::string error;
};

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  HandshakeResult connect(std::uint16_t port, const ConnectOptions& options = {}, Millis timeout = 5000ms);
  Frame read(Millis timeout = 5000ms);
  bool send(const std::string& text, Millis timeout = 5000ms);
  // Client frames: auto-fragment into `bytes`-sized frames, or (0) send each message as a single frame.
  void set_fragment_size(std::size_t bytes);
  bool ping(Millis timeout = 5000ms);
  int pongs() const;
  bool close(int code, Millis timeout = 5000ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Connects and returns the client with its welcome frame already read (connection id in *welcome_id).
std::unique_ptr<WsClient> connect_user(std::uint16_t port, const std::string& user_id,
                                       std::string* welcome_id = nullptr, const std::string& extra_query = {});

// --- WebSocket (raw socket) ---------------------------------------------------------------------------

struct RawFrame {
  int opcode = -1;
  bool fin = false;
  bool masked = false;
  std::string payload;
};

class RawWs {
 public:
  RawWs();
  ~RawWs();
  RawWs(const RawWs&) = delete;
  RawWs& operator=(const RawWs&) = delete;
  // Hand-written RFC 6455 handshake; true on a correct 101 (status and Sec-WebSocket-Accept).
  bool connect(std::uint16_t port, const std::string& target, const std::string& pipelined = {},
               Millis timeout = 5000ms);
  bool write(const std::string& bytes, Millis timeout = 5000ms);
  std::optional<RawFrame> read_frame(Millis timeout = 5000ms);
  // True when the server closed TCP (EOF or reset) before the deadline; frames read meanwhile are dropped.
  bool wait_closed(Millis timeout = 5000ms);
  // A masked client frame.
  static std::string client_frame(int opcode, const std::string& payload, bool fin = true, bool mask = true);

 private:
  bool fill(std::size_t n, Millis timeout);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- helpers ------------------------------------------------------------------------------------------

// The "type" of a JSON frame, or "" when it has none / is not JSON.
std::string frame_type(const std::string& json_text);
// A string field of a JSON object frame ("" when missing).
std::string json_string(const std::string& json_text, const std::string& field);
bool regex_full_match(const std::string& text, const std::string& pattern);
std::string send_message_json(const std::string& message, const std::string& client_msg_id = {});
// Polls `cond` every few ms until it is true or the deadline passes.
template <class Cond>
bool eventually(Cond cond, Millis timeout = 3000ms);
void sleep_for(Millis ms);

template <class Cond>
bool eventually(Cond cond, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    sleep_for(10ms);
  }
  return cond();
}

}  // namespace dstest
