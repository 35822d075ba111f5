// deadline.hpp: timers are deadlines in state (wall-clock ms, from the `now` the platform passes in),
// checked in tick(); kNever is a deadline that is not armed. No clock here either.
#pragma once
#include <cstdint>

namespace bos {

inline constexpr int64_t kNever = INT64_MAX;

// now + delay, saturating at kNever: a huge configured delay never wraps into the past.
constexpr int64_t deadline_after(int64_t now_ms, int64_t delay_ms) {
  return (delay_ms > 0 && now_ms > kNever - delay_ms) ? kNever : now_ms + delay_ms;
}

}  // namespace bos
