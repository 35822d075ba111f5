// targets.cpp: see targets.hpp.
//
// Index
//   [SECTION] Failure reporting
//   [SECTION] Reference implementations   UTF-8 (Unicode Table 3-7), JS whitespace, JSON nesting (SAX)
//   [SECTION] Checks                       frame, outbox, history, identity and engine invariants
//   [SECTION] Driver                       a live Engine, the browser's sockets and localStorage, a server
//   [SECTION] fuzz_frame
//   [SECTION] fuzz_restore
//   [SECTION] fuzz_utf8
//   [SECTION] fuzz_parse, fuzz_load       the untrusted-bytes boundaries alone (fast: millions of runs)
//
// Inputs are split on the byte 0xFF, which never occurs in UTF-8: a part holding one is still fuzzed as
// invalid text by the other bytes (0xC0, 0xF8-0xFE, stray continuations), so nothing is lost by the choice.
#include "fuzz/targets.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <vector>

#include "core/chat.hpp"
#include "core/engine.hpp"
#include "core/grapheme.hpp"
#include "core/limits.hpp"
#include "core/outbox.hpp"
#include "core/protocol.hpp"
#include "core/utf8.hpp"

namespace bos::fuzz {

// [SECTION] Failure reporting -------------------------------------------------------------------------

namespace {

FailureHandler g_failure_handler = nullptr;

[[noreturn]] void fail(const char* file, int line, const std::string& what) {
  if (g_failure_handler) g_failure_handler(file, line, what);
  std::fprintf(stderr, "\n*** fuzz invariant violated at %s:%d\n    %s\n", file, line, what.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// Printable excerpt of untrusted bytes for a failure message.
std::string show(std::string_view s, std::size_t max = 160) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out += s.size() > max ? "\"... (" + std::to_string(s.size()) + " bytes)" : "\"";
  return out;
}

// BOS_FUZZ_TRACE=1 prints every step of an input to stderr (for triage: fuzz_frame crash-file).
bool tracing() {
  static const bool on = std::getenv("BOS_FUZZ_TRACE") != nullptr;
  return on;
}

}  // namespace

void set_failure_handler(FailureHandler handler) { g_failure_handler = handler; }

// `what` is evaluated only when the condition fails.
#define BOS_FUZZ_EXPECT(cond, what)                                                   \
  do {                                                                                \
    if (!(cond)) ::bos::fuzz::fail(__FILE__, __LINE__, std::string(#cond) + " -- " + (what)); \
  } while (0)

// [SECTION] Reference implementations -----------------------------------------------------------------

namespace {

bool in_range(unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; }

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode 15, Table 3-7), or 0.
std::size_t ref_sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  const unsigned b = at(0);
  if (b <= 0x7F) return 1;
  if (in_range(b, 0xC2, 0xDF)) return in_range(at(1), 0x80, 0xBF) ? 2 : 0;
  unsigned lo = 0x80, hi = 0xBF;
  std::size_t len = 0;
  if (b == 0xE0) { lo = 0xA0; len = 3; }
  else if (in_range(b, 0xE1, 0xEC) || in_range(b, 0xEE, 0xEF)) { len = 3; }
  else if (b == 0xED) { hi = 0x9F; len = 3; }
  else if (b == 0xF0) { lo = 0x90; len = 4; }
  else if (in_range(b, 0xF1, 0xF3)) { len = 4; }
  else if (b == 0xF4) { hi = 0x8F; len = 4; }
  else return 0;
  if (!in_range(at(1), lo, hi)) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (!in_range(at(k), 0x80, 0xBF)) return 0;
  }
  return len;
}

char32_t ref_decode(std::string_view seq) {
  const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(seq[k])); };
  switch (seq.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

bool ref_valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto len = ref_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// Each byte that does not start a well-formed sequence becomes U+FFFD (what utf8::repair documents).
std::string ref_repair(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto len = ref_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::size_t ref_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += std::max<std::size_t>(ref_sequence_length(s, i), 1);
  return n;
}

// ECMAScript WhiteSpace and LineTerminator (what String.prototype.trim removes), Unicode 15.
bool ref_js_space(char32_t cp) {
  static constexpr char32_t kSpaces[] = {0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x00A0, 0x1680,
                                         0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
                                         0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
                                         0xFEFF};
  return std::find(std::begin(kSpaces), std::end(kSpaces), cp) != std::end(kSpaces);
}

// True when `s` is made only of well-formed whitespace code points.
bool ref_all_space(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto len = ref_sequence_length(s, i);
    if (len == 0 || !ref_js_space(ref_decode(s.substr(i, len)))) return false;
    i += len;
  }
  return true;
}

// The deepest nesting nlohmann's parser reaches on `text` before it finishes or fails, up to
// kMaxJsonDepth + 1 (where it stops). Its SAX parser is iterative, so this is safe on any depth; the DOM
// parser (what the engine uses) recurses.
struct DepthProbe {
  int depth = 0;
  int max_depth = 0;
  bool failed = false;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(nlohmann::json::number_integer_t) { return true; }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(std::size_t) { return open(); }
  bool key(std::string&) { return true; }
  bool end_object() { --depth; return true; }
  bool start_array(std::size_t) { return open(); }
  bool end_array() { --depth; return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    failed = true;
    return false;
  }
  bool open() {
    max_depth = std::max(max_depth, ++depth);
    return max_depth <= kMaxJsonDepth;  // deeper is all the checks need to know
  }
};

DepthProbe probe_depth(std::string_view text) {
  DepthProbe probe;
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &probe);
  if (!ok) probe.failed = true;
  return probe;
}

std::vector<std::string_view> split(std::string_view s, char sep, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const auto at = s.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  parts.push_back(s);
  return parts;
}

