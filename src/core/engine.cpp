// engine.cpp: see engine.hpp.
//
// Index
//   [SECTION] Lifecycle         start, disconnect, reconnect, restore, merge_stored (rules in restore.hpp)
//   [SECTION] Links             open, opened, lost, released, refused, rotation, drain
//   [SECTION] Socket events     open, text, close, error, send failed
//   [SECTION] Deadlines         tick: connect timeout, retry, heartbeat, dead link, rotation, drain, typing
//   [SECTION] Storage           failed writes reported by the platform
//   [SECTION] Status text
// What frames do to the conversation and how the resident's messages go out: engine_messages.cpp.
#include "core/engine.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "core/limits.hpp"
#include "core/restore.hpp"
#include "core/utf8.hpp"

namespace bos {

const char* to_string(ConnState s) {
  switch (s) {
    case ConnState::Idle: return "idle";
    case ConnState::Connecting: return "connecting";
    case ConnState::Connected: return "connected";
    case ConnState::Reconnecting: return "reconnecting";
    case ConnState::Failed: return "failed";
    case ConnState::Closed: return "closed";
  }
  return "?";
}

const char* to_string(DeliveryMode m) {
  switch (m) {
    case DeliveryMode::Unknown: return "unknown";
    case DeliveryMode::Ids: return "ids";
    case DeliveryMode::NoIds: return "no_ids";
  }
  return "?";
}

const char* to_string(StorageState s) { return s == StorageState::Failing ? "failing" : "ok"; }

const char* to_string(StoreKey k) {
  switch (k) {
    case StoreKey::Identity: return "identity";
    case StoreKey::Outbox: return "outbox";
    case StoreKey::History: return "history";
  }
  return "?";
}

Engine::Engine(EngineConfig config) : config_(std::move(config)), rng_(config_.seed), outbox_(config_.outbox) {
  // The time part of generated ids is filled at start() (identity.hpp).
  user_id_ = is_valid_resident_id(config_.user_id) ? config_.user_id : std::string();
  session_id_ = is_valid_resident_id(config_.session_id) ? config_.session_id : std::string();
  chat_.set_id_prefix(new_load_prefix(rng_));
  tab_token_ = random_token(rng_, kTabTokenChars);
}

// [SECTION] Lifecycle ---------------------------------------------------------------------------------

Effects Engine::restore(StoreKey key, std::string_view blob, int64_t now) {
  (void)now;
  if (blob.empty()) return take();
  if (key == StoreKey::Outbox) {
    // Restored entries are on no connection: queued or sent before the reload, both go out again, in order.
    if (const auto err = outbox_.restore(blob); err != RestoreError::None) {
      log(LogLevel::Error, std::string("outbox restore failed (") + to_string(err) + "): starting with an empty outbox");
      persist_outbox();
    } else {
      outbox_restored_ = true;
      ids_proven_ = outbox_.ids_proven;
    }
  } else if (key == StoreKey::History) {
    history_restored_ = true;
    if (const auto err = chat_.restore(blob); err != RestoreError::None) {
      log(LogLevel::Error, std::string("history restore failed (") + to_string(err) + "): starting with an empty history");
      persist_history();
    }
    ui(UiEventKind::HistoryReset);
  }
  // Every message still in the outbox must be visible with its state, even if the history lost it.
  show_outbox_in_chat(outbox_, chat_);
  return take();
}

Effects Engine::merge_stored(StoreKey key, std::string_view blob, MergeSource source, int64_t now, MergeResult* result) {
  MergeResult ignored;
  MergeResult& r = result ? *result : ignored;
  r = {};
  if (blob.empty()) {
    r.readable = r.complete = true;
    return take();
  }
  if (key == StoreKey::Outbox) {
    if (source.live_tab) return take();  // another open tab owns those messages
    Outbox theirs;
    if (const auto err = theirs.restore(blob); err != RestoreError::None) {
      log(LogLevel::Error, std::string("another tab's outbox could not be read (") + to_string(err) +
                               "): its messages are recovered from its history instead");
      return take();
    }
    r.readable = true;
    const Adopted a = adopt_outbox(theirs, outbox_, chat_);
    for (const uint64_t seq : a.shown) ui(UiEventKind::MessageAdded, seq);
    if (theirs.ids_proven && !ids_proven_) {
      ids_proven_ = outbox_.ids_proven = true;  // the same backend proved it echoes ids to that tab
    }
    if (a.adopted) {
      settle_unknown_fates();  // what was in flight there counts its sends (kMaxUnconfirmedSends)
      log(LogLevel::Info, "adopted " + std::to_string(a.adopted) + " message(s) from a closed tab");
      persist_outbox();
      flush(now);
    }
    r.complete = a.complete;
    return take();
  }
  if (key == StoreKey::History) {
    ChatModel theirs;
    if (const auto err = theirs.restore(blob); err != RestoreError::None) {
      log(LogLevel::Error, std::string("another tab's history could not be read (") + to_string(err) + ")");
      return take();
    }
    r.readable = true;
    if (!source.live_tab) {
      if (const auto requeued = settle_closed_tab_history(theirs, outbox_)) {
        log(LogLevel::Warn, std::to_string(requeued) + " message(s) recovered from a closed tab's history");
        persist_outbox();
        flush(now);
      }
    }
    chat_.merge(theirs);
    ui(UiEventKind::HistoryReset);
    mark_history_dirty(now);
    r.complete = true;
  }
  return take();
}

Effects Engine::persist_now(int64_t now) {
  (void)now;
  persist_outbox();
  persist_history();
  return take();
}

void Engine::reconcile_restored() {
  if (!history_restored_) return;
  const Reconciled r = reconcile_history(chat_, outbox_, outbox_restored_);
  if (r.acked) log(LogLevel::Info, std::to_string(r.acked) + " restored message(s) were acked before the reload");
  if (r.requeued) {
    log(LogLevel::Warn, std::to_string(r.requeued) + " message(s) recovered from the history into the outbox");
    persist_outbox();
  }
}

void Engine::settle_unknown_fates() {
  // Restored or adopted: what was in flight before is on no connection now, its fate unknown. Its sends so
  // far count, so a reload (or another tab) does not grant it more automatic resends than one link's end.
  for (auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Sent && e.sent_on_conn == 0) fate_unknown(e);
  }
}

