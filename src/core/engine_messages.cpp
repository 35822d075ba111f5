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
      credit_answer(f, now);
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
      handle_error(conn, f, now);
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

Link* Engine::link_of(uint32_t conn) {
  if (conn == 0) return nullptr;
  if (conn == current_.id) return &current_;
  if (conn == draining_.id) return &draining_;
  return nullptr;
}

void Engine::learn_mode(Link& link, bool has_id) {
  const DeliveryMode mode = has_id ? DeliveryMode::Ids : DeliveryMode::NoIds;
  if (link.delivery == mode) return;
  link.delivery = mode;
  log(LogLevel::Info, std::string("connection ") + std::to_string(link.id) + " delivery mode: " + to_string(mode));
  if (&link == &current_) ui(UiEventKind::StatusChanged);
  const bool was_proven = ids_proven_;
  ids_proven_ = has_id;
  outbox_.ids_proven = has_id;
  if (has_id && !was_proven) {
    // Resends are deduplicated now: what waited unconfirmed can go out again without arriving twice.
    for (auto& e : outbox_.entries()) {
      if (e.state != OutboxState::Failed || e.fail_reason != FailReason::Unconfirmed) continue;
      e.state = OutboxState::Sent;
      e.fail_reason = FailReason::None;
      e.sent_on_conn = 0;
      chat_.set_state(e.id, MessageState::Sent);
      if (const auto* m = chat_.find_id(e.id)) ui(UiEventKind::MessageChanged, m->seq);
    }
  }
  if (was_proven != ids_proven_) persist_outbox();
}

void Engine::handle_ack(uint32_t conn, const ServerFrame& f, int64_t now) {
  Link* link = link_of(conn);
  if (!link) return;
  learn_mode(*link, !f.client_msg_id.empty());
  OutboxEntry* e = nullptr;
  if (!f.client_msg_id.empty()) {
    e = outbox_.find(f.client_msg_id);
  } else {
    // Without an id an ack names no message: it is unambiguous only while exactly one waits on its link
    // (flush keeps it so); with several, crediting any would be a guess.
    const auto waiting = std::count_if(outbox_.entries().begin(), outbox_.entries().end(), [conn](const OutboxEntry& x) {
      return x.state == OutboxState::Sent && x.sent_on_conn == conn;
    });
    if (waiting == 1) {
      e = outbox_.oldest_sent_on(conn);
    } else if (waiting > 1) {
      ++stats_.acks_ambiguous;
      log(LogLevel::Warn, "an ack without id while " + std::to_string(waiting) + " messages wait on connection " +
                              std::to_string(conn) + ": credited to none");
      return;
    }
  }
  if (!e) {
    const ChatMessage* m = f.client_msg_id.empty() ? nullptr : chat_.find_id(f.client_msg_id);
    if (m && m->role == Role::User) {
      ++stats_.acks_duplicate;  // the ack of a resend we already had
    } else {
      ++stats_.acks_unmatched;
      log(LogLevel::Info, "an ack matching no waiting message on connection " + std::to_string(conn) + ": ignored");
    }
    if (conn == current_.id) flush(now);  // it may have taught the link its mode (pipelined now)
    return;
  }
  const std::string id = e->id;
  const int send_count = e->send_count;
  outbox_.note_acked(id);
  outbox_.remove(id);
  persist_outbox();
  if (ChatMessage* m = chat_.find_id(id); m && (m->state == MessageState::Queued || m->state == MessageState::Sent ||
                                               m->state == MessageState::Failed)) {
    chat_.set_state(id, MessageState::Acked);
    ui(UiEventKind::MessageChanged, m->seq);
    mark_history_dirty(now);
  }
  awaiting_answer_.push_back({id, now});
  if (link->delivery != DeliveryMode::Ids) {
    // The enhanced handler acks before it publishes: an error frame may still follow for this message.
    if (link->recent_acks.size() >= kLinkRecentAcks) link->recent_acks.erase(link->recent_acks.begin());
    link->recent_acks.push_back({id, now, send_count});
    link->settle_until_ms = deadline_after(now, config_.error_settle_ms);
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
  } else if (conn == current_.id) {
    flush(now);  // pipelined now (ids learned), or the next one once the settle window ends
  }
}

void Engine::set_failed(OutboxEntry& e, FailReason reason) {
  e.state = OutboxState::Failed;
  e.fail_reason = reason;
  e.sent_on_conn = 0;
  if (reason == FailReason::Unconfirmed) ++stats_.unconfirmed;
  chat_.set_state(e.id, MessageState::Failed, reason);
  if (const auto* m = chat_.find_id(e.id)) ui(UiEventKind::MessageChanged, m->seq);
  persist_outbox();
}

