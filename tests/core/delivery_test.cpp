// Truthful delivery (issue 12): the delivery mode learned per link, one message in flight without ids, no
// resend on the same open link, late acks credited to their own message, error frames attributed or
// downgraded, the unknown-fate policy, per-tab replies, storage failures and the reload reconcile.
// The server here behaves like the seed's Lambdas: acks without client_msg_id, sent before the publish.
//
// Index
//   [SECTION] Helpers
//   [SECTION] Mode learning and one in flight
//   [SECTION] The issue's scenario: A fails silently, B follows
//   [SECTION] publish-fail and cold-start
//   [SECTION] Error attribution
//   [SECTION] Unknown fate
//   [SECTION] Replies per tab
//   [SECTION] Storage failures and the reload reconcile
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "core/stored_format.hpp"
#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

// [SECTION] Helpers -----------------------------------------------------------------------------------

namespace {
constexpr const char* kSeedAck = R"({"type": "ack", "message": "Processando sua solicita\u00e7\u00e3o...", "timestamp": 1764345600})";
constexpr const char* kSeedError = R"({"type": "error", "message": "Erro ao processar mensagem", "timestamp": 1764345600})";

// sendMessage frames on one connection, as client_msg_ids.
std::vector<std::string> sent_ids(const Harness& h, uint32_t conn) {
  std::vector<std::string> ids;
  for (const auto& t : h.sent_texts(conn)) {
    const auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_object() && j.value("action", "") == "sendMessage") ids.push_back(j.value("client_msg_id", ""));
  }
  return ids;
}

std::size_t times_sent(const Harness& h, const std::string& id) {
  std::size_t n = 0;
  for (const auto& [cid, text] : h.chat_frames()) n += cid == id;
  return n;
}

MessageState state_of(const Harness& h, const std::string& id) {
  const ChatMessage* m = h.engine.chat().find_id(id);
  REQUIRE(m);
  return m->state;
}

FailReason reason_of(const Harness& h, const std::string& id) {
  const ChatMessage* m = h.engine.chat().find_id(id);
  REQUIRE(m);
  return m->fail_reason;
}

std::string reply(const Harness& h, const std::string& text, const std::string& session) {
  nlohmann::json j = {{"type", "message"}, {"role", "assistant"}, {"message", text}, {"timestamp", 1764345601},
                      {"session_id", session}};
  (void)h;
  return j.dump();
}

// The session_id the engine put in the URL of a connection.
std::string url_session(const Harness& h, uint32_t conn) {
  const auto& url = h.sockets.at(conn).url;
  const auto at = url.find("session_id=");
  return at == std::string::npos ? "" : url.substr(at + 11);
}

Harness connected() {
  Harness h;
  h.start();
  h.open();
  return h;
}

// Keeps the link alive until the engine opens a fresh link for a message without ack, then opens it.
uint32_t until_moved(Harness& h) {
  for (int i = 0; i < 120 && !h.engine.next_link().active(); ++i) h.stay_connected_for(1'000);
  REQUIRE(h.engine.next_link().active());
  const uint32_t next = h.engine.next_link().id;
  h.open(next);
  return next;
}
}  // namespace

// [SECTION] Mode learning and one in flight -----------------------------------------------------------

