// app.cpp: see app.hpp.
//
// Index
//   [SECTION] Boot and take-over   identity, endpoint, what closed and open tabs left
//   [SECTION] Effects              the engine's effects carried out through the Port; buildingos:status
//   [SECTION] Events in            socket, time, page, network, the resident (UI and automation API)
//   [SECTION] The chat view        apply (the view's intents) and view_state (what it shows)
//   [SECTION] Automation API       window.BuildingOS's JSON
#include "app/app.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "ui/text_util.hpp"

namespace bos::app {

namespace {
constexpr int64_t kMsPerSecond = 1000;

std::string dump(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace); }

const char* role_label(Lang lang, Role role) {
  switch (role) {
    case Role::User: return text(lang, Text::You);
    case Role::Assistant: return text(lang, Text::Assistant);
    case Role::Notification: return text(lang, Text::Notice);
    case Role::Error: return text(lang, Text::ServerError);
    case Role::System: return text(lang, Text::NotificationTitle);
  }
  return "";
}
}  // namespace

App::App(Port& port, std::string version) : port_(port), version_(std::move(version)) {}

// [SECTION] Boot and take-over ----------------------------------------------------------------------

void App::prepare(const PageInfo& page, const std::string& stored_identity, uint64_t seed, int64_t now) {
  lang_ = language_from(page.language);
  endpoint_ = choose_endpoint(page);
  const bool required = auth_required(page);
  const auto identity = choose_identity(page, stored_identity, required, now / kMsPerSecond);
  auth_ = identity.auth;
  resident_label_ = identity.name;
  remove_fragment_ = identity.token_in_fragment;
  switch_ = {identity.switch_user_id, identity.switch_token, identity.switch_name};
  if (*identity.token_reason) {
    port_.log(LogLevel::Warn, std::string("resident token not usable (") + identity.token_reason + "): not connecting");
  }
  if (!switch_.name.empty()) port_.log(LogLevel::Info, "the link is for another resident: asking before switching");
  EngineConfig config;
  config.endpoint = endpoint_.url;
  config.page_is_loopback = is_loopback_page(page.hostname);  // the engine's ws:// check needs the page's fact
  config.user_id = identity.user_id;
  config.session_id = identity.session_id;
  config.token = identity.token;
  config.persist_identity = identity.from_link;
  config.seed = seed;
  config.lang = lang_;
  const TestOverrides test = choose_test_overrides(page);
  if (test.rotate_after_ms > 0) config.rotate_after_ms = test.rotate_after_ms;
  pending_user_ = identity.user_id;
  engine_ = std::make_unique<Engine>(std::move(config));
  if (!endpoint_.note.empty()) port_.log(LogLevel::Warn, endpoint_.note);
  if (!test.note.empty()) port_.log(test.rotate_after_ms > 0 ? LogLevel::Info : LogLevel::Warn, test.note);
  port_.log(LogLevel::Info, std::string("endpoint ") + endpoint_.url + " (from " + to_string(endpoint_.source) + ")" +
                                (identity.from_link ? ", resident from the link" : "") + ", auth " + to_string(auth_) +
                                (required ? " (required)" : ""));
}

void App::boot(const PageInfo& page, const std::string& stored_identity, const std::vector<StoredEntry>& stored,
               const std::string& tab_id, uint64_t seed, int64_t now) {
  tab_id_ = is_valid_tab_id(tab_id) ? tab_id : "t0";
  prepare(page, stored_identity, seed, now);
  std::vector<std::string> taken;
  if (!pending_user_.empty()) taken = take_over(stored, true, now);
  start(now);
  // Ours first, then forget what we took over: a crash in between leaves a duplicate, never a loss.
  run(engine_->persist_now(now), now);
  for (const auto& key : taken) port_.store_write(key, "");
  // The token is stored (start() persisted the identity) or useless: out of the address bar either way.
  if (remove_fragment_) port_.remove_fragment();
  if (auth_ == AuthState::Enrol || auth_ == AuthState::Expired) port_.show_auth_screen(to_string(auth_));
}

void App::adopt(const std::vector<StoredEntry>& stored, int64_t now) {
  if (!engine_ || engine_->user_id().empty()) return;
  const auto taken = take_over(stored, false, now);
  if (taken.empty()) return;
  run(engine_->persist_now(now), now);
  for (const auto& key : taken) port_.store_write(key, "");
}

