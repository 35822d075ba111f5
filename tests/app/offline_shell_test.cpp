// The offline shell's events through the App (issue 14 item 5): a new build ready ("Nova versão
// disponível · Atualizar", state().updateAvailable), accepted through App::apply, loaded only when the
// resident is not typing (composer empty and not focused), also when another tab accepted it; and the
// "Sem internet" status while the device says it is offline. Virtual clock, a fake Port.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "app/app.hpp"

using namespace bos;
using namespace bos::app;
using nlohmann::json;

namespace {

constexpr int64_t kNow = 1'764'345'600'000;

struct ShellPort : Port {
  std::vector<std::string> status_events, stored_keys;
  int loads = 0;
  int frames = 0;
  uint32_t last_conn = 0;
  void ws_open(uint32_t conn, const std::string&) override { last_conn = conn; }
  bool ws_send(uint32_t, const std::string&) override { return true; }
  void ws_close(uint32_t, int, const std::string&) override {}
  void store_write(const std::string& key, const std::string&) override { stored_keys.push_back(key); }
  void notify(const std::string&, const std::string&) override {}
  void set_title(const std::string&) override {}
  void announce(const std::string&) override {}
  void dispatch_event(const char* name, const std::string& detail) override {
    if (std::string(name) == "buildingos:status") status_events.push_back(detail);
  }
  void log(LogLevel, const std::string&) override {}
  void request_frame() override { ++frames; }
  void load_update() override { ++loads; }
};

struct Booted {
  ShellPort port;
  App app{port, "0.1.0+test"};
  explicit Booted(std::string language = "pt-BR") {
    PageInfo p;
    p.hostname = "127.0.0.1";
    p.search = "?ws=ws://127.0.0.1:4000";
    p.language = std::move(language);
    app.boot(p, "", {}, "tab1", 7, kNow);
  }
  json state(int64_t now) const { return json::parse(app.api_state_json(now)); }
};

ui::Intents accept() {
  ui::Intents in;
  in.accept_update = true;
  return in;
}

}  // namespace

TEST_CASE("update: a new build shows the banner and state().updateAvailable, with one status event", "[app][update]") {
  Booted b;
  CHECK(b.state(kNow)["updateAvailable"] == false);
  CHECK_FALSE(b.app.view_state(kNow).show_update);
  const std::size_t events = b.port.status_events.size();
  b.app.update_ready(kNow + 5);
  CHECK(b.app.view_state(kNow + 5).show_update);
  CHECK(b.state(kNow + 5)["updateAvailable"] == true);
  REQUIRE(b.port.status_events.size() == events + 1);
  CHECK(json::parse(b.port.status_events.back())["updateAvailable"] == true);
  b.app.update_ready(kNow + 6);  // the same build announced again (another registration check)
  CHECK(b.port.status_events.size() == events + 1);
  CHECK(b.port.loads == 0);  // announcing is not loading: only the resident decides
}

TEST_CASE("update: Atualizar with an empty, unfocused composer loads the new build at once", "[app][update]") {
  Booted b;
  b.app.update_ready(kNow + 1);
  const std::size_t stored = b.port.stored_keys.size();
  b.app.apply(accept(), kNow + 2);
  CHECK(b.port.loads == 1);
  CHECK(b.port.stored_keys.size() > stored);  // history and outbox written before the page goes
  b.app.apply(accept(), kNow + 3);            // a second tap while the page reloads
  b.app.composer_state(false, false, kNow + 4);
  CHECK(b.port.loads == 1);
}

TEST_CASE("update: Atualizar without a new build does nothing", "[app][update]") {
  Booted b;
  b.app.apply(accept(), kNow + 2);
  CHECK(b.port.loads == 0);
  CHECK(b.state(kNow + 2)["updateAvailable"] == false);
}

TEST_CASE("update: never while the resident is typing, then as soon as the composer is empty and blurred", "[app][update]") {
  Booted b;
  b.app.update_ready(kNow + 1);
  b.app.composer_state(true, true, kNow + 2);  // typing
  b.app.apply(accept(), kNow + 3);
  CHECK(b.port.loads == 0);
  b.app.composer_state(true, false, kNow + 4);  // the text is still there: a draft is never lost
  CHECK(b.port.loads == 0);
  b.app.composer_state(false, true, kNow + 5);  // sent, but the field still has the focus
  CHECK(b.port.loads == 0);
  CHECK(b.app.view_state(kNow + 5).show_update);
  b.app.composer_state(false, false, kNow + 6);
  CHECK(b.port.loads == 1);
}

TEST_CASE("update: accepted in another tab, this one follows only when its resident is not typing", "[app][update]") {
  Booted b;
  b.app.composer_state(true, true, kNow + 1);
  b.app.update_activated(kNow + 2);
  CHECK(b.port.loads == 0);
  CHECK(b.state(kNow + 2)["updateAvailable"] == true);
  b.app.composer_state(false, false, kNow + 3);
  CHECK(b.port.loads == 1);

  Booted idle;
  idle.app.update_activated(kNow + 2);
  CHECK(idle.port.loads == 1);
}

TEST_CASE("offline: Sem internet while the device says offline and no socket is open", "[app][offline]") {
  Booted b;
  b.app.on_close(b.port.last_conn, 1006, "", kNow + 10);
  const std::string failing = b.app.view_state(kNow + 10).status_text;
  CHECK(failing != "Sem internet");
  REQUIRE(b.app.engine().state() != ConnState::Failed);  // still retrying: no banner of its own yet
  CHECK_FALSE(b.app.view_state(kNow + 10).show_try_now);
  b.app.network_offline(kNow + 11);
  CHECK(b.app.view_state(kNow + 11).status_text == "Sem internet");
  CHECK(b.app.view_state(kNow + 11).show_try_now);  // the banner: "Suas mensagens ficam guardadas..."
  CHECK(b.state(kNow + 11)["statusText"] == "Sem internet");
  // What the resident types is kept (queued), as the reassurance under the header says.
  const SendResult r = b.app.send("sem sinal no elevador", kNow + 12);
  CHECK(r.error == SendError::None);
  CHECK(b.state(kNow + 12)["queued"] == 1);
  b.app.network_online(kNow + 13);
  CHECK(b.app.view_state(kNow + 13).status_text != "Sem internet");

  Booted en("en-US");
  en.app.on_close(en.port.last_conn, 1006, "", kNow + 10);
  en.app.network_offline(kNow + 11);
  CHECK(en.app.view_state(kNow + 11).status_text == "No internet");
}

TEST_CASE("offline: a socket that is open wins over the device's offline flag", "[app][offline]") {
  Booted b;
  b.app.on_open(b.port.last_conn, kNow + 5);
  REQUIRE(b.app.engine().state() == ConnState::Connected);
  b.app.network_offline(kNow + 7);
  CHECK(b.app.view_state(kNow + 7).status_text == "Conectado em tempo real");
  CHECK_FALSE(b.app.view_state(kNow + 7).show_try_now);
  // The socket then drops while the device is still offline: now it is "Sem internet".
  b.app.on_close(b.port.last_conn, 1006, "", kNow + 8);
  CHECK(b.app.view_state(kNow + 8).status_text == "Sem internet");
}
