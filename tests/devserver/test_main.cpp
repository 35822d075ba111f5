// The Catch2 runner for the dev server tests (native only).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
