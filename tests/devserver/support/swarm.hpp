// swarm.hpp: thousands of raw TCP clients at once for the hardening tests (handshake floods, slowloris,
// connect/disconnect churn), driven by epoll from one thread each, so 2,000 sockets cost no threads and
// little CPU on a small machine. Every wait has a deadline. Free of Boost and Catch headers.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "support/harness.hpp"

namespace dstest {

// Raises this process's RLIMIT_NOFILE soft limit towards `want` (capped by the hard limit) and returns
// the soft limit now in force. Call it before starting the server: the child inherits the limit.
std::size_t raise_fd_limit(std::size_t want);

// --- slowloris ----------------------------------------------------------------------------------------

struct FloodReport {
  int connected = 0;         // TCP connects that succeeded
  int connect_failed = 0;
  int closed_by_server = 0;  // sockets the server closed (EOF or reset)
  long long min_lifetime_ms = 0;  // from our connect() call to the server's close, over the closed sockets
  long long max_lifetime_ms = 0;
  int trickle_writes = 0;       // header lines the trickling sockets got through
  long long bytes_received = 0; // anything the server answered (it should answer nothing)
};

// Opens `count` TCP connections at once that never complete an HTTP request: a third send nothing, a
// third half a request, a third half a request and then one more header line every `trickle_every`
// (slowloris). The constructor returns once every connect finished; a background thread then trickles
// and records when the server closes each socket.
class SlowFlood {
 public:
  SlowFlood(std::uint16_t port, int count, Millis trickle_every = 200ms);
  ~SlowFlood();
  SlowFlood(const SlowFlood&) = delete;
  SlowFlood& operator=(const SlowFlood&) = delete;

  // Waits until the server has closed every connected socket; false at the deadline.
  bool wait_all_closed(Millis timeout);
  FloodReport report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- handshake burst ----------------------------------------------------------------------------------

struct BurstReport {
  std::map<int, int> statuses;  // HTTP status of each handshake response -> how many
  int no_response = 0;          // connect failed, or no complete response head before the deadline
  long long elapsed_ms = 0;     // first connect to last response
  int count(int status) const {
    const auto it = statuses.find(status);
    return it == statuses.end() ? 0 : it->second;
  }
};

// Sends `count` complete WebSocket handshakes (user_id=burst-<i>) at once, reads each response head, then
// resets each socket (a 101 becomes an abrupt closure the server must clean up).
BurstReport handshake_burst(std::uint16_t port, int count, Millis timeout = 5000ms);

// --- connect/disconnect churn -------------------------------------------------------------------------

struct CycleOptions {
  std::uint16_t port = 0;
  int cycles = 0;
  int concurrency = 32;              // cycles in flight at once
  std::string user_prefix = "cyc-";  // each cycle is its own user: <prefix><i>
  Millis timeout = 20000ms;          // for the whole run
};

struct CycleReport {
  int completed = 0;       // cycles that went exactly as expected
  int clean_closes = 0;    // of which: close handshake 1000 echoed, then the server closed TCP
  int resets = 0;          // of which: we reset the TCP connection abruptly
  int heartbeats_answered = 0;
  int failures = 0;
  std::string first_failure;
  long long elapsed_ms = 0;
};

// Runs WebSocket connect/disconnect cycles, four kinds in turn (cycle i does kind i % 4):
//   0  handshake, welcome, heartbeat and its answer, close 1000, echo, server closes TCP
//   1  handshake, welcome, close 1000 at once, echo, server closes TCP
//   2  handshake, then a TCP reset as soon as the 101 arrives (welcome unread)
//   3  handshake, welcome, heartbeat, then a TCP reset without reading the answer
CycleReport run_ws_cycles(const CycleOptions& options);

}  // namespace dstest
