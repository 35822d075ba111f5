// chat_view.cpp: see chat_view.hpp.
//
// Index
//   [SECTION] Theme and drawing helpers   (every size is named in ui/chat_layout.hpp)
//   [SECTION] Text: the one path every text takes   atlas text, or laid out with the browser's glyphs (ui/text_layout.hpp)
//   [SECTION] Frame               the window, the three areas, wake-ups
//   [SECTION] Header              status dot in the seed's colours, status text, "Tentar agora", menu
//   [SECTION] Message list        rows with cached heights, virtualised with a prefix sum, sticky bottom
//   [SECTION] Bubbles             layout (shared by measuring and drawing), ticks, chips
//   [SECTION] Overlays            "Novas mensagens", toast, confirmation
//   [SECTION] Hit rectangles      where the last frame drew what a resident taps or sees (for tests)
//
// Text from the network is never a format string: it is drawn through ui/text_layout (ImDrawList::AddText
// for what the font covers, glyph-cache images for the rest: no formatting, no "##" id parsing), and every
// interactive item is under PushID(message seq). Every text the view draws takes that one path (measure /
// put_text / put_strong), so emoji and every script look the same in bubbles, cards, chips, the typing
// line, the header and the overlays.
#include "ui/chat_view.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/utf8.hpp"
#include "imgui_internal.h"  // ImRect, ImGuiButtonFlags_AllowItemOverlap
#include "core/grapheme.hpp"
#include "ui/actions.hpp"
#include "ui/chat_layout.hpp"
#include "ui/text_layout.hpp"
#include "ui/text_util.hpp"

namespace bos::ui {

// [SECTION] Theme and drawing helpers ------------------------------------------------------------------

using namespace layout;

namespace {

constexpr ImU32 rgb(uint32_t hex, uint32_t alpha = 255) {
  return IM_COL32((hex >> 16) & 255, (hex >> 8) & 255, hex & 255, alpha);
}

// Alpha bytes (0xAA000000) laid over a theme colour's RGB.
constexpr ImU32 kAlphaMask = 0x00FFFFFF;
constexpr ImU32 kHaloAlpha = 0x40000000;          // the connected dot's halo
constexpr ImU32 kBannerAlpha = 0x2A000000;        // the banner's tint of the error colour
constexpr ImU32 kMetaAlpha = 0xB0000000;          // time and ticks on the resident's own bubble
constexpr ImU32 kChipHotAlpha = 0xD8000000;       // a chip under the pointer
constexpr ImU32 kSelectedAlpha = 0xFF000000;      // a selected bubble's outline
constexpr ImU32 kHoveredAlpha = 0x60000000;       // a hovered bubble's outline
constexpr ImU32 kScrollHotAlpha = 0xC0000000;
constexpr ImU32 kScrollAlpha = 0x70000000;
constexpr ImU32 kDialogDim = IM_COL32(0, 0, 0, 110);  // behind the confirmation
constexpr float kFauxBoldStrokeDivisor = 20;      // faux bold: one stroke per this many px of font size

ImU32 with_alpha(ImU32 col, ImU32 alpha) { return (col & kAlphaMask) | alpha; }

ImU32 status_color(ConnState s) {
  switch (s) {
    case ConnState::Connected: return rgb(kStatusConnected);
    case ConnState::Connecting:
    case ConnState::Reconnecting: return rgb(kStatusReconnecting);
    case ConnState::Failed: return rgb(kStatusFailed);
    case ConnState::Idle:
    case ConnState::Closed: return rgb(kStatusOff);
  }
  return rgb(kStatusFailed);
}

}  // namespace

// [SECTION] Text: the one path every text takes -----------------------------------------------------------

TextFace ChatView::face(ImFont* font, float size, bool bold) const {
  return {font, size > 0 ? size : font->FontSize, fonts_.em_scale, bold};
}

ImVec2 ChatView::measure(ImFont* font, std::string_view s, float wrap) const {
  return text_size(s, face(font), wrap, glyphs_);
}

void ChatView::put_text(ImDrawList* dl, ImFont* font, ImVec2 pos, ImU32 col, std::string_view s, float wrap) const {
  draw_text(dl, s, face(font), pos, col, wrap, glyphs_);
}

// A title in the bold face, or in the regular one drawn twice a stroke apart when there is no bold face
// (the browser's images in it are drawn once, in a bold font).
void ChatView::put_strong(ImDrawList* dl, float size, ImVec2 pos, ImU32 col, std::string_view s) const {
  const TextFace f = face(fonts_.bold, size, fonts_.bold_synthetic);
  static TextLayout layout;
  layout_text(layout, s, f, 0, glyphs_);
  draw_layout(dl, layout, s, f, pos, col, glyphs_);
  if (fonts_.bold_synthetic) {
    const float stroke = std::max(1.0f, std::round(size / kFauxBoldStrokeDivisor));
    draw_layout(dl, layout, s, f, ImVec2(pos.x + stroke, pos.y), col, glyphs_, true);
  }
}

Theme Theme::from(const Palette& p) {
  Theme t{};
  t.bg = rgb(p.bg);
  t.header = rgb(p.header);
  t.panel = rgb(p.panel);
  t.text = rgb(p.text);
  t.muted = rgb(p.muted);
  t.accent = rgb(p.accent);
  t.accent_text = rgb(p.accent_text);
  t.warn = rgb(p.warn);
  t.error = rgb(p.error);
  t.user_bubble = rgb(p.user_bubble);
  t.user_text = rgb(p.user_text);
  t.assistant_bubble = rgb(p.assistant_bubble);
  t.assistant_border = rgb(p.assistant_border);
  t.notice_bubble = rgb(p.notice_bubble);
  t.notice_high_bubble = rgb(p.notice_high_bubble);
  t.error_bubble = rgb(p.error_bubble);
  t.separator = rgb(p.separator);
  t.chip = rgb(p.chip);
  return t;
}

// [SECTION] Frame -------------------------------------------------------------------------------------

Intents ChatView::draw(const ChatModel& chat, const ViewState& state, const ViewContext& ctx) {
  Intents out;
  hits_.clear();
  unshown_window_ = false;
  lang_ = state.lang;
  theme_ = ctx.dark ? Theme::dark() : Theme::light();
  fonts_ = ctx.fonts;
  glyphs_ = ctx.glyphs;
  if (glyphs_) glyphs_->begin_frame();
  animating_ = ctx.pointer.animating;
  wake_at_ms_ = 0;
  const float d = ctx.dpr;
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 display = io.DisplaySize;

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(display);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, theme_.bg);
  ImGui::Begin("##chat", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::PopStyleColor();
  ImGui::PopStyleVar(2);
  ImGui::GetWindowDrawList()->ChannelsSplit(2);  // channel 1: the browser's glyph images (ui/text_layout.hpp)

  const float header_h = (kHeaderH + ctx.safe_area.top) * d;
  const float update_h = update_height(state, ctx);
  const float banner_h = banner_height(state, ctx, display.x);
  const float strip_h = (ctx.composer_css_h + 2 * kComposerPad + ctx.safe_area.bottom) * d;
  const ImVec2 list_pos(0, header_h + update_h + banner_h);
  const ImVec2 list_size(display.x, std::max(0.0f, display.y - header_h - update_h - banner_h - strip_h));

  draw_list(chat, ctx, list_pos, list_size, out);
  if (update_h > 0) draw_update(ctx, ImVec2(0, header_h), display.x, update_h, out);
  if (banner_h > 0) draw_banner(state, ctx, ImVec2(0, header_h + update_h), display.x, banner_h, out);
  draw_composer_strip(ctx, ImVec2(0, display.y - strip_h), ImVec2(display.x, strip_h));
  draw_header(state, ctx, out);
  draw_overlays(state, ctx, list_pos, list_size);

  ImGui::GetWindowDrawList()->ChannelsMerge();
  ImGui::End();

  // The countdown in "Nova tentativa em N s" needs one frame per second, nothing more; a toast one when it goes.
  wake_at_ms_ = state.status_changes_at_ms > ctx.now_ms ? state.status_changes_at_ms : 0;
  if (!state.toast.empty() && ctx.now_ms < state.toast_until_ms && (wake_at_ms_ == 0 || state.toast_until_ms < wake_at_ms_)) {
    wake_at_ms_ = state.toast_until_ms;
  }
  return out;
}

// [SECTION] Header ------------------------------------------------------------------------------------

void ChatView::draw_header(const ViewState& state, const ViewContext& ctx, Intents& out) {
  const float d = ctx.dpr;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ctx.safe_area.top * d;
  const float h = kHeaderH * d;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(display.x, top + h), theme_.header);
  dl->AddLine(ImVec2(0, top + h - d), ImVec2(display.x, top + h - d), theme_.separator, d);

