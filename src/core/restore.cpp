// restore.cpp: see restore.hpp.
#include "core/restore.hpp"

namespace bos {

namespace {
bool is_open(MessageState s) { return s == MessageState::Queued || s == MessageState::Sent; }
bool is_delivered(MessageState s) { return s == MessageState::Acked || s == MessageState::Answered; }
}  // namespace

MessageState chat_state_for(OutboxState s) {
  switch (s) {
    case OutboxState::Queued: return MessageState::Queued;
    case OutboxState::Sent: return MessageState::Sent;
    case OutboxState::Failed: return MessageState::Failed;
  }
  return MessageState::Queued;
}

ChatMessage message_for(const OutboxEntry& e) {
  ChatMessage m;
  m.id = e.id;
  m.role = Role::User;
  m.state = chat_state_for(e.state);
  m.text = e.text;
  m.timestamp_ms = e.created_ms;
  m.fail_reason = e.fail_reason;
  return m;
}

OutboxEntry entry_for(const ChatMessage& m) {
  OutboxEntry e;
  e.id = m.id;
  e.text = m.text;
  e.created_ms = m.timestamp_ms;
  if (m.state == MessageState::Failed) {
    e.state = OutboxState::Failed;
    e.fail_reason = m.fail_reason;
  }
  return e;
}

std::vector<uint64_t> show_outbox_in_chat(const Outbox& outbox, ChatModel& chat) {
  std::vector<uint64_t> shown;
  for (const auto& e : outbox.entries()) {
    if (const ChatMessage* m = chat.find_id(e.id)) {
      if (m->state != chat_state_for(e.state)) chat.set_state(e.id, chat_state_for(e.state), e.fail_reason);
    } else {
      shown.push_back(chat.append(message_for(e)));
    }
  }
  return shown;
}

Reconciled reconcile_history(ChatModel& chat, Outbox& outbox, bool outbox_intact) {
  Reconciled r;
  // One pass: set_state changes no message's place, and a pushed id is skipped if the history repeats it.
  for (const auto& m : chat.messages()) {
    if (m.role != Role::User || outbox.find(m.id)) continue;
    if (!is_open(m.state) && m.state != MessageState::Failed) continue;
    if (outbox_intact && m.state != MessageState::Failed && outbox.was_acked(m.id)) {
      chat.set_state(m.id, MessageState::Acked);  // the stored outbox recorded its ack
      ++r.acked;
    } else if (!outbox_intact || m.state != MessageState::Failed) {
      // No ack is proven (the outbox write that would hold it may have failed): it goes out again. One that
      // the history shows as sent may have arrived: its fate is unknown (one automatic resend without ids).
      OutboxEntry e = entry_for(m);
      if (m.state == MessageState::Sent) {
        e.state = OutboxState::Sent;
        e.send_count = 1;
      }
      if (outbox.push(std::move(e)) == SendError::None) ++r.requeued;
    }
  }
  return r;
}

Adopted adopt_outbox(const Outbox& theirs, Outbox& ours, ChatModel& chat) {
  Adopted a;
  for (const auto& e : theirs.entries()) {
    if (ours.find(e.id)) continue;
    if (const ChatMessage* m = chat.find_id(e.id); m && is_delivered(m->state)) continue;
    OutboxEntry mine = e;
    mine.sent_on_conn = 0;
    // Sent: it may have reached the server. Its sends so far count (kMaxUnconfirmedSends holds across tabs).
    mine.send_count = e.state == OutboxState::Sent ? std::max(e.send_count, 1) : e.send_count;
    if (ours.push(std::move(mine)) != SendError::None) {
      a.complete = false;
      continue;
    }
    ++a.adopted;
    if (!chat.find_id(e.id)) a.shown.push_back(chat.append(message_for(e)));
  }
  // Their ack record comes along: it is what proves their history's open messages were acked
  // (settle_closed_tab_history), and only an ack seen for a message may show it delivered.
  for (const auto& id : theirs.acked_ids()) ours.note_acked(id);
  return a;
}

std::size_t settle_closed_tab_history(ChatModel& theirs, Outbox& ours) {
  std::size_t requeued = 0;
  for (const auto& m : theirs.messages()) {
    if (m.role != Role::User || ours.find(m.id) || !is_open(m.state)) continue;
    if (ours.was_acked(m.id)) {
      // A recorded ack (that tab's, taken over with its outbox by adopt_outbox, or ours) proves it.
      theirs.set_state(m.id, MessageState::Acked);
      continue;
    }
    // Open in that history and in no outbox, with no ack seen for it: that tab's outbox write may have
    // failed after the history's. It goes out again; one the history shows as sent may have arrived, so its
    // fate is unknown (one automatic resend without ids, as reconcile_history does).
    OutboxEntry e = entry_for(m);
    if (m.state == MessageState::Sent) {
      e.state = OutboxState::Sent;
      e.send_count = 1;
    }
    if (ours.push(std::move(e)) == SendError::None) ++requeued;
  }
  return requeued;
}

}  // namespace bos
