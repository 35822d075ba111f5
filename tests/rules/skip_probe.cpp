// skip_probe.cpp: a Catch2 binary for tests/rules/skip_test.py only (never discovered into ctest): one case
// per behaviour of the runner that ctest relies on. Not product tests: each case exists to be run by name.
#include <catch2/catch.hpp>

#include <string>

#include "../skip.hpp"  // main() is bos_catch_main's (tests/catch_runner.hpp)

TEST_CASE("probe: skips") { BOS_SKIP("the probe's precondition is missing"); }

TEST_CASE("probe: passes") { CHECK(std::string("ab").size() == 2); }

TEST_CASE("probe: fails") { CHECK(std::string("a") == "b"); }

TEST_CASE("probe: asserts nothing") { (void)std::string("nothing checked"); }

TEST_CASE("probe: a section asserts nothing") {
  SECTION("checked") { CHECK(std::string("a") < "b"); }
  SECTION("unchecked") { (void)std::string("nothing checked"); }
}