  // Logo: a small building (proportions in units of the logo's size).
  const float left = (kMarginX + ctx.safe_area.left) * d;
  const float logo = kLogoSize * d;
  const ImVec2 lp(left, top + (h - logo) / 2);
  dl->AddRectFilled(lp, ImVec2(lp.x + logo, lp.y + logo), theme_.accent, kLogoRounding * d);
  const ImVec2 b0(lp.x + logo * 0.3f, lp.y + logo * 0.2f), b1(lp.x + logo * 0.7f, lp.y + logo * 0.85f);
  dl->AddRectFilled(b0, b1, theme_.accent_text, 2 * d);  // the building's corners, 2 px
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 2; ++c) {
      const ImVec2 w0(b0.x + logo * (0.06f + 0.17f * static_cast<float>(c)), b0.y + logo * (0.07f + 0.14f * static_cast<float>(r)));
      dl->AddRectFilled(w0, ImVec2(w0.x + logo * 0.1f, w0.y + logo * 0.08f), theme_.accent);
    }
  }

  // Title and status.
  ImFont* bold = ctx.fonts.bold;
  ImFont* small = ctx.fonts.small;
  const float tx = lp.x + logo + kLogoGap * d;
  const float title_y = top + h / 2 - bold->FontSize + kTitleNudgeY * d;
  put_strong(dl, bold->FontSize, ImVec2(tx, title_y), theme_.text, "BuildingOS");
  const float dot_r = kStatusDotR * d;
  const float sy = top + h / 2 + kStatusLineY * d;
  const ImU32 dot = status_color(state.conn);
  if (state.conn == ConnState::Connected) {
    dl->AddCircleFilled(ImVec2(tx + dot_r, sy + small->FontSize / 2), dot_r * kStatusHaloFactor, with_alpha(dot, kHaloAlpha));
  }
  dl->AddCircleFilled(ImVec2(tx + dot_r, sy + small->FontSize / 2), dot_r, dot);
  record_area("header", ImVec2(0, 0), ImVec2(display.x, top + h));
  record_area("status_dot", ImVec2(tx, sy + small->FontSize / 2 - dot_r), ImVec2(tx + 2 * dot_r, sy + small->FontSize / 2 + dot_r),
              {}, to_string(state.conn));
  const std::string& status = state.status_text;

  // Right side: the menu button.
  const float btn = kTouchTarget * d;
  const float right = display.x - (kMarginX + ctx.safe_area.right) * d;
  ImGui::SetCursorScreenPos(ImVec2(right - btn, top + (h - btn) / 2));
  if (ImGui::InvisibleButton("##menu", ImVec2(btn, btn))) ImGui::OpenPopup("##menu_popup");
  record_item("menu");
  const ImVec2 mc(right - btn / 2, top + h / 2);
  const ImU32 menu_col = ImGui::IsItemHovered() ? theme_.text : theme_.muted;
  for (int i = -1; i <= 1; ++i) {
    dl->AddCircleFilled(ImVec2(mc.x, mc.y + static_cast<float>(i) * kMenuDotSpacing * d), kMenuDotR * d, menu_col);
  }

  const float status_right = right - btn - kStatusMenuGap * d;
  const float status_x = tx + dot_r * 2 + kStatusDotGap * d;
  const float avail = std::max(0.0f, status_right - status_x);
  // The status line never overflows into the buttons: cut it (between clusters) and add an ellipsis.
  std::string shown = status;
  std::string_view kept(status);
  while (!shown.empty() && measure(small, shown).x > avail) {
    kept = grapheme::truncate(kept, kept.size() > kEllipsisStepBytes ? kept.size() - kEllipsisStepBytes : 0);
    shown = std::string(kept) + "\xE2\x80\xA6";
    if (kept.empty()) break;
  }
  put_text(dl, small, ImVec2(status_x, sy), theme_.muted, shown);

  draw_menu(state, ctx, out);
}


float ChatView::banner_height(const ViewState& state, const ViewContext& ctx, float width) const {
  if (!state.show_try_now && state.storage_notice.empty()) return 0;
  const float d = ctx.dpr;
  ImFont* small = ctx.fonts.small;
  const float chip_w = state.show_try_now ? measure(small, text(lang_, Text::TryNow)).x + 2 * kPadX * d : 0;
  const float wrap = std::max(kBannerMinWrap * d, width - chip_w - (3 * kMarginX + ctx.safe_area.left + ctx.safe_area.right) * d);
  const std::string shown = banner_text(state);
  const float th = measure(small, shown, wrap).y;
  return std::max(th, kChipH * d) + 2 * kBannerPadY * d;
}

std::string ChatView::banner_text(const ViewState& state) const {
  // The connection's line (its reassurance, or what replaces it), and before it the storage notice: the
  // outbox cannot be saved (issue 12), with or without "Tentar agora".
  std::string s = !state.show_try_now ? "" : state.banner_text.empty() ? text(lang_, Text::OfflineReassure) : state.banner_text;
  if (!state.storage_notice.empty()) s = s.empty() ? state.storage_notice : state.storage_notice + " " + s;
  return s;
}

