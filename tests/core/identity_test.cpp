// Identity: the stored {"v":1,"user_id","session_id"} blob, resident ids from links, and the ids the engine
// makes (the seed's shapes), drawn from the engine's deterministic random source.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/identity.hpp"
#include "core/limits.hpp"

using namespace bos;

namespace {
bool all_base36(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); });
}
}  // namespace

TEST_CASE("an identity round-trips through its stored blob", "[identity]") {
  const Identity id{"resident-42", "session-1764345600000-abcdefghi"};
  const std::string blob = serialize_identity(id);
  CHECK(blob == R"({"v":1,"user_id":"resident-42","session_id":"session-1764345600000-abcdefghi"})");
  Identity back;
  REQUIRE(parse_identity(blob, back));
  CHECK(back.user_id == id.user_id);
  CHECK(back.session_id == id.session_id);
}

TEST_CASE("a stored identity that is damaged, too big or of another version is refused, and nothing changes", "[identity]") {
  const auto blob = GENERATE(as<std::string>{}, "", "{", "null", "[]", R"({"v":2,"user_id":"a","session_id":"b"})",
                             R"({"v":"1","user_id":"a","session_id":"b"})", R"({"user_id":"a","session_id":"b"})",
                             R"({"v":1,"user_id":"a b","session_id":"b"})", R"({"v":1,"user_id":"a","session_id":7})",
                             R"({"v":1,"user_id":"","session_id":"b"})", R"({"v":1,"session_id":"b"})",
                             R"({"v":1,"user_id":"a","session_id":"b","pad":")" + std::string(kMaxIdentityBlobBytes, 'x') + "\"}");
  Identity id{"sentinel", "kept"};
  CHECK_FALSE(parse_identity(blob, id));
  CHECK(id.user_id == "sentinel");
  CHECK(id.session_id == "kept");
}

TEST_CASE("resident ids: 1 to kMaxResidentIdBytes of [A-Za-z0-9._@+-]", "[identity]") {
  CHECK(is_valid_resident_id("a"));
  CHECK(is_valid_resident_id("Maria.Silva+502@predio_7-b"));
  CHECK(is_valid_resident_id(std::string(kMaxResidentIdBytes, 'x')));
  CHECK_FALSE(is_valid_resident_id(std::string(kMaxResidentIdBytes + 1, 'x')));
  CHECK_FALSE(is_valid_resident_id(""));
  for (const char* bad : {"a b", "a/b", "a#b", "a?b", "\xC3\xA9", "a\nb", "a&b", "a=b"}) CHECK_FALSE(is_valid_resident_id(bad));
}

TEST_CASE("generated ids have the seed's shapes and replay from the seed", "[identity]") {
  uint64_t rng = 12345;
  const std::string user = new_user_id(1'764'345'600'000, rng);
  const std::string session = new_session_id(1'764'345'600'000, rng);
  const std::string prefix = std::string("web-user-1764345600000-");
  REQUIRE(user.rfind(prefix, 0) == 0);
  CHECK(user.size() == prefix.size() + kIdRandomChars);
  CHECK(all_base36(user.substr(prefix.size())));
  REQUIRE(session.rfind("session-1764345600000-", 0) == 0);
  CHECK(is_valid_resident_id(user));
  CHECK(is_valid_resident_id(session));
  uint64_t again = 12345;
  CHECK(new_user_id(1'764'345'600'000, again) == user);  // deterministic: tests and fuzzers replay

  uint64_t r2 = 1;
  const std::string m = new_message_id(36 * 36, r2);  // 1296 ms is "100" in base 36
  CHECK(m.rfind("m100-", 0) == 0);
  CHECK(m.size() == std::string("m100-").size() + kMessageIdRandomChars);
  CHECK(new_message_id(-5, r2).rfind("m0-", 0) == 0);  // a clock before 1970 does not make a "-" id
  const std::string load = new_load_prefix(r2);
  CHECK(load.size() == 1 + kLoadPrefixRandomChars + 1);
  CHECK(load.front() == 'r');
  CHECK(load.back() == '-');
  CHECK(random_token(r2, 0).empty());
}
