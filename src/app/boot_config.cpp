// boot_config.cpp: see boot_config.hpp.
//
// Index
//   [SECTION] URL parts   loopback, percent-decoding, ?query and #fragment parameters
//   [SECTION] Endpoint    ?ws=, config.json, the hostname table; test overrides
//   [SECTION] Language
//   [SECTION] Identity    auth required, the token or #resident= decision table
//   [SECTION] Storage     the bos.v1.* key names and their patterns
#include "app/boot_config.hpp"

#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "core/utf8.hpp"

namespace bos::app {

// [SECTION] URL parts -----------------------------------------------------------------------------

const char* to_string(EndpointSource s) {
  switch (s) {
    case EndpointSource::QueryParam: return "?ws=";
    case EndpointSource::ConfigJson: return "config.json";
    case EndpointSource::HostnameTable: return "hostname table";
  }
  return "?";
}

bool is_loopback_page(std::string_view hostname) {
  return hostname == "localhost" || hostname == "127.0.0.1" || hostname == "[::1]" || hostname == "::1";
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return utf8::repair(out);
}

namespace {
bool find_param(std::string_view s, char lead, std::string_view name, std::string& out) {
  if (!s.empty() && s.front() == lead) s.remove_prefix(1);
  while (!s.empty()) {
    const auto amp = s.find('&');
    const auto part = s.substr(0, amp);
    const auto eq = part.find('=');
    const auto key = part.substr(0, eq);
    if (key == name) {
      out = eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
      return true;
    }
    if (amp == std::string_view::npos) break;
    s.remove_prefix(amp + 1);
  }
  return false;
}
}  // namespace

bool query_param(std::string_view search, std::string_view name, std::string& out) {
  if (search.size() > kMaxUrlPartBytes) return false;
  return find_param(search, '?', name, out);
}

bool hash_param(std::string_view hash, std::string_view name, std::string& out) {
  if (hash.size() > kMaxUrlPartBytes) return false;
  return find_param(hash, '#', name, out);
}

// [SECTION] Endpoint ------------------------------------------------------------------------------

std::string hostname_table_endpoint(std::string_view hostname) {
  if (is_loopback_page(hostname)) return "ws://localhost:3001";
  if (hostname.find("-dev.") != std::string_view::npos || hostname.find("dev-") != std::string_view::npos) {
    return "wss://websocket-api-dev.buildingos.com";
  }
  return "wss://websocket-api.buildingos.com";
}

EndpointChoice choose_endpoint(const PageInfo& page) {
  const bool loopback = is_loopback_page(page.hostname);
  EndpointChoice c;
  std::string ws;
  if (query_param(page.search, "ws", ws)) {
    if (!loopback) {
      c.note = "?ws= ignored: only honoured on loopback pages";
    } else if (const auto err = validate_endpoint(ws, true); err != EndpointError::None) {
      c.note = std::string("?ws= ignored: ") + to_string(err);
    } else {
      c.url = ws;
      c.source = EndpointSource::QueryParam;
      return c;
    }
  }
  if (!page.config_json.empty()) {
    const auto j = nlohmann::ordered_json::parse(page.config_json, nullptr, false);
    const auto it = j.is_object() ? j.find("websocketEndpoint") : j.end();
    if (j.is_object() && it != j.end() && it->is_string()) {
      const auto& url = it->get_ref<const std::string&>();
      const auto err = validate_endpoint(url, loopback);
      if (err == EndpointError::None) {
        c.url = url;
        c.source = EndpointSource::ConfigJson;
        return c;
      }
      c.note += (c.note.empty() ? "" : "; ") + std::string("config.json endpoint refused: ") + to_string(err);
      // A deployed config.json that names a bad endpoint is an operator error: do not silently use another.
      c.url = url;
      c.source = EndpointSource::ConfigJson;
      c.error = err;
      return c;
    }
    c.note += (c.note.empty() ? "" : "; ") + std::string("config.json has no websocketEndpoint string");
  }
  c.url = hostname_table_endpoint(page.hostname);
  c.source = EndpointSource::HostnameTable;
  c.error = validate_endpoint(c.url, loopback);
  return c;
}

TestOverrides choose_test_overrides(const PageInfo& page) {
  TestOverrides o;
  std::string v;
  if (!query_param(page.search, "rotate_ms", v)) return o;
  if (!is_loopback_page(page.hostname)) {
    o.note = "?rotate_ms= ignored: only honoured on loopback pages";
    return o;
  }
  const int64_t max_ms = EngineConfig{}.rotate_after_ms;
  int64_t n = 0;
  bool digits = !v.empty() && v.size() <= 10;
  for (const char c : v) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if (!digits || n < kMinTestRotateMs || n > max_ms) {
    o.note = "?rotate_ms= ignored: not a whole number of ms in [" + std::to_string(kMinTestRotateMs) + ", " +
             std::to_string(max_ms) + "]";
    return o;
  }
  o.rotate_after_ms = n;
  o.note = "?rotate_ms=" + std::to_string(n) + ": connections rotate after " + std::to_string(n) + " ms (test hook)";
  return o;
}

// [SECTION] Language ------------------------------------------------------------------------------

Lang language_from(std::string_view l) {
  const std::size_t n = kPortugueseSubtag.size();
  if (l.size() < n) return Lang::En;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = (l[i] >= 'A' && l[i] <= 'Z') ? static_cast<char>(l[i] - 'A' + 'a') : l[i];
    if (c != kPortugueseSubtag[i]) return Lang::En;
  }
  return l.size() == n || kLanguageTagSeparators.find(l[n]) != std::string_view::npos ? Lang::Pt : Lang::En;
}

