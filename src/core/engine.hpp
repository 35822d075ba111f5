// engine.hpp: the resident chat's client engine, written once, driven by the browser and by tests.
//
// Index
//   [SECTION] Config          EngineConfig: every timing and policy with its default
//   [SECTION] Effects         what the engine asks the platform to do (open/send/close, persist, notify, ...)
//   [SECTION] Link            one record per connection: current, next (a rotation), draining
//   [SECTION] Engine          events in (socket, time, page, network, resident), effects out
//
// The engine owns no socket, no timer, no clock and no storage. The platform (wasm/ in the browser,
// tests/support/ in tests) feeds it events with `now_ms` (wall-clock milliseconds) and carries out the
// effects it returns. Timers are deadlines in state, checked in tick(); call tick() from an interval
// timer too (requestAnimationFrame stops in background tabs) and on page_visible().
//
// Connection states: idle → connecting → connected → (drop) → reconnecting (n/5) → failed (still retrying
// at the cap, "Tentar agora" retries at once) ; closed after the resident's disconnect().
// Every connection has a generation id; events from a connection that is no longer current are ignored,
// except during a rotation (API Gateway closes connections after 2 h: the engine opens the next one first).
//
// Code: engine.cpp (lifecycle, connections, deadlines), engine_messages.cpp (frames, outbox, typing);
// the rules for stored state in restore.hpp, identity and ids in identity.hpp, stored codes in
// stored_format.hpp.
#pragma once
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/backoff.hpp"
#include "core/chat.hpp"
#include "core/deadline.hpp"
#include "core/identity.hpp"
#include "core/limits.hpp"
#include "core/outbox.hpp"
#include "core/protocol.hpp"
#include "core/strings.hpp"