void Engine::fate_unknown(OutboxEntry& e) {
  // Its link ended with it unacked: it may or may not have reached the building.
  e.sent_on_conn = 0;
  if (ids_proven_) return;  // the backend deduplicates by client_msg_id: a resend cannot arrive twice
  if (e.send_count >= kMaxUnconfirmedSends) {
    log(LogLevel::Warn, "no confirmation for " + e.id + " after " + std::to_string(e.send_count) +
                            " sends: left to the resident (not confirmed)");
    set_failed(e, FailReason::Unconfirmed);
  }
}

void Engine::forget_answer_wait(const std::string& id) {
  awaiting_answer_.erase(std::remove_if(awaiting_answer_.begin(), awaiting_answer_.end(),
                                        [&](const AwaitingAnswer& a) { return a.id == id; }),
                         awaiting_answer_.end());
  for (Link* l : {&current_, &draining_}) {
    l->recent_acks.erase(std::remove_if(l->recent_acks.begin(), l->recent_acks.end(),
                                        [&](const Link::RecentAck& a) { return a.id == id; }),
                         l->recent_acks.end());
  }
}

// Reinstates an acked message in the outbox (its ✓✓ is taken back) with `state`; nullptr if it is gone.
OutboxEntry* Engine::reinstate(const std::string& id, OutboxState state, int send_count, int64_t now) {
  forget_answer_wait(id);
  if (OutboxEntry* e = outbox_.find(id)) return e;
  const ChatMessage* m = chat_.find_id(id);
  if (!m || m->role != Role::User) return nullptr;
  OutboxEntry e = entry_for(*m);
  e.state = state;
  e.send_count = std::max(send_count, 1);
  if (outbox_.push(std::move(e)) != SendError::None) return nullptr;
  mark_history_dirty(now);
  return outbox_.find(id);
}

void Engine::not_executed(const std::string& id, int send_count, int64_t now) {
  // An error frame proved this message was not published: sending it again is its first execution. Bounded,
  // so a message the backend always refuses does not loop: then it fails ("Não enviada") for the resident.
  OutboxEntry* e = reinstate(id, OutboxState::Sent, send_count, now);
  if (!e) return;
  e->sent_on_conn = 0;
  if (e->send_count >= kMaxUnconfirmedSends) {
    set_failed(*e, FailReason::None);
    return;
  }
  e->state = OutboxState::Sent;
  chat_.set_state(id, MessageState::Sent);
  if (const auto* m = chat_.find_id(id)) ui(UiEventKind::MessageChanged, m->seq);
  persist_outbox();
}

void Engine::take_back(const std::string& id, int64_t now) {
  // An error frame may be this message's (its publish failed after the ack) or another's: its ✓✓ goes, and
  // the resident decides (a resend may make it arrive twice).
  if (OutboxEntry* e = reinstate(id, OutboxState::Failed, 1, now)) set_failed(*e, FailReason::Unconfirmed);
}

void Engine::handle_error(uint32_t conn, const ServerFrame& f, int64_t now) {
  add_incoming(Role::Error, f.message.empty() ? text(config_.lang, Text::ServerError) : f.message, f.timestamp_ms,
               Priority::Normal, now);
  Link* link = link_of(conn);
  if (!link) return;
  if (!f.client_msg_id.empty()) {
    // Exact, and only a backend that echoes client_msg_id sends it (the seed's error names no message): the
    // link is an ids link. Its ack comes after the publish and a resend is deduplicated, so:
    //  - the message still waits for its ack: it was not published; it goes out again after its ack
    //    timeout (deduplicated, backing off like any unacked message);
    //  - it was acked already: its ack proved the publish, so this error is a resend's that failed (the
    //    Lambda failed on the duplicate); the ✓✓ stays. Taking it back would leave a delivered message
    //    "not confirmed" with ids (tests/core/property_test.cpp's ids case).
    learn_mode(*link, true);
    ++stats_.errors_attributed;
    if (!outbox_.find(f.client_msg_id)) {
      log(LogLevel::Info, "error frame for " + f.client_msg_id + ", already acked (a resend's): its ack stands");
    }
    flush(now);
    return;
  }
  // Without an id: the error is for a message whose Lambda may still run on this link: the one waiting for
  // its ack, or one acked here within error_attribution_ms (and not answered since: its reply proves the
  // publish). Exactly one such message: it is that one's. Several: every acked one loses its ✓✓ (taking
  // a ✓✓ back is safe, granting one is not) and the waiting one keeps waiting for its own ack.
  auto& acks = link->recent_acks;
  acks.erase(std::remove_if(acks.begin(), acks.end(),
                            [&](const Link::RecentAck& a) { return now - a.at_ms > config_.error_attribution_ms; }),
             acks.end());
  std::vector<std::string> waiting;
  for (const auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Sent && e.sent_on_conn == conn) waiting.push_back(e.id);
  }
  const std::size_t candidates = acks.size() + waiting.size();
  if (candidates == 0) {
    log(LogLevel::Info, "an error frame for no message of ours on connection " + std::to_string(conn));
    return;
  }
  if (candidates == 1) {
    ++stats_.errors_attributed;
    const std::string id = waiting.empty() ? acks.front().id : waiting.front();
    const int sends = waiting.empty() ? acks.front().send_count : 1;
    log(LogLevel::Info, "error frame: " + id + " was not published" + (waiting.empty() ? " (after its ack)" : ""));
    acks.clear();
    not_executed(id, sends, now);
    flush(now);
    return;
  }
  ++stats_.errors_ambiguous;
  log(LogLevel::Warn, "an error frame without id could be for any of " + std::to_string(candidates) +
                          " messages: their confirmations are taken back");
  const auto taken = acks;
  acks.clear();
  for (const auto& a : taken) take_back(a.id, now);
}

