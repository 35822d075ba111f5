// engine.cpp: see engine.hpp.
//
// Index
//   [SECTION] Identity and ids
//   [SECTION] Lifecycle         start, disconnect, reconnect, restore
//   [SECTION] Socket events     open, text, close, error
//   [SECTION] Deadlines         tick: connect timeout, retry, heartbeat, dead link, rotation, drain, typing
//   [SECTION] Dispatch          ack, message, notification, typing, status, error, gateway frames
//   [SECTION] Outbox            send, flush, resend, retry, delete
//   [SECTION] Status text
#include "core/engine.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/limits.hpp"
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

const char* to_string(StoreKey k) {
  switch (k) {
    case StoreKey::Identity: return "identity";
    case StoreKey::Outbox: return "outbox";
    case StoreKey::History: return "history";
  }
  return "?";
}

// [SECTION] Identity and ids --------------------------------------------------------------------------

namespace {

std::string base36(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.push_back(kDigits[v % 36]);
    v /= 36;
  } while (v);
  std::reverse(out.begin(), out.end());
  return out;
}

std::string random_token(uint64_t& rng, int chars) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  for (int i = 0; i < chars; ++i) out.push_back(kDigits[next_random(rng) % 36]);
  return out;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int64_t sat_add(int64_t a, int64_t b) { return (b > 0 && a > kNever - b) ? kNever : a + b; }

}  // namespace

bool is_valid_resident_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '+' || c == '-';
  });
}

bool parse_identity(std::string_view blob, Identity& out) {
  if (blob.empty() || blob.size() > 1024) return false;
  const auto j = nlohmann::ordered_json::parse(blob.begin(), blob.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto v = j.find("v"), u = j.find("user_id"), s = j.find("session_id");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != 1) return false;
  if (u == j.end() || !u->is_string() || s == j.end() || !s->is_string()) return false;
  Identity id{u->get<std::string>(), s->get<std::string>()};
  if (!is_valid_resident_id(id.user_id) || !is_valid_resident_id(id.session_id)) return false;
  out = std::move(id);
  return true;
}

