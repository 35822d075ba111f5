// actions.cpp: see actions.hpp.
#include "ui/actions.hpp"

#include <iterator>

#include "ui/text_util.hpp"

namespace bos::ui {

namespace {

// The header menu. A new item is one row here (its Action, its request() case), and both menus have it.
struct MenuRow {
  Action action;
  Text label;
  Text label_on;  // the label while the choice is on ("Texto normal" once the text is larger)
  Text confirm;   // Text::kCount: not asked
  bool (*shown)(const MenuFacts&);
  bool (*on)(const MenuFacts&);
};

bool always(const MenuFacts&) { return true; }
bool never(const MenuFacts&) { return false; }
// The permission can only be asked for while the browser has not been answered yet.
bool notifications_askable(const MenuFacts& f) { return f.notifications == NotificationsState::Default; }
bool large_text_on(const MenuFacts& f) { return f.large_text; }
bool signed_in(const MenuFacts& f) { return f.signed_in; }

constexpr MenuRow kMenu[] = {
    {Action::EnableNotifications, Text::NotificationsEnable, Text::NotificationsEnable, Text::kCount,
     notifications_askable, never},
    {Action::ToggleLargeText, Text::LargerText, Text::NormalText, Text::kCount, always, large_text_on},
    {Action::ClearConversation, Text::ClearConversation, Text::ClearConversation, Text::ClearConfirm, always, never},
    {Action::SignOut, Text::SignOut, Text::SignOut, Text::SignOutConfirm, signed_in, never},
};

}  // namespace

std::vector<MenuEntry> menu_entries(const MenuFacts& facts) {
  std::vector<MenuEntry> out;
  out.reserve(std::size(kMenu));
  for (const MenuRow& row : kMenu) {
    if (!row.shown(facts)) continue;
    out.push_back({row.action, row.on(facts) ? row.label_on : row.label, row.confirm});
  }
  return out;
}

MenuFacts menu_facts(const ViewState& view, NotificationsState notifications) {
  return {view.large_text, notifications, view.signed_in, view.undelivered};
}

std::string confirm_question(Lang lang, const MenuEntry& entry, const MenuFacts& facts) {
  if (entry.confirm == Text::kCount) return {};
  std::string q = text(lang, entry.confirm);
  if (entry.action == Action::SignOut && facts.undelivered > 0) {
    q = format_text(lang, Text::SignOutUndelivered, static_cast<long long>(facts.undelivered)) + " " + q;
  }
  return q;
}

Question switch_question(Lang lang, const ViewState& view) {
  Question q;
  if (view.switch_name.empty()) return q;
  q.text = format_text_s(lang, Text::SwitchConfirm, view.switch_name) + "\n" + text(lang, Text::SwitchBody);
  q.yes = Action::SwitchResident;
  q.no = Action::KeepResident;
  q.yes_label = text(lang, Text::SwitchAction);
  q.no_label = view.resident_label.empty() ? std::string(text(lang, Text::Cancel))
                                           : format_text_s(lang, Text::KeepCurrent, view.resident_label);
  return q;
}

Question retry_question(Lang lang, const ChatMessage& m) {
  Question q;
  if (m.state != MessageState::Failed || m.fail_reason != FailReason::Unconfirmed) return q;
  q.text = text(lang, Text::ResendMayDuplicate);
  q.yes = Action::Retry;
  q.no = Action::kCount;  // nothing to do: the message stays as it is
  q.yes_label = text(lang, Text::ResendAnyway);
  q.no_label = text(lang, Text::Cancel);
  return q;
}

std::vector<Action> message_actions(const ChatMessage& m, bool selected) {
  std::vector<Action> out;
  if (m.temporary || m.role == Role::System) return out;  // a centred line, not a bubble
  if (m.state == MessageState::Failed) {
    out.push_back(Action::Retry);
    out.push_back(Action::Delete);
  }
  if (selected) out.push_back(Action::Copy);
  return out;
}

Text action_label(Action a) {
  switch (a) {
    case Action::TryNow: return Text::TryNow;
    case Action::Retry: return Text::Retry;
    case Action::Delete: return Text::Delete;
    case Action::Copy: return Text::Copy;
    case Action::AcceptUpdate: return Text::UpdateAccept;
    default: return Text::kCount;
  }
}

bool request(Action action, const ChatMessage* m, std::string_view link, Intents& out) {
  switch (action) {
    case Action::TryNow: out.try_now = true; return true;
    case Action::Retry:
      if (!m || m->state != MessageState::Failed) return false;
      out.retry_id = m->id;
      return true;
    case Action::Delete:
      if (!m || m->state != MessageState::Failed) return false;
      out.delete_id = m->id;
      return true;
    case Action::Copy:
      if (!m || m->text.empty()) return false;
      out.copy_text = m->text;
      return true;
    case Action::OpenLink: {
      if (!m) return false;
      SafeLink safe = safe_link(link);  // userinfo, http: outside loopback...: not a link (issue 13)
      if (!safe.ok) return false;
      out.open_url = std::move(safe.url);
      return true;
    }
    case Action::EnableNotifications: out.enable_notifications = true; return true;
    case Action::ToggleLargeText: out.toggle_large_text = true; return true;
    case Action::ClearConversation: out.clear_history = true; return true;
    case Action::SignOut: out.sign_out = true; return true;
    case Action::AcceptUpdate: out.accept_update = true; return true;
    case Action::SwitchResident: out.switch_answer = SwitchAnswer::Switch; return true;
    case Action::KeepResident: out.switch_answer = SwitchAnswer::Keep; return true;
    case Action::kCount: break;
  }
  return false;
}

}  // namespace bos::ui
