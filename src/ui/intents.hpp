// intents.hpp: what the resident asked for in one frame of the chat view. The view fills it (ui/chat_view),
// the app carries it out (app/App::apply). Plain data: no ImGui, no engine, so both layers can use it and
// neither depends on the other through it.
#pragma once
#include <string>

namespace bos::ui {

// "Trocar para Apto 503?" (a link for another resident while one is signed in).
enum class SwitchAnswer { None, Switch, Keep };

struct Intents {
  std::string retry_id;           // "Reenviar" on a message that could not be sent
  std::string delete_id;          // "Apagar" on that message
  std::string copy_text;          // "Copiar" on a selected bubble
  std::string open_url;           // a tap on a link chip
  bool try_now = false;           // "Tentar agora" in the connection banner
  bool clear_history = false;     // menu → "Limpar conversa" → confirmed
  bool enable_notifications = false;  // menu → "Ativar notificações"
  bool toggle_large_text = false;     // menu → "Texto maior" / "Texto normal"
  bool accept_update = false;         // "Nova versão disponível · Atualizar"

  bool sign_out = false;              // menu → "Sair deste aparelho" → confirmed
  SwitchAnswer switch_answer = SwitchAnswer::None;  // the switch question, answered

  bool empty() const {
    return retry_id.empty() && delete_id.empty() && copy_text.empty() && open_url.empty() && !try_now &&
           !clear_history && !enable_notifications && !toggle_large_text && !accept_update &&
           !sign_out && switch_answer == SwitchAnswer::None;
  }
};

}  // namespace bos::ui