namespace bos {

// [SECTION] Config ------------------------------------------------------------------------------------

struct EngineConfig {
  std::string endpoint;            // ws(s)://host[/stage]; user_id and session_id are appended
  // The page itself is on a loopback host (the platform knows; the engine cannot). ws:// endpoints are
  // accepted only with this set and a loopback endpoint host; false, the safe default, accepts only wss://
  // (and reports a ws:// endpoint as insecure_outside_loopback).
  bool page_is_loopback = false;
  std::string user_id;             // empty: a random "web-user-..." (persisted through a Persist effect)
  std::string session_id;          // empty: a random "session-..."
  std::string token;               // the resident's link token (token.hpp), sent as &token=; stored with the ids
  bool persist_identity = false;   // the identity is new to this device (a link): store it at start()
  uint64_t seed = 0;               // random source (jitter, ids); the browser passes crypto random bits
  Lang lang = Lang::Pt;
  ReconnectPolicy reconnect{};
  int64_t connect_timeout_ms = 10'000;
  int64_t heartbeat_interval_ms = 30'000;   // the seed's interval; API Gateway idles out after 10 min
  int64_t heartbeat_timeout_ms = 10'000;    // no frame this long after a heartbeat: the link is dead
  int64_t rotate_after_ms = 110 * 60'000;   // API Gateway closes after 2 h: rotate 10 min before
  int64_t rotate_retry_ms = 60'000;         // a failed rotation is tried again after this
  int64_t drain_timeout_ms = 30'000;        // the old connection is closed at the latest after this
  int64_t drain_linger_ms = 2'000;          // ...and no sooner than this after its last ack (late frames)
  int64_t ack_timeout_ms = 20'000;          // ids: a sent message without ack is resent, waiting twice as long
  int64_t ack_timeout_max_ms = 300'000;     // ...each time, up to this
  // Links whose acks carry no client_msg_id (the seed's Lambdas; docs/delivery.md). No ack within
  // ack_timeout_ms: the queue moves to a fresh link and the old one drains until the message's Lambda can no
  // longer answer: API Gateway's integration timeout plus a margin for the frame's way back.
  int64_t late_ack_window_ms = kIntegrationTimeoutMs + kLateAckMarginMs;
  int64_t late_move_retry_ms = 5'000;       // a fresh link for that move did not open: tried again after this
  // After an ack without id, the next message waits this long: the enhanced handler's error frame (its SNS
  // publish failed right after the ack, in the same invocation) then can only be for the message just acked.
  // A slower failure still finds its message within error_attribution_ms, or takes several ✓✓ back.
  int64_t error_settle_ms = 500;
  // An error frame without id may belong to a message acked on its link this recently (a publish can hang).
  int64_t error_attribution_ms = 30'000;
  // A reply is credited ("answered") only to a message of this tab acked this recently.
  int64_t answer_window_ms = 120'000;
  int64_t typing_idle_ms = 1'000;           // typing:false after this long without a keystroke
  int64_t agent_typing_timeout_ms = 60'000; // a lost typing:false never leaves the indicator on forever
  int64_t history_persist_delay_ms = 1'000; // history writes are batched (bursts of messages)
  int64_t dedupe_window_ms = 5'000;         // after a rotation, the other copy of a broadcast may still come
  OutboxLimits outbox{};
};

enum class ConnState { Idle, Connecting, Connected, Reconnecting, Failed, Closed };
const char* to_string(ConnState s);

// [SECTION] Effects -----------------------------------------------------------------------------------

struct OpenSocket {
  uint32_t conn = 0;
  std::string url;
};
struct SendText {
  uint32_t conn = 0;
  std::string text;
};
struct CloseSocket {
  uint32_t conn = 0;
  int code = kCloseNormal;  // kCloseNormal or kCloseAppFirst-kCloseAppLast (what browsers accept from a client)
  std::string reason;       // at most kMaxCloseReasonBytes
};
enum class StoreKey { Identity, Outbox, History };
const char* to_string(StoreKey k);
struct Persist {
  StoreKey key = StoreKey::Outbox;
  std::string data;  // versioned JSON; empty string: remove the key
};
struct Notify {
  std::string title;
  std::string body;
};
enum class UiEventKind { StatusChanged, MessageAdded, MessageChanged, MessageRemoved, HistoryReset, TypingChanged, UnreadChanged };
struct UiEvent {
  UiEventKind kind = UiEventKind::StatusChanged;
  uint64_t seq = 0;  // the message, for Message* events
};
enum class LogLevel { Info, Warn, Error };
struct Log {
  LogLevel level = LogLevel::Info;
  std::string text;
};
using Effect = std::variant<OpenSocket, SendText, CloseSocket, Persist, Notify, UiEvent, Log>;
using Effects = std::vector<Effect>;

struct SendResult {
  SendError error = SendError::None;
  std::string id;  // client_msg_id when accepted
  Effects effects;
};

struct EngineStats {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t invalid_frames = 0;
  uint64_t invalid_by_error[kFrameErrorCount] = {};  // indexed by FrameError
  uint64_t acks_unmatched = 0;
  uint64_t acks_duplicate = 0;
  uint64_t cross_connection_duplicates = 0;  // the same broadcast seen on both connections of a rotation
  uint64_t connections_opened = 0;
  uint64_t connection_failures = 0;
  uint64_t dead_links = 0;
  uint64_t rotations = 0;
  uint64_t resends = 0;
  uint64_t gateway_errors = 0;
  uint64_t heartbeats_sent = 0;
  uint64_t late_ack_moves = 0;         // no ack without ids: the queue moved to a fresh link
  uint64_t acks_ambiguous = 0;         // an ack without id while several messages waited on its link
  uint64_t errors_attributed = 0;      // an error frame taken as exactly one message's
  uint64_t errors_ambiguous = 0;       // ...or as possibly several: their ✓✓ taken back
  uint64_t unconfirmed = 0;            // messages whose fate stayed unknown: "Sem confirmação"
  uint64_t replies_uncredited = 0;     // an answer that could not be tied to exactly one message of this tab
  uint64_t storage_failures = 0;       // failed writes to the platform's storage
};
static_assert(std::size(EngineStats{}.invalid_by_error) == kFrameErrorCount, "one counter per FrameError");

// Identity, parse_identity, serialize_identity, is_valid_resident_id: see identity.hpp.

// [SECTION] Link --------------------------------------------------------------------------------------

enum class LinkState { Opening, Open };
// How this link's acks name the message they are for, learned from its acks: one echoing client_msg_id →
// Ids, one without → NoIds. Unknown (no ack yet) behaves as NoIds. docs/delivery.md has the guarantees.
enum class DeliveryMode { Unknown, Ids, NoIds };
const char* to_string(DeliveryMode m);
// Whether the page could save its outbox: the platform reports each write (storage_written).
enum class StorageState { Ok, Failing };
const char* to_string(StorageState s);

// One connection: everything that is true of it and ends with it. Held as Engine's current_, next_ and
// draining_; a slot is emptied with one assignment (`link = {}`), so nothing of it outlives it.
struct Link {
  uint32_t id = 0;                          // connection generation (OpenSocket.conn); 0: the slot is empty
  LinkState state = LinkState::Opening;
  int64_t opened_at_ms = 0;
  int64_t last_frame_ms = 0;                // the last frame from the server on it
  int64_t connect_deadline_ms = kNever;     // opening: given up then (close kCloseConnectTimeout)
  int64_t heartbeat_due_ms = kNever;        // open: the next heartbeat
  int64_t pong_deadline_ms = kNever;        // a heartbeat is unanswered: no frame by then, the link is dead
  int64_t rotate_at_ms = kNever;            // current: the next connection is opened then (API Gateway's 2 h)
  int64_t drain_deadline_ms = kNever;       // draining: closed at the latest then
  bool typing_sent = false;                 // the server was told the resident is typing (it forgets per link)
  int64_t typing_idle_deadline_ms = kNever; // ...and is told typing:false then
  std::string connection_id;                // the server's name for it (status frame), "" until it says
  std::string last_chat_id;                 // the last chat message sent on it (a 1009 close blames it)
  DeliveryMode delivery = DeliveryMode::Unknown;
  int64_t settle_until_ms = 0;              // no ids: the next message waits for an error frame until then (0: no)
  bool late_ack_move = false;               // next_: opened because no ack came; draining_: waits for that ack
  int64_t late_move_not_before_ms = 0;      // current: a failed move is tried again from then
  struct RecentAck {
    std::string id;
    int64_t at_ms;
    int send_count;  // how often it had gone out when acked
  };
  std::vector<RecentAck> recent_acks;       // no ids: messages acked here an error frame may still be for

