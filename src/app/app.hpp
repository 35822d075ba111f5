// app.hpp: wiring between the engine, the chat view and a platform. Feeds events and `now` in, carries
// effects out through a Port (wasm/ implements it for the browser; tests implement a fake). Carries out
// what the resident asked for in the view (apply: ui::Intents in) and builds what the view shows besides
// the conversation (view_state: ui::ViewState out). Also the automation API's JSON (window.BuildingOS) and
// the page events (buildingos:ready/status/message).
// No Emscripten, no ImGui, no clock, no storage of its own.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/boot_config.hpp"
#include "core/engine.hpp"
#include "ui/intents.hpp"
#include "ui/view_state.hpp"

namespace bos::app {

class Port {
 public:
  virtual ~Port() = default;
  virtual void ws_open(uint32_t conn, const std::string& url) = 0;
  // false: the socket cannot send (not open): the engine treats the link as lost.
  virtual bool ws_send(uint32_t conn, const std::string& text) = 0;
  virtual void ws_close(uint32_t conn, int code, const std::string& reason) = 0;
  virtual void store_write(const std::string& key, const std::string& value) = 0;  // "" removes the key
  // Whether the last store_write succeeded (quota, private mode): the engine is told (state().storage).
  virtual bool last_store_write_ok() const { return true; }
  virtual void notify(const std::string& title, const std::string& body) = 0;
  virtual void set_title(const std::string& title) = 0;
  virtual void announce(const std::string& text) = 0;  // the hidden role="log" live region
  virtual void dispatch_event(const char* name, const std::string& detail_json) = 0;
  virtual void log(LogLevel level, const std::string& text) = 0;
  virtual void request_frame() = 0;  // something on screen changed
  // What only the page can do for the resident, asked for in the chat view (App::apply). A platform
  // without them (a test, a headless run) can leave these as they are: nothing happens.
  virtual void copy_to_clipboard(const std::string& text) { (void)text; }
  virtual void open_url(const std::string& url) { (void)url; }  // a new tab, never this one
  virtual void request_notification_permission() {}
  // The new build, now (the resident accepted it and is not typing): the page reloads into it.
  virtual void load_update() {}
  // Identity (issue 13). The page's part of signing in and out; a platform without them does nothing.
  virtual void remove_fragment() {}  // history.replaceState without the #t= token
  // The enrol or expired screen (boot.js's DOM; `auth` is to_string(AuthState)), over the canvas.
  virtual void show_auth_screen(const std::string& auth) { (void)auth; }
  // "Sair deste aparelho": remove every bos.* key, tell the other tabs, show the page signed out.
  virtual void sign_out_device() {}
  // This tab switched resident: load the page again from what is stored (without the fragment).
  virtual void reload() {}
  // "Limpar conversa": the other open tabs of `user_id` clear theirs, and closed tabs' history keys go.
  virtual void clear_history_everywhere(const std::string& user_id) { (void)user_id; }
};

class App {
 public:
  App(Port& port, std::string version);

  // One stored key another tab (or this origin's earlier page loads) left, and whether that tab is
  // still open (Web Locks: each tab holds "bos-tab-<id>" while it lives).
  struct StoredEntry {
    std::string key;
    std::string value;
    bool live = false;
  };

  // Reads identity and endpoint from the page, takes over what closed tabs of this resident left
  // (outbox: adopted; history: merged) and merges the history of open ones, then starts connecting
  // (unless the endpoint is unusable: then it says why). `tab_id` names this tab's own storage keys.
  void boot(const PageInfo& page, const std::string& stored_identity, const std::vector<StoredEntry>& stored,
            const std::string& tab_id, uint64_t seed, int64_t now);
  // Later, when a tab closes (or crashes): take over its keys the same way.
  void adopt(const std::vector<StoredEntry>& stored, int64_t now);

  bool booted() const { return engine_ != nullptr; }
  Engine& engine() { return *engine_; }
  const Engine& engine() const { return *engine_; }
  const EndpointChoice& endpoint() const { return endpoint_; }
  const std::string& version() const { return version_; }
  Lang lang() const { return lang_; }

