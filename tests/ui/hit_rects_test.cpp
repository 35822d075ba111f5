// The view's hit rectangles (ChatView::hit_rects, window.BuildingOS.__test in the page): the e2e tests tap
// and read pixels where they say things are, so they must be exactly where ImGui put the items (the
// harness sees those through ImGui's own test-engine hooks), say which message they belong to, and tapping
// their centres must ask for what the label says. Reading them must not change what the view draws.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.hpp"
#include "ui/chat_layout.hpp"

using namespace bos;
using namespace bos::test;
namespace layout = bos::ui::layout;

namespace {

ui::ViewState connected() {
  ui::ViewState s;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  s.version = "0.1.0+test";
  return s;
}

void settle(ViewHarness& h, const ChatModel& chat, const ui::ViewState& s) {
  for (int i = 0; i < 64; ++i) {
    h.frame(chat, s);
    if (!h.view.needs_frame()) break;
  }
  h.frame(chat, s);
}

std::vector<ui::HitRect> of_kind(const ViewHarness& h, const std::string& kind, const std::string& id = "") {
  std::vector<ui::HitRect> out;
  for (const auto& r : h.view.hit_rects()) {
    if (kind == r.kind && (id.empty() || r.id == id)) out.push_back(r);
  }
  return out;
}

ImVec2 centre(const ui::HitRect& r) { return ImVec2((r.vis_min.x + r.vis_max.x) / 2, (r.vis_min.y + r.vis_max.y) / 2); }

void same_rect(const ui::HitRect& r, const Item* item) {
  REQUIRE(item);
  CHECK(r.min.x == item->rect.Min.x);
  CHECK(r.min.y == item->rect.Min.y);
  CHECK(r.max.x == item->rect.Max.x);
  CHECK(r.max.y == item->rect.Max.y);
}

}  // namespace

TEST_CASE("hit rectangles are where ImGui put the items, named by message", "[ui][hit_rects]") {
  ViewHarness h(390, 844, 3.0f);
  ChatModel chat;
  chat.append(message(Role::Assistant, "Veja https://buildingos.com/avisos/42", h.now_ms, MessageState::Received, "a-1"));
  chat.append(message(Role::User, "Chegou minha encomenda?", h.now_ms, MessageState::Failed, "c-42"));
  const auto s = connected();
  settle(h, chat, s);
  const ChatMessage& answer = chat.messages().front();
  const ChatMessage& failed = chat.messages().back();

  const auto bubbles = of_kind(h, "bubble");
  REQUIRE(bubbles.size() == 2);
  CHECK(bubbles[0].id == "a-1");
  CHECK(bubbles[0].detail == "assistant");
  same_rect(bubbles[0], h.find(h.message_id(answer, "##bubble")));
  CHECK(bubbles[1].id == "c-42");
  CHECK(bubbles[1].detail == "user");
  same_rect(bubbles[1], h.find(h.message_id(failed, "##bubble")));
  // The resident's own bubble is against the right margin, the assistant's against the left one.
  CHECK(bubbles[1].max.x == Approx(390 * 3.0f - layout::kMarginX * 3.0f));
  CHECK(bubbles[0].min.x == Approx(layout::kMarginX * 3.0f));

  const auto links = of_kind(h, "link", "a-1");
  REQUIRE(links.size() == 1);
  CHECK(links[0].detail == "https://buildingos.com/avisos/42");
  same_rect(links[0], h.find(h.message_id(answer, "##link", 0)));
  const auto retry = of_kind(h, "retry", "c-42");
  const auto del = of_kind(h, "delete", "c-42");
  REQUIRE(retry.size() == 1);
  REQUIRE(del.size() == 1);
  CHECK(retry[0].detail == "Reenviar");
  same_rect(retry[0], h.find(h.message_id(failed, "##retry")));
  same_rect(del[0], h.find(h.message_id(failed, "##delete")));
  const auto menu = of_kind(h, "menu");
  REQUIRE(menu.size() == 1);
  same_rect(menu[0], h.find(h.chat_id("##menu")));
  const auto text = of_kind(h, "text", "a-1");
  REQUIRE(text.size() == 1);
  CHECK(text[0].min.x >= bubbles[0].min.x + layout::kPadX * 3.0f - 0.5f);
  CHECK(text[0].max.y <= bubbles[0].max.y);
  const auto dot = of_kind(h, "status_dot");
  REQUIRE(dot.size() == 1);
  CHECK(dot[0].detail == "connected");
  CHECK(of_kind(h, "list").size() == 1);
  CHECK(of_kind(h, "header").size() == 1);
  CHECK(of_kind(h, "composer_strip").size() == 1);
  CHECK(of_kind(h, "banner").empty());

  // Tapping where they say asks for what they say.
  // A link chip asks "Abrir site externo? <host>" first (issue 13); its "Abrir" opens it.
  CHECK(h.tap(centre(links[0]), chat, s).open_url.empty());
  h.frames(2, chat, s);
  const auto open = of_kind(h, "confirm_open");
  REQUIRE(open.size() == 1);
  REQUIRE(of_kind(h, "cancel_open").size() == 1);
  CHECK(open[0].detail == "Abrir");
  CHECK(h.click(centre(open[0]), chat, s).open_url == "https://buildingos.com/avisos/42");
  settle(h, chat, s);
  CHECK(h.tap(centre(of_kind(h, "retry", "c-42").at(0)), chat, s).retry_id == "c-42");
  settle(h, chat, s);
  CHECK(h.tap(centre(of_kind(h, "delete", "c-42").at(0)), chat, s).delete_id == "c-42");
}

