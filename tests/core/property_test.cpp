// Seeded property test: random interleavings of opens, closes, silent drops, sends, acks (some lost),
// rotations, hidden/visible pages, reloads and time. Whatever happens, every accepted message reaches the
// server, first arrivals are in the order the resident sent them, the outbox stays bounded, the engine
// never writes to a socket that is not open and never holds more than two sockets open.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/limits.hpp"
#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {

// The server side of every socket: what it received, and whether it still hears the client.
struct ServerModel {
  std::map<uint32_t, std::size_t> processed;  // frames of each socket already handled
  std::set<uint32_t> deaf;                    // silently dropped: frames are lost both ways
  std::vector<std::string> first_arrivals;    // unique client_msg_ids in arrival order
  std::set<std::string> seen;
  uint64_t duplicates = 0;
  double ack_drop = 0.0;

  // Handles every new frame the client sent; answers on live sockets.
  void pump(Harness& h, uint64_t& rng) {
    for (auto& [conn, sock] : h.sockets) {
      auto& done = processed[conn];
      while (done < sock.sent.size()) {
        const std::string frame = sock.sent[done++];
        if (deaf.count(conn)) continue;
        const auto j = nlohmann::json::parse(frame, nullptr, false);
        REQUIRE(j.is_object());
        const auto action = j.value("action", "");
        const bool can_reply = sock.open && !sock.closed;
        if (action == "sendMessage") {
          const auto id = j.value("client_msg_id", "");
          REQUIRE_FALSE(id.empty());
          if (seen.insert(id).second) first_arrivals.push_back(id);
          else ++duplicates;
          const bool drop = static_cast<double>(next_random(rng) % 1000) < ack_drop * 1000.0;
          if (can_reply && !drop) h.server_says(h.ack_for(id), conn);
        } else if (action == "heartbeat") {
          if (can_reply) h.server_says(R"({"type": "heartbeat", "timestamp": 1764345600})", conn);
        }
      }
    }
  }
};

struct World {
  std::unique_ptr<Harness> h;
  ServerModel server;
  std::vector<std::string> accepted;  // ids in the order the resident sent them
  uint64_t rng;
  int reloads = 0;
  std::map<StoreKey, std::string> storage;  // localStorage: survives reloads
  std::size_t persisted_seen = 0;

  explicit World(uint64_t seed) : rng(seed) {
    auto config = Harness::default_config();
    config.seed = seed;
    h = std::make_unique<Harness>(config);
    h->start();
  }

  void sync_storage() {
    for (; persisted_seen < h->persisted.size(); ++persisted_seen) {
      storage[h->persisted[persisted_seen].key] = h->persisted[persisted_seen].data;
    }
  }

  void check_invariants() {
    sync_storage();
    REQUIRE(h->engine.outbox().size() <= kOutboxMaxMessages);
    REQUIRE(h->open_socket_count() <= 2);
    for (const auto& l : h->logs) REQUIRE(l.text.find("ENGINE BUG") == std::string::npos);
  }

  // A reload: the page goes away (sockets drop), a new engine restores what was persisted.
  void reload() {
    ++reloads;
    sync_storage();
    const int64_t now = h->now;
    auto config = Harness::default_config();
    config.seed = next_random(rng);
    auto fresh = std::make_unique<Harness>(config);
    fresh->now = now;
    if (storage.count(StoreKey::Outbox)) fresh->apply(fresh->engine.restore(StoreKey::Outbox, storage[StoreKey::Outbox], now));
    if (storage.count(StoreKey::History)) fresh->apply(fresh->engine.restore(StoreKey::History, storage[StoreKey::History], now));
    // The new page's sockets get fresh generation ids from 1: keep the server's books apart.
    server.processed.clear();
    server.deaf.clear();
    h = std::move(fresh);
    persisted_seen = 0;
    h->start();
  }

  void step() {
    auto& hh = *h;
    const auto r = next_random(rng) % 100;
    const uint32_t cur = hh.engine.current_connection();
    const bool pending = cur != 0 && hh.sockets.count(cur) && !hh.sockets.at(cur).open && !hh.sockets.at(cur).closed;
    if (r < 25) {
      const auto res = hh.send("msg " + std::to_string(accepted.size()));
      if (res.error == SendError::None) accepted.push_back(res.id);
    } else if (r < 40) {
      // Open the newest pending socket (the server accepts the upgrade).
      const uint32_t newest = hh.newest_conn();
      if (newest && !hh.sockets.at(newest).open && !hh.sockets.at(newest).closed) hh.open(newest);
    } else if (r < 46) {
      if (cur && hh.sockets.count(cur) && hh.sockets.at(cur).open) {
        const int codes[] = {1000, 1001, 1006, 1011, 1012};
        hh.server_closes(codes[next_random(rng) % 5], cur);
      } else if (pending) {
        hh.server_closes(1006, cur);  // the upgrade was refused
      }
    } else if (r < 49) {
      if (cur) server.deaf.insert(cur);  // the link dies without a close
    } else if (r < 80) {
      hh.advance(static_cast<int64_t>(next_random(rng) % 3'000));
    } else if (r < 86) {
      hh.advance(static_cast<int64_t>(next_random(rng) % 40'000));
    } else if (r < 88) {
      hh.advance(110 * 60'000);  // reach the rotation point
    } else if (r < 91) {
      hh.apply(hh.engine.page_hidden(hh.now));
    } else if (r < 94) {
      hh.apply(hh.engine.page_visible(hh.now));
    } else if (r < 96) {
      hh.apply(hh.engine.network_online(hh.now));
    } else if (r < 97) {
      reload();
      return;
    } else {
      hh.apply(hh.engine.composer_input(hh.now));
    }
    server.pump(*h, rng);
    check_invariants();
  }

  // The network heals: keep accepting upgrades and acking until everything is delivered.
  void settle() {
    server.ack_drop = 0;
    for (int i = 0; i < 2'000 && !h->engine.outbox().empty(); ++i) {
      auto& hh = *h;
      const uint32_t cur = hh.engine.current_connection();
      if (cur && hh.sockets.count(cur) && server.deaf.count(cur)) {
        hh.advance(5'000);  // dead link: the heartbeat notices it
      } else if (cur && hh.sockets.count(cur) && !hh.sockets.at(cur).open && !hh.sockets.at(cur).closed) {
        hh.open(cur);
      } else {
        const uint32_t newest = hh.newest_conn();
        if (hh.engine.rotating() && newest && !hh.sockets.at(newest).open && !hh.sockets.at(newest).closed) {
          hh.open(newest);
        }
        hh.advance(1'000);
      }
      server.pump(*h, rng);
      check_invariants();
    }
  }
};

}  // namespace

TEST_CASE("property: no message is lost, duplicated or reordered, whatever the network does", "[property]") {
  const auto seed = GENERATE(range<uint64_t>(1, 41));
  CAPTURE(seed);
  World w(seed);
  w.server.ack_drop = 0.2;
  for (int i = 0; i < 1'500; ++i) w.step();
  w.settle();
  INFO("accepted " << w.accepted.size() << ", delivered " << w.server.first_arrivals.size() << ", duplicates "
                   << w.server.duplicates << ", reloads " << w.reloads);
  REQUIRE(w.h->engine.outbox().empty());
  CHECK(w.server.first_arrivals == w.accepted);
  // Every message shows as acked or answered to the resident (history of the current page).
  for (const auto& m : w.h->engine.chat().messages()) {
    if (m.role == Role::User) CHECK((m.state == MessageState::Acked || m.state == MessageState::Answered));
  }
}
