// Rotation before API Gateway's 2-hour limit: open the next connection first, move sending to it, let the
// old one finish its acks, never show a broadcast twice, never reorder or lose a message.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
const char* kAnswer = R"({"type": "message", "role": "assistant", "message": "Resposta", "timestamp": 1764345601})";
}

SCENARIO("the connection is rotated before the 2-hour limit", "[rotation]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t first = h.newest_conn();
  h.stay_connected_for(110 * 60'000 - 1'000);
  REQUIRE(h.sockets.size() == 1);
  h.stay_connected_for(1'000);
  REQUIRE(h.sockets.size() == 2);
  const uint32_t second = h.newest_conn();
  CHECK(h.engine.state() == ConnState::Connected);
  CHECK(h.engine.current_connection() == first);  // still serving on the old one while the new one opens

  WHEN("the new connection opens and nothing is in flight") {
    h.open(second);
    THEN("sending moves to it and the old one is closed normally after lingering 2 s") {
      CHECK(h.engine.current_connection() == second);
      CHECK_FALSE(h.socket(first).closed);
      h.stay_connected_for(2'000);
      CHECK(h.socket(first).closed);
      CHECK(h.socket(first).close_code == 1000);
      CHECK(h.engine.stats().rotations == 1);
      CHECK(h.engine.state() == ConnState::Connected);
    }
  }
  WHEN("a message was in flight on the old connection") {
    const auto a = h.send("enviada na antiga");
    h.open(second);
    const auto b = h.send("enviada depois da rotacao");
    THEN("the old connection stays open for the ack, and the new message waits its turn") {
      CHECK_FALSE(h.socket(first).closed);
      CHECK(h.sent_texts(second).empty());
      h.server_says(h.ack_for(a.id), first);
      REQUIRE(h.chat_frames().size() == 2);
      CHECK(h.chat_frames()[1].first == b.id);
      h.stay_connected_for(2'000);
      CHECK(h.socket(first).closed);
    }
    AND_WHEN("the old connection dies before the ack") {
      h.server_closes(1006, first);
      THEN("its message is resent first on the new connection, then the new one after its ack") {
        REQUIRE(h.chat_frames().size() == 2);  // one in flight until the new link's first ack (issue 12)
        CHECK(h.chat_frames()[1].first == a.id);
        h.server_says(h.ack_for(a.id), second);
        const auto frames = h.chat_frames();
        REQUIRE(frames.size() == 3);
        CHECK(frames[2].first == b.id);
        CHECK(h.engine.state() == ConnState::Connected);
      }
    }
    AND_WHEN("the ack never comes") {
      h.stay_connected_for(30'000);
      THEN("the old connection is closed after the drain timeout and the message resent") {
        CHECK(h.socket(first).closed);
        CHECK(h.chat_frames().size() >= 2);
        CHECK(h.chat_frames()[1].first == a.id);
      }
    }
  }
  WHEN("the server broadcasts to both connections during the overlap") {
    const auto a = h.send("pergunta");
    h.open(second);
    h.server_says(h.ack_for(a.id), first);
    h.server_says(kAnswer, second);
    h.server_says(kAnswer, first);  // the old one was still registered for the broadcast
    THEN("the answer shows once") {
      std::size_t answers = 0;
      for (const auto& m : h.engine.chat().messages()) answers += m.role == Role::Assistant;
      CHECK(answers == 1);
      CHECK(h.engine.stats().cross_connection_duplicates == 1);
    }
  }
  WHEN("the new connection fails to open") {
    h.server_closes(1006, second);
    THEN("the old one keeps serving and rotation is tried again a minute later") {
      CHECK(h.engine.current_connection() == first);
      CHECK(h.engine.state() == ConnState::Connected);
      h.stay_connected_for(60'000);
      CHECK(h.sockets.size() == 3);
    }
  }
  WHEN("the old connection reaches API Gateway's limit while the new one is still opening") {
    h.server_closes(1001, first, "Going away");
    THEN("the opening connection becomes the reconnection") {
      CHECK(h.engine.state() == ConnState::Reconnecting);
      h.open(second);
      CHECK(h.engine.state() == ConnState::Connected);
      CHECK(h.engine.current_connection() == second);
      CHECK(h.sockets.size() == 2);
    }
  }
}

SCENARIO("identical frames on the same connection are never deduplicated", "[rotation]") {
  Harness h;
  h.start();
  h.open();
  h.server_says(kAnswer);
  h.server_says(kAnswer);
  std::size_t answers = 0;
  for (const auto& m : h.engine.chat().messages()) answers += m.role == Role::Assistant;
  CHECK(answers == 2);
}

SCENARIO("two rotations in a row keep working", "[rotation]") {
  Harness h;
  h.start();
  h.open();
  for (int i = 0; i < 2; ++i) {
    h.stay_connected_for(110 * 60'000);
    REQUIRE(h.engine.rotating());
    h.open(h.newest_conn());
    h.stay_connected_for(2'000);
    REQUIRE_FALSE(h.engine.rotating());
  }
  CHECK(h.engine.stats().rotations == 2);
  CHECK(h.open_socket_count() == 1);
}

SCENARIO("a broadcast that reaches the old connection before the new one has opened shows once", "[rotation]") {
  // The server registers the next connection when it accepts the upgrade, before the browser delivers
  // its open event: a broadcast in between reaches the old connection first (still the current one) and
  // the new one right after its open. Found in Chromium by tests/e2e/promises (?rotate_ms=2000): a reply
  // shown twice about once per rotation.
  Harness h;
  h.start();
  h.open();
  const uint32_t first = h.newest_conn();
  h.stay_connected_for(110 * 60'000);
  REQUIRE(h.engine.rotating());
  const uint32_t second = h.newest_conn();
  h.server_says(kAnswer, first);
  h.open(second);
  h.server_says(kAnswer, second);
  std::size_t answers = 0;
  for (const auto& m : h.engine.chat().messages()) answers += m.role == Role::Assistant;
  CHECK(answers == 1);
  CHECK(h.engine.stats().cross_connection_duplicates == 1);
  // Past the overlap, identical frames are distinct messages again.
  h.stay_connected_for(10'000);
  h.server_says(kAnswer, second);
  answers = 0;
  for (const auto& m : h.engine.chat().messages()) answers += m.role == Role::Assistant;
  CHECK(answers == 2);
}
