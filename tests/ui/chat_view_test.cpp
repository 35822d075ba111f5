// The chat view on a headless Dear ImGui, driven with simulated input (harness.hpp): what a tap, a click,
// the wheel or a drag asks for (intents), and the layout decisions (sticky bottom, "Novas mensagens",
// virtualised rows with prefix-summed heights, the banner).
//
// Index
//   [SECTION] Helpers
//   [SECTION] Intents         links, Reenviar / Apagar, Copiar, the menu and its confirmation, Tentar agora
//   [SECTION] Sticky bottom   new messages at the bottom, scrolled up, the pill, the resident's own message
//   [SECTION] Virtualised rows  only visible rows are submitted, heights prefix-summed, measured over frames
//   [SECTION] Wake-ups        the toast and the countdown ask for a frame
#include <catch2/catch.hpp>

#include <cmath>

#include "harness.hpp"
#include "ui/chat_layout.hpp"

using namespace bos;
using namespace bos::test;
namespace layout = bos::ui::layout;

// [SECTION] Helpers ---------------------------------------------------------------------------------------

namespace {

constexpr int64_t kMinute = 60'000;

ImVec2 centre(const Item& it) { return ImVec2((it.rect.Min.x + it.rect.Max.x) / 2, (it.rect.Min.y + it.rect.Max.y) / 2); }

ui::ViewState connected() {
  ui::ViewState s;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  s.version = "0.1.0+test";
  return s;
}

// A conversation of `n` one-line assistant answers, one a second, all on the harness's (local) day.
ChatModel conversation(int n, int64_t start_ms = ViewHarness::kStartMs - 6 * 60 * kMinute) {
  ChatModel chat;
  for (int i = 0; i < n; ++i) {
    chat.append(message(Role::Assistant, "Resposta " + std::to_string(i), start_ms + i * 1000));
  }
  return chat;
}

// Frames until the view has measured every bubble (a burst is measured over several frames).
void settle(ViewHarness& h, const ChatModel& chat, const ui::ViewState& s) {
  for (int i = 0; i < 64; ++i) {
    h.frame(chat, s);
    if (!h.view.needs_frame()) break;
  }
  h.frame(chat, s);
}

std::vector<ImGuiID> bubble_ids(const ViewHarness& h, const ChatModel& chat) {
  std::vector<ImGuiID> ids;
  for (const auto& m : chat.messages()) ids.push_back(h.message_id(m, "##bubble"));
  return ids;
}

}  // namespace

// [SECTION] Intents ---------------------------------------------------------------------------------------

TEST_CASE("a tap on a link chip asks Abrir site externo? with the host, then yields open_url (the text does not)", "[ui][intents]") {
  ViewHarness h;
  ChatModel chat;
  chat.append(message(Role::Assistant, "Veja o aviso em https://buildingos.com/avisos/42. Ou www.example.com", h.now_ms));
  const auto s = connected();
  settle(h, chat, s);
  const ChatMessage& m = chat.messages().back();

  const Item* first = h.find(h.message_id(m, "##link", 0));
  const Item* second = h.find(h.message_id(m, "##link", 1));
  REQUIRE(first);
  REQUIRE(second);
  // Issue 13: a tap only asks; "Abrir" opens, "Cancelar" does not.
  const auto tap_and_answer = [&](const Item& chip, const char* answer) {
    CHECK(h.tap(centre(chip), chat, s).open_url.empty());
    h.frames(2, chat, s);
    const Item* button = h.find_label(answer);
    REQUIRE(button);
    return h.click(centre(*button), chat, s).open_url;
  };
  CHECK(tap_and_answer(*first, "Abrir") == "https://buildingos.com/avisos/42");  // the "." is the sentence's
  h.frames(2, chat, s);
  CHECK(tap_and_answer(*second, "Cancelar").empty());
  h.frames(2, chat, s);
  CHECK(tap_and_answer(*second, "Abrir") == "https://www.example.com/");
  h.frames(2, chat, s);

  const Item* bubble = h.find(h.message_id(m, "##bubble"));
  REQUIRE(bubble);
  const ImVec2 text_spot(bubble->rect.Min.x + 2 * layout::kPadX, bubble->rect.Min.y + 2 * layout::kPadY);
  const ui::Intents on_text = h.tap(text_spot, chat, s);
  CHECK(on_text.open_url.empty());
  CHECK(on_text.empty());
  // ...it selected the bubble instead: "Copiar" is offered, and copies the whole text.
  h.frame(chat, s);
  const Item* copy = h.find(h.message_id(m, "##copy"));
  REQUIRE(copy);
  CHECK(h.tap(centre(*copy), chat, s).copy_text == m.text);
  h.frame(chat, s);
  CHECK_FALSE(h.find(h.message_id(m, "##copy")));  // copying ends the selection
}