void ChatView::draw_banner(const ViewState& state, const ViewContext& ctx, const ImVec2& pos, float width, float height,
                           Intents& out) {
  const float d = ctx.dpr;
  ImFont* small = ctx.fonts.small;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + height), with_alpha(theme_.error, kBannerAlpha));
  record_area("banner", pos, ImVec2(pos.x + width, pos.y + height));
  dl->AddLine(ImVec2(pos.x, pos.y + height - d), ImVec2(pos.x + width, pos.y + height - d), theme_.separator, d);
  const char* label = text(lang_, Text::TryNow);
  const float chip_w = state.show_try_now ? measure(small, label).x + 2 * kPadX * d : 0;
  const float right = pos.x + width - (kMarginX + ctx.safe_area.right) * d;
  const float left = pos.x + (kMarginX + ctx.safe_area.left) * d;
  const float wrap = std::max(kBannerMinWrap * d, right - chip_w - kMarginX * d - left);
  const std::string shown = banner_text(state);
  const float th = measure(small, shown, wrap).y;
  put_text(dl, small, ImVec2(left, pos.y + (height - th) / 2), theme_.text, shown, wrap);
  if (state.show_try_now && chip("##try_now", label, ImVec2(right - chip_w, pos.y + (height - kChipH * d) / 2), small, theme_.accent,
           theme_.accent_text, d, nullptr)) {
    request(Action::TryNow, nullptr, {}, out);
  }
  record_item("try_now");
}

float ChatView::update_height(const ViewState& state, const ViewContext& ctx) const {
  if (!state.show_update) return 0;
  return kChipH * ctx.dpr + 2 * kBannerPadY * ctx.dpr;
}

void ChatView::draw_update(const ViewContext& ctx, const ImVec2& pos, float width, float height, Intents& out) {
  const float d = ctx.dpr;
  ImFont* small = ctx.fonts.small;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + height), with_alpha(theme_.accent, kBannerAlpha));
  dl->AddLine(ImVec2(pos.x, pos.y + height - d), ImVec2(pos.x + width, pos.y + height - d), theme_.separator, d);
  const char* label = text(lang_, action_label(Action::AcceptUpdate));
  const float chip_w = measure(small, label).x + 2 * kPadX * d;
  const float right = pos.x + width - (kMarginX + ctx.safe_area.right) * d;
  const float left = pos.x + (kMarginX + ctx.safe_area.left) * d;
  const char* what = text(lang_, Text::UpdateAvailable);
  const float th = small->FontSize;
  // One line: cut with the ellipsis rule of the header if a narrow phone cannot hold it.
  std::string shown = what;
  const float avail = std::max(0.0f, right - chip_w - kMarginX * d - left);
  std::string_view kept(what);
  while (!shown.empty() && measure(small, shown).x > avail) {
    kept = grapheme::truncate(kept, kept.size() > kEllipsisStepBytes ? kept.size() - kEllipsisStepBytes : 0);
    shown = std::string(kept) + "\xE2\x80\xA6";
    if (kept.empty()) break;
  }
  put_text(dl, small, ImVec2(left, pos.y + (height - th) / 2), theme_.text, shown);
  if (chip("##update", label, ImVec2(right - chip_w, pos.y + (height - kChipH * d) / 2), small, theme_.accent,
           theme_.accent_text, d, nullptr)) {
    request(Action::AcceptUpdate, nullptr, {}, out);
  }
  record_item("accept_update", {}, label);
}

ChatView::DialogAnswer ChatView::confirm_dialog(const ViewContext& ctx, const ImVec2& display, const char* id,
                                                const std::string& question, const char* yes, const char* no,
                                                const char* yes_kind, const char* no_kind) {
  const float d = ctx.dpr;
  DialogAnswer answer = DialogAnswer::None;
  ImGui::SetNextWindowPos(ImVec2(display.x / 2, display.y / 2), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(display.x - 2 * kDialogMargin * d, kDialogMaxW * d), 0));
  if (!ImGui::BeginPopupModal(id, nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize)) return answer;
  // The question and the answers name residents and hosts: drawn through the text layout, like a message.
  text_item(ImGui::GetFont(), question, ImGui::GetContentRegionAvail().x, theme_.text);
  ImGui::Dummy(ImVec2(0, kDialogGap * d));
  if (text_button("##no", no, theme_.chip, theme_.separator, theme_.text)) {
    answer = DialogAnswer::No;
    ImGui::CloseCurrentPopup();
  }
  record_item(no_kind, {}, no);
  ImGui::SameLine();
  if (text_button("##yes", yes, theme_.error, theme_.error, IM_COL32_WHITE)) {
    answer = DialogAnswer::Yes;
    ImGui::CloseCurrentPopup();
  }
  record_item(yes_kind, {}, yes);
  ImGui::EndPopup();
  return answer;
}

