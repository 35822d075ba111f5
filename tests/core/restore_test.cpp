// Reconciling stored state (restore.hpp) on plain models, without an engine: a page's own history against
// its own outbox after a reload, a closed tab's outbox adopted, a closed tab's history settled, and merging
// an already-read history.
#include <catch2/catch.hpp>

#include "core/restore.hpp"

using namespace bos;

namespace {
ChatMessage user(std::string id, MessageState state, int64_t ts = 1) {
  ChatMessage m;
  m.id = std::move(id);
  m.role = Role::User;
  m.state = state;
  m.text = "texto " + m.id;
  m.timestamp_ms = ts;
  return m;
}

OutboxEntry entry(std::string id, OutboxState state = OutboxState::Queued) {
  OutboxEntry e;
  e.id = std::move(id);
  e.text = "texto " + e.id;
  e.created_ms = 7;
  e.state = state;
  return e;
}
}  // namespace

TEST_CASE("outbox entries and chat messages convert both ways", "[restore]") {
  CHECK(chat_state_for(OutboxState::Queued) == MessageState::Queued);
  CHECK(chat_state_for(OutboxState::Sent) == MessageState::Sent);
  CHECK(chat_state_for(OutboxState::Failed) == MessageState::Failed);
  OutboxEntry e = entry("m1", OutboxState::Failed);
  e.fail_reason = FailReason::TooBig;
  const ChatMessage m = message_for(e);
  CHECK(m.id == "m1");
  CHECK(m.role == Role::User);
  CHECK(m.state == MessageState::Failed);
  CHECK(m.fail_reason == FailReason::TooBig);
  CHECK(m.text == e.text);
  CHECK(m.timestamp_ms == 7);
  const OutboxEntry back = entry_for(m);
  CHECK(back.state == OutboxState::Failed);
  CHECK(back.fail_reason == FailReason::TooBig);
  // An open message goes back queued, with no fail reason, on no connection.
  ChatMessage sent = user("m2", MessageState::Sent, 9);
  sent.fail_reason = FailReason::TooBig;
  const OutboxEntry again = entry_for(sent);
  CHECK(again.state == OutboxState::Queued);
  CHECK(again.fail_reason == FailReason::None);
  CHECK(again.created_ms == 9);
  CHECK(again.sent_on_conn == 0);
}

TEST_CASE("every outbox entry is shown in the chat with the outbox's state", "[restore]") {
  Outbox outbox;
  outbox.push(entry("in-both", OutboxState::Sent));
  outbox.push(entry("only-outbox", OutboxState::Failed));
  ChatModel chat;
  chat.append(user("in-both", MessageState::Queued));
  const auto shown = show_outbox_in_chat(outbox, chat);
  REQUIRE(shown.size() == 1);
  CHECK(chat.find_seq(shown[0])->id == "only-outbox");
  CHECK(chat.find_id("only-outbox")->state == MessageState::Failed);
  CHECK(chat.find_id("in-both")->state == MessageState::Sent);
  CHECK(show_outbox_in_chat(outbox, chat).empty());  // idempotent
}

// Issue 12 changed this: leaving the outbox alone proved nothing (its write may have failed); the outbox's
// record of acks seen does.
TEST_CASE("a reloaded history against its intact outbox: what its ack record names was acked", "[restore]") {
  ChatModel chat;
  chat.append(user("waiting", MessageState::Queued));
  chat.append(user("acked-meanwhile", MessageState::Sent));
  chat.append(user("failed", MessageState::Failed));
  chat.append(user("answered", MessageState::Answered));
  Outbox outbox;
  outbox.push(entry("waiting"));
  outbox.note_acked("acked-meanwhile");
  const Reconciled r = reconcile_history(chat, outbox, /*outbox_intact=*/true);
  CHECK(r.acked == 1);
  CHECK(r.requeued == 0);
  CHECK(chat.find_id("acked-meanwhile")->state == MessageState::Acked);
  CHECK(chat.find_id("waiting")->state == MessageState::Queued);  // the outbox decides it
  CHECK(chat.find_id("failed")->state == MessageState::Failed);   // deleted by the resident, or failed: kept
  CHECK(outbox.size() == 1);
}

