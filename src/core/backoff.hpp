// backoff.hpp: reconnect delays as a pure function, and the engine's deterministic random source.
// Full jitter applied after the cap (AWS "Exponential Backoff And Jitter"): every client picks a fresh
// uniform delay in [floor, min(cap, base * 2^(attempt-1))], so a fleet never retries in step and the
// arithmetic never overflows, however many attempts have failed.
#pragma once
#include <cstdint>

namespace bos {

struct ReconnectPolicy {
  int64_t base_ms = 1000;
  int64_t cap_ms = 30000;
  int64_t floor_ms = 100;           // never retry in a tight loop, even when the jitter draws 0
  int attempts_before_failed = 5;   // "Reconectando... (n/5)", then `failed` (still retrying at the cap)
  int64_t stable_after_ms = 5000;   // the attempt counter resets only after a connection stayed up this long
};

// splitmix64: small, fast, good enough for jitter and ids; the state is plain data.
uint64_t next_random(uint64_t& state);
// Uniform in [lo, hi] (inclusive); lo <= hi.
int64_t random_between(uint64_t& state, int64_t lo, int64_t hi);

// min(cap, base * 2^(attempt-1)) for attempt >= 1; attempt <= 0 gives 0.
int64_t backoff_ceiling_ms(int attempt, const ReconnectPolicy& policy);
// The delay before reconnection attempt `attempt` (1-based).
int64_t backoff_delay_ms(int attempt, uint64_t& rng_state, const ReconnectPolicy& policy);

}  // namespace bos