TEST_CASE("Reenviar and Apagar on a message that could not be sent yield its id", "[ui][intents]") {
  ViewHarness h(390, 844, 3.0f);  // a phone
  ChatModel chat;
  chat.append(message(Role::User, "Chegou minha encomenda?", h.now_ms, MessageState::Failed, "c-42"));
  chat.append(message(Role::User, "Obrigado", h.now_ms, MessageState::Acked, "c-43"));
  const auto s = connected();
  settle(h, chat, s);
  const ChatMessage& failed = chat.messages().front();
  const ChatMessage& acked = chat.messages().back();

  CHECK_FALSE(h.find(h.message_id(acked, "##retry")));  // only a failed message offers them
  const Item* retry = h.find(h.message_id(failed, "##retry"));
  const Item* del = h.find(h.message_id(failed, "##delete"));
  REQUIRE(retry);
  REQUIRE(del);
  CHECK(retry->rect.GetHeight() == Approx(layout::kChipH * 3.0f));  // a touch target at the phone's scale

  const ui::Intents r = h.tap(centre(*retry), chat, s);
  CHECK(r.retry_id == "c-42");
  CHECK(r.delete_id.empty());
  const ui::Intents d = h.tap(centre(*del), chat, s);
  CHECK(d.delete_id == "c-42");
  CHECK(d.retry_id.empty());
}

TEST_CASE("menu: Limpar conversa asks first, Cancelar keeps the chat, confirming clears it", "[ui][intents]") {
  ViewHarness h;
  ChatModel chat = conversation(3);
  const auto s = connected();
  settle(h, chat, s);

  auto open_menu_and_pick = [&](const char* label) {
    const Item* menu = h.find(h.chat_id("##menu"));
    REQUIRE(menu);
    CHECK(h.click(centre(*menu), chat, s).empty());
    h.frames(2, chat, s);  // a popup sizes itself on its first frame
    const Item* item = h.find_label(label);
    REQUIRE(item);
    return h.click(centre(*item), chat, s);
  };

  CHECK_FALSE(open_menu_and_pick("Limpar conversa").clear_history);  // only opens the confirmation
  h.frames(2, chat, s);
  const Item* cancel = h.find_label("Cancelar");
  REQUIRE(cancel);
  CHECK_FALSE(h.click(centre(*cancel), chat, s).clear_history);
  h.frames(2, chat, s);
  CHECK_FALSE(h.find_label("Cancelar"));  // the dialog is gone

  CHECK_FALSE(open_menu_and_pick("Limpar conversa").clear_history);
  h.frames(2, chat, s);
  const Item* confirm = h.find_label("Limpar conversa");  // the dialog's red button
  REQUIRE(confirm);
  REQUIRE(h.find_label("Cancelar"));
  CHECK(h.click(centre(*confirm), chat, s).clear_history);
}

TEST_CASE("menu: Texto maior and Ativar notificações", "[ui][intents]") {
  ViewHarness h;
  ChatModel chat = conversation(1);
  auto s = connected();
  settle(h, chat, s);
  const Item* menu = h.find(h.chat_id("##menu"));
  REQUIRE(menu);
  h.click(centre(*menu), chat, s);
  h.frames(2, chat, s);
  const Item* larger = h.find_label("Texto maior");
  REQUIRE(larger);
  CHECK_FALSE(h.find_label("Texto normal"));
  const Item* notifications = h.find_label("Ativar notifica\xC3\xA7\xC3\xB5" "es");
  REQUIRE(notifications);
  CHECK(h.click(centre(*notifications), chat, s).enable_notifications);

  h.click(centre(*menu), chat, s);
  h.frames(2, chat, s);
  larger = h.find_label("Texto maior");
  REQUIRE(larger);
  CHECK(h.click(centre(*larger), chat, s).toggle_large_text);

  // The app now says the text is large: the menu offers the way back. Permission given: no offer.
  s.large_text = true;
  h.ctx.notifications = ui::NotificationsState::Granted;
  h.click(centre(*menu), chat, s);
  h.frames(2, chat, s);
  CHECK(h.find_label("Texto normal"));
  CHECK_FALSE(h.find_label("Texto maior"));
  CHECK_FALSE(h.find_label("Ativar notifica\xC3\xA7\xC3\xB5" "es"));
}

