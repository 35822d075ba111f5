// App::apply and App::view_state: the chat view's intents carried out (engine actions, then the page's
// through the Port), and what the view shows besides the conversation, built from the engine. No ImGui:
// tests/ui drives the same wiring from a drawn view.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "app/app.hpp"

using namespace bos;
using namespace bos::app;
using nlohmann::json;

namespace {

constexpr int64_t kNow = 1'764'345'600'000;

struct PagePort : Port {
  std::vector<std::string> opened_sockets, copied, urls, status_events;
  std::map<uint32_t, std::vector<std::string>> sent;
  std::map<std::string, std::string> storage;
  int permission_requests = 0;
  int frames = 0;
  uint32_t last_conn = 0;

  void ws_open(uint32_t conn, const std::string& url) override {
    last_conn = conn;
    opened_sockets.push_back(url);
  }
  bool ws_send(uint32_t conn, const std::string& text) override {
    sent[conn].push_back(text);
    return true;
  }
  void ws_close(uint32_t, int, const std::string&) override {}
  void store_write(const std::string& key, const std::string& value) override {
    if (value.empty()) storage.erase(key);
    else storage[key] = value;
  }
  void notify(const std::string&, const std::string&) override {}
  void set_title(const std::string&) override {}
  void announce(const std::string&) override {}
  void dispatch_event(const char* name, const std::string& detail) override {
    if (std::string(name) == "buildingos:status") status_events.push_back(detail);
  }
  void log(LogLevel, const std::string&) override {}
  void request_frame() override { ++frames; }
  void copy_to_clipboard(const std::string& text) override { copied.push_back(text); }
  void open_url(const std::string& url) override { urls.push_back(url); }
  void request_notification_permission() override { ++permission_requests; }
};

struct Booted {
  PagePort port;
  App app{port, "0.1.0+test"};
  explicit Booted(std::string language = "pt-BR") {
    PageInfo p;
    p.hostname = "127.0.0.1";
    p.search = "?ws=ws://127.0.0.1:4000";
    p.language = std::move(language);
    app.boot(p, "", {}, "tab1", 7, kNow);
  }
};

ui::Intents copy_of(std::string text) {
  ui::Intents in;
  in.copy_text = std::move(text);
  return in;
}

}  // namespace

TEST_CASE("apply: Copiar puts the text on the clipboard and shows Copiado for a moment", "[app][apply]") {
  Booted b;
  b.app.apply(copy_of("Chegou minha encomenda?"), kNow + 10);
  REQUIRE(b.port.copied.size() == 1);
  CHECK(b.port.copied[0] == "Chegou minha encomenda?");
  const ui::ViewState during = b.app.view_state(kNow + 10);
  CHECK(during.toast == "Copiado");
  CHECK(during.toast_until_ms == kNow + 10 + ui::kToastDurationMs);
  CHECK(b.app.view_state(kNow + 10 + ui::kToastDurationMs).toast.empty());

  Booted en("en-US");
  en.app.apply(copy_of("x"), kNow);
  CHECK(en.app.view_state(kNow).toast == "Copied");
}

TEST_CASE("apply: a link opens through the page, notifications are asked for, nothing else happens", "[app][apply]") {
  Booted b;
  const auto sockets = b.port.opened_sockets.size();
  ui::Intents in;
  in.open_url = "https://buildingos.com/avisos";
  in.enable_notifications = true;
  b.app.apply(in, kNow + 1);
  CHECK(b.port.urls == std::vector<std::string>{"https://buildingos.com/avisos"});
  CHECK(b.port.permission_requests == 1);
  CHECK(b.port.copied.empty());
  CHECK(b.port.opened_sockets.size() == sockets);

  const int frames = b.port.frames;
  b.app.apply(ui::Intents{}, kNow + 2);  // a frame without a request changes nothing
  CHECK(b.port.frames == frames);
}

TEST_CASE("apply: Texto maior is the resident's choice, stored, and restored on the next load", "[app][apply]") {
  Booted b;
  CHECK_FALSE(b.app.large_text());
  CHECK_FALSE(b.app.view_state(kNow).large_text);
  ui::Intents toggle;
  toggle.toggle_large_text = true;
  b.app.apply(toggle, kNow + 1);
  CHECK(b.app.large_text());
  CHECK(b.app.view_state(kNow + 1).large_text);
  CHECK(b.port.storage[storage_key_large_text()] == "1");
  b.app.apply(toggle, kNow + 2);
  CHECK_FALSE(b.app.large_text());
  CHECK(b.port.storage[storage_key_large_text()] == "0");
  CHECK(storage_key_large_text() == "bos.v1.largeText");  // the key earlier builds wrote

  Booted reload;
  reload.app.restore_large_text("1");
  CHECK(reload.app.large_text());
  reload.app.restore_large_text("");
  CHECK_FALSE(reload.app.large_text());
  reload.app.restore_large_text("yes");  // not ours: the default
  CHECK_FALSE(reload.app.large_text());
}

