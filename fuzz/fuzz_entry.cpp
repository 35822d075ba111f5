// fuzz_entry.cpp: the libFuzzer entry point of every target, built once per target with
// BOS_FUZZ_RUN set to its run_* function (fuzz/CMakeLists.txt): fuzz_frame runs run_frame, and so on.
// The logic lives in targets.cpp (shared with the corpus replay test); see the input formats there.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

#ifndef BOS_FUZZ_RUN
#error "BOS_FUZZ_RUN names the target's run function (set by fuzz/CMakeLists.txt)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  bos::fuzz::BOS_FUZZ_RUN(data, size);
  return 0;
}
