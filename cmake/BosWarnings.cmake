# Warnings for our own targets (never for third-party sources).
include_guard(GLOBAL)
function(bos_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()
