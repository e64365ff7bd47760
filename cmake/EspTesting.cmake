# esp_gtest(NAME SOURCES a.cpp ... LIBS x y LABELS unit [ARGS ...]
#           [TSAN_FILTER gtest-filter])
# One GoogleTest executable = one ctest test (its own summary in the log).
# TSAN_FILTER: in the ThreadSanitizer build (ESP_SANITIZE=thread) the test
# runs only the tests the filter selects (--gtest_filter): the ones with
# threads, not single-threaded work that TSan only slows down.
#
# Labels: `unit` runs in make test's ASan+UBSan stage, `tsan` in its
# ThreadSanitizer stage (build/tsan, `ctest -L tsan`), anything else in the
# optimised stage. A test labelled tsan is added to the target
# esp_tsan_tests, which is all the TSan stage builds: a tsan test must be an
# esp_gtest (or add its executable to esp_tsan_tests itself).
#
# With ESP_UNIT_TESTS=OFF (make test's optimised build, whose stage runs no
# unit/tsan test) an executable labelled unit or tsan is neither built by
# `all` nor registered with ctest; a test of another label that runs such an
# executable (e.g. its cosim instances) calls esp_gtest_reuse(<executable>).
include(GoogleTest)
add_custom_target(esp_tsan_tests)
function(esp_gtest name)
  cmake_parse_arguments(T "" "TIMEOUT;TSAN_FILTER" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  esp_warnings(${name})
  if(T_TSAN_FILTER AND ESP_SANITIZER STREQUAL "thread")
    list(APPEND T_ARGS "--gtest_filter=${T_TSAN_FILTER}")
  endif()
  if(NOT ESP_UNIT_TESTS AND ("unit" IN_LIST T_LABELS OR "tsan" IN_LIST T_LABELS))
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  if("tsan" IN_LIST T_LABELS)
    add_dependencies(esp_tsan_tests ${name})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "ESP_SOURCE_DIR=${CMAKE_SOURCE_DIR};ESP_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# A test that runs the executable of an esp_gtest under another label: it is
# built by `all` even when ESP_UNIT_TESTS is OFF.
function(esp_gtest_reuse target)
  set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL FALSE)
endfunction()