void Engine::credit_answer(const ServerFrame& f, int64_t now) {
  awaiting_answer_.erase(std::remove_if(awaiting_answer_.begin(), awaiting_answer_.end(),
                                        [&](const AwaitingAnswer& a) { return now - a.acked_ms > config_.answer_window_ms; }),
                         awaiting_answer_.end());
  if (awaiting_answer_.empty()) return;
  // The backend sends a reply to every connection of the resident, with the asking message's session_id:
  // only this tab's session can be an answer to this tab's question, and only when one question waits.
  if (f.session_id != tab_session_id_ || awaiting_answer_.size() != 1) {
    ++stats_.replies_uncredited;
    return;
  }
  const std::string id = awaiting_answer_.front().id;
  forget_answer_wait(id);
  if (ChatMessage* q = chat_.find_id(id); q && q->state == MessageState::Acked) {
    chat_.set_state(id, MessageState::Answered);
    ui(UiEventKind::MessageChanged, q->seq);
  }
}

void Engine::add_incoming(Role role, std::string message_text, int64_t ts, Priority priority, int64_t now) {
  // An answer, a notification or an error ends the "processing" line.
  for (const uint64_t seq : chat_.remove_temporary()) ui(UiEventKind::MessageRemoved, seq);
  if (role == Role::Assistant && chat_.agent_typing()) stop_agent_typing(now);
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
  send_frame(current_.id, encode_send_message(e.text, now, user_id_, tab_session_id_, e.id));
  if (ChatMessage* m = chat_.find_id(e.id); m && m->state == MessageState::Queued) {
    chat_.set_state(e.id, MessageState::Sent);
    ui(UiEventKind::MessageChanged, m->seq);
  }
}

void Engine::flush(int64_t now) {
  if (!current_.open()) return;
  // Order across a rotation: nothing new goes out on the new connection while the old one still has
  // messages in flight; if it dies they are resent first. A link left because no ack came is the exception:
  // its message may never be acked, and the queue must not wait for it.
  if (draining_.active() && !draining_.late_ack_move && outbox_.has_sent_on(draining_.id)) return;
  // Without ids (or before the first ack says), one message at a time: its ack can then only be its own.
  const bool pipelined = current_.delivery == DeliveryMode::Ids;
  if (!pipelined && (outbox_.has_sent_on(current_.id) || now < current_.settle_until_ms)) return;
  bool changed = false;
  for (auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Queued || (e.state == OutboxState::Sent && e.sent_on_conn == 0)) {
      send_entry(e, now);
      changed = true;
      if (!pipelined) break;
    }
  }
  if (changed) persist_outbox();
}

void Engine::resend_overdue(int64_t now) {
  for (auto& e : outbox_.entries()) {
    if (e.state != OutboxState::Sent || e.sent_on_conn != current_.id) continue;
    if (now - e.sent_ms < ack_timeout_for(e)) continue;
    // Deduplicated resends are safe where the backend proved it echoes ids (this link, or earlier ones).
    if (current_.delivery == DeliveryMode::Ids || (current_.delivery == DeliveryMode::Unknown && ids_proven_)) {
      log(LogLevel::Info, "no ack for " + e.id + ": sending it again");
      send_entry(e, now);
    } else {
      move_queue_to_fresh_link(now);
      return;
    }
  }
}

void Engine::move_queue_to_fresh_link(int64_t now) {
  // No ack, and the backend cannot tell a resend from a new message: a resend here could only duplicate,
  // and a late ack (a cold start) would be credited to whatever is sent next. So the queue moves to a fresh
  // link and this one drains, sending nothing, until the message's Lambda can no longer answer.
  if (next_.active() || draining_.active() || now < current_.late_move_not_before_ms) return;
  ++stats_.late_ack_moves;
  log(LogLevel::Info, "no ack within the limit on a link without ids: moving the queue to a fresh connection");
  open_connection(now, true);
  next_.late_ack_move = true;
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
  // The resident chose to send it again (for "not confirmed", after the UI warned it may arrive twice).
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