TEST_CASE("Tentar agora: the banner appears when the app says so, and its chip yields try_now", "[ui][intents]") {
  ViewHarness h;
  ChatModel chat = conversation(2);
  auto s = connected();
  settle(h, chat, s);
  CHECK_FALSE(h.find(h.chat_id("##try_now")));
  const float list_top_connected = h.list_rect().Min.y;
  CHECK(list_top_connected == Approx(layout::kHeaderH));

  s.conn = ConnState::Failed;
  s.status_text = "Sem conex\xC3\xA3o. Nova tentativa em 12 s";
  s.show_try_now = true;
  settle(h, chat, s);
  const Item* try_now = h.find(h.chat_id("##try_now"));
  REQUIRE(try_now);
  CHECK(h.list_rect().Min.y > list_top_connected + layout::kChipH);  // the banner pushed the list down
  CHECK(try_now->rect.Min.y >= layout::kHeaderH);
  CHECK(h.tap(centre(*try_now), chat, s).try_now);
  CHECK_FALSE(h.frames(3, chat, s).try_now);  // once per tap
}

// [SECTION] Sticky bottom ---------------------------------------------------------------------------------

TEST_CASE("sticky bottom: a new message at the bottom keeps the list there, scrolled up it does not",
          "[ui][scroll]") {
  ViewHarness h;
  ChatModel chat = conversation(60);
  const auto s = connected();
  settle(h, chat, s);
  const ImRect list = h.list_rect();
  REQUIRE(h.view.content_height() > list.GetHeight() * 2);  // something to scroll
  CHECK(h.view.stuck_to_bottom());
  auto bottom_gap = [&](const ChatMessage& m) {
    const Item* b = h.find(h.message_id(m, "##bubble"));
    REQUIRE(b);
    return list.Max.y - b->rect.Max.y;
  };
  const float gap = (layout::kRowGap + layout::kListBottomPad) * h.dpr;
  CHECK(bottom_gap(chat.messages().back()) == Approx(gap).margin(1.0));

  SECTION("at the bottom, a new answer scrolls into view") {
    chat.append(message(Role::Assistant, "Nova resposta", h.now_ms));
    settle(h, chat, s);
    CHECK(h.view.stuck_to_bottom());
    CHECK_FALSE(h.view.shows_new_messages());
    CHECK(bottom_gap(chat.messages().back()) == Approx(gap).margin(1.0));
    CHECK_FALSE(h.find(h.list_id("##new_messages")));
  }

  SECTION("scrolled up, a new answer stays below and the pill says so, the pill brings it into view") {
    h.wheel(-600);
    h.frames(2, chat, s);
    CHECK_FALSE(h.view.stuck_to_bottom());
    const float scrolled = h.view.scroll_y();
    chat.append(message(Role::Assistant, "Nova resposta", h.now_ms));
    settle(h, chat, s);
    CHECK(h.view.scroll_y() == Approx(scrolled));  // the resident's place is kept
    CHECK(h.view.shows_new_messages());
    CHECK_FALSE(h.find(h.message_id(chat.messages().back(), "##bubble")));  // not drawn: below the view
    const Item* pill = h.find(h.list_id("##new_messages"));
    REQUIRE(pill);
    CHECK(list.Contains(pill->rect));
    h.tap(centre(*pill), chat, s);
    settle(h, chat, s);
    CHECK(h.view.stuck_to_bottom());
    CHECK_FALSE(h.view.shows_new_messages());
    CHECK(bottom_gap(chat.messages().back()) == Approx(gap).margin(1.0));
  }

  SECTION("scrolled up, the resident's own message brings the list down") {
    h.wheel(-600);
    h.frames(2, chat, s);
    REQUIRE_FALSE(h.view.stuck_to_bottom());
    chat.append(message(Role::User, "Obrigado!", h.now_ms, MessageState::Queued, "c-1"));
    settle(h, chat, s);
    CHECK(h.view.stuck_to_bottom());
    CHECK_FALSE(h.view.shows_new_messages());
  }

  SECTION("a finger dragging the list down scrolls towards older messages, and is no tap") {
    const ImVec2 from((list.Min.x + list.Max.x) / 2, list.Min.y + 100);
    h.drag(from, ImVec2(from.x, from.y + 300), 10);
    const ui::Intents during = h.frames(3, chat, s);
    CHECK(during.empty());
    CHECK_FALSE(h.view.stuck_to_bottom());
    CHECK(h.view.scroll_y() < h.view.content_height() - list.GetHeight() - 200);  // 270 px, the threshold aside
  }
}

// [SECTION] Virtualised rows ------------------------------------------------------------------------------

