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
    mine.send_count = e.state == OutboxState::Sent ? 1 : 0;  // it may have reached the server: a resend
    if (ours.push(std::move(mine)) != SendError::None) {
      a.complete = false;
      continue;
    }
    ++a.adopted;
    if (!chat.find_id(e.id)) a.shown.push_back(chat.append(message_for(e)));
  }
  return a;
}

std::size_t settle_closed_tab_history(ChatModel& theirs, Outbox& ours, bool outbox_adopted) {
  std::size_t requeued = 0;
  for (const auto& m : theirs.messages()) {
    if (m.role != Role::User || ours.find(m.id) || !is_open(m.state)) continue;
    if (outbox_adopted) {
      theirs.set_state(m.id, MessageState::Acked);
    } else if (ours.push(entry_for(m)) == SendError::None) {
      ++requeued;
    }
  }
  return requeued;
}

}  // namespace bos
