// options.cpp: see options.hpp.
// Index:
//   [SECTION] number and name parsing
//   [SECTION] usage (--help)
//   [SECTION] origins
//   [SECTION] --fault SPEC
//   [SECTION] the command line
#include "options.hpp"

#include <charconv>
#include <cmath>
#include <string_view>
#include <sys/stat.h>

#include "auth.hpp"
#include "encoding.hpp"

namespace devserver {

//-----------------------------------------------------------------------------------------------------------
// [SECTION] number and name parsing
//-----------------------------------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kMaxDelayMs = 3'600'000;        // one hour is plenty for any fault or reply delay
constexpr std::int64_t kMaxTimeoutS = 7 * 24 * 3600;   // a week
constexpr std::int64_t kMaxRatePerS = 10'000'000;
constexpr std::int64_t kMaxColdStartMs = 900'000;       // Lambda's own 15-minute maximum
constexpr std::int64_t kMinIntegrationTimeoutMs = 50;   // API Gateway's range for the integration timeout
constexpr std::int64_t kMaxIntegrationTimeoutMs = 29'000;
constexpr std::int64_t kMaxLogRecordsLimit = 10'000'000;
constexpr std::int64_t kMaxLogBytesLimit = 4ll * 1024 * 1024 * 1024;

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t lo, std::int64_t hi) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
  if (text.front() == '-' || text.front() == '+') return std::nullopt;
  if (value < lo || value > hi) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 20 || text.front() == '-' || text.front() == '+') return std::nullopt;
  std::uint64_t value = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_probability(std::string_view text) {
  if (text.empty() || text.size() > 32 || text.front() == '-' || text.front() == '+') return std::nullopt;
  double value = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || value < 0.0 || value > 1.0) return std::nullopt;
  return value;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

}  // namespace

//-----------------------------------------------------------------------------------------------------------
// [SECTION] usage (--help)
//-----------------------------------------------------------------------------------------------------------

