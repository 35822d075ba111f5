// swarm.cpp: see swarm.hpp. Plain non-blocking POSIX sockets and epoll: each driver is a small state
// machine per socket, so thousands of clients fit in one thread.
//
// Index
//   [SECTION] socket helpers    non-blocking connect, reset, frames, epoll; raise_fd_limit
//   [SECTION] SlowFlood         slowloris sockets held open and trickling
//   [SECTION] handshake_burst   complete handshakes at once, statuses counted
//   [SECTION] run_ws_cycles     connect/disconnect cycles, clean closes and resets
#include "support/swarm.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dstest {

// [SECTION] socket helpers ----------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

long long ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<Millis>(to - from).count();
}

// A non-blocking connect to 127.0.0.1:port; -1 when the socket cannot even be created.
int start_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool connect_succeeded(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

// Closes with a TCP reset (no FIN, no TIME_WAIT on our side): the abrupt end of a client.
void reset_close(int fd) {
  const linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

// Our writes are a few hundred bytes on a fresh loopback socket: they go out whole or not at all.
bool send_small(int fd, const std::string& bytes) {
  const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(bytes.size());
}

// Reads what is available. Returns false once the peer closed (EOF) or reset; `reset` tells which.
bool read_available(int fd, std::string& into, bool* reset = nullptr) {
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    if (reset) *reset = n < 0;
    return false;
  }
}

std::string upgrade_request(std::uint16_t port, const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// The status code of a complete response head, 0 when it is not one.
int response_status(const std::string& head) {
  if (head.size() < 12 || head.compare(0, 9, "HTTP/1.1 ") != 0) return 0;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    status = status * 10 + (head[i] - '0');
  }
  return status;
}

// Takes one server frame (unmasked) off the front of `in`; false until a whole frame is there.
bool take_frame(std::string& in, int& opcode, std::string& payload) {
  if (in.size() < 2) return false;
  const auto b0 = static_cast<std::uint8_t>(in[0]);
  const auto b1 = static_cast<std::uint8_t>(in[1]);
  std::uint64_t length = b1 & 0x7F;
  std::size_t header = 2;
  if (length == 126) header = 4;
  if (length == 127) header = 10;
  if (b1 & 0x80) header += 4;
  if (in.size() < header) return false;
  if (length == 126) {
    length = (std::uint64_t{static_cast<std::uint8_t>(in[2])} << 8) | static_cast<std::uint8_t>(in[3]);
  } else if (length == 127) {
    length = 0;
    for (std::size_t k = 0; k < 8; ++k) length = (length << 8) | static_cast<std::uint8_t>(in[2 + k]);
  }
  if (in.size() < header + length) return false;
  opcode = b0 & 0x0F;
  payload = in.substr(header, static_cast<std::size_t>(length));
  in.erase(0, header + static_cast<std::size_t>(length));
  return true;
}

class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {}
  ~Epoll() {
    if (fd_ >= 0) ::close(fd_);
  }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  bool ok() const { return fd_ >= 0; }
  void add(int fd, std::uint32_t events, std::uint64_t tag) { control(EPOLL_CTL_ADD, fd, events, tag); }
  void modify(int fd, std::uint32_t events, std::uint64_t tag) { control(EPOLL_CTL_MOD, fd, events, tag); }
  int wait(epoll_event* events, int max, Millis timeout) {
    const int n = ::epoll_wait(fd_, events, max, static_cast<int>(std::max<long long>(0, timeout.count())));
    return n < 0 ? 0 : n;
  }

 private:
  void control(int op, int fd, std::uint32_t events, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    ::epoll_ctl(fd_, op, fd, &ev);
  }
  int fd_;
};

constexpr std::uint32_t kReadable = EPOLLIN | EPOLLRDHUP;
constexpr int kMaxEvents = 512;
constexpr auto kConnectDeadline = std::chrono::seconds(5);

}  // namespace

