// chat_view.hpp: the resident's chat, drawn with Dear ImGui. Draws the conversation (core ChatModel) and the
// view state the app builds (ui/view_state.hpp), returns what the resident asked for (ui/intents.hpp).
// No engine, no app, no sockets, no storage, no clock (now comes in), no platform code.
//
// Index
//   [SECTION] Inputs and outputs   ViewContext (what the platform measured); ViewState and Intents have headers
//   [SECTION] ChatView             header, virtualised message list, composer strip, menu, dialogs
//
// Layout is in physical pixels (device pixel ratio applied), so text is crisp on phones. The composer
// is a real DOM <textarea> (phone keyboards, IME, dictation, paste); the view only reserves its strip and
// tells the platform where to put it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/chat.hpp"
#include "imgui.h"
#include "ui/actions.hpp"
#include "ui/fonts.hpp"
#include "ui/glyph_cache.hpp"
#include "ui/intents.hpp"
#include "ui/pointer.hpp"
#include "ui/text_util.hpp"
#include "ui/theme.hpp"
#include "ui/view_state.hpp"

struct ImRect;  // imgui_internal.h

namespace bos::ui {

struct TextFace;  // ui/text_layout.hpp

// [SECTION] Inputs and outputs ------------------------------------------------------------------------

struct Insets {
  float top = 0, right = 0, bottom = 0, left = 0;  // CSS px (env(safe-area-inset-*))
};


struct ViewContext {
  int64_t now_ms = 0;
  float dpr = 1.0f;             // device pixel ratio: 1 CSS px = dpr physical px
  int tz_offset_min = 0;        // minutes to add to UTC for local time
  Insets safe_area;
  float composer_css_h = 64;    // the DOM composer's own height, CSS px
  NotificationsState notifications = NotificationsState::Unsupported;
  bool dark = true;
  Fonts fonts;
  PointerFrame pointer;         // scroll_dy from wheel/drag, this frame
  // What the font cannot draw, the platform draws (ui/glyph_cache.hpp); null: ImGui's fallback glyph.
  GlyphCache* glyphs = nullptr;
};

// Where the platform puts the DOM composer: CSS px from the left and from the bottom of the page.
struct ComposerPlacement {
  float left_css = 0;
  float bottom_css = 0;
  float width_css = 0;
  bool operator==(const ComposerPlacement& o) const {
    return left_css == o.left_css && bottom_css == o.bottom_css && width_css == o.width_css;
  }
};

// Where the last frame drew one thing a resident can tap or see: the e2e tests tap these and read the
// pixels under them (window.BuildingOS.__test, docs/testing.md). Physical px.
struct HitRect {
  const char* kind = "";  // "bubble", "text", "retry", "delete", "copy", "link", "try_now", "new_messages",
                          // "menu", "menu_item", "cancel_clear", "confirm_clear", "cancel_sign_out",
                          // "confirm_sign_out", "cancel_open", "confirm_open", "keep_current",
                          // "confirm_switch", "header", "status_dot",
                          // "banner", "list", "typing", "composer_strip", "toast"
  std::string id;         // the message's id (bubble, text and its chips), else ""
  std::string detail;     // bubble: role; link: target; menu items, dialog buttons, toast: the label;
                          // status_dot: the connection state
  ImVec2 min, max;        // the whole item
  ImVec2 vis_min, vis_max;  // the part inside its window's clip rectangle: what a tap can reach
};

// ui/theme.hpp's palette as ImGui colours.
struct Theme {
  ImU32 bg, header, panel, text, muted, accent, accent_text, warn, error, user_bubble, user_text,
      assistant_bubble, assistant_border, notice_bubble, notice_high_bubble, error_bubble, separator, chip;
  static Theme from(const Palette& p);
  static Theme dark() { return from(kDarkPalette); }
  static Theme light() { return from(kLightPalette); }
};

// [SECTION] ChatView ----------------------------------------------------------------------------------

class ChatView {
 public:
  // Draws one frame inside the current ImGui frame (call between NewFrame and Render).
  Intents draw(const ChatModel& chat, const ViewState& state, const ViewContext& ctx);

  const ComposerPlacement& composer() const { return composer_; }
  // True while something moves on its own (inertia, a toast's timer is handled by wake_at_ms).
  bool animating() const { return animating_; }
  // The last frame left work for the next one (a selection changed the layout, heights still to measure, a
  // menu or dialog that ImGui sized without drawing: it shows, and takes taps, from the next frame).
  bool needs_frame() const { return rows_dirty_ || unmeasured_ > 0 || unshown_window_; }
  // The view wants a frame at this time (toast expiry, "Nova tentativa em N s" countdown); 0 = no.
  int64_t wake_at_ms() const { return wake_at_ms_; }
  // Forget cached layout (fonts or scale changed).
  void invalidate_layout() { heights_.clear(); rows_dirty_ = true; }
  // Layout decisions of the last frame, for the platform and for tests.
  bool stuck_to_bottom() const { return stick_to_bottom_; }  // new messages keep the newest in view
  bool shows_new_messages() const { return unseen_below_; }  // the "Novas mensagens" pill is up
  float scroll_y() const { return scroll_y_; }
  float content_height() const { return content_h_; }
  // What the last frame drew where (see HitRect). Recorded every frame whether or not anyone reads it,
  // so reading it cannot change what the view does.
  const std::vector<HitRect>& hit_rects() const { return hits_; }