SCENARIO("a link learns its delivery mode from its acks", "[delivery][mode]") {
  GIVEN("a fresh link") {
    Harness h = connected();
    CHECK(h.engine.delivery_mode() == DeliveryMode::Unknown);
    WHEN("three messages are sent before any ack") {
      const auto a = h.send("a").id, b = h.send("b").id, c = h.send("c").id;
      THEN("only the first goes out: an unknown link behaves as one without ids") {
        CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a});
      }
      AND_WHEN("its ack echoes client_msg_id") {
        h.server_says(h.ack_for(a));
        THEN("the link is ids and the rest go out pipelined at once") {
          CHECK(h.engine.delivery_mode() == DeliveryMode::Ids);
          CHECK(h.engine.ids_proven());
          CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b, c});
          CHECK(state_of(h, a) == MessageState::Acked);
        }
      }
      AND_WHEN("its ack has no id") {
        h.server_says(kSeedAck);
        THEN("the link is no_ids, the ack is the first message's, and the next waits the settle window") {
          CHECK(h.engine.delivery_mode() == DeliveryMode::NoIds);
          CHECK_FALSE(h.engine.ids_proven());
          CHECK(state_of(h, a) == MessageState::Acked);
          CHECK(sent_ids(h, h.engine.current_connection()).size() == 1);
          h.advance(h.engine.config().error_settle_ms - 1);
          CHECK(sent_ids(h, h.engine.current_connection()).size() == 1);
          h.advance(1);
          CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b});
          CHECK(state_of(h, c) == MessageState::Queued);
        }
      }
    }
    WHEN("an ack without id comes while nothing waits") {
      h.server_says(kSeedAck);
      THEN("it is counted and ignored") {
        CHECK(h.engine.stats().acks_unmatched == 1);
        CHECK(h.engine.chat().messages().empty());
      }
    }
  }
  GIVEN("a new link after one that proved ids") {
    Harness h = connected();
    const auto a = h.send("a").id;
    h.server_says(h.ack_for(a));
    h.server_closes(1006);
    h.advance(60'000);
    h.open();
    THEN("it starts unknown again, and the page remembers the backend proved ids") {
      CHECK(h.engine.delivery_mode() == DeliveryMode::Unknown);
      CHECK(h.engine.ids_proven());
    }
  }
}

// [SECTION] The issue's scenario: A fails silently, B follows -------------------------------------------

