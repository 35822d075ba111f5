// engine_messages.cpp: the Engine's message flow (see engine.hpp); connections are in engine.cpp.
//
// Index
//   [SECTION] Dispatch          ack, message, notification, typing, status, error, gateway frames
//   [SECTION] Outbox            persist, send, flush, resend; the resident's send, retry, delete, clear, typing
#include "core/engine.hpp"

#include <algorithm>

#include "core/limits.hpp"
#include "core/restore.hpp"
#include "core/utf8.hpp"

namespace bos {

namespace {
// The ack timeout doubles per resend; the shift stops here (20 s << 4 is past any sane cap already).
constexpr int kAckTimeoutMaxDoublings = 4;
}  // namespace

// [SECTION] Dispatch ----------------------------------------------------------------------------------

void Engine::handle_frame(uint32_t conn, const ServerFrame& f, int64_t now) {
  switch (f.type) {
    case FrameType::Ack:
      handle_ack(conn, f, now);
      break;
    case FrameType::Message:
      add_incoming(Role::Assistant, f.message, f.timestamp_ms, Priority::Normal, now);
      break;
    case FrameType::Notification:
      add_incoming(Role::Notification, f.message, f.timestamp_ms, f.priority, now);
      if (f.priority == Priority::High) emit(Notify{text(config_.lang, Text::NotificationTitle), f.message});
      break;
    case FrameType::Typing:
      if (chat_.agent_typing() != f.typing || chat_.typing_agent() != f.agent) {
        chat_.set_agent_typing(f.typing, f.agent, now);
        ui(UiEventKind::TypingChanged);
      }
      agent_typing_deadline_ = f.typing ? deadline_after(now, config_.agent_typing_timeout_ms) : kNever;
      break;
    case FrameType::Status:
      if (conn == current_.id && !f.connection_id.empty() && f.connection_id != current_.connection_id) {
        current_.connection_id = f.connection_id;
        ui(UiEventKind::StatusChanged);
      }
      break;
    case FrameType::Error:
      add_incoming(Role::Error, f.message.empty() ? text(config_.lang, Text::ServerError) : f.message,
                   f.timestamp_ms, Priority::Normal, now);
      break;
    case FrameType::Heartbeat:
      break;  // liveness was recorded in on_text
    case FrameType::GatewayForbidden:
      ++stats_.gateway_errors;
      log(LogLevel::Warn, "API Gateway answered Forbidden (no route for a frame we sent), request " + f.request_id);
      break;
    case FrameType::GatewayInternalError: {
      ++stats_.gateway_errors;
      log(LogLevel::Warn, "API Gateway answered Internal server error, request " + f.request_id);
      const auto& msgs = chat_.messages();
      const std::string notice = text(config_.lang, Text::GatewayError);
      if (msgs.empty() || msgs.back().role != Role::Error || msgs.back().text != notice) {
        add_incoming(Role::Error, notice, now, Priority::Normal, now);
      }
      break;
    }
    case FrameType::Invalid:
      break;
  }
}

void Engine::handle_ack(uint32_t conn, const ServerFrame& f, int64_t now) {
  OutboxEntry* e = f.client_msg_id.empty() ? outbox_.oldest_sent_on(conn) : outbox_.find(f.client_msg_id);
  if (!e) {
    const ChatMessage* m = f.client_msg_id.empty() ? nullptr : chat_.find_id(f.client_msg_id);
    if (m && m->role == Role::User) ++stats_.acks_duplicate;  // the ack of a resend we already had
    else ++stats_.acks_unmatched;
    return;
  }
  const std::string id = e->id;
  outbox_.remove(id);
  persist_outbox();
  if (ChatMessage* m = chat_.find_id(id); m && (m->state == MessageState::Queued || m->state == MessageState::Sent ||
                                               m->state == MessageState::Failed)) {
    chat_.set_state(id, MessageState::Acked);
    ui(UiEventKind::MessageChanged, m->seq);
    mark_history_dirty(now);
  }
  // The ack's "processing" line: one at a time, removed when an answer arrives.
  const bool showing = std::any_of(chat_.messages().begin(), chat_.messages().end(),
                                   [](const ChatMessage& m) { return m.temporary; });
  if (!showing) {
    ChatMessage line;
    line.role = Role::System;
    line.state = MessageState::Received;
    line.text = f.message.empty() ? text(config_.lang, Text::Processing) : f.message;
    line.timestamp_ms = f.timestamp_ms;
    line.temporary = true;
    ui(UiEventKind::MessageAdded, chat_.append(std::move(line)));
  }
  if (conn == draining_.id && !outbox_.has_sent_on(draining_.id)) {
    drain_idle(now);
    flush(now);  // messages held back for ordering can go out on the new connection now
  }
}

void Engine::add_incoming(Role role, std::string message_text, int64_t ts, Priority priority, int64_t now) {
  // An answer, a notification or an error ends the "processing" line.
  for (const uint64_t seq : chat_.remove_temporary()) ui(UiEventKind::MessageRemoved, seq);
  if (role == Role::Assistant) {
    if (ChatMessage* q = chat_.oldest_acked_user_message()) {
      chat_.set_state(q->id, MessageState::Answered);
      ui(UiEventKind::MessageChanged, q->seq);
    }
    if (chat_.agent_typing()) stop_agent_typing(now);
  }
  ChatMessage m;
  m.role = role;
  m.state = MessageState::Received;
  m.text = std::move(message_text);
  m.timestamp_ms = ts;
  m.priority = priority;
  ui(UiEventKind::MessageAdded, chat_.append(std::move(m)));
  if (!visible_) {
    ++unread_;
    ui(UiEventKind::UnreadChanged);
  }
  mark_history_dirty(now);
}

void Engine::stop_agent_typing(int64_t now) {
  chat_.set_agent_typing(false, "", now);
  agent_typing_deadline_ = kNever;
  ui(UiEventKind::TypingChanged);
}

void Engine::send_frame(uint32_t conn, std::string frame) {
  ++stats_.frames_out;
  emit(SendText{conn, std::move(frame)});
}

void Engine::send_typing(bool typing, int64_t now) {
  if (typing == current_.typing_sent) return;
  current_.typing_sent = typing;
  current_.typing_idle_deadline_ms = typing ? deadline_after(now, config_.typing_idle_ms) : kNever;
  if (current_.open()) send_frame(current_.id, encode_typing(typing, user_id_, now));
}

// [SECTION] Outbox ------------------------------------------------------------------------------------

void Engine::persist_outbox() { emit(Persist{StoreKey::Outbox, outbox_.serialize()}); }

void Engine::persist_history() {
  history_persist_due_ = kNever;
  emit(Persist{StoreKey::History, chat_.serialize()});
}

void Engine::mark_history_dirty(int64_t now) {
  if (history_persist_due_ == kNever) history_persist_due_ = deadline_after(now, config_.history_persist_delay_ms);
}

void Engine::show_sent_in_chat() {
  // A message that went out on a connection that is gone is "sent" (no ack yet) until it goes out again.
  for (const auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Sent && e.sent_on_conn == 0) chat_.set_state(e.id, MessageState::Sent);
  }
}

