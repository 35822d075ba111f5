// App wiring with a fake Port: effects reach the platform, the automation API's JSON has the contract's
// shape, page events fire once per real change, storage is per resident, a failed send reconnects.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "app/app.hpp"

using namespace bos;
using namespace bos::app;
using nlohmann::json;

namespace {

struct FakePort : Port {
  struct Open {
    uint32_t conn;
    std::string url;
  };
  std::vector<Open> opened;
  std::map<uint32_t, std::vector<std::string>> sent;
  std::vector<std::pair<uint32_t, int>> closed;
  std::map<std::string, std::string> storage;
  std::vector<std::pair<std::string, std::string>> notifications;
  std::vector<std::string> titles, announcements;
  std::vector<std::pair<std::string, json>> events;
  std::vector<std::string> logs;
  bool can_send = true;
  int frames = 0;

  void ws_open(uint32_t conn, const std::string& url) override { opened.push_back({conn, url}); }
  bool ws_send(uint32_t conn, const std::string& text) override {
    if (!can_send) return false;
    sent[conn].push_back(text);
    return true;
  }
  void ws_close(uint32_t conn, int code, const std::string&) override { closed.emplace_back(conn, code); }
  void store_write(const std::string& key, const std::string& value) override { storage[key] = value; }
  void notify(const std::string& t, const std::string& b) override { notifications.emplace_back(t, b); }
  void set_title(const std::string& t) override { titles.push_back(t); }
  void announce(const std::string& t) override { announcements.push_back(t); }
  void dispatch_event(const char* name, const std::string& detail) override {
    events.emplace_back(name, json::parse(detail));
  }
  void log(LogLevel, const std::string& t) override { logs.push_back(t); }
  void request_frame() override { ++frames; }

  std::vector<json> events_named(const std::string& name) const {
    std::vector<json> out;
    for (const auto& [n, d] : events) {
      if (n == name) out.push_back(d);
    }
    return out;
  }
};

constexpr int64_t kNow = 1'764'345'600'000;

PageInfo local_page(std::string hash = "") {
  PageInfo p;
  p.hostname = "127.0.0.1";
  p.search = "?ws=ws://127.0.0.1:4000";
  p.hash = std::move(hash);
  p.language = "pt-BR";
  return p;
}

struct Booted {
  FakePort port;
  App app{port, "0.1.0+test"};
  explicit Booted(PageInfo page = local_page(), std::map<std::string, std::string> stored = {}) {
    port.storage = stored;
    app.boot(page, [this](const std::string& k) { return port.storage.count(k) ? port.storage.at(k) : std::string(); }, 7, kNow);
  }
  uint32_t conn() const { return port.opened.back().conn; }
};

}  // namespace

TEST_CASE("boot connects to the chosen endpoint with the resident's ids", "[app]") {
  Booted b(local_page("#resident=apto-502"));
  REQUIRE(b.port.opened.size() == 1);
  CHECK(b.port.opened[0].url.rfind("ws://127.0.0.1:4000?user_id=apto-502&session_id=session-", 0) == 0);
  CHECK(b.port.storage.count("bos.v1.identity") == 1);
  CHECK(b.port.titles.back() == "BuildingOS \xC2\xB7 Chat do pr\xC3\xA9" "dio");
  const auto status = b.port.events_named("buildingos:status");
  REQUIRE_FALSE(status.empty());
  CHECK(status.back()["status"] == "connecting");
}

TEST_CASE("state() has the contract's fields and types", "[app]") {
  Booted b;
  b.app.on_open(b.conn(), kNow + 10);
  const auto s = json::parse(b.app.api_state_json(kNow + 10));
  CHECK(s["status"] == "connected");
  CHECK(s["attempts"] == 0);
  CHECK(s["queued"] == 0);
  CHECK(s["connectionId"].is_null());
  CHECK(s["userId"].is_string());
  CHECK(s["sessionId"].is_string());
  b.app.on_text(b.conn(), R"({"type": "status", "status": "connected", "connectionId": "R0oXAdfD0kwCH6w="})", kNow + 20);
  CHECK(json::parse(b.app.api_state_json(kNow + 20))["connectionId"] == "R0oXAdfD0kwCH6w=");
}

TEST_CASE("send() answers {ok,id} or {ok:false,error} and messages() shows the message", "[app]") {
  Booted b;
  b.app.on_open(b.conn(), kNow);
  const auto ok = json::parse(b.app.api_send_json("Oi, portaria!", kNow + 1));
  CHECK(ok["ok"] == true);
  CHECK(ok["id"].is_string());
  CHECK(json::parse(b.app.api_send_json("   ", kNow + 2)) == json::parse(R"({"ok":false,"error":"empty"})"));
  CHECK(json::parse(b.app.api_send_json(std::string(4001, 'a'), kNow + 3)) == json::parse(R"({"ok":false,"error":"too_long"})"));
  const auto msgs = json::parse(b.app.api_messages_json());
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0]["id"] == ok["id"]);
  CHECK(msgs[0]["role"] == "user");
  CHECK(msgs[0]["text"] == "Oi, portaria!");
  CHECK(msgs[0]["state"] == "sent");
  CHECK(msgs[0]["timestamp"] == kNow + 1);
  const auto events = b.port.events_named("buildingos:message");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["id"] == ok["id"]);
}

