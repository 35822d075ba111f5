// page_twins.hpp: the page's accessible twins of the canvas chat.
//
// The chat is drawn on a <canvas>, which screen readers and keyboards cannot reach. The page mirrors what
// it shows with real DOM controls (wasm/pre.js, [SECTION] Accessible twins): the header menu (a button with
// aria-expanded and a role="menu", built from ui/actions' table like the canvas's), the connection banner
// with "Tentar agora", the status line, and the last kTwinMessages messages in the role="log" live region,
// each named "<sender>, <time>, <state>: <text>" with its actions (retry/delete on a failed one) and links.
// This class decides what the page shows and sends it only what changed, as JSON; the page's controls come
// back as an Action code and go through ui::request and App::apply like a tap on the canvas.
// No ImGui, no DOM, no clock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/chat.hpp"
#include "ui/actions.hpp"
#include "ui/view_state.hpp"

namespace bos::ui {

// The page's log keeps the most recent messages only, so a burst of thousands costs the DOM at most this
// many elements (the canvas shows all of them; older ones are read there or after scrolling the history).
inline constexpr std::size_t kTwinMessages = 500;

// "Você", "Assistente", "Aviso", "Aviso importante", "Erro no servidor", "BuildingOS".
const char* sender_label(const ChatMessage& m, Lang lang);
// The delivery state the canvas draws as ticks, in words ("entregue"); "recebida" for what others sent.
const char* state_label(const ChatMessage& m, Lang lang);
// "<sender>, <time>, <state>: <text>", the time local as on the canvas.
std::string accessible_name(const ChatMessage& m, Lang lang, int tz_offset_min);

// What the twins are built from: the same records the canvas draws in the same frame.
struct TwinContext {
  const ChatModel& chat;
  const ViewState& view;
  NotificationsState notifications = NotificationsState::Unsupported;
  int tz_offset_min = 0;
};

class PageTwins {
 public:
  // What changed since the last call, for the page to apply, or "" when nothing did (then it cost a few
  // comparisons: nothing runs on an idle page, whose frames are paused anyway).
  //   {"controls":{"menu":{"label","items":[{"action","label","confirm"?,"cancel"?}],"about","who"?},"status",
  //                "banner":{"text","action","label"}|null,
  //                "update":{"text","action","label"}|null,
  //                "question":{"text","no":{"action","label"},"yes":{"action","label"}}|null},
  //                                                                (when any of it changed)
  //    "reset":true,                                               (rebuild the log: first call, a merge)
  //    "remove":[seq...],                                          (gone: trimmed, deleted, cleared)
  //    "put":[{"seq","name","actions":[{"action","label","confirm"?,"cancel"?,"ok"?}],"links":[{"label","href","action","confirm","cancel","ok"}]}...]}
  //                                                                (changed in place, or new at the end)
  std::string update(const TwinContext& ctx);
  // A page control was used: what it asks for, if it is still offered now (a stale control does nothing).
  // `seq`: its message (0 for the menu and the banner); `link_index`: which of its links.
  bool request(int action, uint64_t seq, int link_index, const TwinContext& ctx, Intents& out) const;

  std::size_t shown_messages() const { return shown_.size(); }

 private:
  struct Shown {
    uint64_t seq = 0;
    uint32_t version = 0;
    std::string id;  // a merge renumbers seqs: the same seq for another message means "rebuild"
  };
  std::vector<Shown> shown_;  // the page's log, in order
  std::string controls_;      // the controls JSON the page has
  uint64_t chat_revision_ = 0;
  bool synced_ = false;
  Lang lang_ = Lang::Pt;
  int tz_offset_min_ = 0;
};

}  // namespace bos::ui
