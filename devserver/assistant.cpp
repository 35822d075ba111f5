// assistant.cpp: see assistant.hpp. Matching works on words folded to ASCII lower case ("Manutenção" ->
// "manutencao"), so "oi" never matches inside "noite" and accents or capitals do not matter.
#include "assistant.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace devserver {

namespace {

// Folds the Latin-1 letters Portuguese uses to ASCII; other code points split words.
char fold_latin1(std::uint32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return c;
    return ' ';
  }
  switch (cp) {
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE4: case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC4:
      return 'a';
    case 0xE8: case 0xE9: case 0xEA: case 0xEB: case 0xC8: case 0xC9: case 0xCA: case 0xCB:
      return 'e';
    case 0xEC: case 0xED: case 0xEE: case 0xEF: case 0xCC: case 0xCD: case 0xCE: case 0xCF:
      return 'i';
    case 0xF2: case 0xF3: case 0xF4: case 0xF5: case 0xF6: case 0xD2: case 0xD3: case 0xD4: case 0xD5: case 0xD6:
      return 'o';
    case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xD9: case 0xDA: case 0xDB: case 0xDC:
      return 'u';
    case 0xE7: case 0xC7:
      return 'c';
    case 0xF1: case 0xD1:
      return 'n';
    default:
      return ' ';
  }
}

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> words;
  std::string current;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xC2 && c <= 0xDF && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<std::uint8_t>(s[i + 1]) & 0x3Fu);
      len = 2;
    } else if (c >= 0x80) {
      cp = 0xFFFF;  // anything else (3- and 4-byte sequences, stray bytes) separates words
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 1;
    }
    i += len;
    const char f = fold_latin1(cp);
    if (f == ' ') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else if (current.size() < 64) {
      current.push_back(f);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

bool has_any(const std::vector<std::string>& words, std::initializer_list<const char*> wanted) {
  for (const auto& w : words) {
    for (const char* x : wanted) {
      if (w == x) return true;
    }
  }
  return false;
}

bool has_prefix(const std::vector<std::string>& words, std::initializer_list<const char*> prefixes) {
  for (const auto& w : words) {
    for (const char* p : prefixes) {
      if (w.rfind(p, 0) == 0) return true;
    }
  }
  return false;
}

bool has_pair(const std::vector<std::string>& words, const char* first, const char* second) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == first && words[i + 1] == second) return true;
  }
  return false;
}

}  // namespace

const char* to_string(Topic topic) {
  switch (topic) {
    case Topic::kElevatorCall: return "elevator-call";
    case Topic::kElevator: return "elevator";
    case Topic::kPackages: return "packages";
    case Topic::kMaintenance: return "maintenance";
    case Topic::kHours: return "hours";
    case Topic::kGreeting: return "greeting";
    case Topic::kDefault: return "default";
  }
  return "default";
}

AssistantReply assistant_reply(std::string_view message_utf8) {
  const auto words = words_of(message_utf8);
  const bool elevator = has_prefix(words, {"elevador", "elevator", "lift"});
  const bool call = has_prefix(words, {"cham", "call", "pedir", "mand"});
  if (elevator && call) {
    return {Topic::kElevatorCall,
            "Pronto! Chamei o elevador para o seu andar. Aviso aqui assim que ele chegar.", true};
  }
  if (elevator) {
    return {Topic::kElevator,
            "Os elevadores estão funcionando normalmente. Se quiser, eu chamo um para o seu andar: é só "
            "escrever \"chamar elevador\".",
            false};
  }
  if (has_prefix(words, {"encomenda", "pacote", "package", "entrega", "correio", "parcel", "delivery"})) {
    return {Topic::kPackages,
            "As encomendas ficam na portaria e podem ser retiradas das 8h às 22h com um documento com foto. "
            "Quando chegar algo no seu nome, eu aviso aqui.",
            false};
  }
  if (has_prefix(words, {"manutenc", "manutenca", "vazament", "vazando", "conserto", "consert", "reparo",
                         "maintenance", "repair", "leak", "quebr"})) {
    return {Topic::kMaintenance,
            "Registrei seu pedido de manutenção. A equipe entra em contato em até 24 horas. Se for um "
            "vazamento forte, feche o registro de água e avise a portaria.",
            false};
  }
  if (has_prefix(words, {"horario", "hours", "hour", "abre", "fecha", "funcionamento"})) {
    return {Topic::kHours,
            "Horários do prédio: portaria 24 horas; retirada de encomendas das 8h às 22h; academia das 6h às "
            "23h; salão de festas mediante reserva.",
            false};
  }
  if (has_any(words, {"ola", "oi", "oie", "opa", "hello", "hi", "hey", "eai"}) || has_pair(words, "bom", "dia") ||
      has_pair(words, "boa", "tarde") || has_pair(words, "boa", "noite")) {
    return {Topic::kGreeting,
            "Olá! Sou o assistente do prédio. Posso ajudar com elevadores, encomendas, manutenção e horários. "
            "Como posso ajudar?",
            false};
  }
  return {Topic::kDefault,
          "Posso ajudar com: elevadores (por exemplo, \"chamar elevador\"), encomendas, pedidos de manutenção e "
          "horários do prédio. Sobre o que você quer saber?",
          false};
}

}  // namespace devserver