std::size_t raise_fd_limit(std::size_t want) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < want) {
    lim.rlim_cur = std::min<rlim_t>(static_cast<rlim_t>(want), lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<std::size_t>(lim.rlim_cur);
}

// [SECTION] SlowFlood ---------------------------------------------------------------------------------------

struct SlowFlood::Impl {
  enum class Kind { kSilent, kPartial, kTrickle };
  struct Slow {
    int fd = -1;
    Kind kind = Kind::kSilent;
    bool connected = false;
    bool open = false;  // connected and not yet closed by the server
    Clock::time_point opened_at;
  };

  std::uint16_t port;
  Millis trickle_every;
  std::vector<Slow> sockets;
  Epoll epoll;
  std::thread thread;
  std::atomic<bool> stop{false};
  mutable std::mutex mu;  // guards report, connecting and the sockets' flags against report()/waits
  std::condition_variable cv;
  FloodReport report;
  int connecting = 0;

  void run();
  void on_event(std::size_t i, std::uint32_t events, Clock::time_point now);
  void trickle();
};

void SlowFlood::Impl::run() {
  {
    std::lock_guard lock(mu);
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      Slow& s = sockets[i];
      s.kind = static_cast<Kind>(i % 3);
      s.opened_at = Clock::now();  // before the server can accept it, so lifetimes never undercount
      s.fd = start_connect(port);
      if (s.fd < 0) {
        ++report.connect_failed;
        continue;
      }
      ++connecting;
      epoll.add(s.fd, EPOLLOUT, i);
    }
    if (connecting == 0) cv.notify_all();
  }
  const auto connect_deadline = Clock::now() + kConnectDeadline;
  auto next_trickle = Clock::time_point::max();
  std::vector<epoll_event> events(kMaxEvents);
  while (!stop.load()) {
    const auto now0 = Clock::now();
    const auto wake = std::min(next_trickle, now0 + 50ms);
    const int n = epoll.wait(events.data(), kMaxEvents, std::chrono::duration_cast<Millis>(wake - now0) + 1ms);
    std::lock_guard lock(mu);
    const auto now = Clock::now();
    for (int k = 0; k < n; ++k) on_event(static_cast<std::size_t>(events[k].data.u64), events[k].events, now);
    if (connecting > 0 && now >= connect_deadline) {
      for (Slow& s : sockets) {
        if (s.fd >= 0 && !s.connected) {
          ::close(s.fd);
          s.fd = -1;
          ++report.connect_failed;
        }
      }
      connecting = 0;
      cv.notify_all();
    }
    if (connecting == 0 && next_trickle == Clock::time_point::max()) next_trickle = now + trickle_every;
    if (now >= next_trickle) {
      trickle();
      next_trickle += trickle_every;
    }
  }
}

void SlowFlood::Impl::on_event(std::size_t i, std::uint32_t events, Clock::time_point now) {
  Slow& s = sockets[i];
  if (s.fd < 0) return;
  if (!s.connected) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    --connecting;
    if (!connect_succeeded(s.fd)) {
      ::close(s.fd);
      s.fd = -1;
      ++report.connect_failed;
    } else {
      s.connected = s.open = true;
      ++report.connected;
      epoll.modify(s.fd, kReadable, i);
      if (s.kind != Kind::kSilent) send_small(s.fd, "GET /?user_id=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    }
    if (connecting == 0) cv.notify_all();
    return;
  }
  std::string got;
  if (read_available(s.fd, got)) {
    report.bytes_received += static_cast<long long>(got.size());
    return;
  }
  report.bytes_received += static_cast<long long>(got.size());
  const long long lifetime = ms_between(s.opened_at, now);
  report.min_lifetime_ms = report.closed_by_server == 0 ? lifetime : std::min(report.min_lifetime_ms, lifetime);
  report.max_lifetime_ms = std::max(report.max_lifetime_ms, lifetime);
  ++report.closed_by_server;
  ::close(s.fd);
  s.fd = -1;
  s.open = false;
  cv.notify_all();
}

void SlowFlood::Impl::trickle() {
  for (const Slow& s : sockets) {
    if (s.open && s.kind == Kind::kTrickle && send_small(s.fd, "X-Slow: 1\r\n")) ++report.trickle_writes;
  }
}

SlowFlood::SlowFlood(std::uint16_t port, int count, Millis trickle_every) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->trickle_every = trickle_every;
  impl_->sockets.resize(static_cast<std::size_t>(std::max(count, 0)));
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [this] {
    return impl_->report.connected + impl_->report.connect_failed == static_cast<int>(impl_->sockets.size());
  });
}

SlowFlood::~SlowFlood() {
  impl_->stop = true;
  if (impl_->thread.joinable()) impl_->thread.join();
  for (const auto& s : impl_->sockets) {
    if (s.fd >= 0) reset_close(s.fd);
  }
}