std::string json_string(std::string_view s) {
  return nlohmann::json(utf8::repair(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// [SECTION] Checks ------------------------------------------------------------------------------------

bool is_substring_of(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_text(std::string_view s, std::size_t max_bytes, const char* what) {
  BOS_FUZZ_EXPECT(ref_valid(s), std::string(what) + " is not valid UTF-8: " + show(s));
  BOS_FUZZ_EXPECT(s.size() <= max_bytes, std::string(what) + " has " + std::to_string(s.size()) + " bytes");
}

constexpr std::size_t kDifferentialMaxBytes = 24 * 1024;

// parse_server_frame's result on `text`, against its contract and a plain nlohmann parse.
void check_frame(std::string_view text, const ServerFrame& f, int64_t now) {
  const auto where = [&] { return "frame " + show(text); };
  BOS_FUZZ_EXPECT((f.type == FrameType::Invalid) == (f.error != FrameError::None), where());
  BOS_FUZZ_EXPECT(std::string_view(to_string(f.type)) != "?" && std::string_view(to_string(f.error)) != "?", where());
  check_text(f.message, kMaxDisplayTextBytes, "message");
  for (const std::string* s : {&f.client_msg_id, &f.connection_id, &f.request_id, &f.agent}) {
    check_text(*s, kMaxShortFieldBytes, "short field");
  }
  check_text(f.error_detail, 512, "error_detail");
  // A server timestamp converted to ms, or `now` when missing or absurd (checked exactly further down).
  BOS_FUZZ_EXPECT(f.timestamp_ms == now || (f.timestamp_ms >= 0 && f.timestamp_ms < 100'000'000'000'000), where());

  if (text.size() > kMaxInboundFrameBytes) {
    BOS_FUZZ_EXPECT(f.error == FrameError::TooLarge, where());
    return;
  }
  BOS_FUZZ_EXPECT(f.error != FrameError::TooLarge, where());
  // JSON has no raw NUL, and nlohmann's parser would take one for the end of the input.
  if (text.find('\0') != std::string_view::npos) {
    BOS_FUZZ_EXPECT(f.error == FrameError::InvalidJson || f.error == FrameError::InvalidUtf8 ||
                        f.error == FrameError::TooDeep,
                    where());
    return;
  }

  // Nothing nested deeper than the limit may reach the recursive parser; valid shallow JSON is never refused.
  const DepthProbe depth = probe_depth(text);
  if (depth.max_depth > kMaxJsonDepth) {
    BOS_FUZZ_EXPECT(f.error == FrameError::TooDeep, where() + " reaches depth " + std::to_string(depth.max_depth));
    return;
  }
  if (f.error == FrameError::TooDeep) {
    BOS_FUZZ_EXPECT(depth.failed, where() + " is valid JSON of depth " + std::to_string(depth.max_depth));
    return;
  }
  // Invalid UTF-8 never parses as JSON (the parser's lexer refuses it), and is reported as such.
  const bool valid_utf8 = ref_valid(text);
  if (!valid_utf8) BOS_FUZZ_EXPECT(depth.failed, where() + " parsed as JSON although it is not UTF-8");
  BOS_FUZZ_EXPECT((f.error == FrameError::InvalidUtf8) == !valid_utf8, where());
  if (!valid_utf8) return;
  // The field-by-field comparison below costs two more parses: big frames (generated ones) skip it.
  if (text.size() > kDifferentialMaxBytes) return;

  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  BOS_FUZZ_EXPECT(j.is_discarded() == depth.failed, where());
  if (j.is_discarded()) {
    BOS_FUZZ_EXPECT(f.error == FrameError::InvalidJson, where());
    return;
  }
  if (!j.is_object()) {
    BOS_FUZZ_EXPECT(f.error == FrameError::NotAnObject, where());
    return;
  }
  const auto type = j.find("type");
  if (type == j.end()) {
    const auto msg = j.find("message");
    FrameType expected = FrameType::Invalid;
    if (msg != j.end() && msg->is_string() && j.contains("requestId")) {
      const auto& m = msg->get_ref<const std::string&>();
      if (m == "Forbidden") expected = FrameType::GatewayForbidden;
      if (m == "Internal server error") expected = FrameType::GatewayInternalError;
    }
    BOS_FUZZ_EXPECT(f.type == expected, where());
    if (expected == FrameType::Invalid) BOS_FUZZ_EXPECT(f.error == FrameError::MissingType, where());
    return;
  }
  if (!type->is_string()) {
    BOS_FUZZ_EXPECT(f.error == FrameError::MissingType, where());
    return;
  }
  const std::string name(utf8::truncate(type->get_ref<const std::string&>(), kMaxShortFieldBytes));
  // The timestamp: the server's, converted, when it is a plausible number; `now` otherwise.
  int64_t expected_ms = now;
  if (const auto ts = j.find("timestamp"); ts != j.end() && ts->is_number()) {
    int64_t ms = 0;
    if (server_timestamp_to_ms(ts->get<double>(), ms)) expected_ms = ms;
  }
  BOS_FUZZ_EXPECT(f.timestamp_ms == expected_ms, where());
  static const std::map<std::string, FrameType> kKnown = {
      {"ack", FrameType::Ack},       {"message", FrameType::Message}, {"notification", FrameType::Notification},
      {"typing", FrameType::Typing}, {"status", FrameType::Status},   {"error", FrameType::Error},
      {"heartbeat", FrameType::Heartbeat}};
  const auto known = kKnown.find(name);
  if (known == kKnown.end()) {
    BOS_FUZZ_EXPECT(f.error == FrameError::UnknownType, where());
    BOS_FUZZ_EXPECT(f.error_detail == "type \"" + std::string(utf8::truncate(name, kMaxLoggedDetailBytes)) + "\"", where());
    return;
  }
  BOS_FUZZ_EXPECT(f.type == known->second || f.error == FrameError::WrongFieldType, where());
  // The text shown is the server's text, cut on a cluster boundary only when over the display limit (on a
  // code point when one cluster alone is longer), without the controls that could make it say something else
  // than it shows (issue 13).
  const auto msg = j.find("message");
  const bool reads_message = f.type == FrameType::Ack || f.type == FrameType::Message ||
                             f.type == FrameType::Notification || f.type == FrameType::Status ||
                             f.type == FrameType::Error;
  if (reads_message && msg != j.end() && msg->is_string()) {
    const auto& m = msg->get_ref<const std::string&>();
    const std::string_view cut = grapheme::truncate(m, kMaxDisplayTextBytes);
    BOS_FUZZ_EXPECT(f.message == utf8::without_deceptive_controls(cut), where());
    BOS_FUZZ_EXPECT(m.size() <= kMaxDisplayTextBytes || cut.size() + 4 > kMaxDisplayTextBytes ||
                        grapheme::next_boundary(m, cut.size()) > kMaxDisplayTextBytes,
                    where());
  }
  if (known->second == FrameType::Message || known->second == FrameType::Notification) {
    const bool message_ok = msg != j.end() && msg->is_string();
    if (!message_ok) BOS_FUZZ_EXPECT(f.error == FrameError::WrongFieldType, where());
  }
  if (known->second == FrameType::Heartbeat) BOS_FUZZ_EXPECT(f.type == FrameType::Heartbeat, where());
}

// `verified`, if given, holds ids whose (immutable) text was checked before: only new entries' texts are
// read, which keeps a long input's checks linear.
void check_outbox(const Outbox& o, const char* what, std::set<std::string>* verified = nullptr) {
  const auto where = [&] { return std::string(what) + " with " + std::to_string(o.size()) + " entries"; };
  BOS_FUZZ_EXPECT(o.size() <= kOutboxMaxMessages, where());
  BOS_FUZZ_EXPECT(o.bytes() <= kOutboxMaxBytes, where());
  std::size_t bytes = 0;
  std::set<std::string_view> ids;
  for (const auto& e : o.entries()) {
    bytes += e.text.size();
    BOS_FUZZ_EXPECT(ids.insert(e.id).second, where() + ": duplicate id " + show(e.id));
    BOS_FUZZ_EXPECT(!e.id.empty() && e.id.size() <= kMaxShortFieldBytes, where() + ": id " + show(e.id));
    if (verified && verified->count(e.id)) continue;
    BOS_FUZZ_EXPECT(ref_valid(e.id), where() + ": id " + show(e.id));
    BOS_FUZZ_EXPECT(ref_valid(e.text) && !e.text.empty(), where() + ": text " + show(e.text));
    BOS_FUZZ_EXPECT(ref_count(e.text) <= kMaxMessageCodepoints, where() + ": text " + show(e.text));
    if (verified) verified->insert(e.id);
  }
  BOS_FUZZ_EXPECT(bytes == o.bytes(), where() + ": bytes " + std::to_string(o.bytes()) + " != " + std::to_string(bytes));
}

// What a reload keeps of an entry (sent_on_conn, sent_ms and send_count are not persisted).
struct StoredEntry {
  std::string id, text;
  int64_t created_ms;
  bool sent, failed;
  FailReason reason;
  bool operator==(const StoredEntry&) const = default;
};

bool same_entries(const std::vector<StoredEntry>& stored, const Outbox& o) {
  if (stored.size() != o.size()) return false;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& s = stored[i];
    const auto& e = o.entries()[i];
    if (s.id != e.id || s.text != e.text || s.created_ms != e.created_ms || s.sent != (e.state == OutboxState::Sent) ||
        s.failed != (e.state == OutboxState::Failed) || s.reason != e.fail_reason) {
      return false;
    }
  }
  return true;
}

std::vector<StoredEntry> stored_view(const Outbox& o) {
  std::vector<StoredEntry> out;
  for (const auto& e : o.entries()) {
    out.push_back({e.id, e.text, e.created_ms, e.state == OutboxState::Sent, e.state == OutboxState::Failed,
                   e.fail_reason});
  }
  return out;
}

// A blob that restored must serialize back into one that restores to the same thing, byte for byte.
void check_outbox_roundtrip(const Outbox& o) {
  const std::string blob = o.serialize();
  Outbox again;
  const auto err = again.restore(blob);
  BOS_FUZZ_EXPECT(err == RestoreError::None, std::string("own outbox blob refused: ") + to_string(err) + " " + show(blob));
  BOS_FUZZ_EXPECT(again.serialize() == blob, "outbox blob does not round-trip: " + show(blob));
  BOS_FUZZ_EXPECT(stored_view(again) == stored_view(o), "outbox content changed on round-trip: " + show(blob));
}

// Messages up to seq `verified_seq` had their (immutable) texts checked before; returns the newest seq.
uint64_t check_chat(const ChatModel& c, const char* what, uint64_t verified_seq = 0) {
  const auto where = [&] { return std::string(what) + " with " + std::to_string(c.size()) + " messages"; };
  BOS_FUZZ_EXPECT(c.size() <= kHistoryMaxMessages, where());
  uint64_t last_seq = 0;
  int temporary = 0;
  for (const auto& m : c.messages()) {
    BOS_FUZZ_EXPECT(m.seq > last_seq, where() + ": seq " + std::to_string(m.seq));
    last_seq = m.seq;
    BOS_FUZZ_EXPECT(m.version >= 1, where());
    BOS_FUZZ_EXPECT(std::string_view(to_string(m.role)) != "?" && std::string_view(to_string(m.state)) != "?", where());
    if (m.temporary) ++temporary;
    if (m.seq <= verified_seq) continue;
    BOS_FUZZ_EXPECT(!m.id.empty() && ref_valid(m.id), where() + ": id " + show(m.id));
    BOS_FUZZ_EXPECT(ref_valid(m.text), where() + ": text " + show(m.text));
  }
  BOS_FUZZ_EXPECT(temporary <= 1, where() + ": " + std::to_string(temporary) + " processing lines");
  BOS_FUZZ_EXPECT(ref_valid(c.typing_agent()), where());
  return last_seq;
}

void check_chat_roundtrip(const ChatModel& c) {
  const std::string blob = c.serialize();
  BOS_FUZZ_EXPECT(blob.size() <= kHistoryPersistBytes + 64, "history blob of " + std::to_string(blob.size()) + " bytes");
  ChatModel again;
  const auto err = again.restore(blob);
  BOS_FUZZ_EXPECT(err == RestoreError::None, std::string("own history blob refused: ") + to_string(err) + " " + show(blob));
  BOS_FUZZ_EXPECT(again.serialize() == blob, "history blob does not round-trip: " + show(blob));
  BOS_FUZZ_EXPECT(again.size() <= kHistoryPersistMessages, "history restored " + std::to_string(again.size()));
}

// A blob the engine persisted reads back; `outbox_view` receives what an outbox blob restores to.
void check_persisted(StoreKey key, const std::string& data, std::vector<StoredEntry>& outbox_view) {
  if (data.empty()) {  // "remove the key"
    if (key == StoreKey::Outbox) outbox_view.clear();
    return;
  }
  if (key == StoreKey::Outbox) {
    Outbox o;
    const auto err = o.restore(data);
    BOS_FUZZ_EXPECT(err == RestoreError::None, std::string("persisted outbox refused: ") + to_string(err) + " " + show(data));
    check_outbox(o, "persisted outbox");
    outbox_view = stored_view(o);
  } else if (key == StoreKey::History) {
    ChatModel c;
    const auto err = c.restore(data);
    BOS_FUZZ_EXPECT(err == RestoreError::None, std::string("persisted history refused: ") + to_string(err) + " " + show(data));
    check_chat(c, "persisted history");
  } else {
    Identity id;
    BOS_FUZZ_EXPECT(parse_identity(data, id), "persisted identity refused: " + show(data));
  }
}

// [SECTION] Driver ------------------------------------------------------------------------------------

constexpr int64_t kT0 = 1'764'345'600'000;  // 2025-11-28T16:00:00Z, as in tests/support/harness.hpp

EngineConfig default_config() {
  EngineConfig c;
  c.endpoint = "ws://localhost:3001";
  c.page_is_loopback = true;  // the dev page, as in tests/support/harness.cpp
  c.user_id = "resident-42";
  c.session_id = "session-1";
  c.seed = 12345;
  return c;
}

// The browser's view of one WebSocket, and the server's bookkeeping of what it answered.
struct SocketModel {
  bool open = false;
  bool closed = false;        // by the engine (CloseSocket) or by the server
  // What the client sent, as the server sees it: the action and, for chat messages, client_msg_id.
  std::vector<std::pair<std::string, std::string>> sent;
  std::size_t served = 0;     // frames the good server has answered
};

class Driver {
 public:
  explicit Driver(EngineConfig config) : config_(std::move(config)) { engine_.emplace(config_); }

  Engine& engine() { return *engine_; }
  int64_t now = kT0;
  std::map<uint32_t, SocketModel> sockets;     // this page's sockets
  std::map<StoreKey, std::string> storage;     // localStorage: survives reload()

  // The server's view, across reloads: client_msg_ids in the order they first arrived.
  std::vector<std::string> first_arrivals;
  std::set<std::string> arrived;
  // The resident's messages in the order they were accepted, and those that were ever failed (their
  // order is the resident's retry, not the original send).
  std::vector<std::string> accepted;
  std::set<std::string> ever_failed;
  int big_ops = 0;  // kSendLong and big kBigFrame actions so far (see kMaxBigOps)
  // The good server is the seed's Lambdas (acks without client_msg_id) instead of the ids backend.
  bool seed_acks = false;

  void apply(Effects effects) {
    for (auto& effect : effects) std::visit([this](auto& e) { on_effect(e); }, effect);
    note_outbox();
  }

  // A page load: restore from storage, then `before_start` (other tabs' state is merged there), start.
  template <class BeforeStart>
  void boot(bool history_first, BeforeStart before_start) {
    stored_outbox_.clear();
    if (const auto it = storage.find(StoreKey::Outbox); it != storage.end()) {
      Outbox stored;
      if (stored.restore(it->second) == RestoreError::None) stored_outbox_ = stored_view(stored);
    }
    for (int i = 0; i < 2; ++i) {
      const StoreKey key = (i == 0) == history_first ? StoreKey::History : StoreKey::Outbox;
      if (const auto it = storage.find(key); it != storage.end()) apply(engine_->restore(key, it->second, now));
    }
    before_start();
    apply(engine_->start(now));
    check();
  }
  void boot(bool history_first) {
    boot(history_first, [] {});
  }

  // Another tab's stored outbox and history, taken over as src/app does (App::take_over): a closed tab's
  // outbox is adopted, then its history merged; a live tab's history only. Then written at once.
  void merge_tab(std::string_view outbox, std::string_view history, bool live) {
    Engine::MergeResult r;
    bool adopted = false;
    if (!live && !outbox.empty()) {
      apply(engine_->merge_stored(StoreKey::Outbox, outbox, {false, false}, now, &r));
      Outbox theirs;
      const bool readable = theirs.restore(outbox) == RestoreError::None;
      BOS_FUZZ_EXPECT(r.readable == readable, "merge_stored(outbox) readable " + std::to_string(r.readable));
      if (r.complete) {  // the caller deletes their copy now: every message must be ours or delivered
        for (const auto& e : theirs.entries()) {
          const ChatMessage* m = engine_->chat().find_id(e.id);
          BOS_FUZZ_EXPECT(engine_->outbox().find(e.id) ||
                              (m && (m->state == MessageState::Acked || m->state == MessageState::Answered)),
                          "another tab's message dropped by a complete merge: " + show(e.id));
        }
      }
      adopted = r.readable && r.complete;
    }
    if (!history.empty()) {
      apply(engine_->merge_stored(StoreKey::History, history, {live, adopted}, now, &r));
      ChatModel theirs;
      const bool readable = theirs.restore(history) == RestoreError::None;
      BOS_FUZZ_EXPECT(r.readable == readable, "merge_stored(history) readable " + std::to_string(r.readable));
      if (readable && engine_->chat().size() < kHistoryMaxMessages) {
        for (const auto& m : theirs.messages()) {
          BOS_FUZZ_EXPECT(engine_->chat().find_id(m.id), "another tab's message missing after a merge: " + show(m.id));
        }
      }
    }
    apply(engine_->persist_now(now));
    check();
  }

  // The page goes away and comes back: sockets vanish, a new engine restores from localStorage.
  void reload(bool graceful, bool history_first) {
    if (graceful) apply(engine_->page_hidden(now));
    check_storage();
    const auto before = stored_view(engine_->outbox());
    // In flight with its one automatic resend used (no ids proven): the reload does not grant another, it
    // comes back not confirmed (Engine::settle_unknown_fates). The only change a reload may make.
    std::set<std::string> spent;
    for (const auto& e : engine_->outbox().entries()) {
      if (e.state == OutboxState::Sent && e.send_count >= kMaxUnconfirmedSends && !engine_->outbox().ids_proven) spent.insert(e.id);
    }
    config_.seed = config_.seed * 6364136223846793005ull + 1442695040888963407ull;
    engine_.emplace(config_);
    sockets.clear();
    last_conn_ = 0;
    verified_ids_.clear();
    verified_seq_ = 0;
    boot(history_first);
    // The outbox is written at once on every change: a reload never loses or alters a message.
    const auto after = stored_view(engine_->outbox());
    for (const auto& e : before) {
      const auto it = std::find_if(after.begin(), after.end(), [&](const StoredEntry& a) { return a.id == e.id; });
      BOS_FUZZ_EXPECT(it != after.end(), "message lost by a reload: " + show(e.id) + " " + show(e.text));
      const bool unconfirmed = spent.count(e.id) && it->failed && it->reason == FailReason::Unconfirmed;
      BOS_FUZZ_EXPECT(it->text == e.text && ((it->failed == e.failed && it->reason == e.reason) || unconfirmed),
                      "message altered by a reload: " + show(e.id));
    }
  }

  void advance(int64_t ms) {
    now += ms;
    apply(engine_->tick(now));
  }

  uint32_t current() const { return engine_->current_connection(); }
  bool is_live(uint32_t conn) const {
    const auto it = sockets.find(conn);
    return it != sockets.end() && !it->second.closed;
  }
  bool is_open(uint32_t conn) const { return is_live(conn) && sockets.at(conn).open; }
  // A live socket other than the current one (draining or rotating), open if `open_only`; 0 if none.
  uint32_t other_live(bool open_only) const {
    for (auto it = sockets.rbegin(); it != sockets.rend(); ++it) {
      if (it->first != current() && !it->second.closed && (it->second.open || !open_only)) return it->first;
    }
    return 0;
  }

  // The server accepts the upgrade of pending sockets (the newest, or all of them oldest first).
  void open_pending(bool all) {
    std::vector<uint32_t> pending;
    for (const auto& [conn, s] : sockets) {
      if (!s.open && !s.closed) pending.push_back(conn);
    }
    if (!all && pending.size() > 1) pending.erase(pending.begin(), pending.end() - 1);
    for (const uint32_t conn : pending) {
      if (!is_live(conn) || sockets[conn].open) continue;  // an earlier open may have closed it
      sockets[conn].open = true;
      apply(engine_->on_open(conn, now));
    }
  }

  // A text frame from the server. On a socket the engine is done with, it must change nothing.
  void deliver(uint32_t conn, std::string_view text, bool trusted = false) {
    // Big frames are generated ones (kBigFrame) of a known shape: the engine's own parse is enough.
    if (!trusted && text.size() <= kDifferentialMaxBytes) check_frame(text, parse_server_frame(text, now), now);
    if (is_open(conn)) {
      apply(engine_->on_text(conn, text, now));
    } else if (!is_live(conn)) {
      const auto revision = engine_->chat().revision();
      const auto frames_in = engine_->stats().frames_in;
      const Effects effects = engine_->on_text(conn, text, now);
      BOS_FUZZ_EXPECT(effects.empty() && engine_->chat().revision() == revision &&
                          engine_->stats().frames_in == frames_in,
                      "a frame on connection " + std::to_string(conn) + ", which the engine is done with, was handled");
    }
    // A pending socket cannot receive frames: nothing to deliver.
  }

  void server_closes(uint32_t conn, int code, std::string_view reason) {
    if (conn == 0) return;
    const bool was_live = is_live(conn);
    if (auto it = sockets.find(conn); it != sockets.end()) {
      it->second.open = false;
      it->second.closed = true;
    }
    if (was_live) {
      apply(engine_->on_close(conn, code, reason, now));
    } else {
      // The close event of a socket the engine closed itself arrives late: nothing may change.
      const auto state = engine_->state();
      const Effects effects = engine_->on_close(conn, code, reason, now);
      BOS_FUZZ_EXPECT(effects.empty() && engine_->state() == state,
                      "a late close of connection " + std::to_string(conn) + " was handled");
    }
  }

  // A good server: acks every chat message on the socket it came on, answers every heartbeat.
  void serve() {
    for (int round = 0; round < 8; ++round) {
      bool progress = false;
      for (auto& [conn, s] : sockets) {
        while (s.served < s.sent.size() && s.open && !s.closed) {
          const auto [action, id] = s.sent[s.served++];
          // The seed Lambda's frames, echoing client_msg_id; known good, so not re-checked by deliver().
          std::string answer;
          if (action == "sendMessage") {
            answer = R"({"type": "ack", "message": "Processando sua solicita\u00e7\u00e3o...", "timestamp": )" +
                     std::to_string(now / 1000) +
                     (seed_acks ? std::string("}") : R"(, "client_msg_id": )" + json_string(id) + "}");
          } else if (action == "heartbeat") {
            answer = R"({"type": "heartbeat", "timestamp": )" + std::to_string(now / 1000) + "}";
          }
          if (!answer.empty()) {
            deliver(conn, answer, /*trusted=*/true);
            progress = true;
          }
        }
      }
      if (!progress) break;
    }
  }

  // The network heals and the resident taps "Tentar agora" and "Reenviar": everything must go out.
  void settle() {
    // "Tentar agora" is what a resident can tap when not connected (kReconnect fuzzes it in any state).
    if (engine_->state() != ConnState::Connected && engine_->state() != ConnState::Connecting) {
      apply(engine_->reconnect(now));
    }
    for (int i = 0; i < 600; ++i) {
      std::vector<std::string> failed;
      for (const auto& e : engine_->outbox().entries()) {
        if (e.state == OutboxState::Failed) failed.push_back(e.id);
      }
      for (const auto& id : failed) apply(engine_->retry_message(id, now));
      open_pending(true);
      serve();
      if (engine_->outbox().empty() && engine_->state() == ConnState::Connected && !engine_->rotating()) break;
      if (tracing()) {
        std::fprintf(stderr, "[t=%lld] settle %d: state %s conn %u rotating %d outbox %zu next deadline %+lld\n",
                     static_cast<long long>(now - kT0), i, to_string(engine_->state()), current(),
                     engine_->rotating(), engine_->outbox().size(),
                     static_cast<long long>(engine_->next_deadline_ms() == kNever ? -1 : engine_->next_deadline_ms() - now));
      }
      advance(1'000);
    }
    BOS_FUZZ_EXPECT(engine_->outbox().empty(), std::to_string(engine_->outbox().size()) +
                                                   " message(s) never delivered to a healthy server; state " +
                                                   to_string(engine_->state()));
    BOS_FUZZ_EXPECT(engine_->state() == ConnState::Connected, std::string("state ") + to_string(engine_->state()));
    // Without ids the queue may move past a message whose ack did not come (docs/delivery.md).
    if (!seed_acks) check_order();
    apply(engine_->page_hidden(now));  // flushes a pending history write: check() reads it back
    check();
    // The resident disconnects: every socket the engine opened is closed (none leaked).
    apply(engine_->disconnect(now));
    for (const auto& [conn, s] : sockets) {
      BOS_FUZZ_EXPECT(s.closed, "socket " + std::to_string(conn) + " leaked: still open after disconnect()");
    }
  }

  // First arrivals at the server follow the order the resident sent (failed-and-retried ones aside).
  void check_order() const {
    std::map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < accepted.size(); ++i) index.emplace(accepted[i], i);
    std::size_t last = 0;
    std::string_view last_id;
    for (const auto& id : first_arrivals) {
      if (ever_failed.count(id)) continue;
      const auto it = index.find(id);
      if (it == index.end()) continue;
      BOS_FUZZ_EXPECT(last_id.empty() || it->second > last,
                      "out of order: " + show(id) + " arrived after " + show(last_id));
      last = it->second;
      last_id = id;
    }
  }

  // What the engine persisted since the last check reads back (the last blob of each key: the one a
  // reload would find).
  void check_storage() {
    for (const StoreKey key : unchecked_) {
      const auto it = storage.find(key);
      const std::string& blob = it == storage.end() ? kNoBlob : it->second;
      // The usual case, cheaply: the outbox blob is exactly the outbox serialized, whose entries
      // check_outbox() holds to what restore() accepts.
      if (key == StoreKey::Outbox && !blob.empty() && blob == engine_->outbox().serialize()) {
        stored_outbox_ = stored_view(engine_->outbox());
        continue;
      }
      check_persisted(key, blob, stored_outbox_);
    }
    unchecked_.clear();
  }

  // Invariants after every step (the expensive round-trips run on persisted blobs and at the end).
  void check() {
    check_storage();
    Engine& e = *engine_;
    check_outbox(e.outbox(), "engine outbox", &verified_ids_);
    const auto& chat = e.chat();
    verified_seq_ = check_chat(chat, "engine history", verified_seq_);
    if (chat.size() < kHistoryMaxMessages) {
      for (const auto& o : e.outbox().entries()) {
        BOS_FUZZ_EXPECT(chat.find_id(o.id) != nullptr, "outbox message not shown: " + show(o.id));
      }
    }
    std::size_t unacked = 0;
    for (const auto& o : e.outbox().entries()) unacked += o.state != OutboxState::Failed;
    BOS_FUZZ_EXPECT(e.queued() == unacked, "queued()");
    if (e.state() == ConnState::Connected) {
      BOS_FUZZ_EXPECT(is_open(e.current_connection()), "connected, but connection " +
                                                           std::to_string(e.current_connection()) + " is not open");
    }
    std::size_t live = 0;
    for (const auto& [conn, s] : sockets) live += !s.closed;
    BOS_FUZZ_EXPECT(live <= 2, std::to_string(live) + " sockets live at once");
    const auto status = e.status_text(now);
    BOS_FUZZ_EXPECT(!status.empty() && ref_valid(status), "status text " + show(status));
    // The stored outbox is the outbox: a reload right now would lose or alter nothing.
    BOS_FUZZ_EXPECT(same_entries(stored_outbox_, e.outbox()),
                    "the stored outbox (" + std::to_string(stored_outbox_.size()) + ") differs from the outbox (" +
                        std::to_string(e.outbox().size()) + ")");
  }

 private:
  void on_effect(OpenSocket& o) {
    BOS_FUZZ_EXPECT(o.conn > last_conn_, "connection ids must increase: " + std::to_string(o.conn));
    last_conn_ = o.conn;
    BOS_FUZZ_EXPECT(o.url.find("user_id=") != std::string::npos && o.url.find("session_id=") != std::string::npos,
                    "url " + show(o.url));
    sockets[o.conn] = SocketModel{};
  }
  void on_effect(SendText& t) {
    const auto it = sockets.find(t.conn);
    BOS_FUZZ_EXPECT(it != sockets.end() && it->second.open && !it->second.closed,
                    "send on connection " + std::to_string(t.conn) + ", which is not open: " + show(t.text));
    BOS_FUZZ_EXPECT(t.text.size() <= kMaxOutboundFrameBytes, "outgoing frame of " + std::to_string(t.text.size()));
    BOS_FUZZ_EXPECT(ref_valid(t.text), "outgoing frame " + show(t.text));
    const auto j = nlohmann::json::parse(t.text, nullptr, false);
    BOS_FUZZ_EXPECT(j.is_object() && j.contains("action") && j["action"].is_string(), show(t.text));
    const auto& action = j["action"].get_ref<const std::string&>();
    if (action == "sendMessage") {
      const auto id = j.find("client_msg_id"), message = j.find("message");
      BOS_FUZZ_EXPECT(id != j.end() && id->is_string() && message != j.end() && message->is_string(), show(t.text));
      const auto& id_text = id->get_ref<const std::string&>();
      const OutboxEntry* e = engine_->outbox().find(id_text);
      BOS_FUZZ_EXPECT(e && e->text == message->get_ref<const std::string&>(), "sent text is not the outbox text: " + show(t.text));
      if (arrived.insert(id_text).second) first_arrivals.push_back(id_text);
      it->second.sent.emplace_back(action, id_text);
    } else {
      BOS_FUZZ_EXPECT(action == "heartbeat" || action == "typing", "action " + show(action));
      it->second.sent.emplace_back(action, std::string());
    }
  }
  void on_effect(CloseSocket& c) {
    const auto it = sockets.find(c.conn);
    BOS_FUZZ_EXPECT(it != sockets.end(), "close of unknown connection " + std::to_string(c.conn));
    // What WebSocket.close() accepts without throwing.
    BOS_FUZZ_EXPECT(c.code == 1000 || (c.code >= 3000 && c.code <= 4999), "close code " + std::to_string(c.code));
    BOS_FUZZ_EXPECT(c.reason.size() <= 123 && ref_valid(c.reason), "close reason " + show(c.reason));
    it->second.open = false;
    it->second.closed = true;
  }
  void on_effect(Persist& p) {
    BOS_FUZZ_EXPECT(std::string_view(to_string(p.key)) != "?", "persist key");
    if (p.data.empty()) storage.erase(p.key);
    else storage[p.key] = std::move(p.data);
    unchecked_.insert(p.key);  // check_storage() reads back the last blob of each key
  }
  void on_effect(Notify& n) {
    check_text(n.title, 256, "notification title");
    check_text(n.body, kMaxDisplayTextBytes, "notification body");
  }
  void on_effect(UiEvent& u) {
    BOS_FUZZ_EXPECT(static_cast<int>(u.kind) >= 0 && u.kind <= UiEventKind::UnreadChanged, "ui event kind");
  }
  void on_effect(Log& l) { check_text(l.text, 64 * 1024, "log line"); }

  void note_outbox() {
    for (const auto& e : engine_->outbox().entries()) {
      if (accepted_ids_.insert(e.id).second) accepted.push_back(e.id);
      if (e.state == OutboxState::Failed) ever_failed.insert(e.id);
    }
  }

  EngineConfig config_;
  std::optional<Engine> engine_;  // plain data: a Driver copies, engine and all
  uint32_t last_conn_ = 0;
  std::vector<StoredEntry> stored_outbox_;  // what storage[Outbox] restores to
  std::set<StoreKey> unchecked_;            // keys persisted since the last check_storage()
  static inline const std::string kNoBlob;
  std::set<std::string> accepted_ids_;      // = accepted, for lookups
  std::set<std::string> verified_ids_;      // outbox entries whose text check() has read
  uint64_t verified_seq_ = 0;               // history messages whose text check() has read
};

// [SECTION] fuzz_frame --------------------------------------------------------------------------------
//
// Input: FRAME [0xFF OP REST]...
//   The whole input goes through parse_server_frame. Then an engine restored from a small fixture
//   (three outbox messages m1 sent, m2 queued, m3 failed; a short history), started and connected gets
//   FRAME on its connection. Each further part starts with an action byte: action = OP % kOpCount,
//   param = OP / kOpCount (0-12, 0-11 for the last actions); REST is the frame, text, reason or id the
//   action uses. After every action the engine's invariants are checked; at the end a healthy server
//   must get every message delivered, in order, and disconnect() must close every socket.

enum Op : uint8_t {
  kFrameCurrent,   // REST as a frame on the current connection
  kFrameOther,     // REST on the other open connection (draining or rotating), else the current one
  kFrameStale,     // REST on a connection the engine is done with (or never had): must change nothing
  kSendChat,       // the resident sends REST
  kSendLong,       // the resident sends REST's code points repeated to about the length limit
  kTick,           // time passes (param: kJumps), including a wall clock stepping back
  kOpen,           // the server accepts pending sockets (param odd: all, even: the newest)
  kCloseCurrent,   // the server closes the current socket (param: kCloseCodes), REST is the reason
  kCloseOther,     // the server closes another socket, or the late close event of one the engine closed
  kSocketTrouble,  // on_error / on_send_failed on the current connection
  kDisconnect,
  kReconnect,
  kRotate,         // time reaches the rotation point; param odd: the next socket opens at once
  kPage,           // page hidden / visible, network online / offline (param % 4)
  kComposer,       // keystroke / blur
  kRetryDelete,    // retry (param even) or delete a failed message: REST as the id, else the first failed
  kClearHistory,
  kReload,         // param odd: graceful (pagehide first); param & 2: history restored first
  kServe,          // a good server acks everything in flight and answers heartbeats
  kBigFrame,       // REST inside a generated frame: deep nesting, huge text, over the size limit (param 0-11)
  kOpCount
};

constexpr int64_t kJumps[] = {0, 1, 999, 1'000, 5'000, 10'000, 20'000, 30'000, 60'000, 600'000,
                              110 * 60'000, 86'400'000, -3'600'000};
constexpr int kCloseCodes[] = {1000, 1001, 1005, 1006, 1008, 1009, 1011, 1012, 4000, 4001, 4403, 4999, 3000};
constexpr std::size_t kMaxSteps = 256;
constexpr int kMaxBigOps = 1;  // kSendLong and kBigFrame 4-7 actions carried out per input

const char kFixtureOutbox[] =
    R"({"v":1,"m":[["m1","O elevador 2 parou no 5\u00ba andar",1764345540000,1,0],)"
    R"(["m2","vazamento no 502",1764345570000,0,0],["m3","texto grande demais",1764345590000,2,1]]})";
const char kFixtureHistory[] =
    R"({"v":1,"m":[{"i":"m0","r":0,"s":3,"t":"Bom dia","ts":1764345500000},)"
    R"({"i":"s1","r":1,"s":5,"t":"Bom dia! Como posso ajudar?","ts":1764345501000},)"
    R"({"i":"s2","r":3,"s":5,"t":"Encomenda na portaria","ts":1764345502000,"p":1},)"
    R"({"i":"m1","r":0,"s":1,"t":"O elevador 2 parou no 5\u00ba andar","ts":1764345540000},)"
    R"({"i":"m3","r":0,"s":4,"t":"texto grande demais","ts":1764345590000,"f":1}]})";

// `n` code points: those of `text` (valid UTF-8) at both ends, "a" between them. Mostly ASCII on
// purpose: a message at the length limit stays in every outbox write after it, and 4-byte code points
// all along would quadruple the cost of each.
std::string pad_codepoints(std::string_view text, std::size_t n) {
  std::vector<std::size_t> starts;  // offsets of text's code points
  for (std::size_t i = 0; i < text.size(); i += std::max<std::size_t>(ref_sequence_length(text, i), 1)) {
    starts.push_back(i);
  }
  const std::size_t half = std::min(starts.size(), n) / 2;
  const std::size_t tail = std::min(starts.size() - half, n - half);
  std::string out(text.substr(0, half < starts.size() ? starts[half] : text.size()));
  out.append(n - half - tail, 'a');
  out.append(text.substr(tail ? starts[starts.size() - tail] : text.size()));
  return out;
}

std::string big_frame(std::string_view rest, unsigned param) {
  const std::string repaired = utf8::repair(rest);
  const auto nest = [&](const char* open, const char* close, int levels) {
    std::string s;
    for (int i = 0; i < levels; ++i) s += open;
    s += rest;
    for (int i = 0; i < levels; ++i) s += close;
    return s;
  };
  const auto repeat_to = [&](std::size_t bytes) {
    std::string s;
    const std::string unit = repaired.empty() ? std::string("x") : repaired;
    while (s.size() < bytes) s += unit;
    return s;
  };
  switch (param) {
    case 0: return nest("[", "]", kMaxJsonDepth - 1);
    case 1: return nest("[", "]", kMaxJsonDepth);
    case 2: return nest("{\"a\":", "}", kMaxJsonDepth + 1);
    case 3: return std::string(kMaxJsonDepth + 8, '[') + std::string(rest);  // check_frame's depth oracle sees it
    case 4: return R"({"type":"message","message":)" + json_string(repeat_to(kMaxDisplayTextBytes + 7)) + "}";
    case 5:
      return R"({"type":"notification","priority":"high","message":)" + json_string(repeat_to(20'000)) + "}";
    case 6: return repeat_to(kMaxInboundFrameBytes + 1);
    case 7:
      // REST's code points straddle the display cut. (Frames of 100 KB and more cost ~10 ms each under
      // ASan, which would dominate the run: protocol_test covers them, and case 6 the size limit.)
      return R"({"type":"message","message":)" + json_string(std::string(kMaxDisplayTextBytes - 2, 'a') + repaired) +
             "}";
    case 8: return R"({"type":"ack","client_msg_id":)" + json_string(rest) + "}";
    case 9: return R"({"type":"typing","typing":true,"agent":)" + json_string(rest) + "}";
    case 10: return R"({"type":"status","status":"connected","connectionId":)" + json_string(rest) + "}";
    default: return R"({"message": "Internal server error", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":)" +
                    json_string(rest) + "}";
  }
}

void frame_step(Driver& d, uint8_t op_byte, std::string_view rest) {
  const auto op = static_cast<Op>(op_byte % kOpCount);
  const unsigned param = op_byte / kOpCount;  // 0..12
  Engine& e = d.engine();
  if (tracing()) {
    std::fprintf(stderr, "[t=%lld] op %d param %u rest %s | state %s conn %u outbox %zu\n",
                 static_cast<long long>(d.now - kT0), static_cast<int>(op), param, show(rest, 60).c_str(),
                 to_string(e.state()), e.current_connection(), e.outbox().size());
  }
  switch (op) {
    case kFrameCurrent: d.deliver(d.current(), rest); break;
    case kFrameOther: {
      const uint32_t other = d.other_live(true);
      d.deliver(other ? other : d.current(), rest);
      break;
    }
    case kFrameStale: {
      uint32_t stale = 0x7FFF0000u + param;  // never opened
      for (const auto& [conn, s] : d.sockets) {
        if (s.closed && (param & 1)) stale = conn;
      }
      d.deliver(stale, rest);
      break;
    }
    case kSendChat: {
      SendResult r = e.send_chat(rest, d.now);
      d.apply(std::move(r.effects));
      const bool blank = utf8::trim(utf8::repair(rest)).empty();
      BOS_FUZZ_EXPECT((r.error == SendError::Empty) == blank, "send_chat " + show(rest) + ": " + to_string(r.error));
      BOS_FUZZ_EXPECT((r.error == SendError::None) == !r.id.empty(), "send_chat id");
      break;
    }
    case kSendLong: {
      // Each costs milliseconds (every later outbox write carries it): one per input reaches the limits.
      if (d.big_ops >= kMaxBigOps) break;
      ++d.big_ops;
      static constexpr std::size_t kCounts[] = {kMaxMessageCodepoints - 1, kMaxMessageCodepoints,
                                                kMaxMessageCodepoints + 1, 2 * kMaxMessageCodepoints};
      const std::string body = pad_codepoints(utf8::trim(utf8::repair(rest)), kCounts[param % 4]);
      const std::string text = param >= 4 ? " \xE3\x80\x80" + body + "\t\n" : body;  // trimmed before counting
      SendResult r = e.send_chat(text, d.now);
      d.apply(std::move(r.effects));
      const std::size_t count = ref_count(utf8::trim(body));
      if (r.error == SendError::TooLong) BOS_FUZZ_EXPECT(count > kMaxMessageCodepoints, "refused " + std::to_string(count));
      if (r.error == SendError::None) BOS_FUZZ_EXPECT(count <= kMaxMessageCodepoints, "accepted " + std::to_string(count));
      break;
    }
    case kTick: d.advance(kJumps[param]); break;
    case kOpen: d.open_pending(param & 1); break;
    case kCloseCurrent: d.server_closes(d.current(), kCloseCodes[param], rest); break;
    case kCloseOther: {
      uint32_t conn = d.other_live(false);
      if (param & 1) {
        for (const auto& [c, s] : d.sockets) {
          if (s.closed) conn = c;  // a late close event
        }
      }
      d.server_closes(conn, kCloseCodes[param], rest);
      break;
    }
    case kSocketTrouble:
      if (param & 1) d.apply(e.on_send_failed(d.current(), d.now));
      else d.apply(e.on_error(d.current(), d.now));
      break;
    case kDisconnect: d.apply(e.disconnect(d.now)); break;
    case kReconnect: d.apply(e.reconnect(d.now)); break;
    case kRotate:
      d.advance(110 * 60'000);
      if (param & 1) d.open_pending(false);
      break;
    case kPage:
      switch (param % 4) {
        case 0: d.apply(e.page_hidden(d.now)); break;
        case 1: d.apply(e.page_visible(d.now)); break;
        case 2: d.apply(e.network_online(d.now)); break;
        default: d.apply(e.network_offline(d.now)); break;
      }
      break;
    case kComposer:
      if (param & 1) d.apply(e.composer_blur(d.now));
      else d.apply(e.composer_input(d.now));
      break;
    case kRetryDelete: {
      std::string id(rest);
      if (id.empty()) {
        for (const auto& o : e.outbox().entries()) {
          if (o.state == OutboxState::Failed) {
            id = o.id;
            break;
          }
        }
      }
      if (param & 1) d.apply(e.delete_message(id, d.now));
      else d.apply(e.retry_message(id, d.now));
      break;
    }
    case kClearHistory: d.apply(e.clear_history(d.now)); break;
    case kReload: d.reload(param & 1, param & 2); break;
    case kServe: d.serve(); break;
    case kBigFrame:
      // Those of 16 KB and more cost milliseconds each: one per input exercises the limits well enough.
      if (param >= 4 && param <= 7) {
        if (d.big_ops >= kMaxBigOps) break;
        ++d.big_ops;
      }
      d.deliver(d.current(), big_frame(rest, param));
      break;
    case kOpCount: break;
  }
  d.check();
}

// [SECTION] fuzz_restore ------------------------------------------------------------------------------
//
// Input: OUTBOX [0xFF HISTORY [0xFF IDENTITY [0xFF OPTIONS [0xFF THEIR_OUTBOX [0xFF THEIR_HISTORY]]]]]
//   Each blob alone through its restore function (restore succeeds, or fails leaving things empty; what
//   restored serializes and restores back byte for byte; bounds hold), then all of them through an Engine
//   as a page load would (OPTIONS bit 0: history first; bit 1: identity from IDENTITY when it parses;
//   bit 2: one reload after start, bit 3: history first then). THEIR_* are another tab's, merged
//   (Engine::merge_stored) before start (bit 4) or after; bit 5: that tab is still open. A healthy server
//   must then receive every message the outbox held.

void check_outbox_restore(std::string_view blob) {
  Outbox o;
  OutboxEntry stale;
  stale.id = "stale";
  stale.text = "from before";
  o.push(stale);
  const auto err = o.restore(blob);
  BOS_FUZZ_EXPECT(std::string_view(to_string(err)) != "?", "restore error");
  if (err != RestoreError::None) {
    BOS_FUZZ_EXPECT(o.empty() && o.bytes() == 0, std::string("failed outbox restore left entries: ") + to_string(err));
    return;
  }
  BOS_FUZZ_EXPECT(blob.size() <= kMaxPersistedBlobBytes, "restored an oversized blob");
  check_outbox(o, "restored outbox");
  for (const auto& e : o.entries()) {
    BOS_FUZZ_EXPECT(e.sent_on_conn == 0 && e.send_count >= 0 && (e.state != OutboxState::Sent || e.send_count >= 1),
                    "restored send state");
  }
  check_outbox_roundtrip(o);
}

void check_history_restore(std::string_view blob) {
  ChatModel c;
  ChatMessage stale;
  stale.text = "from before";
  c.append(stale);
  c.set_agent_typing(true, "assistant", kT0);
  const auto err = c.restore(blob);
  if (err != RestoreError::None) {
    BOS_FUZZ_EXPECT(c.size() == 0 && !c.agent_typing(), std::string("failed history restore left messages: ") + to_string(err));
    return;
  }
  check_chat(c, "restored history");
  BOS_FUZZ_EXPECT(c.size() <= kHistoryPersistMessages, "restored " + std::to_string(c.size()) + " messages");
  for (const auto& m : c.messages()) {
    BOS_FUZZ_EXPECT(m.id.size() <= kMaxShortFieldBytes && m.text.size() <= kMaxDisplayTextBytes && !m.temporary,
                    "restored message " + show(m.id));
  }
  BOS_FUZZ_EXPECT(c.messages().empty() || c.messages().front().seq > 1, "seq reused after restore");
  check_chat_roundtrip(c);
}

bool check_identity(std::string_view blob, Identity& out) {
  Identity id{"sentinel-user", "sentinel-session"};
  if (!parse_identity(blob, id)) {
    BOS_FUZZ_EXPECT(id.user_id == "sentinel-user" && id.session_id == "sentinel-session", "parse_identity wrote on failure");
    return false;
  }
  BOS_FUZZ_EXPECT(is_valid_resident_id(id.user_id) && is_valid_resident_id(id.session_id),
                  "identity " + show(id.user_id) + " " + show(id.session_id));
  Identity again;
  BOS_FUZZ_EXPECT(parse_identity(serialize_identity(id), again) && again.user_id == id.user_id &&
                      again.session_id == id.session_id,
                  "identity does not round-trip");
  out = id;
  return true;
}

}  // namespace

// [SECTION] Entry points ------------------------------------------------------------------------------

void run_frame(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_frame(input, parse_server_frame(input, kT0), kT0);

  // Every input starts from the same connected engine, booted once (a copy is cheaper than a boot).
  static const Driver kConnected = [] {
    Driver d(default_config());
    d.storage[StoreKey::Outbox] = kFixtureOutbox;
    d.storage[StoreKey::History] = kFixtureHistory;
    d.boot(false);
    d.open_pending(false);
    d.check();
    return d;
  }();
  Driver d = kConnected;
  // Odd-length inputs meet the seed's Lambdas, even ones the ids backend: both modes in one corpus.
  d.seed_acks = (size & 1) != 0;
  const auto parts = split(input, '\xFF', kMaxSteps);
  d.deliver(d.current(), parts[0]);
  d.check();
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.empty()) {
      d.advance(1'000);
      d.check();
    } else {
      frame_step(d, static_cast<uint8_t>(part[0]), part.substr(1));
    }
  }
  d.settle();
}

void run_restore(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parts = split(input, '\xFF', 6);
  const std::string_view outbox = parts[0];
  const std::string_view history = parts.size() > 1 ? parts[1] : std::string_view{};
  const std::string_view identity = parts.size() > 2 ? parts[2] : std::string_view{};
  const unsigned options = parts.size() > 3 && !parts[3].empty() ? static_cast<unsigned char>(parts[3][0]) : 0u;

  check_outbox_restore(outbox);
  check_history_restore(history);
  Identity id;
  const bool have_identity = check_identity(identity, id);

  EngineConfig config = default_config();
  if (options & 2) {
    config.user_id = have_identity ? id.user_id : std::string();
    config.session_id = have_identity ? id.session_id : std::string();
  }
  Driver d(config);
  if (!outbox.empty()) d.storage[StoreKey::Outbox] = std::string(outbox);
  if (!history.empty()) d.storage[StoreKey::History] = std::string(history);
  if (!identity.empty()) d.storage[StoreKey::Identity] = std::string(identity);
  const bool merge = parts.size() > 4;
  const std::string_view their_outbox = merge ? parts[4] : std::string_view{};
  const std::string_view their_history = parts.size() > 5 ? parts[5] : std::string_view{};
  const bool their_tab_live = options & 32;
  if (merge && (options & 16)) {
    d.boot(options & 1, [&] { d.merge_tab(their_outbox, their_history, their_tab_live); });
  } else {
    d.boot(options & 1);
  }
  // Everything a valid stored outbox held is in the engine's outbox, in order, unaltered.
  Outbox alone;
  if (alone.restore(outbox) == RestoreError::None) {
    const auto restored = stored_view(alone);
    const auto now_held = stored_view(d.engine().outbox());
    BOS_FUZZ_EXPECT(now_held.size() >= restored.size(), "restored outbox shrank in the engine");
    for (std::size_t i = 0; i < restored.size(); ++i) {
      // One change only: in flight with its automatic resend used (no ids proven): not confirmed now.
      const auto& stored = alone.entries()[i];
      const bool spent = stored.state == OutboxState::Sent && stored.send_count >= kMaxUnconfirmedSends && !alone.ids_proven &&
                         now_held[i].failed && now_held[i].reason == FailReason::Unconfirmed;
      BOS_FUZZ_EXPECT(now_held[i].id == restored[i].id && now_held[i].text == restored[i].text &&
                          (now_held[i].failed == restored[i].failed || spent),
                      "engine outbox differs from the stored one at " + std::to_string(i));
    }
  }
  if (!have_identity && (options & 2)) {
    BOS_FUZZ_EXPECT(d.storage.count(StoreKey::Identity) && d.storage[StoreKey::Identity] != identity,
                    "a new identity was not persisted");
  }
  if (merge && !(options & 16)) d.merge_tab(their_outbox, their_history, their_tab_live);
  const std::vector<std::string> held = [&] {
    std::vector<std::string> ids;
    for (const auto& e : d.engine().outbox().entries()) ids.push_back(e.id);
    return ids;
  }();
  if (options & 4) d.reload(true, options & 8);
  d.settle();
  for (const auto& msg_id : held) {
    BOS_FUZZ_EXPECT(d.arrived.count(msg_id), "restored message never reached the server: " + show(msg_id));
  }
}

void run_utf8(const uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  const bool valid = utf8::is_valid(s);
  BOS_FUZZ_EXPECT(valid == ref_valid(s), "is_valid " + show(s));

  // decode agrees with the reference at every offset (including mid-sequence ones).
  for (std::size_t i = 0; i <= s.size(); ++i) {
    char32_t cp = 0xDEAD;
    const auto len = utf8::decode(s, i, cp);
    const auto want = i < s.size() ? ref_sequence_length(s, i) : 0;
    BOS_FUZZ_EXPECT(len == want, "decode length at " + std::to_string(i) + " of " + show(s));
    if (len) BOS_FUZZ_EXPECT(cp == ref_decode(s.substr(i, len)), "decode value at " + std::to_string(i));
    else BOS_FUZZ_EXPECT(cp == 0xDEAD, "decode wrote its output on failure");
  }

  const std::string repaired = utf8::repair(s);
  BOS_FUZZ_EXPECT(repaired == ref_repair(s), "repair " + show(s));
  BOS_FUZZ_EXPECT(utf8::is_valid(repaired) && ref_valid(repaired), "repair output invalid");
  if (valid) BOS_FUZZ_EXPECT(repaired == s, "repair changed valid text");
  BOS_FUZZ_EXPECT(utf8::repair(repaired) == repaired, "repair is not idempotent");
  BOS_FUZZ_EXPECT(utf8::count_codepoints(s) == ref_count(s), "count_codepoints " + show(s));
  BOS_FUZZ_EXPECT(utf8::count_codepoints(s) == utf8::count_codepoints(repaired), "count differs after repair");

  // append: every code point, valid or not, becomes valid UTF-8 that decodes to it (or to U+FFFD).
  if (size >= 4) {
    char32_t cp = 0;
    for (int k = 0; k < 4; ++k) cp |= static_cast<char32_t>(data[k]) << (8 * k);
    for (const char32_t c : {cp, static_cast<char32_t>(cp & 0x1FFFFF), static_cast<char32_t>(cp & 0xFFFF)}) {
      std::string out;
      utf8::append(out, c);
      BOS_FUZZ_EXPECT(ref_valid(out) && ref_count(out) == 1, "append " + std::to_string(c));
      const bool scalar = c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
      BOS_FUZZ_EXPECT(ref_decode(out) == (scalar ? c : utf8::kReplacement), "append round-trip " + std::to_string(c));
    }
  }
  // Re-encoding the decoded code points gives the text back.
  std::string rebuilt;
  for (std::size_t i = 0; i < repaired.size();) {
    char32_t cp = 0;
    const auto len = utf8::decode(repaired, i, cp);
    BOS_FUZZ_EXPECT(len > 0, "repaired text does not decode");
    utf8::append(rebuilt, cp);
    i += len;
  }
  BOS_FUZZ_EXPECT(rebuilt == repaired, "decode/append round-trip");

  // trim: a substring; what it removed is whitespace; what it kept does not start or end with any.
  for (const std::string_view text : {std::string_view(repaired), s}) {
    const std::string_view t = utf8::trim(text);
    BOS_FUZZ_EXPECT(is_substring_of(t, text), "trim result is not a substring");
    const std::size_t begin = t.empty() ? 0 : static_cast<std::size_t>(t.data() - text.data());
    if (!t.empty()) {
      BOS_FUZZ_EXPECT(ref_all_space(text.substr(0, begin)), "trim removed non-space at the start of " + show(text));
      BOS_FUZZ_EXPECT(ref_all_space(text.substr(begin + t.size())), "trim removed non-space at the end of " + show(text));
    }
    if (text.data() == repaired.data()) {
      BOS_FUZZ_EXPECT(ref_valid(t), "trim output invalid");
      BOS_FUZZ_EXPECT(t.empty() == ref_all_space(text), "trim left only spaces, or removed text: " + show(text));
      if (!t.empty()) {
        const auto first = ref_sequence_length(t, 0);
        BOS_FUZZ_EXPECT(!ref_js_space(ref_decode(t.substr(0, first))), "trim kept leading space in " + show(text));
        std::size_t last = t.size() - 1;
        while (last > 0 && (static_cast<unsigned char>(t[last]) & 0xC0) == 0x80) --last;
        BOS_FUZZ_EXPECT(!ref_js_space(ref_decode(t.substr(last))), "trim kept trailing space in " + show(text));
      }
      BOS_FUZZ_EXPECT(utf8::trim(t) == t, "trim is not idempotent");
    }
  }

  // truncate: a prefix of at most max_bytes, cut on a boundary, and the longest such prefix of valid text.
  std::vector<bool> boundary(repaired.size() + 1, false);  // code-point boundaries of the repaired text
  for (std::size_t i = 0; i < repaired.size(); i += ref_sequence_length(repaired, i)) boundary[i] = true;
  boundary[repaired.size()] = true;
  std::vector<std::size_t> limits = {0, 1, 2, 3, 4, 5, s.size(), s.size() + 1};
  if (s.size() > 0) limits.push_back(s.size() - 1);
  if (size > 0) limits.push_back(data[size - 1] % (s.size() + 1));
  if (size > 1) limits.push_back(data[0] % (repaired.size() + 1));
  for (const std::size_t max : limits) {
    for (const std::string_view text : {std::string_view(repaired), s}) {
      const std::string_view t = utf8::truncate(text, max);
      BOS_FUZZ_EXPECT(t.data() == text.data() && t.size() <= max &&
                          t.size() <= text.size(),
                      "truncate(" + std::to_string(max) + ") " + show(text));
      if (text.size() <= max) BOS_FUZZ_EXPECT(t.size() == text.size(), "truncate cut text that fit");
      if (text.data() == repaired.data()) {
        BOS_FUZZ_EXPECT(boundary[t.size()], "truncate(" + std::to_string(max) + ") split a code point of " + show(text));
        if (t.size() < text.size()) {
          const auto next = ref_sequence_length(text, t.size());
          BOS_FUZZ_EXPECT(next > 0 && t.size() + next > max, "truncate(" + std::to_string(max) + ") cut too much");
        }
      }
    }
  }
}

// [SECTION] fuzz_parse, fuzz_load ------------------------------------------------------------------------
//
// The two places where untrusted bytes first meet the engine, without the live Engine and the server model
// around them: fuzz_frame and fuzz_restore check far more per input (a whole session) but run a few
// hundred inputs a second, these tens of thousands, so they reach the parser's and the restore functions'
// rare paths much sooner. Same oracles as above.
//   fuzz_parse  Input: one server text frame (fuzz_frame's inputs are valid ones: the whole file is the frame).
//   fuzz_load   Input: fuzz_restore's format; OUTBOX, HISTORY and IDENTITY through their restore functions.

void run_parse(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_frame(input, parse_server_frame(input, kT0), kT0);
}

void run_load(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parts = split(input, '\xFF', 3);
  check_outbox_restore(parts[0]);
  check_history_restore(parts.size() > 1 ? parts[1] : std::string_view{});
  Identity id;
  check_identity(parts.size() > 2 ? parts[2] : std::string_view{}, id);
}

}  // namespace bos::fuzz
