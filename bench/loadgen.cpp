// loadgen.cpp: WebSocket load generator for the dev-server figure (bos-loadgen). Native only.
//
// One thread, epoll, non-blocking sockets, no library: cheap enough per message that the server, not
// this process, is what a step measures (each step reports this process's own CPU so that can be checked).
//
//   bos-loadgen --port P --conns N [--host 127.0.0.1] [--user-prefix lg] [--concurrency 512]
//               [--rates 1000,2000,...] [--warm-ms 1000] [--step-ms 4000] [--drain-ms 1000]
//               [--max-fails 1] [--wait-go]
//
// 1. Opens N WebSocket connections (?user_id=<prefix><i>&session_id=s<i>), at most --concurrency
//    handshakes in flight; prints {"event":"connected",...}.
// 2. With --wait-go, reads "go <epoch_ms>" on stdin and starts then (several processes in step).
// 3. For each rate R (heartbeats per second, over all connections, round robin): --warm-ms unmeasured,
//    then --step-ms measured, then --drain-ms without sending. A heartbeat's latency is the time from its
//    send to the server's {"type": "heartbeat"} answer on that connection (answers come back in order).
//    Prints {"event":"step",...} with a 0.1 ms histogram, so several processes' results can be merged.
//    Stops after --max-fails consecutive steps that were not sustained (p99 > 100 ms, answers lost, or
//    the target rate not reached).
// 4. Prints {"event":"done",...} and exits (the kernel closes the sockets).
//
// Index
//   [SECTION] State                 options, connections, steps, clocks
//   [SECTION] Sockets and frames    epoll, connect, masked frames, parsing answers
//   [SECTION] Connecting and steps  connect_all, run_step, the histogram
//   [SECTION] main
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

// [SECTION] State -------------------------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}
int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int conns = 1000;
  std::string user_prefix = "lg";
  int concurrency = 512;
  std::vector<int> rates = {1000, 2000, 5000, 10000, 20000, 40000, 60000, 80000, 100000, 130000, 160000, 200000};
  int warm_ms = 1000;
  int step_ms = 4000;
  int drain_ms = 1000;
  int max_fails = 1;
  bool wait_go = false;
};

constexpr int kMaxOutstanding = 32;
constexpr int kHistBuckets = 10000;  // 0.1 ms each: 0..1000 ms, then overflow

enum class ConnState { Connecting, Handshaking, Open, Closed };

struct Conn {
  int fd = -1;
  ConnState state = ConnState::Connecting;
  std::string in;
  std::string out;  // bytes the kernel did not take yet
  bool want_write = false;
  int64_t sent_at[kMaxOutstanding] = {};  // ring of heartbeat send times (us); 0 = unmeasured
  int head = 0, count = 0;
};

struct Step {
  int rate = 0;
  int64_t window_start = 0, window_end = 0;  // us
  uint64_t sent = 0, skipped = 0, answered = 0, late = 0, other_frames = 0;
  std::vector<uint32_t> hist = std::vector<uint32_t>(kHistBuckets + 1, 0);
  int64_t max_us = 0;
};

Options opt;
int ep = -1;
std::vector<Conn> conns;
int open_count = 0, failed = 0, closed_after_open = 0;
Step* step = nullptr;
uint64_t welcome_frames = 0;
uint32_t rng = 0x9e3779b9u;

uint32_t next_rand() {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

// [SECTION] Sockets and frames ------------------------------------------------------------------------------

void watch(int idx, bool write) {
  epoll_event ev{};
  ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
  ev.data.u32 = static_cast<uint32_t>(idx);
  epoll_ctl(ep, EPOLL_CTL_MOD, conns[idx].fd, &ev);
  conns[idx].want_write = write;
}

void close_conn(int idx) {
  Conn& c = conns[idx];
  if (c.state == ConnState::Closed) return;
  if (c.state == ConnState::Open) {
    --open_count;
    ++closed_after_open;
  } else {
    ++failed;
  }
  c.state = ConnState::Closed;
  epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
}

void flush(int idx) {
  Conn& c = conns[idx];
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      close_conn(idx);
      return;
    }
  }
  const bool need = !c.out.empty();
  if (need != c.want_write) watch(idx, need);
}

