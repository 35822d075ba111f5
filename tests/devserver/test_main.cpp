// The Catch2 runner for the dev server tests (native only): see tests/catch_runner.hpp.
#include "../catch_runner.hpp"  // not on the include path: tests/support would shadow support/
