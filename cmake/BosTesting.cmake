# How every test reaches ctest (docs/testing.md, "Every pass runs a case that can fail"):
#   bos_catch_discover_tests(target PREFIX p [SERIAL regex] [PROPERTIES ...])
#       one ctest entry per Catch2 case, named p + the case's name. The binary links bos_catch_main
#       (tests/CMakeLists.txt): its main() is tests/catch_runner.hpp, which turns on Catch2's NoTests (a spec that matches no case fails: Catch2
#       2.13 alone exits 0) and NoAssertions (a case, or a leaf section, that asserts nothing fails)
#       warnings: Catch2 2.13's command line takes a single -w, so `EXTRA_ARGS -w NoTests -w NoAssertions`
#       is refused ("Unrecognised token: -w"). A case that called BOS_SKIP (tests/skip.hpp) is reported
#       as skipped (exit code BOS_SKIP_RETURN_CODE). Cases whose full ctest name matches SERIAL get
#       RUN_SERIAL (timing-sensitive: nothing else runs beside them).
#   bos_add_script_test(NAME n COMMAND ...)
#       a test that is not a Catch2 case (a repository check, a script's own test): labelled "script".
# Once the whole tree is configured, rules.ctest-matches-catch2 is added: the ctest list equals what
# each registered binary's --list-test-names-only prints (tests/rules/ctest_matches_catch2.py).
include_guard(GLOBAL)

set(BOS_SKIP_RETURN_CODE 77)  # tests/skip.hpp returns it; keep the two in step
# Debian's python3 (scripts/bootstrap's machine), as scripts/test uses it; any python3 3.9+ elsewhere.
find_program(BOS_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
find_program(BOS_PYTHON3 NAMES python3 NO_CMAKE_FIND_ROOT_PATH REQUIRED)

function(bos_catch_discover_tests target)
  cmake_parse_arguments(ARG "" "PREFIX;SERIAL" "PROPERTIES" ${ARGN})
  target_compile_definitions(${target} PRIVATE BOS_SKIP_RETURN_CODE=${BOS_SKIP_RETURN_CODE})
  catch_discover_tests(${target} TEST_PREFIX "${ARG_PREFIX}"
    PROPERTIES SKIP_RETURN_CODE ${BOS_SKIP_RETURN_CODE} ${ARG_PROPERTIES})
  if(ARG_SERIAL)
    # Runs after the discovered tests are included (TEST_INCLUDE_FILES keeps its order), when
    # ${target}_TESTS lists them.
    set(_serial "${CMAKE_CURRENT_BINARY_DIR}/${target}_serial.cmake")
    file(WRITE "${_serial}"
      "foreach(_t IN LISTS ${target}_TESTS)\n"
      "  if(_t MATCHES [==[${ARG_SERIAL}]==])\n"
      "    set_tests_properties(\"\${_t}\" PROPERTIES RUN_SERIAL TRUE)\n"
      "  endif()\n"
      "endforeach()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${_serial}")
  endif()
  set_property(GLOBAL APPEND PROPERTY BOS_CATCH_BINARIES "--binary=$<TARGET_FILE:${target}>=${ARG_PREFIX}")
endfunction()

function(bos_add_script_test)
  cmake_parse_arguments(ARG "" "NAME" "COMMAND" ${ARGN})
  add_test(NAME "${ARG_NAME}" COMMAND ${ARG_COMMAND} WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}")
  set_tests_properties("${ARG_NAME}" PROPERTIES LABELS script TIMEOUT 120)
endfunction()

# Called at the end of the top-level CMakeLists.txt, so it sees every binary registered in any directory.
function(bos_add_catch_guard)
  get_property(_binaries GLOBAL PROPERTY BOS_CATCH_BINARIES)
  set(_emulator "")
  foreach(_arg IN LISTS CMAKE_CROSSCOMPILING_EMULATOR)
    list(APPEND _emulator "--emulator-arg=${_arg}")
  endforeach()
  add_test(NAME rules.ctest-matches-catch2
    COMMAND "${BOS_PYTHON3}" "${CMAKE_SOURCE_DIR}/tests/rules/ctest_matches_catch2.py"
            --build-dir "${CMAKE_BINARY_DIR}" --ctest "${CMAKE_CTEST_COMMAND}"
            --skip-return-code ${BOS_SKIP_RETURN_CODE} ${_emulator} ${_binaries}
    WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
  set_tests_properties(rules.ctest-matches-catch2 PROPERTIES LABELS script TIMEOUT 120)
endfunction()
