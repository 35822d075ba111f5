// Two tabs of one resident: received messages get the same content id in every tab, histories merge
// without doubling or reordering either side, a closed tab's outbox is adopted (and its history reconciled).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
const char* kReply = R"({"type": "message", "role": "assistant", "message": "Oi!", "timestamp": 1764345601})";

ChatMessage make(Role role, std::string text, int64_t ts, std::string id = "", MessageState state = MessageState::Received) {
  ChatMessage m;
  m.role = role;
  m.text = std::move(text);
  m.timestamp_ms = ts;
  m.id = std::move(id);
  m.state = state;
  return m;
}

std::vector<std::string> texts(const ChatModel& c) {
  std::vector<std::string> out;
  for (const auto& m : c.messages()) out.push_back(m.text);
  return out;
}
}  // namespace

TEST_CASE("received messages get content ids: equal in every tab, distinct for repeats", "[tabs]") {
  ChatModel a, b;
  for (ChatModel* c : {&a, &b}) {
    c->append(make(Role::Assistant, "Oi!", 1000));
    c->append(make(Role::Assistant, "Oi!", 1000));  // the same text in the same second: a second message
    c->append(make(Role::Notification, "Oi!", 1000));
  }
  REQUIRE(a.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(a.messages()[i].id == b.messages()[i].id);
  CHECK(a.messages()[0].id != a.messages()[1].id);
  CHECK(a.messages()[0].id != a.messages()[2].id);
  CHECK(a.messages()[0].id.rfind("h", 0) == 0);
  // Restored histories continue the count, so the next repeat gets a new id too.
  ChatModel r;
  REQUIRE(r.restore(a.serialize()) == RestoreError::None);
  r.append(make(Role::Assistant, "Oi!", 1000));
  CHECK(r.messages().back().id != a.messages()[1].id);
  CHECK(r.messages().back().id != a.messages()[0].id);
}

TEST_CASE("merging histories interleaves by time, keeps each side's order, and never doubles", "[tabs]") {
  ChatModel a, b;
  a.append(make(Role::User, "pergunta A", 1'000'500, "mA", MessageState::Acked));
  a.append(make(Role::Assistant, "resposta", 1'000'000));  // second-resolution server time: before its question
  b.append(make(Role::Assistant, "resposta", 1'000'000));
  b.append(make(Role::User, "pergunta B", 1'002'000, "mB", MessageState::Sent));
  REQUIRE(a.merge(b.serialize()) == RestoreError::None);
  CHECK(texts(a) == std::vector<std::string>{"pergunta A", "resposta", "pergunta B"});
  // seqs stay increasing (views look messages up by binary search)
  for (std::size_t i = 1; i < a.size(); ++i) CHECK(a.messages()[i - 1].seq < a.messages()[i].seq);
  CHECK(a.find_seq(a.messages()[1].seq)->text == "resposta");
  // Merging again changes nothing.
  const auto before = texts(a);
  REQUIRE(a.merge(b.serialize()) == RestoreError::None);
  CHECK(texts(a) == before);
}

TEST_CASE("a resident message takes the furthest state either tab saw", "[tabs]") {
  ChatModel a, b;
  a.append(make(Role::User, "x", 1, "m1", MessageState::Sent));
  b.append(make(Role::User, "x", 1, "m1", MessageState::Answered));
  REQUIRE(a.merge(b.serialize()) == RestoreError::None);
  CHECK(a.find_id("m1")->state == MessageState::Answered);
  ChatModel c;
  c.append(make(Role::User, "x", 1, "m1", MessageState::Answered));
  REQUIRE(c.merge(a.serialize()) == RestoreError::None);
  CHECK(c.find_id("m1")->state == MessageState::Answered);
  CHECK(c.merge("{") == RestoreError::InvalidJson);
  CHECK(c.size() == 1);
}

SCENARIO("a closed tab's outbox is adopted and sent once, in order, with its ids", "[tabs]") {
  Harness gone;
  gone.start();
  const auto a = gone.send("um");
  const auto b = gone.send("dois");
  const auto outbox = gone.last_persist(StoreKey::Outbox)->data;
  Harness h;
  h.start();
  h.open();
  h.prove_ids();  // pipelined: both go out at once
  Engine::MergeResult r;
  h.apply(h.engine.merge_stored(StoreKey::Outbox, outbox, {}, h.now, &r));
  CHECK(r.readable);
  CHECK(r.complete);
  const auto frames = h.chat_frames();
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].first == a.id);
  CHECK(frames[1].first == b.id);
  CHECK(h.engine.chat().find_id(a.id)->state == MessageState::Sent);
  WHEN("the same outbox is offered again (a race between two tabs)") {
    h.apply(h.engine.merge_stored(StoreKey::Outbox, outbox, {}, h.now, &r));
    THEN("nothing is sent twice") { CHECK(h.chat_frames().size() == 2); }
  }
  WHEN("it was acked meanwhile") {
    h.ack_all();
    h.apply(h.engine.merge_stored(StoreKey::Outbox, outbox, {}, h.now, &r));
    THEN("it is not adopted again") {
      CHECK(h.chat_frames().size() == 2);
      CHECK(h.engine.outbox().empty());
    }
  }
}

