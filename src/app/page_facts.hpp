// page_facts.hpp: the facts the page's own JavaScript and CSS need, taken from the C++ that owns them, so
// there is one source for each: the message length limits (core/limits.hpp), the pt-BR/en texts only the
// page shows (here: they never reach the wasm), the language rule and the storage-key format
// (app/boot_config), the browsers the shell
// accepts, the notification permission codes (ui/view_state.hpp), the colours (ui/theme.hpp) and the
// header's sizes (ui/chat_layout.hpp).
//
// Some are needed before the wasm runs (boot.js explains an unsupported browser or a failed download), so
// they are generated at build time: bos_page_facts writes facts.js (`window.BOSFacts = {...}`) and
// theme.css, and the wasm build puts them in front of shell/boot.js and shell/style.css (wasm/CMakeLists).
// At run time the app tells the page only what it decided: its language (boot_config lang_code) and version.
#pragma once
#include <string>


namespace bos::app {

// The oldest browsers the shell starts in (boot.js; below them it explains and offers "Tentar mesmo assim").
struct SupportFloor {
  int chrome = 97;   // and Edge
  int firefox = 102;
  int safari = 16;   // and every browser on iOS
};
inline constexpr SupportFloor kSupportFloor{};

// {"limits":{..},"language":{..},"supportFloor":{..},"storage":{..},"notificationPermissions":[..],
//  "strings":{"pt":{..},"en":{..}}}
std::string page_facts_json();
// The same as a script: `window.BOSFacts = <json>;` (ASCII only, so any ES5 engine parses it).
std::string page_facts_js();
// The CSS custom properties style.css uses (--bg, --panel, ..., --header-h, ...), dark first, light under
// prefers-color-scheme.
std::string page_theme_css();

}  // namespace bos::app