std::vector<std::string> App::take_over(const std::vector<StoredEntry>& stored, bool include_live, int64_t now) {
  const std::string user = engine_->user_id().empty() ? pending_user_ : engine_->user_id();
  std::vector<std::string> taken;
  std::vector<std::string> adopted_tabs;
  // Outboxes first (closed tabs only): their messages are this tab's to deliver now.
  for (const auto& e : stored) {
    StorageKeyParts k;
    if (e.live || !parse_storage_key(e.key, k) || k.user_id != user || k.key != StoreKey::Outbox) continue;
    if (k.tab_id == tab_id_) continue;
    Engine::MergeResult r;
    run(engine_->merge_stored(StoreKey::Outbox, e.value, {false, false}, now, &r), now);
    if (r.readable && r.complete) adopted_tabs.push_back(k.tab_id);
    // Unreadable: nothing to take from it; its messages come back from that tab's history below.
    if (r.complete || !r.readable) taken.push_back(e.key);
  }
  for (const auto& e : stored) {
    StorageKeyParts k;
    if (!parse_storage_key(e.key, k) || k.user_id != user || k.key != StoreKey::History) continue;
    if (k.tab_id == tab_id_ || (e.live && !include_live)) continue;
    Engine::MergeSource source;
    source.live_tab = e.live;
    source.outbox_adopted = std::find(adopted_tabs.begin(), adopted_tabs.end(), k.tab_id) != adopted_tabs.end();
    Engine::MergeResult r;
    run(engine_->merge_stored(StoreKey::History, e.value, source, now, &r), now);
    if (!e.live) taken.push_back(e.key);  // merged, or unreadable (reported): either way done with it
  }
  return taken;
}

void App::start(int64_t now) {
  if (auth_ == AuthState::Enrol || auth_ == AuthState::Expired) {
    // No token the server could accept: no anonymous id, no connection (boot.js usually got here first,
    // without the wasm; this is the same rule for what only the full check finds).
    port_.log(LogLevel::Warn, std::string("not connecting: auth ") + to_string(auth_));
  } else if (endpoint_.error != EndpointError::None) {
    // Never a silent blank: the header shows the problem; the outbox keeps what the resident types.
    port_.log(LogLevel::Error, std::string("not connecting: the WebSocket endpoint is unusable (") +
                                   to_string(endpoint_.error) + "): " + endpoint_.url);
    run(engine_->disconnect(now), now);
  } else {
    run(engine_->start(now), now);
  }
  port_.set_title(title_for(0));
  emit_status_if_changed(now);
}

// [SECTION] Effects ----------------------------------------------------------------------------------

