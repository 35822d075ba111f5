// One Link record per connection (current, next, draining), emptied whole; the named limits and config
// fields that replaced bare numbers; the endpoint check with the page's real origin.
#include <catch2/catch.hpp>

#include "core/limits.hpp"
#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
std::size_t typing_frames(const Harness& h, uint32_t conn) {
  std::size_t n = 0;
  for (const auto& a : h.actions(conn)) n += a == "typing";
  return n;
}

bool logged(const Harness& h, const std::string& part) {
  return std::any_of(h.logs.begin(), h.logs.end(), [&](const Log& l) { return l.text.find(part) != std::string::npos; });
}
}  // namespace

SCENARIO("a rotation moves links between the three slots, each starting empty", "[link][rotation]") {
  Harness h;
  h.start();
  CHECK(h.engine.current_link().state == LinkState::Opening);
  CHECK(h.engine.current_link().connect_deadline_ms == h.now + 10'000);
  h.open();
  const uint32_t first = h.engine.current_connection();
  CHECK(h.engine.current_link().open());
  CHECK(h.engine.current_link().connect_deadline_ms == kNever);
  CHECK(h.engine.current_link().delivery == DeliveryMode::Unknown);  // issue 12 decides it
  h.server_says(R"({"type":"status","status":"connected","connectionId":"A1"})");
  h.stay_connected_for(110 * 60'000);
  REQUIRE(h.engine.next_link().active());
  CHECK(h.engine.next_link().state == LinkState::Opening);
  const uint32_t second = h.engine.next_link().id;
  h.open(second);
  THEN("the next link is current, open, without the old one's name; the old one drains") {
    CHECK_FALSE(h.engine.next_link().active());
    CHECK(h.engine.current_link().id == second);
    CHECK(h.engine.current_link().open());
    CHECK(h.engine.connection_id().empty());
    CHECK(h.engine.draining_link().id == first);
    CHECK(h.engine.draining_link().drain_deadline_ms <= h.now + h.engine.config().drain_linger_ms);
    h.stay_connected_for(h.engine.config().drain_linger_ms);
    CHECK_FALSE(h.engine.draining_link().active());
    CHECK(h.engine.draining_link().drain_deadline_ms == kNever);
  }
}

SCENARIO("reconnect() ends the current link whole, typing and name included", "[link][typing]") {
  Harness h;
  h.start();
  h.open();
  h.server_says(R"({"type":"status","status":"connected","connectionId":"A1"})");
  h.apply(h.engine.composer_input(h.now));
  const uint32_t first = h.engine.current_connection();
  REQUIRE(typing_frames(h, first) == 1);
  h.apply(h.engine.reconnect(h.now));
  THEN("nothing of the old link survives") {
    CHECK(h.engine.connection_id().empty());  // no stale id while the fresh connection opens
    CHECK_FALSE(h.engine.current_link().typing_sent);
    CHECK(h.engine.current_link().state == LinkState::Opening);
  }
  AND_WHEN("the fresh connection opens and the resident keeps typing") {
    h.open();
    const uint32_t second = h.engine.current_connection();
    h.advance(2'000);
    CHECK(typing_frames(h, second) == 0);  // no typing:false for a typing:true this connection never heard
    h.apply(h.engine.composer_input(h.now));
    THEN("the new connection is told, as the server forgets typing per connection") {
      CHECK(typing_frames(h, second) == 1);
    }
  }
}

SCENARIO("a refused connection ends the current and the next link", "[link]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(110 * 60'000);
  REQUIRE(h.engine.next_link().active());
  const std::string long_reason = std::string(200, 'x');
  h.server_closes(kClosePolicy, h.engine.current_connection(), long_reason);
  CHECK_FALSE(h.engine.current_link().active());
  CHECK_FALSE(h.engine.next_link().active());
  CHECK(h.engine.state() == ConnState::Failed);
  // The close reason in the log is cut to what a close frame can carry.
  REQUIRE(logged(h, "server closed the connection with 1008"));
  CHECK(logged(h, std::string(kMaxCloseReasonBytes, 'x') + ":"));
  CHECK_FALSE(logged(h, std::string(kMaxCloseReasonBytes + 1, 'x')));
}

TEST_CASE("the engine's own close codes are the named ones", "[link]") {
  CHECK(kCloseDeadLink == 4001);
  CHECK(kCloseConnectTimeout == 4002);
  CHECK(kCloseSendFailed == 4003);
  Harness h;
  h.start();
  const uint32_t attempt = h.engine.current_connection();
  h.advance(10'000);
  CHECK(h.socket(attempt).close_code == kCloseConnectTimeout);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  const uint32_t live = h.engine.current_connection();
  h.apply(h.engine.on_send_failed(live, h.now));
  CHECK(h.socket(live).close_code == kCloseSendFailed);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  const uint32_t silent = h.engine.current_connection();
  h.advance(30'000);  // heartbeat, no answer
  h.advance(10'000);
  CHECK(h.socket(silent).close_code == kCloseDeadLink);
}

TEST_CASE("the resend cap is EngineConfig::ack_timeout_max_ms", "[link][outbox]") {
  EngineConfig c = Harness::default_config();
  c.ack_timeout_ms = 1'000;
  c.ack_timeout_max_ms = 3'000;
  c.heartbeat_interval_ms = 1'000'000;
  Harness h(c);
  h.start();
  h.open();
  h.prove_ids();  // same-link resends are for backends that deduplicate (issue 12)
  h.send("sem ack");
  std::vector<int64_t> sent_at;
  for (int i = 0; i < 20'000 / 500; ++i) {
    const auto before = h.chat_frames().size();
    h.advance(500);
    if (h.chat_frames().size() > before) sent_at.push_back(h.now);
  }
  REQUIRE(sent_at.size() >= 5);
  // 1 s, 2 s, then capped at 3 s: 4 s doubling would be over the cap.
  CHECK(sent_at[1] - sent_at[0] == 2'000);
  CHECK(sent_at[2] - sent_at[1] == 3'000);
  CHECK(sent_at[3] - sent_at[2] == 3'000);
}

TEST_CASE("the dedupe window after a rotation is EngineConfig::dedupe_window_ms", "[link][rotation]") {
  const char* broadcast = R"({"type":"notification","message":"O elevador chegou","timestamp":1764345601})";
  const int64_t window = GENERATE(int64_t{1'000}, int64_t{8'000});
  const bool late = GENERATE(false, true);
  EngineConfig c = Harness::default_config();
  c.dedupe_window_ms = window;
  Harness h(c);
  h.start();
  h.open();
  const uint32_t first = h.engine.current_connection();
  h.stay_connected_for(110 * 60'000);
  const uint32_t second = h.engine.next_link().id;
  h.open(second);
  h.server_says(broadcast, first);  // the old connection's copy, while it lingers
  h.stay_connected_for(c.drain_linger_ms);
  REQUIRE_FALSE(h.engine.draining_link().active());
  h.advance(late ? window + 500 : window - 500);
  h.server_says(broadcast, second);  // the new connection's copy
  CAPTURE(window, late);
  CHECK(h.engine.stats().cross_connection_duplicates == (late ? 0u : 1u));
}

TEST_CASE("one counter per FrameError, and no FrameError past the last", "[link][protocol]") {
  CHECK(std::size(EngineStats{}.invalid_by_error) == kFrameErrorCount);
  for (std::size_t i = 0; i < kFrameErrorCount; ++i) CHECK(std::string(to_string(static_cast<FrameError>(i))) != "?");
  CHECK(std::string(to_string(static_cast<FrameError>(kFrameErrorCount))) == "?");
  Harness h;
  h.start();
  h.open();
  h.server_says(R"({"type":"nope"})");
  CHECK(h.engine.stats().invalid_by_error[static_cast<std::size_t>(FrameError::UnknownType)] == 1);
}

SCENARIO("the endpoint check uses the page's real origin (EngineConfig::page_is_loopback)", "[link][protocol]") {
  const auto insecure_logged = [](const std::string& endpoint, bool page_is_loopback) {
    EngineConfig c = Harness::default_config();
    c.endpoint = endpoint;
    c.page_is_loopback = page_is_loopback;
    Harness h(c);
    h.start();
    return logged(h, "invalid WebSocket endpoint (insecure_outside_loopback)");
  };
  CHECK_FALSE(insecure_logged("ws://localhost:3001", true));  // the dev page on localhost
  CHECK(insecure_logged("ws://localhost:3001", false));       // a real site cannot use a plain socket
  CHECK(insecure_logged("ws://example.com", true));
  CHECK_FALSE(insecure_logged("wss://websocket-api.buildingos.com", false));
  CHECK_FALSE(EngineConfig{}.page_is_loopback);  // the safe default
}
