// outbox.hpp: the resident's messages that the server has not acknowledged yet. Never loses one.
//
// A bounded, ordered queue of plain data {client_msg_id, text, created_ms, state, ...}. Messages are
// queued while offline, marked sent per connection, trimmed by acks, resent (same client_msg_id) after a
// reconnect, and serialized to a compact versioned blob the browser keeps in localStorage.
// No I/O, no clock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bos {

// Both stored as codes (stored_format.hpp), never as positions: a new enumerator goes last, with a new code.
enum class OutboxState { Queued, Sent, Failed };
// Unconfirmed: the message may or may not have reached the building (its link died or no ack came, and its
// one automatic resend is spent): the resident decides ("Reenviar" may make it arrive twice).
enum class FailReason { None, TooBig, Unconfirmed };  // stored code 2 (a "rejected" no build produced) reads as None
const char* to_string(FailReason r);

struct OutboxEntry {
  std::string id;          // client_msg_id: unique, stable across resends
  std::string text;        // valid UTF-8, trimmed, ≤ kMaxMessageCodepoints
  int64_t created_ms = 0;
  OutboxState state = OutboxState::Queued;
  FailReason fail_reason = FailReason::None;
  uint32_t sent_on_conn = 0;  // connection generation it was last sent on (0: not on a live connection)
  int64_t sent_ms = 0;        // when it was last sent (ack timeout)
  int send_count = 0;         // how many times it went out (1 = never resent)
};

enum class SendError { None, Empty, TooLong, QueueFull };
const char* to_string(SendError e);

enum class RestoreError { None, TooLarge, InvalidJson, WrongVersion, BadEntry };
const char* to_string(RestoreError e);

struct OutboxLimits {
  std::size_t max_messages = 0;  // 0: kOutboxMaxMessages
  std::size_t max_bytes = 0;     // 0: kOutboxMaxBytes
};

class Outbox {
 public:
  explicit Outbox(OutboxLimits limits = {});

  // Checks the bounds for one more message of `text_bytes`.
  SendError can_accept(std::size_t text_bytes) const;
  // Appends a queued message (call can_accept first; refuses with QueueFull otherwise). Refuses what
  // restore() would refuse: Empty for no id, an id over kMaxShortFieldBytes or no text; TooLong for text
  // over kMaxMessageCodepoints.
  SendError push(OutboxEntry entry);

  OutboxEntry* find(std::string_view id);
  const OutboxEntry* find(std::string_view id) const;
  // The oldest message sent on `conn` and not acked yet.
  OutboxEntry* oldest_sent_on(uint32_t conn);
  bool has_sent_on(uint32_t conn) const;
  // Removes an entry (acked or deleted); returns it.
  std::optional<OutboxEntry> remove(std::string_view id);
  // A connection ended: its sent messages go back to `sent` on no connection, to be resent in order.
  void forget_connection(uint32_t conn);

  std::deque<OutboxEntry>& entries() { return entries_; }
  const std::deque<OutboxEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t unacked() const;  // queued + sent (failed ones wait for the resident)
  bool empty() const { return entries_.empty(); }
  void clear();

  // Acks seen, kept with the outbox (bounded, kOutboxRecentAcks): after a reload only these prove a message
  // the history still shows as open was acked. A blob from an older build has no record (has_ack_record).
  void note_acked(std::string id);
  bool was_acked(std::string_view id) const;
  const std::deque<std::string>& acked_ids() const { return recent_acks_; }
  bool has_ack_record() const { return has_ack_record_; }
  // The backend echoed client_msg_id on some link (deduplicated resends are safe); stored with the outbox.
  bool ids_proven = false;

  // {"v":1,"m":[[id,text,created_ms,state,fail_reason,send_count],...],"a":[acked ids],"ids":1}; state and
  // fail_reason are stored codes. Older builds read "v" and the first five elements of "m" entries only.
  std::string serialize() const;
  // Replaces the contents. On any error the outbox is left empty and the error returned. Codes this build
  // does not know read as the nearest safe state (queued: it goes out again), extra fields are ignored.
  RestoreError restore(std::string_view blob);

  static constexpr int kFormatVersion = 1;

 private:
  std::deque<OutboxEntry> entries_;
  std::deque<std::string> recent_acks_;
  bool has_ack_record_ = true;  // a fresh outbox records every ack; a restored one only if its blob did
  std::size_t bytes_ = 0;
  std::size_t max_messages_;
  std::size_t max_bytes_;
};

}  // namespace bos