SCENARIO("an open tab's outbox is never taken, and an unreadable one is reported", "[tabs]") {
  Harness h;
  h.start();
  h.open();
  Engine::MergeResult r;
  h.apply(h.engine.merge_stored(StoreKey::Outbox, R"({"v":1,"m":[["m1","x",1,0]]})", {true, false}, h.now, &r));
  CHECK(h.engine.outbox().empty());
  h.apply(h.engine.merge_stored(StoreKey::Outbox, "{", {}, h.now, &r));
  CHECK_FALSE(r.readable);
  CHECK(h.logs.back().text.find("could not be read") != std::string::npos);
  h.apply(h.engine.merge_stored(StoreKey::History, "[", {}, h.now, &r));
  CHECK_FALSE(r.readable);
  h.apply(h.engine.merge_stored(StoreKey::Outbox, "", {}, h.now, &r));
  CHECK(r.complete);
}

SCENARIO("a full outbox adopts what fits and says it is not complete", "[tabs]") {
  EngineConfig config = Harness::default_config();
  config.outbox.max_messages = 2;
  Harness h(config);
  h.start();
  h.send("meu");
  Outbox other;
  for (int i = 0; i < 3; ++i) {
    OutboxEntry e;
    e.id = "o" + std::to_string(i);
    e.text = "deles";
    e.created_ms = i;
    other.push(e);
  }
  Engine::MergeResult r;
  h.apply(h.engine.merge_stored(StoreKey::Outbox, other.serialize(), {}, h.now, &r));
  CHECK(r.readable);
  CHECK_FALSE(r.complete);
  CHECK(h.engine.outbox().size() == 2);
}

SCENARIO("a closed tab's history: open messages are acked only with a recorded ack, else recovered", "[tabs]") {
  ChatModel theirs;
  theirs.append(make(Role::User, "entregue", 1, "m-done", MessageState::Sent));
  theirs.append(make(Role::User, "perdida", 2, "m-lost", MessageState::Queued));
  theirs.append(make(Role::Assistant, "resposta", 3));
  GIVEN("its outbox was adopted and recorded the ack of one of them") {
    Harness h;
    h.start();
    h.apply(h.engine.merge_stored(StoreKey::Outbox, R"({"v":1,"m":[],"a":["m-done"]})", {false, false}, h.now));
    h.apply(h.engine.merge_stored(StoreKey::History, theirs.serialize(), {false, true}, h.now));
    CHECK(h.engine.chat().find_id("m-done")->state == MessageState::Acked);
    // Not in its outbox and no ack seen (its outbox write may have failed): recovered, not shown delivered.
    REQUIRE(h.engine.outbox().size() == 1);
    CHECK(h.engine.outbox().find("m-lost"));
    CHECK(h.engine.chat().find_id("m-lost")->state != MessageState::Acked);
    CHECK(h.engine.chat().size() == 3);
  }
  GIVEN("its outbox was lost") {
    Harness h;
    h.start();
    h.apply(h.engine.merge_stored(StoreKey::History, theirs.serialize(), {false, false}, h.now));
    CHECK(h.engine.outbox().size() == 2);
    h.open();
    h.prove_ids();
    CHECK(h.chat_frames().size() == 2);
  }
  GIVEN("the tab is still open") {
    Harness h;
    h.start();
    h.apply(h.engine.merge_stored(StoreKey::History, theirs.serialize(), {true, false}, h.now));
    CHECK(h.engine.outbox().empty());
    CHECK(h.engine.chat().find_id("m-lost")->state == MessageState::Queued);
  }
}