void App::run(Effects effects, int64_t now) {
  if (running_) {
    for (auto& e : effects) queued_.push_back(std::move(e));
    return;
  }
  running_ = true;
  bool messages_changed = false;
  for (std::size_t i = 0; i < effects.size() || !queued_.empty(); ++i) {
    if (i >= effects.size()) {
      effects.insert(effects.end(), std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
      queued_.clear();
    }
    Effect& effect = effects[i];
    if (auto* o = std::get_if<OpenSocket>(&effect)) {
      port_.ws_open(o->conn, o->url);
    } else if (auto* t = std::get_if<SendText>(&effect)) {
      if (!port_.ws_send(t->conn, t->text)) {
        Effects more = engine_->on_send_failed(t->conn, now);
        effects.insert(effects.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    } else if (auto* c = std::get_if<CloseSocket>(&effect)) {
      port_.ws_close(c->conn, c->code, c->reason);
    } else if (auto* p = std::get_if<Persist>(&effect)) {
      if (signed_out_) continue;  // signed out (or switching): this device keeps nothing more of this resident
      bool written = true;
      if (p->key == StoreKey::Identity) {
        port_.store_write(storage_key_identity(), p->data);
      } else if (!engine_->user_id().empty()) {
        port_.store_write(storage_key(p->key, engine_->user_id(), tab_id_), p->data);
      } else {
        written = false;
      }
      if (written) {
        Effects more = engine_->storage_written(p->key, port_.last_store_write_ok(), now);
        effects.insert(effects.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    } else if (auto* n = std::get_if<Notify>(&effect)) {
      port_.notify(n->title, n->body);
    } else if (auto* l = std::get_if<Log>(&effect)) {
      port_.log(l->level, l->text);
    } else if (auto* u = std::get_if<UiEvent>(&effect)) {
      ++ui_revision_;
      switch (u->kind) {
        case UiEventKind::MessageAdded:
          if (const ChatMessage* m = engine_->chat().find_seq(u->seq)) {
            port_.dispatch_event("buildingos:message", message_json(*m));
            std::string nul_free;  // the live log is read like the screen shows it (ui::drawable_text)
            if (!m->temporary) port_.announce(std::string(role_label(lang_, m->role)) + ": " + std::string(ui::drawable_text(m->text, nul_free)));
          }
          messages_changed = true;
          break;
        case UiEventKind::UnreadChanged:
          port_.set_title(title_for(engine_->unread()));
          break;
        default:
          messages_changed = true;
          break;
      }
    }
  }
  running_ = false;
  if (messages_changed) port_.request_frame();  // a persist, a log or a socket effect changes nothing on screen
  emit_status_if_changed(now);
}

void App::emit_status_if_changed(int64_t now) {
  if (!engine_) return;
  StatusSnapshot snapshot = status_snapshot();
  if (last_status_ && *last_status_ == snapshot) return;
  last_status_ = std::move(snapshot);
  ++ui_revision_;
  port_.dispatch_event("buildingos:status", api_state_json(now));
  port_.request_frame();
}

App::StatusSnapshot App::status_snapshot() const {
  const Engine& e = *engine_;
  return {e.state(), e.attempts(), e.queued(), e.connection_id(), e.user_id(), e.session_id(), endpoint_.url,
          e.reconnect_attempt(), e.chat().agent_typing(), update_available_, offline_, auth(), switch_.name};
}

std::string App::title_for(int unread) const {
  const std::string base = text(lang_, Text::PageTitle);
  return unread > 0 ? "(" + std::to_string(unread) + ") " + base : base;
}

std::string App::status_text(int64_t now) const {
  if (endpoint_.error != EndpointError::None) return text(lang_, Text::InvalidEndpoint);
  // navigator.onLine is only trustworthy when it says "offline"; a socket that is open says otherwise.
  if (offline_ && engine_->state() != ConnState::Connected) return text(lang_, Text::StatusNoInternet);
  return engine_->status_text(now);
}

// [SECTION] Events in --------------------------------------------------------------------------------

void App::on_open(uint32_t conn, int64_t now) { run(engine_->on_open(conn, now), now); }
void App::on_text(uint32_t conn, std::string_view text, int64_t now) { run(engine_->on_text(conn, text, now), now); }
void App::on_close(uint32_t conn, int code, std::string_view reason, int64_t now) {
  run(engine_->on_close(conn, code, reason, now), now);
}
void App::on_error(uint32_t conn, int64_t now) { run(engine_->on_error(conn, now), now); }
void App::tick(int64_t now) { run(engine_->tick(now), now); }
void App::network_online(int64_t now) {
  offline_ = false;
  run(engine_->network_online(now), now);
  emit_status_if_changed(now);
}
void App::network_offline(int64_t now) {
  offline_ = true;
  run(engine_->network_offline(now), now);
  emit_status_if_changed(now);
}
void App::page_visible(int64_t now) { run(engine_->page_visible(now), now); }
void App::page_hidden(int64_t now) { run(engine_->page_hidden(now), now); }

SendResult App::send(std::string_view text, int64_t now) {
  SendResult r = engine_->send_chat(text, now);
  run(std::move(r.effects), now);
  r.effects.clear();
  return r;
}

void App::retry_message(std::string_view id, int64_t now) { run(engine_->retry_message(id, now), now); }
void App::delete_message(std::string_view id, int64_t now) { run(engine_->delete_message(id, now), now); }
void App::clear_history(int64_t now, bool everywhere) {
  run(engine_->clear_history(now), now);
  if (everywhere && !engine_->user_id().empty()) port_.clear_history_everywhere(engine_->user_id());
}

AuthState App::auth() const {
  // The client cannot see the handshake's 403: a token that keeps failing is most likely refused.
  if (auth_ == AuthState::SignedIn && engine_ && engine_->state() == ConnState::Failed) return AuthState::LinkRefused;
  return auth_;
}

std::size_t App::sign_out(int64_t now) {
  const std::size_t undelivered = engine_ ? engine_->queued() : 0;
  if (engine_) run(engine_->disconnect(now), now);
  signed_out_ = true;
  port_.log(LogLevel::Info, "signed out of this device (" + std::to_string(undelivered) + " undelivered)");
  port_.sign_out_device();
  return undelivered;
}

void App::signed_out_elsewhere(int64_t now) {
  if (signed_out_) return;
  if (engine_) run(engine_->disconnect(now), now);
  signed_out_ = true;
  port_.log(LogLevel::Info, "signed out in another tab");  // the page removes the keys and loads again
}

void App::answer_switch(bool yes, int64_t now) {
  if (switch_.name.empty() || !engine_) return;
  if (!yes) {
    port_.log(LogLevel::Info, "the resident kept the current identity");
    switch_ = {};
  } else {
    // What this resident has is written first; then the new identity, and the page starts again with it.
    run(engine_->persist_now(now), now);
    run(engine_->disconnect(now), now);
    const std::string session = engine_->session_id();
    port_.store_write(storage_key_identity(), serialize_identity({switch_.user_id, session, switch_.token}));
    signed_out_ = true;
    switch_ = {};
    port_.reload();
  }
  ++ui_revision_;
  emit_status_if_changed(now);
}
void App::reconnect(int64_t now) {
  if (endpoint_.error != EndpointError::None) return;
  run(engine_->reconnect(now), now);
}
void App::disconnect(int64_t now) { run(engine_->disconnect(now), now); }
void App::composer_input(int64_t now) { run(engine_->composer_input(now), now); }
void App::composer_blur(int64_t now) { run(engine_->composer_blur(now), now); }

void App::composer_state(bool has_text, bool focused, int64_t now) {
  composer_has_text_ = has_text;
  composer_focused_ = focused;
  load_update_when_idle(now);
}

void App::update_ready(int64_t now) {
  if (update_available_) return;
  update_available_ = true;
  ++ui_revision_;
  port_.request_frame();
  emit_status_if_changed(now);
}

void App::update_activated(int64_t now) {
  update_available_ = true;
  update_accepted_ = true;
  ++ui_revision_;
  emit_status_if_changed(now);
  load_update_when_idle(now);
}

void App::load_update_when_idle(int64_t now) {
  if (!update_accepted_ || update_loading_ || composer_has_text_ || composer_focused_) return;
  update_loading_ = true;
  // What the resident has is stored before the page goes (the outbox already is, at every change).
  if (engine_) run(engine_->persist_now(now), now);
  port_.load_update();
}

// [SECTION] The chat view ----------------------------------------------------------------------------

void App::apply(const ui::Intents& in, int64_t now) {
  if (!engine_ || in.empty()) return;
  if (in.try_now) reconnect(now);
  if (!in.retry_id.empty()) retry_message(in.retry_id, now);
  if (!in.delete_id.empty()) delete_message(in.delete_id, now);
  if (in.clear_history) clear_history(now);
  if (in.sign_out) sign_out(now);
  if (in.switch_answer != ui::SwitchAnswer::None) answer_switch(in.switch_answer == ui::SwitchAnswer::Switch, now);
  if (!in.copy_text.empty()) {
    port_.copy_to_clipboard(in.copy_text);
    toast_ = text(lang_, Text::Copied);
    toast_until_ms_ = now + ui::kToastDurationMs;
  }
  if (!in.open_url.empty()) port_.open_url(in.open_url);
  if (in.enable_notifications) port_.request_notification_permission();
  if (in.accept_update && update_available_) {
    update_accepted_ = true;
    load_update_when_idle(now);
  }
  if (in.toggle_large_text) {
    large_text_ = !large_text_;
    port_.store_write(storage_key_large_text(), large_text_ ? "1" : "0");
  }
  ++ui_revision_;
  port_.request_frame();
}

ui::ViewState App::view_state(int64_t now) const {
  ui::ViewState v;
  v.lang = lang_;
  v.large_text = large_text_;
  v.version = version_;
  v.show_update = update_available_;
  if (now < toast_until_ms_) {
    v.toast = toast_;
    v.toast_until_ms = toast_until_ms_;
  }
  if (!engine_) return v;
  const Engine& e = *engine_;
  const bool endpoint_ok = endpoint_.error == EndpointError::None;
  v.signed_in = auth_ == AuthState::SignedIn;  // LinkRefused is derived from it: still a token
  v.resident_label = resident_label_;
  v.switch_name = switch_.name;
  v.undelivered = e.queued();
  if (auth() == AuthState::LinkRefused) v.banner_text = text(lang_, Text::LinkRefused);
  v.conn = e.state();
  v.status_text = status_text(now);
  // Offline ("Sem internet"), the banner's reassurance shows at once, not only after the retries ran out.
  v.show_try_now = endpoint_ok && (e.show_try_now() || (offline_ && e.state() != ConnState::Connected));
  v.storage_notice = e.storage_notice();
  // The "Nova tentativa em N s" countdown: its number changes at the next whole second before the retry.
  if (e.state() == ConnState::Failed && e.next_retry_at_ms() != kNever && e.next_retry_at_ms() > now) {
    const int64_t left = e.next_retry_at_ms() - now;
    v.status_changes_at_ms = now + ((left - 1) % kMsPerSecond) + 1;
  }
  return v;
}

void App::restore_large_text(std::string_view stored) { large_text_ = stored == "1"; }

// [SECTION] Automation API ---------------------------------------------------------------------------

std::string App::api_state_json(int64_t now) const {
  nlohmann::ordered_json j;
  const Engine& e = *engine_;
  j["status"] = to_string(e.state());
  j["attempts"] = e.attempts();
  j["queued"] = e.queued();
  if (e.connection_id().empty()) j["connectionId"] = nullptr;
  else j["connectionId"] = e.connection_id();
  j["userId"] = e.user_id();
  j["sessionId"] = e.session_id();
  // Issue 12: the current link's delivery mode (ids | no_ids | unknown), whether the outbox can be saved
  // (ok | failing), and the session id this tab connects with (sessionId plus a per-load token).
  j["deliveryMode"] = to_string(e.delivery_mode());
  j["storage"] = to_string(e.storage());
  j["tabSessionId"] = e.tab_session_id();
  // Extensions (the contract allows extending): what the header shows, and where we connect.
  j["statusText"] = status_text(now);
  j["endpoint"] = endpoint_.url;
  j["reconnectAttempt"] = e.reconnect_attempt();
  j["agentTyping"] = e.chat().agent_typing();
  // The offline shell has a newer build ready ("Nova versão disponível · Atualizar").
  j["updateAvailable"] = update_available_;
  // Identity (issue 13): the contract's auth and residentLabel; switchTo while "Trocar para ...?" is asked.
  j["auth"] = to_string(auth());
  j["residentLabel"] = resident_label_;
  if (!switch_.name.empty()) j["switchTo"] = switch_.name;
  return dump(j);
}

std::string App::message_json(const ChatMessage& m) const {
  nlohmann::ordered_json j;
  j["id"] = m.id;
  j["role"] = to_string(m.role);
  j["text"] = m.text;
  j["state"] = to_string(m.state);
  j["timestamp"] = m.timestamp_ms;
  if (m.role == Role::Notification) j["priority"] = m.priority == Priority::High ? "high" : "normal";
  if (m.temporary) j["temporary"] = true;
  if (m.fail_reason != FailReason::None) j["failReason"] = to_string(m.fail_reason);
  return dump(j);
}

std::string App::api_messages_json() const {
  std::string out = "[";
  bool first = true;
  for (const auto& m : engine_->chat().messages()) {
    if (!first) out += ',';
    first = false;
    out += message_json(m);
  }
  out += ']';
  return out;
}

std::string App::api_send_json(std::string_view text, int64_t now) {
  const auto r = send(text, now);
  nlohmann::ordered_json j;
  if (r.error == SendError::None) {
    j["ok"] = true;
    j["id"] = r.id;
  } else {
    j["ok"] = false;
    j["error"] = to_string(r.error);
  }
  return dump(j);
}

}  // namespace bos::app
