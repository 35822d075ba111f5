# Third-party code, all from Debian packages or .deps/ (filled by scripts/bootstrap):
#   bos::json    nlohmann/json 3.11 (nlohmann-json3-dev)
#   bos::catch2  Catch2 2.13 single header (catch2) + include(Catch) for catch_discover_tests
#   BOS_IMGUI_DIR  Dear ImGui 1.86 source (apt-get source imgui), wasm only
include_guard(GLOBAL)

set(BOS_DEPS_DIR "${CMAKE_SOURCE_DIR}/.deps" CACHE PATH "Fetched dependencies (scripts/bootstrap)")

if(EMSCRIPTEN)
  # The Emscripten sysroot hides /usr/include and -I/usr/include would pull glibc headers into wasm,
  # so expose only the two header-only libraries through symbolic links in the build tree.
  set(_sysinc "${CMAKE_BINARY_DIR}/sysinc")
  file(MAKE_DIRECTORY "${_sysinc}")
  foreach(_lib nlohmann catch2)
    if(NOT EXISTS "/usr/include/${_lib}")
      message(FATAL_ERROR "/usr/include/${_lib} is missing: run scripts/bootstrap")
    endif()
    if(NOT EXISTS "${_sysinc}/${_lib}")
      file(CREATE_LINK "/usr/include/${_lib}" "${_sysinc}/${_lib}" SYMBOLIC)
    endif()
  endforeach()
  add_library(bos_json INTERFACE)
  target_include_directories(bos_json SYSTEM INTERFACE "${_sysinc}")
  add_library(bos_catch2 INTERFACE)
  target_include_directories(bos_catch2 SYSTEM INTERFACE "${_sysinc}")
  # find_package(Catch2) fails under the toolchain (it confines package search to the sysroot).
  list(APPEND CMAKE_MODULE_PATH "/usr/lib/cmake/Catch2")
else()
  find_package(nlohmann_json 3.11 REQUIRED)
  find_package(Catch2 2.13 REQUIRED)
  add_library(bos_json INTERFACE)
  target_link_libraries(bos_json INTERFACE nlohmann_json::nlohmann_json)
  add_library(bos_catch2 INTERFACE)
  target_link_libraries(bos_catch2 INTERFACE Catch2::Catch2)
endif()
add_library(bos::json ALIAS bos_json)
add_library(bos::catch2 ALIAS bos_catch2)
include(Catch)

set(BOS_IMGUI_DIR "${BOS_DEPS_DIR}/imgui" CACHE PATH "Dear ImGui 1.86 source tree")
