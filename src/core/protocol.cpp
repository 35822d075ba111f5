// protocol.cpp: see protocol.hpp. Every nlohmann call here is one that cannot throw or abort:
// parse(.., nullptr, false), find(), is_*(), get_ref on a checked type, dump(.., replace).
//
// Index
//   [SECTION] Names           to_string of FrameType and FrameError
//   [SECTION] Field readers   typed, size-capped reads of one field; the per-type frame parsers
//   [SECTION] Server frames   parse_server_frame: size, NUL, depth, JSON, type; API Gateway's own frames
//   [SECTION] Client frames   sendMessage, heartbeat, typing in the seed's key order
//   [SECTION] Endpoints       the connect URL, percent-encoding, host and loopback checks, validation
#include "core/protocol.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/grapheme.hpp"
#include "core/limits.hpp"
#include "core/utf8.hpp"

namespace bos {

// [SECTION] Names -------------------------------------------------------------------------------------

const char* to_string(FrameType t) {
  switch (t) {
    case FrameType::Ack: return "ack";
    case FrameType::Message: return "message";
    case FrameType::Notification: return "notification";
    case FrameType::Typing: return "typing";
    case FrameType::Status: return "status";
    case FrameType::Error: return "error";
    case FrameType::Heartbeat: return "heartbeat";
    case FrameType::GatewayForbidden: return "gateway_forbidden";
    case FrameType::GatewayInternalError: return "gateway_internal_error";
    case FrameType::Invalid: return "invalid";
  }
  return "?";
}

const char* to_string(FrameError e) {
  switch (e) {
    case FrameError::None: return "none";
    case FrameError::TooLarge: return "too_large";
    case FrameError::TooDeep: return "too_deep";
    case FrameError::InvalidUtf8: return "invalid_utf8";
    case FrameError::InvalidJson: return "invalid_json";
    case FrameError::NotAnObject: return "not_an_object";
    case FrameError::MissingType: return "missing_type";
    case FrameError::UnknownType: return "unknown_type";
    case FrameError::WrongFieldType: return "wrong_field_type";
  }
  return "?";
}

// [SECTION] Field readers -----------------------------------------------------------------------------

namespace {

using json = nlohmann::ordered_json;

// Deepest [ / { nesting outside strings; stops counting once over the limit.
bool nesting_exceeds(std::string_view s, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

const char* json_type_name(const json& j) { return j.type_name(); }

// Reads an optional string field. Missing or null → empty and true; wrong type → false.
bool read_string(const json& obj, const char* key, std::size_t max_bytes, std::string& out, bool& present) {
  present = false;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  present = true;
  const auto& s = it->get_ref<const std::string&>();
  // nlohmann's lexer already rejected invalid UTF-8; a cut never splits an emoji or a letter from its accents.
  out.assign(grapheme::truncate(s, max_bytes));
  return true;
}

bool fail(ServerFrame& f, FrameError e, std::string detail) {
  f.type = FrameType::Invalid;
  f.error = e;
  f.error_detail = std::move(detail);
  return false;
}

bool require_string(ServerFrame& f, const json& obj, const char* key, std::size_t max_bytes, std::string& out) {
  bool present = false;
  if (!read_string(obj, key, max_bytes, out, present) || !present) {
    const auto it = obj.find(key);
    return fail(f, FrameError::WrongFieldType,
                std::string(key) + (it == obj.end() ? " missing" : std::string(" is ") + json_type_name(*it)));
  }
  return true;
}

bool optional_string(ServerFrame& f, const json& obj, const char* key, std::size_t max_bytes, std::string& out) {
  bool present = false;
  if (!read_string(obj, key, max_bytes, out, present)) {
    return fail(f, FrameError::WrongFieldType, std::string(key) + " is " + json_type_name(*obj.find(key)));
  }
  return true;
}

// A field the engine does not keep must still be a string (or absent, or null) for the frame to count.
bool checked_string(ServerFrame& f, const json& obj, const char* key) {
  std::string ignored;
  return optional_string(f, obj, key, 0, ignored);
}

void read_timestamp(ServerFrame& f, const json& obj, int64_t now_ms) {
  f.timestamp_ms = now_ms;
  const auto it = obj.find("timestamp");
  if (it == obj.end() || !it->is_number()) return;  // a bad timestamp is not worth dropping the frame
  const double v = it->get<double>();                // is_number() checked: cannot throw
  int64_t ms = 0;
  if (server_timestamp_to_ms(v, ms)) f.timestamp_ms = ms;
}

bool parse_typed(ServerFrame& f, const json& obj, std::string_view t, int64_t now_ms) {
  read_timestamp(f, obj, now_ms);
  if (t == "ack") {
    f.type = FrameType::Ack;
    return optional_string(f, obj, "message", kMaxDisplayTextBytes, f.message) &&
           optional_string(f, obj, "client_msg_id", kMaxShortFieldBytes, f.client_msg_id);
  }
  if (t == "message") {
    f.type = FrameType::Message;
    return require_string(f, obj, "message", kMaxDisplayTextBytes, f.message) && checked_string(f, obj, "role") &&
           optional_string(f, obj, "session_id", kMaxShortFieldBytes, f.session_id);
  }
  if (t == "notification") {
    f.type = FrameType::Notification;
    if (!require_string(f, obj, "message", kMaxDisplayTextBytes, f.message)) return false;
    std::string priority;
    if (!optional_string(f, obj, "priority", kMaxShortFieldBytes, priority)) return false;
    f.priority = priority == "high" ? Priority::High : Priority::Normal;
    return true;
  }
  if (t == "typing") {
    f.type = FrameType::Typing;
    const auto it = obj.find("typing");
    if (it == obj.end() || !it->is_boolean()) {
      return fail(f, FrameError::WrongFieldType,
                  it == obj.end() ? "typing missing" : std::string("typing is ") + json_type_name(*it));
    }
    f.typing = it->get<bool>();
    if (!optional_string(f, obj, "agent", kMaxShortFieldBytes, f.agent)) return false;
    if (f.agent.empty()) f.agent = "system";
    return true;
  }
  if (t == "status") {
    f.type = FrameType::Status;
    return checked_string(f, obj, "status") && optional_string(f, obj, "message", kMaxDisplayTextBytes, f.message) &&
           optional_string(f, obj, "connectionId", kMaxShortFieldBytes, f.connection_id);
  }
  if (t == "error") {
    f.type = FrameType::Error;
    return optional_string(f, obj, "message", kMaxDisplayTextBytes, f.message) &&
           optional_string(f, obj, "client_msg_id", kMaxShortFieldBytes, f.client_msg_id);
  }
  if (t == "heartbeat") {
    f.type = FrameType::Heartbeat;
    return true;
  }
  return fail(f, FrameError::UnknownType, "type \"" + std::string(utf8::truncate(t, kMaxLoggedDetailBytes)) + "\"");
}

}  // namespace

// [SECTION] Server frames -----------------------------------------------------------------------------

bool server_timestamp_to_ms(double value, int64_t& out_ms) {
  if (!std::isfinite(value) || value < 0) return false;
  // Seconds until the year 5138; anything bigger is taken to be milliseconds already.
  constexpr double kSecondsLimit = 1e11;
  constexpr double kMsLimit = 1e14;  // year 5138 in milliseconds
  double ms = value < kSecondsLimit ? value * 1000.0 : value;
  if (ms >= kMsLimit) return false;
  out_ms = static_cast<int64_t>(ms);
  return true;
}

ServerFrame parse_server_frame(std::string_view text, int64_t now_ms) {
  ServerFrame f;
  f.timestamp_ms = now_ms;
  if (text.size() > kMaxInboundFrameBytes) {
    fail(f, FrameError::TooLarge, std::to_string(text.size()) + " bytes");
    return f;
  }
  // nlohmann's parser takes a NUL byte for the end of the input and ignores the rest. JSON has no raw NUL
  // (strings escape it), so a frame holding one is not JSON (fuzz_frame).
  if (text.find('\0') != std::string_view::npos) {
    fail(f, utf8::is_valid(text) ? FrameError::InvalidJson : FrameError::InvalidUtf8, "NUL byte");
    return f;
  }
  if (nesting_exceeds(text, kMaxJsonDepth)) {
    fail(f, FrameError::TooDeep, utf8::is_valid(text) ? "" : "and invalid UTF-8");
    return f;
  }
  // One pass: nlohmann's lexer rejects ill-formed UTF-8 inside strings, and any non-ASCII byte outside
  // them is a syntax error, so a document that parses is valid UTF-8. The check runs only to say why not.
  const json obj = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) {
    fail(f, utf8::is_valid(text) ? FrameError::InvalidJson : FrameError::InvalidUtf8, "");
    return f;
  }
  if (!obj.is_object()) {
    fail(f, FrameError::NotAnObject, obj.type_name());
    return f;
  }
  const auto type_it = obj.find("type");
  if (type_it != obj.end() && type_it->is_string()) {
    parse_typed(f, obj, utf8::truncate(type_it->get_ref<const std::string&>(), kMaxShortFieldBytes), now_ms);
    // What the resident reads (chat, messages(), live region, notifications) loses the characters that
    // could make it say something else than it shows (issue 13): see utf8::without_deceptive_controls.
    if (f.type != FrameType::Invalid) f.message = utf8::without_deceptive_controls(f.message);
    return f;
  }
  if (type_it != obj.end()) {
    fail(f, FrameError::MissingType, std::string("type is ") + type_it->type_name());
    return f;
  }
  // API Gateway's own frames have no "type": {"message": "Forbidden", "connectionId":.., "requestId":..}
  std::string message;
  bool present = false;
  if (read_string(obj, "message", kMaxShortFieldBytes, message, present) && present &&
      obj.contains("requestId")) {
    bool p2 = false;
    read_string(obj, "connectionId", kMaxShortFieldBytes, f.connection_id, p2);
    read_string(obj, "requestId", kMaxShortFieldBytes, f.request_id, p2);
    f.message = message;
    if (message == "Forbidden") {
      f.type = FrameType::GatewayForbidden;
      return f;
    }
    if (message == "Internal server error") {
      f.type = FrameType::GatewayInternalError;
      return f;
    }
  }
  fail(f, FrameError::MissingType, "no type");
  return f;
}

// [SECTION] Client frames -----------------------------------------------------------------------------

namespace {
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
}  // namespace

std::string encode_send_message(std::string_view text, int64_t timestamp_ms, std::string_view user_id,
                                std::string_view session_id, std::string_view client_msg_id) {
  nlohmann::ordered_json j;
  j["action"] = "sendMessage";
  j["message"] = std::string(text);
  j["timestamp"] = timestamp_ms;
  j["user_id"] = std::string(user_id);
  j["session_id"] = std::string(session_id);
  j["client_msg_id"] = std::string(client_msg_id);
  return dump(j);
}

std::string encode_heartbeat(int64_t timestamp_ms) {
  nlohmann::ordered_json j;
  j["action"] = "heartbeat";
  j["timestamp"] = timestamp_ms;
  return dump(j);
}

std::string encode_typing(bool typing, std::string_view user_id, int64_t timestamp_ms) {
  nlohmann::ordered_json j;
  j["action"] = "typing";
  j["typing"] = typing;
  j["user_id"] = std::string(user_id);
  j["timestamp"] = timestamp_ms;
  return dump(j);
}

// [SECTION] Endpoints ---------------------------------------------------------------------------------

std::string percent_encode(std::string_view s) {
  // encodeURIComponent's unreserved set.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
                            c == '\'' || c == '(' || c == ')';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string build_connect_url(std::string_view endpoint, std::string_view user_id, std::string_view session_id,
                              std::string_view token) {
  std::string url(endpoint);
  // A fragment never reaches the server; drop it so the query lands in the right place.
  if (const auto hash = url.find('#'); hash != std::string::npos) url.resize(hash);
  const bool has_query = url.find('?') != std::string::npos;
  if (has_query && url.back() != '?' && url.back() != '&') url += '&';
  if (!has_query) url += '?';
  url += "user_id=";
  url += percent_encode(user_id);
  url += "&session_id=";
  url += percent_encode(session_id);
  if (!token.empty()) {
    url += "&token=";
    url += percent_encode(token);
  }
  return url;
}

std::string_view url_host(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto rest = url.substr(scheme_end + 3);
  const auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? std::string_view{} : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

const char* to_string(EndpointError e) {
  switch (e) {
    case EndpointError::None: return "none";
    case EndpointError::Empty: return "empty";
    case EndpointError::BadScheme: return "bad_scheme";
    case EndpointError::InsecureOutsideLoopback: return "insecure_outside_loopback";
    case EndpointError::NoHost: return "no_host";
    case EndpointError::TooLong: return "too_long";
    case EndpointError::BadCharacter: return "bad_character";
  }
  return "?";
}

EndpointError validate_endpoint(std::string_view url, bool page_is_loopback) {
  if (url.empty()) return EndpointError::Empty;
  if (url.size() > kMaxEndpointBytes) return EndpointError::TooLong;
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\') return EndpointError::BadCharacter;
  }
  const bool secure = url.substr(0, 6) == "wss://";
  const bool plain = url.substr(0, 5) == "ws://";
  if (!secure && !plain) return EndpointError::BadScheme;
  const auto host = url_host(url);
  if (host.empty()) return EndpointError::NoHost;
  if (plain && !(page_is_loopback && is_loopback_host(host))) return EndpointError::InsecureOutsideLoopback;
  return EndpointError::None;
}

}  // namespace bos
