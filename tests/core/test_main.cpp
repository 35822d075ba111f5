// The Catch2 runner for the engine and app tests (native and wasm): see tests/catch_runner.hpp.
#include "../catch_runner.hpp"  // relative: any test binary can use this main, whatever its include path