Effects Engine::start(int64_t now) {
  if (state_ != ConnState::Idle) return take();
  reconcile_restored();
  settle_unknown_fates();
  if (user_id_.empty()) {
    user_id_ = new_user_id(now, rng_);
    identity_generated_ = true;
  }
  if (session_id_.empty()) {
    session_id_ = new_session_id(now, rng_);
    identity_generated_ = true;
  }
  // The tab's session: the stored one, so the backend can still group a device's sessions, plus this load's
  // token (the id's charset and length rules hold: is_valid_resident_id).
  tab_session_id_ = session_id_.substr(0, kMaxResidentIdBytes - 1 - tab_token_.size()) + "." + tab_token_;
  if (identity_generated_ || config_.persist_identity || user_id_ != config_.user_id ||
      session_id_ != config_.session_id) {
    emit(Persist{StoreKey::Identity, serialize_identity({user_id_, session_id_, config_.token})});
  }
  if (const auto err = validate_endpoint(config_.endpoint, config_.page_is_loopback); err != EndpointError::None) {
    log(LogLevel::Error, std::string("invalid WebSocket endpoint (") + to_string(err) + ")");
  }
  set_state(ConnState::Connecting);
  open_connection(now, false);
  return take();
}

Effects Engine::disconnect(int64_t now) {
  if (state_ == ConnState::Closed) return take();
  if (current_.typing_sent && current_.open()) send_typing(false, now);
  for (Link* link : {&current_, &next_, &draining_}) close_link(*link, kCloseNormal, "Client disconnect");
  retry_at_ = kNever;
  show_sent_in_chat();
  set_state(ConnState::Closed);
  return take();
}

