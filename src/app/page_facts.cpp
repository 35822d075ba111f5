// page_facts.cpp: see page_facts.hpp.
#include "app/page_facts.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/boot_config.hpp"
#include "core/limits.hpp"
#include "core/outbox.hpp"
#include "ui/chat_layout.hpp"
#include "ui/theme.hpp"
#include "ui/view_state.hpp"

namespace bos::app {

namespace {

using nlohmann::ordered_json;

// The texts only the page's own JavaScript shows, by the key pre.js and boot.js read them with (the app's
// own texts are in core/strings.cpp; these never reach the wasm). Brazilian Portuguese first, then English.
struct PageText {
  const char* key;
  const char* pt;
  const char* en;
  bool support_floor = false;  // three %lld: the Chrome/Edge, Firefox and Safari versions of kSupportFloor
};
constexpr PageText kPageTexts[] = {
    // <html lang> and number formatting.
    {"locale", "pt-BR", "en"},
    // The composer and the live region (wasm/pre.js).
    {"placeholder", "Escreva sua mensagem...", "Type your message..."},
    {"label", "Mensagem", "Message"},
    {"send", "Enviar", "Send"},
    {"log", "Mensagens", "Messages"},
    // The boot screens (shell/boot.js), shown before the wasm runs, or when it cannot.
    {"loading", "Carregando o chat do pr\xC3\xA9" "dio...", "Loading the building chat..."},
    {"starting", "Quase pronto...", "Almost ready..."},
    {"webgl",
     "Este aparelho n\xC3\xA3o conseguiu iniciar os gr\xC3\xA1" "ficos do chat (WebGL2). Atualize o navegador ou tente outro aparelho.",
     "This device could not start the chat's graphics (WebGL2). Please update the browser or try another device."},
    {"download",
     "N\xC3\xA3o foi poss\xC3\xADvel carregar o chat. Verifique sua conex\xC3\xA3o com a internet e tente de novo.",
     "The chat could not be loaded. Please check your internet connection and try again."},
    {"crash",
     "O chat encontrou um erro e precisa ser recarregado.",
     "The chat ran into an error and needs to be reloaded."},
    {"retry", "Tentar de novo", "Try again"},
    // Identity (issue 13): shown by boot.js without downloading the wasm.
    {"enrol",
     "Para conversar com o pr\xC3\xA9" "dio, abra o link de acesso que voc\xC3\xAA recebeu: carta, e-mail ou QR code na portaria",
     "To talk to the building, open the access link you received: letter, e-mail or QR code at the front desk"},
    {"expired",
     "Seu link de acesso expirou. Pe\xC3\xA7" "a um novo \xC3\xA0 administra\xC3\xA7\xC3\xA3o do pr\xC3\xA9" "dio.",
     "Your access link has expired. Please ask the building's administration for a new one."},
    {"reload", "Recarregar", "Reload"},
    {"anyway", "Tentar mesmo assim", "Try anyway"},
    {"unsupported",
     "Este navegador n\xC3\xA3o consegue abrir o chat do pr\xC3\xA9" "dio. Use um navegador atualizado (Chrome ou Edge %lld+, Firefox %lld+, Safari %lld+).",
     "This browser cannot open the building chat. Please use an up-to-date browser (Chrome or Edge %lld+, Firefox %lld+, Safari %lld+).",
     true},
    {"old",
     "Este navegador \xC3\xA9 antigo demais para o chat do pr\xC3\xA9" "dio. Atualize para Chrome ou Edge %lld+, Firefox %lld+ ou Safari %lld+.",
     "This browser is too old for the building chat. Please update to Chrome or Edge %lld+, Firefox %lld+ or Safari %lld+.",
     true},
};

// window.BuildingOS.send() answers {ok:false, error:<to_string(SendError)>}; the composer shows these.
struct SendErrorText {
  SendError error;
  const char* pt;
  const char* en;
};
constexpr SendErrorText kSendErrorTexts[] = {
    {SendError::Empty, "Escreva uma mensagem antes de enviar.", "Type a message before sending."},
    // "%s": the limit, written in by the page in its own locale ("4.000", "4,000").
    {SendError::TooLong, "Mensagem longa demais (m\xC3\xA1ximo de %s caracteres).", "Message too long (%s characters at most)."},
    {SendError::QueueFull, "Muitas mensagens aguardando envio. Aguarde a conex\xC3\xA3o voltar.",
     "Too many messages waiting to be sent. Please wait for the connection to come back."},
};

const char* for_lang(Lang lang, const char* pt, const char* en) { return lang == Lang::En ? en : pt; }

std::string with_support_floor(const char* format) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, static_cast<long long>(kSupportFloor.chrome),
                static_cast<long long>(kSupportFloor.firefox), static_cast<long long>(kSupportFloor.safari));
  return buf;
}

ordered_json strings_for(Lang lang) {
  ordered_json s = ordered_json::object();
  for (const auto& t : kPageTexts) {
    const char* text = for_lang(lang, t.pt, t.en);
    s[t.key] = t.support_floor ? with_support_floor(text) : std::string(text);
  }
  for (const auto& t : kSendErrorTexts) s[to_string(t.error)] = for_lang(lang, t.pt, t.en);
  return s;
}

