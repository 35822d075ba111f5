// page_facts_main.cpp: bos_page_facts, a build tool. Writes the page's generated facts (see page_facts.hpp):
//   bos_page_facts OUT/facts.js OUT/theme.css
// Run natively in the native build and under Node (NODERAWFS) in the wasm build.
#include <cstdio>
#include <string>

#include "app/page_facts.hpp"

namespace {
bool write_file(const char* path, const std::string& text) {
  std::FILE* f = std::fopen(path, "wb");
  if (!f) {
    std::fprintf(stderr, "bos_page_facts: cannot write %s\n", path);
    return false;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bos_page_facts FACTS_JS THEME_CSS\n");
    return 2;
  }
  return write_file(argv[1], bos::app::page_facts_js()) && write_file(argv[2], bos::app::page_theme_css()) ? 0 : 1;
}