SCENARIO("message A's Lambda fails silently once and B follows 300 ms later", "[delivery][issue12]") {
  Harness h = connected();
  const uint32_t first = h.engine.current_connection();
  const auto a = h.send("vazamento no 502").id;
  h.advance(300);
  const auto b = h.send("obrigado").id;
  THEN("B waits: only A is in flight, shown sent (✓), not delivered") {
    CHECK(sent_ids(h, first) == std::vector<std::string>{a});
    CHECK(state_of(h, a) == MessageState::Sent);
    CHECK(state_of(h, b) == MessageState::Queued);
  }
  // Nothing comes back for A (the caught exception's 500). Heartbeats keep the link healthy.
  h.stay_connected_for(19'000);
  CHECK(sent_ids(h, first) == std::vector<std::string>{a});
  h.stay_connected_for(1'000);
  THEN("after the ack limit nothing is resent on the healthy link: a fresh link is opened instead") {
    CHECK(sent_ids(h, first) == std::vector<std::string>{a});
    CHECK(h.engine.next_link().active());
    CHECK(h.engine.stats().late_ack_moves == 1);
  }
  const uint32_t second = h.engine.next_link().id;
  h.open(second);
  REQUIRE(h.engine.current_connection() == second);
  REQUIRE(h.engine.draining_link().id == first);
  THEN("B goes out on the fresh link, A stays waiting on the old one") {
    CHECK(sent_ids(h, second) == std::vector<std::string>{b});
    CHECK(state_of(h, a) == MessageState::Sent);
  }
  // B's Lambda works: its ack, then the reply to every connection of the resident.
  h.server_says(kSeedAck, second);
  CHECK(state_of(h, b) == MessageState::Acked);
  CHECK(state_of(h, a) == MessageState::Sent);  // B's ack is never A's
  const std::string answer = reply(h, "Chamado aberto", h.engine.tab_session_id());
  h.server_says(answer, first);
  h.server_says(answer, second);
  THEN("B's reply answers B, never A, and is shown once") {
    CHECK(state_of(h, b) == MessageState::Answered);
    CHECK(state_of(h, a) == MessageState::Sent);
    std::size_t shown = 0;
    for (const auto& m : h.engine.chat().messages()) shown += m.text == "Chamado aberto";
    CHECK(shown == 1);
  }
  // The old link drains until A's Lambda can no longer answer, then A's fate is unknown: one resend.
  const auto& socks = h.sockets;
  h.stay_connected_for(h.engine.config().late_ack_window_ms);
  THEN("A goes out once more, on the new link, and B was never executed twice") {
    CHECK(socks.at(first).closed);
    CHECK(sent_ids(h, second) == std::vector<std::string>{b, a});
    CHECK(times_sent(h, b) == 1);
    CHECK(times_sent(h, a) == 2);
    CHECK(state_of(h, a) == MessageState::Sent);
  }
  h.server_says(kSeedAck, second);
  CHECK(state_of(h, a) == MessageState::Acked);
  CHECK(h.engine.outbox().empty());
}

SCENARIO("a message whose one automatic resend also goes unanswered is not confirmed", "[delivery][issue12]") {
  Harness h = connected();
  const auto a = h.send("a").id;
  // Two silent failures: the first send, and its one resend on a new link.
  for (int round = 0; round < 2; ++round) {
    until_moved(h);
    // The old link drains until the message's Lambda cannot answer any more.
    while (h.engine.draining_link().active()) h.stay_connected_for(1'000);
  }
  THEN("it is failed with reason unconfirmed, sent twice in all, and never again by itself") {
    CHECK(times_sent(h, a) == 2);
    CHECK(state_of(h, a) == MessageState::Failed);
    CHECK(reason_of(h, a) == FailReason::Unconfirmed);
    CHECK(std::string(to_string(FailReason::Unconfirmed)) == "unconfirmed");
    CHECK(h.engine.stats().unconfirmed == 1);
    h.stay_connected_for(10 * 60'000);
    CHECK(times_sent(h, a) == 2);
  }
  WHEN("the resident taps Reenviar (after the UI's warning)") {
    h.apply(h.engine.retry_message(a, h.now));
    THEN("it goes out again") {
      CHECK(times_sent(h, a) == 3);
      CHECK(state_of(h, a) == MessageState::Sent);
    }
  }
}

// [SECTION] publish-fail and cold-start ---------------------------------------------------------------

SCENARIO("publish-fail: the ack, then the error frame: the ✓✓ is taken back", "[delivery][publish-fail]") {
  Harness h = connected();
  const auto a = h.send("a").id;
  const auto b = h.send("b").id;
  h.server_says(kSeedAck);
  REQUIRE(state_of(h, a) == MessageState::Acked);
  h.server_says(kSeedError);  // the SNS publish failed after the ack
  THEN("A is not delivered: back to sent, waiting for its resend; B was not blamed") {
    CHECK(state_of(h, a) == MessageState::Sent);
    CHECK(state_of(h, b) == MessageState::Queued);
    CHECK(h.engine.stats().errors_attributed == 1);
    CHECK(h.engine.outbox().find(a));
  }
  h.advance(h.engine.config().error_settle_ms);
  THEN("B and then A go out, one at a time (A was never published: its resend is no duplicate)") {
    CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b});
    h.server_says(kSeedAck);
    CHECK(state_of(h, b) == MessageState::Acked);
    h.advance(h.engine.config().error_settle_ms);
    CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b, a});
    h.server_says(kSeedAck);
    CHECK(state_of(h, a) == MessageState::Acked);
    CHECK(h.engine.outbox().empty());
  }
}