TEST_CASE("incoming messages fire buildingos:message, reach the live region, and notify when urgent", "[app]") {
  Booted b;
  b.app.on_open(b.conn(), kNow);
  b.app.on_text(b.conn(), R"({"type": "notification", "message": "O elevador chegou", "priority": "high", "timestamp": 1764345601})", kNow + 5);
  const auto events = b.port.events_named("buildingos:message");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["role"] == "notification");
  CHECK(events[0]["priority"] == "high");
  CHECK(events[0]["state"] == "received");
  CHECK(events[0]["timestamp"] == 1764345601000);
  REQUIRE(b.port.notifications.size() == 1);
  CHECK(b.port.notifications[0].second == "O elevador chegou");
  CHECK(b.port.announcements.back() == "Aviso: O elevador chegou");
}

TEST_CASE("buildingos:status fires on real changes only, not on every countdown second", "[app]") {
  Booted b;
  const auto before = b.port.events_named("buildingos:status").size();
  b.app.tick(kNow + 100);
  b.app.tick(kNow + 200);
  CHECK(b.port.events_named("buildingos:status").size() == before);
  b.app.on_open(b.conn(), kNow + 300);
  CHECK(b.port.events_named("buildingos:status").size() == before + 1);
  CHECK(b.port.events_named("buildingos:status").back()["status"] == "connected");
}

TEST_CASE("the unread count reaches the tab title while the page is hidden", "[app]") {
  Booted b;
  b.app.on_open(b.conn(), kNow);
  b.app.page_hidden(kNow + 1);
  b.app.on_text(b.conn(), R"({"type":"message","message":"a"})", kNow + 2);
  b.app.on_text(b.conn(), R"({"type":"message","message":"b"})", kNow + 3);
  CHECK(b.port.titles.back() == "(2) BuildingOS \xC2\xB7 Chat do pr\xC3\xA9" "dio");
  b.app.page_visible(kNow + 4);
  CHECK(b.port.titles.back() == "BuildingOS \xC2\xB7 Chat do pr\xC3\xA9" "dio");
}

TEST_CASE("outbox and history are stored under the resident's own keys and come back on reload", "[app]") {
  Booted first(local_page("#resident=apto-502"));
  first.app.api_send_json("offline ainda", kNow);  // not connected yet: queued
  first.app.page_hidden(kNow + 1);
  CHECK(first.port.storage.count("bos.v1.outbox.apto-502") == 1);
  CHECK(first.port.storage.count("bos.v1.history.apto-502") == 1);

  Booted second(local_page("#resident=apto-502"), first.port.storage);
  const auto msgs = json::parse(second.app.api_messages_json());
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0]["text"] == "offline ainda");
  CHECK(json::parse(second.app.api_state_json(kNow))["queued"] == 1);
  second.app.on_open(second.conn(), kNow + 10);
  REQUIRE(second.port.sent[second.conn()].size() == 1);
  CHECK(second.port.sent[second.conn()][0].find("offline ainda") != std::string::npos);

  SECTION("another resident on the same phone sees none of it") {
    Booted other(local_page("#resident=apto-101"), first.port.storage);
    CHECK(json::parse(other.app.api_messages_json()).empty());
  }
}

TEST_CASE("a send the socket refuses counts as a lost link and the message is kept", "[app]") {
  Booted b;
  b.app.on_open(b.conn(), kNow);
  b.port.can_send = false;
  const auto r = json::parse(b.app.api_send_json("vazamento no 502", kNow + 1));
  CHECK(r["ok"] == true);
  CHECK(json::parse(b.app.api_state_json(kNow + 1))["status"] == "reconnecting");
  CHECK(json::parse(b.app.api_state_json(kNow + 1))["queued"] == 1);
}

TEST_CASE("an unusable endpoint never connects and says why", "[app]") {
  PageInfo p;
  p.hostname = "buildingos.yourdomain.com";
  p.config_json = R"({"websocketEndpoint":"ws://insecure.example.com"})";
  p.language = "pt-BR";
  FakePort port;
  App app(port, "v");
  app.boot(p, [](const std::string&) { return std::string(); }, 1, kNow);
  CHECK(port.opened.empty());
  const auto s = json::parse(app.api_state_json(kNow));
  CHECK(s["status"] == "closed");
  CHECK(s["statusText"] == "Endere\xC3\xA7o do servidor inv\xC3\xA1lido");
  app.reconnect(kNow + 1);
  CHECK(port.opened.empty());
}
