// replay_main.cpp: runs corpus files through the fuzz targets without libFuzzer, for line coverage of the
// engine (built as fuzz_coverage with -fprofile-instr-generate; scripts/fuzz --coverage runs it).
//
//   fuzz_coverage TARGET DIR [TARGET DIR]...     e.g. fuzz_coverage frame fuzz/corpus/frame utf8 fuzz/corpus/utf8
#include <dirent.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/targets.hpp"

int main(int argc, char** argv) {
  if (argc < 3 || argc % 2 == 0) {
    std::fprintf(stderr, "usage: %s TARGET DIR [TARGET DIR]...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const bos::fuzz::Target* target = nullptr;
    for (const auto& t : bos::fuzz::kTargets) {
      if (std::strcmp(t.name, argv[i]) == 0) target = &t;
    }
    DIR* dir = target ? ::opendir(argv[i + 1]) : nullptr;
    if (!dir) {
      std::fprintf(stderr, "%s: unknown target or unreadable directory: %s %s\n", argv[0], argv[i], argv[i + 1]);
      return 2;
    }
    int files = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream in(std::string(argv[i + 1]) + "/" + e->d_name, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      target->run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++files;
    }
    ::closedir(dir);
    std::printf("%s: %d files\n", target->name, files);
  }
  return 0;
}
