// The whole path of a resident's tap, natively: the chat view drawn from a real App (its engine's chat and
// view_state), simulated input, the view's intents handed to App::apply, and the effect at the Port — what
// wasm/main.cpp does each frame, without a browser.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "harness.hpp"

using namespace bos;
using namespace bos::test;
using nlohmann::json;

namespace {

struct RecordingPort : app::Port {
  std::map<uint32_t, std::vector<std::string>> sent;
  std::vector<std::string> copied, urls;
  std::map<std::string, std::string> storage;
  uint32_t last_conn = 0;
  int sockets_opened = 0;

  void ws_open(uint32_t conn, const std::string&) override {
    last_conn = conn;
    ++sockets_opened;
  }
  bool ws_send(uint32_t conn, const std::string& text) override {
    sent[conn].push_back(text);
    return true;
  }
  void ws_close(uint32_t, int, const std::string&) override {}
  void store_write(const std::string& key, const std::string& value) override { storage[key] = value; }
  void notify(const std::string&, const std::string&) override {}
  void set_title(const std::string&) override {}
  void announce(const std::string&) override {}
  void dispatch_event(const char*, const std::string&) override {}
  void log(LogLevel, const std::string&) override {}
  void request_frame() override {}
  void copy_to_clipboard(const std::string& text) override { copied.push_back(text); }
  void open_url(const std::string& url) override { urls.push_back(url); }
  void load_update() override { ++update_loads; }
  int update_loads = 0;
};

// A booted app, connected, and the view that draws it.
struct Wired {
  RecordingPort port;
  app::App app{port, "0.1.0+test"};
  ViewHarness view;
  Wired() {
    app::PageInfo p;
    p.hostname = "127.0.0.1";
    p.search = "?ws=ws://127.0.0.1:4000";
    p.language = "pt-BR";
    app.boot(p, "", {}, "tab1", 7, view.now_ms);
    app.on_open(port.last_conn, view.now_ms);
  }
  // One frame of wasm/main.cpp: draw, then hand what the resident asked for to the app.
  ui::Intents frame() {
    const ui::Intents in = view.frame(app.engine().chat(), app.view_state(view.now_ms));
    app.apply(in, view.now_ms);
    return in;
  }
  void frames(int n) {
    for (int i = 0; i < n; ++i) frame();
  }
  // A tap: the pointer events go in, then frames run through the app as the page's would.
  void tap(const Item& it) {
    const ImVec2 p((it.rect.Min.x + it.rect.Max.x) / 2, (it.rect.Min.y + it.rect.Max.y) / 2);
    view.tap_later(p);
    frames(5);
  }
};

}  // namespace

TEST_CASE("wiring: Reenviar on a message the gateway refused sends it again", "[ui][wiring]") {
  Wired w;
  const auto sent = json::parse(w.app.api_send_json("Oi, portaria!", w.view.now_ms));
  const std::string id = sent["id"];
  w.app.on_close(w.port.last_conn, 1009, "", w.view.now_ms);  // "message too big": kept as failed
  w.frames(3);
  const ChatMessage* m = w.app.engine().chat().find_id(id);
  REQUIRE(m);
  REQUIRE(m->state == MessageState::Failed);
  const Item* retry = w.view.find(w.view.message_id(*m, "##retry"));
  REQUIRE(retry);

  w.tap(*retry);
  m = w.app.engine().chat().find_id(id);
  REQUIRE(m);
  CHECK(m->state != MessageState::Failed);
  // The next connection carries it again, with the same client_msg_id.
  w.app.tick(w.app.engine().next_deadline_ms());
  w.app.on_open(w.port.last_conn, w.view.now_ms + 60'000);
  REQUIRE_FALSE(w.port.sent[w.port.last_conn].empty());
  CHECK(w.port.sent[w.port.last_conn].back().find(id) != std::string::npos);
}

TEST_CASE("wiring: Tentar agora, after the resident disconnected, opens a socket at once", "[ui][wiring]") {
  Wired w;
  w.app.disconnect(w.view.now_ms);
  w.frames(3);
  const Item* try_now = w.view.find(w.view.chat_id("##try_now"));
  REQUIRE(try_now);
  const int before = w.port.sockets_opened;
  w.tap(*try_now);
  CHECK(w.port.sockets_opened == before + 1);
  CHECK(w.app.engine().state() == ConnState::Connecting);
  w.frames(2);
  CHECK_FALSE(w.view.find(w.view.chat_id("##try_now")));  // the banner went with the wait
}

TEST_CASE("wiring: Copiar reaches the clipboard and the view shows Copiado until it expires", "[ui][wiring]") {
  Wired w;
  w.app.on_text(w.port.last_conn, R"({"type":"message","message":"O elevador chegou. Veja www.example.com"})",
                w.view.now_ms);
  w.frames(3);
  const ChatMessage& m = w.app.engine().chat().messages().back();
  const Item* bubble = w.view.find(w.view.message_id(m, "##bubble"));
  REQUIRE(bubble);
  ImRect text_spot(bubble->rect.Min, ImVec2(bubble->rect.Min.x + 30, bubble->rect.Min.y + 20));
  w.tap({0, text_spot, ""});
  const Item* copy = w.view.find(w.view.message_id(m, "##copy"));
  REQUIRE(copy);
  w.tap(*copy);
  REQUIRE(w.port.copied.size() == 1);
  CHECK(w.port.copied[0] == m.text);
  CHECK(w.app.view_state(w.view.now_ms).toast == "Copiado");
  CHECK(w.view.view.wake_at_ms() > w.view.now_ms);  // the page will draw again when it goes
  w.view.now_ms += ui::kToastDurationMs;
  w.frame();
  CHECK(w.app.view_state(w.view.now_ms).toast.empty());

  const Item* link = w.view.find(w.view.message_id(m, "##link", 0));
  REQUIRE(link);
  w.tap(*link);
  CHECK(w.port.urls.empty());  // "Abrir site externo? www.example.com" first (issue 13)
  const Item* open = w.view.find_label("Abrir");
  REQUIRE(open);
  w.tap(*open);
  CHECK(w.port.urls == std::vector<std::string>{"https://www.example.com/"});
}

TEST_CASE("wiring: Nova versão disponível, Atualizar loads the new build (only when the resident is not typing)", "[ui][wiring][update]") {
  Wired w;
  w.frames(2);
  CHECK_FALSE(w.view.find(w.view.chat_id("##update")));
  w.app.update_ready(w.view.now_ms);
  w.frames(2);
  const Item* update = w.view.find(w.view.chat_id("##update"));
  REQUIRE(update);
  // Typing: the tap is taken, the page stays.
  w.app.composer_state(true, true, w.view.now_ms);
  w.tap(*update);
  CHECK(w.port.update_loads == 0);
  // The message goes, the field loses the focus: now.
  w.app.composer_state(false, false, w.view.now_ms);
  CHECK(w.port.update_loads == 1);
}

TEST_CASE("wiring: Atualizar with nobody typing loads at once", "[ui][wiring][update]") {
  Wired w;
  w.app.update_ready(w.view.now_ms);
  w.frames(2);
  const Item* update = w.view.find(w.view.chat_id("##update"));
  REQUIRE(update);
  w.tap(*update);
  CHECK(w.port.update_loads == 1);
}
