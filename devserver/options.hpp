// options.hpp: the dev server's command line (a contract other tests rely on; see devserver/README.md).
// Parsing never throws and never exits: it returns the options, a help request or an error message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace devserver {

// --fault SPEC, comma-separated; every field off by default.
struct FaultConfig {
  bool drop = false;              // drop=MIN-MAX: abnormal close MIN..MAX ms after open
  std::int64_t drop_min_ms = 0;
  std::int64_t drop_max_ms = 0;
  std::int64_t refuse_ms = 0;     // refuse=MS: after each drop, upgrades get 502 for MS ms
  std::int64_t swallow_ms = -1;   // swallow=MS: MS ms after open, stop answering (dead link); < 0 off
  std::int64_t ack_delay_ms = 0;  // ack-delay=MS
  double ack_drop_p = 0.0;        // ack-drop=P
  double lambda_error_p = 0.0;    // lambda-error=P (extension): a route answers "Internal server error"
};

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3001;
  std::string static_dir;  // empty: no static files
  std::int64_t reply_delay_ms = 600;
  std::int64_t idle_timeout_s = 600;
  std::int64_t max_duration_s = 7200;
  std::int64_t max_new_conn_per_s = 500;  // 0: unlimited
  std::vector<std::string> allow_origins;
  FaultConfig faults;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  std::int64_t handshake_timeout_ms = 10000;  // HTTP request / handshake read deadline (extension)
};

struct HelpRequested {};
struct CliError {
  std::string message;
};

using ParseResult = std::variant<Options, HelpRequested, CliError>;
ParseResult parse_options(int argc, const char* const* argv);
// Parses one --fault SPEC into `faults` (merging); returns an error message or an empty string.
std::string parse_fault_spec(const std::string& spec, FaultConfig& faults);
// "http://localhost:5173" style origin, normalised to lower case; nullopt if it is not one.
std::optional<std::string> normalize_origin(const std::string& origin);
const char* usage_text();

}  // namespace devserver
