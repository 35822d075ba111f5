// Pointer model: a tap is a press and a release at the touched point even when both arrive between two
// frames; a moving touch scrolls instead of pressing; flings decay; wheel units become pixels.
#include <catch2/catch.hpp>

#include "ui/pointer.hpp"

using bos::ui::Pointer;

TEST_CASE("a quick tap between two frames still reaches ImGui as press then release", "[pointer]") {
  Pointer p;
  p.touch_start(100, 200, 0);
  p.touch_end(30);
  auto f1 = p.frame(40);
  CHECK(f1.down);
  CHECK(f1.x == 100);
  CHECK(f1.y == 200);
  auto f2 = p.frame(56);
  CHECK_FALSE(f2.down);
  CHECK(f2.x == 100);
  auto f3 = p.frame(72);
  CHECK(f3.x < -1e29f);  // the finger left: nothing stays hovered
  CHECK_FALSE(p.pending());
}

TEST_CASE("a touch that moves scrolls the list and never presses", "[pointer]") {
  Pointer p;
  p.touch_start(100, 500, 0);
  p.touch_move(100, 495, 10);  // under the threshold
  CHECK(p.frame(16).scroll_dy == 0);
  p.touch_move(100, 480, 20);  // past it: a drag starts here
  p.touch_move(100, 400, 40);
  auto f = p.frame(41);
  CHECK(f.scroll_dy == Approx(80));
  CHECK_FALSE(f.down);
  p.touch_end(45);
  // A fling: inertia keeps scrolling, decaying to a stop.
  float total = 0;
  int frames = 0;
  for (int64_t t = 50; t < 5000 && (frames == 0 || p.pending()); t += 16, ++frames) {
    const auto g = p.frame(t);
    CHECK_FALSE(g.down);
    total += g.scroll_dy;
  }
  CHECK(total > 100);
  CHECK_FALSE(p.pending());
}

TEST_CASE("a drag that stops before the finger lifts does not fling", "[pointer]") {
  Pointer p;
  p.touch_start(0, 500, 0);
  p.touch_move(0, 400, 20);
  p.touch_move(0, 300, 40);
  p.touch_end(400);
  p.frame(401);
  CHECK_FALSE(p.pending());
}

TEST_CASE("the drag threshold follows the pixel ratio", "[pointer]") {
  Pointer p;
  p.set_scale(3);
  p.touch_start(0, 500, 0);
  p.touch_move(0, 480, 10);  // 20 physical px = under 10 CSS px at dpr 3
  p.touch_end(20);
  CHECK(p.frame(21).down);   // still a tap
}

TEST_CASE("wheel deltas become pixels in every delta mode, bounded", "[pointer]") {
  Pointer p;
  p.wheel(120, 0, 800);
  CHECK(p.frame(0).scroll_dy == 120);
  p.wheel(3, 1, 800);
  CHECK(p.frame(16).scroll_dy == 120);  // 3 lines × 40 px
  p.wheel(1, 2, 800);
  CHECK(p.frame(32).scroll_dy == 800);
  p.wheel(1e12, 0, 800);
  CHECK(p.frame(48).scroll_dy == 3200);
  p.wheel(std::numeric_limits<double>::quiet_NaN(), 0, 800);
  CHECK(p.frame(64).scroll_dy == 0);
}

TEST_CASE("mouse clicks are queued so a fast click is not lost", "[pointer]") {
  Pointer p;
  p.mouse_move(10, 10);
  p.mouse_button(true);
  p.mouse_button(false);
  CHECK(p.frame(0).down);
  CHECK_FALSE(p.frame(16).down);
  p.mouse_leave();
  CHECK(p.frame(32).x < -1e29f);
}
