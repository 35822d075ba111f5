// Soak: six hours of virtual time with a live server (heartbeats, a chat now and then, API Gateway's
// 10-minute idle rule and 2-hour limit enforced by the fake server). Nothing grows: queues, history,
// sockets, the rotation bookkeeping.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

TEST_CASE("soak: 6 hours of virtual time with two-hour rotations and idle limits", "[soak]") {
  Harness h;
  h.start();
  h.open();
  std::map<uint32_t, int64_t> opened_at{{h.newest_conn(), h.now}};
  std::map<uint32_t, int64_t> last_data{{h.newest_conn(), h.now}};
  std::map<uint32_t, std::size_t> handled;
  std::size_t max_outbox = 0, max_open = 0, max_effects_log = 0;
  uint64_t rng = 99;
  int sent = 0;
  const int64_t end = h.now + 6 * 3'600'000;
  while (h.now < end) {
    h.advance(1'000);
    // The server: accept upgrades, answer heartbeats and messages, enforce API Gateway's limits.
    for (auto& [conn, sock] : h.sockets) {
      if (!sock.open && !sock.closed) {
        h.open(conn);
        opened_at[conn] = last_data[conn] = h.now;
      }
    }
    for (auto& [conn, sock] : h.sockets) {
      if (!sock.open || sock.closed) continue;
      auto& done = handled[conn];
      for (; done < sock.sent.size(); ++done) {
        last_data[conn] = h.now;
        const auto j = nlohmann::json::parse(sock.sent[done]);
        if (j["action"] == "heartbeat") h.server_says(R"({"type": "heartbeat", "timestamp": 1})", conn);
        if (j["action"] == "sendMessage") {
          h.server_says(h.ack_for(j["client_msg_id"]), conn);
          h.server_says(R"({"type": "message", "role": "assistant", "message": "ok", "timestamp": 1})", conn);
        }
      }
      if (h.now - last_data[conn] >= 600'000 || h.now - opened_at[conn] >= 7'200'000) {
        h.server_closes(1001, conn, "Going away");
        break;  // the map may have changed
      }
    }
    if (next_random(rng) % 600 == 0) {
      h.send("mensagem " + std::to_string(sent++));
    }
    max_outbox = std::max(max_outbox, h.engine.outbox().size());
    max_open = std::max(max_open, h.open_socket_count());
    max_effects_log = std::max(max_effects_log, h.effects.size());
    h.effects.clear();
    h.ui_events.clear();
  }
  INFO("messages " << sent << ", rotations " << h.engine.stats().rotations);
  CHECK(sent > 10);
  CHECK(h.engine.stats().rotations >= 2);
  CHECK(h.engine.stats().dead_links == 0);
  CHECK(h.engine.state() == ConnState::Connected);
  CHECK(max_outbox <= 2);
  CHECK(max_open <= 2);
  CHECK(h.engine.outbox().empty());
  CHECK(h.engine.chat().size() == static_cast<std::size_t>(2 * sent));  // questions and answers, no leftovers
  // The rotation's duplicate-detection memory is released once the overlap is over.
  CHECK_FALSE(h.engine.rotating());
  // No connection was lost to API Gateway's limits: every 2-hour boundary was rotated ahead of time.
  CHECK(h.engine.stats().connections_opened == h.engine.stats().rotations + 1);
}

TEST_CASE("regression: a message acked after the last history write shows as acked after a reload", "[chat][regression]") {
  Harness h;
  h.start();
  h.open();
  const auto q = h.send("pergunta");
  h.advance(1'000);  // history written with the message as "sent"
  h.server_says(h.ack_for(q.id));  // acked; the outbox (written at once) no longer has it
  Harness h2;
  h2.apply(h2.engine.restore(StoreKey::History, h.last_persist(StoreKey::History)->data, h2.now));
  h2.apply(h2.engine.restore(StoreKey::Outbox, h.last_persist(StoreKey::Outbox)->data, h2.now));
  h2.start();
  CHECK(h2.engine.chat().find_id(q.id)->state == MessageState::Acked);
  CHECK(h2.engine.outbox().empty());
}

TEST_CASE("regression: with a corrupt outbox, unsent messages are recovered from the history", "[chat][regression]") {
  Harness h;
  h.start();
  const auto q = h.send("digitada offline");
  h.apply(h.engine.page_hidden(h.now));
  Harness h2;
  h2.apply(h2.engine.restore(StoreKey::History, h.last_persist(StoreKey::History)->data, h2.now));
  h2.apply(h2.engine.restore(StoreKey::Outbox, R"({"v":1,"m":[[)", h2.now));
  h2.start();
  h2.open();
  REQUIRE(h2.chat_frames().size() == 1);
  CHECK(h2.chat_frames()[0].first == q.id);
}

TEST_CASE("regression: a message sent while the old connection drains is persisted at once", "[outbox][regression]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(110 * 60'000);
  const auto a = h.send("em voo na antiga");
  h.open(h.newest_conn());
  const auto b = h.send("segurada para manter a ordem");  // flush is held back: nothing is sent now
  const auto saved = h.last_persist(StoreKey::Outbox);
  REQUIRE(saved);
  CHECK(saved->data.find(b.id) != std::string::npos);
  CHECK(saved->data.find(a.id) != std::string::npos);
}
