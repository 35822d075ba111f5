// stored_format.hpp: what every stored blob shares: the envelope {"v":1,"m":[...]}, and the numbers it
// uses for enums, one table per enum, with how unknown ones read.
//
// Stored formats outlive builds. An enum is never stored as its position (static_cast<int>): it is stored
// as the code in its table here, so reordering or inserting an enumerator changes nothing on disk. A code
// keeps its meaning forever; a removed enumerator's code stays reserved (FailReason 2).
// A code this build does not know (a newer build wrote it, or the blob is damaged) is read as the nearest
// safe known value, never as a reason to refuse the blob: an older build (a rollback, a service worker's
// cached copy) must not erase what a newer one stored. Safe means: never claim what the blob does not prove
// (no ✓ or ✓✓ from an unknown state), never lose a message (the resident's goes out again, deduplicated by
// client_msg_id), never send what the resident did not write (an unknown role is not the resident's).
//
// Codes (tests/core/stored_format_test.cpp holds golden blobs that fail when one changes):
//   Role          history "r"             user 0, assistant 1, system 2, notification 3, error 4
//                                         unknown → system (shown, never sent, not an answer)
//   MessageState  history "s"             queued 0, sent 1, acked 2, answered 3, failed 4, received 5
//                                         unknown → queued for the resident's (goes out again, claims nothing),
//                                         received for the others
//   OutboxState   outbox entry [3]        queued 0, sent 1, failed 2        unknown → queued
//   FailReason    history "f", outbox [4] none 0, too_big 1, 2 reserved (was "rejected", never produced),
//                                         unconfirmed 3 (always with state failed: builds before it read a
//                                         failed message with reason none, which waits for the resident too)
//                                         2 and unknown → none (a plain failure the resident can retry)
//   Priority      history "p"             normal 0 (not written), high 1    unknown → normal
// A blob's "v" changes only for a format an older build cannot read at all; new fields and new codes keep
// "v":1 (older builds ignore the fields and read the codes as above).
// Must not include anything but the standard library, nlohmann's forward declarations and the headers
// that declare these enums.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "core/chat.hpp"
#include "core/outbox.hpp"
#include "core/protocol.hpp"

namespace bos {

// The envelope of a stored list, {"v":<version>,"m":[...]}: the size is checked before parsing, parsing
// throws nothing, and `entries` points at the "m" array inside `doc`. A "v" other than `version` is
// WrongVersion (a format this build cannot read at all); fields other than "v" and "m" are ignored.
RestoreError read_stored_list(std::string_view blob, int version, nlohmann::ordered_json& doc,
                              const nlohmann::ordered_json*& entries);

template <class E>
struct CodeRow {
  E value;
  int code;          // what the blob holds
  const char* name;  // to_string
};

// One row per enumerator, in enumerator order (checked below).
inline constexpr CodeRow<Role> kRoleCodes[] = {
    {Role::User, 0, "user"},
    {Role::Assistant, 1, "assistant"},
    {Role::System, 2, "system"},
    {Role::Notification, 3, "notification"},
    {Role::Error, 4, "error"},
};
inline constexpr CodeRow<MessageState> kMessageStateCodes[] = {
    {MessageState::Queued, 0, "queued"},
    {MessageState::Sent, 1, "sent"},
    {MessageState::Acked, 2, "acked"},
    {MessageState::Answered, 3, "answered"},
    {MessageState::Failed, 4, "failed"},
    {MessageState::Received, 5, "received"},
};
inline constexpr CodeRow<OutboxState> kOutboxStateCodes[] = {
    {OutboxState::Queued, 0, "queued"},
    {OutboxState::Sent, 1, "sent"},
    {OutboxState::Failed, 2, "failed"},
};
inline constexpr CodeRow<FailReason> kFailReasonCodes[] = {
    {FailReason::None, 0, "none"},
    {FailReason::TooBig, 1, "too_big"},
    {FailReason::Unconfirmed, 3, "unconfirmed"},
};
inline constexpr int kFailReasonRejectedCode = 2;  // reserved: written by no build, read as none
inline constexpr CodeRow<Priority> kPriorityCodes[] = {
    {Priority::Normal, 0, "normal"},
    {Priority::High, 1, "high"},
};

// The value for a code, or nullptr if this build does not know it.
template <class E, std::size_t N>
constexpr const E* value_for_code(const CodeRow<E> (&rows)[N], int64_t code) {
  for (const auto& row : rows) {
    if (row.code == code) return &row.value;
  }
  return nullptr;
}
// The value for a code, or `fallback` (the nearest safe value) if this build does not know it.
template <class E, std::size_t N>
constexpr E value_for_code_or(const CodeRow<E> (&rows)[N], int64_t code, E fallback) {
  const E* v = value_for_code(rows, code);
  return v ? *v : fallback;
}
template <class E, std::size_t N>
constexpr const CodeRow<E>& row_of(const CodeRow<E> (&rows)[N], E value) {
  const auto i = static_cast<std::size_t>(value);
  return rows[i < N ? i : 0];
}
// to_string: "?" for a value outside the enum (a cast from garbage).
template <class E, std::size_t N>
constexpr const char* name_of(const CodeRow<E> (&rows)[N], E value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? rows[i].name : "?";
}
template <class E, std::size_t N>
constexpr bool is_complete_table(const CodeRow<E> (&rows)[N], E last) {
  if (static_cast<std::size_t>(last) + 1 != N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(rows[i].value) != i) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (rows[j].code == rows[i].code) return false;
    }
  }
  return true;
}
// A new enumerator goes last in its enum and gets a new code here, or these fail.
static_assert(is_complete_table(kRoleCodes, Role::Error), "kRoleCodes: one row per Role, in order, codes unique");
static_assert(is_complete_table(kMessageStateCodes, MessageState::Received), "kMessageStateCodes");
static_assert(is_complete_table(kOutboxStateCodes, OutboxState::Failed), "kOutboxStateCodes");
static_assert(is_complete_table(kFailReasonCodes, FailReason::Unconfirmed), "kFailReasonCodes");
static_assert(is_complete_table(kPriorityCodes, Priority::High), "kPriorityCodes");
static_assert(!value_for_code(kFailReasonCodes, kFailReasonRejectedCode), "FailReason 2 stays reserved");

inline int stored_code(Role r) { return row_of(kRoleCodes, r).code; }
inline int stored_code(MessageState s) { return row_of(kMessageStateCodes, s).code; }
inline int stored_code(OutboxState s) { return row_of(kOutboxStateCodes, s).code; }
inline int stored_code(FailReason r) { return row_of(kFailReasonCodes, r).code; }
inline int stored_code(Priority p) { return row_of(kPriorityCodes, p).code; }

// Reading: every integer gives a known value (see the table at the top for the unknown ones).
Role role_from_stored(int64_t code);
MessageState message_state_from_stored(int64_t code, Role role);
OutboxState outbox_state_from_stored(int64_t code);
FailReason fail_reason_from_stored(int64_t code);
Priority priority_from_stored(int64_t code);

}  // namespace bos