 private:
  struct Row {
    enum Kind : uint8_t { DaySeparator, Message, Typing } kind;
    uint64_t seq = 0;   // Message
    int64_t day = 0;    // DaySeparator
    float y = 0;        // top, relative to the list's content start
    float h = 0;
  };
  struct CachedHeight {
    uint32_t version = 0;
    float width = 0;
    bool expanded = false;
    float h = 0;
  };
  struct Layout;

  void draw_header(const ViewState& state, const ViewContext& ctx, Intents& out);
  // The connection banner under the header while the engine waits ("Tentar agora"); returns its height.
  float banner_height(const ViewState& state, const ViewContext& ctx, float width) const;
  void draw_banner(const ViewState& state, const ViewContext& ctx, const ImVec2& pos, float width, float height,
                   Intents& out);
  // "Nova versão disponível · Atualizar", under the header, when the offline shell has a new build.
  float update_height(const ViewState& state, const ViewContext& ctx) const;
  void draw_update(const ViewContext& ctx, const ImVec2& pos, float width, float height, Intents& out);
  std::string banner_text(const ViewState& state) const;
  enum class DialogAnswer { None, Yes, No };
  // A centred modal question with "no" then "yes" buttons (ImGui popup `id`, opened with OpenPopup); the
  // buttons' hit rectangles are recorded as `no_kind` and `yes_kind`.
  DialogAnswer confirm_dialog(const ViewContext& ctx, const ImVec2& display, const char* id, const std::string& question,
                              const char* yes, const char* no, const char* yes_kind, const char* no_kind);
  void draw_list(const ChatModel& chat, const ViewContext& ctx, const ImVec2& pos, const ImVec2& size, Intents& out);
  void draw_composer_strip(const ViewContext& ctx, const ImVec2& pos, const ImVec2& size);
  void draw_menu(const ViewState& state, const ViewContext& ctx, Intents& out);
  void draw_overlays(const ViewState& state, const ViewContext& ctx, const ImVec2& list_pos, const ImVec2& list_size);
  // Where "Novas mensagens" sits: centred above the list's bottom edge.
  ImRect new_messages_pill(const ViewContext& ctx, const ImVec2& list_pos, const ImVec2& list_size) const;
  void rebuild_rows(const ChatModel& chat, const ViewContext& ctx, float width);
  float message_height(const ChatMessage& m, const ViewContext& ctx, float width);
  bool height_known(const ChatMessage& m, float width) const;
  Layout layout_message(const ChatMessage& m, const ViewContext& ctx, float width) const;
  void draw_message(const ChatMessage& m, const ViewContext& ctx, const ImVec2& origin, float width, Intents& out);
  void draw_ticks(ImDrawList* dl, const ChatMessage& m, ImVec2 pos, float size, const Theme& t) const;
  bool chip(const char* id, const char* label, ImVec2 pos, ImFont* font, ImU32 bg, ImU32 fg, float dpr, float* w_out);
  void text_item(ImFont* font, std::string_view s, float wrap, ImU32 col);
  bool text_button(const char* id, const char* label, ImU32 bg, ImU32 bg_hot, ImU32 fg);
  // Hit rectangles: the last submitted item, or an area that is not an item (chat_view.cpp's last section).
  void record_item(const char* kind, std::string_view id = {}, std::string_view detail = {});
  void record_area(const char* kind, ImVec2 min, ImVec2 max, std::string_view id = {}, std::string_view detail = {});
  // Every text goes through these (ui/text_layout.hpp): the atlas draws what it covers, the glyph cache the rest.
  TextFace face(ImFont* font, float size = 0, bool bold = false) const;
  ImVec2 measure(ImFont* font, std::string_view s, float wrap = 0) const;
  void put_text(ImDrawList* dl, ImFont* font, ImVec2 pos, ImU32 col, std::string_view s, float wrap = 0) const;
  void put_strong(ImDrawList* dl, float size, ImVec2 pos, ImU32 col, std::string_view s) const;

  Theme theme_ = Theme::dark();
  Fonts fonts_;                   // this frame's (ctx.fonts)
  GlyphCache* glyphs_ = nullptr;  // this frame's (ctx.glyphs)
  std::vector<Row> rows_;
  std::unordered_map<uint64_t, CachedHeight> heights_;
  bool rows_dirty_ = true;
  std::size_t unmeasured_ = 0;  // messages laid out with an estimated height, measured over the next frames
  uint64_t rows_revision_ = ~0ull;
  float rows_width_ = -1;
  float rows_scale_ = -1;
  bool rows_typing_ = false;
  int64_t rows_today_ = 0;
  float content_h_ = 0;
  float scroll_y_ = 0;
  bool stick_to_bottom_ = true;
  std::size_t seen_messages_ = 0;
  bool unseen_below_ = false;
  uint64_t selected_seq_ = 0;
  bool animating_ = false;
  bool unshown_window_ = false;  // this frame submitted a window ImGui hid (its first frame: sized, not drawn)
  int64_t wake_at_ms_ = 0;
  MenuEntry confirm_;             // the menu item whose question the dialog asks
  bool confirm_pending_ = false;  // open the dialog in this frame
  bool confirm_open_ = false;     // open "Abrir site externo? <host>" in this frame
  SafeLink pending_link_;         // the link chip tapped: its host is what the question names
  ChatMessage pending_link_msg_;  // its message and its link as found, for ui::request once answered
  std::string pending_link_raw_;
  bool switch_asked_ = false;     // the switch question was opened for the current ViewState::switch_name
  std::string confirm_resend_id_;  // "Reenviar" on a message that may have arrived: asks first
  std::string resend_target_;      // ...the message the open confirmation is about
  ComposerPlacement composer_;
  Lang lang_ = Lang::Pt;
  std::vector<HitRect> hits_;
};

}  // namespace bos::ui
