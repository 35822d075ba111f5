// The page's accessible twins of the canvas (ui/page_twins, ui/actions), natively: the accessible names
// built from the C++ strings, the one action table both menus come from, what the page is sent (only what
// changed, at most kTwinMessages messages), and a twin's action going through App::apply like a tap.
//
// Index
//   [SECTION] Helpers
//   [SECTION] Names          "<sender>, <time>, <state>: <text>"
//   [SECTION] Action table   the canvas's menu and the page's are the same rows; message actions
//   [SECTION] Updates        first sync, nothing changed, appended, changed in place, removed, trimmed, merged
//   [SECTION] Requests       a twin's action, checked against what is offered now, through App::apply
#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "harness.hpp"
#include "ui/page_twins.hpp"

using namespace bos;
using namespace bos::test;
using nlohmann::json;

// [SECTION] Helpers ---------------------------------------------------------------------------------------

namespace {

constexpr int kBrasilia = -180;  // minutes from UTC; ViewHarness::kStartMs is 16:00 UTC, 13:00 there

ui::ViewState view_state(Lang lang = Lang::Pt) {
  ui::ViewState s;
  s.lang = lang;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  s.version = "0.1.0+test";
  return s;
}

json update(ui::PageTwins& twins, const ChatModel& chat, const ui::ViewState& view,
            ui::NotificationsState n = ui::NotificationsState::Granted) {
  const std::string out = twins.update({chat, view, n, kBrasilia});
  return out.empty() ? json() : json::parse(out);
}

std::vector<std::string> labels(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i["label"]);
  return out;
}

// The page's log as wasm/pre.js keeps it (Module.bosTwins): reset, removes, then puts (in place, or appended).
struct PageLog {
  std::vector<std::pair<uint64_t, std::string>> items;
  void apply(const json& u) {
    if (u.is_null()) return;
    if (u.contains("reset")) items.clear();
    for (const auto& seq : u.value("remove", json::array())) {
      items.erase(std::remove_if(items.begin(), items.end(), [&](const auto& i) { return i.first == seq.get<uint64_t>(); }),
                  items.end());
    }
    for (const auto& m : u.value("put", json::array())) {
      auto it = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.first == m["seq"].get<uint64_t>(); });
      if (it != items.end()) it->second = m["name"];
      else items.emplace_back(m["seq"].get<uint64_t>(), m["name"].get<std::string>());
    }
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.second);
    return out;
  }
  std::vector<uint64_t> seqs() const {
    std::vector<uint64_t> out;
    for (const auto& i : items) out.push_back(i.first);
    return out;
  }
};

struct NullPort : app::Port {
  std::vector<std::string> urls;
  std::vector<std::string> sent;
  uint32_t last_conn = 0;
  void ws_open(uint32_t conn, const std::string&) override { last_conn = conn; }
  bool ws_send(uint32_t, const std::string& text) override {
    sent.push_back(text);
    return true;
  }
  void ws_close(uint32_t, int, const std::string&) override {}
  void store_write(const std::string&, const std::string&) override {}
  void notify(const std::string&, const std::string&) override {}
  void set_title(const std::string&) override {}
  void announce(const std::string&) override {}
  void dispatch_event(const char*, const std::string&) override {}
  void log(LogLevel, const std::string&) override {}
  void request_frame() override {}
  void open_url(const std::string& url) override { urls.push_back(url); }
};

}  // namespace

// [SECTION] Names -----------------------------------------------------------------------------------------

