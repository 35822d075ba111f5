// boot_config.hpp: what the page tells the app at start-up, turned into engine settings. Pure functions.
//
// Endpoint, in this order: ?ws=URL (only on loopback pages: tests and developers) > /config.json
// {"websocketEndpoint":..} (written per environment by the deploy) > the seed's config.js hostname table.
// Outside loopback only wss:// is accepted. Identity (issue 13): a token from the link (#t=TOKEN) or from
// storage decides who the resident is (its sub); without one, and with /config.json "auth":"required", the
// resident must enrol (open their link). Without auth configured, as before: #resident=ID from the link (a QR
// code in the building) wins and is kept; otherwise the stored identity; otherwise a new random one.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/engine.hpp"
#include "core/token.hpp"

namespace bos::app {

struct PageInfo {
  std::string hostname;     // location.hostname ("[::1]" for IPv6 loopback as browsers report it: "[::1]")
  std::string search;       // location.search, with the leading '?'
  std::string hash;         // location.hash, with the leading '#'
  std::string config_json;  // body of /config.json, or "" if it could not be fetched
  std::string language;     // navigator.language
};

enum class EndpointSource { QueryParam, ConfigJson, HostnameTable };
const char* to_string(EndpointSource s);

struct EndpointChoice {
  std::string url;
  EndpointSource source = EndpointSource::HostnameTable;
  EndpointError error = EndpointError::None;  // of the chosen URL; non-None means do not connect
  std::string note;                           // why a higher-priority source was skipped (for the log)
};

// ?query and #hash longer than this are not read (a link is never this long; a hostile one may be).
inline constexpr std::size_t kMaxUrlPartBytes = 8192;

bool is_loopback_page(std::string_view hostname);
// Value of a query parameter (percent-decoded), or nullopt-like empty with found=false.
bool query_param(std::string_view search, std::string_view name, std::string& out);
bool hash_param(std::string_view hash, std::string_view name, std::string& out);
std::string percent_decode(std::string_view s);

// The seed's config.js table: localhost → ws://localhost:3001; "-dev." or "dev-" → the dev API;
// everything else → production.
std::string hostname_table_endpoint(std::string_view hostname);
EndpointChoice choose_endpoint(const PageInfo& page);

// The language rule, shared with the page (app/page_facts → boot.js, pre.js): Portuguese when the primary
// subtag is "pt", any case, alone or followed by a separator: "pt", "pt-BR", "PT-pt" and the POSIX form
// "pt_BR" some systems report; English otherwise.
inline constexpr std::string_view kPortugueseSubtag = "pt";
inline constexpr std::string_view kLanguageTagSeparators = "-_";
// What the page assumes when the browser names no language at all (our residents are in Brazil).
inline constexpr std::string_view kFallbackLanguageTag = "pt-BR";
Lang language_from(std::string_view navigator_language);
// The same rule as a JavaScript RegExp source, to be used case-insensitively ("i").
std::string portuguese_language_pattern();
// The app's language as the page names it (the keys of BOSFacts.strings, app/page_facts): "pt" or "en".
const char* lang_code(Lang lang);

// Test hooks read from the page's address, honoured on loopback pages only (tests and developers), like ?ws=:
// ?rotate_ms=N shortens EngineConfig::rotate_after_ms (110 min) so that a browser test sees connections
// rotate within seconds. N outside [kMinTestRotateMs, the default] is ignored, with a note for the log.
inline constexpr int64_t kMinTestRotateMs = 1'000;
struct TestOverrides {
  int64_t rotate_after_ms = 0;  // 0: keep the engine's default
  std::string note;             // what was used or ignored, and why (for the log); "" when nothing was asked
};
TestOverrides choose_test_overrides(const PageInfo& page);

// /config.json says {"auth":"required"} (deploy/environments.json "auth"; the dev server under --auth-secret).
// Anything else, or no config, is "not required": the seed's behaviour.
bool auth_required(const PageInfo& page);

// What state().auth reports (window.BuildingOS contract): none (auth not in use: no token), signed_in (a
// token the client can read and that is not expired), enrol (auth required and no token: the page asks for
// the link), expired (the token is expired or unreadable: no connecting), link_refused (signed_in, but the
// connection keeps failing: the server most likely refused the token; the client keeps retrying).
enum class AuthState { None, SignedIn, Enrol, Expired, LinkRefused };
const char* to_string(AuthState a);

struct IdentityChoice {
  std::string user_id;     // empty: the engine makes one (never under auth: enrol or expired do not connect)
  std::string session_id;  // empty: the engine makes one
  std::string token;       // sent as &token=, stored in bos.v1.identity "token"
  std::string name;        // the token's "name" ("Apto 502"): state().residentLabel and the menu
  AuthState auth = AuthState::None;
  bool from_link = false;  // #resident= or #t=: the identity is new to this device and is stored
  bool token_in_fragment = false;  // the page must remove the fragment (history.replaceState)
  const char* token_reason = "";   // why a token was refused (the log)
  // A link for another resident while one is signed in: nothing switches until the resident says so
  // ("Trocar para Apto 503?"). The current identity stays; these hold the link's.
  std::string switch_token;
  std::string switch_name;
  std::string switch_user_id;
};
// `stored` is the persisted identity blob ("" if none); `now_s` the device's clock (a token's exp).
IdentityChoice choose_identity(const PageInfo& page, std::string_view stored, bool auth_required = false,
                               int64_t now_s = 0);

// localStorage keys, versioned, scoped per resident (a shared phone never shows another's chat) and per
// tab ("bos.v1.outbox/<resident>/<tab>"): each tab writes only its own keys, so two tabs of the same
// resident never clobber each other; a tab that is gone leaves keys that the next one adopts.
std::string storage_key_identity();
// "bos.": every key of ours starts with it ("Sair deste aparelho" removes them all).
std::string storage_key_prefix();
// A RegExp source: history keys (group 1: the resident, group 2: the tab), for "Limpar conversa" in every tab.
std::string history_key_pattern();
std::string storage_key(StoreKey key, std::string_view user_id, std::string_view tab_id);
struct StorageKeyParts {
  StoreKey key = StoreKey::Outbox;
  std::string user_id;
  std::string tab_id;
};
// false for keys that are not ours (other apps on the origin, the identity key, malformed names).
bool parse_storage_key(std::string_view key, StorageKeyParts& out);
// A tab id: 1-32 of [a-z0-9].
inline constexpr std::size_t kMaxTabIdChars = 32;
bool is_valid_tab_id(std::string_view tab);
// "Texto maior": "1" or "0", one per origin (not per resident: it is the phone's reader who chose it).
std::string storage_key_large_text();
// For the page (app/page_facts → pre.js), JavaScript RegExp sources: the keys of this origin that another
// tab may have left for this one to take over, and the tab id at their end (group 1).
std::string adoptable_storage_key_pattern();
std::string storage_key_tab_pattern();

}  // namespace bos::app
