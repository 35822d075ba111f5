// Outbox: a resident's message is never lost. Queued offline, flushed in order on open, resent with the
// same client_msg_id after a reconnect, bounded with a clear error, persisted and restored defensively.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
std::vector<std::string> texts_of(const std::vector<std::pair<std::string, std::string>>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.second);
  return out;
}
}  // namespace

SCENARIO("messages typed while offline are queued in order and flushed on open", "[outbox]") {
  Harness h;
  h.start();
  const auto a = h.send("primeira");
  const auto b = h.send("segunda");
  const auto c = h.send("terceira");
  REQUIRE(a.error == SendError::None);
  CHECK(h.engine.queued() == 3);
  CHECK(h.chat_frames().empty());
  CHECK(h.engine.chat().find_id(a.id)->state == MessageState::Queued);
  h.open();
  THEN("before any ack proves ids, only the first goes out (issue 12)") { CHECK(h.chat_frames().size() == 1); }
  h.prove_ids();
  THEN("they go out in the order they were typed, with their ids") {
    const auto frames = h.chat_frames();
    REQUIRE(frames.size() == 3);
    CHECK(texts_of(frames) == std::vector<std::string>{"primeira", "segunda", "terceira"});
    CHECK(frames[0].first == a.id);
    CHECK(frames[2].first == c.id);
    CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Sent);
  }
  AND_WHEN("the server acks them") {
    h.ack_all();
    THEN("the outbox is empty and each message shows as acked") {
      CHECK(h.engine.queued() == 0);
      CHECK(h.engine.outbox().empty());
      CHECK(h.engine.chat().find_id(c.id)->state == MessageState::Acked);
    }
  }
}

SCENARIO("unacked messages are resent with the same client_msg_id after a reconnect", "[outbox]") {
  Harness h;
  h.start();
  h.open();
  const auto a = h.send("vazamento no 502");
  const auto b = h.send("de novo");
  h.server_says(h.ack_for(a.id));
  h.server_closes(1006);  // b was sent but never acked
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  THEN("only b goes out again, with its original id") {
    const auto frames = h.chat_frames();
    REQUIRE(frames.size() == 3);
    CHECK(frames[2].first == b.id);
    CHECK(frames[2].second == "de novo");
    CHECK(h.engine.stats().resends == 1);
  }
}

