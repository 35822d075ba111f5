// catch_runner.hpp: the main() of every Catch2 test binary, compiled once per preset (tests/catch_main.cpp,
// the bos_catch_main library of tests/CMakeLists.txt, which every test binary links). Catch2's own runner, plus:
//   - both of Catch2's warnings, always: NoTests (a test spec that matches no case fails; Catch2 2.13
//     alone prints "No test cases matched" and exits 0) and NoAssertions (a case, or a leaf section, that
//     asserts nothing fails). Set here because Catch2 2.13's command line takes one -w only: a second -w
//     is "Unrecognised token: -w". Extra -w options on the command line still add to these.
//   - the skip exit code of tests/skip.hpp.
#pragma once
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "skip.hpp"

int main(int argc, char* argv[]) {
  Catch::Session session;
  session.configData().warnings =
      static_cast<Catch::WarnAbout::What>(Catch::WarnAbout::NoTests | Catch::WarnAbout::NoAssertions);
  const int parsed = session.applyCommandLine(argc, argv);
  if (parsed != 0) return parsed;
  const int result = session.run();
  for (const auto& reason : bos_test::skipped_reasons()) std::printf("skipped: %s\n", reason.c_str());
  return bos_test::exit_code(result);
}
