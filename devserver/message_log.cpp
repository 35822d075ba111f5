// message_log.cpp: see message_log.hpp.
#include "message_log.hpp"

#include <algorithm>

namespace devserver {

bool MessageLog::seen(const std::string& user_id, const std::string& client_msg_id) const {
  const auto it = users_.find(user_id);
  return it != users_.end() && it->second.seen_ids.count(client_msg_id) != 0;
}

void MessageLog::count_duplicate(const std::string& user_id) {
  if (const auto it = users_.find(user_id); it != users_.end()) ++it->second.duplicates;
}

const MessageLog::UserLog* MessageLog::find(const std::string& user_id) const {
  const auto it = users_.find(user_id);
  return it == users_.end() ? nullptr : &it->second;
}

void MessageLog::append(const std::string& user_id, MessageRecord record, bool remember_id) {
  record.seq = next_seq_++;
  UserLog& user = users_[user_id];
  if (remember_id && record.client_msg_id) user.seen_ids.insert(*record.client_msg_id);
  const std::size_t bytes = bytes_of(record);
  user.bytes += bytes;
  total_bytes_ += bytes;
  ++total_records_;
  order_.emplace_back(record.seq, user_id);
  user.records.push_back(std::move(record));
  if (user.records.size() > limits_.max_records_per_user || user.bytes > limits_.max_bytes_per_user) {
    evict_oldest_quarter(user);
  }
  while (total_records_ > limits_.max_records_total || total_bytes_ > limits_.max_bytes_total) {
    evict_oldest_overall();
  }
  if (order_.size() > 2 * total_records_ + 1024) compact_order();
}

void MessageLog::pop_front(UserLog& user) {
  const MessageRecord& r = user.records.front();
  if (r.client_msg_id) user.seen_ids.erase(*r.client_msg_id);
  const std::size_t bytes = bytes_of(r);
  user.bytes -= bytes;
  total_bytes_ -= bytes;
  --total_records_;
  user.records.pop_front();
}

void MessageLog::evict_oldest_quarter(UserLog& user) {
  const std::size_t count = std::max<std::size_t>(1, user.records.size() / 4);
  for (std::size_t i = 0; i < count && !user.records.empty(); ++i) pop_front(user);
}

void MessageLog::evict_oldest_overall() {
  while (!order_.empty()) {
    const auto [seq, user_id] = std::move(order_.front());
    order_.pop_front();
    const auto it = users_.find(user_id);
    // Records leave a user's log from the front only, so the oldest live entry is its user's first record;
    // anything else is an entry a per-user eviction already removed.
    if (it == users_.end() || it->second.records.empty() || it->second.records.front().seq != seq) continue;
    pop_front(it->second);
    if (it->second.records.empty()) users_.erase(it);  // the oldest user goes with its last record
    return;
  }
}

void MessageLog::compact_order() {
  std::deque<std::pair<std::uint64_t, std::string>> live;
  for (auto& entry : order_) {
    const auto it = users_.find(entry.second);
    if (it != users_.end() && !it->second.records.empty() && it->second.records.front().seq <= entry.first) {
      live.push_back(std::move(entry));
    }
  }
  order_.swap(live);
}

}  // namespace devserver