SCENARIO("a message without an ack is resent on the same connection after the ack timeout", "[outbox]") {
  Harness h;
  h.start();
  h.open();
  h.prove_ids();  // a backend that deduplicates (without ids: delivery_test.cpp)
  const auto a = h.send("sem ack");
  h.stay_connected_for(19'000);
  CHECK(h.chat_frames().size() == 1);
  h.stay_connected_for(1'000);
  CHECK(h.chat_frames().size() == 2);
  CHECK(h.chat_frames()[1].first == a.id);
  // Then 40 s, 80 s, ... not a resend storm.
  h.stay_connected_for(39'000);
  CHECK(h.chat_frames().size() == 2);
  h.stay_connected_for(1'000);
  CHECK(h.chat_frames().size() == 3);
  h.server_says(h.ack_for(a.id));
  h.server_says(h.ack_for(a.id));  // the server re-acks a deduped resend
  CHECK(h.engine.chat().find_id(a.id)->state == MessageState::Acked);
  CHECK(h.engine.stats().acks_duplicate == 1);
  h.stay_connected_for(10 * 60'000);
  CHECK(h.chat_frames().size() == 3);
}

// Issue 12 changed this: the oldest of several in flight was credited; now only one is ever in flight.
SCENARIO("an ack without client_msg_id (the seed's Lambda) acks the one message in flight on that connection",
         "[outbox]") {
  Harness h;
  h.start();
  h.open();
  const auto a = h.send("um");
  const auto b = h.send("dois");
  CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Queued);  // waits: its ack could not be told apart
  h.server_says(R"({"type": "ack", "message": "Sua solicita\u00e7\u00e3o est\u00e1 sendo processada...", "timestamp": 1764345600})");
  CHECK(h.engine.chat().find_id(a.id)->state == MessageState::Acked);
  CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Queued);
  h.server_says(R"({"type": "ack", "timestamp": 1764345600})");  // nothing waits: ignored
  CHECK(h.engine.stats().acks_unmatched == 1);
  CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Queued);
  h.advance(h.engine.config().error_settle_ms);
  CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Sent);
  h.server_says(R"({"type": "ack", "timestamp": 1764345600})");
  CHECK(h.engine.chat().find_id(b.id)->state == MessageState::Acked);
}

SCENARIO("what the resident may not send is refused before it is queued", "[outbox]") {
  Harness h;
  h.start();
  h.open();
  CHECK(h.send("").error == SendError::Empty);
  CHECK(h.send("   \n\t ").error == SendError::Empty);
  CHECK(h.send("\xC2\xA0\xE3\x80\x80").error == SendError::Empty);
  std::string at_limit;
  for (std::size_t i = 0; i < kMaxMessageCodepoints; ++i) at_limit += "\xC3\xA7";  // 4,000 'ç'
  CHECK(h.send(at_limit).error == SendError::None);
  CHECK(h.send(at_limit + "a").error == SendError::TooLong);
  CHECK(h.send("  " + at_limit + "  ").error == SendError::None);  // counted after trimming
  CHECK(std::string(to_string(SendError::TooLong)) == "too_long");
  CHECK(std::string(to_string(SendError::Empty)) == "empty");
  CHECK(std::string(to_string(SendError::QueueFull)) == "queue_full");
}

SCENARIO("the text is trimmed and invalid UTF-8 from the page is repaired", "[outbox]") {
  Harness h;
  h.start();
  h.open();
  const auto r = h.send("  bom dia \xED\xA0\x80  \n");
  REQUIRE(r.error == SendError::None);
  CHECK(h.engine.chat().find_id(r.id)->text == "bom dia \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(h.chat_frames()[0].second == "bom dia \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

SCENARIO("the outbox is bounded at 1,000 messages with a clear queue_full, never a silent drop", "[outbox]") {
  Harness h;
  h.start();  // never opens
  for (int i = 0; i < 1000; ++i) REQUIRE(h.send("mensagem " + std::to_string(i)).error == SendError::None);
  CHECK(h.send("uma a mais").error == SendError::QueueFull);
  CHECK(h.engine.queued() == 1000);
  h.open();
  h.ack_all();
  CHECK(h.engine.queued() == 0);
  CHECK(h.send("agora cabe").error == SendError::None);
  CHECK(h.chat_frames().size() == 1001);
}

SCENARIO("the outbox is bounded at 1 MiB of text", "[outbox]") {
  Harness h;
  h.start();
  const std::string big(4000, 'x');
  int accepted = 0;
  while (h.send(big).error == SendError::None) ++accepted;
  CHECK(accepted == static_cast<int>(kOutboxMaxBytes / big.size()));
  CHECK(h.send(big).error == SendError::QueueFull);
  CHECK(h.send("x").error == SendError::None);  // a small one still fits
}

SCENARIO("a message the server refuses as too big (1009) is marked failed, not resent forever", "[outbox]") {
  Harness h;
  h.start();
  h.open();
  const auto ok = h.send("pequena");
  h.server_says(h.ack_for(ok.id));
  const auto big = h.send("grande demais para o servidor");
  h.server_closes(1009, 0, "Message too big");
  CHECK(h.engine.chat().find_id(big.id)->state == MessageState::Failed);
  CHECK(h.engine.chat().find_id(big.id)->fail_reason == FailReason::TooBig);
  h.advance(h.engine.next_retry_at_ms() - h.now);
  h.open();
  CHECK(h.chat_frames().size() == 2);  // not resent
  WHEN("the resident deletes it") {
    h.apply(h.engine.delete_message(big.id, h.now));
    THEN("it is gone from the chat and the outbox") {
      CHECK(h.engine.chat().find_id(big.id) == nullptr);
      CHECK(h.engine.outbox().empty());
    }
  }
  WHEN("the resident retries it") {
    h.apply(h.engine.retry_message(big.id, h.now));
    THEN("it goes out again") {
      CHECK(h.chat_frames().size() == 3);
      CHECK(h.engine.chat().find_id(big.id)->state == MessageState::Sent);
    }
  }
}

SCENARIO("only failed messages can be deleted or retried", "[outbox]") {
  Harness h;
  h.start();
  const auto a = h.send("na fila");
  h.apply(h.engine.delete_message(a.id, h.now));
  h.apply(h.engine.retry_message(a.id, h.now));
  h.apply(h.engine.delete_message("nope", h.now));
  CHECK(h.engine.chat().find_id(a.id) != nullptr);
  CHECK(h.engine.queued() == 1);
}

SCENARIO("the outbox persists on every change and survives a reload", "[outbox]") {
  Harness h;
  h.start();
  const auto a = h.send("digitada offline");
  const auto saved = h.last_persist(StoreKey::Outbox);
  REQUIRE(saved);
  WHEN("the page reloads and restores it") {
    Harness h2;
    h2.apply(h2.engine.restore(StoreKey::Outbox, saved->data, h2.now));
    h2.start();
    CHECK(h2.engine.queued() == 1);
    CHECK(h2.engine.chat().find_id(a.id) != nullptr);
    h2.open();
    THEN("the message is delivered with its original id") {
      REQUIRE(h2.chat_frames().size() == 1);
      CHECK(h2.chat_frames()[0].first == a.id);
      CHECK(h2.chat_frames()[0].second == "digitada offline");
    }
  }
}

TEST_CASE("outbox restore refuses corrupt blobs and starts empty with a log line", "[outbox]") {
  const auto [blob, error] = GENERATE(table<std::string, RestoreError>({
      {"{", RestoreError::InvalidJson},
      {"[]", RestoreError::InvalidJson},
      {R"({"v":2,"m":[]})", RestoreError::WrongVersion},
      {R"({"v":"1","m":[]})", RestoreError::WrongVersion},
      {R"({"m":[]})", RestoreError::WrongVersion},
      {R"({"v":1})", RestoreError::BadEntry},
      {R"({"v":1,"m":{}})", RestoreError::BadEntry},
      {R"({"v":1,"m":[["id","text",1]]})", RestoreError::BadEntry},
      {R"({"v":1,"m":[[1,"text",1,0]]})", RestoreError::BadEntry},
      {R"({"v":1,"m":[["id","",1,0]]})", RestoreError::BadEntry},
      {R"({"v":1,"m":[["","t",1,0]]})", RestoreError::BadEntry},
      {std::string(kMaxPersistedBlobBytes + 1, ' '), RestoreError::TooLarge},
      {R"({"v":1,"m":[["ok","t",1,0]]})" + std::string(1, '}'), RestoreError::InvalidJson},
  }));
  Outbox outbox;
  CHECK(outbox.restore(blob) == error);
  CHECK(outbox.empty());
  CHECK(outbox.bytes() == 0);

  Harness h;
  h.apply(h.engine.restore(StoreKey::Outbox, blob, h.now));
  CHECK(h.engine.outbox().empty());
  REQUIRE_FALSE(h.logs.empty());
  CHECK(h.logs.back().text.find("outbox restore failed") != std::string::npos);
}

TEST_CASE("outbox restore keeps order and states, drops duplicate ids, repairs text", "[outbox]") {
  Outbox outbox;
  REQUIRE(outbox.restore(R"({"v":1,"m":[["a","um",1,0],["b","dois",2,1],["a","dup",3,0],["c","tr\u00eas",4,2,1]]})") ==
          RestoreError::None);
  REQUIRE(outbox.size() == 3);
  CHECK(outbox.entries()[0].id == "a");
  CHECK(outbox.entries()[1].state == OutboxState::Sent);
  CHECK(outbox.entries()[2].state == OutboxState::Failed);
  CHECK(outbox.entries()[2].fail_reason == FailReason::TooBig);
  CHECK(outbox.entries()[2].text == "tr\xC3\xAAs");
  const auto again = outbox.serialize();
  Outbox copy;
  REQUIRE(copy.restore(again) == RestoreError::None);
  CHECK(copy.serialize() == again);
}

TEST_CASE("outbox restore respects the bounds", "[outbox]") {
  nlohmann::json m = nlohmann::json::array();
  for (int i = 0; i < 1001; ++i) m.push_back({"id" + std::to_string(i), "x", i, 0});
  Outbox outbox;
  CHECK(outbox.restore(nlohmann::json({{"v", 1}, {"m", m}}).dump()) == RestoreError::TooLarge);
  CHECK(outbox.empty());
}
