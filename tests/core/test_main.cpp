// The Catch2 runner for the engine tests (native and wasm).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