Effects Engine::reconnect(int64_t now) {
  stopped_by_server_ = false;
  if (state_ == ConnState::Connected) {
    // A forced fresh connection: the resident or a test asked for it, so no backoff. A rotation in flight
    // would open beside the fresh connection and take over from it (fuzz_frame).
    close_link(current_, kCloseNormal, "Reconnect");
    close_link(next_, kCloseNormal, "Reconnect");
  } else if (state_ != ConnState::Closed && state_ != ConnState::Idle) {
    retry_now(now);
    return take();
  }
  reconnect_attempt_ = 0;
  set_state(ConnState::Connecting);
  open_connection(now, false);
  return take();
}

void Engine::set_state(ConnState s) {
  if (state_ == s) return;
  state_ = s;
  ui(UiEventKind::StatusChanged);
}

// [SECTION] Links -------------------------------------------------------------------------------------

void Engine::open_connection(int64_t now, bool rotation) {
  const uint32_t conn = ++conn_gen_;
  if (conn_gen_ == 0) ++conn_gen_;  // 0 means "none"; wrap-around after 4 billion connections
  emit(OpenSocket{conn, build_connect_url(config_.endpoint, user_id_, tab_session_id_, config_.token)});
  Link& link = rotation ? next_ : current_;
  link = {};
  link.id = conn;
  link.connect_deadline_ms = deadline_after(now, config_.connect_timeout_ms);
  if (!rotation) retry_at_ = kNever;
  if (rotation) seen_frames_.clear();  // a new overlap: nothing from an earlier one may cancel a frame of this one
}

void Engine::mark_open(Link& link, int64_t now) {
  link.state = LinkState::Open;
  link.opened_at_ms = link.last_frame_ms = now;
  link.connect_deadline_ms = kNever;
  link.heartbeat_due_ms = deadline_after(now, config_.heartbeat_interval_ms);
  link.pong_deadline_ms = kNever;
  link.rotate_at_ms = deadline_after(now, config_.rotate_after_ms);
}

void Engine::connection_opened(int64_t now) {
  ++stats_.connections_opened;
  mark_open(current_, now);
  retry_at_ = kNever;
  attempts_since_open_ = 0;
  stopped_by_server_ = false;
  set_state(ConnState::Connected);
  ui(UiEventKind::StatusChanged);
  flush(now);
}

void Engine::close_socket(uint32_t conn, int code, const char* reason) {
  if (conn) emit(CloseSocket{conn, code, reason});
}

void Engine::release(Link& link) {
  if (link.active()) {
    for (auto& e : outbox_.entries()) {
      if (e.state == OutboxState::Sent && e.sent_on_conn == link.id) fate_unknown(e);
    }
    outbox_.forget_connection(link.id);
  }
  link = {};
}

void Engine::close_link(Link& link, int code, const char* reason) {
  close_socket(link.id, code, reason);
  release(link);
}

void Engine::connection_lost(int64_t now, bool was_open, const char* why) {
  const uint32_t conn = current_.id;
  if (was_open && now - current_.opened_at_ms >= config_.reconnect.stable_after_ms) reconnect_attempt_ = 0;
  if (!was_open) {
    ++attempts_since_open_;
    ++stats_.connection_failures;
  }
  release(current_);
  show_sent_in_chat();
  if (next_.active()) {
    // The old connection died while the next one was opening: that attempt becomes the reconnection.
    current_ = std::move(next_);
    current_.late_ack_move = false;
    next_ = {};
    set_state(ConnState::Reconnecting);
    return;
  }
  log(LogLevel::Info, std::string("connection ") + std::to_string(conn) + " lost (" + why + ")");
  schedule_retry(now);
}

void Engine::refused(int code, std::string_view reason) {
  // Policy or application refusal (auth): retrying in a loop would not help; report and wait.
  release(current_);
  close_link(next_, kCloseNormal, "Refused");
  retry_at_ = kNever;
  stopped_by_server_ = true;
  refused_code_ = code;
  log(LogLevel::Error, "server closed the connection with " + std::to_string(code) + " " +
                           utf8::repair(utf8::truncate(reason, kMaxCloseReasonBytes)) + ": not reconnecting until asked");
  set_state(ConnState::Failed);
  ui(UiEventKind::StatusChanged);
}

