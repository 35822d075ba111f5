// actions.hpp: every action the resident can take in the chat, in one table, and the one place an action
// becomes an intent (ui/intents.hpp, carried out by app/App::apply).
//
// Both faces of the chat are built from it: the canvas (ui/chat_view: the header menu, the chips under a
// message, the connection banner) and the page's accessible twins for screen readers and keyboards
// (ui/page_twins → wasm/pre.js: a role="menu", the log's buttons and links). So an action added here shows
// up in both, and a page control does exactly what the canvas does:
//   - a menu item: one row in kMenu (actions.cpp), one Action, one case in request(), one Intents field;
//   - a message action: message_actions() and request().
// No ImGui, no DOM.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat.hpp"
#include "core/strings.hpp"
#include "ui/intents.hpp"
#include "ui/view_state.hpp"

namespace bos::ui {

// Codes cross to the page's JavaScript and come back from it as they are; never stored.
enum class Action : uint8_t {
  TryNow,               // the connection banner's "Tentar agora"
  Retry,                // under a message that could not be sent
  Delete,               // under that message
  Copy,                 // under a selected bubble (the canvas only: the page's own text is selectable)
  OpenLink,             // a link in a message
  EnableNotifications,  // the menu (kMenu's rows)
  ToggleLargeText,
  ClearConversation,
  SignOut,              // "Sair deste aparelho" (issue 13), only while signed in with a token
  AcceptUpdate,         // "Atualizar" in "Nova versão disponível" (the offline shell has a newer build)
  SwitchResident,       // "Trocar" in "Trocar para <nome>?" (issue 13: a link for another resident)
  KeepResident,         // its other answer: "Continuar como <nome>" ("Cancelar" without a name)
  kCount
};

// What the menu depends on besides the table itself.
struct MenuFacts {
  bool large_text = false;
  NotificationsState notifications = NotificationsState::Unsupported;
  bool signed_in = false;       // a token: "Sair deste aparelho" is offered (ViewState::signed_in)
  std::size_t undelivered = 0;  // the sign-out question names these (ViewState::undelivered)
};
// The facts of a frame's view state and the page's notification permission.
MenuFacts menu_facts(const ViewState& view, NotificationsState notifications);

// One item of the header menu as it shows now.
struct MenuEntry {
  Action action = Action::kCount;
  Text label = Text::kCount;
  Text confirm = Text::kCount;  // asked first, with "Cancelar" and `label` as the answers; kCount: not asked
};

// The header menu, in order, as it shows now.
std::vector<MenuEntry> menu_entries(const MenuFacts& facts);

// The question an entry asks before it is carried out, as both faces show it: its `confirm` text, and for
// "Sair deste aparelho" the undelivered messages that would be lost first. "" when it asks nothing.
std::string confirm_question(Lang lang, const MenuEntry& entry, const MenuFacts& facts);

// A question the app asks on its own (not from the menu), as both faces ask it: the switch question while
// ViewState::switch_name is set. `text` is "" when nothing is asked; `no` is the safe answer, shown first.
struct Question {
  std::string text;
  Action yes = Action::kCount;
  Action no = Action::kCount;
  std::string yes_label, no_label;
};
Question switch_question(Lang lang, const ViewState& view);
// "Reenviar" on a message whose fate is unknown (FailReason::Unconfirmed): it may already be in the building,
// so both faces ask first ("Reenviar mesmo assim" / "Cancelar"). `text` is "" for any other message.
Question retry_question(Lang lang, const ChatMessage& m);

// The actions under a message, in the order they show (`selected`: the canvas's tapped bubble).
std::vector<Action> message_actions(const ChatMessage& m, bool selected);

// The label of a banner or message action (Text::kCount for the menu's: menu_entries() has those).
Text action_label(Action a);

// Writes what `action` asks for into `out`: the one place an action becomes an intent. `m` is the message
// for Retry, Delete, Copy and OpenLink, `link` the link (one of find_links(m->text)) for OpenLink (only a
// safe_link() that is ok opens, at its normalised url: both faces ask "Abrir site externo? <host>" first); a menu
// action with a confirmation is asked here only once the resident said yes. Returns false and writes
// nothing when the action does not apply (no message, a message that is not failed, not a link).
bool request(Action action, const ChatMessage* m, std::string_view link, Intents& out);

}  // namespace bos::ui
