// Regressions found by the fuzzers (fuzz/): each is the smallest reproducer of one finding, named after it.
// The fuzzers' own inputs are replayed by fuzz_replay_test.cpp.
#include <catch2/catch.hpp>

#include "core/limits.hpp"
#include "core/outbox.hpp"
#include "core/protocol.hpp"
#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

TEST_CASE("regression: fuzz_restore: a corrupt history entry made the stored outbox unreadable", "[fuzz][outbox]") {
  // A resident message the history still shows as queued is put back in the outbox when the outbox could not
  // be read. One with no text (or too long) was put back too; restore() refuses such an entry, so the next
  // load threw away the whole stored outbox, with every other message in it.
  const std::string too_long(kMaxMessageCodepoints + 1, 'x');
  Harness h;
  h.apply(h.engine.restore(StoreKey::History,
                           R"({"v":1,"m":[{"i":"q0","r":0,"s":0,"t":"","ts":1},)"
                           R"({"i":"q1","r":0,"s":1,"t":"o vazamento no 502 voltou","ts":2},)"
                           R"({"i":"q2","r":0,"s":0,"t":")" + too_long + R"(","ts":3}]})",
                           h.now));
  h.start();
  const auto stored = h.last_persist(StoreKey::Outbox);
  REQUIRE(stored);
  Outbox reread;
  CHECK(reread.restore(stored->data) == RestoreError::None);
  REQUIRE(reread.size() == 1);
  CHECK(reread.entries().front().id == "q1");
  CHECK(h.engine.outbox().size() == 1);
}

TEST_CASE("regression: Outbox::push refuses what restore() would refuse", "[fuzz][outbox]") {
  Outbox o;
  OutboxEntry no_text;
  no_text.id = "a";
  CHECK(o.push(no_text) == SendError::Empty);
  OutboxEntry no_id;
  no_id.text = "x";
  CHECK(o.push(no_id) == SendError::Empty);
  OutboxEntry long_id;
  long_id.id = std::string(kMaxShortFieldBytes + 1, 'i');
  long_id.text = "x";
  CHECK(o.push(long_id) == SendError::Empty);
  OutboxEntry long_text;
  long_text.id = "b";
  long_text.text = std::string(kMaxMessageCodepoints + 1, 'x');
  CHECK(o.push(long_text) == SendError::TooLong);
  CHECK(o.empty());
  CHECK(o.bytes() == 0);
}

SCENARIO("regression: fuzz_frame: reconnect() during a rotation left the engine connecting while connected",
         "[fuzz][rotation]") {
  GIVEN("a connection whose rotation is opening the next socket") {
    Harness h;
    h.start();
    h.open();
    h.advance(h.engine.config().rotate_after_ms);
    REQUIRE(h.engine.rotating());
    const uint32_t old_conn = h.engine.current_connection();
    const uint32_t next_conn = h.newest_conn();
    REQUIRE(next_conn != old_conn);
    WHEN("the resident (or the automation API) forces a reconnection") {
      h.apply(h.engine.reconnect(h.now));
      THEN("the rotation in flight is abandoned with the old connection") {
        CHECK(h.socket(old_conn).closed);
        CHECK(h.socket(next_conn).closed);
        CHECK_FALSE(h.engine.rotating());
        AND_THEN("the fresh connection opens and the engine is connected on it alone") {
          h.open();
          CHECK(h.engine.state() == ConnState::Connected);
          CHECK(h.engine.current_connection() == h.newest_conn());
          CHECK(h.open_socket_count() == 1);
        }
      }
    }
  }
}

TEST_CASE("regression: fuzz_frame: a NUL byte ended the frame and hid what followed", "[fuzz][protocol]") {
  // nlohmann's parser takes a NUL byte for the end of its input, so `{"type":"ack"}<NUL>anything` parsed as
  // an ack, whatever followed (even invalid UTF-8). JSON has no raw NUL: such a frame is not JSON.
  using namespace std::string_literals;
  const auto trailing = parse_server_frame("{\"type\":\"ack\"}\0 trailing"s, 1);
  CHECK(trailing.type == FrameType::Invalid);
  CHECK(trailing.error == FrameError::InvalidJson);
  const auto hidden = parse_server_frame("{\"type\":\"message\",\"message\":\"ok\"}\0\xFF\xFE"s, 1);
  CHECK(hidden.type == FrameType::Invalid);
  CHECK(hidden.error == FrameError::InvalidUtf8);
  const auto inside = parse_server_frame("{\"type\":\"message\",\"message\":\"a\0b\"}"s, 1);
  CHECK(inside.type == FrameType::Invalid);
  // The escaped form is a NUL character like any other: a C0 control, so it goes (issue 13), and the text
  // after it stays.
  const auto escaped = parse_server_frame(R"({"type":"message","message":"a\u0000b"})", 1);
  CHECK(escaped.type == FrameType::Message);
  CHECK(escaped.message == "ab");
}
