// stored_format.cpp: see stored_format.hpp.
#include "core/stored_format.hpp"

#include <nlohmann/json.hpp>

#include "core/limits.hpp"

namespace bos {

RestoreError read_stored_list(std::string_view blob, int version, nlohmann::ordered_json& doc,
                              const nlohmann::ordered_json*& entries) {
  entries = nullptr;
  if (blob.size() > kMaxPersistedBlobBytes) return RestoreError::TooLarge;
  doc = nlohmann::ordered_json::parse(blob.begin(), blob.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return RestoreError::InvalidJson;
  const auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_integer() || v->get<int64_t>() != version) return RestoreError::WrongVersion;
  const auto m = doc.find("m");
  if (m == doc.end() || !m->is_array()) return RestoreError::BadEntry;
  entries = &*m;
  return RestoreError::None;
}

const char* to_string(Role r) { return name_of(kRoleCodes, r); }
const char* to_string(MessageState s) { return name_of(kMessageStateCodes, s); }
const char* to_string(FailReason r) { return name_of(kFailReasonCodes, r); }

Role role_from_stored(int64_t code) { return value_for_code_or(kRoleCodes, code, Role::System); }

MessageState message_state_from_stored(int64_t code, Role role) {
  return value_for_code_or(kMessageStateCodes, code, role == Role::User ? MessageState::Queued : MessageState::Received);
}

OutboxState outbox_state_from_stored(int64_t code) {
  return value_for_code_or(kOutboxStateCodes, code, OutboxState::Queued);
}

FailReason fail_reason_from_stored(int64_t code) { return value_for_code_or(kFailReasonCodes, code, FailReason::None); }

Priority priority_from_stored(int64_t code) { return value_for_code_or(kPriorityCodes, code, Priority::Normal); }

}  // namespace bos
