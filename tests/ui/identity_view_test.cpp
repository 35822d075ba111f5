// The chat view's identity actions (issue 13): who is signed in, "Sair deste aparelho" asked first with the
// undelivered messages named, "Trocar para Apto 503?" asked at once and answered either way, and the
// link_refused text in the banner. Each intent is carried out by App::apply (tests/app/identity_test.cpp).
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace bos;
using namespace bos::test;

namespace {
ImVec2 centre(const Item& i) { return ImVec2((i.rect.Min.x + i.rect.Max.x) / 2, (i.rect.Min.y + i.rect.Max.y) / 2); }

ui::ViewState signed_in() {
  ui::ViewState s;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  s.signed_in = true;  // a token: the menu offers "Sair deste aparelho" (ui/actions kMenu)
  s.resident_label = "Apto 502";
  return s;
}

}  // namespace

TEST_CASE("menu: who is signed in, and Sair deste aparelho asks first, naming what is not delivered", "[ui][intents][identity]") {
  ViewHarness h;
  ChatModel chat;
  auto s = signed_in();
  s.undelivered = 2;
  h.frames(3, chat, s);
  const Item* menu = h.find(h.chat_id("##menu"));
  REQUIRE(menu);
  h.click(centre(*menu), chat, s);
  h.frames(2, chat, s);
  const Item* sign_out = h.find_label("Sair deste aparelho");
  REQUIRE(sign_out);
  CHECK_FALSE(h.click(centre(*sign_out), chat, s).sign_out);  // only the question
  h.frames(2, chat, s);
  const Item* cancel = h.find_label("Cancelar");
  REQUIRE(cancel);
  CHECK_FALSE(h.click(centre(*cancel), chat, s).sign_out);
  h.frames(2, chat, s);
  CHECK_FALSE(h.find_label("Cancelar"));

  h.click(centre(*menu), chat, s);
  h.frames(2, chat, s);
  sign_out = h.find_label("Sair deste aparelho");
  REQUIRE(sign_out);
  h.click(centre(*sign_out), chat, s);
  h.frames(2, chat, s);
  const Item* confirm = h.find_label("Sair deste aparelho");  // the dialog's red button
  REQUIRE(confirm);
  REQUIRE(h.find_label("Cancelar"));
  CHECK(h.click(centre(*confirm), chat, s).sign_out);
  CHECK(format_text(Lang::Pt, Text::SignOutUndelivered, 2).rfind("2 mensagem(ns) ainda n", 0) == 0);
  CHECK(format_text_s(Lang::Pt, Text::SignedInAs, "Apto 502") == "Entrou como Apto 502");
}

TEST_CASE("Trocar para Apto 503?: asked at once, and keeping and switching are both answers", "[ui][intents][identity]") {
  auto s = signed_in();
  s.switch_name = "Apto 503";
  CHECK(format_text_s(Lang::Pt, Text::SwitchConfirm, "Apto 503") == "Trocar para Apto 503?");
  SECTION("keep") {
    ViewHarness h;
    ChatModel chat;
    h.frames(3, chat, s);
    const Item* keep = h.find_label("Continuar como Apto 502");
    REQUIRE(keep);
    REQUIRE(h.find_label("Trocar"));
    CHECK(h.click(centre(*keep), chat, s).switch_answer == ui::SwitchAnswer::Keep);
  }
  SECTION("switch") {
    ViewHarness h;
    ChatModel chat;
    h.frames(3, chat, s);
    const Item* yes = h.find_label("Trocar");
    REQUIRE(yes);
    CHECK(h.click(centre(*yes), chat, s).switch_answer == ui::SwitchAnswer::Switch);
  }
  SECTION("no question without a pending switch") {
    ViewHarness h;
    ChatModel chat;
    h.frames(3, chat, signed_in());
    CHECK_FALSE(h.find_label("Trocar"));
  }
}

TEST_CASE("link_refused: the banner says the hedged text and still offers Tentar agora", "[ui][identity]") {
  ViewHarness h;
  ChatModel chat;
  auto s = signed_in();
  s.conn = ConnState::Failed;
  s.show_try_now = true;
  s.banner_text = text(Lang::Pt, Text::LinkRefused);
  h.frames(3, chat, s);
  const Item* try_now = h.find(h.chat_id("##try_now"));
  REQUIRE(try_now);
  CHECK(h.click(centre(*try_now), chat, s).try_now);
}
