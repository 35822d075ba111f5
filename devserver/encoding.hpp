// encoding.hpp: byte-level encodings the emulated gateway needs: base64, SHA-1 (Sec-WebSocket-Accept),
// percent-decoding, UTF-8 validation, ISO-8601 times, log sanitising, a seedable RNG and the ids.
// Pure functions and plain data; must not include Asio, Beast or anything from src/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devserver {

std::string base64_encode(std::string_view bytes);
// Strict: padded, standard alphabet, no whitespace. nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

// 20 raw bytes.
std::string sha1_digest(std::string_view data);
// RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)).
std::string websocket_accept_key(std::string_view client_key);

// %XX sequences decoded ('+' stays '+', as in a URL path). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
// The value of `key` in a query string (last occurrence wins, as API Gateway's queryStringParameters).
std::optional<std::string> query_param(std::string_view query, std::string_view key);
// How many times `key` appears in a query string.
std::size_t query_param_count(std::string_view query, std::string_view key);

// Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);
// Deepest [ / { nesting outside strings; used to refuse pathological JSON before parsing it.
std::size_t json_nesting_depth(std::string_view text);

// "2025-11-28T17:01:02.123Z"
std::string iso8601_utc_ms(std::int64_t epoch_ms);
std::int64_t epoch_ms_now();
std::int64_t epoch_s_now();  // int(time.time())

// Printable ASCII only, cut to max_bytes, so untrusted text cannot forge log lines.
std::string sanitize_for_log(std::string_view text, std::size_t max_bytes = 120);
std::string ascii_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
// True when the comma-separated header value holds `token` (case-insensitive).
bool header_has_token(std::string_view value, std::string_view token);

// splitmix64: tiny, seedable, good enough for fault injection and ids; deterministic with --seed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : state_(seed) {}
  std::uint64_t next();
  double uniform01();                                       // [0, 1)
  std::int64_t between(std::int64_t lo, std::int64_t hi);  // [lo, hi]
  bool chance(double p);                                    // p <= 0 never, p >= 1 always
 private:
  std::uint64_t state_;
};
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream);

// API Gateway's connectionId / requestId look: 16 base64 characters ending in "=" (11 random bytes).
inline constexpr std::size_t kGatewayIdChars = 16;
std::string make_gateway_id(Rng& rng);
bool is_gateway_id(std::string_view text);

}  // namespace devserver