bool SlowFlood::wait_all_closed(Millis timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout,
                            [this] { return impl_->report.closed_by_server == impl_->report.connected; });
}

FloodReport SlowFlood::report() const {
  std::lock_guard lock(impl_->mu);
  return impl_->report;
}

// [SECTION] handshake_burst ---------------------------------------------------------------------------------

BurstReport handshake_burst(std::uint16_t port, int count, Millis timeout) {
  struct Shake {
    int fd = -1;
    bool connected = false;
    std::string in;
  };
  BurstReport report;
  Epoll epoll;
  std::vector<Shake> shakes(static_cast<std::size_t>(std::max(count, 0)));
  const auto start = Clock::now();
  int pending = 0;
  for (std::size_t i = 0; i < shakes.size(); ++i) {
    shakes[i].fd = start_connect(port);
    if (shakes[i].fd < 0) {
      ++report.no_response;
      continue;
    }
    ++pending;
    epoll.add(shakes[i].fd, EPOLLOUT, i);
  }
  auto finish = [&](Shake& s, int status) {
    if (status > 0) {
      ++report.statuses[status];
    } else {
      ++report.no_response;
    }
    reset_close(s.fd);
    s.fd = -1;
    --pending;
    report.elapsed_ms = ms_between(start, Clock::now());
  };
  const auto deadline = start + timeout;
  std::vector<epoll_event> events(kMaxEvents);
  while (pending > 0 && Clock::now() < deadline) {
    const int n = epoll.wait(events.data(), kMaxEvents, 50ms);
    for (int k = 0; k < n; ++k) {
      const std::size_t i = static_cast<std::size_t>(events[k].data.u64);
      Shake& s = shakes[i];
      if (s.fd < 0) continue;
      if (!s.connected) {
        if (!connect_succeeded(s.fd) ||
            !send_small(s.fd, upgrade_request(port, "/?user_id=burst-" + std::to_string(i)))) {
          finish(s, 0);
          continue;
        }
        s.connected = true;
        epoll.modify(s.fd, kReadable, i);
        continue;
      }
      const bool open = read_available(s.fd, s.in);
      if (const auto end = s.in.find("\r\n\r\n"); end != std::string::npos) {
        finish(s, response_status(s.in.substr(0, end + 4)));
      } else if (!open) {
        finish(s, 0);
      }
    }
  }
  for (Shake& s : shakes) {
    if (s.fd >= 0) finish(s, 0);
  }
  return report;
}

// [SECTION] run_ws_cycles -----------------------------------------------------------------------------------

