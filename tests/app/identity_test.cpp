// Resident identity in the app (issue 13): which identity and auth state a page starts with (#t= link,
// stored token, "auth":"required", #resident= without auth), what is stored and sent (&token=), and what the
// resident can do about it (link_refused, sign-out, switching, clearing in every tab), through App::apply.
//
// Index
//   [SECTION] Helpers         tokens as scripts/resident-link shapes them (the client never checks signatures)
//   [SECTION] choose_identity  the decision table
//   [SECTION] App             boot, connect URL, state().auth, screens, sign-out, switch, clear everywhere
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "core/limits.hpp"

using namespace bos;
using namespace bos::app;
using nlohmann::json;

// [SECTION] Helpers ---------------------------------------------------------------------------------------

namespace {

std::string b64url(std::string_view in) {
  static const char* A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(A[(acc >> bits) & 63u]);
    }
  }
  if (bits > 0) out.push_back(A[(acc << (6 - bits)) & 63u]);
  return out;
}

constexpr int64_t kNowS = 1'767'225'600;
constexpr int64_t kNow = kNowS * 1000;

std::string token_for(const std::string& resident, const std::string& name, int64_t exp = kNowS + 86400) {
  json claims = {{"bld", "torre-a"}, {"exp", exp}, {"iat", kNowS - 3600}, {"jti", "kq3V7fW2xR9pLm4TzA8bNc"},
                 {"name", name}, {"sub", resident + "@torre-a"}};
  return b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(claims.dump()) + "." + b64url(std::string(32, 'S'));
}

PageInfo page(std::string hash = "", bool required = false) {
  PageInfo p;
  p.hostname = "127.0.0.1";
  p.search = "?ws=ws://127.0.0.1:4000";
  p.hash = std::move(hash);
  p.language = "pt-BR";
  if (required) p.config_json = R"({"websocketEndpoint":"ws://127.0.0.1:4000","auth":"required"})";
  return p;
}

std::string stored(const std::string& user, const std::string& token) {
  return serialize_identity({user, "session-1-abcdefghi", token});
}

struct FakePort : Port {
  std::vector<std::string> opened;
  std::vector<uint32_t> conns;
  std::vector<std::pair<uint32_t, int>> closed;
  std::map<std::string, std::string> storage;
  std::vector<std::string> writes_after_sign_out;
  std::vector<std::string> screens, cleared_everywhere, logs;
  int fragments_removed = 0, sign_outs = 0, reloads = 0;
  bool signed_out = false;

  void ws_open(uint32_t conn, const std::string& url) override {
    conns.push_back(conn);
    opened.push_back(url);
  }
  bool ws_send(uint32_t, const std::string&) override { return true; }
  void ws_close(uint32_t conn, int code, const std::string&) override { closed.emplace_back(conn, code); }
  void store_write(const std::string& key, const std::string& value) override {
    if (signed_out) writes_after_sign_out.push_back(key);
    if (value.empty()) storage.erase(key);
    else storage[key] = value;
  }
  void notify(const std::string&, const std::string&) override {}
  void set_title(const std::string&) override {}
  void announce(const std::string&) override {}
  void dispatch_event(const char*, const std::string&) override {}
  void log(LogLevel, const std::string& t) override { logs.push_back(t); }
  void request_frame() override {}
  void remove_fragment() override { ++fragments_removed; }
  void show_auth_screen(const std::string& auth) override { screens.push_back(auth); }
  void sign_out_device() override {
    ++sign_outs;
    signed_out = true;
  }
  void reload() override { ++reloads; }
  void clear_history_everywhere(const std::string& user) override { cleared_everywhere.push_back(user); }
};

json state_of(const App& app) { return json::parse(app.api_state_json(kNow)); }

}  // namespace

// [SECTION] choose_identity -------------------------------------------------------------------------------

