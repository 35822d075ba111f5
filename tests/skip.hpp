// skip.hpp: BOS_SKIP("why") ends a Catch2 case that cannot run on this machine (Catch2 2.13 has no SKIP),
// and ctest reports it as skipped instead of passed: the runner (tests/catch_runner.hpp) exits with
// BOS_SKIP_RETURN_CODE when a case skipped and nothing failed, and every entry has that SKIP_RETURN_CODE
// (cmake/BosTesting.cmake). scripts/test counts skipped cases and shows them in its last line.
//
// Only for a precondition of the machine (no IPv6 loopback, say), checked for real before the call, never
// for a case that would fail. The reason goes to the log; the SUCCEED keeps -w NoAssertions quiet about a
// case that asserted nothing because it did not run (its ctest status says Skipped, never Passed).
#pragma once
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#ifndef BOS_SKIP_RETURN_CODE
#define BOS_SKIP_RETURN_CODE 77
#endif

namespace bos_test {

inline std::vector<std::string>& skipped_reasons() {
  static std::vector<std::string> reasons;
  return reasons;
}

// The process exit code: Catch2's (failed assertions, capped at 255), or the skip code when a case skipped
// and nothing failed. A run with exactly BOS_SKIP_RETURN_CODE failures must not read as skipped.
inline int exit_code(int catch_result) {
  if (catch_result == BOS_SKIP_RETURN_CODE) return catch_result + 1;
  if (catch_result == 0 && !skipped_reasons().empty()) return BOS_SKIP_RETURN_CODE;
  return catch_result;
}

}  // namespace bos_test

#define BOS_SKIP(reason)                                   \
  do {                                                     \
    const std::string bos_skip_reason_ = (reason);         \
    ::bos_test::skipped_reasons().push_back(bos_skip_reason_); \
    WARN("SKIPPED: " << bos_skip_reason_);                 \
    SUCCEED("skipped");                                    \
    return;                                                \
  } while (0)