TEST_CASE("persist_now writes outbox and history at once", "[tabs]") {
  Harness h;
  h.start();
  h.send("oi");
  const auto before = h.persisted.size();
  h.apply(h.engine.persist_now(h.now));
  REQUIRE(h.persisted.size() == before + 2);
  CHECK(h.persisted[before].key == StoreKey::Outbox);
  CHECK(h.persisted[before + 1].key == StoreKey::History);
  CHECK(h.engine.next_deadline_ms() != h.now + 1000);  // the batched history write is no longer pending
}

TEST_CASE("next_deadline_ms names the earliest thing the engine waits for", "[connection]") {
  Harness h;
  CHECK(h.engine.next_deadline_ms() == kNever);
  h.start();
  CHECK(h.engine.next_deadline_ms() == h.now + 10'000);  // connect timeout
  h.open();
  CHECK(h.engine.next_deadline_ms() == h.now + 30'000);  // heartbeat
  h.send("x");
  CHECK(h.engine.next_deadline_ms() == h.now + 1'000);   // batched history write
  h.advance(1'000);
  CHECK(h.engine.next_deadline_ms() == h.now + 19'000);  // the message's ack timeout
  h.ack_all();
  h.server_closes(1006);
  CHECK(h.engine.next_deadline_ms() == h.engine.next_retry_at_ms());
  CHECK(std::string(to_string(ConnState::Reconnecting)) == "reconnecting");
  CHECK(std::string(to_string(ConnState::Idle)) == "idle");
  CHECK(std::string(to_string(ConnState::Closed)) == "closed");
  CHECK(std::string(to_string(StoreKey::History)) == "history");
}

TEST_CASE("a page that becomes visible with its heartbeat overdue sends it at once", "[heartbeat]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(30'000);      // heartbeat sent and answered at 30 s
  h.apply(h.engine.page_hidden(h.now));
  h.now += 29'000;                   // no tick (throttled), heartbeat due in 1 s
  h.server_says(kReply);             // a frame at 59 s...
  h.now += 31'000;                   // ...then silence; heartbeat overdue by 30 s
  h.apply(h.engine.page_visible(h.now));
  int heartbeats = 0;
  for (const auto& a : h.actions()) heartbeats += a == "heartbeat";
  CHECK(heartbeats == 2);
  CHECK(h.engine.status_text(h.now) == "Conectado em tempo real");
}

TEST_CASE("status texts for every state", "[connection]") {
  Harness h;
  CHECK(h.engine.status_text(h.now) == "Desconectado");
  h.start();
  h.open();
  h.apply(h.engine.disconnect(h.now));
  CHECK(h.engine.status_text(h.now) == "Desconectado");
  CHECK(h.engine.show_try_now());
}

TEST_CASE("a policy close during a rotation also closes the connection being opened", "[rotation]") {
  Harness h;
  h.start();
  h.open();
  h.stay_connected_for(110 * 60'000);
  REQUIRE(h.engine.rotating());
  const uint32_t opening = h.newest_conn();
  h.server_closes(4003, h.engine.current_connection(), "Forbidden");
  CHECK(h.socket(opening).closed);
  CHECK(h.engine.state() == ConnState::Failed);
}
