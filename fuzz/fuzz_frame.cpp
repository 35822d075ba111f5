// fuzz_frame: libFuzzer entry point: one server text frame through the parser and a live engine, with
// engine actions chosen by the input between further frames.
// The logic lives in targets.cpp (shared with the corpus replay test); see the input format there.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  bos::fuzz::run_frame(data, size);
  return 0;
}
