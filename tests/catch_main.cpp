// The main() of every Catch2 test binary (tests/catch_runner.hpp), compiled once per preset and exception
// mode into bos_catch_main / bos_catch_main_noexcept (tests/CMakeLists.txt).
#include "catch_runner.hpp"