void Engine::retry_now(int64_t now) {
  if (stopped_by_server_) return;
  if (state_ != ConnState::Reconnecting && state_ != ConnState::Failed) return;
  if (current_.active() && !current_.open()) return;  // an attempt is already in flight
  retry_at_ = now;
  check_deadlines(now);
}

void Engine::schedule_retry(int64_t now) {
  ++reconnect_attempt_;
  retry_at_ = deadline_after(now, backoff_delay_ms(reconnect_attempt_, rng_, config_.reconnect));
  set_state(reconnect_attempt_ > config_.reconnect.attempts_before_failed ? ConnState::Failed : ConnState::Reconnecting);
  ui(UiEventKind::StatusChanged);
}

void Engine::abandon_rotation(int64_t now) {
  // The next connection did not open: keep serving on the current one, try again later.
  if (next_.late_ack_move) current_.late_move_not_before_ms = deadline_after(now, config_.late_move_retry_ms);
  else current_.rotate_at_ms = deadline_after(now, config_.rotate_retry_ms);
  next_ = {};
}

void Engine::drain_idle(int64_t now) {
  // Nothing of ours is in flight on the old connection any more. It lingers a moment for frames the server
  // sent only to it before the new connection was registered, then closes.
  draining_.drain_deadline_ms = std::min(draining_.drain_deadline_ms, deadline_after(now, config_.drain_linger_ms));
}

void Engine::finish_drain(int64_t now, const char* why) {
  if (!draining_.active()) return;
  const uint32_t conn = draining_.id;
  close_link(draining_, kCloseNormal, "Rotated");
  log(LogLevel::Info, std::string("previous connection ") + std::to_string(conn) + " drained (" + why + ")");
  dedupe_until_ = deadline_after(now, config_.dedupe_window_ms);  // the other copy of a broadcast may still come
  flush(now);  // unacked messages from the old connection go out again, first
}

// [SECTION] Socket events -----------------------------------------------------------------------------

Effects Engine::on_open(uint32_t conn, int64_t now) {
  if (conn != 0 && conn == next_.id) {
    // Rotation: the new connection takes over sending; the old one drains its acks. The server forgets
    // typing state per connection, so the new link starts without it.
    const bool late_ack_move = next_.late_ack_move;
    if (!late_ack_move) ++stats_.rotations;
    ++stats_.connections_opened;
    draining_ = std::move(current_);
    draining_.drain_deadline_ms = deadline_after(now, config_.drain_timeout_ms);
    draining_.late_ack_move = late_ack_move;
    if (late_ack_move) {
      // It drains until the waiting message's Lambda can no longer answer (a cold start's late ack).
      for (const auto& e : outbox_.entries()) {
        if (e.state == OutboxState::Sent && e.sent_on_conn == draining_.id) {
          draining_.drain_deadline_ms =
              std::max(draining_.drain_deadline_ms, deadline_after(e.sent_ms, config_.late_ack_window_ms));
        }
      }
    }
    current_ = std::move(next_);
    current_.late_ack_move = false;
    next_ = {};
    mark_open(current_, now);
    dedupe_until_ = kNever;  // seen_frames_ keeps what the old connection got while this one was opening
    log(LogLevel::Info, "rotated to connection " + std::to_string(conn));
    if (!outbox_.has_sent_on(draining_.id)) drain_idle(now);
    flush(now);
    ui(UiEventKind::StatusChanged);
    return take();
  }
  if (conn == 0 || conn != current_.id || current_.open()) {
    close_socket(conn, kCloseNormal, "Stale connection");  // a late open of an attempt we gave up on
    return take();
  }
  connection_opened(now);
  return take();
}