const char* usage_text() {
  return R"(bos-devserver: a local AWS API Gateway WebSocket emulator with the seed's Lambdas and a demo assistant.

usage: scripts/devserver [options]

  --host ADDR               address to bind (default 127.0.0.1; loopback unless you say otherwise)
  --port N                  port (default 3001; 0 picks a free port, printed in the ready line)
  --static DIR              also serve DIR over plain HTTP with the production cache headers
  --reply-delay-ms N        demo assistant reply delay (default 600)
  --idle-timeout-s N        close idle connections with 1001 "Going away" (default 600)
  --max-duration-s N        close connections older than N s with 1001 (default 7200)
  --max-new-conn-per-s N    handshakes per second before HTTP 429 (default 500; 0 = unlimited)
  --allow-origin ORIGIN     also accept this browser Origin (repeatable; "*" accepts any)
  --backend ids|seed        the sendMessage Lambda (default ids):
                              ids   ack echoes client_msg_id, dedupe per user, ack after the publish
                              seed  the seed's handler as written: ack without id, before the publish,
                                    nothing deduped
  --fault SPEC              comma-separated faults, deterministic with --seed:
                              drop=MIN-MAX   abnormal close (no close frame) MIN..MAX ms after open
                              refuse=MS      after each drop, answer upgrades with HTTP 502 for MS ms
                              swallow=MS     MS ms after open, stop answering without closing
                              ack-delay=MS   send each ack MS ms late
                              ack-drop=P     drop each ack with probability P (0..1)
                              lambda-error=P a route answers "Internal server error" with probability P
                              silent-fail=P  a sendMessage gets nothing back (the handler's caught 500)
                              handler-error=P  a sendMessage gets only the "Erro ao processar mensagem" frame
                              publish-fail=P the SNS publish fails: seed = ack then error frame; ids = error
                                             frame (with client_msg_id), no ack; never a reply
                              cold-start=MIN-MAX  each sendMessage runs MIN..MAX ms late (ack, typing and
                                             reply together); past the integration timeout the gateway also
                                             sends "Endpoint request timed out"
  --integration-timeout-ms N  API Gateway's integration timeout (default 29000; 50..29000)
  --auth-secret FILE        require a token on $connect (?token=): compact JWS, HS256, keyed with FILE's
                            bytes (one trailing newline stripped; at least 32 bytes); /config.json then
                            says "auth":"required"
  --revoked-jti FILE        with --auth-secret: jtis refused at the handshake, one per line (re-read when
                            the file changes; POST /__dev/revoke adds more)
  --allow-host NAME         also accept this Host name on /__dev/*, /notify and @connections (repeatable;
                            "*" turns the DNS-rebinding check off)
  --max-log-records N       bound on all users' /__dev/messages records together (default 200000)
  --max-log-bytes N         bound on their message bytes together (default 67108864)
  --seed N                  seed for faults and ids (default: random, logged)
  --handshake-timeout-ms N  deadline to receive an HTTP request or handshake (default 10000)
  --quiet                   no log lines on stderr
  --help                    this text

When ready it prints exactly one line to stdout: listening ws://HOST:PORT
Dev-only HTTP endpoints (/notify, /__dev/*, @connections) are described in devserver/README.md.
)";
}

const char* to_string(Backend backend) { return backend == Backend::kSeed ? "seed" : "ids"; }

//-----------------------------------------------------------------------------------------------------------
// [SECTION] origins
//-----------------------------------------------------------------------------------------------------------

std::optional<std::string> normalize_origin(const std::string& origin_in) {
  std::string origin = ascii_lower(origin_in);
  if (!origin.empty() && origin.back() == '/') origin.pop_back();
  std::string_view rest(origin);
  if (rest.substr(0, 7) == "http://") rest.remove_prefix(7);
  else if (rest.substr(0, 8) == "https://") rest.remove_prefix(8);
  else return std::nullopt;
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    for (const char c : rest.substr(1, close - 1)) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) return std::nullopt;
    }
    host = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
  } else {
    const std::size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (host.empty()) return std::nullopt;
    for (const char c : host) {
      if (!is_host_char(c)) return std::nullopt;
    }
    rest.remove_prefix(host.size());
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    if (!parse_int(rest.substr(1), 1, 65535)) return std::nullopt;
  }
  return origin;
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] --fault SPEC
//-----------------------------------------------------------------------------------------------------------

std::string parse_fault_spec(const std::string& spec, FaultConfig& faults) {
  if (spec.empty()) return "--fault needs a SPEC such as drop=500-2000,refuse=1000";
  std::string_view rest(spec);
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return "--fault: '" + std::string(item) + "' is not KEY=VALUE";
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    const std::string ms_range = range_text(0, kMaxDelayMs);
    if (key == "drop" || key == "cold-start") {
      const std::int64_t max_ms = key == "drop" ? kMaxDelayMs : kMaxColdStartMs;
      const std::size_t dash = value.find('-');
      const auto lo = parse_int(value.substr(0, dash), 0, max_ms);
      const auto hi = dash == std::string_view::npos ? lo : parse_int(value.substr(dash + 1), 0, max_ms);
      const std::string name = "--fault " + std::string(key) + "=MIN-MAX: ";
      if (!lo || !hi) return name + "MIN and MAX must be " + range_text(0, max_ms) + " (ms)";
      if (*hi < *lo) return name + "MAX must not be less than MIN";
      if (key == "drop") {
        faults.drop = true;
        faults.drop_min_ms = *lo;
        faults.drop_max_ms = *hi;
      } else {
        faults.cold_start = true;
        faults.cold_start_min_ms = *lo;
        faults.cold_start_max_ms = *hi;
      }
    } else if (key == "refuse" || key == "swallow" || key == "ack-delay") {
      const auto ms = parse_int(value, 0, kMaxDelayMs);
      if (!ms) return "--fault " + std::string(key) + "=MS: MS must be " + ms_range;
      if (key == "refuse") faults.refuse_ms = *ms;
      else if (key == "swallow") faults.swallow_ms = *ms;
      else faults.ack_delay_ms = *ms;
    } else if (key == "ack-drop" || key == "lambda-error" || key == "silent-fail" || key == "handler-error" ||
               key == "publish-fail") {
      const auto p = parse_probability(value);
      if (!p) return "--fault " + std::string(key) + "=P: P must be a probability from 0 to 1 (e.g. 0.25)";
      if (key == "ack-drop") faults.ack_drop_p = *p;
      else if (key == "lambda-error") faults.lambda_error_p = *p;
      else if (key == "silent-fail") faults.silent_fail_p = *p;
      else if (key == "handler-error") faults.handler_error_p = *p;
      else faults.publish_fail_p = *p;
    } else {
      return "--fault: unknown fault '" + sanitize_for_log(key, 40) +
             "' (known: drop, refuse, swallow, ack-delay, ack-drop, lambda-error, silent-fail, handler-error, "
             "publish-fail, cold-start)";
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return {};
}

//-----------------------------------------------------------------------------------------------------------
// [SECTION] the command line
//-----------------------------------------------------------------------------------------------------------

ParseResult parse_options(int argc, const char* const* argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      const std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    if (arg == "--help" || arg == "-h") return HelpRequested{};
    if (arg == "--quiet") {
      if (inline_value) return CliError{"--quiet takes no value"};
      opt.quiet = true;
      continue;
    }
    const bool takes_value = arg == "--host" || arg == "--port" || arg == "--static" || arg == "--reply-delay-ms" ||
                             arg == "--idle-timeout-s" || arg == "--max-duration-s" ||
                             arg == "--max-new-conn-per-s" || arg == "--allow-origin" || arg == "--fault" ||
                             arg == "--seed" || arg == "--handshake-timeout-ms" || arg == "--backend" ||
                             arg == "--integration-timeout-ms" || arg == "--auth-secret" || arg == "--revoked-jti" ||
                             arg == "--allow-host" || arg == "--max-log-records" || arg == "--max-log-bytes";
    if (!takes_value) {
      if (arg.rfind("-", 0) == 0) return CliError{"unknown option: " + sanitize_for_log(arg) + " (try --help)"};
      return CliError{"unexpected argument: " + sanitize_for_log(arg) + " (try --help)"};
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= argc || argv[i + 1] == nullptr) return CliError{arg + " needs a value (try --help)"};
      value = argv[++i];
    }
    const std::string shown = sanitize_for_log(value, 60);
    if (arg == "--host") {
      if (value.empty()) return CliError{"--host needs an address such as 127.0.0.1"};
      opt.host = value;  // resolved when binding; errors there are reported the same way
    } else if (arg == "--port") {
      const auto v = parse_int(value, 0, 65535);
      if (!v) return CliError{"--port: '" + shown + "' is not " + range_text(0, 65535)};
      opt.port = static_cast<std::uint16_t>(*v);
    } else if (arg == "--static") {
      struct stat st{};
      if (value.empty() || ::stat(value.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return CliError{"--static: '" + shown + "' is not a directory"};
      }
      opt.static_dir = value;
    } else if (arg == "--reply-delay-ms") {
      const auto v = parse_int(value, 0, kMaxDelayMs);
      if (!v) return CliError{"--reply-delay-ms: '" + shown + "' is not " + range_text(0, kMaxDelayMs)};
      opt.reply_delay_ms = *v;
    } else if (arg == "--idle-timeout-s") {
      const auto v = parse_int(value, 1, kMaxTimeoutS);
      if (!v) return CliError{"--idle-timeout-s: '" + shown + "' is not " + range_text(1, kMaxTimeoutS)};
      opt.idle_timeout_s = *v;
    } else if (arg == "--max-duration-s") {
      const auto v = parse_int(value, 1, kMaxTimeoutS);
      if (!v) return CliError{"--max-duration-s: '" + shown + "' is not " + range_text(1, kMaxTimeoutS)};
      opt.max_duration_s = *v;
    } else if (arg == "--max-new-conn-per-s") {
      const auto v = parse_int(value, 0, kMaxRatePerS);
      if (!v) return CliError{"--max-new-conn-per-s: '" + shown + "' is not " + range_text(0, kMaxRatePerS)};
      opt.max_new_conn_per_s = *v;
    } else if (arg == "--allow-origin") {
      if (value == "*") {
        opt.allow_origins.push_back("*");
      } else {
        const auto origin = normalize_origin(value);
        if (!origin) {
          return CliError{"--allow-origin: '" + shown + "' is not an origin such as https://app.example.com:8443"};
        }
        opt.allow_origins.push_back(*origin);
      }
    } else if (arg == "--fault") {
      const std::string err = parse_fault_spec(value, opt.faults);
      if (!err.empty()) return CliError{sanitize_for_log(err, 200)};
    } else if (arg == "--seed") {
      const auto v = parse_u64(value);
      if (!v) return CliError{"--seed: '" + shown + "' is not an unsigned 64-bit integer"};
      opt.seed = *v;
    } else if (arg == "--handshake-timeout-ms") {
      const auto v = parse_int(value, 1, kMaxDelayMs);
      if (!v) return CliError{"--handshake-timeout-ms: '" + shown + "' is not " + range_text(1, kMaxDelayMs)};
      opt.handshake_timeout_ms = *v;
    } else if (arg == "--backend") {
      if (value == "ids") opt.backend = Backend::kIds;
      else if (value == "seed") opt.backend = Backend::kSeed;
      else return CliError{"--backend: '" + shown + "' is not ids or seed"};
    } else if (arg == "--integration-timeout-ms") {
      const auto v = parse_int(value, kMinIntegrationTimeoutMs, kMaxIntegrationTimeoutMs);
      if (!v) {
        return CliError{"--integration-timeout-ms: '" + shown + "' is not " +
                        range_text(kMinIntegrationTimeoutMs, kMaxIntegrationTimeoutMs)};
      }
      opt.integration_timeout_ms = *v;
    } else if (arg == "--auth-secret") {
      const std::string err = load_auth_secret(value, opt.auth_secret);
      if (!err.empty()) return CliError{err};
    } else if (arg == "--revoked-jti") {
      struct stat st{};
      if (value.empty() || ::stat(value.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return CliError{"--revoked-jti: '" + shown + "' is not a readable file"};
      }
      opt.revoked_jti_path = value;
    } else if (arg == "--allow-host") {
      const std::string host = ascii_lower(value);
      bool ok = !host.empty() && host.size() <= 253;
      for (const char c : host) ok = ok && is_host_char(c);
      if (host != "*" && !ok) return CliError{"--allow-host: '" + shown + "' is not a host name such as devbox.local"};
      opt.allow_hosts.push_back(host);
    } else if (arg == "--max-log-records") {
      const auto v = parse_int(value, 1, kMaxLogRecordsLimit);
      if (!v) return CliError{"--max-log-records: '" + shown + "' is not " + range_text(1, kMaxLogRecordsLimit)};
      opt.max_log_records = *v;
    } else if (arg == "--max-log-bytes") {
      const auto v = parse_int(value, 1, kMaxLogBytesLimit);
      if (!v) return CliError{"--max-log-bytes: '" + shown + "' is not " + range_text(1, kMaxLogBytesLimit)};
      opt.max_log_bytes = *v;
    }
  }
  if (!opt.revoked_jti_path.empty() && opt.auth_secret.empty()) {
    return CliError{"--revoked-jti needs --auth-secret (without it no token is checked)"};
  }
  return opt;
}

}  // namespace devserver
