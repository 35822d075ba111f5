// What one frame hands the renderer stays within what the browser's renderer can draw. The WebGL2 backend
// of Dear ImGui 1.86 draws with 16-bit indices and no vertex offset (glDrawElementsBaseVertex does not exist
// in WebGL2): past 65,536 vertices in one draw list the indices wrap around, and everything drawn after
// that point is lost or garbled. Found by the e2e hostile test's pixel check: after a 16 KB message (the
// display cap) the next message's bubble was in the layout but not on screen.
#include <catch2/catch.hpp>

#include <string>

#include "core/limits.hpp"
#include "harness.hpp"
#include "ui/text_util.hpp"

using namespace bos;
using namespace bos::test;

namespace {
ui::ViewState connected() {
  ui::ViewState s;
  s.conn = ConnState::Connected;
  s.status_text = "Conectado em tempo real";
  return s;
}
}  // namespace

TEST_CASE("a message as long as the display cap, then another: each draw list stays under 16-bit indices", "[ui][draw]") {
  ViewHarness h;
  ChatModel chat;
  chat.append(message(Role::Assistant, std::string(kMaxDisplayTextBytes, 'a'), h.now_ms, MessageState::Received, "a-long"));
  chat.append(message(Role::Assistant, "depois da longa", h.now_ms + 1, MessageState::Received, "a-after"));
  const auto s = connected();
  for (int i = 0; i < 8; ++i) h.frame(chat, s);
  const ImDrawData* dd = ImGui::GetDrawData();
  REQUIRE(dd);
  REQUIRE(dd->CmdListsCount > 0);
  for (int i = 0; i < dd->CmdListsCount; ++i) {
    CAPTURE(i, dd->CmdLists[i]->VtxBuffer.Size);
    CHECK(dd->CmdLists[i]->VtxBuffer.Size < 65536);
  }
}

TEST_CASE("a processing line as long as the display cap stays under 16-bit indices too", "[ui][draw]") {
  ViewHarness h;
  ChatModel chat;
  ChatMessage line = message(Role::System, std::string(kMaxDisplayTextBytes, 'p'), h.now_ms, MessageState::Received, "s-long");
  line.temporary = true;
  chat.append(line);
  const auto s = connected();
  for (int i = 0; i < 8; ++i) h.frame(chat, s);
  const ImDrawData* dd = ImGui::GetDrawData();
  REQUIRE(dd);
  for (int i = 0; i < dd->CmdListsCount; ++i) CHECK(dd->CmdLists[i]->VtxBuffer.Size < 65536);
}

TEST_CASE("text after a U+0000 is drawn and measured: the NUL is drawn as U+FFFD, the model keeps it", "[ui][draw]") {
  std::string scratch;
  CHECK(ui::drawable_text("sem nada", scratch) == "sem nada");
  CHECK(scratch.empty());  // no copy when there is nothing to replace
  const std::string with_nul("tab\0nul", 7);
  CHECK(ui::drawable_text(with_nul, scratch) == "tab\xEF\xBF\xBDnul");

  // On screen: the bubble of "tab<NUL>nul...": as wide as the same text with U+FFFD, wider than "tab".
  auto width_of = [](const std::string& text) {
    ViewHarness h;
    ChatModel chat;
    chat.append(message(Role::Assistant, text, h.now_ms, MessageState::Received, "a-1"));
    for (int i = 0; i < 4; ++i) h.frame(chat, connected());
    for (const auto& r : h.view.hit_rects()) {
      if (std::string(r.kind) == "bubble") return r.max.x - r.min.x;
    }
    return 0.0f;
  };
  const std::string long_tail = with_nul + " e o resto da frase depois do caractere nulo";
  CHECK(width_of(long_tail) == width_of(ui::drawable_text(long_tail, scratch).data()));
  CHECK(width_of(long_tail) > width_of("tab") + 100);
}