std::string css_hex(uint32_t rgb) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%06x", static_cast<unsigned>(rgb & 0xFFFFFFu));
  return buf;
}

std::string dump(const ordered_json& j) { return j.dump(-1, ' ', true, ordered_json::error_handler_t::replace); }

std::string css_px(float px) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%gpx", static_cast<double>(px));
  return buf;
}

}  // namespace

std::string page_facts_json() {
  ordered_json j;
  j["limits"] = {{"maxMessageCodepoints", kMaxMessageCodepoints},
                 {"counterFromCodepoints", kMessageCounterFromCodepoints}};
  j["language"] = {{"portuguese", portuguese_language_pattern()}, {"fallback", kFallbackLanguageTag}};
  j["supportFloor"] = {{"chrome", kSupportFloor.chrome}, {"firefox", kSupportFloor.firefox},
                       {"safari", kSupportFloor.safari}};
  j["storage"] = {{"adoptable", adoptable_storage_key_pattern()}, {"tabSuffix", storage_key_tab_pattern()},
                  {"identity", storage_key_identity()}, {"prefix", storage_key_prefix()},
                  {"history", history_key_pattern()}};
  // The token rule's numbers (core/limits.hpp), for shell/token.js: the page's pre-wasm copy of core/token.hpp.
  j["token"] = {{"maxBytes", kMaxTokenBytes},         {"leewayS", kTokenLeewayS},
                {"maxLifetimeS", kMaxTokenLifetimeS}, {"maxTimeS", kMaxTokenTimeS},
                {"maxIdChars", kMaxTokenIdChars},     {"maxNameCodePoints", kMaxTokenNameCodePoints},
                {"minJtiChars", kMinTokenJtiChars},   {"maxJtiChars", kMaxTokenJtiChars},
                {"fragmentParam", "t"}};
  j["auth"] = ordered_json::array();  // state().auth's names, index = app::AuthState
  for (const AuthState a : {AuthState::None, AuthState::SignedIn, AuthState::Enrol, AuthState::Expired, AuthState::LinkRefused}) {
    j["auth"].push_back(to_string(a));
  }
  ordered_json permissions = ordered_json::array();  // index = ui::NotificationsState, as exports.cpp reads it
  for (const char* name : ui::kNotificationPermissions) permissions.push_back(name);
  j["notificationPermissions"] = std::move(permissions);
  j["strings"] = {{lang_code(Lang::Pt), strings_for(Lang::Pt)}, {lang_code(Lang::En), strings_for(Lang::En)}};
  return dump(j);
}

std::string page_facts_js() {
  return "/* Generated by bos_page_facts from src/app/page_facts.cpp: edit the C++, not this. */\n"
         "window.BOSFacts = " + page_facts_json() + ";\n";
}

std::string page_theme_css() {
  const ui::Palette& d = ui::kDarkPalette;
  const ui::Palette& l = ui::kLightPalette;
  // The accent, warning, error and the composer's details keep the dark theme's values in both schemes,
  // as the shell always had; the canvas draws the light theme's own (ui/chat_view).
  std::string css = "/* Generated by bos_page_facts from src/ui/theme.hpp: edit the C++, not this. */\n";
  css += ":root {\n";
  css += "  --bg: " + css_hex(d.bg) + ";\n";
  css += "  --panel: " + css_hex(d.panel) + ";\n";
  css += "  --text: " + css_hex(d.text) + ";\n";
  css += "  --muted: " + css_hex(d.muted) + ";\n";
  css += "  --accent: " + css_hex(d.accent) + ";\n";
  css += "  --accent-text: " + css_hex(d.accent_text) + ";\n";
  css += "  --warn: " + css_hex(d.warn) + ";\n";
  css += "  --error: " + css_hex(d.error) + ";\n";
  css += "  --border: " + css_hex(d.assistant_border) + ";\n";
  css += "  --track: " + css_hex(d.separator) + ";\n";
  // The canvas's header and menu sizes (ui/chat_layout.hpp): the page's accessible twins show themselves
  // over their canvas twins when they have the keyboard focus (style.css, "Accessible twins").
  css += "  --header-h: " + css_px(ui::layout::kHeaderH) + ";\n";
  css += "  --margin-x: " + css_px(ui::layout::kMarginX) + ";\n";
  css += "  --touch-target: " + css_px(ui::layout::kTouchTarget) + ";\n";
  css += "  --chip-h: " + css_px(ui::layout::kChipH) + ";\n";
  css += "  --menu-overlap: " + css_px(ui::layout::kMenuOverlap) + ";\n";
  css += "  --menu-max-w: " + css_px(ui::layout::kMenuMaxW) + ";\n";
  css += "}\n";
  css += "@media (prefers-color-scheme: light) {\n";
  css += "  :root { --bg: " + css_hex(l.bg) + "; --panel: " + css_hex(l.panel) + "; --text: " + css_hex(l.text) +
         "; --muted: " + css_hex(l.muted) + "; }\n";
  css += "}\n";
  return css;
}

}  // namespace bos::app