  bool active() const { return id != 0; }
  bool open() const { return id != 0 && state == LinkState::Open; }
};

// [SECTION] Engine ------------------------------------------------------------------------------------

class Engine {
 public:
  explicit Engine(EngineConfig config);

  // Restore persisted state before start() (outbox, history). A corrupt or unknown blob restores to
  // empty and reports why through a Log effect (never a crash, never a blank page).
  Effects restore(StoreKey key, std::string_view blob, int64_t now_ms);
  // Another tab's stored state (tabs never share keys, so none can clobber another's).
  //  - Outbox of a tab that is gone: its messages are adopted (sent from here, same client_msg_id).
  //  - History: merged. For a tab that is gone, its resident messages that are still open and in no outbox
  //    show acked only if an ack was recorded for them (that tab's record comes with its adopted outbox);
  //    the others are recovered into our outbox (settle_closed_tab_history).
  struct MergeSource {
    bool live_tab = false;        // the other tab is still open: read only
    // history only: that tab's outbox was read back and fully adopted (informational since the ack record
    // decides; kept for callers)
    bool outbox_adopted = false;
  };
  struct MergeResult {
    bool readable = false;  // the blob parsed (an unreadable one is reported and can only be discarded)
    bool complete = false;  // everything was taken over: the stored copy may be deleted
  };
  Effects merge_stored(StoreKey key, std::string_view blob, MergeSource source, int64_t now_ms,
                       MergeResult* result = nullptr);
  // Writes outbox and history now (after merging, before the caller deletes what it merged).
  Effects persist_now(int64_t now_ms);
  Effects start(int64_t now_ms);
  Effects disconnect(int64_t now_ms);  // close kCloseNormal, no reconnect, the outbox stays
  Effects reconnect(int64_t now_ms);   // "Tentar agora": at once, whatever the backoff says

