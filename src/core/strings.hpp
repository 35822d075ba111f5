// strings.hpp: every text the resident reads, in Brazilian Portuguese first and English.
// The engine's status texts and the UI's labels both come from here; the few texts only the page's own
// JavaScript shows (composer, boot screens) are in app/page_facts.cpp, generated into the page. No I/O.
#pragma once
#include <string>

namespace bos {

enum class Lang { Pt, En };

enum class Text {
  StatusIdle,            // "Desconectado"
  StatusConnecting,      // "Conectando..."
  StatusConnected,       // "Conectado em tempo real"
  StatusReconnecting,    // "Reconectando... (%d/%d)"
  StatusFailedRetryIn,   // "Sem conexão. Nova tentativa em %d s"
  StatusFailedTrying,    // "Sem conexão. Tentando agora..."
  StatusRefused,         // "Conexão recusada pelo servidor (código %d)"
  StatusClosed,          // "Desconectado"
  TryNow,                // "Tentar agora"
  Processing,            // "Processando sua solicitação..."
  ServerError,           // "Erro no servidor"
  GatewayError,          // "O servidor teve um problema. Se a mensagem não for confirmada, ..."
  MessageTooBig,         // "Mensagem grande demais para o servidor"
  NotificationTitle,     // "BuildingOS"
  Today, Yesterday,
  Retry, Delete, Copy, Copied,
  ClearConversation, ClearConfirm, Cancel,
  Failed,                // "Não enviada"
  TypingIndicator,       // "Assistente digitando..."
  EmptyConversation,     // first-run hint
  AboutLine,             // "BuildingOS · versão %s"
  PageTitle,             // document.title: "BuildingOS · Chat do prédio"
  NotificationsEnable,   // "Ativar notificações"
  You, Assistant, Notice,
  NoticeHigh,            // "Aviso importante"
  LargerText, NormalText,
  NewMessages,           // "Novas mensagens"
  InvalidEndpoint,       // "Endereço do servidor inválido"
  OfflineReassure,       // "Suas mensagens ficam guardadas..."
  // The page's accessible twins of the canvas (ui/page_twins): the menu button's name and each message's
  // delivery state in its accessible name "<sender>, <time>, <state>: <text>".
  Menu,                  // "Menu"
  StateQueued,           // "aguardando envio" (the clock)
  StateSent,             // "enviada" (one tick)
  StateDelivered,        // "entregue" (two ticks: the server acknowledged it)
  StateAnswered,         // "respondida" (two blue ticks)
  StateFailed,           // "não enviada"
  StateFailedTooBig,     // "não enviada, grande demais para o servidor"
  StateReceived,         // "recebida" (the assistant's answers, notices)
  StatusNoInternet,      // "Sem internet": the device says it has no network (navigator.onLine false)
  UpdateAvailable,       // "Nova versão disponível"
  UpdateAccept,          // "Atualizar"
  // Identity (issue 13).
  LinkRefused,           // "Não foi possível entrar com este link. ..." (connection keeps failing with a token)
  SignedInAs,            // "Entrou como %s" (the token's name, in the menu)
  SignOut,               // "Sair deste aparelho"
  SignOutConfirm,        // what signing out does, asked first
  SignOutUndelivered,    // "%lld mensagem(ns) ainda não entregue(s) será(ão) perdida(s)."
  SwitchConfirm,         // "Trocar para %s?"
  SwitchBody,            // what switching does
  SwitchAction,          // "Trocar"
  KeepCurrent,           // "Continuar como %s"
  OpenExternal,          // "Abrir site externo? %s" (the host, in full)
  OpenAction,            // "Abrir"
  Unconfirmed,           // "Sem confirmação": a message whose fate is unknown
  ResendMayDuplicate,    // the confirm step before resending a message that may have arrived
  ResendAnyway,          // "Reenviar mesmo assim"
  StorageFailing,        // the banner when the outbox cannot be saved
  kCount
};

const char* text(Lang lang, Text id);
// printf-style formatting of one of the texts above with integer/string arguments (never user text as format).
std::string format_text(Lang lang, Text id, long long a = 0, long long b = 0);
std::string format_text_s(Lang lang, Text id, const std::string& s);

}  // namespace bos