void ChatView::draw_menu(const ViewState& state, const ViewContext& ctx, Intents& out) {
  const float d = ctx.dpr;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(kMenuPad * d, kMenuPad * d));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(kMenuItemSpacingX * d, kMenuItemSpacingY * d));
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(kMenuFramePadX * d, kMenuFramePadY * d));
  ImGui::PushStyleVar(ImGuiStyleVar_PopupRounding, kPopupRounding * d);
  ImGui::PushStyleColor(ImGuiCol_PopupBg, theme_.panel);
  ImGui::PushStyleColor(ImGuiCol_Text, theme_.text);
  ImGui::PushStyleColor(ImGuiCol_HeaderHovered, theme_.chip);
  ImGui::PushFont(ctx.fonts.body);
  ImGui::PushStyleVar(ImGuiStyleVar_SelectableTextAlign, ImVec2(0.0f, 0.5f));
  // Under the header, against the right edge; items tall enough for a thumb.
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(disp.x - (kMarginX + ctx.safe_area.right) * d, (kHeaderH + ctx.safe_area.top) * d - kMenuOverlap * d),
                          ImGuiCond_Always, ImVec2(1.0f, 0.0f));
  if (ImGui::BeginPopup("##menu_popup")) {
    const float w = std::min(kMenuMaxW * d, disp.x - 2 * kMarginX * d);
    const ImVec2 item(w, kTouchTarget * d);
    if (!state.resident_label.empty()) {
      // Who is signed in on this device (a shared phone): the token's name.
      const std::string who = format_text_s(lang_, Text::SignedInAs, state.resident_label);
      text_item(ImGui::GetFont(), who, w, theme_.muted);
      ImGui::Separator();
    }
    // The rows of ui/actions' menu table: the page's accessible menu is built from the same ones.
    for (const MenuEntry& entry : menu_entries(menu_facts(state, ctx.notifications))) {
      const bool tapped = ImGui::Selectable(text(lang_, entry.label), false, 0, item);
      record_item("menu_item", {}, text(lang_, entry.label));
      if (!tapped) continue;
      if (entry.confirm != Text::kCount) {
        confirm_ = entry;  // asked first, in the dialog below
        confirm_pending_ = true;
      } else {
        request(entry.action, nullptr, {}, out);
      }
    }
    ImGui::Separator();
    ImGui::PushFont(ctx.fonts.small);
    ImGui::PushStyleColor(ImGuiCol_Text, theme_.muted);
    const std::string about = format_text_s(lang_, Text::AboutLine, state.version);
    ImGui::TextUnformatted(about.c_str(), about.c_str() + about.size());
    ImGui::PopStyleColor();
    ImGui::PopFont();
    ImGui::EndPopup();
  }
  if (confirm_pending_) {
    ImGui::OpenPopup("##confirm");
    confirm_pending_ = false;
  }
  if (confirm_open_) {
    ImGui::OpenPopup("##confirm_open");
    confirm_open_ = false;
  }
  // A link for another resident: asked at once, never switched silently.
  if (!state.switch_name.empty() && !switch_asked_) {
    ImGui::OpenPopup("##confirm_switch");
    switch_asked_ = true;
  }
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::PushStyleColor(ImGuiCol_ModalWindowDimBg, kDialogDim);
  // A menu item's question (ui/actions confirm_question: the page's twin dialog asks the same).
  const bool clearing = confirm_.action == Action::ClearConversation;
  const std::string question = confirm_question(lang_, confirm_, menu_facts(state, ctx.notifications));
  if (confirm_dialog(ctx, display, "##confirm", question, text(lang_, confirm_.label), text(lang_, Text::Cancel),
                     clearing ? "confirm_clear" : "confirm_sign_out", clearing ? "cancel_clear" : "cancel_sign_out") ==
      DialogAnswer::Yes) {
    request(confirm_.action, nullptr, {}, out);
    if (clearing) selected_seq_ = 0;
  }
  if (!pending_link_.url.empty()) {
    const std::string q = format_text_s(lang_, Text::OpenExternal, pending_link_.host);
    const DialogAnswer a = confirm_dialog(ctx, display, "##confirm_open", q, text(lang_, Text::OpenAction),
                                          text(lang_, Text::Cancel), "confirm_open", "cancel_open");
    if (a == DialogAnswer::Yes) request(Action::OpenLink, &pending_link_msg_, pending_link_raw_, out);
    if (a != DialogAnswer::None) {
      pending_link_ = {};
      pending_link_msg_ = {};
      pending_link_raw_.clear();
    }
  }
  if (!state.switch_name.empty()) {
    // ui/actions' question: the page's twin asks the same, with the same two actions.
    const Question q = switch_question(lang_, state);
    const DialogAnswer a = confirm_dialog(ctx, display, "##confirm_switch", q.text, q.yes_label.c_str(), q.no_label.c_str(),
                                          "confirm_switch", "keep_current");
    if (a == DialogAnswer::Yes) request(q.yes, nullptr, {}, out);
    if (a == DialogAnswer::No) request(q.no, nullptr, {}, out);
  } else {
    switch_asked_ = false;  // answered (here or on the page): ImGui drops the popup once it is not submitted
  }
  // "Reenviar" on a message that is not confirmed: it may already be in the building, so ask first.
  if (!confirm_resend_id_.empty() && !ImGui::IsPopupOpen("##confirm_resend")) {
    ImGui::OpenPopup("##confirm_resend");
    resend_target_ = confirm_resend_id_;
  }
  confirm_resend_id_.clear();
  {
    // ui/actions' question, which the page's twin asks too (the message is no longer here: its id is kept).
    ChatMessage unconfirmed;
    unconfirmed.state = MessageState::Failed;
    unconfirmed.fail_reason = FailReason::Unconfirmed;
    const Question q = retry_question(lang_, unconfirmed);
    if (confirm_dialog(ctx, display, "##confirm_resend", q.text, q.yes_label.c_str(), q.no_label.c_str(), "confirm_resend",
                       "cancel_resend") == DialogAnswer::Yes) {
      out.retry_id = resend_target_;
    }
  }
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
  ImGui::PopFont();
  ImGui::PopStyleColor(3);
  ImGui::PopStyleVar(4);
}

// [SECTION] Message list ------------------------------------------------------------------------------

struct ChatView::Layout {
  float width = 0;        // the bubble or card
  float height = 0;       // the bubble or card
  float text_h = 0;
  float wrap = 0;
  float total = 0;        // the whole row, including gaps and the action chips
  bool right = false;
  bool centered = false;  // the temporary processing line
  bool actions = false;
  std::vector<SafeLink> links;  // only what may be a link (text_util safe_link), host in full
  std::vector<std::string> link_sources;  // each one as find_links found it (what ui::request reads)
};

ChatView::Layout ChatView::layout_message(const ChatMessage& m, const ViewContext& ctx, float width) const {
  Layout L;
  const float d = ctx.dpr;
  ImFont* body = ctx.fonts.body;
  ImFont* small = ctx.fonts.small;
  const float meta_h = small->FontSize * kMetaLineFactor;
  std::string nul_free;
  const std::string_view shown = drawable_text(m.text, nul_free);
  if (m.temporary || m.role == Role::System) {
    L.centered = true;
    L.wrap = width - 2 * kMarginX * d;
    L.text_h = measure(small, shown, L.wrap).y;
    L.width = width;
    L.height = L.text_h + 2 * kCenteredLinePadY * d;
    L.total = L.height + kRowGap * d;
    return L;
  }
  for (const auto& found : find_links(m.text)) {
    SafeLink link = safe_link(found);
    if (!link.ok) continue;  // userinfo, http: outside loopback...: plain text
    L.links.push_back(std::move(link));
    L.link_sources.emplace_back(found);
  }
  L.right = m.role == Role::User;
  L.actions = !message_actions(m, m.seq == selected_seq_).empty();
  const bool card = m.role == Role::Notification;
  const float max_w = card ? std::min(width - 2 * kMarginX * d, kCardMaxW * d)
                           : std::min(width * kBubbleMaxWidthFraction, kBubbleMaxW * d);
  const float extra_left = card ? kStripe * d : 0;
  L.wrap = std::max(kBubbleMinWrap * d, max_w - 2 * kPadX * d - extra_left);
  const ImVec2 ts = measure(body, shown, L.wrap);
  L.text_h = ts.y;
  float content_w = ts.x;
  float h = kPadY * d + ts.y;
  if (card) h += small->FontSize * kCardTitleFactor;  // the "Aviso" title line
  h += kMetaGap * d + meta_h;                         // time and ticks
  const float meta_w = measure(small, "00:00").x +
                       (m.role == Role::User ? small->FontSize * kTickFactor * kTickWidthFactor + kTickGap * d : 0);
  content_w = std::max(content_w, meta_w);
  for (const auto& link : L.links) {
    content_w = std::max(content_w, measure(small, link.label).x + 2 * kPadX * d);
    h += kChipH * d + kMetaGap * d;
  }
  h += kPadY * d;
  L.width = card ? max_w : std::min(max_w, content_w + 2 * kPadX * d + extra_left);
  L.height = h;
  L.total = h + kRowGap * d + (L.actions ? kChipH * d + kActionsGap * d : 0);
  return L;
}