SCENARIO("publish-fail twice: the message is failed, not resent forever", "[delivery][publish-fail]") {
  Harness h = connected();
  const auto a = h.send("a").id;
  h.server_says(kSeedAck);
  h.server_says(kSeedError);
  h.advance(h.engine.config().error_settle_ms);
  REQUIRE(times_sent(h, a) == 2);
  h.server_says(kSeedAck);
  CHECK(state_of(h, a) == MessageState::Acked);
  h.server_says(kSeedError);
  THEN("A is failed (the error proved it was not taken), left to the resident") {
    CHECK(state_of(h, a) == MessageState::Failed);
    CHECK(reason_of(h, a) == FailReason::None);
    h.stay_connected_for(60'000);
    CHECK(times_sent(h, a) == 2);
  }
}

SCENARIO("cold-start at 25 s: the late ack lands on the message it belongs to", "[delivery][cold-start]") {
  Harness h = connected();
  const uint32_t first = h.engine.current_connection();
  const auto a = h.send("a").id;
  h.advance(300);
  const auto b = h.send("b").id;
  h.stay_connected_for(20'000);
  REQUIRE(h.engine.next_link().active());
  const uint32_t second = h.engine.next_link().id;
  h.open(second);
  h.server_says(kSeedAck, second);  // B's ack, on the fresh link
  REQUIRE(state_of(h, b) == MessageState::Acked);
  h.stay_connected_for(4'700);      // 25 s after A was sent
  REQUIRE(h.engine.draining_link().id == first);
  h.server_says(kSeedAck, first);   // A's Lambda started late: its ack comes now, on A's link
  THEN("A is acked, B unchanged, nothing was sent twice, and the old link closes soon") {
    CHECK(state_of(h, a) == MessageState::Acked);
    CHECK(state_of(h, b) == MessageState::Acked);
    CHECK(times_sent(h, a) == 1);
    CHECK(times_sent(h, b) == 1);
    h.stay_connected_for(h.engine.config().drain_linger_ms);
    CHECK_FALSE(h.engine.draining_link().active());
    h.stay_connected_for(60'000);
    CHECK(times_sent(h, a) == 1);
  }
}

SCENARIO("with ids, a silent failure is resent on the same link (deduplicated) and pipelining holds", "[delivery][ids]") {
  Harness h = connected();
  const auto a = h.send("a").id;
  h.server_says(h.ack_for(a));
  const auto b = h.send("b").id;
  const auto c = h.send("c").id;
  CHECK(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b, c});
  h.server_says(h.ack_for(c));
  h.stay_connected_for(h.engine.config().ack_timeout_ms);
  THEN("B went out again on the same link, C's ack was credited exactly") {
    CHECK(state_of(h, c) == MessageState::Acked);
    CHECK(times_sent(h, b) == 2);
    CHECK_FALSE(h.engine.next_link().active());
  }
}

// [SECTION] Error attribution -------------------------------------------------------------------------

SCENARIO("error frames are attributed only when one message can be theirs", "[delivery][error]") {
  GIVEN("a no_ids link where A was acked and the settle window passed") {
    Harness h = connected();
    const auto a = h.send("a").id;
    const auto b = h.send("b").id;
    h.server_says(kSeedAck);
    h.advance(h.engine.config().error_settle_ms);
    REQUIRE(sent_ids(h, h.engine.current_connection()) == std::vector<std::string>{a, b});
    WHEN("an error without id comes while B waits for its ack") {
      h.server_says(kSeedError);
      THEN("it could be A's late publish failure or B's handler error: A's ✓✓ is taken back, B keeps waiting") {
        CHECK(state_of(h, a) == MessageState::Failed);
        CHECK(reason_of(h, a) == FailReason::Unconfirmed);
        CHECK(state_of(h, b) == MessageState::Sent);
        CHECK(h.engine.stats().errors_ambiguous == 1);
        h.server_says(kSeedAck);  // B's own ack is still unambiguous
        CHECK(state_of(h, b) == MessageState::Acked);
      }
    }
    WHEN("the error comes after A's attribution window") {
      h.advance(h.engine.config().error_attribution_ms);
      h.server_says(kSeedError);
      THEN("it can only be B's handler error: B was not executed and goes out once more") {
        CHECK(state_of(h, a) == MessageState::Acked);
        CHECK(h.engine.stats().errors_attributed == 1);
      }
    }
  }
  GIVEN("a handler error before any ack") {
    Harness h = connected();
    const auto a = h.send("a").id;
    h.server_says(kSeedError);
    THEN("the waiting message was not executed: it is resent at once") {
      CHECK(times_sent(h, a) == 2);
      CHECK(state_of(h, a) == MessageState::Sent);
    }
  }
  GIVEN("an error that no message can be for") {
    Harness h = connected();
    h.server_says(kSeedError);
    THEN("it is shown and changes nothing else") {
      REQUIRE(h.engine.chat().messages().size() == 1);
      CHECK(h.engine.chat().messages().back().role == Role::Error);
      CHECK(h.engine.stats().errors_attributed == 0);
    }
  }
  GIVEN("an ids link and an error naming an acked message") {
    Harness h = connected();
    const auto a = h.send("a").id;
    h.server_says(h.ack_for(a));
    h.server_says(std::string(R"({"type": "error", "message": "Erro ao processar mensagem", "timestamp": 1764345600, "client_msg_id": ")") + a + "\"}");
    THEN("the ack came after the publish (the ids contract): the error is a resend's, the ✓✓ stays") {
      CHECK(state_of(h, a) == MessageState::Acked);
      CHECK(h.engine.outbox().find(a) == nullptr);
      CHECK(h.engine.stats().errors_attributed == 1);
    }
  }
  GIVEN("a link of unknown mode and an error echoing the waiting message's id") {
    Harness h = connected();
    const auto a = h.send("a").id;
    REQUIRE(h.engine.delivery_mode() == DeliveryMode::Unknown);
    h.server_says(std::string(R"({"type": "error", "message": "Erro ao processar mensagem", "timestamp": 1764345600, "client_msg_id": ")") + a + "\"}");
    THEN("only an ids backend echoes the id: the link is ids, the message waits and is resent deduplicated") {
      CHECK(h.engine.delivery_mode() == DeliveryMode::Ids);
      CHECK(state_of(h, a) == MessageState::Sent);
      CHECK(times_sent(h, a) == 1);
      for (int i = 0; i < 3; ++i) {  // errors again and again: never "not sent" or "not confirmed" with ids
        h.stay_connected_for(h.engine.config().ack_timeout_max_ms);
        h.server_says(std::string(R"({"type": "error", "message": "Erro ao processar mensagem", "timestamp": 1764345600, "client_msg_id": ")") + a + "\"}");
      }
      CHECK(times_sent(h, a) >= 3);
      CHECK(state_of(h, a) == MessageState::Sent);
      h.stay_connected_for(h.engine.config().ack_timeout_max_ms);
      h.server_says(h.ack_for(a));
      CHECK(state_of(h, a) == MessageState::Acked);
    }
  }
}

// [SECTION] Unknown fate ------------------------------------------------------------------------------

SCENARIO("a link that dies with a message in flight", "[delivery][fate]") {
  GIVEN("a backend never proven to echo ids") {
    Harness h = connected();
    const auto a = h.send("a").id;
    h.server_closes(1006);
    h.advance(60'000);
    h.open();
    THEN("the message goes out once more on the new link") { CHECK(times_sent(h, a) == 2); }
    AND_WHEN("that link dies too") {
      h.server_closes(1006);
      h.advance(60'000);
      h.open();
      THEN("it is not confirmed, and not resent") {
        CHECK(times_sent(h, a) == 2);
        CHECK(reason_of(h, a) == FailReason::Unconfirmed);
        AND_WHEN("a later link proves the backend deduplicates") {
          const auto b = h.send("b").id;
          h.server_says(h.ack_for(b));
          THEN("the unconfirmed message goes out again by itself") {
            CHECK(times_sent(h, a) == 3);
            CHECK(state_of(h, a) == MessageState::Sent);
          }
        }
      }
    }
  }
  GIVEN("a backend proven to echo ids") {
    Harness h = connected();
    h.server_says(h.ack_for(h.send("first").id));
    const auto a = h.send("a").id;
    for (int i = 0; i < 4; ++i) {
      h.server_closes(1006);
      h.advance(60'000);
      h.open();
    }
    THEN("resends are deduplicated, so they go on: never unconfirmed") {
      CHECK(times_sent(h, a) == 5);
      CHECK(state_of(h, a) == MessageState::Sent);
    }
  }
}

// [SECTION] Replies per tab ---------------------------------------------------------------------------

SCENARIO("a reply is credited only to this tab's one waiting question", "[delivery][reply]") {
  Harness h = connected();
  const std::string tab = h.engine.tab_session_id();
  THEN("the tab's session is the stored session plus a token, a valid id, in the URL and the frames") {
    CHECK(tab.rfind(h.engine.session_id() + ".", 0) == 0);
    CHECK(is_valid_resident_id(tab));
    CHECK(url_session(h, h.engine.current_connection()) == tab);
  }
  const auto a = h.send("a").id;
  h.server_says(kSeedAck);
  WHEN("a reply for another tab's or device's question comes") {
    h.server_says(reply(h, "para outra aba", h.engine.session_id() + ".zzzzzz"));
    THEN("it is shown but credits nothing") {
      CHECK(state_of(h, a) == MessageState::Acked);
      CHECK(h.engine.chat().messages().back().text == "para outra aba");
      CHECK(h.engine.stats().replies_uncredited == 1);
    }
  }
  WHEN("two of this tab's questions wait and a reply comes") {
    h.advance(h.engine.config().error_settle_ms);
    const auto b = h.send("b").id;
    h.server_says(kSeedAck);
    h.server_says(reply(h, "uma resposta", tab));
    THEN("it could answer either: neither is marked answered") {
      CHECK(state_of(h, a) == MessageState::Acked);
      CHECK(state_of(h, b) == MessageState::Acked);
    }
  }
  WHEN("this tab's one question gets its reply") {
    h.server_says(reply(h, "resposta", tab));
    THEN("it is answered") { CHECK(state_of(h, a) == MessageState::Answered); }
  }
}

// [SECTION] Storage failures and the reload reconcile -------------------------------------------------

SCENARIO("a failing outbox write is reported, and shown", "[delivery][storage]") {
  Harness h = connected();
  CHECK(h.engine.storage() == StorageState::Ok);
  CHECK(h.engine.storage_notice().empty());
  h.apply(h.engine.storage_written(StoreKey::Outbox, false, h.now));
  CHECK(h.engine.storage() == StorageState::Failing);
  CHECK(std::string(to_string(h.engine.storage())) == "failing");
  CHECK(h.engine.storage_notice().find("Mantenha esta p") != std::string::npos);
  CHECK(h.engine.stats().storage_failures == 1);
  h.apply(h.engine.storage_written(StoreKey::Outbox, true, h.now));
  CHECK(h.engine.storage() == StorageState::Ok);
  CHECK(h.engine.storage_notice().empty());
}

SCENARIO("a reload never upgrades a message to ✓✓ without a seen ack", "[delivery][storage][restore]") {
  // The exact failing sequence: the outbox write that would hold the new message fails (quota), the
  // history write succeeds; the page reloads before any ack.
  Harness h = connected();
  const std::string stale_outbox = h.engine.outbox().serialize();  // what localStorage still holds
  const auto a = h.send("a").id;
  h.apply(h.engine.persist_now(h.now));
  const std::string history = h.last_persist(StoreKey::History)->data;
  Harness after;
  after.apply(after.engine.restore(StoreKey::Outbox, stale_outbox, after.now));
  after.apply(after.engine.restore(StoreKey::History, history, after.now));
  after.start();
  THEN("the message is not acked: it is back in the outbox and goes out again") {
    CHECK(state_of(after, a) != MessageState::Acked);
    CHECK(after.engine.outbox().find(a));
    after.open();
    CHECK(times_sent(after, a) == 1);
  }
  WHEN("instead the ack was seen and the outbox write that recorded it succeeded") {
    h.server_says(kSeedAck);
    const std::string outbox = h.engine.outbox().serialize();
    Harness later;
    later.apply(later.engine.restore(StoreKey::Outbox, outbox, later.now));
    later.apply(later.engine.restore(StoreKey::History, history, later.now));  // the history still says sent
    later.start();
    THEN("the recorded ack upgrades it") {
      CHECK(state_of(later, a) == MessageState::Acked);
      CHECK_FALSE(later.engine.outbox().find(a));
    }
  }
}

SCENARIO("an unconfirmed message's stored outbox reads in the build before this one", "[delivery][stored]") {
  Harness h = connected();
  const auto a = h.send("a").id;
  for (int round = 0; round < 2; ++round) {
    h.server_closes(1006);
    h.advance(60'000);
    h.open();
  }
  REQUIRE(reason_of(h, a) == FailReason::Unconfirmed);
  const std::string blob = h.engine.outbox().serialize();
  // main's Outbox::restore before this change, rule by rule: "v" 1, "m" entries [id,text,created,state,...]
  // with state 0..2 (anything else refuses the whole blob), reason 1 too_big, 2 rejected, else none; other
  // top-level fields are not read.
  const auto j = nlohmann::json::parse(blob, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.at("v") == 1);
  REQUIRE(j.at("m").size() == 1);
  const auto& e = j.at("m")[0];
  CHECK(e.size() >= 4);
  CHECK(e[0] == a);
  CHECK(e[3].get<int>() == 2);  // failed: the old build shows it failed, waiting for the resident
  const int reason = e[4].get<int>();
  CHECK(reason == 3);           // read there as none: "Não enviada" with Reenviar and Apagar, never resent alone
  CHECK(reason != 1);
  CHECK(reason != 2);
  CHECK(j.contains("a"));       // the new fields are top-level, which the old build never reads
  AND_THEN("this build reads it back as unconfirmed") {
    Outbox back;
    REQUIRE(back.restore(blob) == RestoreError::None);
    CHECK(back.find(a)->fail_reason == FailReason::Unconfirmed);
    CHECK(back.has_ack_record());
  }
}

SCENARIO("a closed tab's history never shows a message ✓✓ without a recorded ack", "[delivery][storage][tabs]") {
  // The same failing sequence in another tab: tab A's outbox write that would hold the new message fails,
  // its history write succeeds (the message shows sent), tab A closes before any ack; tab B takes over.
  Harness a = connected();
  const std::string stale_outbox = a.engine.outbox().serialize();  // what localStorage still holds for A
  const auto id = a.send("a").id;
  a.apply(a.engine.persist_now(a.now));
  const std::string history = a.last_persist(StoreKey::History)->data;
  Engine::MergeSource closed;
  closed.outbox_adopted = true;  // A's (stale) outbox was read back and adopted whole
  GIVEN("no ack was ever seen for it") {
    Harness b = connected();
    b.apply(b.engine.merge_stored(StoreKey::Outbox, stale_outbox, closed, b.now));
    b.apply(b.engine.merge_stored(StoreKey::History, history, closed, b.now));
    THEN("tab B shows it not delivered and sends it (its fate is unknown: it counts as sent once)") {
      CHECK(state_of(b, id) != MessageState::Acked);
      CHECK(state_of(b, id) != MessageState::Answered);
      REQUIRE(b.engine.outbox().find(id));
      CHECK(b.engine.outbox().find(id)->send_count == 1 + times_sent(b, id));
      CHECK(times_sent(b, id) == 1);
    }
  }
  GIVEN("A saw its ack and the outbox write that recorded it succeeded (the history still says sent)") {
    a.server_says(kSeedAck);
    const std::string outbox = a.engine.outbox().serialize();
    Harness b = connected();
    b.apply(b.engine.merge_stored(StoreKey::Outbox, outbox, closed, b.now));
    b.apply(b.engine.merge_stored(StoreKey::History, history, closed, b.now));
    THEN("the recorded ack, taken over with A's outbox, shows it delivered, and nothing is sent") {
      CHECK(state_of(b, id) == MessageState::Acked);
      CHECK_FALSE(b.engine.outbox().find(id));
      CHECK(times_sent(b, id) == 0);
    }
  }
}

SCENARIO("a reload does not grant a message more automatic sends without ids", "[delivery][fate][restore]") {
  // A message sent, its link ended unacked, sent again on a new link: its one automatic resend is used. The
  // page reloads with it still in flight: the restored outbox says it went out twice.
  Harness h = connected();
  const auto a = h.send("a").id;
  h.server_closes(1006);
  h.advance(60'000);
  h.open();
  REQUIRE(times_sent(h, a) == 2);
  const std::string outbox = h.engine.outbox().serialize();
  Harness after;
  after.apply(after.engine.restore(StoreKey::Outbox, outbox, after.now));
  after.start();
  after.open();
  THEN("it is not sent a third time: it waits for the resident as not confirmed") {
    CHECK(times_sent(after, a) == 0);
    CHECK(state_of(after, a) == MessageState::Failed);
    CHECK(reason_of(after, a) == FailReason::Unconfirmed);
  }
}
