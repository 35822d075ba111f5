// view_state.hpp: what the chat view shows besides the conversation itself: the header's status, the
// connection banner, the toast, the resident's text size. Built by the app from the engine each frame
// (app/App::view_state), read by ui/ChatView. Plain data: no ImGui, no Engine.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "core/engine.hpp"

namespace bos::ui {

// The page's Notification.permission. pre.js reports it as the position of its name in
// kNotificationPermissions (handed to the page by app/page_facts); "" is "the API is missing".
enum class NotificationsState { Unsupported, Default, Granted, Denied, kCount };
inline constexpr const char* kNotificationPermissions[] = {"", "default", "granted", "denied"};
static_assert(std::size(kNotificationPermissions) == static_cast<std::size_t>(NotificationsState::kCount),
              "one permission name per NotificationsState");

// How long a toast ("Copiado") stays on screen.
inline constexpr int64_t kToastDurationMs = 1'600;

struct ViewState {
  Lang lang = Lang::Pt;
  ConnState conn = ConnState::Idle;  // the status dot's colour
  std::string status_text;           // the header's status line ("Conectado em tempo real", ...)
  bool show_try_now = false;         // the banner with "Tentar agora" under the header
  std::string storage_notice;        // the banner when the outbox cannot be saved on this device ("" = none)
  // The status text changes at this time without any event (the "Nova tentativa em N s" countdown):
  // the view asks for a frame then. 0: it does not.
  int64_t status_changes_at_ms = 0;
  std::string toast;                 // shown until toast_until_ms ("" = none)
  int64_t toast_until_ms = 0;
  bool large_text = false;           // the menu offers "Texto normal" instead of "Texto maior"
  std::string version;               // the about line in the menu
  bool show_update = false;          // the "Nova versão disponível · Atualizar" banner
  // Identity (issue 13).
  bool signed_in = false;            // a token: the menu offers "Sair deste aparelho"
  std::string resident_label;        // "Entrou como Apto 502" in the menu ("" without a token)
  std::string banner_text;           // replaces the banner's reassurance ("Não foi possível entrar com este link...")
  std::string switch_name;           // "Trocar para <this>?" is asked ("" = not)
  std::size_t undelivered = 0;       // the sign-out question warns about these
};

}  // namespace bos::ui
