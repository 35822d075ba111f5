// backoff.cpp: see backoff.hpp.
#include "core/backoff.hpp"

#include <algorithm>

namespace bos {

uint64_t next_random(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t random_between(uint64_t& state, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(next_random(state) % span);
}

int64_t backoff_ceiling_ms(int attempt, const ReconnectPolicy& policy) {
  if (attempt <= 0) return 0;
  const int64_t base = std::max<int64_t>(policy.base_ms, 0);
  const int64_t cap = std::max<int64_t>(policy.cap_ms, 0);
  int64_t ceiling = base;
  // Double until the cap; stops long before the shift or the product could overflow.
  for (int i = 1; i < attempt && i < 64 && ceiling < cap; ++i) ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  return std::min(ceiling, cap);
}

int64_t backoff_delay_ms(int attempt, uint64_t& rng_state, const ReconnectPolicy& policy) {
  const int64_t ceiling = backoff_ceiling_ms(attempt, policy);
  const int64_t floor = std::clamp<int64_t>(policy.floor_ms, 0, ceiling);
  return random_between(rng_state, floor, ceiling);
}

}  // namespace bos