TEST_CASE("hit rectangles of the menu, its confirmation, the banner and a bubble cut by the list's edge", "[ui][hit_rects]") {
  ViewHarness h;
  ChatModel chat;
  for (int i = 0; i < 40; ++i) chat.append(message(Role::Assistant, "Resposta " + std::to_string(i), h.now_ms + i));
  auto s = connected();
  settle(h, chat, s);
  h.click(centre(of_kind(h, "menu").at(0)), chat, s);
  h.frames(2, chat, s);
  const auto items = of_kind(h, "menu_item");
  REQUIRE(items.size() == 3);  // the harness's permission is "default": notifications are offered first
  CHECK(items[0].detail == "Ativar notifica\xC3\xA7\xC3\xB5" "es");
  CHECK(items[1].detail == "Texto maior");
  same_rect(items[1], h.find_label("Texto maior"));
  CHECK(items[2].detail == "Limpar conversa");
  CHECK_FALSE(h.click(centre(items[2]), chat, s).clear_history);
  h.frames(2, chat, s);
  const auto confirm = of_kind(h, "confirm_clear");
  REQUIRE(confirm.size() == 1);
  REQUIRE(of_kind(h, "cancel_clear").size() == 1);
  CHECK(h.click(centre(confirm[0]), chat, s).clear_history);

  // Stuck to the bottom of a long list: the topmost drawn bubble is cut by the list's top edge, and its
  // visible part is what a tap can reach.
  const auto list = of_kind(h, "list").at(0);
  const auto bubbles = of_kind(h, "bubble");
  REQUIRE(bubbles.size() < chat.size());  // virtualised: only what is on screen
  for (const auto& b : bubbles) {
    CHECK(b.vis_min.y >= list.min.y);
    CHECK(b.vis_max.y <= list.max.y);
  }

  s.conn = ConnState::Failed;
  s.show_try_now = true;
  s.status_text = "Sem conex\xC3\xA3o";
  settle(h, chat, s);
  const auto banner = of_kind(h, "banner");
  REQUIRE(banner.size() == 1);
  CHECK(banner[0].min.y == Approx(layout::kHeaderH));
  const auto try_now = of_kind(h, "try_now");
  REQUIRE(try_now.size() == 1);
  same_rect(try_now[0], h.find(h.chat_id("##try_now")));
  CHECK(of_kind(h, "status_dot").at(0).detail == "failed");
  CHECK(h.tap(centre(try_now[0]), chat, s).try_now);
}