const char* lang_code(Lang lang) { return lang == Lang::En ? "en" : "pt"; }

std::string portuguese_language_pattern() {
  return "^" + std::string(kPortugueseSubtag) + "(?:$|[" + std::string(kLanguageTagSeparators) + "])";
}

// [SECTION] Identity ------------------------------------------------------------------------------

bool auth_required(const PageInfo& page) {
  if (page.config_json.empty() || page.config_json.size() > kMaxUrlPartBytes) return false;
  const auto j = nlohmann::ordered_json::parse(page.config_json, nullptr, false);
  if (!j.is_object()) return false;
  const auto it = j.find("auth");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == "required";
}

const char* to_string(AuthState a) {
  switch (a) {
    case AuthState::None: return "none";
    case AuthState::SignedIn: return "signed_in";
    case AuthState::Enrol: return "enrol";
    case AuthState::Expired: return "expired";
    case AuthState::LinkRefused: return "link_refused";
  }
  return "none";
}

IdentityChoice choose_identity(const PageInfo& page, std::string_view stored, bool required, int64_t now_s) {
  IdentityChoice c;
  Identity saved;
  const bool have_saved = parse_identity(stored, saved);
  const TokenRead saved_token = have_saved && !saved.token.empty() ? read_token(saved.token, now_s) : TokenRead{};
  const bool saved_signed_in = have_saved && !saved.token.empty() && saved_token.status == TokenStatus::Usable &&
                               saved_token.claims.sub == saved.user_id;
  const auto use_saved = [&] {
    c.user_id = saved.user_id;
    c.session_id = saved.session_id;
    c.token = saved.token;
    c.name = saved_token.claims.name;
    c.auth = AuthState::SignedIn;
  };

  // 1. A token in the fragment (#t=): the link decides, unless it names another resident than the one
  //    signed in here (then the page asks first).
  std::string link_token;
  if (hash_param(page.hash, "t", link_token)) {
    c.token_in_fragment = true;
    const TokenRead t = read_token(link_token, now_s);
    if (t.status != TokenStatus::Usable) {
      c.auth = AuthState::Expired;  // expired or unreadable: the expired screen, no connecting
      c.token_reason = t.reason;
      return c;
    }
    if (saved_signed_in && saved.user_id != t.claims.sub) {
      use_saved();
      c.switch_token = link_token;
      c.switch_name = t.claims.name;
      c.switch_user_id = t.claims.sub;
      return c;
    }
    c.user_id = t.claims.sub;
    c.token = link_token;
    c.name = t.claims.name;
    c.auth = AuthState::SignedIn;
    c.from_link = true;
    if (have_saved && saved.user_id == t.claims.sub) c.session_id = saved.session_id;
    return c;
  }

  // 2. A stored token.
  if (have_saved && !saved.token.empty()) {
    if (saved_signed_in) {
      use_saved();
    } else {
      c.auth = AuthState::Expired;
      c.token_reason = saved_token.status == TokenStatus::Usable ? "user_id is not the token's sub" : saved_token.reason;
    }
    return c;
  }

  // 3. No token: under auth the resident must open their link (no anonymous id, #resident= ignored).
  if (required) {
    c.auth = AuthState::Enrol;
    return c;
  }
  std::string resident;
  if (hash_param(page.hash, "resident", resident) && is_valid_resident_id(resident)) {
    c.user_id = resident;
    c.from_link = true;
    if (have_saved && saved.user_id == resident) c.session_id = saved.session_id;
    return c;
  }
  if (have_saved) {
    c.user_id = saved.user_id;
    c.session_id = saved.session_id;
  }
  return c;
}