  // Socket events (conn = the generation id from ws_open).
  void on_open(uint32_t conn, int64_t now);
  void on_text(uint32_t conn, std::string_view text, int64_t now);
  void on_close(uint32_t conn, int code, std::string_view reason, int64_t now);
  void on_error(uint32_t conn, int64_t now);
  // Time and environment.
  void tick(int64_t now);
  void network_online(int64_t now);
  void network_offline(int64_t now);
  void page_visible(int64_t now);
  void page_hidden(int64_t now);
  // The resident (UI and automation API).
  SendResult send(std::string_view text, int64_t now);
  void retry_message(std::string_view id, int64_t now);
  void delete_message(std::string_view id, int64_t now);
  // `everywhere`: the resident asked here, so the other tabs clear theirs too (false: another tab asked).
  void clear_history(int64_t now, bool everywhere = true);
  // Identity (issue 13). sign_out: "Sair deste aparelho" / BuildingOS.signOut(): the socket closes, nothing
  // more is stored, and the page removes every bos.* key and signs the other tabs out; returns how many
  // messages were not delivered (the warning counted them). signed_out_elsewhere: another tab did it.
  std::size_t sign_out(int64_t now);
  void signed_out_elsewhere(int64_t now);
  // "Trocar para Apto 503?": yes stores the link's identity and reloads; no keeps the current one.
  void answer_switch(bool yes, int64_t now);
  AuthState auth() const;
  const std::string& resident_label() const { return resident_label_; }
  const std::string& switch_name() const { return switch_.name; }
  void reconnect(int64_t now);
  void disconnect(int64_t now);
  void composer_input(int64_t now);
  void composer_blur(int64_t now);
  // What the composer holds and whether it has the focus: the page never reloads for an update while
  // the resident is typing (text in it, or the focus on it).
  void composer_state(bool has_text, bool focused, int64_t now);
  // The offline shell (boot.js): a new build is installed and waiting (state().updateAvailable, the
  // banner); another tab accepted it (this one then loads it as soon as the resident is not typing).
  void update_ready(int64_t now);
  void update_activated(int64_t now);
  bool update_available() const { return update_available_; }
  bool update_accepted() const { return update_accepted_; }

  // The chat view: what the resident asked for in a frame, carried out in the order the view lists it
  // (engine actions first, then the page's: clipboard and its "Copiado" toast, link, notifications, text
  // size); and what the view shows besides the conversation (engine.chat()).
  void apply(const ui::Intents& intents, int64_t now);
  ui::ViewState view_state(int64_t now) const;
  // "Texto maior": the resident's choice, stored under storage_key_large_text() ("1" or "0").
  void restore_large_text(std::string_view stored);
  bool large_text() const { return large_text_; }

  // window.BuildingOS
  std::string api_state_json(int64_t now) const;
  std::string api_messages_json() const;
  std::string api_send_json(std::string_view text, int64_t now);
  std::string message_json(const ChatMessage& m) const;

  // Bumped whenever something the UI draws may have changed.
  uint64_t ui_revision() const { return ui_revision_; }

 private:
  void prepare(const PageInfo& page, const std::string& stored_identity, uint64_t seed, int64_t now);
  // Merges what applies to this resident; returns the keys fully taken over (to delete after writing ours).
  std::vector<std::string> take_over(const std::vector<StoredEntry>& stored, bool include_live, int64_t now);
  void start(int64_t now);
  void run(Effects effects, int64_t now);
  void emit_status_if_changed(int64_t now);
  std::string title_for(int unread) const;
  std::string status_text(int64_t now) const;  // the header's line and state().statusText

  // What buildingos:status reports, without statusText (its countdown changes every second; the event
  // fires on real changes only).
  struct StatusSnapshot {
    ConnState status = ConnState::Idle;
    int attempts = 0;
    std::size_t queued = 0;
    std::string connection_id;
    std::string user_id;
    std::string session_id;
    std::string endpoint;
    int reconnect_attempt = 0;
    bool agent_typing = false;
    bool update_available = false;
    bool offline = false;
    AuthState auth = AuthState::None;
    std::string switch_name;
    bool operator==(const StatusSnapshot&) const = default;
  };
  StatusSnapshot status_snapshot() const;
  void load_update_when_idle(int64_t now);

  Port& port_;
  std::string version_;
  std::unique_ptr<Engine> engine_;
  EndpointChoice endpoint_;
  Lang lang_ = Lang::Pt;
  std::string pending_user_;
  std::string tab_id_;
  std::optional<StatusSnapshot> last_status_;
  bool large_text_ = false;
  // Identity (issue 13): what the token said at boot; auth() derives link_refused from the engine.
  AuthState auth_ = AuthState::None;
  std::string resident_label_;
  bool remove_fragment_ = false;
  struct PendingSwitch {
    std::string user_id, token, name;
  } switch_;
  bool signed_out_ = false;  // nothing is written to storage any more (sign-out, switch)
  std::string toast_;  // "Copiado", until toast_until_ms_
  int64_t toast_until_ms_ = 0;
  uint64_t ui_revision_ = 0;
  bool offline_ = false;            // the device said it has no network; until it says online
  bool update_available_ = false;
  bool update_accepted_ = false;    // accepted here or in another tab: loaded once the resident is not typing
  bool update_loading_ = false;     // asked for once
  bool composer_has_text_ = false;
  bool composer_focused_ = false;
  bool running_ = false;  // re-entrancy guard: effects that cause effects are queued
  Effects queued_;
};

}  // namespace bos::app
