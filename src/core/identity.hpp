// identity.hpp: who the resident is (user_id, session_id), how it is stored, and the ids the engine makes.
//
// The seed's shapes: web-user-<ms>-<9 chars>, session-<ms>-<9 chars>; message ids m<ms base36>-<8 chars>.
// Random parts come from the engine's deterministic source (backoff.hpp next_random), so tests replay.
// Stored as {"v":1,"user_id":..,"session_id":..[,"token":..]}; unknown extra fields are ignored (a newer build
// may add some), a different "v" or an invalid id is refused (the caller then makes a new identity).
// "token" (issue 13) is the resident's link token (token.hpp): builds before it ignore the field and read
// the ids; a "token" that is not a string or is over kMaxTokenBytes is dropped, the ids are still read.
// No I/O, no clock.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace bos {

struct Identity {
  std::string user_id;
  std::string session_id;
  std::string token;  // "" without one (auth not configured, or the seed's anonymous ids)
};

// false on any problem, and `out` is left as it was.
bool parse_identity(std::string_view blob, Identity& out);
std::string serialize_identity(const Identity& id);
// A resident id from a link (#resident=ID), storage or the config: 1-kMaxResidentIdBytes of [A-Za-z0-9._@+-].
bool is_valid_resident_id(std::string_view id);

inline constexpr int kIdRandomChars = 9;          // the seed's random suffix of user and session ids
inline constexpr int kMessageIdRandomChars = 8;   // client_msg_id: m<ms base36>-<this many>
inline constexpr int kLoadPrefixRandomChars = 6;  // per-load prefix of local message ids: r<this many>-
inline constexpr int kTabTokenChars = 6;          // a tab's session id: <session id>.<this many>

// `chars` characters of [0-9a-z] drawn from `rng`.
std::string random_token(uint64_t& rng, int chars);
std::string new_user_id(int64_t now_ms, uint64_t& rng);
std::string new_session_id(int64_t now_ms, uint64_t& rng);
// client_msg_id: unique per message, increasing with time within one tab (negative times count as 0).
std::string new_message_id(int64_t now_ms, uint64_t& rng);
// The prefix of ids this page load gives to messages that are not the resident's ("r<6 chars>-").
std::string new_load_prefix(uint64_t& rng);

}  // namespace bos