std::string serialize_identity(const Identity& id) {
  nlohmann::ordered_json j;
  j["v"] = 1;
  j["user_id"] = id.user_id;
  j["session_id"] = id.session_id;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Engine::Engine(EngineConfig config) : config_(std::move(config)), rng_(config_.seed), outbox_(config_.outbox) {
  // The seed's shapes: web-user-<ms>-<9 chars>, session-<ms>-<9 chars>; the time part is filled at start().
  user_id_ = is_valid_resident_id(config_.user_id) ? config_.user_id : std::string();
  session_id_ = is_valid_resident_id(config_.session_id) ? config_.session_id : std::string();
  chat_.set_id_prefix("r" + random_token(rng_, 6) + "-");
}

std::string Engine::new_message_id(int64_t now) {
  return "m" + base36(static_cast<uint64_t>(std::max<int64_t>(now, 0))) + "-" + random_token(rng_, 8);
}

// [SECTION] Lifecycle ---------------------------------------------------------------------------------

Effects Engine::restore(StoreKey key, std::string_view blob, int64_t now) {
  (void)now;
  if (blob.empty()) return take();
  if (key == StoreKey::Outbox) {
    const auto err = outbox_.restore(blob);
    if (err != RestoreError::None) {
      log(LogLevel::Error, std::string("outbox restore failed (") + to_string(err) + "): starting with an empty outbox");
      emit(Persist{StoreKey::Outbox, outbox_.serialize()});
    } else {
      // Messages restored from storage: queued or sent before the reload; both go out again, in order.
      for (auto& e : outbox_.entries()) e.sent_on_conn = 0;
      outbox_restored_ = true;
    }
  } else if (key == StoreKey::History) {
    history_restored_ = true;
    const auto err = chat_.restore(blob);
    if (err != RestoreError::None) {
      log(LogLevel::Error, std::string("history restore failed (") + to_string(err) + "): starting with an empty history");
      emit(Persist{StoreKey::History, chat_.serialize()});
    }
    ui(UiEventKind::HistoryReset);
  }
  // Every message still in the outbox must be visible with its state, even if the history lost it.
  for (const auto& e : outbox_.entries()) {
    const auto state = e.state == OutboxState::Failed ? MessageState::Failed
                                                      : (e.state == OutboxState::Sent ? MessageState::Sent : MessageState::Queued);
    if (ChatMessage* m = chat_.find_id(e.id)) {
      if (m->state != state) chat_.set_state(e.id, state, e.fail_reason);
    } else {
      ChatMessage m2;
      m2.id = e.id;
      m2.role = Role::User;
      m2.state = state;
      m2.text = e.text;
      m2.timestamp_ms = e.created_ms;
      m2.fail_reason = e.fail_reason;
      chat_.append(std::move(m2));
    }
  }
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
    bool all = true;
    std::size_t adopted = 0;
    for (auto& e : theirs.entries()) {
      if (outbox_.find(e.id)) continue;
      if (const ChatMessage* m = chat_.find_id(e.id);
          m && (m->state == MessageState::Acked || m->state == MessageState::Answered)) {
        continue;  // delivered already
      }
      OutboxEntry mine = e;
      mine.sent_on_conn = 0;
      mine.send_count = e.state == OutboxState::Sent ? 1 : 0;
      if (outbox_.push(mine) != SendError::None) {
        all = false;
        continue;
      }
      ++adopted;
      if (!chat_.find_id(e.id)) {
        ChatMessage m;
        m.id = e.id;
        m.role = Role::User;
        m.state = e.state == OutboxState::Failed ? MessageState::Failed
                                                 : (e.state == OutboxState::Sent ? MessageState::Sent : MessageState::Queued);
        m.text = e.text;
        m.timestamp_ms = e.created_ms;
        m.fail_reason = e.fail_reason;
        ui(UiEventKind::MessageAdded, chat_.append(std::move(m)));
      }
    }
    if (adopted) {
      log(LogLevel::Info, "adopted " + std::to_string(adopted) + " message(s) from a closed tab");
      persist_outbox();
      flush(now);
    }
    r.complete = all;
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
      // A closed tab's resident messages that are still open: acked if its outbox no longer has them,
      // recovered into ours if its outbox was lost.
      std::size_t requeued = 0;
      for (const auto& m : theirs.messages()) {
        if (m.role != Role::User || outbox_.find(m.id)) continue;
        if (m.state != MessageState::Queued && m.state != MessageState::Sent) continue;
        if (source.outbox_adopted) {
          theirs.set_state(m.id, MessageState::Acked);
        } else {
          OutboxEntry e;
          e.id = m.id;
          e.text = m.text;
          e.created_ms = m.timestamp_ms;
          if (outbox_.push(std::move(e)) == SendError::None) ++requeued;
        }
      }
      if (requeued) {
        log(LogLevel::Warn, std::to_string(requeued) + " message(s) recovered from a closed tab's history");
        persist_outbox();
        flush(now);
      }
    }
    if (chat_.merge(theirs.serialize()) != RestoreError::None) return take();
    ui(UiEventKind::HistoryReset);
    mark_history_dirty(now);
    r.complete = true;
    return take();
  }
  return take();
}

Effects Engine::persist_now(int64_t now) {
  (void)now;
  persist_outbox();
  history_persist_due_ = kNever;
  emit(Persist{StoreKey::History, chat_.serialize()});
  return take();
}

