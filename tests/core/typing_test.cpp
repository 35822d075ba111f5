// Typing out: typing:true on the first keystroke, typing:false after 1 s idle or on blur, only on change.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/harness.hpp"

using namespace bos;
using bos::test::Harness;

namespace {
std::vector<std::string> typing_frames(const Harness& h) {
  std::vector<std::string> out;
  for (const auto& t : h.sent_texts()) {
    if (t.find("\"action\":\"typing\"") != std::string::npos) out.push_back(t);
  }
  return out;
}
}  // namespace

SCENARIO("typing is announced once and withdrawn after a second of silence", "[typing]") {
  Harness h;
  h.start();
  h.open();
  for (int i = 0; i < 20; ++i) {
    h.apply(h.engine.composer_input(h.now));
    h.advance(100);
  }
  auto frames = typing_frames(h);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0] == R"({"action":"typing","typing":true,"user_id":"resident-42","timestamp":)" +
                         std::to_string(test::kT0) + "}");
  h.advance(899);  // the last keystroke was 100 ms ago
  CHECK(typing_frames(h).size() == 1);
  h.advance(1);
  frames = typing_frames(h);
  REQUIRE(frames.size() == 2);
  CHECK(frames[1].find("\"typing\":false") != std::string::npos);
}

SCENARIO("blur withdraws typing at once, and only if it was announced", "[typing]") {
  Harness h;
  h.start();
  h.open();
  h.apply(h.engine.composer_blur(h.now));
  CHECK(typing_frames(h).empty());
  h.apply(h.engine.composer_input(h.now));
  h.apply(h.engine.composer_blur(h.now));
  CHECK(typing_frames(h).size() == 2);
  h.advance(5'000);
  CHECK(typing_frames(h).size() == 2);
}

SCENARIO("sending a message ends typing", "[typing]") {
  Harness h;
  h.start();
  h.open();
  h.apply(h.engine.composer_input(h.now));
  h.send("oi");
  const auto actions = h.actions();
  REQUIRE(actions.size() == 3);
  CHECK(actions[0] == "typing");
  CHECK(actions[1] == "sendMessage");
  CHECK(actions[2] == "typing");
}

SCENARIO("typing is never queued while offline", "[typing]") {
  Harness h;
  h.start();
  h.apply(h.engine.composer_input(h.now));
  h.advance(2'000);
  h.open();
  CHECK(typing_frames(h).empty());
}