// [SECTION] Storage -------------------------------------------------------------------------------

namespace {
constexpr std::string_view kStoragePrefix = "bos.v1.";  // v1: the format of every key below
constexpr std::string_view kTabIdCharClass = "a-z0-9";  // is_valid_tab_id, as a RegExp class

std::string regex_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string storage_key_identity() { return std::string(kStoragePrefix) + to_string(StoreKey::Identity); }
std::string storage_key_prefix() { return "bos."; }
std::string history_key_pattern() {
  return "^" + regex_escaped(kStoragePrefix) + to_string(StoreKey::History) + "\\/(.+)\\/([" + std::string(kTabIdCharClass) +
         "]{1," + std::to_string(kMaxTabIdChars) + "})$";
}
std::string storage_key_large_text() { return std::string(kStoragePrefix) + "largeText"; }

std::string storage_key(StoreKey key, std::string_view user_id, std::string_view tab_id) {
  return std::string(kStoragePrefix) + to_string(key) + "/" + std::string(user_id) + "/" + std::string(tab_id);
}

std::string adoptable_storage_key_pattern() {
  return "^" + regex_escaped(kStoragePrefix) + "(?:" + to_string(StoreKey::Outbox) + "|" + to_string(StoreKey::History) +
         ")\\/";
}

std::string storage_key_tab_pattern() {
  return "\\/([" + std::string(kTabIdCharClass) + "]{1," + std::to_string(kMaxTabIdChars) + "})$";
}

bool is_valid_tab_id(std::string_view tab) {
  if (tab.empty() || tab.size() > kMaxTabIdChars) return false;
  for (char c : tab) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool parse_storage_key(std::string_view key, StorageKeyParts& out) {
  if (key.substr(0, kStoragePrefix.size()) != kStoragePrefix) return false;
  key.remove_prefix(kStoragePrefix.size());
  const auto slash1 = key.find('/');
  if (slash1 == std::string_view::npos) return false;
  const auto kind = key.substr(0, slash1);
  if (kind == to_string(StoreKey::Outbox)) out.key = StoreKey::Outbox;
  else if (kind == to_string(StoreKey::History)) out.key = StoreKey::History;
  else return false;
  const auto rest = key.substr(slash1 + 1);
  const auto slash2 = rest.find('/');
  if (slash2 == std::string_view::npos) return false;
  const auto user = rest.substr(0, slash2);
  const auto tab = rest.substr(slash2 + 1);
  if (!is_valid_resident_id(user) || !is_valid_tab_id(tab)) return false;
  out.user_id.assign(user);
  out.tab_id.assign(tab);
  return true;
}

}  // namespace bos::app
