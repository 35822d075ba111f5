// theme.hpp: the chat's colours, 0xRRGGBB, in one place. The ImGui view draws with them (ui/chat_view)
// and the page's CSS is generated from them at build time (app/page_facts: theme.css), so the DOM
// composer, the boot screen and the canvas can never drift apart. No ImGui here.
#pragma once
#include <cstdint>

namespace bos::ui {

// The seed page's status colours.
inline constexpr uint32_t kStatusConnected = 0x00d4aa;
inline constexpr uint32_t kStatusReconnecting = 0xffa726;
inline constexpr uint32_t kStatusFailed = 0xff5252;
inline constexpr uint32_t kStatusOff = 0x9aa4b8;       // idle, closed
inline constexpr uint32_t kTickAnswered = 0x1565c0;    // ✓✓ of an answered message (both themes)
inline constexpr uint32_t kToastBg = 0x141821;         // drawn at kToastBgAlpha over either theme
inline constexpr uint32_t kToastBgAlpha = 235;

struct Palette {
  uint32_t bg, header, panel, text, muted, accent, accent_text, warn, error, user_bubble, user_text,
      assistant_bubble, assistant_border, notice_bubble, notice_high_bubble, error_bubble, separator, chip;
};

inline constexpr Palette kDarkPalette{
    .bg = 0x12161f,
    .header = 0x171c28,
    .panel = 0x1b2130,
    .text = 0xe8ecf4,
    .muted = 0x9aa4b8,
    .accent = kStatusConnected,
    .accent_text = 0x062b23,
    .warn = kStatusReconnecting,
    .error = kStatusFailed,
    .user_bubble = 0x00b894,
    .user_text = 0x04231c,
    .assistant_bubble = 0x232b3d,
    .assistant_border = 0x2f3850,
    .notice_bubble = 0x12352f,
    .notice_high_bubble = 0x3b2a12,
    .error_bubble = 0x3a1c21,
    .separator = 0x2a3247,
    .chip = 0x2a3247,
};

inline constexpr Palette kLightPalette{
    .bg = 0xf4f6fa,
    .header = 0xffffff,
    .panel = 0xffffff,
    .text = 0x1a1f2b,
    .muted = 0x5b6477,
    .accent = 0x00a887,
    .accent_text = 0xffffff,
    .warn = 0xc77700,
    .error = 0xd32f2f,
    .user_bubble = 0x00d4aa,
    .user_text = 0x04231c,
    .assistant_bubble = 0xffffff,
    .assistant_border = 0xdde3ee,
    .notice_bubble = 0xe3f8f3,
    .notice_high_bubble = 0xfff1dc,
    .error_bubble = 0xfde8e8,
    .separator = 0xdde3ee,
    .chip = 0xe6eaf2,
};

}  // namespace bos::ui
