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
# Conversely, the sanitizer builds (ESP_TESTS_ONLY, whose stages run only
# the labels unit and tsan) neither build nor register an executable with
# only other labels (peer, scale, alloc...: the optimised stage runs those).
#
# Every esp_gtest executable is a unity build (ESP_UNITY_BUILD) and uses the
# tree's one precompiled header (ESP_PCH), cmake/EspBuildSpeed.cmake.
include(GoogleTest)
add_custom_target(esp_tsan_tests)

# The headers of the shared precompiled header: gtest, nlohmann/json (the
# heaviest header, included by the tests of ike/ctl, dp, sa, ref and hls_gcm)
# and the standard headers most test sources include.
set(ESP_GTEST_PCH_HEADERS
  <gtest/gtest.h> <nlohmann/json.hpp>
  <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <functional> <map> <memory>
  <optional> <random> <set> <sstream> <stdexcept> <string> <thread> <unordered_map> <vector>)

# The target that builds the precompiled header (an executable of its own,
# so that its flags are those of the test executables; it runs nothing).
function(_esp_gtest_pch_host)
  if(TARGET esp_gtest_pch)
    return()
  endif()
  set(src ${CMAKE_BINARY_DIR}/esp_gtest_pch.cpp)
  if(NOT EXISTS ${src})
    file(WRITE ${src} "// The host of the test executables' precompiled header (cmake/EspTesting.cmake).\n")
  endif()
  add_executable(esp_gtest_pch ${src})
  target_link_libraries(esp_gtest_pch PRIVATE GTest::gtest GTest::gmock GTest::gtest_main nlohmann_json::nlohmann_json)
  esp_warnings(esp_gtest_pch)
  target_precompile_headers(esp_gtest_pch PRIVATE ${ESP_GTEST_PCH_HEADERS})
endfunction()

function(esp_gtest name)
  cmake_parse_arguments(T "" "TIMEOUT;TSAN_FILTER" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  esp_warnings(${name})
  esp_unity(${name})
  if(ESP_PCH)
    _esp_gtest_pch_host()
    target_precompile_headers(${name} REUSE_FROM esp_gtest_pch)
  endif()
  if(T_TSAN_FILTER AND ESP_SANITIZER STREQUAL "thread")
    list(APPEND T_ARGS "--gtest_filter=${T_TSAN_FILTER}")
  endif()
  if(NOT ESP_UNIT_TESTS AND ("unit" IN_LIST T_LABELS OR "tsan" IN_LIST T_LABELS))
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  if(ESP_TESTS_ONLY AND NOT ("unit" IN_LIST T_LABELS OR "tsan" IN_LIST T_LABELS))
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
