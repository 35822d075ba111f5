// Heartbeat and dead-link detection: every 30 s while connected, a link that stays silent 10 s after a
// heartbeat is dead; deadlines are wall-clock, so a throttled background tab catches up at once.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
std::size_t count(const std::vector<std::string>& v, const std::string& what) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), what));
}
}  // namespace

SCENARIO("heartbeats go out every 30 s while connected", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(29'000);
  CHECK(count(h.actions(), "heartbeat") == 0);
  h.stay_connected_for(1'000);
  CHECK(count(h.actions(), "heartbeat") == 1);
  CHECK(h.sent_texts().back() == R"({"action":"heartbeat","timestamp":)" + std::to_string(h.now) + "}");
  h.stay_connected_for(5 * 60'000);
  CHECK(count(h.actions(), "heartbeat") == 11);
  CHECK(h.engine.state() == ConnState::Connected);
}

SCENARIO("an idle hour costs at most 130 frames (polling cost 1,800 requests)", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(60 * 60'000);
  const auto frames = h.sent_texts().size();
  CHECK(frames <= 130);
  CHECK(frames >= 110);  // and it did keep the link alive (API Gateway idles out after 10 min)
}

SCENARIO("a dead link is noticed 10 s after an unanswered heartbeat", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t conn = h.newest_conn();
  h.advance(30'000);
  REQUIRE(count(h.actions(conn), "heartbeat") == 1);
  h.advance(9'999);
  CHECK(h.engine.state() == ConnState::Connected);
  h.advance(1);
  THEN("the socket is closed and a reconnection starts") {
    CHECK(h.socket(conn).closed);
    CHECK(h.engine.state() == ConnState::Reconnecting);
    CHECK(h.engine.stats().dead_links == 1);
  }
}

SCENARIO("any frame proves the link is alive, not only the heartbeat reply", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.advance(30'000);
  h.advance(5'000);
  h.server_says(R"({"type":"typing","typing":true,"agent":"assistant"})");
  h.advance(20'000);
  CHECK(h.engine.state() == ConnState::Connected);
}

SCENARIO("a background tab whose timers were throttled catches up when it is visible again", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.apply(h.engine.page_hidden(h.now));
  WHEN("no timer fired for 5 minutes and the page becomes visible") {
    h.now += 5 * 60'000;
    h.apply(h.engine.page_visible(h.now));
    THEN("a heartbeat probes the link at once") {
      CHECK(count(h.actions(), "heartbeat") == 1);
      AND_WHEN("the link is dead") {
        h.advance(10'000);
        THEN("it is noticed 10 s later and the engine reconnects") {
          CHECK(h.engine.state() == ConnState::Reconnecting);
        }
      }
      AND_WHEN("the link is alive") {
        h.server_says(R"({"type": "heartbeat", "timestamp": 1})");
        h.advance(10'000);
        THEN("it stays connected") { CHECK(h.engine.state() == ConnState::Connected); }
      }
    }
  }
}

SCENARIO("sending after a long throttled sleep first notices the dead link", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.advance(30'000);  // heartbeat out, no answer
  const uint32_t conn = h.newest_conn();
  h.now += 60'000;    // the tab slept: no tick
  const auto r = h.send("o vazamento no 502 voltou");
  THEN("the message is queued for the next connection, not written into the dead one") {
    CHECK(r.error == SendError::None);
    CHECK(h.socket(conn).closed);
    CHECK(h.engine.state() == ConnState::Reconnecting);
    CHECK(count(h.actions(conn), "sendMessage") == 0);
    h.advance(h.engine.next_retry_at_ms() - h.now);
    h.open();
    CHECK(count(h.actions(), "sendMessage") == 1);
  }
}

SCENARIO("network events probe an open connection", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.apply(h.engine.network_offline(h.now));
  CHECK(count(h.actions(), "heartbeat") == 1);
  h.apply(h.engine.network_online(h.now));
  CHECK(count(h.actions(), "heartbeat") == 1);  // one probe in flight is enough
  h.advance(10'000);
  CHECK(h.engine.state() == ConnState::Reconnecting);
}

SCENARIO("no heartbeat is ever sent after a disconnect (Phoenix's timer bug)", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.advance(15'000);
  h.apply(h.engine.disconnect(h.now));
  const auto sent = h.sent_texts().size();
  h.run_for(5 * 60'000);
  CHECK(h.sockets.begin()->second.sent.size() == sent);
}
