// twins.cpp: the page's accessible twins of the canvas (ui/page_twins), carried to and from the DOM.
//   out  sync_twins(): once per drawn frame, what changed (a JSON of the twins) to Module.bosTwins in pre.js
//   in   bos_twin_act(): a twin was used (a menu item, "Tentar agora", retry/delete, a link): its Action goes
//        through ui::PageTwins::request and App::apply, the path a tap on the canvas takes
// An idle page draws no frames, so the twins cost nothing then either.
#include <emscripten.h>

#include "web.hpp"

EM_JS(void, bos_js_twins, (const char* json), {
  if (Module.bosTwins) Module.bosTwins(JSON.parse(UTF8ToString(json)));
});

namespace bos::web {

namespace {
ui::TwinContext twin_context(const ui::ViewState& view) {
  State& s = state();
  return {s.app->engine().chat(), view, s.notifications, s.tz_offset_min};
}
}  // namespace

void sync_twins(int64_t now) {
  State& s = state();
  if (!s.app) return;
  const ui::ViewState view = s.app->view_state(now);
  const std::string changes = s.twins.update(twin_context(view));
  if (!changes.empty()) bos_js_twins(changes.c_str());
}

}  // namespace bos::web

extern "C" {

// `seq`: the message (a double: JS numbers), 0 for the menu and the banner; `link`: which of its links, or -1.
EMSCRIPTEN_KEEPALIVE void bos_twin_act(int action, double seq, int link) {
  using namespace bos::web;
  State& s = state();
  if (!s.app || !(seq >= 0) || seq > 9007199254740991.0) return;
  const int64_t now = now_ms();
  const bos::ui::ViewState view = s.app->view_state(now);
  bos::ui::Intents intents;
  if (!s.twins.request(action, static_cast<uint64_t>(seq), link, twin_context(view), intents)) return;
  s.app->apply(intents, now);
  after_event();
  sync_twins(now_ms());  // the page sees the result at once (focus stays where the resident is)
}

}  // extern "C"
