# ctest rtl_lint: `verilator --lint-only -Wall` on every module of hw/rtl.
# cmake -DVERILATOR=... -DRTL_DIR=... -DSPEC_SV=... -DVLT=... -P LintRtl.cmake
# Each module of hw/rtl and hw/rtl/prim (hw/rtl/RtlSources.cmake) is linted
# as the top, with the generated SystemVerilog (SPEC_SV: one file or a list),
# every package of hw/rtl, its own file, and the rest as a library (-y: one
# module per file, named after it), so a finding is reported against the
# modules it concerns. Only the generated package's unused constants are
# waived (esp_lint.vlt).
set(ESP_SPEC_SV ${SPEC_SV})
include(${RTL_DIR}/RtlSources.cmake)
if(NOT ESP_RTL_MODULE_SOURCES)
  message(FATAL_ERROR "no .sv files in ${RTL_DIR}")
endif()
set(libs "")
foreach(d ${ESP_RTL_LIB_DIRS})
  list(APPEND libs -y ${d})
endforeach()
set(failed "")
set(n 0)
foreach(src ${ESP_RTL_MODULE_SOURCES})
  file(STRINGS ${src} decls REGEX "^[ \t]*module[ \t]+[A-Za-z_][A-Za-z0-9_$]*")
  foreach(d ${decls})
    string(REGEX REPLACE "^[ \t]*module[ \t]+([A-Za-z_][A-Za-z0-9_$]*).*" "\\1" top "${d}")
    math(EXPR n "${n} + 1")
    execute_process(
      COMMAND ${VERILATOR} --lint-only -Wall --top-module ${top} ${VLT} ${SPEC_SV} ${ESP_RTL_PKG_SOURCES} ${src} ${libs}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(rc)
      message("FAIL ${top}:\n${out}")
      list(APPEND failed ${top})
    else()
      message("ok   ${top}")
    endif()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "verilator --lint-only -Wall failed for: ${failed}")
endif()
message("verilator --lint-only -Wall: ${n} modules clean")