TEST_CASE("a reloaded history whose outbox was lost: open and failed messages go back in the outbox", "[restore]") {
  ChatModel chat;
  chat.append(user("queued", MessageState::Queued));
  chat.append(user("sent", MessageState::Sent));
  ChatMessage failed = user("failed", MessageState::Failed);
  failed.fail_reason = FailReason::TooBig;
  chat.append(failed);
  chat.append(user("acked", MessageState::Acked));
  chat.append(user("queued", MessageState::Queued));  // the same id twice: put back once
  ChatMessage reply;
  reply.role = Role::Assistant;
  reply.text = "resposta";
  chat.append(reply);
  Outbox outbox;
  const Reconciled r = reconcile_history(chat, outbox, /*outbox_intact=*/false);
  CHECK(r.requeued == 3);
  CHECK(r.acked == 0);
  REQUIRE(outbox.size() == 3);
  CHECK(outbox.entries()[0].id == "queued");
  CHECK(outbox.entries()[1].state == OutboxState::Sent);  // it went out: its fate is unknown (one resend)
  CHECK(outbox.entries()[1].send_count == 1);
  CHECK(outbox.entries()[2].state == OutboxState::Failed);
  CHECK(outbox.entries()[2].fail_reason == FailReason::TooBig);
}

TEST_CASE("a closed tab's outbox is adopted unless ours or delivered, and says when it did not fit", "[restore]") {
  Outbox theirs;
  theirs.push(entry("new"));
  theirs.push(entry("went-out", OutboxState::Sent));
  theirs.push(entry("already-ours"));
  theirs.push(entry("delivered"));
  Outbox ours(OutboxLimits{.max_messages = 3});
  ours.push(entry("already-ours"));
  ChatModel chat;
  chat.append(user("delivered", MessageState::Answered));
  chat.append(user("went-out", MessageState::Sent));
  const Adopted a = adopt_outbox(theirs, ours, chat);
  CHECK(a.adopted == 2);
  CHECK(a.complete);
  CHECK(ours.size() == 3);
  CHECK(ours.find("went-out")->send_count == 1);  // it may have reached the server: its next send is a resend
  CHECK(ours.find("new")->send_count == 0);
  REQUIRE(a.shown.size() == 1);  // "went-out" was already in the chat
  CHECK(chat.find_seq(a.shown[0])->id == "new");

  Outbox more;
  more.push(entry("no-room"));
  const Adopted b = adopt_outbox(more, ours, chat);
  CHECK(b.adopted == 0);
  CHECK_FALSE(b.complete);  // their copy must be kept
  CHECK_FALSE(chat.find_id("no-room"));
}

TEST_CASE("a closed tab's history: an open message shows acked only with a recorded ack, else goes out again", "[restore]") {
  const auto make = [] {
    ChatModel theirs;
    theirs.append(user("open", MessageState::Sent));
    theirs.append(user("acked-there", MessageState::Sent));
    theirs.append(user("in-our-outbox", MessageState::Queued));
    theirs.append(user("failed", MessageState::Failed));
    return theirs;
  };
  // That tab's outbox recorded the ack of "acked-there" (its history write came before the ack) and never
  // held "open": its outbox write failed after the history's.
  Outbox their_outbox;
  their_outbox.note_acked("acked-there");
  Outbox ours;
  ours.push(entry("in-our-outbox"));
  ChatModel chat;
  adopt_outbox(their_outbox, ours, chat);
  CHECK(ours.was_acked("acked-there"));  // the record came along

  ChatModel adopted = make();
  CHECK(settle_closed_tab_history(adopted, ours) == 1);
  CHECK(adopted.find_id("acked-there")->state == MessageState::Acked);
  CHECK(adopted.find_id("open")->state == MessageState::Sent);  // no ack seen: never shown delivered
  REQUIRE(ours.find("open"));
  CHECK(ours.find("open")->state == OutboxState::Sent);  // it may have arrived: its fate is unknown
  CHECK(ours.find("open")->send_count == 1);
  CHECK(adopted.find_id("in-our-outbox")->state == MessageState::Queued);
  CHECK(adopted.find_id("failed")->state == MessageState::Failed);
  CHECK_FALSE(ours.find("failed"));  // a failed one waits for the resident in that history, not here
  CHECK_FALSE(ours.find("acked-there"));

  Outbox fresh;
  ChatModel lost = make();
  CHECK(settle_closed_tab_history(lost, fresh) == 3);  // its outbox (and record) lost: nothing is proven
  CHECK(fresh.find("open"));
  CHECK(fresh.find("acked-there"));
  CHECK(lost.find_id("acked-there")->state == MessageState::Sent);
}

TEST_CASE("merging an already-read history is the same as merging its blob, minus its processing line", "[restore][tabs]") {
  ChatModel theirs;
  theirs.append(user("m1", MessageState::Answered, 10));
  ChatMessage line;
  line.role = Role::System;
  line.text = "Processando...";
  line.temporary = true;
  theirs.append(line);
  ChatModel by_model, by_blob;
  for (ChatModel* c : {&by_model, &by_blob}) c->append(user("m1", MessageState::Sent, 10));
  by_model.merge(theirs);
  REQUIRE(by_blob.merge(theirs.serialize()) == RestoreError::None);
  CHECK(by_model.serialize() == by_blob.serialize());
  CHECK(by_model.size() == 1);
  CHECK(by_model.find_id("m1")->state == MessageState::Answered);
}
