// fuzz_utf8: libFuzzer entry point: the UTF-8 helpers against reference implementations.
// The logic lives in targets.cpp (shared with the corpus replay test); see the input format there.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  bos::fuzz::run_utf8(data, size);
  return 0;
}