TEST_CASE("identity: a #t= link signs the resident in as the token's sub, and is stored", "[identity]") {
  const std::string t = token_for("apto-502", "Apto 502");
  const auto c = choose_identity(page("#t=" + t), "", true, kNowS);
  CHECK(c.auth == AuthState::SignedIn);
  CHECK(c.user_id == "apto-502@torre-a");
  CHECK(c.token == t);
  CHECK(c.name == "Apto 502");
  CHECK(c.from_link);
  CHECK(c.token_in_fragment);
  // The same resident again keeps the device's session.
  const auto again = choose_identity(page("#t=" + t), stored("apto-502@torre-a", t), true, kNowS);
  CHECK(again.session_id == "session-1-abcdefghi");
}

TEST_CASE("identity: the decision table", "[identity]") {
  const std::string t502 = token_for("apto-502", "Apto 502");
  const std::string t503 = token_for("apto-503", "Apto 503");
  const std::string old502 = token_for("apto-502", "Apto 502", kNowS - kTokenLeewayS);
  struct Row {
    const char* what;
    std::string hash, stored;
    bool required;
    AuthState auth;
    std::string user;
    std::string switch_name;
  };
  const std::vector<Row> rows = {
      {"stored token", "", stored("apto-502@torre-a", t502), true, AuthState::SignedIn, "apto-502@torre-a", ""},
      {"stored token, auth not required", "", stored("apto-502@torre-a", t502), false, AuthState::SignedIn, "apto-502@torre-a", ""},
      {"stored expired token", "", stored("apto-502@torre-a", old502), true, AuthState::Expired, "", ""},
      {"stored token of another user id", "", stored("apto-503@torre-a", t502), true, AuthState::Expired, "", ""},
      {"expired link", "#t=" + old502, "", true, AuthState::Expired, "", ""},
      {"garbage link", "#t=abc", stored("apto-502@torre-a", t502), true, AuthState::Expired, "", ""},
      {"required, nothing", "", "", true, AuthState::Enrol, "", ""},
      {"required: #resident= is ignored", "#resident=apto-502", "", true, AuthState::Enrol, "", ""},
      {"required: an anonymous stored id is not used", "", serialize_identity({"web-user-1-abc", "session-1-abc", ""}), true,
       AuthState::Enrol, "", ""},
      {"no auth: #resident= as before", "#resident=apto-502", "", false, AuthState::None, "apto-502", ""},
      {"no auth: nothing (the engine makes an id)", "", "", false, AuthState::None, "", ""},
      {"another resident's link while signed in: asked, not switched", "#t=" + t503, stored("apto-502@torre-a", t502), true,
       AuthState::SignedIn, "apto-502@torre-a", "Apto 503"},
      {"another resident's link after an expired one: no question", "#t=" + t503, stored("apto-502@torre-a", old502), true,
       AuthState::SignedIn, "apto-503@torre-a", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what);
    const auto c = choose_identity(page(r.hash), r.stored, r.required, kNowS);
    CHECK(c.auth == r.auth);
    CHECK(c.user_id == r.user);
    CHECK(c.switch_name == r.switch_name);
    if (r.auth == AuthState::Enrol || r.auth == AuthState::Expired) CHECK(c.token.empty());
  }
}

