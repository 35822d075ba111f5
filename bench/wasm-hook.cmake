# wasm-hook.cmake: scripts/bench configures its own wasm build dir (build/bench-wasm) with
# -DCMAKE_PROJECT_INCLUDE=<this file>, which adds bos-engine-bench (wasm) at the end of the top-level
# CMakeLists.txt, once the engine targets exist. The top-level file adds bench/ to native builds only;
# if it ever adds it to the wasm branch too, the target exists already and this does nothing.
if(EMSCRIPTEN)
  function(bos_bench_add_for_wasm)
    if(NOT TARGET bos-engine-bench)
      include("${CMAKE_SOURCE_DIR}/bench/engine_bench.cmake")
    endif()
  endfunction()
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL bos_bench_add_for_wasm)
endif()
