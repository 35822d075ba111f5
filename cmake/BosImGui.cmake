# Dear ImGui 1.86 from .deps/imgui (scripts/bootstrap: apt-get source imgui), built once per preset as
# bos_imgui: the core, without a platform backend (the app feeds input itself: src/ui/pointer.hpp).
#   wasm:   the browser app's, with the OpenGL ES 3 renderer (WebGL2); -fno-exceptions -Oz, which also
#           reaches everything that links it (the chat view and wasm/), as the size budget assumes.
#   native: the ui tests' (tests/ui), headless: IMGUI_ENABLE_TEST_ENGINE reports every item's rectangle
#           to the test harness, and IM_ASSERT throws (tests/ui/imgui_test_config.hpp) so a broken ImGui
#           contract fails the test instead of vanishing under NDEBUG.
include_guard(GLOBAL)

set(BOS_WASM_RELEASE_FLAGS -Oz)  # the app's size-over-speed choice (docs/performance.md)

if(NOT EXISTS "${BOS_IMGUI_DIR}/imgui.cpp")
  message(FATAL_ERROR "Dear ImGui source not found in ${BOS_IMGUI_DIR}: run scripts/bootstrap")
endif()

set(_bos_imgui_sources imgui.cpp imgui_draw.cpp imgui_tables.cpp imgui_widgets.cpp)
if(EMSCRIPTEN)
  list(APPEND _bos_imgui_sources backends/imgui_impl_opengl3.cpp)
endif()
list(TRANSFORM _bos_imgui_sources PREPEND "${BOS_IMGUI_DIR}/")
add_library(bos_imgui STATIC ${_bos_imgui_sources})
target_include_directories(bos_imgui SYSTEM PUBLIC "${BOS_IMGUI_DIR}" "${BOS_IMGUI_DIR}/backends")
target_compile_definitions(bos_imgui PUBLIC
  IMGUI_DISABLE_FILE_FUNCTIONS IMGUI_DISABLE_OBSOLETE_FUNCTIONS IMGUI_USE_WCHAR32
  IMGUI_DISABLE_DEMO_WINDOWS IMGUI_DISABLE_DEBUG_TOOLS)
if(EMSCRIPTEN)
  target_compile_definitions(bos_imgui PUBLIC IMGUI_IMPL_OPENGL_ES3)
  target_compile_options(bos_imgui PUBLIC -fno-exceptions ${BOS_WASM_RELEASE_FLAGS})
else()
  target_compile_definitions(bos_imgui PUBLIC IMGUI_ENABLE_TEST_ENGINE
    "IMGUI_USER_CONFIG=\"${CMAKE_SOURCE_DIR}/tests/ui/imgui_test_config.hpp\"")
endif()
