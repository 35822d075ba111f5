// harness.cpp: see harness.hpp.
#include "harness.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "ui/fonts.hpp"

namespace bos::test {

namespace {
constexpr const char* kNotoSans = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf";
ViewHarness* g_current = nullptr;  // the harness whose frame is running (one ImGui context at a time)
}  // namespace

// [SECTION] ImGui test-engine hooks (IMGUI_ENABLE_TEST_ENGINE in the native ImGui build) ---------------

void record_item(ImGuiContext*, const ImRect& bb, ImGuiID id) {
  if (g_current) g_current->building_.push_back({id, bb, ""});
}
void record_label(ImGuiContext*, ImGuiID id, const char* label) {
  if (!g_current || !label) return;
  for (auto it = g_current->building_.rbegin(); it != g_current->building_.rend(); ++it) {
    if (it->id == id) {
      it->label = label;
      break;
    }
  }
}

}  // namespace bos::test

void ImGuiTestEngineHook_ItemAdd(ImGuiContext* ctx, const ImRect& bb, ImGuiID id) { bos::test::record_item(ctx, bb, id); }
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags) {
  bos::test::record_label(ctx, id, label);
}
void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}
const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }

namespace bos::test {

// [SECTION] Harness ---------------------------------------------------------------------------------------

ViewHarness::ViewHarness(float width_css, float height_css, float scale) : dpr(scale) {
  imgui_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(imgui_);
  imgui_->TestEngineHookItems = true;
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.ConfigWindowsMoveFromTitleBarOnly = true;
  io.DisplaySize = ImVec2(width_css * dpr, height_css * dpr);
  std::ifstream f(kNotoSans, std::ios::binary);
  font_bytes_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  real_font = !font_bytes_.empty();
  ui::FontBytes regular;
  if (real_font) regular = {font_bytes_.data(), static_cast<int>(font_bytes_.size())};
  ctx.fonts = ui::build_fonts(io, regular, {}, dpr, false);
  ImGui::GetStyle() = ui::make_style(dpr);
  ctx.dpr = dpr;
  ctx.tz_offset_min = -180;  // Brasília
  ctx.composer_css_h = 62;
  ctx.dark = true;
  ctx.notifications = ui::NotificationsState::Default;
  pointer_.set_scale(dpr);
}

ViewHarness::~ViewHarness() { ImGui::DestroyContext(imgui_); }

ui::Intents ViewHarness::frame(const ChatModel& chat, const ui::ViewState& state) {
  ImGui::SetCurrentContext(imgui_);
  now_ms += kFrameMs;
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = static_cast<float>(kFrameMs) / 1000.0f;
  const ui::PointerFrame pf = pointer_.frame(now_ms);
  io.MousePos = ImVec2(pf.x, pf.y);
  io.MouseDown[0] = pf.down;
  ctx.now_ms = now_ms;
  ctx.pointer = pf;
  g_current = this;
  building_.clear();
  ImGui::NewFrame();
  ui::Intents out = view.draw(chat, state, ctx);
  ImGui::Render();
  g_current = nullptr;
  items_.swap(building_);
  return out;
}

ui::Intents ViewHarness::frames(int n, const ChatModel& chat, const ui::ViewState& state) {
  ui::Intents all;
  for (int i = 0; i < n; ++i) merge(all, frame(chat, state));
  return all;
}

ui::Intents ViewHarness::click(ImVec2 p, const ChatModel& chat, const ui::ViewState& state) {
  pointer_.mouse_move(p.x, p.y);
  ui::Intents all = frame(chat, state);  // hover first, as a real mouse does
  pointer_.mouse_button(true);
  pointer_.mouse_button(false);
  merge(all, frames(4, chat, state));
  return all;
}

ui::Intents ViewHarness::tap(ImVec2 p, const ChatModel& chat, const ui::ViewState& state) {
  tap_later(p);
  return frames(5, chat, state);
}

void ViewHarness::tap_later(ImVec2 p) {
  pointer_.touch_start(p.x, p.y, now_ms);
  pointer_.touch_end(now_ms + 60);
}

void ViewHarness::wheel(double delta_px) { pointer_.wheel(delta_px, 0, ImGui::GetIO().DisplaySize.y * ui::Pointer::kWheelPageFraction); }

void ViewHarness::drag(ImVec2 from, ImVec2 to, int steps) {
  pointer_.touch_start(from.x, from.y, now_ms);
  for (int i = 1; i <= steps; ++i) {
    const float t = static_cast<float>(i) / static_cast<float>(steps);
    pointer_.touch_move(from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t, now_ms + i * kFrameMs);
  }
  pointer_.touch_end(now_ms + (steps + 20) * kFrameMs);  // the finger rests before lifting: no fling
}

const Item* ViewHarness::find(ImGuiID id) const {
  for (const auto& it : items_) {
    if (it.id == id) return &it;
  }
  return nullptr;
}

const Item* ViewHarness::find_label(const std::string& label) const {
  for (const auto& it : items_) {
    if (it.label == label) return &it;
  }
  return nullptr;
}

std::size_t ViewHarness::count_of(const std::vector<ImGuiID>& ids) const {
  std::size_t n = 0;
  for (const auto& it : items_) {
    for (ImGuiID id : ids) {
      if (it.id == id) {
        ++n;
        break;
      }
    }
  }
  return n;
}

ImGuiWindow* ViewHarness::window_named(const char* prefix) const {
  for (ImGuiWindow* w : imgui_->Windows) {
    if (std::strncmp(w->Name, prefix, std::strlen(prefix)) == 0) return w;
  }
  return nullptr;
}

ImGuiID ViewHarness::chat_id(const char* str_id) const {
  const ImGuiWindow* w = window_named("##chat");
  return w ? ImHashStr(str_id, 0, w->ID) : 0;
}

ImGuiID ViewHarness::list_id(const char* str_id) const {
  const ImGuiWindow* w = window_named("##chat/##list_");
  return w ? ImHashStr(str_id, 0, w->ID) : 0;
}

ImGuiID ViewHarness::message_id(const ChatMessage& m, const char* str_id, int link_index) const {
  const ImGuiWindow* w = window_named("##chat/##list_");
  if (!w) return 0;
  // As ChatView::draw_message: PushID(low 31 bits of seq), PushID(the rest), [PushID(link index)], id.
  const int lo = static_cast<int>(m.seq & 0x7FFFFFFF);
  const int hi = static_cast<int>(m.seq >> 31);
  ImGuiID seed = ImHashData(&lo, sizeof lo, w->ID);
  seed = ImHashData(&hi, sizeof hi, seed);
  if (link_index >= 0) seed = ImHashData(&link_index, sizeof link_index, seed);
  return ImHashStr(str_id, 0, seed);
}

ImRect ViewHarness::list_rect() const {
  const ImGuiWindow* w = window_named("##chat/##list_");
  return w ? ImRect(w->Pos, ImVec2(w->Pos.x + w->Size.x, w->Pos.y + w->Size.y)) : ImRect();
}

void merge(ui::Intents& a, const ui::Intents& b) {
  if (!b.retry_id.empty()) a.retry_id = b.retry_id;
  if (!b.delete_id.empty()) a.delete_id = b.delete_id;
  if (!b.copy_text.empty()) a.copy_text = b.copy_text;
  if (!b.open_url.empty()) a.open_url = b.open_url;
  a.try_now |= b.try_now;
  a.clear_history |= b.clear_history;
  a.enable_notifications |= b.enable_notifications;
  a.toggle_large_text |= b.toggle_large_text;
  a.sign_out |= b.sign_out;
  if (b.switch_answer != ui::SwitchAnswer::None) a.switch_answer = b.switch_answer;
}

ChatMessage message(Role role, std::string text, int64_t timestamp_ms, MessageState state, std::string id) {
  ChatMessage m;
  m.role = role;
  m.text = std::move(text);
  m.timestamp_ms = timestamp_ms;
  m.state = state;
  m.id = std::move(id);
  return m;
}

}  // namespace bos::test
