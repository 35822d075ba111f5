// pointer.cpp: see pointer.hpp.
#include "ui/pointer.hpp"

#include <cmath>

namespace bos::ui {

namespace {
constexpr float kNoPointer = -1e30f;
constexpr float kLinePx = 40.0f;            // one wheel "line", in CSS px
constexpr float kInertiaTimeConstantMs = 325.0f;
constexpr float kMinVelocity = 0.02f;       // px/ms below which inertia stops
constexpr float kVelocityNewWeight = 0.8f;  // the velocity estimate: the newest move's share...
constexpr float kVelocityOldWeight = 0.2f;  // ...and the estimate so far
constexpr int64_t kFlingWindowMs = 80;      // a finger still this long before lifting does not fling
constexpr double kMaxWheelPages = 4.0;      // one wheel event never scrolls more than this
constexpr double kFallbackPagePx = 1000.0;  // the page height when the platform does not know it
constexpr int64_t kNominalFrameMs = 16;     // the first frame, and a clock that did not move
constexpr int64_t kMaxInertiaStepMs = 100;  // a long pause does not throw the list far
}  // namespace

void Pointer::touch_start(float x, float y, int64_t now_ms) {
  touch_active_ = true;
  dragging_ = false;
  press_sent_ = false;
  start_x_ = x;
  start_y_ = y;
  last_y_ = y;
  velocity_ = 0;
  last_move_ms_ = now_ms;
}

void Pointer::touch_move(float x, float y, int64_t now_ms) {
  if (!touch_active_) return;
  if (!dragging_) {
    const float threshold = kDragThresholdPx * dpr_;
    if (std::fabs(y - start_y_) < threshold && std::fabs(x - start_x_) < threshold) return;
    dragging_ = true;
    last_y_ = y;  // start scrolling from here, without a jump of the threshold
    last_move_ms_ = now_ms;
    return;
  }
  const float delta = last_y_ - y;  // finger up → towards newer messages
  drag_accum_ += delta;
  const auto dt = static_cast<float>(now_ms - last_move_ms_);
  if (dt > 0) {
    const float v = delta / dt;
    velocity_ = kVelocityNewWeight * v + kVelocityOldWeight * velocity_;
  }
  last_y_ = y;
  last_move_ms_ = now_ms;
}

void Pointer::touch_end(int64_t now_ms) {
  if (!touch_active_) return;
  touch_active_ = false;
  if (dragging_) {
    dragging_ = false;
    if (now_ms - last_move_ms_ > kFlingWindowMs) velocity_ = 0;  // the finger stopped before lifting: no fling
    return;
  }
  // A tap: press and release at the touched point, one per frame.
  events_.push_back({true, start_x_, start_y_});
  events_.push_back({false, start_x_, start_y_});
  leave_after_release_ = true;
}

void Pointer::touch_cancel() {
  touch_active_ = false;
  dragging_ = false;
  velocity_ = 0;
}

void Pointer::mouse_move(float x, float y) {
  if (touch_active_) return;
  x_ = x;
  y_ = y;
  leave_after_release_ = false;
}

void Pointer::mouse_button(bool down) { events_.push_back({down, x_, y_}); }

void Pointer::mouse_leave() {
  if (!down_) {
    x_ = kNoPointer;
    y_ = kNoPointer;
  }
}

void Pointer::wheel(double delta, int mode, float page_px) {
  if (!std::isfinite(delta)) return;
  double px = delta;
  if (mode == 1) px = delta * kLinePx * dpr_;
  else if (mode == 2) px = delta * page_px;
  // One event can't scroll more than a few pages (a broken driver or a synthetic event).
  const double limit = kMaxWheelPages * (page_px > 0 ? page_px : kFallbackPagePx);
  if (px > limit) px = limit;
  if (px < -limit) px = -limit;
  wheel_px_ += static_cast<float>(px);
  velocity_ = 0;
}

PointerFrame Pointer::frame(int64_t now_ms) {
  PointerFrame f;
  const int64_t dt = last_frame_ms_ ? now_ms - last_frame_ms_ : kNominalFrameMs;
  last_frame_ms_ = now_ms;
  f.scroll_dy = drag_accum_ + wheel_px_;
  drag_accum_ = 0;
  wheel_px_ = 0;
  if (!touch_active_ && velocity_ != 0) {
    const float step_ms = static_cast<float>(dt > 0 ? (dt > kMaxInertiaStepMs ? kMaxInertiaStepMs : dt) : kNominalFrameMs);
    f.scroll_dy += velocity_ * step_ms;
    velocity_ *= std::exp(-step_ms / kInertiaTimeConstantMs);
    if (std::fabs(velocity_) < kMinVelocity) velocity_ = 0;
  }
  if (!events_.empty()) {
    const Event e = events_.front();
    events_.pop_front();
    x_ = e.x;
    y_ = e.y;
    down_ = e.down;
  } else if (!down_ && leave_after_release_) {
    x_ = kNoPointer;
    y_ = kNoPointer;
    leave_after_release_ = false;
  }
  f.x = x_;
  f.y = y_;
  f.down = down_;
  f.animating = velocity_ != 0 || !events_.empty() || leave_after_release_;
  return f;
}

}  // namespace bos::ui
