# Warnings for our own targets (never for third-party sources).
#   BOS_WERROR=ON makes them errors. scripts/test turns it on for its builds (the CI builds); a developer's
#   own `cmake --preset native` keeps warnings as warnings unless asked (-DBOS_WERROR=ON).
include_guard(GLOBAL)
option(BOS_WERROR "Treat compiler warnings in our own targets as errors (scripts/test turns it on)" OFF)
function(bos_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports std::variant's move constructor as "maybe uninitialized" at -O2 (GCC PR 105593-like).
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(BOS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