void Engine::reconcile_restored() {
  if (!history_restored_) return;
  // History is written in batches, the outbox at once. A resident message the history still shows as
  // queued or sent is either in the outbox (it goes out again) or was acked before the page went away.
  // If the outbox could not be read back, the history's copy is put back in the outbox instead:
  // a duplicate (deduplicated by client_msg_id) is better than a lost message.
  std::size_t acked = 0, requeued = 0;
  for (const auto& m : chat_.messages()) {
    if (m.role != Role::User || outbox_.find(m.id)) continue;
    if (m.state != MessageState::Queued && m.state != MessageState::Sent && m.state != MessageState::Failed) continue;
    if (outbox_restored_ && m.state != MessageState::Failed) {
      chat_.set_state(m.id, MessageState::Acked);
      ++acked;
    } else if (!outbox_restored_) {
      OutboxEntry e;
      e.id = m.id;
      e.text = m.text;
      e.created_ms = m.timestamp_ms;
      e.state = m.state == MessageState::Failed ? OutboxState::Failed : OutboxState::Queued;
      e.fail_reason = m.fail_reason;
      if (outbox_.push(std::move(e)) == SendError::None) ++requeued;
    }
  }
  if (acked) log(LogLevel::Info, std::to_string(acked) + " restored message(s) were acked before the reload");
  if (requeued) {
    log(LogLevel::Warn, std::to_string(requeued) + " message(s) recovered from the history into the outbox");
    persist_outbox();
  }
}

Effects Engine::start(int64_t now) {
  if (state_ != ConnState::Idle) return take();
  reconcile_restored();
  if (user_id_.empty()) {
    user_id_ = "web-user-" + std::to_string(now) + "-" + random_token(rng_, 9);
    identity_generated_ = true;
  }
  if (session_id_.empty()) {
    session_id_ = "session-" + std::to_string(now) + "-" + random_token(rng_, 9);
    identity_generated_ = true;
  }
  if (identity_generated_ || user_id_ != config_.user_id || session_id_ != config_.session_id) {
    emit(Persist{StoreKey::Identity, serialize_identity({user_id_, session_id_})});
  }
  if (const auto err = validate_endpoint(config_.endpoint, true); err != EndpointError::None) {
    log(LogLevel::Error, std::string("invalid WebSocket endpoint (") + to_string(err) + ")");
  }
  set_state(ConnState::Connecting);
  open_connection(now, false);
  return take();
}

Effects Engine::disconnect(int64_t now) {
  (void)now;
  if (state_ == ConnState::Closed) return take();
  if (typing_sent_ && current_open_) send_typing(false, now);
  for (uint32_t c : {current_, rotating_, draining_}) {
    if (c) {
      close_socket(c, 1000, "Client disconnect");
      outbox_.forget_connection(c);
    }
  }
  current_ = rotating_ = draining_ = 0;
  current_open_ = false;
  typing_sent_ = false;
  connect_deadline_ = rotate_connect_deadline_ = retry_at_ = heartbeat_due_ = pong_deadline_ = kNever;
  rotate_at_ = drain_deadline_ = typing_idle_deadline_ = kNever;
  for (auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Sent) chat_.set_state(e.id, MessageState::Sent);
  }
  connection_id_.clear();
  set_state(ConnState::Closed);
  return take();
}

Effects Engine::reconnect(int64_t now) {
  stopped_by_server_ = false;
  if (state_ == ConnState::Connected) {
    // A forced fresh connection: the resident or a test asked for it, so no backoff.
    close_socket(current_, 1000, "Reconnect");
    outbox_.forget_connection(current_);
    // A rotation in flight would open beside the fresh connection and take over from it (fuzz_frame).
    close_socket(rotating_, 1000, "Reconnect");
    rotating_ = 0;
    rotate_connect_deadline_ = kNever;
    current_ = 0;
    current_open_ = false;
    heartbeat_due_ = pong_deadline_ = rotate_at_ = kNever;
    reconnect_attempt_ = 0;
    set_state(ConnState::Connecting);
    open_connection(now, false);
  } else if (state_ == ConnState::Closed || state_ == ConnState::Idle) {
    reconnect_attempt_ = 0;
    set_state(ConnState::Connecting);
    open_connection(now, false);
  } else {
    retry_now(now);
  }
  return take();
}

