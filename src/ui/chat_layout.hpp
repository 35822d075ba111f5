// chat_layout.hpp: every size in the chat view, named. CSS px unless the name says otherwise; the view
// multiplies them by the device pixel ratio where it uses them. Ratios (`k...Factor`) multiply a font
// size. Shapes of the small drawn icons (logo, ticks, arrow) stay next to their drawing code, in units of
// the icon's own size. No ImGui here.
#pragma once
#include <cstddef>

namespace bos::ui::layout {

// Shared
inline constexpr float kMarginX = 12;        // from the screen edges
inline constexpr float kPadX = 14;           // inside bubbles and chips
inline constexpr float kPadY = 9;
inline constexpr float kChipH = 36;          // every chip and pill: a touch target
inline constexpr float kChipGap = 8;         // between chips in a row
inline constexpr float kRounding = 16;       // bubbles
inline constexpr float kTouchTarget = 44;    // menu button, menu items, typing row

// Header
inline constexpr float kHeaderH = 60;
inline constexpr float kLogoSize = 36;
inline constexpr float kLogoRounding = 9;
inline constexpr float kLogoGap = 10;           // logo → title
inline constexpr float kTitleNudgeY = 2;        // the title sits this much below the header's middle line
inline constexpr float kStatusLineY = 4;        // the status line starts this much below the middle line
inline constexpr float kStatusDotR = 4.5f;
inline constexpr float kStatusHaloFactor = 2.0f;  // the connected dot's halo, times the dot's radius
inline constexpr float kStatusDotGap = 6;       // dot → status text
inline constexpr float kStatusMenuGap = 8;      // status text → menu button
inline constexpr std::size_t kEllipsisStepBytes = 4;  // a status line too wide loses this much per try
inline constexpr float kMenuDotSpacing = 6.5f;
inline constexpr float kMenuDotR = 2.2f;

// Connection banner ("Tentar agora")
inline constexpr float kBannerMinWrap = 80;
inline constexpr float kBannerPadY = 8;         // above and below the taller of text and chip

// Menu and confirmation dialog
inline constexpr float kMenuPad = 8;
inline constexpr float kMenuItemSpacingX = 8;
inline constexpr float kMenuItemSpacingY = 4;
inline constexpr float kMenuFramePadX = 12;
inline constexpr float kMenuFramePadY = 10;
inline constexpr float kPopupRounding = 10;
inline constexpr float kMenuOverlap = 4;        // the menu starts this much above the header's bottom
inline constexpr float kMenuMaxW = 280;
inline constexpr float kDialogMargin = 16;      // each side, on narrow screens
inline constexpr float kDialogMaxW = 360;
inline constexpr float kDialogGap = 8;          // question → buttons

// Message list
inline constexpr float kListTopPad = 8;
inline constexpr float kListBottomPad = 4;
inline constexpr float kRowGap = 10;            // under every message row
inline constexpr float kDaySeparatorH = 36;     // the whole row
inline constexpr float kDayPillPadX = 12;
inline constexpr float kDayPillTop = 6;
inline constexpr float kDayPillPadY = 4;
inline constexpr float kTypingRowH = kTouchTarget;  // the whole row
inline constexpr float kTypingBubbleTop = 4;
inline constexpr float kTypingBubbleH = 34;
inline constexpr float kTypingDotsW = 30;       // room for the three dots, left of the label
inline constexpr float kTypingDotSpacing = 8;
inline constexpr float kTypingDotR = 2.6f;
inline constexpr float kTypingLabelX = 28;      // label start, after the dots
inline constexpr float kEmptyHintInset = 24;    // each side
inline constexpr float kEmptyHintMaxW = 420;
inline constexpr float kEmptyHintMinTop = 16;
inline constexpr float kStickToBottomSlack = 2; // "at the bottom" within this much
inline constexpr std::size_t kMeasurePerFrame = 400;  // bubbles measured per frame (a burst spreads over frames)
inline constexpr std::size_t kHeightCacheSlack = 64;  // cached heights of gone messages kept before a sweep

// Scrollbar
inline constexpr float kScrollRailW = 14;       // the draggable strip
inline constexpr float kScrollThumbMinH = 32;
inline constexpr float kScrollBarW = 4;
inline constexpr float kScrollBarHotW = 6;
inline constexpr float kScrollBarMargin = 3;

// Bubbles
inline constexpr float kBubbleMaxW = 560;
inline constexpr float kBubbleMaxWidthFraction = 0.8f;  // of the list's width
inline constexpr float kCardMaxW = 640;         // notifications
inline constexpr float kBubbleMinWrap = 40;
inline constexpr float kStripe = 4;             // a notification card's priority stripe
inline constexpr float kCenteredLinePadY = 6;   // the temporary "processing" line, above and below
inline constexpr float kCardTitleFactor = 1.3f; // "Aviso" title line height, times the small font size
inline constexpr float kMetaGap = 4;            // text → time line, and above each link chip
inline constexpr float kMetaLineFactor = 1.15f; // time line height, times the small font size
inline constexpr float kTickFactor = 1.1f;      // tick icon size, times the small font size
inline constexpr float kTickWidthFactor = 1.35f;  // the tick box is this wide, times its size
inline constexpr float kTickGap = 6;            // time → ticks
inline constexpr float kActionsGap = 6;         // bubble → its action chips
inline constexpr float kReasonGap = 4;          // "Não enviada" → the chips
inline constexpr float kAssistantBorderW = 1;
inline constexpr float kErrorBorderW = 1.5f;
inline constexpr float kSelectedBorderW = 2;

// Overlays
inline constexpr float kPillBottomGap = 12;     // "Novas mensagens" above the list's bottom
inline constexpr float kPillArrowW = 14;        // room for the drawn arrow, left of the label
inline constexpr float kToastTopGap = 12;
inline constexpr float kComposerPad = 8;        // around the DOM composer, in its strip
inline constexpr float kComposerMinW = 120;

}  // namespace bos::ui::layout