void write_bytes(int idx, const char* data, std::size_t n) {
  Conn& c = conns[idx];
  if (c.out.empty()) {
    const ssize_t w = ::send(c.fd, data, n, MSG_NOSIGNAL);
    if (w == static_cast<ssize_t>(n)) return;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      close_conn(idx);
      return;
    }
    c.out.append(data + std::max<ssize_t>(w, 0), n - static_cast<std::size_t>(std::max<ssize_t>(w, 0)));
  } else {
    c.out.append(data, n);
  }
  flush(idx);
}

// A masked client frame (RFC 6455 §5.3).
void send_frame(int idx, uint8_t opcode, const std::string& payload) {
  char buf[256 + 14];
  std::string big;
  char* p = buf;
  if (payload.size() > 256) {
    big.resize(payload.size() + 14);
    p = big.data();
  }
  std::size_t n = 0;
  p[n++] = static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    p[n++] = static_cast<char>(0x80 | payload.size());
  } else {
    p[n++] = static_cast<char>(0x80 | 126);
    p[n++] = static_cast<char>((payload.size() >> 8) & 0xff);
    p[n++] = static_cast<char>(payload.size() & 0xff);
  }
  const uint32_t mask = next_rand();
  std::memcpy(p + n, &mask, 4);
  const auto* m = reinterpret_cast<const uint8_t*>(&mask);
  n += 4;
  for (std::size_t i = 0; i < payload.size(); ++i) p[n + i] = static_cast<char>(payload[i] ^ static_cast<char>(m[i & 3]));
  n += payload.size();
  write_bytes(idx, p, n);
}

void on_text(int idx, const char* data, std::size_t len) {
  Conn& c = conns[idx];
  const std::string_view s(data, len);
  const bool heartbeat = s.find("\"heartbeat\"") != std::string_view::npos && s.find("\"type\"") != std::string_view::npos;
  if (!heartbeat || c.count == 0) {
    if (s.find("\"status\"") != std::string_view::npos) ++welcome_frames;
    else if (step) ++step->other_frames;
    return;
  }
  const int64_t at = c.sent_at[c.head];
  c.head = (c.head + 1) % kMaxOutstanding;
  --c.count;
  if (!step || at == 0) return;
  const int64_t lat = now_us() - at;
  if (at < step->window_start || at >= step->window_end) return;
  ++step->answered;
  const auto b = static_cast<std::size_t>(std::min<int64_t>(lat / 100, kHistBuckets));
  ++step->hist[b];
  step->max_us = std::max(step->max_us, lat);
}

// Parses whole frames out of c.in.
void parse_frames(int idx) {
  Conn& c = conns[idx];
  std::size_t pos = 0;
  while (c.state == ConnState::Open) {
    if (c.in.size() - pos < 2) break;
    const auto* b = reinterpret_cast<const uint8_t*>(c.in.data() + pos);
    const uint8_t opcode = b[0] & 0x0f;
    uint64_t len = b[1] & 0x7f;
    std::size_t hdr = 2;
    if (len == 126) {
      if (c.in.size() - pos < 4) break;
      len = (uint64_t{b[2]} << 8) | b[3];
      hdr = 4;
    } else if (len == 127) {
      if (c.in.size() - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      hdr = 10;
    }
    if (b[1] & 0x80) hdr += 4;  // servers never mask; tolerate it anyway
    if (c.in.size() - pos < hdr + len) break;
    const char* payload = c.in.data() + pos + hdr;
    pos += hdr + static_cast<std::size_t>(len);
    if (opcode == 0x1 || opcode == 0x0) {
      on_text(idx, payload, static_cast<std::size_t>(len));
    } else if (opcode == 0x9) {
      send_frame(idx, 0xA, std::string(payload, static_cast<std::size_t>(len)));
    } else if (opcode == 0x8) {
      close_conn(idx);
      return;
    }
  }
  c.in.erase(0, pos);
}

void start_connect(int idx) {
  Conn& c = conns[idx];
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    std::fprintf(stderr, "bos-loadgen: socket: %s (raise ulimit -n)\n", std::strerror(errno));
    std::exit(1);
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(opt.port));
  inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr);
  const int r = ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (r < 0 && errno != EINPROGRESS) {
    ::close(c.fd);
    c.fd = -1;
    c.state = ConnState::Closed;
    ++failed;
    return;
  }
  c.state = ConnState::Connecting;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u32 = static_cast<uint32_t>(idx);
  epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  c.want_write = true;
}

