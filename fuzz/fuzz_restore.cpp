// fuzz_restore: libFuzzer entry point: persisted outbox, history and identity blobs through their restore
// functions and a page load.
// The logic lives in targets.cpp (shared with the corpus replay test); see the input format there.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  bos::fuzz::run_restore(data, size);
  return 0;
}