CycleReport run_ws_cycles(const CycleOptions& options) {
  enum class Step { kConnecting, kHead, kWelcome, kHeartbeat, kCloseEcho, kEof };
  static const char* const kStepNames[] = {"connecting", "response head", "welcome", "heartbeat answer",
                                           "close echo", "EOF"};
  struct Cycle {
    int fd = -1;
    int index = 0;
    Step step = Step::kConnecting;
    std::string in;
  };
  const std::string heartbeat = RawWs::client_frame(1, R"({"action":"heartbeat"})");
  const std::string close_1000 = RawWs::client_frame(8, std::string("\x03\xE8", 2));
  CycleReport report;
  Epoll epoll;
  std::vector<Cycle> slots(static_cast<std::size_t>(std::max(options.concurrency, 1)));
  int started = 0;
  const auto start = Clock::now();

  auto fail = [&](Cycle& c, const std::string& why) {
    if (report.failures++ == 0) {
      report.first_failure = "cycle " + std::to_string(c.index) + " (kind " + std::to_string(c.index % 4) + ") at " +
                             kStepNames[static_cast<int>(c.step)] + ": " + why;
    }
    if (c.fd >= 0) reset_close(c.fd);
    c.fd = -1;
  };
  auto launch = [&](std::size_t slot) {
    Cycle& c = slots[slot];
    while (started < options.cycles) {
      c = Cycle{};
      c.index = started++;
      c.fd = start_connect(options.port);
      if (c.fd < 0) {
        fail(c, std::string("socket/connect: ") + std::strerror(errno));
        continue;
      }
      epoll.add(c.fd, EPOLLOUT, slot);
      return;
    }
  };
  auto done = [&](Cycle& c, bool reset) {
    ++report.completed;
    ++(reset ? report.resets : report.clean_closes);
    if (reset) {
      reset_close(c.fd);
    } else {
      ::close(c.fd);
    }
    c.fd = -1;
  };
  auto failed = [&](Cycle& c, const std::string& why) {
    fail(c, why);
    return false;
  };
  // Handles the frames in c.in; false when the cycle ended (done or failed).
  auto on_frames = [&](Cycle& c) {
    int opcode = 0;
    std::string payload;
    const int kind = c.index % 4;
    while (take_frame(c.in, opcode, payload)) {
      switch (c.step) {
        case Step::kWelcome:
          if (opcode != 1 || payload.find(R"("status": "connected")") == std::string::npos) {
            return failed(c, "not the welcome: " + payload.substr(0, 80));
          }
          if (kind == 1) {
            if (!send_small(c.fd, close_1000)) return failed(c, "send close");
            c.step = Step::kCloseEcho;
            break;
          }
          if (!send_small(c.fd, heartbeat)) return failed(c, "send heartbeat");
          if (kind == 3) {
            done(c, true);
            return false;
          }
          c.step = Step::kHeartbeat;
          break;
        case Step::kHeartbeat:
          if (opcode != 1 || payload.find(R"("type": "heartbeat")") == std::string::npos) {
            return failed(c, "not the heartbeat: " + payload.substr(0, 80));
          }
          ++report.heartbeats_answered;
          if (!send_small(c.fd, close_1000)) return failed(c, "send close");
          c.step = Step::kCloseEcho;
          break;
        case Step::kCloseEcho:
          if (opcode != 8 || payload.size() < 2 || payload.compare(0, 2, std::string("\x03\xE8", 2)) != 0) {
            return failed(c, "expected the close echo 1000, got opcode " + std::to_string(opcode));
          }
          c.step = Step::kEof;
          break;
        default:
          return failed(c, "a frame after the close handshake, opcode " + std::to_string(opcode));
      }
    }
    return true;
  };

  for (std::size_t slot = 0; slot < slots.size(); ++slot) launch(slot);
  const auto deadline = start + options.timeout;
  std::vector<epoll_event> events(kMaxEvents);
  while (report.completed + report.failures < options.cycles && Clock::now() < deadline) {
    const int n = epoll.wait(events.data(), kMaxEvents, 50ms);
    for (int k = 0; k < n; ++k) {
      const std::size_t slot = static_cast<std::size_t>(events[k].data.u64);
      Cycle& c = slots[slot];
      if (c.fd < 0) continue;
      if (c.step == Step::kConnecting) {
        if (!connect_succeeded(c.fd)) {
          fail(c, "connect refused");
        } else if (!send_small(c.fd, upgrade_request(options.port, "/?user_id=" + options.user_prefix +
                                                                       std::to_string(c.index)))) {
          fail(c, "send handshake");
        } else {
          c.step = Step::kHead;
          epoll.modify(c.fd, kReadable, slot);
          continue;
        }
        launch(slot);
        continue;
      }
      bool reset = false;
      const bool open = read_available(c.fd, c.in, &reset);
      bool alive = true;
      if (c.step == Step::kHead) {
        const auto end = c.in.find("\r\n\r\n");
        if (end != std::string::npos) {
          const std::string head = c.in.substr(0, end + 4);
          c.in.erase(0, end + 4);
          if (response_status(head) != 101 ||
              head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") == std::string::npos) {
            fail(c, "not a 101: " + head.substr(0, head.find('\r')));
            alive = false;
          } else if (c.index % 4 == 2) {
            done(c, true);
            alive = false;
          } else {
            c.step = Step::kWelcome;
          }
        }
      }
      if (alive && c.step != Step::kHead) alive = on_frames(c);
      if (alive && !open) {
        if (c.step == Step::kEof && !reset) {
          done(c, false);
        } else {
          fail(c, reset ? "connection reset" : "server closed early");
        }
        alive = false;
      }
      if (!alive) launch(slot);
    }
  }
  for (Cycle& c : slots) {
    if (c.fd >= 0) fail(c, "timed out");
  }
  report.failures += options.cycles - started;  // never started: the run timed out first
  report.elapsed_ms = ms_between(start, Clock::now());
  return report;
}

}  // namespace dstest
