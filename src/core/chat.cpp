// chat.cpp: see chat.hpp.
//
// Index
//   [SECTION] Content ids and indexes   ids of received messages; the indexes that spare scans
//   [SECTION] Messages                  append, find, state, remove, temporary lines, agent typing
//   [SECTION] Stored form               serialize, restore (codes from stored_format.hpp)
//   [SECTION] Merge                     another tab's history into this one
#include "core/chat.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>
#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/limits.hpp"
#include "core/stored_format.hpp"
#include "core/utf8.hpp"

namespace bos {

// to_string(Role), to_string(MessageState): stored_format.cpp (the names live in the code tables).

// [SECTION] Content ids and indexes -------------------------------------------------------------------

namespace {
// Separators between the hashed parts. They (and the role names) are part of every received message's id,
// in every tab and every stored history: changing one changes every id.
constexpr uint64_t kTimestampSeparator = 0x9E;
constexpr uint64_t kTextSeparator = 0x37;

uint64_t content_hash(Role role, int64_t timestamp_ms, std::string_view text) {
  uint64_t h = fnv1a(to_string(role));
  h = fnv1a(std::to_string(timestamp_ms), h ^ kTimestampSeparator);
  return fnv1a(text, h ^ kTextSeparator);
}

// How far a resident's message got: the furthest wins when two tabs disagree.
int progress(MessageState s) {
  switch (s) {
    case MessageState::Queued: return 0;
    case MessageState::Failed: return 1;
    case MessageState::Sent: return 2;
    case MessageState::Acked: return 3;
    case MessageState::Answered: return 4;
    case MessageState::Received: return 5;
  }
  return 0;
}
}  // namespace

std::string ChatModel::content_id(Role role, int64_t timestamp_ms, std::string_view text) const {
  const uint64_t h = content_hash(role, timestamp_ms, text);
  const auto it = content_counts_.find(h);
  char buf[sizeof "h0123456789abcdef-4294967295"];
  std::snprintf(buf, sizeof buf, "h%016llx-%u", static_cast<unsigned long long>(h),
                it == content_counts_.end() ? 0u : it->second);
  return buf;
}

void ChatModel::reindex() {
  content_counts_.clear();
  temporary_seqs_.clear();
  acked_seqs_.clear();
  for (const auto& m : messages_) {
    if (m.role != Role::User && !m.temporary) ++content_counts_[content_hash(m.role, m.timestamp_ms, m.text)];
    if (m.temporary) temporary_seqs_.push_back(m.seq);
    if (m.role == Role::User && m.state == MessageState::Acked) acked_seqs_.insert(m.seq);
  }
}

void ChatModel::forget(const ChatMessage& m) {
  if (m.temporary) temporary_seqs_.erase(std::remove(temporary_seqs_.begin(), temporary_seqs_.end(), m.seq), temporary_seqs_.end());
  acked_seqs_.erase(m.seq);
}

void ChatModel::touch(ChatMessage& m) {
  ++m.version;
  ++revision_;
}

// [SECTION] Messages ----------------------------------------------------------------------------------

uint64_t ChatModel::append(ChatMessage m) {
  m.seq = next_seq_++;
  if (m.id.empty() && m.role != Role::User && !m.temporary) m.id = content_id(m.role, m.timestamp_ms, m.text);
  if (m.id.empty()) m.id = id_prefix_ + std::to_string(m.seq);
  if (m.role != Role::User && !m.temporary) ++content_counts_[content_hash(m.role, m.timestamp_ms, m.text)];
  m.version = 1;
  if (m.temporary) temporary_seqs_.push_back(m.seq);
  if (m.role == Role::User && m.state == MessageState::Acked) acked_seqs_.insert(m.seq);
  messages_.push_back(std::move(m));
  while (messages_.size() > kHistoryMaxMessages) {
    forget(messages_.front());
    messages_.pop_front();
  }
  ++revision_;
  return messages_.back().seq;
}

ChatMessage* ChatModel::find_seq(uint64_t seq) {
  // seq increases along the deque: binary search.
  const auto it = std::lower_bound(messages_.begin(), messages_.end(), seq,
                                   [](const ChatMessage& m, uint64_t s) { return m.seq < s; });
  return (it != messages_.end() && it->seq == seq) ? &*it : nullptr;
}

const ChatMessage* ChatModel::find_seq(uint64_t seq) const {
  const auto it = std::lower_bound(messages_.begin(), messages_.end(), seq,
                                   [](const ChatMessage& m, uint64_t s) { return m.seq < s; });
  return (it != messages_.end() && it->seq == seq) ? &*it : nullptr;
}

ChatMessage* ChatModel::find_id(std::string_view id) {
  // Newest first: acks and state changes are almost always about recent messages.
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->id == id) return &*it;
  }
  return nullptr;
}