bool ChatView::height_known(const ChatMessage& m, float width) const {
  const auto it = heights_.find(m.seq);
  return it != heights_.end() && it->second.version == m.version && it->second.width == width &&
         it->second.expanded == (m.seq == selected_seq_) && it->second.h > 0;
}

float ChatView::message_height(const ChatMessage& m, const ViewContext& ctx, float width) {
  auto& c = heights_[m.seq];
  if (height_known(m, width)) return c.h;
  c.version = m.version;
  c.width = width;
  c.expanded = m.seq == selected_seq_;
  c.h = layout_message(m, ctx, width).total;
  return c.h;
}

void ChatView::rebuild_rows(const ChatModel& chat, const ViewContext& ctx, float width) {
  const float d = ctx.dpr;
  const int64_t today = local_day(ctx.now_ms, ctx.tz_offset_min);
  const float scale = ctx.fonts.body->FontSize;
  if (!rows_dirty_ && rows_revision_ == chat.revision() && rows_width_ == width && rows_scale_ == scale &&
      rows_typing_ == chat.agent_typing() && rows_today_ == today) {
    return;
  }
  if (rows_scale_ != scale) heights_.clear();
  rows_dirty_ = false;
  rows_revision_ = chat.revision();
  rows_width_ = width;
  rows_scale_ = scale;
  rows_typing_ = chat.agent_typing();
  rows_today_ = today;

  // Measuring a bubble (links, wrapping) is the expensive part. A burst of thousands of messages is
  // measured over several frames, newest first (what the resident sees at the bottom); the others are laid
  // out with a one-line estimate meanwhile, so no frame does unbounded work.
  std::size_t measured = 0;
  unmeasured_ = 0;
  for (auto it = chat.messages().rbegin(); it != chat.messages().rend(); ++it) {
    if (height_known(*it, width)) continue;
    if (measured < kMeasurePerFrame) {
      message_height(*it, ctx, width);
      ++measured;
    } else {
      ++unmeasured_;
    }
  }
  const float estimate =
      (2 * kPadY + kMetaGap + kRowGap) * d + ctx.fonts.body->FontSize + ctx.fonts.small->FontSize * kMetaLineFactor;

  rows_.clear();
  rows_.reserve(chat.size() + 16);  // and a few day separators
  float y = kListTopPad * d;
  int64_t last_day = INT64_MIN;
  for (const auto& m : chat.messages()) {
    const int64_t day = local_day(m.timestamp_ms, ctx.tz_offset_min);
    if (day != last_day) {
      rows_.push_back({Row::DaySeparator, 0, day, y, kDaySeparatorH * d});
      y += kDaySeparatorH * d;
      last_day = day;
    }
    const float h = height_known(m, width) ? heights_[m.seq].h : estimate;
    rows_.push_back({Row::Message, m.seq, 0, y, h});
    y += h;
  }
  if (chat.agent_typing()) {
    rows_.push_back({Row::Typing, 0, 0, y, kTypingRowH * d});
    y += kTypingRowH * d;
  }
  content_h_ = y + kListBottomPad * d;
  if (unmeasured_ > 0) rows_dirty_ = true;  // continue next frame
  // Cached heights of messages that are gone (trimmed history, cleared conversation) are dropped.
  if (heights_.size() > chat.size() + kHeightCacheSlack) {
    for (auto it = heights_.begin(); it != heights_.end();) {
      it = chat.find_seq(it->first) ? std::next(it) : heights_.erase(it);
    }
  }
}

