// options.hpp: the dev server's command line (a contract other tests rely on; see devserver/README.md).
// Parsing never throws and never exits: it returns the options, a help request or an error message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "message_log.hpp"

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
  // The seed's Lambda failures (issue 12), drawn per sendMessage from the connection's stream:
  double silent_fail_p = 0.0;     // silent-fail=P: nothing at all (the phase-1 handler's caught exception, 500)
  double handler_error_p = 0.0;   // handler-error=P: only the error frame (the enhanced except branch)
  double publish_fail_p = 0.0;    // publish-fail=P: SNS publish fails (seed: ack then error; ids: error only)
  bool cold_start = false;        // cold-start=MIN-MAX: the whole invocation starts MIN..MAX ms late
  std::int64_t cold_start_min_ms = 0;
  std::int64_t cold_start_max_ms = 0;
};

// --backend: which sendMessage Lambda stands behind the gateway.
//   kIds   the contract that turns on exactly-once: ack echoes client_msg_id, dedupe by a conditional write,
//          ack after the publish (today's documented behaviour, the default)
//   kSeed  the seed's "Enhanced for production" handler as written: ack without id, before the publish, no dedupe
enum class Backend { kIds, kSeed };
const char* to_string(Backend backend);

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
  Backend backend = Backend::kIds;
  std::int64_t integration_timeout_ms = 29000;  // API Gateway's integration timeout (50 ms..29 s)
  // --auth-secret FILE: the HS256 key (the file's bytes, one trailing newline stripped); empty: auth off.
  std::string auth_secret;
  std::string revoked_jti_path;       // --revoked-jti FILE (read by Server::listen)
  std::vector<std::string> allow_hosts;  // --allow-host NAME: more Host names for /__dev/*, /notify, @connections
  std::int64_t max_log_records = kMaxLogRecordsTotal;  // --max-log-records: all users' message logs together
  std::int64_t max_log_bytes = kMaxLogBytesTotal;      // --max-log-bytes
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