int64_t Engine::ack_timeout_for(const OutboxEntry& e) const {
  const int doublings = std::min(e.send_count > 0 ? e.send_count - 1 : 0, kAckTimeoutMaxDoublings);
  return std::min<int64_t>(config_.ack_timeout_ms << doublings, config_.ack_timeout_max_ms);
}

void Engine::send_entry(OutboxEntry& e, int64_t now) {
  const bool resend = e.send_count > 0;
  e.state = OutboxState::Sent;
  e.sent_on_conn = current_.id;
  e.sent_ms = now;
  ++e.send_count;
  if (resend) ++stats_.resends;
  current_.last_chat_id = e.id;
  send_frame(current_.id, encode_send_message(e.text, now, user_id_, session_id_, e.id));
  if (ChatMessage* m = chat_.find_id(e.id); m && m->state == MessageState::Queued) {
    chat_.set_state(e.id, MessageState::Sent);
    ui(UiEventKind::MessageChanged, m->seq);
  }
}

void Engine::flush(int64_t now) {
  if (!current_.open()) return;
  // Order across a rotation: nothing new goes out on the new connection while the old one still has
  // messages in flight; if it dies they are resent first.
  if (draining_.active() && outbox_.has_sent_on(draining_.id)) return;
  bool changed = false;
  for (auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Queued || (e.state == OutboxState::Sent && e.sent_on_conn == 0)) {
      send_entry(e, now);
      changed = true;
    }
  }
  if (changed) persist_outbox();
}

