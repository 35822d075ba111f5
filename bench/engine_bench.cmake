# bos-engine-bench (see engine_bench.cpp), native or wasm. Included by bench/CMakeLists.txt, and by
# wasm-hook.cmake for a wasm configure while the top-level CMakeLists.txt adds bench/ to native builds only.
add_executable(bos-engine-bench "${CMAKE_CURRENT_LIST_DIR}/engine_bench.cpp")
target_include_directories(bos-engine-bench PRIVATE "${CMAKE_SOURCE_DIR}/src")
set_target_properties(bos-engine-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bench")
bos_warnings(bos-engine-bench)
if(EMSCRIPTEN)
  # The engine exactly as the browser app gets it (bos_core_app: no exceptions, JSON_NOEXCEPTION).
  target_link_libraries(bos-engine-bench PRIVATE bos_core_app)
  target_compile_options(bos-engine-bench PRIVATE -fno-exceptions)
  set_target_properties(bos-engine-bench PROPERTIES SUFFIX ".js")
  # Runs under Node and reads the frames file straight from the host file system.
  target_link_options(bos-engine-bench PRIVATE -sENVIRONMENT=node -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -fno-exceptions)
else()
  target_link_libraries(bos-engine-bench PRIVATE bos_core)
endif()