  // Socket events from the platform, tagged with the connection generation from OpenSocket.
  Effects on_open(uint32_t conn, int64_t now_ms);
  Effects on_text(uint32_t conn, std::string_view text, int64_t now_ms);
  Effects on_close(uint32_t conn, int code, std::string_view reason, int64_t now_ms);
  Effects on_error(uint32_t conn, int64_t now_ms);
  Effects on_send_failed(uint32_t conn, int64_t now_ms);
  // The platform tried to store a Persist effect: `ok` false means the write failed (quota, private mode).
  Effects storage_written(StoreKey key, bool ok, int64_t now_ms);

  // Time and environment.
  Effects tick(int64_t now_ms);
  Effects network_online(int64_t now_ms);
  Effects network_offline(int64_t now_ms);
  Effects page_visible(int64_t now_ms);
  Effects page_hidden(int64_t now_ms);  // also flushes pending history writes (pagehide may follow)

  // The resident.
  SendResult send_chat(std::string_view text, int64_t now_ms);
  Effects retry_message(std::string_view id, int64_t now_ms);
  Effects delete_message(std::string_view id, int64_t now_ms);
  Effects clear_history(int64_t now_ms);  // keeps messages still waiting to be delivered
  Effects composer_input(int64_t now_ms);
  Effects composer_blur(int64_t now_ms);

  // State for the UI and the automation API.
  ConnState state() const { return state_; }
  std::string status_text(int64_t now_ms) const;
  bool show_try_now() const;
  int attempts() const { return attempts_since_open_; }
  int reconnect_attempt() const { return reconnect_attempt_; }
  int64_t next_retry_at_ms() const { return retry_at_; }
  std::size_t queued() const { return outbox_.unacked(); }
  const std::string& connection_id() const { return current_.connection_id; }
  const std::string& user_id() const { return user_id_; }
  const std::string& session_id() const { return session_id_; }
  // The session id this tab connects and sends with: session_id() + "." + a per-load token, so that the
  // backend's replies (sent to every connection with the asking message's session_id) name the tab.
  const std::string& tab_session_id() const { return tab_session_id_; }
  DeliveryMode delivery_mode() const { return current_.delivery; }
  // The backend proved on some link of this page (or a stored outbox) that it echoes client_msg_id.
  bool ids_proven() const { return ids_proven_; }
  StorageState storage() const { return storage_; }
  // The banner for a failing outbox write ("" when writes succeed).
  std::string storage_notice() const;
  const ChatModel& chat() const { return chat_; }
  const Outbox& outbox() const { return outbox_; }
  const EngineStats& stats() const { return stats_; }
  int unread() const { return unread_; }
  Lang lang() const { return config_.lang; }
  const EngineConfig& config() const { return config_; }
  uint32_t current_connection() const { return current_.id; }
  bool rotating() const { return draining_.active() || next_.active(); }
  // The connections, for tests and the automation API (read only).
  const Link& current_link() const { return current_; }
  const Link& next_link() const { return next_; }
  const Link& draining_link() const { return draining_; }
  // The earliest deadline in state (kNever if none): the platform may sleep until then.
  int64_t next_deadline_ms() const;

