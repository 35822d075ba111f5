// engine_bench.cpp: the engine's own figures, native and (the same source) wasm under Node.
//
//   bos-engine-bench throughput FRAMES_FILE [MIN_MS]
//       parse + dispatch of recorded server frames (one per line) through Engine::on_text, the way the
//       browser feeds them, effects built and dropped; repeated until MIN_MS (default 2000) have passed.
//       Also parse_server_frame alone, for the split. One JSON line on stdout.
//   bos-engine-bench idle-hour [HOURS]
//       an engine connected and idle for HOURS (default 1) of virtual time, ticked every second (the
//       browser's interval timer) and at each deadline it reports (the precise timer); the server answers
//       every heartbeat at once. Counts the frames the engine sends. One JSON line on stdout.
//
// Uses only the engine's public API (src/core/engine.hpp); no sockets, no clock but for the stopwatch.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "core/engine.hpp"
#include "core/protocol.hpp"

namespace {

constexpr int64_t kT0 = 1'764'345'600'000;  // 2025-11-28T16:00:00Z

bos::EngineConfig bench_config() {
  bos::EngineConfig c;
  c.endpoint = "ws://127.0.0.1:3001";
  c.user_id = "bench-user";
  c.session_id = "bench-session";
  c.seed = 1;
  return c;
}

// Starts an engine and opens its first socket; returns the connection id.
uint32_t connect(bos::Engine& engine, int64_t now) {
  uint32_t conn = 0;
  for (auto& e : engine.start(now)) {
    if (auto* o = std::get_if<bos::OpenSocket>(&e)) conn = o->conn;
  }
  engine.on_open(conn, now);
  return conn;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int throughput(const char* path, double min_ms) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "bos-engine-bench: cannot read %s\n", path);
    return 2;
  }
  std::vector<std::string> frames;
  std::size_t bytes_per_pass = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    bytes_per_pass += line.size();
    frames.push_back(std::move(line));
  }
  if (frames.empty()) {
    std::fprintf(stderr, "bos-engine-bench: no frames in %s\n", path);
    return 2;
  }

  // Parse + dispatch: a fresh engine per run, history growing to its cap (10,000) and trimming after.
  bos::Engine engine(bench_config());
  int64_t now = kT0;
  const uint32_t conn = connect(engine, now);
  std::size_t dispatched = 0, effects = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (const auto& f : frames) {
      now += 1;
      effects += engine.on_text(conn, f, now).size();
    }
    dispatched += frames.size();
    elapsed = seconds_since(t0);
  } while (elapsed * 1000 < min_ms);
  const double dispatch_rate = static_cast<double>(dispatched) / elapsed;
  const double passes = static_cast<double>(dispatched) / static_cast<double>(frames.size());
  const double dispatch_bytes_rate = static_cast<double>(bytes_per_pass) * passes / elapsed;

  // Parse alone.
  std::size_t parsed = 0, valid = 0;
  const auto p0 = std::chrono::steady_clock::now();
  double parse_elapsed = 0;
  do {
    for (const auto& f : frames) valid += bos::parse_server_frame(f, now).type != bos::FrameType::Invalid;
    parsed += frames.size();
    parse_elapsed = seconds_since(p0);
  } while (parse_elapsed * 1000 < min_ms / 2);

  const auto& st = engine.stats();
  std::printf(
      "{\"frames_per_pass\":%zu,\"bytes_per_pass\":%zu,\"dispatched\":%zu,\"seconds\":%.3f,\"msgs_per_s\":%.0f,"
      "\"mb_per_s\":%.2f,\"effects\":%zu,\"invalid_frames\":%llu,\"history\":%zu,\"parse_msgs_per_s\":%.0f,"
      "\"parse_valid\":%zu}\n",
      frames.size(), bytes_per_pass, dispatched, elapsed, dispatch_rate, dispatch_bytes_rate / 1e6, effects,
      static_cast<unsigned long long>(st.invalid_frames), engine.chat().size(),
      static_cast<double>(parsed) / parse_elapsed, valid);
  return 0;
}

int idle_hours(double hours) {
  bos::Engine engine(bench_config());
  int64_t now = kT0;
  const uint32_t conn = connect(engine, now);
  engine.on_text(conn, R"({"type": "status", "status": "connected", "message": "ok", "timestamp": 1764345600, "connectionId": "R0oXAdfD0kwCH6w="})", now);
  const int64_t end = now + static_cast<int64_t>(hours * 3'600'000.0);
  std::size_t sent = 0, heartbeats = 0, other = 0, opens = 0, closes = 0;
  auto apply = [&](bos::Effects effects) {
    for (std::size_t i = 0; i < effects.size(); ++i) {
      if (auto* s = std::get_if<bos::SendText>(&effects[i])) {
        ++sent;
        if (s->text.find("\"heartbeat\"") != std::string::npos) {
          ++heartbeats;
          // The server answers at once: {"type": "heartbeat", "timestamp": N}.
          auto more = engine.on_text(s->conn, "{\"type\": \"heartbeat\", \"timestamp\": " + std::to_string(now / 1000) + "}", now);
          for (auto& m : more) effects.push_back(std::move(m));
        } else {
          ++other;
        }
      } else if (std::holds_alternative<bos::OpenSocket>(effects[i])) {
        ++opens;
      } else if (std::holds_alternative<bos::CloseSocket>(effects[i])) {
        ++closes;
      }
    }
  };
  int64_t next_interval = now + 1000;
  while (now < end) {
    const int64_t deadline = engine.next_deadline_ms();
    // The precise timer fires at the deadline (at least 1 ms later, like setTimeout), the interval every second.
    now = std::min({next_interval, deadline == bos::kNever ? end : std::max(deadline, now + 1), end});
    if (now == next_interval) next_interval += 1000;
    apply(engine.tick(now));
  }
  std::printf(
      "{\"hours\":%.2f,\"frames_sent\":%zu,\"heartbeats\":%zu,\"other_frames\":%zu,\"sockets_opened\":%zu,"
      "\"sockets_closed\":%zu,\"state\":\"%s\"}\n",
      hours, sent, heartbeats, other, opens, closes, bos::to_string(engine.state()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "throughput" && argc > 2) return throughput(argv[2], argc > 3 ? std::atof(argv[3]) : 2000.0);
  if (mode == "idle-hour") return idle_hours(argc > 2 ? std::atof(argv[2]) : 1.0);
  std::fprintf(stderr, "usage: bos-engine-bench throughput FRAMES_FILE [MIN_MS] | idle-hour [HOURS]\n");
  return 2;
}
