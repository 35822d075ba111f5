// pointer.hpp: mouse, touch and wheel as Dear ImGui 1.86 should see them. Pure; driven by the platform.
//
// Why not GLFW's input: in Emscripten 3.1.6 taps land at the previous touch position, emulated mouse
// events double every tap, and wheel deltas are raw and inverted (imgui#8373, emscripten#20804, #6584).
// Here a tap is a press and a release at the touched point, delivered one transition per frame so a
// quick tap is never lost between two frames (ImGui 1.86 input is state-based); a touch that moves more
// than a few pixels becomes a drag that scrolls the list (with inertia) instead of a press; the wheel is
// normalised to pixels. After a touch ends the pointer leaves the screen, so nothing stays "hovered".
#pragma once
#include <cstdint>
#include <deque>

namespace bos::ui {

struct PointerFrame {
  float x = -1e30f;  // physical pixels; -1e30 = no pointer (ImGui's -FLT_MAX convention)
  float y = -1e30f;
  bool down = false;
  float scroll_dy = 0;     // pixels to scroll the list by this frame (positive: towards newer messages)
  bool animating = false;  // inertia still running: render another frame
};

class Pointer {
 public:
  // Touch (physical pixels, `now_ms` for velocity).
  void touch_start(float x, float y, int64_t now_ms);
  void touch_move(float x, float y, int64_t now_ms);
  void touch_end(int64_t now_ms);
  void touch_cancel();
  // Mouse.
  void mouse_move(float x, float y);
  void mouse_button(bool down);
  void mouse_leave();
  // Wheel: `delta` in the DOM's units, `mode` 0 pixels, 1 lines, 2 pages.
  void wheel(double delta, int mode, float page_px);

  // What ImGui sees this frame; pops at most one button transition.
  PointerFrame frame(int64_t now_ms);
  bool pending() const { return !events_.empty() || velocity_ != 0 || wheel_px_ != 0; }
  bool dragging() const { return dragging_; }

  static constexpr float kDragThresholdPx = 10.0f;  // physical px; scaled by the caller's dpr
  static constexpr float kWheelPageFraction = 0.8f;  // a wheel "page" (deltaMode 2) is this much of the canvas
  void set_scale(float dpr) { dpr_ = dpr > 0 ? dpr : 1.0f; }

 private:
  struct Event {
    bool down;
    float x, y;
  };
  std::deque<Event> events_;
  float x_ = -1e30f, y_ = -1e30f;
  bool down_ = false;
  bool touch_active_ = false;
  bool dragging_ = false;
  bool press_sent_ = false;  // the touch's press was queued (it may be taken back if it turns into a drag)
  float start_x_ = 0, start_y_ = 0, last_y_ = 0;
  float drag_accum_ = 0;     // scroll owed to the list from dragging
  float velocity_ = 0;       // px per ms, for inertia
  int64_t last_move_ms_ = 0;
  int64_t last_frame_ms_ = 0;
  float wheel_px_ = 0;
  float dpr_ = 1.0f;
  bool leave_after_release_ = false;
};

}  // namespace bos::ui
