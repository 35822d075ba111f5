// Connection state machine: connect, connect timeout, jittered backoff, "Reconectando... (n/5)", failed
// without dead-ending, immediate retries on online/visible/"Tentar agora", close-code policy, stale events.
//
// Index
//   [SECTION] Connecting and backing off            connect, timeout, backoff, failed, English texts
//   [SECTION] Retries, disconnects and close codes
//   [SECTION] Stale events and sends
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

// [SECTION] Connecting and backing off ----------------------------------------------------------------------

SCENARIO("a resident opens the chat and connects", "[connection]") {
  GIVEN("a new engine") {
    Harness h;
    CHECK(h.engine.state() == ConnState::Idle);
    WHEN("it starts") {
      h.start();
      THEN("it opens one socket with user_id and session_id in the query") {
        REQUIRE(h.sockets.size() == 1);
        // The tab's session: the stored one plus a per-load token (issue 12: replies name the tab).
        CHECK(h.engine.tab_session_id().rfind("session-1.", 0) == 0);
        CHECK(h.sockets.begin()->second.url ==
              "ws://localhost:3001?user_id=resident-42&session_id=" + h.engine.tab_session_id());
        CHECK(h.engine.state() == ConnState::Connecting);
        CHECK(h.engine.status_text(h.now) == "Conectando...");
      }
      AND_WHEN("the socket opens") {
        h.open();
        THEN("it is connected in real time") {
          CHECK(h.engine.state() == ConnState::Connected);
          CHECK(h.engine.status_text(h.now) == "Conectado em tempo real");
          CHECK(h.engine.attempts() == 0);
        }
        AND_WHEN("the server's welcome names the connection") {
          h.server_says(R"({"type": "status", "status": "connected", "message": "ok", "timestamp": 1, "connectionId": "R0oXAdfD0kwCH6w="})");
          THEN("the connection id is known") { CHECK(h.engine.connection_id() == "R0oXAdfD0kwCH6w="); }
        }
      }
    }
  }
}

