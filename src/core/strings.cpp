// strings.cpp: see strings.hpp.
#include "core/strings.hpp"

#include <cstdio>

namespace bos {
namespace {

struct Entry {
  const char* pt;
  const char* en;
};

// Indexed by Text; the static_assert below keeps the table and the enum in step.
constexpr Entry kTexts[] = {
    {"Desconectado", "Disconnected"},
    {"Conectando...", "Connecting..."},
    {"Conectado em tempo real", "Connected in real time"},
    {"Reconectando... (%lld/%lld)", "Reconnecting... (%lld/%lld)"},
    {"Sem conex\xC3\xA3o. Nova tentativa em %lld s", "No connection. Retrying in %lld s"},
    {"Sem conex\xC3\xA3o. Tentando agora...", "No connection. Trying now..."},
    {"Conex\xC3\xA3o recusada pelo servidor (c\xC3\xB3" "digo %lld)", "Connection refused by the server (code %lld)"},
    {"Desconectado", "Disconnected"},
    {"Tentar agora", "Try now"},
    {"Processando sua solicita\xC3\xA7\xC3\xA3o...", "Processing your request..."},
    {"Erro no servidor", "Server error"},
    {"O servidor teve um problema. Se a mensagem n\xC3\xA3o for confirmada, voc\xC3\xAA poder\xC3\xA1 reenvi\xC3\xA1-la.",
     "The server had a problem. If the message is not confirmed, you can send it again."},
    {"Mensagem grande demais para o servidor", "Message too big for the server"},
    {"BuildingOS", "BuildingOS"},
    {"Hoje", "Today"},
    {"Ontem", "Yesterday"},
    {"Reenviar", "Retry"},
    {"Apagar", "Delete"},
    {"Copiar", "Copy"},
    {"Copiado", "Copied"},
    {"Limpar conversa", "Clear conversation"},
    {"Apagar o hist\xC3\xB3rico desta conversa em todas as abas deste aparelho? As mensagens ainda n\xC3\xA3o entregues ser\xC3\xA3o mantidas.",
     "Delete this conversation's history in every tab on this device? Messages not yet delivered are kept."},
    {"Cancelar", "Cancel"},
    {"N\xC3\xA3o enviada", "Not sent"},
    {"Assistente digitando...", "Assistant is typing..."},
    {"Ol\xC3\xA1! Pergunte sobre elevadores, encomendas, manuten\xC3\xA7\xC3\xA3o ou hor\xC3\xA1rios do pr\xC3\xA9" "dio.",
     "Hello! Ask about elevators, packages, maintenance or the building's hours."},
    {"BuildingOS \xC2\xB7 vers\xC3\xA3o %s", "BuildingOS \xC2\xB7 version %s"},
    {"BuildingOS \xC2\xB7 Chat do pr\xC3\xA9" "dio", "BuildingOS \xC2\xB7 Building chat"},
    {"Ativar notifica\xC3\xA7\xC3\xB5" "es", "Turn on notifications"},
    {"Voc\xC3\xAA", "You"},
    {"Assistente", "Assistant"},
    {"Aviso", "Notice"},
    {"Aviso importante", "Important notice"},
    {"Texto maior", "Larger text"},
    {"Texto normal", "Normal text"},
    {"Novas mensagens", "New messages"},
    {"Endere\xC3\xA7o do servidor inv\xC3\xA1lido", "Invalid server address"},
    {"Suas mensagens ficam guardadas e ser\xC3\xA3o enviadas quando a conex\xC3\xA3o voltar.",
     "Your messages are kept and will be sent when the connection is back."},
    {"Menu", "Menu"},
    {"aguardando envio", "waiting to be sent"},
    {"enviada", "sent"},
    {"entregue", "delivered"},
    {"respondida", "answered"},
    {"n\xC3\xA3o enviada", "not sent"},
    {"n\xC3\xA3o enviada, grande demais para o servidor", "not sent, too big for the server"},
    {"recebida", "received"},
    {"Sem internet", "No internet"},
    {"Nova vers\xC3\xA3o dispon\xC3\xADvel", "New version available"},
    {"Atualizar", "Update"},
    {"N\xC3\xA3o foi poss\xC3\xADvel entrar com este link. Se o problema continuar, pe\xC3\xA7" "a um novo link.",
     "Could not sign in with this link. If the problem continues, ask for a new link."},
    {"Entrou como %s", "Signed in as %s"},
    {"Sair deste aparelho", "Sign out of this device"},
    {"Sair deste aparelho? A conversa ser\xC3\xA1 apagada deste aparelho e as outras abas abertas tamb\xC3\xA9m sair\xC3\xA3o.",
     "Sign out of this device? The conversation is deleted from this device and other open tabs are signed out too."},
    {"%lld mensagem(ns) ainda n\xC3\xA3o entregue(s) ser\xC3\xA1(\xC3\xA3o) perdida(s).",
     "%lld message(s) not yet delivered will be lost."},
    {"Trocar para %s?", "Switch to %s?"},
    {"Este link \xC3\xA9 de outro morador. Trocando, este aparelho passa a conversar como ele.",
     "This link belongs to another resident. If you switch, this device talks as them."},
    {"Trocar", "Switch"},
    {"Continuar como %s", "Stay as %s"},
    {"Abrir site externo? %s", "Open external site? %s"},
    {"Abrir", "Open"},
    {"Sem confirma\xC3\xA7\xC3\xA3o", "Not confirmed"},
    {"O pr\xC3\xA9" "dio pode j\xC3\xA1 ter recebido esta mensagem. Se reenviar, ela pode chegar duas vezes.",
     "The building may already have this message. If you send it again, it may arrive twice."},
    {"Reenviar mesmo assim", "Send again anyway"},
    {"N\xC3\xA3o foi poss\xC3\xADvel guardar as mensagens neste aparelho. Mantenha esta p\xC3\xA1gina aberta at\xC3\xA9 enviar.",
     "Your messages could not be saved on this device. Keep this page open until they are sent."},
};
static_assert(sizeof(kTexts) / sizeof(kTexts[0]) == static_cast<std::size_t>(Text::kCount),
              "kTexts must have one entry per Text");

}  // namespace

const char* text(Lang lang, Text id) {
  const auto i = static_cast<std::size_t>(id);
  if (i >= static_cast<std::size_t>(Text::kCount)) return "";
  return lang == Lang::En ? kTexts[i].en : kTexts[i].pt;
}

std::string format_text(Lang lang, Text id, long long a, long long b) {
  char buf[256];
  std::snprintf(buf, sizeof buf, text(lang, id), a, b);
  return buf;
}

std::string format_text_s(Lang lang, Text id, const std::string& s) {
  char buf[512];
  std::snprintf(buf, sizeof buf, text(lang, id), s.c_str());
  return buf;
}

}  // namespace bos
