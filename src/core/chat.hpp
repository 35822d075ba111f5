// chat.hpp: the conversation as the resident sees it.
//
// Local echo of the resident's messages with their delivery state, the assistant's answers,
// notifications with priority, the ack's temporary "processing" line, server errors, the agent's typing
// indicator. Keeps the last kHistoryMaxMessages in memory; the last kHistoryPersistMessages (≤ 256 KiB)
// serialize to a versioned blob for localStorage. Every change bumps revision() so a view can cache.
// No I/O, no clock.
#pragma once
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/outbox.hpp"
#include "core/protocol.hpp"

namespace bos {

// Stored as codes (stored_format.hpp), never as positions: a new enumerator goes last, with a new code.
enum class Role { User, Assistant, System, Notification, Error };
enum class MessageState { Queued, Sent, Acked, Answered, Failed, Received };

const char* to_string(Role r);
const char* to_string(MessageState s);

struct ChatMessage {
  uint64_t seq = 0;      // local, increasing, never reused: stable key for views (ImGui PushID)
  std::string id;        // client_msg_id for the resident's messages, "s<seq>" otherwise
  Role role = Role::System;
  MessageState state = MessageState::Received;
  std::string text;      // valid UTF-8
  int64_t timestamp_ms = 0;
  Priority priority = Priority::Normal;
  FailReason fail_reason = FailReason::None;
  bool temporary = false;  // the ack's "processing" line: removed when an answer arrives
  uint32_t version = 0;    // bumped on every change of this message
};

class ChatModel {
 public:
  ChatModel() = default;

  // Ids of messages that are not the resident's are "<prefix><seq>"; a per-load random prefix keeps them
  // unique against ids restored from an earlier page load.
  void set_id_prefix(std::string prefix) { id_prefix_ = std::move(prefix); }

  // Appends; returns the new message's seq. Trims the oldest beyond kHistoryMaxMessages.
  uint64_t append(ChatMessage m);
  ChatMessage* find_seq(uint64_t seq);
  const ChatMessage* find_seq(uint64_t seq) const;
  ChatMessage* find_id(std::string_view id);
  const ChatMessage* find_id(std::string_view id) const;
  bool set_state(std::string_view id, MessageState state, FailReason reason = FailReason::None);
  bool remove_id(std::string_view id);
  // Removes the temporary lines; returns their seqs.
  std::vector<uint64_t> remove_temporary();
  // The oldest resident message in `acked` state (the one an assistant answer is for).
  ChatMessage* oldest_acked_user_message();
  void clear();

  const std::deque<ChatMessage>& messages() const { return messages_; }
  std::size_t size() const { return messages_.size(); }
  uint64_t revision() const { return revision_; }

  // Agent typing indicator (from the server's typing frames).
  void set_agent_typing(bool typing, std::string_view agent, int64_t now_ms);
  bool agent_typing() const { return agent_typing_; }
  const std::string& typing_agent() const { return typing_agent_; }
  int64_t agent_typing_since_ms() const { return agent_typing_since_ms_; }

  // {"v":1,"m":[{"i","r","s","t","ts","p","f"}...]}: the last kHistoryPersistMessages, ≤ 256 KiB,
  // temporary lines excluded. "r", "s", "p", "f" are stored codes (stored_format.hpp).
  std::string serialize() const;
  // Replaces the history; on error leaves it empty and returns the error. Codes this build does not know
  // read as the nearest safe state, unknown fields are ignored (a newer build wrote them).
  RestoreError restore(std::string_view blob);
  // Merges another tab's stored history into this one: messages are matched by id (the resident's by
  // client_msg_id, received ones by their content id, the same in every tab); each side keeps its own
  // order and the two are interleaved by timestamp. A resident message takes the furthest state either
  // side saw. Seqs are renumbered (views must drop their caches). Nothing changes on error.
  RestoreError merge(std::string_view blob);
  // The same with a history already read (another tab's, after the engine settled its open messages).
  // Its temporary lines are not taken.
  void merge(const ChatModel& other);
  // "h<16 hex>-<n>": the id of a received message, derived from its role, timestamp and text, so two tabs
  // that received the same frame give it the same id (n counts identical earlier messages).
  std::string content_id(Role role, int64_t timestamp_ms, std::string_view text) const;

  static constexpr int kFormatVersion = 1;

 private:
  void touch(ChatMessage& m);

  // Rebuilds the indexes below from messages_ (after restore, merge, clear).
  void reindex();
  void forget(const ChatMessage& m);  // drops a message that is going away from the indexes

  std::deque<ChatMessage> messages_;
  // Indexes, so that an answer does not scan 10,000 messages: content hash → messages with it so far,
  // the temporary lines, and the resident's acked (awaiting an answer) messages by seq (oldest first).
  std::unordered_map<uint64_t, uint32_t> content_counts_;
  std::vector<uint64_t> temporary_seqs_;
  std::set<uint64_t> acked_seqs_;
  std::string id_prefix_ = "s";
  uint64_t next_seq_ = 1;
  uint64_t revision_ = 0;
  bool agent_typing_ = false;
  std::string typing_agent_;
  int64_t agent_typing_since_ms_ = 0;
};

}  // namespace bos