TEST_CASE("apply: Tentar agora reconnects at once, Reenviar and Apagar reach the engine", "[app][apply]") {
  Booted b;
  b.app.on_open(b.port.last_conn, kNow);
  const auto sent = json::parse(b.app.api_send_json("Oi, portaria!", kNow + 1));
  // API Gateway refused the frame as too big: the message is kept as failed ("Reenviar" / "Apagar").
  b.app.on_close(b.port.last_conn, 1009, "", kNow + 2);
  const std::string id = sent["id"];
  REQUIRE(b.app.engine().chat().find_id(id)->state == MessageState::Failed);

  SECTION("Reenviar queues it again") {
    ui::Intents in;
    in.retry_id = id;
    b.app.apply(in, kNow + 3);
    CHECK(b.app.engine().chat().find_id(id)->state != MessageState::Failed);
  }
  SECTION("Apagar removes it") {
    ui::Intents in;
    in.delete_id = id;
    b.app.apply(in, kNow + 3);
    CHECK(b.app.engine().chat().find_id(id) == nullptr);
  }
  SECTION("Tentar agora opens a socket now, whatever the backoff says") {
    b.app.disconnect(kNow + 3);
    const ui::ViewState closed = b.app.view_state(kNow + 3);
    CHECK(closed.show_try_now);
    CHECK(closed.conn == ConnState::Closed);
    const auto before = b.port.opened_sockets.size();
    ui::Intents in;
    in.try_now = true;
    b.app.apply(in, kNow + 4);
    CHECK(b.port.opened_sockets.size() == before + 1);
    CHECK(b.app.view_state(kNow + 4).conn == ConnState::Connecting);
    CHECK_FALSE(b.app.view_state(kNow + 4).show_try_now);
  }
}

TEST_CASE("apply: Limpar conversa empties the history", "[app][apply]") {
  Booted b;
  b.app.on_open(b.port.last_conn, kNow);
  b.app.on_text(b.port.last_conn, R"({"type":"message","message":"resposta"})", kNow + 1);
  REQUIRE(b.app.engine().chat().size() == 1);
  ui::Intents in;
  in.clear_history = true;
  b.app.apply(in, kNow + 2);
  CHECK(b.app.engine().chat().size() == 0);
}

TEST_CASE("view_state: the header's status and the countdown's next change come from the engine", "[app][view]") {
  Booted b;
  ui::ViewState v = b.app.view_state(kNow);
  CHECK(v.lang == Lang::Pt);
  CHECK(v.version == "0.1.0+test");
  CHECK(v.conn == ConnState::Connecting);
  CHECK(v.status_text == b.app.engine().status_text(kNow));
  CHECK(v.status_text == json::parse(b.app.api_state_json(kNow))["statusText"]);
  CHECK_FALSE(v.show_try_now);
  CHECK(v.status_changes_at_ms == 0);

  // Fail every attempt until the engine waits with a countdown ("Nova tentativa em N s").
  int64_t t = kNow;
  for (int i = 0; i < 50; ++i) {
    b.app.on_close(b.port.last_conn, 1006, "", t);
    if (b.app.engine().state() == ConnState::Failed) break;
    t = std::max(t + 1, b.app.engine().next_deadline_ms());
    b.app.tick(t);
  }
  REQUIRE(b.app.engine().state() == ConnState::Failed);
  REQUIRE(b.app.engine().next_retry_at_ms() - t > 1000);  // a countdown of at least two numbers
  v = b.app.view_state(t);
  CHECK(v.conn == ConnState::Failed);
  CHECK(v.show_try_now);
  // The text changes exactly when view_state says: the same a millisecond before, another one then.
  const int64_t at = v.status_changes_at_ms;
  REQUIRE(at > t);
  CHECK(at - t <= 1000);
  CHECK(b.app.view_state(at - 1).status_text == v.status_text);
  CHECK(b.app.view_state(at).status_text != v.status_text);
}

TEST_CASE("view_state: an unusable endpoint says so, and offers no Tentar agora", "[app][view]") {
  PagePort port;
  App app(port, "v");
  PageInfo p;
  p.hostname = "buildingos.yourdomain.com";
  p.config_json = R"({"websocketEndpoint":"ws://insecure.example.com"})";
  p.language = "pt-BR";
  app.boot(p, "", {}, "tab1", 1, kNow);
  const ui::ViewState v = app.view_state(kNow);
  CHECK(v.status_text == "Endere\xC3\xA7o do servidor inv\xC3\xA1lido");
  CHECK_FALSE(v.show_try_now);
}

TEST_CASE("buildingos:status: one event per real change, each the full state() JSON", "[app][view]") {
  Booted b;
  REQUIRE(b.port.status_events.size() == 1);
  CHECK(json::parse(b.port.status_events[0]) == json::parse(b.app.api_state_json(kNow)));
  for (int i = 1; i <= 20; ++i) b.app.tick(kNow + i * 100);  // statusText may move; nothing else does
  CHECK(b.port.status_events.size() == 1);
  b.app.on_open(b.port.last_conn, kNow + 3000);
  REQUIRE(b.port.status_events.size() == 2);
  CHECK(json::parse(b.port.status_events[1])["status"] == "connected");
  b.app.api_send_json("fila", kNow + 3001);  // queued 0 -> 1 (sent, awaiting its ack)
  REQUIRE(b.port.status_events.size() == 3);
  CHECK(json::parse(b.port.status_events[2])["queued"] == 1);
}