void Engine::resend_overdue(int64_t now) {
  for (auto& e : outbox_.entries()) {
    if (e.state != OutboxState::Sent || e.sent_on_conn != current_.id) continue;
    if (now - e.sent_ms >= ack_timeout_for(e)) {
      log(LogLevel::Info, "no ack for " + e.id + ": sending it again");
      send_entry(e, now);
    }
  }
}

SendResult Engine::send_chat(std::string_view raw, int64_t now) {
  SendResult r;
  check_deadlines(now);  // a throttled tab may have missed a deadline: a dead link is noticed before sending
  const std::string repaired = utf8::repair(raw);
  const std::string_view trimmed = utf8::trim(repaired);
  if (trimmed.empty()) {
    r.error = SendError::Empty;
  } else if (utf8::count_codepoints(trimmed) > kMaxMessageCodepoints) {
    r.error = SendError::TooLong;
  } else if (outbox_.can_accept(trimmed.size()) != SendError::None) {
    r.error = SendError::QueueFull;
  }
  if (r.error != SendError::None) {
    r.effects = take();
    return r;
  }
  OutboxEntry e;
  e.id = new_message_id(now, rng_);
  e.text.assign(trimmed);
  e.created_ms = now;
  r.id = e.id;
  ChatMessage m = message_for(e);
  outbox_.push(std::move(e));
  ui(UiEventKind::MessageAdded, chat_.append(std::move(m)));
  mark_history_dirty(now);
  persist_outbox();  // before anything else: a reload right now must not lose it
  if (current_.open()) {
    flush(now);
  } else if (state_ == ConnState::Failed) {
    retry_now(now);  // the resident wants it out: try at once
  }
  if (current_.typing_sent) send_typing(false, now);
  r.effects = take();
  return r;
}

Effects Engine::retry_message(std::string_view id, int64_t now) {
  OutboxEntry* e = outbox_.find(id);
  if (!e || e->state != OutboxState::Failed) return take();
  e->state = OutboxState::Queued;
  e->fail_reason = FailReason::None;
  e->sent_on_conn = 0;
  e->send_count = 0;
  if (ChatMessage* m = chat_.find_id(id)) {
    chat_.set_state(id, MessageState::Queued);
    ui(UiEventKind::MessageChanged, m->seq);
  }
  if (current_.open()) flush(now);
  else retry_now(now);
  persist_outbox();
  mark_history_dirty(now);
  return take();
}

Effects Engine::delete_message(std::string_view id, int64_t now) {
  const OutboxEntry* e = outbox_.find(id);
  if (!e || e->state != OutboxState::Failed) return take();
  outbox_.remove(id);
  if (const ChatMessage* m = chat_.find_id(id)) {
    const uint64_t seq = m->seq;
    chat_.remove_id(id);
    ui(UiEventKind::MessageRemoved, seq);
  }
  persist_outbox();
  mark_history_dirty(now);
  return take();
}

Effects Engine::clear_history(int64_t now) {
  (void)now;
  std::vector<ChatMessage> keep;
  for (const auto& m : chat_.messages()) {
    if (m.role == Role::User && outbox_.find(m.id)) keep.push_back(m);
  }
  chat_.clear();
  for (auto& m : keep) chat_.append(std::move(m));
  persist_history();
  ui(UiEventKind::HistoryReset);
  return take();
}

Effects Engine::composer_input(int64_t now) {
  if (!current_.open()) return take();
  if (!current_.typing_sent) send_typing(true, now);
  else current_.typing_idle_deadline_ms = deadline_after(now, config_.typing_idle_ms);
  return take();
}

Effects Engine::composer_blur(int64_t now) {
  if (current_.typing_sent) send_typing(false, now);
  return take();
}

}  // namespace bos
