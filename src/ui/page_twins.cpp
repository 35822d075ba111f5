// page_twins.cpp: see page_twins.hpp.
//
// Index
//   [SECTION] JSON        the page's shapes, written by hand
//   [SECTION] Names       sender, state and a message's accessible name
//   [SECTION] PageTwins   what changed since the last frame
#include "ui/page_twins.hpp"

#include <algorithm>
#include <string_view>

#include "ui/text_util.hpp"

namespace bos::ui {

// [SECTION] JSON ----------------------------------------------------------------------------------

namespace {

// The page's JSON is written by hand: nlohmann's builders cost the site 6 KB (gzip) for these few shapes.
// Every string here is valid UTF-8 (ChatModel keeps its texts so, the rest are ours), so escaping the
// quote, the backslash and the control characters is all JSON needs.
void str(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void key(std::string& out, const char* k) {
  out += '"';
  out += k;
  out += "\":";
}

void num(std::string& out, uint64_t n) { out += std::to_string(n); }

int code(Action a) { return static_cast<int>(a); }

// {"action":N,"label":"..."} (the opening brace is the caller's, for extra fields)
void action_fields(std::string& out, Action a, const char* label) {
  key(out, "action");
  num(out, static_cast<uint64_t>(code(a)));
  out += ',';
  key(out, "label");
  str(out, label);
}

// The links a message shows (the canvas's chips): only those safe_link() accepts, in order; `sources`
// gets each one as find_links() found it (what ui::request reads).
std::vector<SafeLink> safe_links(const std::string& text, std::vector<std::string>* sources = nullptr) {
  std::vector<SafeLink> out;
  for (const auto& found : find_links(text)) {
    SafeLink link = safe_link(found);
    if (!link.ok) continue;  // userinfo, http: outside loopback...: plain text
    out.push_back(std::move(link));
    if (sources) sources->emplace_back(found);
  }
  return out;
}

bool in_window(const ChatMessage& m) { return !m.temporary; }  // the "processing" line comes and goes

std::string controls_json(const TwinContext& ctx) {
  const Lang lang = ctx.view.lang;
  std::string out = "{";
  key(out, "menu");
  out += '{';
  key(out, "label");
  str(out, text(lang, Text::Menu));
  out += ',';
  key(out, "items");
  out += '[';
  bool first = true;
  const MenuFacts facts = menu_facts(ctx.view, ctx.notifications);
  for (const MenuEntry& e : menu_entries(facts)) {
    out += first ? "{" : ",{";
    first = false;
    action_fields(out, e.action, text(lang, e.label));
    if (e.confirm != Text::kCount) {
      out += ',';
      key(out, "confirm");
      str(out, confirm_question(lang, e, facts));
      out += ',';
      key(out, "cancel");
      str(out, text(lang, Text::Cancel));
    }
    out += '}';
  }
  out += "],";
  key(out, "about");
  str(out, format_text_s(lang, Text::AboutLine, ctx.view.version));
  if (!ctx.view.resident_label.empty()) {  // who is signed in on this device, as the canvas menu says
    out += ',';
    key(out, "who");
    str(out, format_text_s(lang, Text::SignedInAs, ctx.view.resident_label));
  }
  out += "},";
  key(out, "status");
  str(out, ctx.view.status_text);
  out += ',';
  key(out, "banner");
  if (ctx.view.show_try_now) {
    out += '{';
    key(out, "text");
    // The canvas banner's text: link_refused's when the token's connection keeps failing (issue 13).
    str(out, ctx.view.banner_text.empty() ? std::string(text(lang, Text::OfflineReassure)) : ctx.view.banner_text);
    out += ',';
    action_fields(out, Action::TryNow, text(lang, action_label(Action::TryNow)));
    out += '}';
  } else {
    out += "null";
  }
  out += ',';
  key(out, "update");  // "Nova versão disponível · Atualizar", as the canvas shows it under the header
  if (ctx.view.show_update) {
    out += '{';
    key(out, "text");
    str(out, text(lang, Text::UpdateAvailable));
    out += ',';
    action_fields(out, Action::AcceptUpdate, text(lang, action_label(Action::AcceptUpdate)));
    out += '}';
  } else {
    out += "null";
  }
  out += ',';
  key(out, "question");  // asked by the app on its own: "Trocar para <nome>?" (ui/actions switch_question)
  const Question q = switch_question(lang, ctx.view);
  if (!q.text.empty()) {
    out += '{';
    key(out, "text");
    str(out, q.text);
    out += ',';
    key(out, "no");
    out += '{';
    action_fields(out, q.no, q.no_label.c_str());
    out += "},";
    key(out, "yes");
    out += '{';
    action_fields(out, q.yes, q.yes_label.c_str());
    out += "}}";
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

void message_json(std::string& out, const ChatMessage& m, Lang lang, int tz_offset_min) {
  out += '{';
  key(out, "seq");
  num(out, m.seq);
  out += ',';
  key(out, "name");
  str(out, accessible_name(m, lang, tz_offset_min));
  out += ',';
  key(out, "actions");
  out += '[';
  bool first = true;
  for (Action a : message_actions(m, false)) {
    out += first ? "{" : ",{";
    first = false;
    action_fields(out, a, text(lang, action_label(a)));
    // Asked first, as a tap on the canvas chip is: "Reenviar" on a message that may have arrived.
    const Question q = a == Action::Retry ? retry_question(lang, m) : Question{};
    if (!q.text.empty()) {
      out += ',';
      key(out, "confirm");
      str(out, q.text);
      out += ',';
      key(out, "cancel");
      str(out, q.no_label);
      out += ',';
      key(out, "ok");
      str(out, q.yes_label);
    }
    out += '}';
  }
  out += "],";
  key(out, "links");
  out += '[';
  first = true;
  for (const SafeLink& link : safe_links(m.text)) {
    out += first ? "{" : ",{";
    first = false;
    action_fields(out, Action::OpenLink, link.label.c_str());
    out += ',';
    key(out, "href");
    str(out, link.url);
    // Asked first, as a tap on the canvas chip is (issue 13): "Abrir site externo? <host>".
    out += ',';
    key(out, "confirm");
    str(out, format_text_s(lang, Text::OpenExternal, link.host));
    out += ',';
    key(out, "cancel");
    str(out, text(lang, Text::Cancel));
    out += ',';
    key(out, "ok");
    str(out, text(lang, Text::OpenAction));
    out += '}';
  }
  out += "]}";
}

// A JSON array's items, comma-separated as they are added.
struct List {
  std::string items;
  void add_separator() {
    if (!items.empty()) items += ',';
  }
};

}  // namespace

// [SECTION] Names ---------------------------------------------------------------------------------

const char* sender_label(const ChatMessage& m, Lang lang) {
  switch (m.role) {
    case Role::User: return text(lang, Text::You);
    case Role::Assistant: return text(lang, Text::Assistant);
    case Role::Notification: return text(lang, m.priority == Priority::High ? Text::NoticeHigh : Text::Notice);
    case Role::Error: return text(lang, Text::ServerError);
    case Role::System: return text(lang, Text::NotificationTitle);
  }
  return "";
}

const char* state_label(const ChatMessage& m, Lang lang) {
  switch (m.state) {
    case MessageState::Queued: return text(lang, Text::StateQueued);
    case MessageState::Sent: return text(lang, Text::StateSent);
    case MessageState::Acked: return text(lang, Text::StateDelivered);
    case MessageState::Answered: return text(lang, Text::StateAnswered);
    case MessageState::Failed:
      return text(lang, m.fail_reason == FailReason::TooBig        ? Text::StateFailedTooBig
                        : m.fail_reason == FailReason::Unconfirmed ? Text::Unconfirmed
                                                                   : Text::StateFailed);
    case MessageState::Received: return text(lang, Text::StateReceived);
  }
  return "";
}

std::string accessible_name(const ChatMessage& m, Lang lang, int tz_offset_min) {
  std::string out = sender_label(m, lang);
  out += ", ";
  out += format_time(m.timestamp_ms, tz_offset_min);
  out += ", ";
  out += state_label(m, lang);
  out += ": ";
  std::string nul_free;
  out += drawable_text(m.text, nul_free);  // read as the canvas draws it: a U+0000 is U+FFFD (text_util)
  return out;
}

// [SECTION] PageTwins -----------------------------------------------------------------------------

std::string PageTwins::update(const TwinContext& ctx) {
  std::string out;  // the members after the opening brace
  auto member = [&out](const char* name) {
    if (!out.empty()) out += ',';
    key(out, name);
  };

  std::string controls = controls_json(ctx);
  if (controls != controls_) {
    member("controls");
    out += controls;
    controls_ = std::move(controls);
  }

  const Lang lang = ctx.view.lang;
  const bool names_changed = !synced_ || lang != lang_ || ctx.tz_offset_min != tz_offset_min_;
  if (names_changed || ctx.chat.revision() != chat_revision_) {
    // The window: the newest kTwinMessages messages, oldest first.
    const auto& all = ctx.chat.messages();
    std::vector<const ChatMessage*> window;
    window.reserve(std::min(all.size(), kTwinMessages));
    for (auto it = all.rbegin(); it != all.rend() && window.size() < kTwinMessages; ++it) {
      if (in_window(*it)) window.push_back(&*it);
    }
    std::reverse(window.begin(), window.end());

    // Both lists are in seq order. A message that is new but not after every shown one, or a seq reused
    // for another message (a merge renumbers them), means: rebuild.
    List remove, put;
    bool reset = names_changed;
    if (!reset) {
      std::size_t i = 0, j = 0;
      while (!reset && (i < shown_.size() || j < window.size())) {
        if (j == window.size() || (i < shown_.size() && shown_[i].seq < window[j]->seq)) {
          remove.add_separator();
          num(remove.items, shown_[i++].seq);
        } else if (i == shown_.size()) {
          put.add_separator();
          message_json(put.items, *window[j++], lang, ctx.tz_offset_min);
        } else if (shown_[i].seq == window[j]->seq) {
          if (shown_[i].id != window[j]->id) {
            reset = true;
          } else if (shown_[i].version != window[j]->version) {
            put.add_separator();
            message_json(put.items, *window[j], lang, ctx.tz_offset_min);
          }
          ++i;
          ++j;
        } else {
          reset = true;  // window[j] is new and comes before shown_[i]
        }
      }
    }
    if (reset) {
      remove.items.clear();
      put.items.clear();
      for (const ChatMessage* m : window) {
        put.add_separator();
        message_json(put.items, *m, lang, ctx.tz_offset_min);
      }
      member("reset");
      out += "true";
    }
    if (!remove.items.empty()) {
      member("remove");
      out += '[' + remove.items + ']';
    }
    if (!put.items.empty()) {
      member("put");
      out += '[' + put.items + ']';
    }

    shown_.clear();
    shown_.reserve(window.size());
    for (const ChatMessage* m : window) shown_.push_back({m->seq, m->version, m->id});
    chat_revision_ = ctx.chat.revision();
    lang_ = lang;
    tz_offset_min_ = ctx.tz_offset_min;
    synced_ = true;
  }
  return out.empty() ? std::string() : '{' + out + '}';
}

bool PageTwins::request(int action, uint64_t seq, int link_index, const TwinContext& ctx, Intents& out) const {
  if (action < 0 || action >= code(Action::kCount)) return false;
  const auto a = static_cast<Action>(action);
  if (a == Action::TryNow) return ctx.view.show_try_now && ui::request(a, nullptr, {}, out);
  if (a == Action::AcceptUpdate) return ctx.view.show_update && ui::request(a, nullptr, {}, out);
  if (a == Action::SwitchResident || a == Action::KeepResident) {
    return !ctx.view.switch_name.empty() && ui::request(a, nullptr, {}, out);
  }
  for (const MenuEntry& e : menu_entries(menu_facts(ctx.view, ctx.notifications))) {
    if (e.action == a) return ui::request(a, nullptr, {}, out);
  }
  const ChatMessage* m = ctx.chat.find_seq(seq);
  if (!m || !in_window(*m)) return false;
  if (a == Action::OpenLink) {
    std::vector<std::string> links;  // the page's link_index counts the links it was given (safe ones)
    safe_links(m->text, &links);
    if (link_index < 0 || static_cast<std::size_t>(link_index) >= links.size()) return false;
    return ui::request(a, m, links[static_cast<std::size_t>(link_index)], out);
  }
  for (Action offered : message_actions(*m, false)) {
    if (offered == a) return ui::request(a, m, {}, out);
  }
  return false;
}

}  // namespace bos::ui