void ChatView::draw_list(const ChatModel& chat, const ViewContext& ctx, const ImVec2& pos, const ImVec2& size, Intents& out) {
  const float d = ctx.dpr;
  const float width = size.x - (ctx.safe_area.left + ctx.safe_area.right) * d;
  const float prev_max = std::max(0.0f, content_h_ - size.y);
  const bool was_at_bottom = scroll_y_ >= prev_max - kStickToBottomSlack * d;
  rebuild_rows(chat, ctx, width);

  // New messages: stay at the bottom if we were there (or the resident just sent one), else flag them.
  if (chat.size() != seen_messages_) {
    const bool grew = chat.size() > seen_messages_;
    const bool own = grew && !chat.messages().empty() && chat.messages().back().role == Role::User;
    if (own) stick_to_bottom_ = true;
    else if (grew && !was_at_bottom && !stick_to_bottom_) unseen_below_ = true;
    seen_messages_ = chat.size();
  }
  const float max_scroll = std::max(0.0f, content_h_ - size.y);
  if (ctx.pointer.scroll_dy != 0) {
    scroll_y_ += ctx.pointer.scroll_dy;
    stick_to_bottom_ = false;
  }
  if (stick_to_bottom_) scroll_y_ = max_scroll;
  scroll_y_ = std::clamp(scroll_y_, 0.0f, max_scroll);
  stick_to_bottom_ = scroll_y_ >= max_scroll - kStickToBottomSlack * d;
  if (stick_to_bottom_) unseen_below_ = false;

  record_area("list", pos, ImVec2(pos.x + size.x, pos.y + size.y));
  ImGui::SetCursorScreenPos(pos);
  ImGui::PushStyleColor(ImGuiCol_ChildBg, theme_.bg);
  ImGui::BeginChild("##list", size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->ChannelsSplit(2);  // channel 1: the browser's glyph images (ui/text_layout.hpp)
  const float x0 = pos.x + ctx.safe_area.left * d;

  // "Novas mensagens" lies over the list, so its button is the list's (the pointer over the list belongs to
  // this child window, never to the chat window under it) and comes first (the rows under it must not
  // take the tap). It is drawn with the overlays.
  if (unseen_below_) {
    const ImRect pill = new_messages_pill(ctx, pos, size);
    ImGui::SetCursorScreenPos(pill.Min);
    if (ImGui::InvisibleButton("##new_messages", pill.GetSize())) {
      stick_to_bottom_ = true;
      unseen_below_ = false;
    }
    record_item("new_messages");
  }

  if (chat.size() == 0 && !chat.agent_typing()) {
    const char* hint = text(lang_, Text::EmptyConversation);
    const float wrap = std::min(width - 2 * kEmptyHintInset * d, kEmptyHintMaxW * d);
    const ImVec2 ts = measure(ctx.fonts.body, hint, wrap);
    const ImVec2 p(x0 + (width - ts.x) / 2, pos.y + std::max(kEmptyHintMinTop * d, (size.y - ts.y) / 2));
    put_text(dl, ctx.fonts.body, p, theme_.muted, hint, wrap);
  }

  // Virtualisation: ImGuiListClipper assumes one height for every item; bubbles differ, so find the
  // first visible row by binary search over the rows' cached offsets and draw until past the bottom.
  const float view_top = scroll_y_;
  const float view_bottom = scroll_y_ + size.y;
  auto first = std::upper_bound(rows_.begin(), rows_.end(), view_top,
                                [](float y, const Row& r) { return y < r.y + r.h; });
  const int64_t today = local_day(ctx.now_ms, ctx.tz_offset_min);
  for (auto it = first; it != rows_.end() && it->y < view_bottom; ++it) {
    const ImVec2 origin(x0, pos.y + it->y - scroll_y_);
    switch (it->kind) {
      case Row::DaySeparator: {
        const std::string label = format_day(it->day, today, lang_);
        ImFont* f = ctx.fonts.small;
        const ImVec2 ts = measure(f, label);
        const ImVec2 p0(origin.x + (width - ts.x) / 2 - kDayPillPadX * d, origin.y + kDayPillTop * d);
        const ImVec2 p1(p0.x + ts.x + 2 * kDayPillPadX * d, p0.y + ts.y + 2 * kDayPillPadY * d);
        dl->AddRectFilled(p0, p1, theme_.chip, (p1.y - p0.y) / 2);
        put_text(dl, f, ImVec2(p0.x + kDayPillPadX * d, p0.y + kDayPillPadY * d), theme_.muted, label);
        break;
      }
      case Row::Message:
        if (const ChatMessage* m = chat.find_seq(it->seq)) draw_message(*m, ctx, origin, width, out);
        break;
      case Row::Typing: {
        ImFont* f = ctx.fonts.small;
        const char* label = text(lang_, Text::TypingIndicator);
        const ImVec2 ts = measure(f, label);
        const ImVec2 p0(origin.x + kMarginX * d, origin.y + kTypingBubbleTop * d);
        const ImVec2 p1(p0.x + ts.x + 2 * kPadX * d + kTypingDotsW * d, p0.y + kTypingBubbleH * d);
        dl->AddRectFilled(p0, p1, theme_.assistant_bubble, kRounding * d);
        record_area("typing", p0, p1);
        for (int i = 0; i < 3; ++i) {
          dl->AddCircleFilled(ImVec2(p0.x + kPadX * d + static_cast<float>(i) * kTypingDotSpacing * d, (p0.y + p1.y) / 2),
                              kTypingDotR * d, theme_.muted);
        }
        put_text(dl, f, ImVec2(p0.x + kPadX * d + kTypingLabelX * d, (p0.y + p1.y - ts.y) / 2), theme_.muted, label);
        break;
      }
    }
  }

  // Scrollbar: a thin thumb; draggable with a mouse.
  if (content_h_ > size.y + 1) {
    const float rail_w = kScrollRailW * d;
    const float thumb_h = std::max(kScrollThumbMinH * d, size.y * size.y / content_h_);
    const float track = size.y - thumb_h;
    const float t = max_scroll > 0 ? scroll_y_ / max_scroll : 0;
    const ImVec2 r0(pos.x + size.x - rail_w, pos.y);
    ImGui::SetCursorScreenPos(r0);
    ImGui::InvisibleButton("##scrollbar", ImVec2(rail_w, size.y));
    if (ImGui::IsItemActive() && track > 0) {
      const float my = ImGui::GetIO().MousePos.y - pos.y - thumb_h / 2;
      scroll_y_ = std::clamp(my / track, 0.0f, 1.0f) * max_scroll;
      stick_to_bottom_ = scroll_y_ >= max_scroll - kStickToBottomSlack * d;
    }
    const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
    const float bar_w = (hot ? kScrollBarHotW : kScrollBarW) * d;
    const ImVec2 t0(pos.x + size.x - bar_w - kScrollBarMargin * d, pos.y + t * track);
    dl->AddRectFilled(t0, ImVec2(t0.x + bar_w, t0.y + thumb_h), with_alpha(theme_.muted, hot ? kScrollHotAlpha : kScrollAlpha),
                      bar_w / 2);
  }
  dl->ChannelsMerge();
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

// [SECTION] Bubbles -----------------------------------------------------------------------------------

// Text in the window's flow (a dialog's question, the menu's "Entrou como <nome>"), through the text layout.
void ChatView::text_item(ImFont* font, std::string_view s, float wrap, ImU32 col) {
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const ImVec2 size = measure(font, s, wrap);
  put_text(ImGui::GetWindowDrawList(), font, pos, col, s, wrap);
  ImGui::Dummy(size);
}

// ImGui::Button's shape and padding, with its label through the text layout ("Continuar como <nome>").
bool ChatView::text_button(const char* id, const char* label, ImU32 bg, ImU32 bg_hot, ImU32 fg) {
  ImFont* font = ImGui::GetFont();
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 ts = measure(font, label);
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const ImVec2 size(ts.x + 2 * style.FramePadding.x, ts.y + 2 * style.FramePadding.y);
  const bool clicked = ImGui::InvisibleButton(id, size);
  {
    ImGuiContext& g = *GImGui;  // what ImGui::Button tells a test engine: the item has this label
    IMGUI_TEST_ENGINE_ITEM_INFO(ImGui::GetItemID(), label, g.LastItemData.StatusFlags);
    (void)g;
  }
  const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), hot ? bg_hot : bg, style.FrameRounding);
  put_text(dl, font, ImVec2(pos.x + style.FramePadding.x, pos.y + style.FramePadding.y), fg, label);
  return clicked;
}

bool ChatView::chip(const char* id, const char* label, ImVec2 pos, ImFont* font, ImU32 bg, ImU32 fg, float dpr, float* w_out) {
  const ImVec2 ts = measure(font, label);
  const ImVec2 size(ts.x + 2 * kPadX * dpr, kChipH * dpr);
  ImGui::SetCursorScreenPos(pos);
  const bool clicked = ImGui::InvisibleButton(id, size);
  const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 fill = hot ? with_alpha(bg, kChipHotAlpha) : bg;
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), fill, size.y / 2);
  put_text(dl, font, ImVec2(pos.x + kPadX * dpr, pos.y + (size.y - ts.y) / 2), fg, label);
  if (w_out) *w_out = size.x;
  return clicked;
}

void ChatView::draw_ticks(ImDrawList* dl, const ChatMessage& m, ImVec2 p, float s, const Theme& t) const {
  // Drawn, not glyphs: the subset font has no check marks, and lines stay crisp at any scale.
  // The box is kTickWidthFactor s wide: one check on its right, two checks across it. Proportions in units of s.
  const float w = s * 0.09f;
  const ImU32 col = m.state == MessageState::Answered ? rgb(kTickAnswered) : with_alpha(t.user_text, kMetaAlpha);
  auto check = [&](float dx) {
    dl->AddLine(ImVec2(p.x + dx, p.y + s * 0.55f), ImVec2(p.x + dx + s * 0.25f, p.y + s * 0.8f), col, w);
    dl->AddLine(ImVec2(p.x + dx + s * 0.25f, p.y + s * 0.8f), ImVec2(p.x + dx + s * 0.75f, p.y + s * 0.25f), col, w);
  };
  const float right = s * 0.6f;
  switch (m.state) {
    case MessageState::Queued: {  // a small clock
      const ImVec2 c(p.x + right + s * 0.38f, p.y + s * 0.52f);
      dl->AddCircle(c, s * 0.36f, col, 16, w);
      dl->AddLine(c, ImVec2(c.x, c.y - s * 0.22f), col, w);
      dl->AddLine(c, ImVec2(c.x + s * 0.16f, c.y), col, w);
      break;
    }
    case MessageState::Sent: check(right); break;
    case MessageState::Acked:
    case MessageState::Answered:
      check(right - s * 0.35f);
      check(right);
      break;
    case MessageState::Failed: {
      const ImVec2 c(p.x + right + s * 0.38f, p.y + s * 0.52f);
      dl->AddCircleFilled(c, s * 0.42f, t.error);
      dl->AddLine(ImVec2(c.x, c.y - s * 0.22f), ImVec2(c.x, c.y + s * 0.05f), IM_COL32_WHITE, w * 1.2f);
      dl->AddCircleFilled(ImVec2(c.x, c.y + s * 0.2f), w * 0.7f, IM_COL32_WHITE);
      break;
    }
    case MessageState::Received: break;
  }
}

