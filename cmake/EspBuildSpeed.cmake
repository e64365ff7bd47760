# What makes the three cold builds of `make test` cheaper in CPU time,
# without changing what is compiled, with which flags, or what is tested.
#
# ESP_UNITY_BUILD (ON): unity builds (CMake UNITY_BUILD, BATCH mode) for the
#   GoogleTest executables (esp_gtest) and the libraries of sw_runtime/,
#   ike/ and tests/ref (esp_unity()): each batch of ESP_UNITY_BATCH sources
#   is one compiler run, so the headers (gtest, the standard library,
#   nlohmann/json, OpenSSL) are parsed and their templates instantiated and
#   compiled once per batch instead of once per file. Sources of one batch
#   share one translation unit: file-local helpers (anonymous namespaces,
#   static functions) have names unique within their target.
# ESP_PCH (ON): precompiled headers. One per build tree for every
#   esp_gtest executable (gtest and the standard headers the tests include,
#   ESP_GTEST_PCH_HEADERS), built once by the target esp_gtest_pch and
#   reused (REUSE_FROM) by all of them: they share its flags (executables:
#   -fPIE, the tree's sanitizer and optimisation flags, esp_warnings).
# Either can be turned off (-DESP_UNITY_BUILD=OFF / -DESP_PCH=OFF) to check
# that every source still compiles on its own.
#
# Measured (cold build/asan as make test configures it, CCACHE_DISABLE=1,
# -j2 under nice -n 10 on the shared 2-core machine): user+sys 1745 s before,
# 1192 s with both (-32%); 312 build steps before, 154 after. build/tsan
# (target esp_tsan_tests): 206 s before, 161 s after (-22%).
#
# A source that cannot share a translation unit with the others of its
# target (a file-local name defined twice, a local declaration that
# -Wshadow's a file-local one of another file, conflicting system headers,
# anonymous-namespace types as members or bases of external classes, which
# -Wsubobject-linkage reports outside the main file) either gets its helper
# renamed or is kept out of the batches with SKIP_UNITY_BUILD_INCLUSION, next
# to its target.
option(ESP_UNITY_BUILD "Unity builds for the test executables and the sw_runtime / ike / ref libraries" ON)
option(ESP_PCH "A precompiled header (gtest + standard headers) shared by the test executables" ON)
set(ESP_UNITY_BATCH 8 CACHE STRING "Sources per unity batch (0: one per target)")

# With ccache as the compiler launcher, a source compiled with a
# precompiled header is cached only with these sloppiness settings
# (ccache's manual, "Precompiled headers"); without them ccache compiles it
# every time. Only this project's compiler runs see the setting.
if(ESP_PCH)
  foreach(_lang C CXX)
    if(CMAKE_${_lang}_COMPILER_LAUNCHER MATCHES "ccache" AND NOT CMAKE_${_lang}_COMPILER_LAUNCHER MATCHES "SLOPPINESS")
      set(CMAKE_${_lang}_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
          "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
          ${CMAKE_${_lang}_COMPILER_LAUNCHER})
    endif()
  endforeach()
  unset(_lang)
endif()

# esp_unity(target...): a unity build for these targets (ESP_UNITY_BUILD).
function(esp_unity)
  if(NOT ESP_UNITY_BUILD)
    return()
  endif()
  foreach(t ${ARGN})
    set_target_properties(${t} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE BATCH
                          UNITY_BUILD_BATCH_SIZE ${ESP_UNITY_BATCH})
  endforeach()
endfunction()
