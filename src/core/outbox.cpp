// outbox.cpp: see outbox.hpp.
#include "core/outbox.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "core/stored_format.hpp"
#include "core/utf8.hpp"

namespace bos {

// to_string(FailReason): stored_format.cpp (the names live in the code tables).

const char* to_string(SendError e) {
  switch (e) {
    case SendError::None: return "none";
    case SendError::Empty: return "empty";
    case SendError::TooLong: return "too_long";
    case SendError::QueueFull: return "queue_full";
  }
  return "?";
}

const char* to_string(RestoreError e) {
  switch (e) {
    case RestoreError::None: return "none";
    case RestoreError::TooLarge: return "too_large";
    case RestoreError::InvalidJson: return "invalid_json";
    case RestoreError::WrongVersion: return "wrong_version";
    case RestoreError::BadEntry: return "bad_entry";
  }
  return "?";
}

Outbox::Outbox(OutboxLimits limits)
    : max_messages_(limits.max_messages ? limits.max_messages : kOutboxMaxMessages),
      max_bytes_(limits.max_bytes ? limits.max_bytes : kOutboxMaxBytes) {}

SendError Outbox::can_accept(std::size_t text_bytes) const {
  if (entries_.size() + 1 > max_messages_ || bytes_ + text_bytes > max_bytes_) return SendError::QueueFull;
  return SendError::None;
}

SendError Outbox::push(OutboxEntry entry) {
  // Only what restore() accepts: one entry it refuses would make the whole stored outbox unreadable.
  if (entry.id.empty() || entry.id.size() > kMaxShortFieldBytes || entry.text.empty()) return SendError::Empty;
  if (utf8::count_codepoints(entry.text) > kMaxMessageCodepoints) return SendError::TooLong;
  if (const auto e = can_accept(entry.text.size()); e != SendError::None) return e;
  bytes_ += entry.text.size();
  entries_.push_back(std::move(entry));
  return SendError::None;
}

OutboxEntry* Outbox::find(std::string_view id) {
  for (auto& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const OutboxEntry* Outbox::find(std::string_view id) const {
  for (const auto& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

OutboxEntry* Outbox::oldest_sent_on(uint32_t conn) {
  for (auto& e : entries_) {
    if (e.state == OutboxState::Sent && e.sent_on_conn == conn) return &e;
  }
  return nullptr;
}

bool Outbox::has_sent_on(uint32_t conn) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [conn](const OutboxEntry& e) { return e.state == OutboxState::Sent && e.sent_on_conn == conn; });
}

std::optional<OutboxEntry> Outbox::remove(std::string_view id) {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [id](const OutboxEntry& e) { return e.id == id; });
  if (it == entries_.end()) return std::nullopt;
  OutboxEntry out = std::move(*it);
  bytes_ -= out.text.size();
  entries_.erase(it);
  return out;
}

void Outbox::forget_connection(uint32_t conn) {
  for (auto& e : entries_) {
    if (e.sent_on_conn == conn) e.sent_on_conn = 0;
  }
}

std::size_t Outbox::unacked() const {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                 [](const OutboxEntry& e) { return e.state != OutboxState::Failed; }));
}

void Outbox::clear() {
  entries_.clear();
  recent_acks_.clear();
  has_ack_record_ = true;
  ids_proven = false;
  bytes_ = 0;
}

void Outbox::note_acked(std::string id) {
  if (was_acked(id)) return;
  if (recent_acks_.size() >= kOutboxRecentAcks) recent_acks_.pop_front();
  recent_acks_.push_back(std::move(id));
}

bool Outbox::was_acked(std::string_view id) const {
  return std::find(recent_acks_.begin(), recent_acks_.end(), id) != recent_acks_.end();
}

std::string Outbox::serialize() const {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const auto& e : entries_) {
    // A message that went out is stored as sent: after a reload it is resent with the same id.
    messages.push_back(nlohmann::ordered_json::array(
        {e.id, e.text, e.created_ms, stored_code(e.state), stored_code(e.fail_reason), e.send_count}));
  }
  nlohmann::ordered_json j = {{"v", kFormatVersion}, {"m", std::move(messages)}};
  j["a"] = recent_acks_;
  if (ids_proven) j["ids"] = 1;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

RestoreError Outbox::restore(std::string_view blob) {
  clear();
  nlohmann::ordered_json doc;
  const nlohmann::ordered_json* m = nullptr;
  if (const auto err = read_stored_list(blob, kFormatVersion, doc, m); err != RestoreError::None) return err;
  std::deque<OutboxEntry> restored;
  std::size_t bytes = 0;
  // Entry: [id, text, created_ms, state, fail_reason, send_count, ...]; elements a newer build appends are
  // ignored (and older builds ignore send_count).
  enum : std::size_t { kId, kText, kCreated, kState, kFailReason, kSendCount, kRequiredElements = kFailReason };
  for (const auto& item : *m) {
    if (!item.is_array() || item.size() < kRequiredElements || !item[kId].is_string() || !item[kText].is_string() ||
        !item[kCreated].is_number_integer() || !item[kState].is_number_integer()) {
      return RestoreError::BadEntry;
    }
    OutboxEntry e;
    e.id = item[kId].get<std::string>();
    e.text = utf8::repair(item[kText].get_ref<const std::string&>());
    e.created_ms = item[kCreated].get<int64_t>();
    if (e.id.empty() || e.id.size() > kMaxShortFieldBytes || e.text.empty() ||
        utf8::count_codepoints(e.text) > kMaxMessageCodepoints) {
      return RestoreError::BadEntry;
    }
    // A state a newer build added reads as queued: the message goes out again and claims nothing.
    e.state = outbox_state_from_stored(item[kState].get<int64_t>());
    // How often it went out: a reload does not renew its one automatic resend. Without the field (an older
    // build), a sent one went out once.
    if (item.size() > kSendCount && item[kSendCount].is_number_integer()) {
      e.send_count = static_cast<int>(std::clamp<int64_t>(item[kSendCount].get<int64_t>(), 0, 1'000'000));
    }
    if (e.state == OutboxState::Sent && e.send_count < 1) e.send_count = 1;
    if (item.size() > kFailReason && item[kFailReason].is_number_integer()) {
      e.fail_reason = fail_reason_from_stored(item[kFailReason].get<int64_t>());
    }
    const bool duplicate = std::any_of(restored.begin(), restored.end(), [&](const OutboxEntry& o) { return o.id == e.id; });
    if (duplicate) continue;
    if (restored.size() + 1 > max_messages_ || bytes + e.text.size() > max_bytes_) return RestoreError::TooLarge;
    bytes += e.text.size();
    restored.push_back(std::move(e));
  }
  // Fields older builds do not write: a bad one is ignored (it only ever adds proof, never takes any).
  std::deque<std::string> acks;
  bool has_record = false;
  if (const auto a = doc.find("a"); a != doc.end() && a->is_array()) {
    has_record = true;
    for (const auto& id : *a) {
      if (id.is_string() && !id.get_ref<const std::string&>().empty() && id.get_ref<const std::string&>().size() <= kMaxShortFieldBytes &&
          acks.size() < kOutboxRecentAcks) {
        acks.push_back(id.get<std::string>());
      }
    }
  }
  const auto ids = doc.find("ids");
  entries_ = std::move(restored);
  recent_acks_ = std::move(acks);
  has_ack_record_ = has_record;
  ids_proven = ids != doc.end() && ids->is_number_integer() && ids->get<int64_t>() == 1;
  bytes_ = bytes;
  return RestoreError::None;
}

}  // namespace bos