void Engine::set_state(ConnState s) {
  if (state_ == s) return;
  state_ = s;
  ui(UiEventKind::StatusChanged);
}

void Engine::open_connection(int64_t now, bool rotation) {
  const uint32_t conn = ++conn_gen_;
  if (conn_gen_ == 0) ++conn_gen_;  // 0 means "none"; wrap-around after 4 billion connections
  emit(OpenSocket{conn, build_connect_url(config_.endpoint, user_id_, session_id_)});
  if (rotation) {
    rotating_ = conn;
    rotate_connect_deadline_ = sat_add(now, config_.connect_timeout_ms);
  } else {
    current_ = conn;
    current_open_ = false;
    connect_deadline_ = sat_add(now, config_.connect_timeout_ms);
    retry_at_ = kNever;
  }
}

void Engine::close_socket(uint32_t conn, int code, const char* reason) {
  if (conn) emit(CloseSocket{conn, code, reason});
}

void Engine::retry_now(int64_t now) {
  if (stopped_by_server_) return;
  if (state_ != ConnState::Reconnecting && state_ != ConnState::Failed) return;
  if (current_ != 0 && !current_open_) return;  // an attempt is already in flight
  retry_at_ = now;
  check_deadlines(now);
}

void Engine::schedule_retry(int64_t now) {
  ++reconnect_attempt_;
  retry_at_ = sat_add(now, backoff_delay_ms(reconnect_attempt_, rng_, config_.reconnect));
  set_state(reconnect_attempt_ > config_.reconnect.attempts_before_failed ? ConnState::Failed : ConnState::Reconnecting);
  ui(UiEventKind::StatusChanged);
}

// [SECTION] Socket events -----------------------------------------------------------------------------

Effects Engine::on_open(uint32_t conn, int64_t now) {
  if (conn != 0 && conn == rotating_) {
    // Rotation: the new connection takes over sending; the old one drains its acks.
    ++stats_.rotations;
    ++stats_.connections_opened;
    draining_ = current_;
    rotating_ = 0;
    rotate_connect_deadline_ = kNever;
    current_ = conn;
    current_open_ = true;
    opened_at_ = now;
    last_frame_ms_ = now;
    heartbeat_due_ = sat_add(now, config_.heartbeat_interval_ms);
    pong_deadline_ = kNever;
    rotate_at_ = sat_add(now, config_.rotate_after_ms);
    connection_id_.clear();
    dedupe_until_ = kNever;
    seen_frames_.clear();
    if (typing_sent_) {
      typing_sent_ = false;  // the server forgets typing state per connection; start over
    }
    log(LogLevel::Info, "rotated to connection " + std::to_string(conn));
    drain_deadline_ = sat_add(now, config_.drain_timeout_ms);
    if (!outbox_.has_sent_on(draining_)) drain_idle(now);
    flush(now);
    ui(UiEventKind::StatusChanged);
    return take();
  }
  if (conn == 0 || conn != current_ || current_open_) {
    close_socket(conn, 1000, "Stale connection");  // a late open of an attempt we gave up on
    return take();
  }
  connection_opened(now);
  return take();
}

void Engine::connection_opened(int64_t now) {
  ++stats_.connections_opened;
  current_open_ = true;
  opened_at_ = now;
  last_frame_ms_ = now;
  connect_deadline_ = kNever;
  retry_at_ = kNever;
  attempts_since_open_ = 0;
  stopped_by_server_ = false;
  heartbeat_due_ = sat_add(now, config_.heartbeat_interval_ms);
  pong_deadline_ = kNever;
  rotate_at_ = sat_add(now, config_.rotate_after_ms);
  connection_id_.clear();
  set_state(ConnState::Connected);
  ui(UiEventKind::StatusChanged);
  flush(now);
}