const ChatMessage* ChatModel::find_id(std::string_view id) const {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->id == id) return &*it;
  }
  return nullptr;
}

bool ChatModel::set_state(std::string_view id, MessageState state, FailReason reason) {
  ChatMessage* m = find_id(id);
  if (!m || (m->state == state && m->fail_reason == reason)) return false;
  if (m->role == Role::User) {
    if (state == MessageState::Acked) acked_seqs_.insert(m->seq);
    else acked_seqs_.erase(m->seq);
  }
  m->state = state;
  m->fail_reason = reason;
  touch(*m);
  return true;
}

bool ChatModel::remove_id(std::string_view id) {
  const auto it = std::find_if(messages_.begin(), messages_.end(), [id](const ChatMessage& m) { return m.id == id; });
  if (it == messages_.end()) return false;
  forget(*it);
  messages_.erase(it);
  ++revision_;
  return true;
}

std::vector<uint64_t> ChatModel::remove_temporary() {
  std::vector<uint64_t> removed;
  removed.swap(temporary_seqs_);
  for (const uint64_t seq : removed) {
    const auto it = std::lower_bound(messages_.begin(), messages_.end(), seq,
                                     [](const ChatMessage& m, uint64_t s) { return m.seq < s; });
    if (it != messages_.end() && it->seq == seq) messages_.erase(it);
  }
  if (!removed.empty()) ++revision_;
  return removed;
}

ChatMessage* ChatModel::oldest_acked_user_message() {
  return acked_seqs_.empty() ? nullptr : find_seq(*acked_seqs_.begin());
}

void ChatModel::clear() {
  messages_.clear();
  reindex();
  agent_typing_ = false;
  typing_agent_.clear();
  ++revision_;
}

void ChatModel::set_agent_typing(bool typing, std::string_view agent, int64_t now_ms) {
  if (typing == agent_typing_ && agent == typing_agent_) return;
  agent_typing_ = typing;
  typing_agent_.assign(agent);
  agent_typing_since_ms_ = now_ms;
  ++revision_;
}

// [SECTION] Stored form -------------------------------------------------------------------------------

namespace {
// The blob's envelope, {"v":1,"m":[...]}, with room to spare: counted against kHistoryPersistBytes.
constexpr std::size_t kEnvelopeBytes = 32;
}  // namespace

