// The page facts (app/page_facts): what the page's JavaScript and CSS get from the C++, checked on the C++
// side. The same facts are checked as JavaScript reads them in page_facts.test.mjs.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <nlohmann/json.hpp>

#include "app/boot_config.hpp"
#include "app/page_facts.hpp"
#include "core/limits.hpp"
#include "ui/theme.hpp"
#include "ui/view_state.hpp"

using namespace bos;
using namespace bos::app;
using nlohmann::json;

namespace {
json facts() {
  const auto j = json::parse(page_facts_json(), nullptr, false);
  REQUIRE(j.is_object());
  return j;
}
std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("pt_BR is Portuguese: language_from and the page's pattern agree on every form", "[page_facts]") {
  const auto [tag, portuguese] = GENERATE(table<const char*, bool>({
      {"pt-BR", true}, {"pt_BR", true}, {"pt", true}, {"PT", true}, {"pt-PT", true}, {"Pt_br", true},
      {"en-US", false}, {"en", false}, {"es-419", false}, {"ptx", false}, {"p", false}, {"", false},
      {"pt.BR", false}, {" pt-BR", false}, {"xpt-BR", false},
  }));
  INFO(tag);
  CHECK((language_from(tag) == Lang::Pt) == portuguese);
  // ECMAScript grammar, case-insensitive: what boot.js builds with new RegExp(pattern, 'i').
  const std::regex js(facts()["language"]["portuguese"].get<std::string>(), std::regex::ECMAScript | std::regex::icase);
  CHECK(std::regex_search(std::string(tag), js) == portuguese);
}

TEST_CASE("the fallback language is Portuguese by the same rule", "[page_facts]") {
  CHECK(facts()["language"]["fallback"] == std::string(kFallbackLanguageTag));
  CHECK(language_from(kFallbackLanguageTag) == Lang::Pt);
}

TEST_CASE("the length limits are limits.hpp's", "[page_facts]") {
  const json f = facts();
  CHECK(f["limits"]["maxMessageCodepoints"] == kMaxMessageCodepoints);
  CHECK(f["limits"]["counterFromCodepoints"] == kMessageCounterFromCodepoints);
}

TEST_CASE("the storage patterns match exactly the keys the app writes and takes over", "[page_facts]") {
  const json f = facts();
  const std::regex adoptable(f["storage"]["adoptable"].get<std::string>(), std::regex::ECMAScript);
  const std::regex tab(f["storage"]["tabSuffix"].get<std::string>(), std::regex::ECMAScript);
  for (StoreKey k : {StoreKey::Outbox, StoreKey::History}) {
    const std::string key = storage_key(k, "apto-502", "k3x9a0");
    INFO(key);
    StorageKeyParts parts;
    REQUIRE(parse_storage_key(key, parts));
    CHECK(std::regex_search(key, adoptable));
    std::smatch m;
    REQUIRE(std::regex_search(key, m, tab));
    CHECK(m[1] == parts.tab_id);
  }
  const std::string longest_tab(kMaxTabIdChars, 'z');
  std::smatch m;
  const std::string key = storage_key(StoreKey::Outbox, "u", longest_tab);
  REQUIRE(std::regex_search(key, m, tab));
  CHECK(m[1] == longest_tab);
  // Not for another tab to take over: the identity, the text size, other apps' keys, other versions.
  for (const std::string other : {storage_key_identity(), storage_key_large_text(), std::string("bos.v2.outbox/u/t"),
                                  std::string("bosXv1.outbox/u/t"), std::string("other.v1.history/u/t")}) {
    INFO(other);
    CHECK_FALSE(std::regex_search(other, adoptable));
  }
}

TEST_CASE("every page text exists in both languages, with the facts written in", "[page_facts]") {
  const json f = facts();
  const json& pt = f["strings"][lang_code(Lang::Pt)];
  const json& en = f["strings"][lang_code(Lang::En)];
  REQUIRE(pt.is_object());
  REQUIRE(en.size() == pt.size());
  for (const auto& [key, value] : pt.items()) {
    INFO(key);
    REQUIRE(en.contains(key));
    CHECK_FALSE(value.get<std::string>().empty());
    CHECK(value != en[key]);  // a text left untranslated (the language tag differs too)
    CHECK(value.get<std::string>().find("%lld") == std::string::npos);
  }
  CHECK(pt["retry"] == "Tentar de novo");
  CHECK(en["placeholder"] == "Type your message...");
  CHECK(pt["locale"] == "pt-BR");
  // The support floor is written into the texts from the numbers boot.js checks.
  CHECK(pt["unsupported"].get<std::string>().find("Firefox " + std::to_string(kSupportFloor.firefox) + "+") !=
        std::string::npos);
  CHECK(f["supportFloor"]["chrome"] == kSupportFloor.chrome);
  // The composer's errors are keyed by SendError's names (what BuildingOS.send() answers).
  for (SendError e : {SendError::Empty, SendError::TooLong, SendError::QueueFull}) CHECK(pt.contains(to_string(e)));
  CHECK(pt["too_long"].get<std::string>().find("%s") != std::string::npos);  // the page writes the limit in
}

TEST_CASE("notification permissions are listed in NotificationsState's order", "[page_facts]") {
  const json p = facts()["notificationPermissions"];
  REQUIRE(p.size() == static_cast<std::size_t>(ui::NotificationsState::kCount));
  CHECK(p[static_cast<int>(ui::NotificationsState::Default)] == "default");
  CHECK(p[static_cast<int>(ui::NotificationsState::Granted)] == "granted");
  CHECK(p[static_cast<int>(ui::NotificationsState::Denied)] == "denied");
}

TEST_CASE("theme.css carries the canvas's colours, and the files the build wrote are this code's", "[page_facts]") {
  const std::string css = page_theme_css();
  CHECK(css.find("--bg: #12161f;") != std::string::npos);
  CHECK(css.find("--bg: #f4f6fa;") != std::string::npos);
  CHECK(css.find("--accent: #00d4aa;") != std::string::npos);
  const auto dark_bg = css.find("--bg: #");
  const auto light = css.find("prefers-color-scheme: light");
  REQUIRE(light != std::string::npos);
  CHECK(dark_bg < light);
  CHECK(read(std::string(BOS_PAGE_FACTS_DIR) + "/theme.css") == css);
  CHECK(read(std::string(BOS_PAGE_FACTS_DIR) + "/facts.js") == page_facts_js());
}

TEST_CASE("facts.js is ASCII, so any ES5 engine parses it (no raw U+2028 in a string)", "[page_facts]") {
  const std::string js = page_facts_js();
  for (unsigned char c : js) {
    if (c >= 0x80) FAIL("non-ASCII byte in facts.js");
  }
  CHECK(js.find("window.BOSFacts = {") != std::string::npos);
}

TEST_CASE("identity facts: the history pattern names the resident and the tab, the prefix covers every key", "[page_facts][identity]") {
  const auto f = nlohmann::json::parse(page_facts_json());
  const std::regex history(f["storage"]["history"].get<std::string>(), std::regex::ECMAScript);
  std::smatch m;
  const std::string key = storage_key(StoreKey::History, "apto-502@torre-a", "k3x9a0");
  REQUIRE(std::regex_search(key, m, history));
  CHECK(m[1] == "apto-502@torre-a");
  CHECK(m[2] == "k3x9a0");
  CHECK_FALSE(std::regex_search(storage_key(StoreKey::Outbox, "apto-502@torre-a", "k3x9a0"), history));
  const std::string prefix = f["storage"]["prefix"].get<std::string>();
  for (const std::string k : {storage_key_identity(), storage_key_large_text(), key,
                              storage_key(StoreKey::Outbox, "u", "t1")}) {
    CHECK(k.rfind(prefix, 0) == 0);
  }
  CHECK(f["storage"]["identity"] == "bos.v1.identity");
  CHECK(f["token"]["maxBytes"] == kMaxTokenBytes);
  CHECK(f["strings"]["pt"]["expired"] == "Seu link de acesso expirou. Pe\xC3\xA7" "a um novo \xC3\xA0 administra\xC3\xA7\xC3\xA3o do pr\xC3\xA9" "dio.");
  CHECK(f["strings"]["pt"]["enrol"] ==
        "Para conversar com o pr\xC3\xA9" "dio, abra o link de acesso que voc\xC3\xAA recebeu: carta, e-mail ou QR code na portaria");
}