 private:
  void reconcile_restored();
  // connection lifecycle
  void open_connection(int64_t now, bool rotation);
  void connection_opened(int64_t now);
  void mark_open(Link& link, int64_t now);
  void connection_lost(int64_t now, bool was_open, const char* why);
  void close_socket(uint32_t conn, int code, const char* reason);
  void release(Link& link);  // its sent messages go out again elsewhere (or stay unconfirmed); slot emptied
  void fate_unknown(OutboxEntry& e);
  void settle_unknown_fates();  // fate_unknown for every sent entry on no connection (restored, adopted)
  void not_executed(const std::string& id, int send_count, int64_t now);
  void forget_answer_wait(const std::string& id);
  OutboxEntry* reinstate(const std::string& id, OutboxState state, int send_count, int64_t now);
  void take_back(const std::string& id, int64_t now);
  void set_failed(OutboxEntry& e, FailReason reason);
  void learn_mode(Link& link, bool has_id);
  Link* link_of(uint32_t conn);
  void handle_error(uint32_t conn, const ServerFrame& f, int64_t now);
  void credit_answer(const ServerFrame& f, int64_t now);
  void move_queue_to_fresh_link(int64_t now);
  void close_link(Link& link, int code, const char* reason);
  void abandon_rotation(int64_t now);
  void refused(int code, std::string_view reason);
  void schedule_retry(int64_t now);
  void retry_now(int64_t now);
  void set_state(ConnState s);
  void check_deadlines(int64_t now);
  void send_heartbeat(int64_t now);
  void probe(int64_t now);
  void finish_drain(int64_t now, const char* why);
  void drain_idle(int64_t now);
  bool dedupe_across_connections(uint32_t conn, std::string_view text, int64_t now);
  // outbox
  void flush(int64_t now);
  void send_entry(OutboxEntry& e, int64_t now);
  int64_t ack_timeout_for(const OutboxEntry& e) const;
  void resend_overdue(int64_t now);
  void persist_outbox();
  void persist_history();
  void mark_history_dirty(int64_t now);
  void show_sent_in_chat();
  // dispatch
  void handle_frame(uint32_t conn, const ServerFrame& f, int64_t now);
  void handle_ack(uint32_t conn, const ServerFrame& f, int64_t now);
  void add_incoming(Role role, std::string text, int64_t ts, Priority priority, int64_t now);
  void stop_agent_typing(int64_t now);
  void send_typing(bool typing, int64_t now);
  void send_frame(uint32_t conn, std::string text);
  void emit(Effect e) { out_.push_back(std::move(e)); }
  void log(LogLevel level, std::string text) { emit(Log{level, std::move(text)}); }
  void ui(UiEventKind kind, uint64_t seq = 0) { emit(UiEvent{kind, seq}); }
  Effects take() { Effects e; e.swap(out_); return e; }

  EngineConfig config_;
  uint64_t rng_;
  std::string user_id_;
  std::string session_id_;
  std::string tab_session_id_;
  std::string tab_token_;
  bool ids_proven_ = false;
  StorageState storage_ = StorageState::Ok;
  bool store_failing_[3] = {};  // by StoreKey: its last write failed
  // This page's acked messages that may still get their answer (oldest first).
  struct AwaitingAnswer {
    std::string id;
    int64_t acked_ms;
  };
  std::vector<AwaitingAnswer> awaiting_answer_;
  bool identity_generated_ = false;
  bool outbox_restored_ = false;  // a stored outbox was read back intact
  bool history_restored_ = false; // restore(History) ran: reconcile it with the outbox at start()
  ConnState state_ = ConnState::Idle;

  uint32_t conn_gen_ = 0;
  Link current_;   // the connection sends go to (or the attempt in flight)
  Link next_;      // a rotation: the next connection, opening while current_ still serves
  Link draining_;  // the previous connection after a rotation, until its acks are in

  int reconnect_attempt_ = 0;    // backoff step; resets only after a connection stayed up stable_after_ms
  int attempts_since_open_ = 0;  // failed attempts since the last open (automation API)
  bool stopped_by_server_ = false;
  int refused_code_ = 0;
  int64_t retry_at_ = kNever;    // when the next connection is opened (current_ is empty until then)

  // Cross-connection dedupe (a broadcast arrives on both connections of a rotation).
  struct SeenFrame {
    uint32_t conn;
    uint64_t hash;
  };
  std::vector<SeenFrame> seen_frames_;
  int64_t dedupe_until_ = 0;

  int64_t agent_typing_deadline_ = kNever;
  int64_t history_persist_due_ = kNever;
  bool visible_ = true;
  int unread_ = 0;

  Outbox outbox_;
  ChatModel chat_;
  EngineStats stats_;
  Effects out_;
};

}  // namespace bos
