// targets.hpp: the per-input logic of the libFuzzer targets, shared by the fuzzers (fuzz_*.cpp) and the
// corpus replay in the engine tests (tests/core/fuzz_replay_test.cpp), so the committed corpus is checked
// by exactly the code that grew it.
//
// Each run_* takes one input, drives the engine with it and checks invariants (not merely "no crash").
// A violated invariant calls the failure handler: by default it prints what broke and traps, which
// libFuzzer reports as a crash; the replay test installs one that throws, so Catch2 names the file.
// Input formats are described in targets.cpp, next to the code that reads them.
// Must not include libFuzzer or Catch2 headers; the engine is used only through src/core's headers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace bos::fuzz {

// Called with where and what broke. It must not return (throw, abort or trap).
using FailureHandler = void (*)(const char* file, int line, const std::string& what);
// nullptr restores the default (print to stderr, __builtin_trap).
void set_failure_handler(FailureHandler handler);

// One server text frame through parse_server_frame and through a live Engine, with engine actions chosen
// by the input between further frames (see the format in targets.cpp).
void run_frame(const uint8_t* data, std::size_t size);
// Persisted outbox / history / identity blobs through Outbox::restore, ChatModel::restore,
// parse_identity and Engine::restore + start, then delivery of everything restored.
void run_restore(const uint8_t* data, std::size_t size);
// utf8::decode/append/is_valid/count_codepoints/repair/trim/truncate against reference implementations.
void run_utf8(const uint8_t* data, std::size_t size);

// The fast boundary targets: parse_server_frame alone (fuzz_parse), and the three restore functions alone
// (fuzz_load, fuzz_restore's input format); same checks as run_frame's and run_restore's first steps.
void run_parse(const uint8_t* data, std::size_t size);
void run_load(const uint8_t* data, std::size_t size);

struct Target {
  const char* name;  // the fuzzer's name: fuzz_<name>, corpus in fuzz/corpus/<name>/
  void (*run)(const uint8_t* data, std::size_t size);
};
inline constexpr Target kTargets[] = {
    {"frame", run_frame},
    {"restore", run_restore},
    {"utf8", run_utf8},
    {"parse", run_parse},
    {"load", run_load},
};

}  // namespace bos::fuzz