TEST_CASE("identity: config.json's auth is required only when it says exactly so", "[identity]") {
  PageInfo p = page();
  for (const auto& [config, required] : std::vector<std::pair<std::string, bool>>{
           {R"({"auth":"required"})", true}, {R"({"websocketEndpoint":"wss://x","auth":"required"})", true},
           {"", false}, {"{}", false}, {R"({"auth":"Required"})", false}, {R"({"auth":true})", false},
           {"<html>", false}, {R"({"auth":"optional"})", false}}) {
    p.config_json = config;
    CAPTURE(config);
    CHECK(auth_required(p) == required);
  }
}

// [SECTION] App -------------------------------------------------------------------------------------------

TEST_CASE("app: a link connects with ?user_id=<sub>&session_id=…&token=, stores it, removes the fragment", "[identity]") {
  FakePort port;
  App app(port, "test");
  const std::string t = token_for("apto-502", "Apto 502");
  app.boot(page("#t=" + t, true), "", {}, "tab1", 7, kNow);
  REQUIRE(port.opened.size() == 1);
  CHECK(port.opened[0].rfind("ws://127.0.0.1:4000?user_id=apto-502%40torre-a&session_id=session-", 0) == 0);
  CHECK(port.opened[0].find("&token=" + t) != std::string::npos);
  Identity saved;
  REQUIRE(parse_identity(port.storage.at("bos.v1.identity"), saved));
  CHECK(saved.user_id == "apto-502@torre-a");
  CHECK(saved.token == t);
  CHECK(port.fragments_removed == 1);
  const json s = state_of(app);
  CHECK(s["auth"] == "signed_in");
  CHECK(s["residentLabel"] == "Apto 502");
  CHECK(s["userId"] == "apto-502@torre-a");
  CHECK(app.view_state(kNow).resident_label == "Apto 502");
  CHECK(port.screens.empty());
}

TEST_CASE("app: required and no token: the enrol screen, no connection, no anonymous id stored", "[identity]") {
  FakePort port;
  App app(port, "test");
  app.boot(page("#resident=apto-502", true), "", {}, "tab1", 7, kNow);
  CHECK(port.opened.empty());
  CHECK(port.storage.empty());
  CHECK(port.screens == std::vector<std::string>{"enrol"});
  const json s = state_of(app);
  CHECK(s["auth"] == "enrol");
  CHECK(s["userId"] == "");
  CHECK(s["status"] == "idle");
}

TEST_CASE("app: an expired link: the expired screen, no connection, the fragment removed", "[identity]") {
  FakePort port;
  App app(port, "test");
  app.boot(page("#t=" + token_for("apto-502", "Apto 502", kNowS - 3600), true), "", {}, "tab1", 7, kNow);
  CHECK(port.opened.empty());
  CHECK(port.screens == std::vector<std::string>{"expired"});
  CHECK(port.fragments_removed == 1);
  CHECK(state_of(app)["auth"] == "expired");
  app.tick(kNow + 60'000);
  CHECK(port.opened.empty());
}

TEST_CASE("app: a token whose connections keep failing shows link_refused and keeps retrying", "[identity]") {
  FakePort port;
  App app(port, "test");
  const std::string t = token_for("apto-502", "Apto 502");
  app.boot(page("", true), stored("apto-502@torre-a", t), {}, "tab1", 7, kNow);
  int64_t now = kNow;
  // The handshake's 403 reaches the page as a close without an open (1006).
  for (int i = 0; i < 12 && app.engine().state() != ConnState::Failed; ++i) {
    app.on_close(port.conns.back(), 1006, "", now);
    now = std::max(now + 1, app.engine().next_retry_at_ms());
    app.tick(now);
  }
  REQUIRE(app.engine().state() == ConnState::Failed);
  CHECK(state_of(app)["auth"] == "link_refused");
  CHECK(app.view_state(now).banner_text == text(Lang::Pt, Text::LinkRefused));
  CHECK(std::string(text(Lang::Pt, Text::LinkRefused)) ==
        "N\xC3\xA3o foi poss\xC3\xADvel entrar com este link. Se o problema continuar, pe\xC3\xA7" "a um novo link.");
  const std::size_t attempts = port.opened.size();
  app.on_close(port.conns.back(), 1006, "", now);
  app.tick(now + 10 * 60'000);
  CHECK(port.opened.size() > attempts);  // still retrying, with backoff
  // Once a connection opens, the resident is signed in again.
  app.on_open(port.conns.back(), now + 10 * 60'000);
  CHECK(state_of(app)["auth"] == "signed_in");
}

TEST_CASE("app: sign-out closes the socket, stores nothing more, and asks the page to forget the device", "[identity]") {
  FakePort port;
  App app(port, "test");
  const std::string t = token_for("apto-502", "Apto 502");
  app.boot(page("", true), stored("apto-502@torre-a", t), {}, "tab1", 7, kNow);
  app.on_open(port.conns.back(), kNow + 10);
  app.send("ainda não entregue", kNow + 20);
  CHECK(app.view_state(kNow + 20).undelivered == 1);
  ui::Intents in;
  in.sign_out = true;
  app.apply(in, kNow + 30);
  CHECK(port.sign_outs == 1);
  REQUIRE_FALSE(port.closed.empty());
  CHECK(port.closed.back().second == kCloseNormal);
  app.page_hidden(kNow + 40);  // pagehide would flush the history: not after a sign-out
  app.tick(kNow + 60'000);
  CHECK(port.writes_after_sign_out.empty());
  CHECK(app.engine().state() == ConnState::Closed);
}

TEST_CASE("app: another tab signed out: this one stops and writes nothing", "[identity]") {
  FakePort port;
  App app(port, "test");
  app.boot(page("", true), stored("apto-502@torre-a", token_for("apto-502", "Apto 502")), {}, "tab1", 7, kNow);
  app.on_open(port.conns.back(), kNow + 10);
  app.signed_out_elsewhere(kNow + 20);
  port.signed_out = true;
  app.send("depois", kNow + 30);
  app.page_hidden(kNow + 40);
  CHECK(port.writes_after_sign_out.empty());
  CHECK(app.engine().state() == ConnState::Closed);
}

TEST_CASE("app: a link for another resident asks first, keeping changes nothing and switching stores it", "[identity]") {
  const std::string t502 = token_for("apto-502", "Apto 502");
  const std::string t503 = token_for("apto-503", "Apto 503");
  SECTION("kept") {
    FakePort port;
    App app(port, "test");
    app.boot(page("#t=" + t503, true), stored("apto-502@torre-a", t502), {}, "tab1", 7, kNow);
    CHECK(state_of(app)["userId"] == "apto-502@torre-a");
    CHECK(state_of(app)["switchTo"] == "Apto 503");
    CHECK(app.view_state(kNow).switch_name == "Apto 503");
    CHECK(port.fragments_removed == 1);
    CHECK(port.opened.at(0).find("token=" + t502) != std::string::npos);
    ui::Intents in;
    in.switch_answer = ui::SwitchAnswer::Keep;
    app.apply(in, kNow + 1);
    CHECK_FALSE(state_of(app).contains("switchTo"));
    CHECK(port.reloads == 0);
    CHECK(port.storage.count("bos.v1.identity") == 0);  // the stored 502 identity was never rewritten
  }
  SECTION("switched") {
    FakePort port;
    App app(port, "test");
    app.boot(page("#t=" + t503, true), stored("apto-502@torre-a", t502), {}, "tab1", 7, kNow);
    ui::Intents in;
    in.switch_answer = ui::SwitchAnswer::Switch;
    app.apply(in, kNow + 1);
    CHECK(port.reloads == 1);
    Identity saved;
    REQUIRE(parse_identity(port.storage.at("bos.v1.identity"), saved));
    CHECK(saved.user_id == "apto-503@torre-a");
    CHECK(saved.token == t503);
  }
}

TEST_CASE("app: Limpar conversa clears this resident's history in the other tabs too", "[identity]") {
  FakePort port;
  App app(port, "test");
  app.boot(page("", true), stored("apto-502@torre-a", token_for("apto-502", "Apto 502")), {}, "tab1", 7, kNow);
  ui::Intents in;
  in.clear_history = true;
  app.apply(in, kNow + 1);
  CHECK(port.cleared_everywhere == std::vector<std::string>{"apto-502@torre-a"});
  app.clear_history(kNow + 2, false);  // asked by another tab: not sent around again
  CHECK(port.cleared_everywhere.size() == 1);
  CHECK(std::string(text(Lang::Pt, Text::ClearConfirm)).find("ainda n\xC3\xA3o entregues ser\xC3\xA3o mantidas") !=
        std::string::npos);
}
