// strings.hpp: every text the resident reads, in Brazilian Portuguese first and English.
// The engine's status texts, the UI's labels and the page's own texts (composer, boot screens: exported
// to JavaScript at build time by app/page_facts) all come from here. No I/O.
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
  GatewayError,          // "O servidor teve um problema. Sua mensagem será reenviada."
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
  // Shown by the page's own JavaScript, handed to it by app/page_facts (BOSFacts.strings).
  LanguageTag,           // "pt-BR": <html lang>, number formatting
  ComposerPlaceholder, Send, MessageLabel,
  MessagesLog,           // the hidden role="log" region's label
  ErrorEmpty,
  ErrorTooLong,          // "%s": the limit, formatted by the page in its locale
  ErrorQueueFull,
  // The boot screens (shell/boot.js), before the wasm runs: they must work without it.
  BootLoading, BootStarting,
  BootUnsupported,       // three %lld: Chrome/Edge, Firefox, Safari versions (app/page_facts kSupportFloor)
  BootTooOld,            // the same three
  BootNoWebgl, BootDownloadFailed, BootCrashed,
  BootRetry, BootReload, BootAnyway,
  kCount
};

const char* text(Lang lang, Text id);
// printf-style formatting of one of the texts above with integer/string arguments (never user text as format).
std::string format_text(Lang lang, Text id, long long a = 0, long long b = 0);
std::string format_text_s(Lang lang, Text id, const std::string& s);

}  // namespace bos