TEST_CASE("virtualised rows: only the visible rows are submitted, at prefix-summed offsets", "[ui][rows]") {
  ViewHarness h;
  ChatModel chat = conversation(3000);
  const auto s = connected();

  // 3,000 bubbles are measured kMeasurePerFrame at a time, newest first: no frame does it all.
  h.frame(chat, s);
  CHECK(h.view.needs_frame());
  settle(h, chat, s);
  CHECK_FALSE(h.view.needs_frame());

  const ImRect list = h.list_rect();
  const auto ids = bubble_ids(h, chat);
  const std::size_t drawn = h.count_of(ids);
  CHECK(drawn > 0);
  CHECK(drawn < 30);  // a screenful, not 3,000
  CHECK(h.find(ids.back()));
  CHECK_FALSE(h.find(ids.front()));

  // One-line answers are all alike: every row is the bubble plus the gap, and the rows add up.
  const Item* newest = h.find(ids.back());
  REQUIRE(newest);
  const float bubble_h = newest->rect.GetHeight();
  const float row_h = bubble_h + layout::kRowGap * h.dpr;
  const float expected = (layout::kListTopPad + layout::kDaySeparatorH + layout::kListBottomPad) * h.dpr +
                         static_cast<float>(chat.size()) * row_h;
  CHECK(h.view.content_height() == Approx(expected).epsilon(1e-4));
  // Consecutive drawn bubbles sit one row apart.
  const Item* prev = nullptr;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Item* it = h.find(ids[i]);
    if (!it) continue;
    if (prev) CHECK(it->rect.Min.y - prev->rect.Min.y == Approx(row_h).margin(0.01));
    prev = it;
  }

  // Far up: the first rows are drawn right under the day separator, the newest are not.
  for (int i = 0; i < 200 && h.view.scroll_y() > 0; ++i) {
    h.wheel(-1e6);
    h.frame(chat, s);
  }
  h.frame(chat, s);
  REQUIRE(h.view.scroll_y() == 0.0f);
  const Item* oldest = h.find(ids.front());
  REQUIRE(oldest);
  CHECK(oldest->rect.Min.y - list.Min.y == Approx((layout::kListTopPad + layout::kDaySeparatorH) * h.dpr));
  CHECK_FALSE(h.find(ids.back()));
  CHECK(h.count_of(ids) < 30);

  // In the middle: the rows drawn are the ones around the scroll position (binary search, not a scan).
  for (int i = 0; i < 200 && h.view.scroll_y() < h.view.content_height() / 2; ++i) {
    h.wheel(1000);
    h.frame(chat, s);
  }
  const auto k = static_cast<std::size_t>((h.view.scroll_y() - (layout::kListTopPad + layout::kDaySeparatorH) * h.dpr) / row_h);
  REQUIRE(k < ids.size());
  CHECK(h.find(ids[k + 1]));
  CHECK_FALSE(h.find(ids[k > 2 ? k - 2 : 0]));
  CHECK(h.count_of(ids) < 30);
}

TEST_CASE("rows: a day separator per local day, and the typing row at the end", "[ui][rows]") {
  ViewHarness h;
  ChatModel chat;
  const int64_t yesterday = ViewHarness::kStartMs - 24 * 60 * kMinute;
  chat.append(message(Role::Assistant, "Ontem", yesterday));
  chat.append(message(Role::Assistant, "Hoje", ViewHarness::kStartMs));
  const auto s = connected();
  settle(h, chat, s);
  const Item* a = h.find(h.message_id(chat.messages().front(), "##bubble"));
  const Item* b = h.find(h.message_id(chat.messages().back(), "##bubble"));
  REQUIRE(a);
  REQUIRE(b);
  // The second day adds its own separator row between the two bubbles.
  CHECK(b->rect.Min.y - a->rect.Max.y == Approx((layout::kRowGap + layout::kDaySeparatorH) * h.dpr));
  const float without_typing = h.view.content_height();
  chat.set_agent_typing(true, "Assistente", h.now_ms);
  settle(h, chat, s);
  CHECK(h.view.content_height() == Approx(without_typing + layout::kTypingRowH * h.dpr));
}

// [SECTION] Wake-ups --------------------------------------------------------------------------------------

TEST_CASE("the view asks for a frame when the toast goes and when the countdown ticks", "[ui][wake]") {
  ViewHarness h;
  ChatModel chat = conversation(1);
  auto s = connected();
  h.frame(chat, s);
  CHECK(h.view.wake_at_ms() == 0);

  s.toast = "Copiado";
  s.toast_until_ms = h.now_ms + ui::kToastDurationMs;
  h.frame(chat, s);
  CHECK(h.view.wake_at_ms() == s.toast_until_ms);

  s.status_changes_at_ms = h.now_ms + 400;  // sooner than the toast's end
  h.frame(chat, s);
  CHECK(h.view.wake_at_ms() == s.status_changes_at_ms);

  h.now_ms = s.toast_until_ms + 1;  // both past
  h.frame(chat, s);
  CHECK(h.view.wake_at_ms() == 0);
}