std::string ChatModel::serialize() const {
  // Walk back from the newest until the count or byte budget is reached, then write oldest first.
  std::vector<nlohmann::ordered_json> items;
  std::size_t bytes = kEnvelopeBytes;
  for (auto it = messages_.rbegin(); it != messages_.rend() && items.size() < kHistoryPersistMessages; ++it) {
    if (it->temporary) continue;
    nlohmann::ordered_json o = {{"i", it->id}, {"r", stored_code(it->role)}, {"s", stored_code(it->state)},
                                {"t", it->text}, {"ts", it->timestamp_ms}};
    if (it->priority != Priority::Normal) o["p"] = stored_code(it->priority);
    if (it->fail_reason != FailReason::None) o["f"] = stored_code(it->fail_reason);
    const auto size = o.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).size() + 1;
    if (bytes + size > kHistoryPersistBytes) break;
    bytes += size;
    items.push_back(std::move(o));
  }
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (auto it = items.rbegin(); it != items.rend(); ++it) arr.push_back(std::move(*it));
  nlohmann::ordered_json j = {{"v", kFormatVersion}, {"m", std::move(arr)}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

RestoreError ChatModel::restore(std::string_view blob) {
  messages_.clear();
  reindex();
  agent_typing_ = false;
  ++revision_;
  nlohmann::ordered_json doc;
  const nlohmann::ordered_json* m = nullptr;
  if (const auto err = read_stored_list(blob, kFormatVersion, doc, m); err != RestoreError::None) return err;
  std::deque<ChatMessage> restored;
  for (const auto& o : *m) {
    if (!o.is_object()) return RestoreError::BadEntry;
    const auto i = o.find("i"), r = o.find("r"), s = o.find("s"), t = o.find("t"), ts = o.find("ts");
    if (i == o.end() || !i->is_string() || r == o.end() || !r->is_number_integer() || s == o.end() ||
        !s->is_number_integer() || t == o.end() || !t->is_string() || ts == o.end() || !ts->is_number_integer()) {
      return RestoreError::BadEntry;
    }
    // Codes a newer build may have added read as the nearest safe known value (stored_format.hpp), and
    // fields this build does not know are ignored: neither makes the blob unreadable.
    ChatMessage msg;
    msg.id.assign(utf8::truncate(utf8::repair(i->get_ref<const std::string&>()), kMaxShortFieldBytes));
    msg.role = role_from_stored(r->get<int64_t>());
    msg.state = message_state_from_stored(s->get<int64_t>(), msg.role);
    msg.text = utf8::repair(utf8::truncate(t->get_ref<const std::string&>(), kMaxDisplayTextBytes));
    msg.timestamp_ms = ts->get<int64_t>();
    const auto p = o.find("p");
    if (p != o.end() && p->is_number_integer()) msg.priority = priority_from_stored(p->get<int64_t>());
    const auto f = o.find("f");
    if (f != o.end() && f->is_number_integer()) msg.fail_reason = fail_reason_from_stored(f->get<int64_t>());
    restored.push_back(std::move(msg));
    if (restored.size() > kHistoryPersistMessages) restored.pop_front();
  }
  for (auto& msg : restored) {
    msg.seq = next_seq_++;
    if (msg.id.empty()) msg.id = id_prefix_ + std::to_string(msg.seq);
    msg.version = 1;
    messages_.push_back(std::move(msg));
  }
  reindex();
  return RestoreError::None;
}

// [SECTION] Merge -------------------------------------------------------------------------------------

RestoreError ChatModel::merge(std::string_view blob) {
  ChatModel other;
  if (const auto err = other.restore(blob); err != RestoreError::None) return err;
  merge(other);
  return RestoreError::None;
}

void ChatModel::merge(const ChatModel& other) {
  std::unordered_map<std::string_view, const ChatMessage*> theirs;
  for (const auto& m : other.messages_) {
    if (!m.temporary) theirs.emplace(m.id, &m);
  }
  std::unordered_set<std::string> ours;  // copies: our messages are moved out below
  for (const auto& m : messages_) ours.insert(m.id);

  // Interleave: each side keeps its own order (a reply may carry an earlier, second-resolution timestamp
  // than the question it answers), shared messages line up, the rest go by timestamp.
  std::deque<ChatMessage> merged;
  auto a = messages_.begin();
  auto b = other.messages_.begin();
  while (a != messages_.end() || b != other.messages_.end()) {
    const bool skip_b = b != other.messages_.end() &&
                        (b->temporary || (ours.count(b->id) && (a == messages_.end() || a->id != b->id)));
    if (skip_b) {
      ++b;  // their "processing" line, or ours has it too (it is emitted at our position)
      continue;
    }
    const bool take_a = b == other.messages_.end() ||
                        (a != messages_.end() && (a->id == b->id || a->timestamp_ms <= b->timestamp_ms));
    if (take_a) {
      ChatMessage m = std::move(*a);
      if (const auto it = theirs.find(m.id); it != theirs.end() && m.role == Role::User &&
                                                 progress(it->second->state) > progress(m.state)) {
        m.state = it->second->state;
        m.fail_reason = it->second->fail_reason;
      }
      if (b != other.messages_.end() && b->id == m.id) ++b;
      merged.push_back(std::move(m));
      ++a;
    } else {
      merged.push_back(*b);
      ++b;
    }
  }
  while (merged.size() > kHistoryMaxMessages) merged.pop_front();
  for (auto& m : merged) {
    m.seq = next_seq_++;
    m.version = 1;
  }
  messages_ = std::move(merged);
  reindex();
  ++revision_;
}

}  // namespace bos
