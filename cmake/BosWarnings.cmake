# Warnings for our own targets (never for third-party sources).
include_guard(GLOBAL)
function(bos_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports std::variant's move constructor as "maybe uninitialized" at -O2 (GCC PR 105593-like).
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