Effects Engine::on_text(uint32_t conn, std::string_view text, int64_t now) {
  const bool current = conn != 0 && conn == current_.id && current_.open();
  const bool draining = conn != 0 && conn == draining_.id;
  if (!current && !draining) return take();
  ++stats_.frames_in;
  if (current) {
    current_.last_frame_ms = now;
    current_.pong_deadline_ms = kNever;  // any frame proves the link is alive
  }
  const ServerFrame f = parse_server_frame(text, now);
  if (f.type == FrameType::Invalid) {
    ++stats_.invalid_frames;
    const auto idx = static_cast<std::size_t>(f.error);
    if (idx < std::size(stats_.invalid_by_error)) ++stats_.invalid_by_error[idx];
    log(LogLevel::Warn, std::string("ignored frame: ") + to_string(f.error) +
                            (f.error_detail.empty() ? "" : " (" + utf8::repair(f.error_detail) + ")"));
    return take();
  }
  const bool per_connection = f.type == FrameType::Ack || f.type == FrameType::Heartbeat ||
                              f.type == FrameType::Status || f.type == FrameType::GatewayForbidden ||
                              f.type == FrameType::GatewayInternalError;
  if (!per_connection && dedupe_across_connections(conn, text, now)) {
    ++stats_.cross_connection_duplicates;
    return take();
  }
  handle_frame(conn, f, now);
  return take();
}

bool Engine::dedupe_across_connections(uint32_t conn, std::string_view text, int64_t now) {
  // While two connections overlap, a broadcast to all of the resident's connections arrives twice.
  // Each frame seen on one connection cancels one identical frame from the other. The overlap starts
  // when the next connection is opening: the server sends to it as soon as it accepted the upgrade, so
  // a broadcast can reach the old connection before the new one's open event and the new one after it.
  if (!draining_.active() && !next_.active() && now > dedupe_until_) {
    seen_frames_.clear();
    return false;
  }
  const uint64_t h = fnv1a(text);
  const auto it = std::find_if(seen_frames_.begin(), seen_frames_.end(),
                               [&](const SeenFrame& s) { return s.conn != conn && s.hash == h; });
  if (it != seen_frames_.end()) {
    seen_frames_.erase(it);
    return true;
  }
  if (seen_frames_.size() >= kDedupeMaxFrames) seen_frames_.erase(seen_frames_.begin());
  seen_frames_.push_back({conn, h});
  return false;
}

Effects Engine::on_close(uint32_t conn, int code, std::string_view reason, int64_t now) {
  if (conn == 0) return take();
  if (conn == draining_.id) {
    finish_drain(now, "closed");
  } else if (conn == next_.id) {
    abandon_rotation(now);
  } else if (conn == current_.id) {
    if (code == kCloseTooBig && !current_.last_chat_id.empty()) {
      // API Gateway refused the frame as too big: the message that caused it must not loop forever.
      if (OutboxEntry* e = outbox_.find(current_.last_chat_id)) {
        e->state = OutboxState::Failed;
        e->fail_reason = FailReason::TooBig;
        e->sent_on_conn = 0;
        chat_.set_state(e->id, MessageState::Failed, FailReason::TooBig);
        if (const auto* m = chat_.find_id(e->id)) ui(UiEventKind::MessageChanged, m->seq);
        persist_outbox();
      }
    }
    if (code == kClosePolicy || (code >= kCloseAppFirst && code <= kCloseAppLast)) {
      refused(code, reason);
    } else {
      connection_lost(now, current_.open(), "closed");
    }
  }
  return take();
}

Effects Engine::on_error(uint32_t conn, int64_t now) {
  (void)now;
  // Browsers give no detail; a close event follows. Nothing to do but note it.
  if (conn == current_.id) log(LogLevel::Warn, "WebSocket error on connection " + std::to_string(conn));
  return take();
}

Effects Engine::on_send_failed(uint32_t conn, int64_t now) {
  if (conn != current_.id || !current_.open()) return take();
  // The socket cannot send: treat the link as lost; unacked messages go out again on the next one.
  close_socket(conn, kCloseSendFailed, "Send failed");
  connection_lost(now, true, "send failed");
  return take();
}

