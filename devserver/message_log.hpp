// message_log.hpp: every executed sendMessage, per user, for GET /__dev/messages (exactly-once and ordering
// proofs), plus the client_msg_ids the ids backend dedupes on. Bounded twice: per user (the oldest quarter
// of a user's records goes beyond kMaxLogRecordsPerUser / kMaxLogBytesPerUser) and overall (the oldest
// records of all users go, one by one, beyond LogLimits::max_records_total / max_bytes_total), so a client
// cycling user ids cannot grow memory without limit. An evicted record's id is forgotten with it.
// Plain data; no Asio, no clock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace devserver {

inline constexpr std::size_t kMaxLogRecordsPerUser = 100000;
inline constexpr std::size_t kMaxLogBytesPerUser = 32u * 1024u * 1024u;
inline constexpr std::size_t kMaxLogRecordsTotal = 200000;            // --max-log-records
inline constexpr std::size_t kMaxLogBytesTotal = 64u * 1024u * 1024u;  // --max-log-bytes

struct LogLimits {
  std::size_t max_records_per_user = kMaxLogRecordsPerUser;
  std::size_t max_bytes_per_user = kMaxLogBytesPerUser;
  std::size_t max_records_total = kMaxLogRecordsTotal;
  std::size_t max_bytes_total = kMaxLogBytesTotal;
};

struct MessageRecord {
  std::optional<std::string> client_msg_id;
  std::string message;
  std::string connection_id;
  std::int64_t received_at_ms = 0;  // wall clock, epoch ms
  std::uint64_t seq = 0;            // arrival order over all users (set by append)
};

class MessageLog {
 public:
  struct UserLog {
    std::deque<MessageRecord> records;  // oldest first
    std::unordered_set<std::string> seen_ids;
    std::size_t bytes = 0;
    std::uint64_t duplicates = 0;
  };

  explicit MessageLog(LogLimits limits = {}) : limits_(limits) {}

  // The ids backend's conditional write: true when this user already executed client_msg_id.
  bool seen(const std::string& user_id, const std::string& client_msg_id) const;
  void count_duplicate(const std::string& user_id);
  // Records one executed message; remember_id makes its client_msg_id a dedupe key (ids backend only).
  void append(const std::string& user_id, MessageRecord record, bool remember_id);
  const UserLog* find(const std::string& user_id) const;

  std::size_t total_records() const { return total_records_; }
  std::size_t total_bytes() const { return total_bytes_; }
  std::size_t users() const { return users_.size(); }
  const LogLimits& limits() const { return limits_; }

 private:
  static std::size_t bytes_of(const MessageRecord& r) { return r.message.size() + r.client_msg_id.value_or("").size(); }
  void pop_front(UserLog& user);
  void evict_oldest_quarter(UserLog& user);
  void evict_oldest_overall();
  void compact_order();

  LogLimits limits_;
  std::unordered_map<std::string, UserLog> users_;
  // (seq, user) of every record in arrival order; entries of records a per-user eviction removed stay
  // until they reach the front or the next compaction (kept below twice the live records).
  std::deque<std::pair<std::uint64_t, std::string>> order_;
  std::uint64_t next_seq_ = 1;
  std::size_t total_records_ = 0;
  std::size_t total_bytes_ = 0;
};

}  // namespace devserver