void on_event(int idx, uint32_t events) {
  Conn& c = conns[idx];
  if (c.state == ConnState::Closed) return;
  if (c.state == ConnState::Connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close_conn(idx);
      return;
    }
    c.state = ConnState::Handshaking;
    std::ostringstream req;
    req << "GET /?user_id=" << opt.user_prefix << idx << "&session_id=s" << idx << " HTTP/1.1\r\n"
        << "Host: " << opt.host << ':' << opt.port << "\r\n"
        << "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        << "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const std::string s = req.str();
    watch(idx, false);
    write_bytes(idx, s.data(), s.size());
    return;
  }
  if (events & EPOLLOUT) flush(idx);
  if (c.state == ConnState::Closed) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (n < static_cast<ssize_t>(sizeof buf)) break;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        close_conn(idx);
        return;
      }
    }
    if (c.state == ConnState::Handshaking) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
        close_conn(idx);
        return;
      }
      c.in.erase(0, end + 4);
      c.state = ConnState::Open;
      ++open_count;
    }
    parse_frames(idx);
  }
}

void poll_once(int timeout_ms) {
  epoll_event events[1024];
  const int n = epoll_wait(ep, events, 1024, timeout_ms);
  for (int i = 0; i < n; ++i) on_event(static_cast<int>(events[i].data.u32), events[i].events);
}

// [SECTION] Connecting and steps ----------------------------------------------------------------------------

void connect_all() {
  const int64_t t0 = now_us();
  int next = 0;
  while (true) {
    int in_flight = 0;
    // Counting every loop is O(N); do it cheaply: connections started minus settled ones.
    in_flight = next - open_count - failed;
    while (next < opt.conns && in_flight < opt.concurrency) {
      start_connect(next++);
      ++in_flight;
    }
    if (next >= opt.conns && in_flight <= 0) break;
    if (now_us() - t0 > 120'000'000) break;  // two minutes: give up on the stragglers
    poll_once(10);
  }
  // Let the welcome frames of the last connections arrive.
  const int64_t settle = now_us() + 200'000;
  while (now_us() < settle) poll_once(10);
  std::printf("{\"event\":\"connected\",\"conns\":%d,\"failed\":%d,\"ms\":%.0f,\"welcome_frames\":%llu}\n", open_count,
              failed, static_cast<double>(now_us() - t0) / 1000.0, static_cast<unsigned long long>(welcome_frames));
  std::fflush(stdout);
}

std::string heartbeat_payload() {
  return "{\"action\":\"heartbeat\",\"timestamp\":" + std::to_string(epoch_ms()) + "}";
}

uint64_t percentile_us(const Step& s, double p, uint64_t total) {
  if (total == 0) return 0;
  const auto target = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
  uint64_t seen = 0;
  for (int b = 0; b <= kHistBuckets; ++b) {
    seen += s.hist[static_cast<std::size_t>(b)];
    if (seen >= target) return static_cast<uint64_t>(b) * 100 + 100;
  }
  return UINT64_MAX;
}