TEST_CASE("reading the hit rectangles does not change what the view draws", "[ui][hit_rects]") {
  // Two identical views, one read after every frame, one never: the same items in the same places.
  ViewHarness a, b;
  ChatModel chat;
  chat.append(message(Role::User, "Bom dia", a.now_ms, MessageState::Acked, "c-1"));
  chat.append(message(Role::Assistant, "Bom dia! https://buildingos.com", a.now_ms, MessageState::Received, "a-1"));
  const auto s = connected();
  std::size_t read = 0;
  for (int i = 0; i < 8; ++i) {
    a.frame(chat, s);
    read += a.view.hit_rects().size();
    b.frame(chat, s);
  }
  CHECK(read > 0);
  REQUIRE(a.items().size() == b.items().size());
  for (std::size_t i = 0; i < a.items().size(); ++i) {
    CHECK(a.items()[i].id == b.items()[i].id);
    CHECK(a.items()[i].rect.Min.x == b.items()[i].rect.Min.x);
    CHECK(a.items()[i].rect.Min.y == b.items()[i].rect.Min.y);
  }
}

// A popup's first frame sizes it without drawing it, and ImGui gives no hover to a window it hid: a tap that
// lands on a rectangle recorded then is lost (taps.test.mjs lost "Texto maior" and "Cancelar" that way, 2 runs
// of 3, when it tapped the frame after the rows appeared). So rows are recorded from the first frame that
// draws them, and a tap as soon as they are recorded must take.
TEST_CASE("a menu or dialog row is recorded from the frame that draws it: a tap at once is not lost", "[ui][hit_rects]") {
  ViewHarness h(390, 844, 3.0f);
  ChatModel chat;
  chat.append(message(Role::Assistant, "Bom dia", h.now_ms));
  auto s = connected();
  settle(h, chat, s);
  // One frame at a time, until the rows of this kind are recorded; the frames it took.
  auto until_recorded = [&](const char* kind) {
    int n = 0;
    while (of_kind(h, kind).empty() && n < 12) {
      h.frame(chat, s);
      ++n;
    }
    REQUIRE_FALSE(of_kind(h, kind).empty());
    return n;
  };
  auto row = [&](const char* kind, const std::string& detail) {
    for (const auto& r : of_kind(h, kind)) {
      if (r.detail == detail) return r;
    }
    FAIL("no " << kind << " \"" << detail << "\"");
    return ui::HitRect{};
  };

  h.tap_later(centre(of_kind(h, "menu").at(0)));
  CHECK(until_recorded("menu_item") >= 3);  // press, release (the popup opens, sized unseen), then drawn
  CHECK(h.tap(centre(row("menu_item", "Texto maior")), chat, s).toggle_large_text);

  settle(h, chat, s);
  h.tap_later(centre(of_kind(h, "menu").at(0)));
  until_recorded("menu_item");
  h.tap_later(centre(row("menu_item", "Limpar conversa")));
  until_recorded("cancel_clear");
  CHECK_FALSE(h.tap(centre(row("cancel_clear", "Cancelar")), chat, s).clear_history);
  CHECK(of_kind(h, "cancel_clear").empty());  // the dialog closed: the tap took

  settle(h, chat, s);
  h.tap_later(centre(of_kind(h, "menu").at(0)));
  until_recorded("menu_item");
  h.tap_later(centre(row("menu_item", "Limpar conversa")));
  until_recorded("confirm_clear");
  CHECK(h.tap(centre(row("confirm_clear", "Limpar conversa")), chat, s).clear_history);
}
