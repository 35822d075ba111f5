// harness.hpp: drives the engine in tests with a virtual clock and a fake transport. No sleeps, no I/O.
//
//   Harness h;                 // engine with test defaults, clock at kT0
//   h.start();                 // → an OpenSocket is pending
//   h.open();                  // the newest socket opens
//   h.server_says(R"({"type":"ack"})");
//   h.advance(30'000);         // clock.advance + tick
//   CHECK(h.sent_actions() == ...);
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.hpp"

namespace bos::test {

inline constexpr int64_t kT0 = 1'764'345'600'000;  // 2025-11-28T16:00:00Z in ms

struct Socket {
  uint32_t conn = 0;
  std::string url;
  bool open = false;
  bool closed = false;     // closed by the engine (CloseSocket) or by the test
  int close_code = 0;
  std::vector<std::string> sent;
};

class Harness {
 public:
  explicit Harness(EngineConfig config = default_config());
  static EngineConfig default_config();

  Engine engine;
  int64_t now = kT0;

  // Effects, as they came out (cleared by take_*).
  std::vector<Effect> effects;
  std::map<uint32_t, Socket> sockets;
  std::vector<Persist> persisted;
  std::vector<Notify> notifications;
  std::vector<Log> logs;
  std::vector<UiEvent> ui_events;

  void apply(Effects e);
  // Lifecycle
  void start() { apply(engine.start(now)); }
  void advance(int64_t ms) {
    now += ms;
    apply(engine.tick(now));
  }
  // Advances in steps, ticking each step (like the interval timer).
  void run_for(int64_t ms, int64_t step_ms = 1000);
  // Like run_for, with a live server that answers every heartbeat on the current connection.
  void stay_connected_for(int64_t ms, int64_t step_ms = 1000);
  // The newest socket the engine asked for (0 if none).
  uint32_t newest_conn() const { return sockets.empty() ? 0 : sockets.rbegin()->first; }
  Socket& socket(uint32_t conn) { return sockets.at(conn); }
  // Open the newest pending socket (or `conn`).
  void open(uint32_t conn = 0);
  void server_says(const std::string& text, uint32_t conn = 0);
  void server_closes(int code, uint32_t conn = 0, const std::string& reason = "");
  SendResult send(const std::string& text);
  // Frames sent on a connection (default: current), parsed "action" of each.
  std::vector<std::string> actions(uint32_t conn = 0) const;
  std::vector<std::string> sent_texts(uint32_t conn = 0) const;
  // Every sendMessage frame on any connection, as (client_msg_id, message) in sending order.
  std::vector<std::pair<std::string, std::string>> chat_frames() const;
  std::size_t open_socket_count() const;
  std::optional<Persist> last_persist(StoreKey key) const;
  // Acks every unacked sendMessage on `conn` by echoing client_msg_id.
  void ack_all(uint32_t conn = 0);
  // An ack echoing an id that matches nothing: the link learns the backend echoes ids (pipelined).
  void prove_ids(uint32_t conn = 0) { server_says(ack_for("m-proof"), conn); }
  std::string ack_for(const std::string& client_msg_id) const;

 private:
  uint32_t resolve(uint32_t conn) const { return conn ? conn : engine.current_connection(); }
  std::vector<std::string> acked_;
};

}  // namespace bos::test
