// chat.cpp: see chat.hpp.
#include "core/chat.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>
#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "core/utf8.hpp"

namespace bos {

const char* to_string(Role r) {
  switch (r) {
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    case Role::System: return "system";
    case Role::Notification: return "notification";
    case Role::Error: return "error";
  }
  return "?";
}

const char* to_string(MessageState s) {
  switch (s) {
    case MessageState::Queued: return "queued";
    case MessageState::Sent: return "sent";
    case MessageState::Acked: return "acked";
    case MessageState::Answered: return "answered";
    case MessageState::Failed: return "failed";
    case MessageState::Received: return "received";
  }
  return "?";
}

namespace {
uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t content_hash(Role role, int64_t timestamp_ms, std::string_view text) {
  uint64_t h = fnv1a(to_string(role));
  h = fnv1a(std::to_string(timestamp_ms), h ^ 0x9E);
  return fnv1a(text, h ^ 0x37);
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
  char buf[40];
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

namespace {
int role_code(Role r) { return static_cast<int>(r); }
int state_code(MessageState s) { return static_cast<int>(s); }
}  // namespace

std::string ChatModel::serialize() const {
  // Walk back from the newest until the count or byte budget is reached, then write oldest first.
  std::vector<nlohmann::ordered_json> items;
  std::size_t bytes = 32;
  for (auto it = messages_.rbegin(); it != messages_.rend() && items.size() < kHistoryPersistMessages; ++it) {
    if (it->temporary) continue;
    nlohmann::ordered_json o = {{"i", it->id}, {"r", role_code(it->role)}, {"s", state_code(it->state)},
                        {"t", it->text}, {"ts", it->timestamp_ms}};
    if (it->priority == Priority::High) o["p"] = 1;
    if (it->fail_reason != FailReason::None) o["f"] = static_cast<int>(it->fail_reason);
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
  if (blob.size() > kMaxPersistedBlobBytes) return RestoreError::TooLarge;
  const auto j = nlohmann::ordered_json::parse(blob.begin(), blob.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return RestoreError::InvalidJson;
  const auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != kFormatVersion) return RestoreError::WrongVersion;
  const auto m = j.find("m");
  if (m == j.end() || !m->is_array()) return RestoreError::BadEntry;
  std::deque<ChatMessage> restored;
  for (const auto& o : *m) {
    if (!o.is_object()) return RestoreError::BadEntry;
    const auto i = o.find("i"), r = o.find("r"), s = o.find("s"), t = o.find("t"), ts = o.find("ts");
    if (i == o.end() || !i->is_string() || r == o.end() || !r->is_number_integer() || s == o.end() ||
        !s->is_number_integer() || t == o.end() || !t->is_string() || ts == o.end() || !ts->is_number_integer()) {
      return RestoreError::BadEntry;
    }
    const auto role = r->get<int64_t>(), state = s->get<int64_t>();
    if (role < 0 || role > role_code(Role::Error) || state < 0 || state > state_code(MessageState::Received)) {
      return RestoreError::BadEntry;
    }
    ChatMessage msg;
    msg.id.assign(utf8::truncate(utf8::repair(i->get_ref<const std::string&>()), kMaxShortFieldBytes));
    msg.role = static_cast<Role>(role);
    msg.state = static_cast<MessageState>(state);
    msg.text = utf8::repair(utf8::truncate(t->get_ref<const std::string&>(), kMaxDisplayTextBytes));
    msg.timestamp_ms = ts->get<int64_t>();
    const auto p = o.find("p");
    msg.priority = (p != o.end() && p->is_number_integer() && p->get<int64_t>() == 1) ? Priority::High : Priority::Normal;
    const auto f = o.find("f");
    if (f != o.end() && f->is_number_integer()) {
      const auto code = f->get<int64_t>();
      msg.fail_reason = code == 1 ? FailReason::TooBig : (code == 2 ? FailReason::Rejected : FailReason::None);
    }
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

RestoreError ChatModel::merge(std::string_view blob) {
  ChatModel other;
  if (const auto err = other.restore(blob); err != RestoreError::None) return err;
  std::unordered_map<std::string_view, const ChatMessage*> theirs;
  for (const auto& m : other.messages_) theirs.emplace(m.id, &m);
  std::unordered_set<std::string> ours;  // copies: our messages are moved out below
  for (const auto& m : messages_) ours.insert(m.id);

  // Interleave: each side keeps its own order (a reply may carry an earlier, second-resolution timestamp
  // than the question it answers), shared messages line up, the rest go by timestamp.
  std::deque<ChatMessage> merged;
  auto a = messages_.begin();
  auto b = other.messages_.begin();
  while (a != messages_.end() || b != other.messages_.end()) {
    if (b != other.messages_.end() && ours.count(b->id) && (a == messages_.end() || a->id != b->id)) {
      ++b;  // ours has it too; it is emitted at our position
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
  return RestoreError::None;
}

}  // namespace bos