// [SECTION] Deadlines ---------------------------------------------------------------------------------

Effects Engine::tick(int64_t now) {
  check_deadlines(now);
  return take();
}

void Engine::send_heartbeat(int64_t now) {
  send_frame(current_.id, encode_heartbeat(now));
  ++stats_.heartbeats_sent;
  if (current_.pong_deadline_ms == kNever) current_.pong_deadline_ms = deadline_after(now, config_.heartbeat_timeout_ms);
}

void Engine::probe(int64_t now) {
  // navigator.onLine is unreliable and networks change under open sockets: ask now rather than in 30 s.
  if (state_ == ConnState::Connected && current_.pong_deadline_ms == kNever) send_heartbeat(now);
}

void Engine::check_deadlines(int64_t now) {
  if (current_.active() && !current_.open() && now >= current_.connect_deadline_ms) {
    close_socket(current_.id, kCloseConnectTimeout, "Connect timeout");
    connection_lost(now, false, "connect timeout");
  }
  if (next_.active() && now >= next_.connect_deadline_ms) {
    close_socket(next_.id, kCloseConnectTimeout, "Connect timeout");
    abandon_rotation(now);
  }
  if ((state_ == ConnState::Reconnecting || state_ == ConnState::Failed) && !current_.active() && !stopped_by_server_ &&
      now >= retry_at_) {
    open_connection(now, false);
    ui(UiEventKind::StatusChanged);
  }
  if (current_.open()) {
    // Dead link: a heartbeat went unanswered (no frame at all) for heartbeat_timeout_ms.
    if (now >= current_.pong_deadline_ms) {
      ++stats_.dead_links;
      log(LogLevel::Warn, "no answer to the heartbeat: the connection is dead");
      close_socket(current_.id, kCloseDeadLink, "Dead link");
      connection_lost(now, true, "dead link");
    } else if (now >= current_.heartbeat_due_ms) {
      send_heartbeat(now);
      current_.heartbeat_due_ms = deadline_after(now, config_.heartbeat_interval_ms);
    }
  }
  if (current_.open()) {
    if (now >= current_.rotate_at_ms && !next_.active() && !draining_.active()) {
      current_.rotate_at_ms = kNever;
      log(LogLevel::Info, "rotating the connection before API Gateway's 2-hour limit");
      open_connection(now, true);
    }
    resend_overdue(now);
  }
  if (draining_.active() && now >= draining_.drain_deadline_ms) finish_drain(now, "timeout");
  if (current_.open() && current_.settle_until_ms != 0 && now >= current_.settle_until_ms) {
    current_.settle_until_ms = 0;
    flush(now);
  }
  if (current_.typing_sent && now >= current_.typing_idle_deadline_ms) send_typing(false, now);
  if (chat_.agent_typing() && now >= agent_typing_deadline_) stop_agent_typing(now);
  if (now >= history_persist_due_) persist_history();
}

int64_t Engine::next_deadline_ms() const {
  int64_t d = kNever;
  const auto consider = [&d](int64_t t) { d = std::min(d, t); };
  if (current_.active() && !current_.open()) consider(current_.connect_deadline_ms);
  if (next_.active()) consider(next_.connect_deadline_ms);
  if ((state_ == ConnState::Reconnecting || state_ == ConnState::Failed) && !current_.active() && !stopped_by_server_) {
    consider(retry_at_);
  }
  if (current_.open()) {
    consider(current_.pong_deadline_ms);
    consider(current_.heartbeat_due_ms);
    consider(current_.rotate_at_ms);
    // Without ids an overdue message moves the queue, once a fresh link can be opened.
    const bool ids = current_.delivery == DeliveryMode::Ids || (current_.delivery == DeliveryMode::Unknown && ids_proven_);
    if (ids || (!next_.active() && !draining_.active())) {
      for (const auto& e : outbox_.entries()) {
        if (e.state == OutboxState::Sent && e.sent_on_conn == current_.id) {
          const int64_t due = deadline_after(e.sent_ms, ack_timeout_for(e));
          consider(ids ? due : std::max(due, current_.late_move_not_before_ms));
        }
      }
    }
    if (current_.settle_until_ms != 0) consider(current_.settle_until_ms);
  }
  if (draining_.active()) consider(draining_.drain_deadline_ms);
  if (current_.typing_sent) consider(current_.typing_idle_deadline_ms);
  if (chat_.agent_typing()) consider(agent_typing_deadline_);
  consider(history_persist_due_);
  return d;
}

