// Fuzz corpus replay: every committed input in fuzz/corpus/<target>/ goes through the same code the
// libFuzzer targets run (fuzz/targets.cpp), whose invariant checks throw here instead of trapping, so a
// regression names the file and the invariant. Natively and as wasm under Node (-sNODERAWFS=1: the source
// tree is read through plain POSIX calls). scripts/fuzz grows and minimizes the corpus.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"

namespace {

#if defined(__cpp_exceptions)
struct InvariantViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_violation(const char* file, int line, const std::string& what) {
  throw InvariantViolation(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

// Installs the throwing failure handler for the scope of one test.
struct ThrowOnViolation {
  ThrowOnViolation() { bos::fuzz::set_failure_handler(throw_violation); }
  ~ThrowOnViolation() { bos::fuzz::set_failure_handler(nullptr); }
};
#else
// The shipped build (wasm.shipped.*, no exceptions): the first violation fails the case at once, naming
// the input (Catch2 without exceptions terminates on a failed REQUIRE/FAIL, which fails the case).
std::string g_current_input;

[[noreturn]] void fail_violation(const char* file, int line, const std::string& what) {
  FAIL(g_current_input << "\n" << file << ":" << line << ": " << what);
  std::abort();
}

struct ThrowOnViolation {
  ThrowOnViolation() { bos::fuzz::set_failure_handler(fail_violation); }
  ~ThrowOnViolation() { bos::fuzz::set_failure_handler(nullptr); }
};
#endif

std::vector<std::string> corpus_files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replays one target's corpus; returns how many files ran.
std::size_t replay(const char* name) {
  const auto target = std::find_if(std::begin(bos::fuzz::kTargets), std::end(bos::fuzz::kTargets),
                                   [&](const bos::fuzz::Target& t) { return std::string(t.name) == name; });
  REQUIRE(target != std::end(bos::fuzz::kTargets));
  const std::string dir = std::string(BOS_SOURCE_DIR) + "/fuzz/corpus/" + name;
  const auto files = corpus_files(dir);
  INFO("corpus " << dir);
  REQUIRE_FALSE(files.empty());  // a missing corpus must fail loudly, not pass with nothing replayed
  ThrowOnViolation guard;
  std::size_t replayed = 0;
  for (const auto& file : files) {
    const std::string bytes = read_bytes(dir + "/" + file);
#if defined(__cpp_exceptions)
    try {
      target->run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    } catch (const InvariantViolation& e) {
      FAIL_CHECK("fuzz/corpus/" << name << "/" << file << " (reproduce: build/fuzz/fuzz/fuzz_" << name << " "
                                << dir << "/" << file << ")\n" << e.what());
    }
#else
    g_current_input = "fuzz/corpus/" + std::string(name) + "/" + file;
    target->run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++replayed;
#endif
  }
  CHECK(replayed == files.size());
  return replayed;
}

}  // namespace

TEST_CASE("fuzz corpus replay: frame (server frames through the parser and a live engine)", "[fuzz]") {
  CHECK(replay("frame") > 0);
}

TEST_CASE("fuzz corpus replay: restore (stored outbox, history and identity through a page load)", "[fuzz]") {
  CHECK(replay("restore") > 0);
}

TEST_CASE("fuzz corpus replay: utf8 (the UTF-8 helpers against reference implementations)", "[fuzz]") {
  CHECK(replay("utf8") > 0);
}

TEST_CASE("fuzz corpus replay: parse (server frames through parse_server_frame alone)", "[fuzz]") {
  CHECK(replay("parse") > 0);
}

TEST_CASE("fuzz corpus replay: load (stored outbox, history and identity through their restore functions)", "[fuzz]") {
  CHECK(replay("load") > 0);
}