SCENARIO("the server never answers the upgrade", "[connection]") {
  Harness h;
  h.start();
  const uint32_t first = h.newest_conn();
  WHEN("10 s pass without an open") {
    h.advance(9'999);
    CHECK(h.engine.state() == ConnState::Connecting);
    h.advance(1);
    THEN("the attempt is closed and a reconnection is scheduled") {
      CHECK(h.socket(first).closed);
      CHECK(h.engine.state() == ConnState::Reconnecting);
      CHECK(h.engine.status_text(h.now) == "Reconectando... (1/5)");
      CHECK(h.engine.attempts() == 1);
      CHECK(h.engine.next_retry_at_ms() > h.now);
      CHECK(h.engine.next_retry_at_ms() <= h.now + 1000);
    }
    AND_WHEN("the late open of the abandoned socket arrives") {
      h.sockets.at(first).open = true;
      h.apply(h.engine.on_open(first, h.now));
      THEN("it is ignored and closed") {
        CHECK(h.engine.state() == ConnState::Reconnecting);
        CHECK(h.socket(first).closed);
      }
    }
  }
}

SCENARIO("reconnection backs off with jitter, fails after 5 attempts, and never dead-ends", "[connection]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(60'000);  // stable
  REQUIRE(h.engine.state() == ConnState::Connected);
  h.server_closes(1006);
  REQUIRE(h.engine.state() == ConnState::Reconnecting);
  CHECK(h.engine.status_text(h.now) == "Reconectando... (1/5)");

  for (int attempt = 1; attempt <= 5; ++attempt) {
    const int64_t delay = h.engine.next_retry_at_ms() - h.now;
    CAPTURE(attempt, delay);
    CHECK(delay >= h.engine.config().reconnect.floor_ms);
    CHECK(delay <= backoff_ceiling_ms(attempt, h.engine.config().reconnect));
    const auto before = h.sockets.size();
    h.advance(delay);
    REQUIRE(h.sockets.size() == before + 1);  // the attempt went out exactly when due
    h.server_closes(1006);                    // and failed (browsers report a refused upgrade as 1006)
  }
  THEN("after 5 failed attempts the state is failed, with a countdown and a retry button") {
    CHECK(h.engine.state() == ConnState::Failed);
    CHECK(h.engine.show_try_now());
    const auto text = h.engine.status_text(h.now);
    CHECK(text.rfind("Sem conex\xC3\xA3o. Nova tentativa em ", 0) == 0);
    CHECK(h.engine.attempts() == 5);
  }
  AND_THEN("it keeps retrying at the cap") {
    for (int i = 0; i < 20; ++i) {
      const int64_t delay = h.engine.next_retry_at_ms() - h.now;
      REQUIRE(delay <= 30'000);
      const auto before = h.sockets.size();
      h.advance(delay);
      REQUIRE(h.sockets.size() == before + 1);
      h.server_closes(1006);
      REQUIRE(h.engine.state() == ConnState::Failed);
    }
    AND_WHEN("an attempt finally opens") {
      h.advance(h.engine.next_retry_at_ms() - h.now);
      h.open();
      CHECK(h.engine.state() == ConnState::Connected);
      CHECK(h.engine.attempts() == 0);
    }
  }
}

SCENARIO("the status texts have English versions", "[connection]") {
  auto config = Harness::default_config();
  config.lang = Lang::En;
  Harness h(config);
  h.start();
  CHECK(h.engine.status_text(h.now) == "Connecting...");
  h.open();
  CHECK(h.engine.status_text(h.now) == "Connected in real time");
  h.server_closes(1006);
  CHECK(h.engine.status_text(h.now) == "Reconnecting... (1/5)");
}

SCENARIO("a server that accepts and then closes at once cannot cause a tight loop", "[connection]") {
  Harness h;
  h.start();
  // Each connection opens and is closed 50 ms later: the attempt counter must not reset (it needs 5 s up).
  for (int i = 0; i < 30; ++i) {
    if (h.engine.current_connection() == 0) {
      const int64_t wait = h.engine.next_retry_at_ms() - h.now;
      REQUIRE(wait >= 0);
      REQUIRE(wait <= 30'000);
      h.advance(wait);
    }
    REQUIRE(h.engine.current_connection() != 0);
    h.open();
    h.advance(50);
    h.server_closes(1000);
  }
  THEN("30 connections spread over minutes, not milliseconds") {
    CHECK(h.sockets.size() == 30);
    // Expected total ≈ 0.5 + 1 + 2 + 4 + 8 + 25 × 15 s ≈ 6.5 min; far more than 2 minutes in any case.
    CHECK(h.now - test::kT0 > 2 * 60'000);
    CHECK(h.engine.reconnect_attempt() == 30);
    CHECK(h.engine.state() == ConnState::Failed);
  }
}

SCENARIO("a connection that stayed up 5 s resets the backoff", "[connection]") {
  Harness h;
  h.start();
  h.server_closes(1006);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.server_closes(1006);
  REQUIRE(h.engine.reconnect_attempt() == 2);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  h.advance(4'999);
  h.server_closes(1006);
  CHECK(h.engine.reconnect_attempt() == 3);  // up for less than 5 s: not stable
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  h.advance(5'000);
  h.server_closes(1006);
  CHECK(h.engine.reconnect_attempt() == 1);
  CHECK(h.engine.status_text(h.now) == "Reconectando... (1/5)");
}

// [SECTION] Retries, disconnects and close codes ------------------------------------------------------------

SCENARIO("online, visible and 'Tentar agora' retry at once", "[connection]") {
  Harness h;
  h.start();
  for (int i = 0; i < 6; ++i) {
    h.server_closes(1006);
    if (i < 5) h.advance(h.engine.next_retry_at_ms() - h.now);
  }
  REQUIRE(h.engine.state() == ConnState::Failed);
  REQUIRE(h.engine.next_retry_at_ms() > h.now);
  const auto sockets_before = h.sockets.size();

  WHEN("the network comes back") {
    h.apply(h.engine.network_online(h.now));
    THEN("a new attempt goes out now") { CHECK(h.sockets.size() == sockets_before + 1); }
  }
  WHEN("the page becomes visible") {
    h.apply(h.engine.page_visible(h.now));
    THEN("a new attempt goes out now") { CHECK(h.sockets.size() == sockets_before + 1); }
  }
  WHEN("the resident taps 'Tentar agora'") {
    h.apply(h.engine.reconnect(h.now));
    THEN("a new attempt goes out now, and only one even if tapped again") {
      CHECK(h.sockets.size() == sockets_before + 1);
      CHECK(h.engine.status_text(h.now) == "Sem conex\xC3\xA3o. Tentando agora...");
      h.apply(h.engine.reconnect(h.now));
      CHECK(h.sockets.size() == sockets_before + 1);
    }
  }
}

SCENARIO("the resident disconnects", "[connection]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t conn = h.newest_conn();
  h.apply(h.engine.disconnect(h.now));
  THEN("the socket is closed with 1000 and nothing reconnects") {
    CHECK(h.socket(conn).close_code == 1000);
    CHECK(h.engine.state() == ConnState::Closed);
    h.server_closes(1000, conn);
    h.run_for(10 * 60'000, 5'000);
    CHECK(h.sockets.size() == 1);
    CHECK(h.engine.next_deadline_ms() == kNever);
  }
  AND_WHEN("it reconnects by hand") {
    h.apply(h.engine.reconnect(h.now));
    CHECK(h.sockets.size() == 2);
    h.open();
    CHECK(h.engine.state() == ConnState::Connected);
  }
}

SCENARIO("close codes decide what happens next", "[connection]") {
  Harness h;
  h.start();
  h.open();
  WHEN("the server closes with 1008 (policy)") {
    h.server_closes(1008, 0, "Unauthorized");
    THEN("the engine stops and reports, no automatic retry") {
      CHECK(h.engine.state() == ConnState::Failed);
      CHECK(h.engine.status_text(h.now) == "Conex\xC3\xA3o recusada pelo servidor (c\xC3\xB3" "digo 1008)");
      h.run_for(10 * 60'000, 10'000);
      CHECK(h.sockets.size() == 1);
      h.apply(h.engine.network_online(h.now));
      CHECK(h.sockets.size() == 1);
      AND_THEN("'Tentar agora' still works") {
        h.apply(h.engine.reconnect(h.now));
        CHECK(h.sockets.size() == 2);
      }
    }
  }
  WHEN("the server closes with 4001 (application)") {
    h.server_closes(4001);
    THEN("the engine stops") {
      CHECK(h.engine.state() == ConnState::Failed);
      h.run_for(60'000, 10'000);
      CHECK(h.sockets.size() == 1);
    }
  }
  WHEN("the server closes with 1000, 1001 (API Gateway's idle or 2-hour limit) or 1011") {
    const int code = GENERATE(1000, 1001, 1006, 1011, 1012, 3000);
    h.server_closes(code);
    THEN("the engine reconnects") {
      CHECK(h.engine.state() == ConnState::Reconnecting);
      h.advance(h.engine.next_retry_at_ms() - h.now);
      CHECK(h.sockets.size() == 2);
    }
  }
}

// [SECTION] Stale events and sends --------------------------------------------------------------------------

SCENARIO("events from connections that are no longer current are ignored", "[connection]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t old_conn = h.newest_conn();
  h.server_closes(1006);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  const uint32_t new_conn = h.newest_conn();
  REQUIRE(new_conn != old_conn);
  h.server_says(R"({"type":"message","message":"from the old socket"})", old_conn);
  h.apply(h.engine.on_close(old_conn, 1006, "", h.now));
  h.apply(h.engine.on_error(old_conn, h.now));
  CHECK(h.engine.state() == ConnState::Connected);
  CHECK(h.engine.current_connection() == new_conn);
  CHECK(h.engine.chat().size() == 0);
  h.apply(h.engine.on_close(0, 1006, "", h.now));
  h.apply(h.engine.on_open(0, h.now));
  CHECK(h.engine.state() == ConnState::Connected);
}

SCENARIO("a forced reconnect while connected opens a fresh connection at once", "[connection]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t first = h.newest_conn();
  h.apply(h.engine.reconnect(h.now));
  CHECK(h.socket(first).closed);
  CHECK(h.sockets.size() == 2);
  CHECK(h.engine.state() == ConnState::Connecting);
  h.open();
  CHECK(h.engine.state() == ConnState::Connected);
}

SCENARIO("a send that fails on the socket counts as a lost link", "[connection]") {
  Harness h;
  h.start();
  h.open();
  const uint32_t conn = h.newest_conn();
  h.apply(h.engine.on_send_failed(conn, h.now));
  CHECK(h.engine.state() == ConnState::Reconnecting);
  CHECK(h.socket(conn).closed);
}

TEST_CASE("the engine never sends on a socket that is not open", "[connection]") {
  Harness h;
  h.send("antes de conectar");
  h.start();
  h.send("conectando");
  h.apply(h.engine.composer_input(h.now));
  h.advance(10'000);  // connect timeout
  h.send("reconectando");
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  h.ack_all();
  for (const auto& l : h.logs) CHECK(l.text.find("ENGINE BUG") == std::string::npos);
  CHECK(h.chat_frames().size() == 3);
}
