// Reconnect backoff: full jitter after the cap, overflow-safe, deterministic for a seed.
#include <catch2/catch.hpp>

#include <limits>
#include <set>

#include "core/backoff.hpp"

using bos::ReconnectPolicy;

TEST_CASE("backoff ceiling doubles from the base and stops at the cap", "[backoff]") {
  const ReconnectPolicy policy;  // base 1 s, cap 30 s
  const auto [attempt, ceiling] = GENERATE(table<int, int64_t>({
      {0, 0}, {1, 1000}, {2, 2000}, {3, 4000}, {4, 8000}, {5, 16000}, {6, 30000}, {7, 30000},
      {64, 30000}, {1000, 30000}, {std::numeric_limits<int>::max(), 30000}, {-5, 0},
  }));
  CAPTURE(attempt);
  CHECK(bos::backoff_ceiling_ms(attempt, policy) == ceiling);
}

TEST_CASE("backoff ceiling never overflows with huge bases and caps", "[backoff]") {
  const ReconnectPolicy policy{.base_ms = std::numeric_limits<int64_t>::max() / 3,
                               .cap_ms = std::numeric_limits<int64_t>::max()};
  for (int attempt : {1, 2, 3, 10, 63, 64, 100000}) {
    const auto c = bos::backoff_ceiling_ms(attempt, policy);
    CAPTURE(attempt);
    CHECK(c >= policy.base_ms);
    CHECK(c <= policy.cap_ms);
  }
}

TEST_CASE("backoff delay is drawn in [floor, ceiling] with jitter applied after the cap", "[backoff]") {
  const ReconnectPolicy policy;
  uint64_t rng = 42;
  for (int attempt = 1; attempt <= 40; ++attempt) {
    std::set<int64_t> seen;
    for (int i = 0; i < 200; ++i) {
      const auto d = bos::backoff_delay_ms(attempt, rng, policy);
      REQUIRE(d >= policy.floor_ms);
      REQUIRE(d <= bos::backoff_ceiling_ms(attempt, policy));
      seen.insert(d);
    }
    // At the cap the delays still spread out (socket.io's backo2 returns exactly 5000 from attempt 5 on).
    CAPTURE(attempt);
    CHECK(seen.size() > 150);
  }
}

TEST_CASE("backoff delay at the cap averages about half the cap", "[backoff]") {
  const ReconnectPolicy policy;
  uint64_t rng = 7;
  int64_t sum = 0;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) sum += bos::backoff_delay_ms(50, rng, policy);
  const double mean = static_cast<double>(sum) / kDraws;
  CHECK(mean == Approx(15050.0).epsilon(0.03));
}

TEST_CASE("the random source is deterministic for a seed", "[backoff]") {
  uint64_t a = 123, b = 123, c = 124;
  for (int i = 0; i < 10; ++i) {
    const auto x = bos::next_random(a);
    CHECK(x == bos::next_random(b));
    CHECK(x != bos::next_random(c));
  }
}

TEST_CASE("random_between covers both ends and handles an empty range", "[backoff]") {
  uint64_t rng = 1;
  bool lo = false, hi = false;
  for (int i = 0; i < 1000; ++i) {
    const auto v = bos::random_between(rng, 3, 5);
    REQUIRE(v >= 3);
    REQUIRE(v <= 5);
    lo = lo || v == 3;
    hi = hi || v == 5;
  }
  CHECK(lo);
  CHECK(hi);
  CHECK(bos::random_between(rng, 9, 9) == 9);
  CHECK(bos::random_between(rng, 9, 2) == 9);
}
