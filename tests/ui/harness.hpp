// harness.hpp: a headless Dear ImGui for the chat view. One ImGui context, the font atlas the app builds
// (ui/fonts: Noto Sans from the system, as the site ships it; ImGui's own font if it is missing), frames
// with NewFrame/Render and no renderer, input through ui::Pointer exactly as wasm/main.cpp feeds it, and the
// rectangle of every item submitted each frame (ImGui's test-engine hooks, IMGUI_ENABLE_TEST_ENGINE).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/chat.hpp"
#include "imgui.h"
#include "imgui_internal.h"
#include "ui/chat_view.hpp"
#include "ui/intents.hpp"
#include "ui/pointer.hpp"
#include "ui/view_state.hpp"

namespace bos::test {

struct Item {
  ImGuiID id = 0;
  ImRect rect;
  std::string label;  // widgets with a visible label (Selectable, Button); "" for invisible buttons
};

class ViewHarness {
 public:
  static constexpr int64_t kStartMs = 1'764'345'600'000;  // 2025-11-28 16:00 UTC
  static constexpr int64_t kFrameMs = 16;

  explicit ViewHarness(float width_css = 1024, float height_css = 720, float dpr = 1.0f);
  ~ViewHarness();
  ViewHarness(const ViewHarness&) = delete;
  ViewHarness& operator=(const ViewHarness&) = delete;

  // One frame: advances the clock by kFrameMs, feeds the pointer, draws, renders. Returns the intents.
  ui::Intents frame(const ChatModel& chat, const ui::ViewState& state);
  // `n` frames; the intents of all of them, merged.
  ui::Intents frames(int n, const ChatModel& chat, const ui::ViewState& state);

  // Input, as the browser would deliver it (physical px); the next frames carry it to ImGui.
  ui::Intents click(ImVec2 p, const ChatModel& chat, const ui::ViewState& state);  // mouse down + up
  ui::Intents tap(ImVec2 p, const ChatModel& chat, const ui::ViewState& state);    // touch start + end
  void tap_later(ImVec2 p);  // the same touch, carried to ImGui by the next frames the caller runs
  void wheel(double delta_px);  // as DOM deltaY in pixels: positive scrolls towards newer messages
  void drag(ImVec2 from, ImVec2 to, int steps);  // a touch that moves (scrolls the list)

  // Items submitted in the last frame.
  const std::vector<Item>& items() const { return items_; }
  const Item* find(ImGuiID id) const;
  const Item* find_label(const std::string& label) const;
  std::size_t count_of(const std::vector<ImGuiID>& ids) const;
  // Ids as the view makes them: in the chat window, in the message list (under PushID(message seq)),
  // under a link chip's PushID(index).
  ImGuiID chat_id(const char* str_id) const;
  ImGuiID list_id(const char* str_id) const;
  ImGuiID message_id(const ChatMessage& m, const char* str_id, int link_index = -1) const;
  // The message list's rectangle on screen (the child window "##list").
  ImRect list_rect() const;

  ui::ChatView view;
  ui::ViewContext ctx;
  int64_t now_ms = kStartMs;
  float dpr = 1.0f;
  bool real_font = false;  // Noto Sans was found (else ImGui's built-in font: layout tests still hold)

 private:
  ImGuiWindow* window_named(const char* prefix) const;
  ui::Pointer pointer_;
  ImGuiContext* imgui_ = nullptr;
  std::vector<char> font_bytes_;
  std::vector<Item> items_;
  std::vector<Item> building_;
  friend void record_item(ImGuiContext*, const ImRect&, ImGuiID);
  friend void record_label(ImGuiContext*, ImGuiID, const char*);
};

// Merges b into a: later values win, flags accumulate.
void merge(ui::Intents& a, const ui::Intents& b);

// A message as the engine would append it.
ChatMessage message(Role role, std::string text, int64_t timestamp_ms, MessageState state = MessageState::Received,
                    std::string id = "");

}  // namespace bos::test