Effects Engine::network_online(int64_t now) {
  if (state_ == ConnState::Connected) probe(now);
  else retry_now(now);
  return take();
}

Effects Engine::network_offline(int64_t now) {
  probe(now);  // a real outage is noticed in seconds, instead of giving up on a flaky signal
  return take();
}

Effects Engine::page_visible(int64_t now) {
  visible_ = true;
  if (unread_ != 0) {
    unread_ = 0;
    ui(UiEventKind::UnreadChanged);
  }
  check_deadlines(now);  // timers may have been throttled while hidden
  if (state_ == ConnState::Connected && current_.pong_deadline_ms == kNever &&
      now - current_.last_frame_ms >= config_.heartbeat_interval_ms) {
    send_heartbeat(now);
    current_.heartbeat_due_ms = deadline_after(now, config_.heartbeat_interval_ms);
  } else if (state_ == ConnState::Reconnecting || state_ == ConnState::Failed) {
    retry_now(now);
  }
  return take();
}

Effects Engine::page_hidden(int64_t now) {
  visible_ = false;
  if (current_.typing_sent) send_typing(false, now);
  if (history_persist_due_ != kNever) persist_history();
  return take();
}

// [SECTION] Storage -----------------------------------------------------------------------------------

Effects Engine::storage_written(StoreKey key, bool ok, int64_t now) {
  (void)now;
  const auto k = static_cast<std::size_t>(key);
  if (k >= std::size(store_failing_)) return take();
  if (!ok) ++stats_.storage_failures;
  if (store_failing_[k] == !ok) return take();
  store_failing_[k] = !ok;
  log(ok ? LogLevel::Info : LogLevel::Error,
      std::string("storing ") + to_string(key) + (ok ? " works again" : " failed (quota or private mode)"));
  const bool any = std::any_of(std::begin(store_failing_), std::end(store_failing_), [](bool b) { return b; });
  const StorageState s = any ? StorageState::Failing : StorageState::Ok;
  if (s != storage_ || key == StoreKey::Outbox) {
    storage_ = s;
    ui(UiEventKind::StatusChanged);
  }
  return take();
}

std::string Engine::storage_notice() const {
  return store_failing_[static_cast<std::size_t>(StoreKey::Outbox)] ? text(config_.lang, Text::StorageFailing) : "";
}

// [SECTION] Status text -------------------------------------------------------------------------------

bool Engine::show_try_now() const { return state_ == ConnState::Failed || state_ == ConnState::Closed; }

std::string Engine::status_text(int64_t now) const {
  const Lang lang = config_.lang;
  switch (state_) {
    case ConnState::Idle: return text(lang, Text::StatusIdle);
    case ConnState::Connecting: return text(lang, Text::StatusConnecting);
    case ConnState::Connected: return text(lang, Text::StatusConnected);
    case ConnState::Reconnecting:
      return format_text(lang, Text::StatusReconnecting, std::max(reconnect_attempt_, 1),
                         config_.reconnect.attempts_before_failed);
    case ConnState::Failed:
      if (stopped_by_server_) return format_text(lang, Text::StatusRefused, refused_code_);
      if (current_.active() || retry_at_ == kNever) return text(lang, Text::StatusFailedTrying);
      return format_text(lang, Text::StatusFailedRetryIn, std::max<int64_t>((retry_at_ - now + 999) / 1000, 1));
    case ConnState::Closed: return text(lang, Text::StatusClosed);
  }
  return {};
}

}  // namespace bos