void ChatView::draw_message(const ChatMessage& m, const ViewContext& ctx, const ImVec2& origin, float width, Intents& out) {
  const float d = ctx.dpr;
  const Layout L = layout_message(m, ctx, width);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImFont* body = ctx.fonts.body;
  ImFont* small = ctx.fonts.small;
  ImGui::PushID(static_cast<int>(m.seq & 0x7FFFFFFF));
  ImGui::PushID(static_cast<int>(m.seq >> 31));
  std::string nul_free;
  const std::string_view shown = drawable_text(m.text, nul_free);

  if (L.centered) {
    const ImVec2 ts = measure(small, shown, L.wrap);
    const ImVec2 p(origin.x + (width - ts.x) / 2, origin.y + kCenteredLinePadY * d);
    put_text(dl, small, p, theme_.muted, shown, L.wrap);  // only its visible lines become vertices (as below)
    ImGui::PopID();
    ImGui::PopID();
    return;
  }

  const bool card = m.role == Role::Notification;
  const float x = L.right ? origin.x + width - kMarginX * d - L.width : origin.x + kMarginX * d;
  const ImVec2 b0(x, origin.y);
  const ImVec2 b1(x + L.width, origin.y + L.height);
  ImU32 fill = theme_.assistant_bubble, fg = theme_.text, meta = theme_.muted;
  switch (m.role) {
    case Role::User:
      fill = theme_.user_bubble;
      fg = theme_.user_text;
      meta = with_alpha(theme_.user_text, kMetaAlpha);
      break;
    case Role::Notification: fill = m.priority == Priority::High ? theme_.notice_high_bubble : theme_.notice_bubble; break;
    case Role::Error: fill = theme_.error_bubble; break;
    default: break;
  }
  const bool selected = m.seq == selected_seq_;

  // The bubble is the tap target: a tap selects it and shows "Copiar". Its link chips lie on it and are
  // submitted after it, so it lets them take the pointer (ImGui gives it to the first item otherwise, and
  // a tap on a link only selected the bubble).
  ImGui::SetCursorScreenPos(b0);
  if (ImGui::InvisibleButton("##bubble", ImVec2(L.width, L.height), ImGuiButtonFlags_AllowItemOverlap)) {
    selected_seq_ = selected ? 0 : m.seq;
    rows_dirty_ = true;
  }
  record_item("bubble", m.id, to_string(m.role));
  ImGui::SetItemAllowOverlap();
  const bool hovered = ImGui::IsItemHovered();
  const float round = kRounding * d;
  ImDrawFlags corners = ImDrawFlags_RoundCornersAll;
  if (m.role == Role::User) corners = ImDrawFlags_RoundCornersAll & ~ImDrawFlags_RoundCornersBottomRight;
  else if (!card) corners = ImDrawFlags_RoundCornersAll & ~ImDrawFlags_RoundCornersBottomLeft;
  dl->AddRectFilled(b0, b1, fill, round, corners);
  if (m.role == Role::Assistant) dl->AddRect(b0, b1, theme_.assistant_border, round, corners, kAssistantBorderW * d);
  if (m.role == Role::Error) dl->AddRect(b0, b1, theme_.error, round, corners, kErrorBorderW * d);
  if (selected || hovered) {
    dl->AddRect(b0, b1, with_alpha(theme_.accent, selected ? kSelectedAlpha : kHoveredAlpha), round, corners, kSelectedBorderW * d);
  }

  float cx = b0.x + kPadX * d;
  float cy = b0.y + kPadY * d;
  if (card) {
    const ImU32 stripe = m.priority == Priority::High ? theme_.warn : theme_.accent;
    dl->AddRectFilled(b0, ImVec2(b0.x + kStripe * d, b1.y), stripe, round, ImDrawFlags_RoundCornersLeft);
    cx += kStripe * d;
    const char* title = text(lang_, m.priority == Priority::High ? Text::NoticeHigh : Text::Notice);
    put_strong(dl, small->FontSize, ImVec2(cx, cy), stripe, title);
    cy += small->FontSize * kCardTitleFactor;
  }
  // Only the glyphs inside the list become vertices (draw_layout culls to the draw list's clip rect):
  // ImFont::RenderText skips no line of a wrapped text unless given a fine clip rect, and a 16 KB message
  // has 65,536 vertices; past that, the WebGL2 renderer's 16-bit indices wrap and everything drawn after it
  // vanished (tests/ui/draw_limits_test.cpp).
  put_text(dl, body, ImVec2(cx, cy), fg, shown, L.wrap);
  record_area("text", ImVec2(cx, cy), ImVec2(cx + L.wrap, cy + L.text_h), m.id);
  cy += L.text_h;

  // Links: one chip each, the real host in full; a tap asks "Abrir site externo? host" first.
  int link_index = 0;
  for (const auto& link : L.links) {
    cy += kMetaGap * d;
    const std::string& label = link.label;
    ImGui::PushID(link_index++);
    if (chip("##link", label.c_str(), ImVec2(cx, cy), small, theme_.chip, theme_.accent, d, nullptr)) {
      pending_link_ = link;  // "Abrir site externo? <host>" first; ui::request once the resident says yes
      pending_link_msg_ = m;
      pending_link_raw_ = L.link_sources[static_cast<std::size_t>(link_index - 1)];
      confirm_open_ = true;
    }
    record_item("link", m.id, link.url);
    ImGui::PopID();
    cy += kChipH * d;
  }

  // Time and delivery ticks.
  cy += kMetaGap * d;
  const std::string time = format_time(m.timestamp_ms, ctx.tz_offset_min);
  const float tick = small->FontSize * kTickFactor;
  const float tick_w = tick * kTickWidthFactor;
  const ImVec2 time_size = measure(small, time);
  float tx = b1.x - kPadX * d - time_size.x;
  if (m.role == Role::User) tx -= tick_w + kTickGap * d;
  put_text(dl, small, ImVec2(tx, cy), meta, time);
  if (m.role == Role::User) draw_ticks(dl, m, ImVec2(b1.x - kPadX * d - tick_w, cy - tick * 0.05f), tick, theme_);

  // Actions under the bubble: copy when selected; retry/delete when it could not be sent.
  if (L.actions) {
    float ax = L.right ? b1.x : b0.x;
    const float ay = b1.y + kActionsGap * d;
    // The message's actions from ui/actions (the page's log offers the same ones, but Copy).
    struct Chip {
      Action action;
      const char* id;
      ImU32 bg, fg;
    };
    std::vector<Chip> chips;
    for (Action a : message_actions(m, selected)) {
      switch (a) {
        case Action::Retry: chips.push_back({a, "##retry", theme_.accent, theme_.accent_text}); break;
        case Action::Delete: chips.push_back({a, "##delete", theme_.chip, theme_.error}); break;
        default: chips.push_back({a, "##copy", theme_.chip, theme_.text}); break;
      }
    }
    float total = 0;
    for (const auto& c : chips) {
      total += measure(small, text(lang_, action_label(c.action))).x + 2 * kPadX * d + kChipGap * d;
    }
    if (L.right) ax -= total - kChipGap * d;
    for (const auto& c : chips) {
      float w = 0;
      const bool tapped = chip(c.id, text(lang_, action_label(c.action)), ImVec2(ax, ay), small, c.bg, c.fg, d, &w);
      if (tapped && c.action == Action::Retry && !retry_question(lang_, m).text.empty()) {
        confirm_resend_id_ = m.id;  // it may already be in the building: asked first (draw_menu's dialog)
      } else if (tapped && request(c.action, &m, {}, out) && c.action == Action::Copy) {
        selected_seq_ = 0;
        rows_dirty_ = true;
      }
      record_item(c.id + 2, m.id, text(lang_, action_label(c.action)));  // "##retry" -> "retry"
      ax += w + kChipGap * d;
    }
    if (m.state == MessageState::Failed && !selected) {
      // Say why, next to the buttons.
      const char* why = text(lang_, m.fail_reason == FailReason::TooBig        ? Text::MessageTooBig
                                    : m.fail_reason == FailReason::Unconfirmed ? Text::Unconfirmed
                                                                               : Text::Failed);
      const ImVec2 ws = measure(small, why);
      const float wx = L.right ? b1.x - total - ws.x - kReasonGap * d : ax;
      if (wx > origin.x) put_text(dl, small, ImVec2(wx, ay + (kChipH * d - ws.y) / 2), theme_.error, why);
    }
  }
  ImGui::PopID();
  ImGui::PopID();
}