bool run_step(int rate, int64_t start_us) {
  Step s;
  s.rate = rate;
  const int64_t warm_end = start_us + int64_t{opt.warm_ms} * 1000;
  s.window_start = warm_end;
  s.window_end = warm_end + int64_t{opt.step_ms} * 1000;
  const int64_t drain_end = s.window_end + int64_t{opt.drain_ms} * 1000;
  step = &s;
  const double cpu0 = cpu_seconds();
  uint64_t issued = 0;
  std::size_t cursor = 0;
  while (now_us() < start_us) poll_once(1);
  uint64_t window_sent = 0, window_skipped = 0;
  for (;;) {
    const int64_t t = now_us();
    if (t >= drain_end) break;
    if (t < s.window_end) {
      const auto due = static_cast<uint64_t>(static_cast<double>(t - start_us) * rate / 1e6);
      std::string payload = heartbeat_payload();
      while (issued < due) {
        ++issued;
        // The next open connection in round-robin order.
        Conn* c = nullptr;
        int idx = 0;
        for (std::size_t tries = 0; tries < conns.size(); ++tries) {
          idx = static_cast<int>(cursor++ % conns.size());
          if (conns[static_cast<std::size_t>(idx)].state == ConnState::Open) {
            c = &conns[static_cast<std::size_t>(idx)];
            break;
          }
        }
        if (!c) break;
        const bool measured = t >= s.window_start;
        if (c->count >= kMaxOutstanding) {
          if (measured) ++window_skipped;
          continue;
        }
        const int tail = (c->head + c->count) % kMaxOutstanding;
        c->sent_at[tail] = measured ? now_us() : 0;
        ++c->count;
        if (measured) ++window_sent;
        send_frame(idx, 0x1, payload);
      }
    }
    poll_once(1);
  }
  step = nullptr;
  s.sent = window_sent;
  s.skipped = window_skipped;
  const double cpu = cpu_seconds() - cpu0;
  const double wall = static_cast<double>(drain_end - start_us) / 1e6;
  const double window_s = opt.step_ms / 1000.0;
  const uint64_t expected = static_cast<uint64_t>(rate * window_s);
  const uint64_t lost = s.sent > s.answered ? s.sent - s.answered : 0;
  // p99 over every heartbeat sent in the window; an unanswered one counts as infinitely late.
  const uint64_t p99 = lost * 100 > s.sent ? UINT64_MAX : percentile_us(s, 99, s.sent);
  const bool sustained = s.sent >= expected * 97 / 100 && lost * 1000 <= s.sent && p99 <= 100'000;
  std::printf("{\"event\":\"step\",\"rate\":%d,\"expected\":%llu,\"sent\":%llu,\"skipped\":%llu,\"answered\":%llu,\"lost\":%llu,"
              "\"achieved_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"open\":%d,\"loadgen_cpu_pct\":%.1f,"
              "\"sustained\":%s,\"hist\":\"",
              rate, static_cast<unsigned long long>(expected), static_cast<unsigned long long>(s.sent),
              static_cast<unsigned long long>(s.skipped), static_cast<unsigned long long>(s.answered),
              static_cast<unsigned long long>(lost), static_cast<double>(s.answered) / window_s,
              static_cast<double>(percentile_us(s, 50, s.answered)) / 1000.0,
              p99 == UINT64_MAX ? -1.0 : static_cast<double>(p99) / 1000.0, static_cast<double>(s.max_us) / 1000.0,
              open_count, cpu / wall * 100.0, sustained ? "true" : "false");
  bool first = true;
  for (int b = 0; b <= kHistBuckets; ++b) {
    if (!s.hist[static_cast<std::size_t>(b)]) continue;
    std::printf("%s%d:%u", first ? "" : ",", b, s.hist[static_cast<std::size_t>(b)]);
    first = false;
  }
  std::printf("\"}\n");
  std::fflush(stdout);
  return sustained;
}

std::vector<int> parse_rates(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

// [SECTION] main --------------------------------------------------------------------------------------------

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bos-loadgen: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--host") opt.host = val();
    else if (a == "--port") opt.port = std::atoi(val().c_str());
    else if (a == "--conns") opt.conns = std::atoi(val().c_str());
    else if (a == "--user-prefix") opt.user_prefix = val();
    else if (a == "--concurrency") opt.concurrency = std::atoi(val().c_str());
    else if (a == "--rates") opt.rates = parse_rates(val());
    else if (a == "--warm-ms") opt.warm_ms = std::atoi(val().c_str());
    else if (a == "--step-ms") opt.step_ms = std::atoi(val().c_str());
    else if (a == "--drain-ms") opt.drain_ms = std::atoi(val().c_str());
    else if (a == "--max-fails") opt.max_fails = std::atoi(val().c_str());
    else if (a == "--wait-go") opt.wait_go = true;
    else {
      std::fprintf(stderr, "bos-loadgen: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (opt.port <= 0 || opt.conns <= 0) {
    std::fprintf(stderr, "usage: bos-loadgen --port P --conns N [--rates a,b,c] ...\n");
    return 2;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  conns.resize(static_cast<std::size_t>(opt.conns));
  connect_all();

  int64_t start = now_us() + 100'000;
  if (opt.wait_go) {
    // "go <epoch_ms>": every process starts its first step at the same wall-clock instant.
    std::string word;
    long long at = 0;
    if (!(std::cin >> word >> at) || word != "go") return 0;
    start = now_us() + std::max<int64_t>(0, (at - epoch_ms()) * 1000);
  }
  int fails = 0;
  const int64_t step_us = int64_t{opt.warm_ms + opt.step_ms + opt.drain_ms} * 1000;
  for (std::size_t i = 0; i < opt.rates.size(); ++i) {
    const bool ok = run_step(opt.rates[i], start + static_cast<int64_t>(i) * step_us);
    fails = ok ? 0 : fails + 1;
    if (fails >= opt.max_fails) break;
  }
  std::printf("{\"event\":\"done\",\"open\":%d,\"closed_after_open\":%d}\n", open_count, closed_after_open);
  std::fflush(stdout);
  return 0;
}