TEST_CASE("twins: the accessible name is sender, local time, delivery state and text", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  CHECK(ui::accessible_name(message(Role::User, "Oi", t, MessageState::Queued), Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, aguardando envio: Oi");
  CHECK(ui::accessible_name(message(Role::User, "Oi", t, MessageState::Sent), Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, enviada: Oi");
  CHECK(ui::accessible_name(message(Role::User, "Oi", t, MessageState::Acked), Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, entregue: Oi");
  CHECK(ui::accessible_name(message(Role::User, "Oi", t, MessageState::Answered), Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, respondida: Oi");
  CHECK(ui::accessible_name(message(Role::User, "Oi", t, MessageState::Failed), Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, n\xC3\xA3o enviada: Oi");
  ChatMessage too_big = message(Role::User, "Oi", t, MessageState::Failed);
  too_big.fail_reason = FailReason::TooBig;
  CHECK(ui::accessible_name(too_big, Lang::Pt, kBrasilia) ==
        "Voc\xC3\xAA, 13:00, n\xC3\xA3o enviada, grande demais para o servidor: Oi");
  CHECK(ui::accessible_name(message(Role::Assistant, "Sua encomenda chegou", t + 61'000), Lang::Pt, kBrasilia) ==
        "Assistente, 13:01, recebida: Sua encomenda chegou");
  ChatMessage notice = message(Role::Notification, "O elevador chegou", t);
  CHECK(ui::accessible_name(notice, Lang::Pt, 0) == "Aviso, 16:00, recebida: O elevador chegou");
  notice.priority = Priority::High;
  CHECK(ui::accessible_name(notice, Lang::Pt, 0) == "Aviso importante, 16:00, recebida: O elevador chegou");
  CHECK(ui::accessible_name(message(Role::Error, "Falhou", t), Lang::Pt, 0) == "Erro no servidor, 16:00, recebida: Falhou");
  CHECK(ui::accessible_name(message(Role::User, "Hi", t, MessageState::Acked), Lang::En, 0) == "You, 16:00, delivered: Hi");
  // A U+0000 is read as the canvas draws it (U+FFFD), so the text after it is still heard.
  CHECK(ui::accessible_name(message(Role::Assistant, std::string("a\0b", 3), t), Lang::Pt, kBrasilia) ==
        "Assistente, 13:00, recebida: a\xEF\xBF\xBD" "b");
}

// [SECTION] Action table ----------------------------------------------------------------------------------

TEST_CASE("twins: the page's menu is the canvas's, item for item and in the same order", "[ui][twins]") {
  for (const bool large : {false, true}) {
    for (const auto n : {ui::NotificationsState::Default, ui::NotificationsState::Granted}) {
      ViewHarness h;
      ChatModel chat;
      chat.append(message(Role::Assistant, "Ol\xC3\xA1", h.now_ms));
      ui::ViewState s = view_state();
      s.large_text = large;
      h.ctx.notifications = n;
      h.frames(3, chat, s);
      const Item* menu = h.find(h.chat_id("##menu"));
      REQUIRE(menu);
      h.click(ImVec2((menu->rect.Min.x + menu->rect.Max.x) / 2, (menu->rect.Min.y + menu->rect.Max.y) / 2), chat, s);
      h.frames(2, chat, s);

      ui::PageTwins twins;
      const json page = update(twins, chat, s, n)["controls"]["menu"];
      const auto page_labels = labels(page["items"]);
      CHECK(page_labels.size() == ui::menu_entries({large, n}).size());
      // The canvas popup draws the same labels, top to bottom.
      float last_y = -1;
      for (const auto& label : page_labels) {
        const Item* item = h.find_label(label);
        REQUIRE(item);
        CHECK(item->rect.Min.y > last_y);
        last_y = item->rect.Min.y;
      }
      CHECK(page["label"] == "Menu");
      CHECK(page["about"] == "BuildingOS \xC2\xB7 vers\xC3\xA3o 0.1.0+test");
      const bool offers_notifications =
          std::find(page_labels.begin(), page_labels.end(), "Ativar notifica\xC3\xA7\xC3\xB5" "es") != page_labels.end();
      CHECK(offers_notifications == (n == ui::NotificationsState::Default));
      CHECK(page_labels.back() == "Limpar conversa");
      CHECK(page["items"].back()["confirm"] == text(Lang::Pt, Text::ClearConfirm));
      CHECK(page["items"].back()["cancel"] == "Cancelar");
      CHECK(std::find(page_labels.begin(), page_labels.end(), large ? "Texto normal" : "Texto maior") != page_labels.end());
    }
  }
}

TEST_CASE("twins: the update banner and the switch question are the canvas's, and answer as it does", "[ui][twins][identity]") {
  using ui::Action;
  const auto code = [](Action a) { return static_cast<int>(a); };
  ViewHarness h;
  ChatModel chat;
  chat.append(message(Role::Assistant, "Ol\xC3\xA1", h.now_ms));
  ui::ViewState s = view_state();
  ui::PageTwins twins;
  const ui::TwinContext ctx{chat, s, ui::NotificationsState::Granted, kBrasilia};
  ui::Intents in;
  json c = update(twins, chat, s)["controls"];
  CHECK(c["update"].is_null());
  CHECK(c["question"].is_null());
  CHECK_FALSE(twins.request(code(Action::AcceptUpdate), 0, -1, ctx, in));
  CHECK_FALSE(twins.request(code(Action::SwitchResident), 0, -1, ctx, in));
  CHECK_FALSE(twins.request(code(Action::KeepResident), 0, -1, ctx, in));
  CHECK(in.empty());

  s.show_update = true;
  s.switch_name = "Apto 301";
  s.resident_label = "Apto 502";
  h.frames(4, chat, s);
  c = update(twins, chat, s)["controls"];
  REQUIRE(c["update"].is_object());
  CHECK(c["update"]["text"] == text(Lang::Pt, Text::UpdateAvailable));
  CHECK(c["update"]["label"] == "Atualizar");
  CHECK(c["update"]["action"] == code(Action::AcceptUpdate));
  REQUIRE(c["question"].is_object());
  const ui::Question q = ui::switch_question(Lang::Pt, s);
  CHECK(c["question"]["text"] == q.text);
  CHECK(q.text.rfind("Trocar para Apto 301?", 0) == 0);
  CHECK(c["question"]["no"]["label"] == "Continuar como Apto 502");
  CHECK(c["question"]["no"]["action"] == code(Action::KeepResident));
  CHECK(c["question"]["yes"]["label"] == "Trocar");
  CHECK(c["question"]["yes"]["action"] == code(Action::SwitchResident));
  // The canvas draws the same labels, where a tap reaches them.
  const auto drawn = [&](const std::string& kind, const std::string& label) {
    const auto& rects = h.view.hit_rects();
    return std::any_of(rects.begin(), rects.end(), [&](const ui::HitRect& r) { return r.kind == kind && r.detail == label; });
  };
  CHECK(drawn("accept_update", "Atualizar"));
  CHECK(drawn("keep_current", "Continuar como Apto 502"));
  CHECK(drawn("confirm_switch", "Trocar"));

  CHECK(twins.request(code(Action::AcceptUpdate), 0, -1, ctx, in));
  CHECK(in.accept_update);
  in = {};
  CHECK(twins.request(code(Action::KeepResident), 0, -1, ctx, in));
  CHECK(in.switch_answer == ui::SwitchAnswer::Keep);
  in = {};
  CHECK(twins.request(code(Action::SwitchResident), 0, -1, ctx, in));
  CHECK(in.switch_answer == ui::SwitchAnswer::Switch);

  // Without a name, "Cancelar" is the safe answer.
  s.resident_label.clear();
  CHECK(update(twins, chat, s)["controls"]["question"]["no"]["label"] == "Cancelar");

  // Answered on the page, the question goes from the canvas too, and the canvas takes taps again.
  s.switch_name.clear();
  s.show_update = false;
  h.frames(3, chat, s);
  CHECK_FALSE(drawn("confirm_switch", "Trocar"));
  const Item* menu = h.find(h.chat_id("##menu"));
  REQUIRE(menu);
  h.click(ImVec2((menu->rect.Min.x + menu->rect.Max.x) / 2, (menu->rect.Min.y + menu->rect.Max.y) / 2), chat, s);
  h.frames(2, chat, s);
  CHECK(h.find_label("Limpar conversa"));
}

TEST_CASE("twins: a failed message offers Reenviar and Apagar, others none, Copiar only on the canvas", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  using ui::Action;
  CHECK(ui::message_actions(message(Role::User, "a", t, MessageState::Failed), false) ==
        std::vector<Action>{Action::Retry, Action::Delete});
  CHECK(ui::message_actions(message(Role::User, "a", t, MessageState::Acked), false).empty());
  CHECK(ui::message_actions(message(Role::User, "a", t, MessageState::Acked), true) == std::vector<Action>{Action::Copy});
  ChatMessage processing = message(Role::System, "Processando...", t);
  processing.temporary = true;
  CHECK(ui::message_actions(processing, true).empty());
  ui::Intents in;
  CHECK_FALSE(ui::request(Action::Retry, nullptr, {}, in));
  const ChatMessage acked = message(Role::User, "a", t, MessageState::Acked, "c-1");
  CHECK_FALSE(ui::request(Action::Retry, &acked, {}, in));
  CHECK_FALSE(ui::request(Action::OpenLink, &acked, "javascript:alert(1)", in));
  CHECK(in.empty());
}

TEST_CASE("twins: Reenviar on a message that may have arrived asks first on both faces, on no other", "[ui][twins][delivery]") {
  ViewHarness h(390, 844, 1.0f);
  ChatModel chat;
  ChatMessage unconfirmed = message(Role::User, "vazamento no 502", h.now_ms, MessageState::Failed, "c-1");
  unconfirmed.fail_reason = FailReason::Unconfirmed;
  ChatMessage too_big = message(Role::User, "uma foto", h.now_ms + 1, MessageState::Failed, "c-2");
  too_big.fail_reason = FailReason::TooBig;
  chat.append(unconfirmed);
  chat.append(too_big);
  auto s = view_state();
  ui::PageTwins twins;
  const json u = update(twins, chat, s);
  REQUIRE(u["put"].size() == 2);
  const json& asks = u["put"][0]["actions"][0];
  CHECK(asks["action"] == static_cast<int>(ui::Action::Retry));
  CHECK(asks["confirm"] == text(Lang::Pt, Text::ResendMayDuplicate));
  CHECK(asks["cancel"] == "Cancelar");
  CHECK(asks["ok"] == text(Lang::Pt, Text::ResendAnyway));
  CHECK_FALSE(u["put"][1]["actions"][0].contains("confirm"));  // refused for its size: it never arrived

  // The canvas: the chip asks, "Cancelar" keeps the message, "Reenviar mesmo assim" sends it.
  for (int i = 0; i < 8; ++i) h.frame(chat, s);
  auto rect_of = [&](const std::string& kind, const std::string& id) {
    for (const auto& r : h.view.hit_rects()) {
      if (r.kind == kind && (id.empty() || r.id == id)) return ImVec2((r.vis_min.x + r.vis_max.x) / 2, (r.vis_min.y + r.vis_max.y) / 2);
    }
    FAIL("no " << kind);
    return ImVec2();
  };
  CHECK(h.tap(rect_of("retry", "c-1"), chat, s).retry_id.empty());
  h.frames(2, chat, s);
  CHECK(h.tap(rect_of("cancel_resend", ""), chat, s).retry_id.empty());
  h.frames(2, chat, s);
  CHECK(h.tap(rect_of("retry", "c-1"), chat, s).retry_id.empty());
  h.frames(2, chat, s);
  CHECK(h.tap(rect_of("confirm_resend", ""), chat, s).retry_id == "c-1");
  h.frames(2, chat, s);
  CHECK(h.tap(rect_of("retry", "c-2"), chat, s).retry_id == "c-2");  // no question
}

TEST_CASE("twins: signed in with a token, both menus say who and offer Sair deste aparelho, naming what is undelivered", "[ui][twins][identity]") {
  ui::ViewState s = view_state();
  ui::PageTwins twins;
  ChatModel chat;
  // Without a token: no sign-out row, no "Entrou como".
  json menu = update(twins, chat, s)["controls"]["menu"];
  CHECK(labels(menu["items"]) == std::vector<std::string>{"Texto maior", "Limpar conversa"});
  CHECK_FALSE(menu.contains("who"));

  s.signed_in = true;
  s.resident_label = "Apto 502";
  s.undelivered = 2;
  menu = update(twins, chat, s)["controls"]["menu"];
  CHECK(labels(menu["items"]) == std::vector<std::string>{"Texto maior", "Limpar conversa", "Sair deste aparelho"});
  CHECK(menu["who"] == "Entrou como Apto 502");
  const json& sign_out = menu["items"].back();
  CHECK(sign_out["action"] == static_cast<int>(ui::Action::SignOut));
  const std::string q = sign_out["confirm"];
  CHECK(q.rfind("2 mensagem(ns) ainda n", 0) == 0);  // the undelivered messages first, then what it does
  CHECK(q.find(text(Lang::Pt, Text::SignOutConfirm)) != std::string::npos);
  CHECK(sign_out["cancel"] == "Cancelar");

  // The page's item goes through ui::request like the canvas's: sign_out, for App::apply.
  const ui::TwinContext ctx{chat, s, ui::NotificationsState::Granted, 0};
  ui::Intents in;
  REQUIRE(twins.request(static_cast<int>(ui::Action::SignOut), 0, -1, ctx, in));
  CHECK(in.sign_out);
  // Not offered without a token: a stale page control does nothing.
  s.signed_in = false;
  in = {};
  CHECK_FALSE(twins.request(static_cast<int>(ui::Action::SignOut), 0, -1, {chat, s, ui::NotificationsState::Granted, 0}, in));
  CHECK(in.empty());
}

TEST_CASE("twins: links are the canvas's safe ones and ask Abrir site externo? first, the banner says link_refused", "[ui][twins][identity]") {
  const int64_t t = ViewHarness::kStartMs;
  ChatModel chat;
  const uint64_t seq = chat.append(message(Role::Assistant,
      "Veja https://buildingos.com.br@evil.example/x e http://evil.example/ e https://portaria.example.com/a", t));
  ui::ViewState s = view_state();
  ui::PageTwins twins;
  const json u = update(twins, chat, s);
  const json& links = u["put"][0]["links"];
  REQUIRE(links.size() == 1);  // userinfo and http: outside loopback are not links
  CHECK(links[0]["href"] == "https://portaria.example.com/a");
  CHECK(links[0]["confirm"] == "Abrir site externo? portaria.example.com");
  CHECK(links[0]["ok"] == "Abrir");
  CHECK(links[0]["cancel"] == "Cancelar");
  ui::Intents in;
  REQUIRE(twins.request(static_cast<int>(ui::Action::OpenLink), seq, 0, {chat, s, ui::NotificationsState::Granted, 0}, in));
  CHECK(in.open_url == "https://portaria.example.com/a");
  in = {};
  CHECK_FALSE(twins.request(static_cast<int>(ui::Action::OpenLink), seq, 1, {chat, s, ui::NotificationsState::Granted, 0}, in));

  s.show_try_now = true;
  s.banner_text = text(Lang::Pt, Text::LinkRefused);
  CHECK(update(twins, chat, s)["controls"]["banner"]["text"] == text(Lang::Pt, Text::LinkRefused));
}

// [SECTION] Updates ---------------------------------------------------------------------------------------

TEST_CASE("twins: the page gets everything once, then only what changed, and nothing when idle", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  ChatModel chat;
  chat.append(message(Role::User, "Minha encomenda chegou?", t, MessageState::Acked, "c-1"));
  chat.append(message(Role::Assistant, "Sim, veja https://portaria.example.com/entregas/42", t + 1000));
  ChatMessage processing = message(Role::System, "Processando sua solicita\xC3\xA7\xC3\xA3o...", t + 2000);
  processing.temporary = true;
  chat.append(processing);
  const ui::ViewState s = view_state();
  ui::PageTwins twins;

  const json first = update(twins, chat, s);
  CHECK(first["reset"] == true);
  REQUIRE(first["put"].size() == 2);  // the temporary line is not a message
  CHECK(first["put"][0]["name"] == "Voc\xC3\xAA, 13:00, entregue: Minha encomenda chegou?");
  CHECK(first["put"][0]["actions"].empty());
  const json link = first["put"][1]["links"][0];
  CHECK(link["label"] == "portaria.example.com/entregas/42");
  CHECK(link["href"] == "https://portaria.example.com/entregas/42");
  CHECK(link["action"] == static_cast<int>(ui::Action::OpenLink));
  CHECK(first["controls"]["status"] == "Conectado em tempo real");
  CHECK(first["controls"]["banner"].is_null());

  CHECK(twins.update({chat, s, ui::NotificationsState::Granted, kBrasilia}).empty());  // an idle frame: nothing

  // A new message: only it, appended.
  chat.append(message(Role::User, "Obrigado", t + 3000, MessageState::Queued, "c-2"));
  json u = update(twins, chat, s);
  CHECK_FALSE(u.contains("reset"));
  CHECK_FALSE(u.contains("controls"));
  REQUIRE(u["put"].size() == 1);
  CHECK(u["put"][0]["name"] == "Voc\xC3\xAA, 13:00, aguardando envio: Obrigado");

  // It fails: the same message, changed, now with its actions.
  chat.set_state("c-2", MessageState::Failed);
  u = update(twins, chat, s);
  REQUIRE(u["put"].size() == 1);
  CHECK(u["put"][0]["seq"] == chat.find_id("c-2")->seq);
  CHECK(labels(u["put"][0]["actions"]) == std::vector<std::string>{"Reenviar", "Apagar"});

  // Deleted: removed.
  const uint64_t gone = chat.find_id("c-2")->seq;
  chat.remove_id("c-2");
  u = update(twins, chat, s);
  CHECK(u["remove"] == json::array({gone}));
  CHECK_FALSE(u.contains("put"));

  // The banner and the status follow the view state.
  ui::ViewState failed = s;
  failed.conn = ConnState::Failed;
  failed.status_text = "Sem conex\xC3\xA3o. Nova tentativa em 9 s";
  failed.show_try_now = true;
  u = update(twins, chat, failed);
  CHECK(u["controls"]["status"] == failed.status_text);
  CHECK(u["controls"]["banner"]["label"] == "Tentar agora");
  CHECK(u["controls"]["banner"]["action"] == static_cast<int>(ui::Action::TryNow));
  CHECK(u["controls"]["banner"]["text"] == text(Lang::Pt, Text::OfflineReassure));

  // Cleared: everything removed.
  chat.clear();
  u = update(twins, chat, failed);
  CHECK(u["remove"].size() == 2);
  CHECK(twins.shown_messages() == 0);
}

TEST_CASE("twins: what the page is sent is JSON for any text a message can hold", "[ui][twins]") {
  const std::string hostile = "\"aspas\" \\ barra\n\tlinha\x01\x1f </script> \xE2\x80\xA8 \xC3\xA7 \xF0\x9F\x98\x80";
  ChatModel chat;
  chat.append(message(Role::Assistant, hostile, ViewHarness::kStartMs));
  ui::PageTwins twins;
  const json u = update(twins, chat, view_state());  // parse() would throw on anything that is not JSON
  CHECK(u["put"][0]["name"] == "Assistente, 13:00, recebida: " + hostile);
}

TEST_CASE("twins: the page's log keeps the newest 500 messages, however many arrive", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  ChatModel chat;
  const ui::ViewState s = view_state();
  ui::PageTwins twins;
  for (int i = 0; i < 300; ++i) chat.append(message(Role::Assistant, "burst " + std::to_string(i), t + i));
  CHECK(update(twins, chat, s)["put"].size() == 300);
  for (int i = 300; i < 1200; ++i) chat.append(message(Role::Assistant, "burst " + std::to_string(i), t + i));
  const json u = update(twins, chat, s);
  CHECK(u["remove"].size() == 300);  // every earlier one is older than the newest 500
  REQUIRE(u["put"].size() == ui::kTwinMessages);
  CHECK(u["put"].front()["name"] == "Assistente, 13:00, recebida: burst 700");
  CHECK(u["put"].back()["name"] == "Assistente, 13:00, recebida: burst 1199");
  CHECK(twins.shown_messages() == ui::kTwinMessages);
}

TEST_CASE("twins: after a merged history (seqs renumbered) the page's log is in the chat's order", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  ChatModel chat, other;
  chat.append(message(Role::Assistant, "mine, later", t + 120'000));
  chat.append(message(Role::Assistant, "mine, latest", t + 180'000));
  other.append(message(Role::Assistant, "older, from the other tab", t));
  other.append(message(Role::Assistant, "between, from the other tab", t + 150'000));
  const ui::ViewState s = view_state();
  ui::PageTwins twins;
  PageLog page;
  page.apply(update(twins, chat, s));
  CHECK(page.names() == std::vector<std::string>{"Assistente, 13:02, recebida: mine, later",
                                                 "Assistente, 13:03, recebida: mine, latest"});
  REQUIRE(chat.merge(other.serialize()) == RestoreError::None);
  page.apply(update(twins, chat, s));
  CHECK(page.names() == std::vector<std::string>{"Assistente, 13:00, recebida: older, from the other tab",
                                                 "Assistente, 13:02, recebida: mine, later",
                                                 "Assistente, 13:02, recebida: between, from the other tab",
                                                 "Assistente, 13:03, recebida: mine, latest"});
  // The page's log holds what the chat holds, seq for seq.
  std::vector<uint64_t> seqs;
  for (const auto& m : chat.messages()) seqs.push_back(m.seq);
  CHECK(page.seqs() == seqs);
}

TEST_CASE("twins: under any mix of changes the page's log is the chat's newest messages, in order", "[ui][twins]") {
  // 2,000 random steps (a fixed seed): appends in bursts, state changes, deletions, temporary lines, clears.
  const int64_t t = ViewHarness::kStartMs;
  ChatModel chat;
  const ui::ViewState s = view_state();
  ui::PageTwins twins;
  PageLog page;
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto next = [&](uint64_t n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % n;
  };
  int serial = 0;
  for (int step = 0; step < 2000; ++step) {
    const uint64_t what = next(100);
    if (what < 60) {
      const uint64_t burst = next(40) + 1;
      for (uint64_t i = 0; i < burst; ++i) {
        const bool mine = next(2) == 0;
        ChatMessage m = message(mine ? Role::User : Role::Assistant, "m" + std::to_string(serial), t + serial,
                                mine ? MessageState::Queued : MessageState::Received, mine ? "c-" + std::to_string(serial) : "");
        m.temporary = !mine && next(10) == 0;
        ++serial;
        chat.append(std::move(m));
      }
    } else if (what < 85 && chat.size() > 0) {
      const auto& m = chat.messages()[next(chat.size())];
      if (m.role == Role::User) chat.set_state(m.id, next(2) ? MessageState::Failed : MessageState::Acked);
    } else if (what < 97 && chat.size() > 0) {
      const std::string id = chat.messages()[next(chat.size())].id;
      chat.remove_id(id);
    } else {
      chat.clear();
    }
    page.apply(update(twins, chat, s));
    std::vector<uint64_t> want;
    for (auto it = chat.messages().rbegin(); it != chat.messages().rend() && want.size() < ui::kTwinMessages; ++it) {
      if (!it->temporary) want.push_back(it->seq);
    }
    std::reverse(want.begin(), want.end());
    REQUIRE(page.seqs() == want);
    if (step % 50 == 0) {  // and every name is the message's as it is now
      std::vector<std::string> names;
      for (uint64_t seq : want) names.push_back(ui::accessible_name(*chat.find_seq(seq), Lang::Pt, kBrasilia));
      REQUIRE(page.names() == names);
    }
  }
}

// [SECTION] Requests --------------------------------------------------------------------------------------

TEST_CASE("twins: a page control asks for what it stands for, only while it is offered", "[ui][twins]") {
  const int64_t t = ViewHarness::kStartMs;
  using ui::Action;
  auto code = [](Action a) { return static_cast<int>(a); };
  ChatModel chat;
  const uint64_t failed = chat.append(message(Role::User, "Oi", t, MessageState::Failed, "c-1"));
  const uint64_t answer = chat.append(message(Role::Assistant, "Veja www.example.com e https://b.example.org/x", t));
  ui::ViewState s = view_state();
  ui::PageTwins twins;
  const ui::TwinContext ctx{chat, s, ui::NotificationsState::Granted, 0};
  ui::Intents in;

  CHECK(twins.request(code(Action::Retry), failed, -1, ctx, in));
  CHECK(in.retry_id == "c-1");
  in = {};
  CHECK(twins.request(code(Action::Delete), failed, -1, ctx, in));
  CHECK(in.delete_id == "c-1");
  in = {};
  CHECK_FALSE(twins.request(code(Action::Retry), answer, -1, ctx, in));   // not failed
  CHECK_FALSE(twins.request(code(Action::Retry), 999, -1, ctx, in));      // gone
  CHECK_FALSE(twins.request(code(Action::Copy), answer, -1, ctx, in));    // the page does not offer it
  CHECK_FALSE(twins.request(code(Action::TryNow), 0, -1, ctx, in));       // no banner
  CHECK_FALSE(twins.request(code(Action::EnableNotifications), 0, -1, ctx, in));  // already granted
  CHECK_FALSE(twins.request(-1, 0, -1, ctx, in));
  CHECK_FALSE(twins.request(code(Action::kCount), 0, -1, ctx, in));
  CHECK_FALSE(twins.request(code(Action::OpenLink), answer, 2, ctx, in));  // it has two links
  CHECK(in.empty());

  CHECK(twins.request(code(Action::OpenLink), answer, 1, ctx, in));
  CHECK(in.open_url == "https://b.example.org/x");
  in = {};
  CHECK(twins.request(code(Action::OpenLink), answer, 0, ctx, in));
  CHECK(in.open_url == "https://www.example.com/");  // safe_link's url, as new URL() writes it (issue 13)
  in = {};
  CHECK(twins.request(code(Action::ClearConversation), 0, -1, ctx, in));
  CHECK(in.clear_history);
  in = {};
  CHECK(twins.request(code(Action::ToggleLargeText), 0, -1, ctx, in));
  CHECK(in.toggle_large_text);
  in = {};
  s.show_try_now = true;
  CHECK(twins.request(code(Action::TryNow), 0, -1, ctx, in));
  CHECK(in.try_now);
}

TEST_CASE("twins: Reenviar on the page goes through App::apply and sends the message again", "[ui][twins]") {
  NullPort port;
  app::App app(port, "0.1.0+test");
  app::PageInfo p;
  p.hostname = "127.0.0.1";
  p.search = "?ws=ws://127.0.0.1:4000";
  p.language = "pt-BR";
  int64_t now = ViewHarness::kStartMs;
  app.boot(p, "", {}, "tab1", 7, now);
  app.on_open(port.last_conn, now);
  const std::string id = json::parse(app.api_send_json("Oi, portaria!", now))["id"];
  app.on_close(port.last_conn, 1009, "", now);  // the gateway refused it: failed
  const ChatMessage* m = app.engine().chat().find_id(id);
  REQUIRE(m);
  REQUIRE(m->state == MessageState::Failed);

  ui::PageTwins twins;
  const ui::ViewState view = app.view_state(now);
  const json u = json::parse(twins.update({app.engine().chat(), view, ui::NotificationsState::Granted, 0}));
  const json& item = u["put"].back();
  REQUIRE(item["actions"].size() == 2);
  CHECK(item["name"] == "Voc\xC3\xAA, 16:00, n\xC3\xA3o enviada, grande demais para o servidor: Oi, portaria!");
  const int retry = item["actions"][0]["action"];  // the code the page was given, sent back as it is
  ui::Intents in;
  REQUIRE(twins.request(retry, item["seq"], -1, {app.engine().chat(), view, ui::NotificationsState::Granted, 0}, in));
  app.apply(in, now);
  m = app.engine().chat().find_id(id);
  REQUIRE(m);
  CHECK(m->state != MessageState::Failed);
  port.sent.clear();
  now = app.engine().next_deadline_ms();
  app.tick(now);
  app.on_open(port.last_conn, now);
  REQUIRE_FALSE(port.sent.empty());
  CHECK(std::any_of(port.sent.begin(), port.sent.end(), [&](const std::string& f) { return f.find(id) != std::string::npos; }));
}