Effects Engine::on_text(uint32_t conn, std::string_view text, int64_t now) {
  const bool current = conn != 0 && conn == current_ && current_open_;
  const bool draining = conn != 0 && conn == draining_;
  if (!current && !draining) return take();
  ++stats_.frames_in;
  if (current) {
    last_frame_ms_ = now;
    pong_deadline_ = kNever;  // any frame proves the link is alive
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
  // Each frame seen on one connection cancels one identical frame from the other.
  if (draining_ == 0 && now > dedupe_until_) {
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
  if (seen_frames_.size() >= 512) seen_frames_.erase(seen_frames_.begin());
  seen_frames_.push_back({conn, h});
  return false;
}

Effects Engine::on_close(uint32_t conn, int code, std::string_view reason, int64_t now) {
  if (conn == 0) return take();
  if (conn == draining_) {
    finish_drain(now, "closed");
    return take();
  }
  if (conn == rotating_) {
    // The next connection failed to open: keep serving on the current one, try again later.
    rotating_ = 0;
    rotate_connect_deadline_ = kNever;
    rotate_at_ = sat_add(now, config_.rotate_retry_ms);
    return take();
  }
  if (conn != current_) return take();
  const bool was_open = current_open_;
  if (code == 1009) {
    // API Gateway refused the frame as too big: the message that caused it must not loop forever.
    if (last_chat_conn_ == conn && !last_chat_id_.empty()) {
      if (OutboxEntry* e = outbox_.find(last_chat_id_)) {
        e->state = OutboxState::Failed;
        e->fail_reason = FailReason::TooBig;
        e->sent_on_conn = 0;
        chat_.set_state(e->id, MessageState::Failed, FailReason::TooBig);
        if (const auto* m = chat_.find_id(e->id)) ui(UiEventKind::MessageChanged, m->seq);
        persist_outbox();
      }
    }
  }
  if (code == 1008 || (code >= 4000 && code <= 4999)) {
    // Policy or application refusal (auth): retrying in a loop would not help; report and wait.
    outbox_.forget_connection(conn);
    current_ = 0;
    current_open_ = false;
    heartbeat_due_ = pong_deadline_ = rotate_at_ = connect_deadline_ = kNever;
    retry_at_ = kNever;
    stopped_by_server_ = true;
    refused_code_ = code;
    typing_sent_ = false;
    if (rotating_) {
      close_socket(rotating_, 1000, "Refused");
      rotating_ = 0;
    }
    log(LogLevel::Error, "server closed the connection with " + std::to_string(code) + " " +
                             utf8::repair(utf8::truncate(reason, 123)) + ": not reconnecting until asked");
    set_state(ConnState::Failed);
    ui(UiEventKind::StatusChanged);
    return take();
  }
  connection_lost(now, was_open, "closed");
  return take();
}

Effects Engine::on_error(uint32_t conn, int64_t now) {
  (void)now;
  // Browsers give no detail; a close event follows. Nothing to do but note it.
  if (conn == current_) log(LogLevel::Warn, "WebSocket error on connection " + std::to_string(conn));
  return take();
}

Effects Engine::on_send_failed(uint32_t conn, int64_t now) {
  if (conn != current_ || !current_open_) return take();
  // The socket cannot send: treat the link as lost; unacked messages go out again on the next one.
  close_socket(conn, 4003, "Send failed");
  connection_lost(now, true, "send failed");
  return take();
}

void Engine::connection_lost(int64_t now, bool was_open, const char* why) {
  const uint32_t conn = current_;
  if (was_open && now - opened_at_ >= config_.reconnect.stable_after_ms) reconnect_attempt_ = 0;
  if (!was_open) {
    ++attempts_since_open_;
    ++stats_.connection_failures;
  }
  outbox_.forget_connection(conn);
  for (auto& e : outbox_.entries()) {
    if (e.state == OutboxState::Sent && e.sent_on_conn == 0) chat_.set_state(e.id, MessageState::Sent);
  }
  current_ = 0;
  current_open_ = false;
  typing_sent_ = false;
  typing_idle_deadline_ = kNever;
  connect_deadline_ = heartbeat_due_ = pong_deadline_ = rotate_at_ = kNever;
  connection_id_.clear();
  if (rotating_) {
    // The old connection died while the next one was opening: that attempt becomes the reconnection.
    current_ = rotating_;
    rotating_ = 0;
    connect_deadline_ = rotate_connect_deadline_;
    rotate_connect_deadline_ = kNever;
    set_state(ConnState::Reconnecting);
    return;
  }
  log(LogLevel::Info, std::string("connection ") + std::to_string(conn) + " lost (" + why + ")");
  schedule_retry(now);
}

void Engine::drain_idle(int64_t now) {
  // Nothing of ours is in flight on the old connection any more. It lingers a moment for frames the server
  // sent only to it before the new connection was registered, then closes.
  drain_deadline_ = std::min(drain_deadline_, sat_add(now, config_.drain_linger_ms));
}

void Engine::finish_drain(int64_t now, const char* why) {
  if (draining_ == 0) return;
  close_socket(draining_, 1000, "Rotated");
  outbox_.forget_connection(draining_);
  log(LogLevel::Info, std::string("previous connection ") + std::to_string(draining_) + " drained (" + why + ")");
  draining_ = 0;
  drain_deadline_ = kNever;
  dedupe_until_ = sat_add(now, 5'000);  // the other copy of a broadcast may still be on its way
  flush(now);                          // unacked messages from the old connection go out again, first
}

// [SECTION] Deadlines ---------------------------------------------------------------------------------

Effects Engine::tick(int64_t now) {
  check_deadlines(now);
  return take();
}

void Engine::check_deadlines(int64_t now) {
  // Connect timeout of the attempt in flight.
  if (current_ && !current_open_ && now >= connect_deadline_) {
    close_socket(current_, 4002, "Connect timeout");
    connection_lost(now, false, "connect timeout");
  }
  if (rotating_ && now >= rotate_connect_deadline_) {
    close_socket(rotating_, 4002, "Connect timeout");
    rotating_ = 0;
    rotate_connect_deadline_ = kNever;
    rotate_at_ = sat_add(now, config_.rotate_retry_ms);
  }
  // Reconnection due.
  if ((state_ == ConnState::Reconnecting || state_ == ConnState::Failed) && current_ == 0 && !stopped_by_server_ &&
      now >= retry_at_) {
    open_connection(now, false);
    ui(UiEventKind::StatusChanged);
  }
  if (current_open_) {
    // Dead link: a heartbeat went unanswered (no frame at all) for heartbeat_timeout_ms.
    if (now >= pong_deadline_) {
      ++stats_.dead_links;
      log(LogLevel::Warn, "no answer to the heartbeat: the connection is dead");
      close_socket(current_, 4001, "Dead link");
      connection_lost(now, true, "dead link");
    } else if (now >= heartbeat_due_) {
      send_frame(current_, encode_heartbeat(now));
      ++stats_.heartbeats_sent;
      heartbeat_due_ = sat_add(now, config_.heartbeat_interval_ms);
      if (pong_deadline_ == kNever) pong_deadline_ = sat_add(now, config_.heartbeat_timeout_ms);
    }
  }
  if (current_open_) {
    if (now >= rotate_at_ && rotating_ == 0 && draining_ == 0) {
      rotate_at_ = kNever;
      log(LogLevel::Info, "rotating the connection before API Gateway's 2-hour limit");
      open_connection(now, true);
    }
    resend_overdue(now);
  }
  if (draining_ && now >= drain_deadline_) finish_drain(now, "timeout");
  if (typing_sent_ && now >= typing_idle_deadline_) send_typing(false, now);
  if (chat_.agent_typing() && now >= agent_typing_deadline_) {
    chat_.set_agent_typing(false, "", now);
    agent_typing_deadline_ = kNever;
    ui(UiEventKind::TypingChanged);
  }
  if (now >= history_persist_due_) {
    history_persist_due_ = kNever;
    emit(Persist{StoreKey::History, chat_.serialize()});
  }
}

int64_t Engine::next_deadline_ms() const {
  int64_t d = kNever;
  const auto consider = [&d](int64_t t) { d = std::min(d, t); };
  if (current_ && !current_open_) consider(connect_deadline_);
  if (rotating_) consider(rotate_connect_deadline_);
  if ((state_ == ConnState::Reconnecting || state_ == ConnState::Failed) && current_ == 0 && !stopped_by_server_) {
    consider(retry_at_);
  }
  if (current_open_) {
    consider(pong_deadline_);
    consider(heartbeat_due_);
    consider(rotate_at_);
    for (const auto& e : outbox_.entries()) {
      if (e.state == OutboxState::Sent && e.sent_on_conn == current_) {
        const int shift = std::min(e.send_count > 0 ? e.send_count - 1 : 0, 4);
        consider(sat_add(e.sent_ms, std::min<int64_t>(config_.ack_timeout_ms << shift, 300'000)));
      }
    }
  }
  if (draining_) consider(drain_deadline_);
  if (typing_sent_) consider(typing_idle_deadline_);
  if (chat_.agent_typing()) consider(agent_typing_deadline_);
  consider(history_persist_due_);
  return d;
}

Effects Engine::network_online(int64_t now) {
  if (state_ == ConnState::Connected) {
    // The network changed under an open socket: probe it now rather than in 30 s.
    if (pong_deadline_ == kNever) {
      send_frame(current_, encode_heartbeat(now));
      ++stats_.heartbeats_sent;
      pong_deadline_ = sat_add(now, config_.heartbeat_timeout_ms);
    }
  } else {
    retry_now(now);
  }
  return take();
}

Effects Engine::network_offline(int64_t now) {
  // navigator.onLine is unreliable; probe instead of giving up, so a real outage is noticed in seconds.
  if (state_ == ConnState::Connected && pong_deadline_ == kNever) {
    send_frame(current_, encode_heartbeat(now));
    ++stats_.heartbeats_sent;
    pong_deadline_ = sat_add(now, config_.heartbeat_timeout_ms);
  }
  return take();
}

Effects Engine::page_visible(int64_t now) {
  visible_ = true;
  if (unread_ != 0) {
    unread_ = 0;
    ui(UiEventKind::UnreadChanged);
  }
  check_deadlines(now);  // timers may have been throttled while hidden
  if (state_ == ConnState::Connected && pong_deadline_ == kNever &&
      now - last_frame_ms_ >= config_.heartbeat_interval_ms) {
    send_frame(current_, encode_heartbeat(now));
    ++stats_.heartbeats_sent;
    heartbeat_due_ = sat_add(now, config_.heartbeat_interval_ms);
    pong_deadline_ = sat_add(now, config_.heartbeat_timeout_ms);
  } else if (state_ == ConnState::Reconnecting || state_ == ConnState::Failed) {
    retry_now(now);
  }
  return take();
}

Effects Engine::page_hidden(int64_t now) {
  visible_ = false;
  if (typing_sent_) send_typing(false, now);
  if (history_persist_due_ != kNever) {
    history_persist_due_ = kNever;
    emit(Persist{StoreKey::History, chat_.serialize()});
  }
  return take();
}

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
      agent_typing_deadline_ = f.typing ? sat_add(now, config_.agent_typing_timeout_ms) : kNever;
      break;
    case FrameType::Status:
      if (conn == current_ && !f.connection_id.empty() && f.connection_id != connection_id_) {
        connection_id_ = f.connection_id;
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
  if (conn == draining_ && !outbox_.has_sent_on(draining_)) {
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
    if (chat_.agent_typing()) {
      chat_.set_agent_typing(false, "", now);
      agent_typing_deadline_ = kNever;
      ui(UiEventKind::TypingChanged);
    }
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

void Engine::send_frame(uint32_t conn, std::string frame) {
  ++stats_.frames_out;
  emit(SendText{conn, std::move(frame)});
}

void Engine::send_typing(bool typing, int64_t now) {
  if (typing == typing_sent_) return;
  typing_sent_ = typing;
  typing_idle_deadline_ = typing ? sat_add(now, config_.typing_idle_ms) : kNever;
  if (current_open_) send_frame(current_, encode_typing(typing, user_id_, now));
}

// [SECTION] Outbox ------------------------------------------------------------------------------------

void Engine::persist_outbox() { emit(Persist{StoreKey::Outbox, outbox_.serialize()}); }

void Engine::mark_history_dirty(int64_t now) {
  if (history_persist_due_ == kNever) history_persist_due_ = sat_add(now, config_.history_persist_delay_ms);
}

void Engine::send_entry(OutboxEntry& e, int64_t now) {
  const bool resend = e.send_count > 0;
  e.state = OutboxState::Sent;
  e.sent_on_conn = current_;
  e.sent_ms = now;
  ++e.send_count;
  if (resend) ++stats_.resends;
  last_chat_conn_ = current_;
  last_chat_id_ = e.id;
  send_frame(current_, encode_send_message(e.text, now, user_id_, session_id_, e.id));
  if (ChatMessage* m = chat_.find_id(e.id); m && m->state == MessageState::Queued) {
    chat_.set_state(e.id, MessageState::Sent);
    ui(UiEventKind::MessageChanged, m->seq);
  }
}

void Engine::flush(int64_t now) {
  if (!current_open_) return;
  // Order across a rotation: nothing new goes out on the new connection while the old one still has
  // messages in flight; if it dies they are resent first.
  if (draining_ && outbox_.has_sent_on(draining_)) return;
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
    if (e.state != OutboxState::Sent || e.sent_on_conn != current_) continue;
    const int shift = std::min(e.send_count > 0 ? e.send_count - 1 : 0, 4);
    const int64_t timeout = std::min<int64_t>(config_.ack_timeout_ms << shift, 300'000);
    if (now - e.sent_ms >= timeout) {
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
  e.id = new_message_id(now);
  e.text.assign(trimmed);
  e.created_ms = now;
  r.id = e.id;
  ChatMessage m;
  m.id = e.id;
  m.role = Role::User;
  m.state = MessageState::Queued;
  m.text = e.text;
  m.timestamp_ms = now;
  outbox_.push(std::move(e));
  ui(UiEventKind::MessageAdded, chat_.append(std::move(m)));
  mark_history_dirty(now);
  persist_outbox();  // before anything else: a reload right now must not lose it
  if (current_open_) {
    flush(now);
  } else if (state_ == ConnState::Failed) {
    retry_now(now);  // the resident wants it out: try at once
  }
  if (typing_sent_) send_typing(false, now);
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
  if (current_open_) flush(now);
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
  history_persist_due_ = kNever;
  emit(Persist{StoreKey::History, chat_.serialize()});
  ui(UiEventKind::HistoryReset);
  return take();
}

Effects Engine::composer_input(int64_t now) {
  if (!current_open_) return take();
  if (!typing_sent_) {
    send_typing(true, now);
  } else {
    typing_idle_deadline_ = sat_add(now, config_.typing_idle_ms);
  }
  return take();
}

Effects Engine::composer_blur(int64_t now) {
  if (typing_sent_) send_typing(false, now);
  return take();
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
      if (current_ != 0 || retry_at_ == kNever) return text(lang, Text::StatusFailedTrying);
      return format_text(lang, Text::StatusFailedRetryIn, std::max<int64_t>((retry_at_ - now + 999) / 1000, 1));
    case ConnState::Closed: return text(lang, Text::StatusClosed);
  }
  return {};
}

}  // namespace bos