// [SECTION] Overlays ----------------------------------------------------------------------------------

void ChatView::draw_composer_strip(const ViewContext& ctx, const ImVec2& pos, const ImVec2& size) {
  const float d = ctx.dpr;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), theme_.header);
  dl->AddLine(pos, ImVec2(pos.x + size.x, pos.y), theme_.separator, d);
  record_area("composer_strip", pos, ImVec2(pos.x + size.x, pos.y + size.y));
  ComposerPlacement p;
  p.left_css = kMarginX + ctx.safe_area.left;
  p.bottom_css = kComposerPad + ctx.safe_area.bottom;
  p.width_css = std::max(kComposerMinW, size.x / d - 2 * kMarginX - ctx.safe_area.left - ctx.safe_area.right);
  composer_ = p;
}

ImRect ChatView::new_messages_pill(const ViewContext& ctx, const ImVec2& list_pos, const ImVec2& list_size) const {
  const float d = ctx.dpr;
  ImFont* small = ctx.fonts.small;
  const ImVec2 ts = measure(small, text(lang_, Text::NewMessages));
  const float w = ts.x + 2 * kPadX * d + kPillArrowW * d;
  const ImVec2 p(list_pos.x + (list_size.x - w) / 2, list_pos.y + list_size.y - kChipH * d - kPillBottomGap * d);
  return ImRect(p, ImVec2(p.x + w, p.y + kChipH * d));
}

void ChatView::draw_overlays(const ViewState& state, const ViewContext& ctx, const ImVec2& list_pos, const ImVec2& list_size) {
  const float d = ctx.dpr;
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  ImFont* small = ctx.fonts.small;
  if (unseen_below_) {
    const char* label = text(lang_, Text::NewMessages);
    const ImVec2 ts = measure(small, label);
    const ImRect pill = new_messages_pill(ctx, list_pos, list_size);
    const ImVec2 p = pill.Min;
    const float w = pill.GetWidth();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + kChipH * d), theme_.accent, kChipH * d / 2);
    // A down arrow, drawn (proportions in px around its centre).
    const ImVec2 a(p.x + kPadX * d + 4 * d, p.y + kChipH * d / 2);
    dl->AddTriangleFilled(ImVec2(a.x - 5 * d, a.y - 3 * d), ImVec2(a.x + 5 * d, a.y - 3 * d), ImVec2(a.x, a.y + 4 * d),
                          theme_.accent_text);
    put_text(dl, small, ImVec2(p.x + kPadX * d + kPillArrowW * d, p.y + (kChipH * d - ts.y) / 2), theme_.accent_text, label);
  }
  const std::string& toast = state.toast;
  if (!toast.empty() && ctx.now_ms < state.toast_until_ms) {
    const ImVec2 ts = measure(small, toast);
    const ImVec2 size(ts.x + 2 * kPadX * d, kChipH * d);
    const ImVec2 p(list_pos.x + (list_size.x - size.x) / 2, list_pos.y + kToastTopGap * d);
    dl->AddRectFilled(p, ImVec2(p.x + size.x, p.y + size.y), rgb(kToastBg, kToastBgAlpha), size.y / 2);
    record_area("toast", p, ImVec2(p.x + size.x, p.y + size.y), {}, toast);
    put_text(dl, small, ImVec2(p.x + kPadX * d, p.y + (size.y - ts.y) / 2), IM_COL32_WHITE, toast);
  }
}

// [SECTION] Hit rectangles ----------------------------------------------------------------------------
// Only recorded, never read here: what the view does cannot depend on them.

void ChatView::record_item(const char* kind, std::string_view id, std::string_view detail) {
  record_area(kind, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), id, detail);
}

void ChatView::record_area(const char* kind, ImVec2 min, ImVec2 max, std::string_view id, std::string_view detail) {
  const ImGuiWindow* window = ImGui::GetCurrentWindow();
  // A popup's first frame sizes it without drawing it, and ImGui gives no hover to a hidden window: nothing
  // here can be tapped yet, so nothing is recorded (a tap on it would be lost) and the next frame is asked for.
  if (window->Hidden) {
    unshown_window_ = true;
    return;
  }
  const ImRect clip = window->ClipRect;
  HitRect r;
  r.kind = kind;
  r.id = std::string(id);
  r.detail = std::string(detail);
  r.min = min;
  r.max = max;
  r.vis_min = ImVec2(std::max(min.x, clip.Min.x), std::max(min.y, clip.Min.y));
  r.vis_max = ImVec2(std::max(r.vis_min.x, std::min(max.x, clip.Max.x)), std::max(r.vis_min.y, std::min(max.y, clip.Max.y)));
  hits_.push_back(std::move(r));
}

}  // namespace bos::ui
