// imgui_test_config.hpp: IMGUI_USER_CONFIG of the native Dear ImGui build, which only the ui tests use.
// A broken ImGui contract (an unbalanced Push/Pop, an empty id at a window's root, ...) fails the test that
// caused it instead of being compiled out by NDEBUG.
#pragma once
#include <stdexcept>
#include <string>

[[noreturn]] inline void bos_imgui_assert_failed(const char* expr, const char* file, int line) {
  throw std::logic_error(std::string("IM_ASSERT failed: ") + expr + " (" + file + ":" + std::to_string(line) + ")");
}
#define IM_ASSERT(_EXPR) ((_EXPR) ? (void)0 : bos_imgui_assert_failed(#_EXPR, __FILE__, __LINE__))
