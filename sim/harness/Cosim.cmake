# The cosim backend: esp_engine's RTL verilated (Debian's verilator 5.006),
# the C++ harness (sim/harness) and the backend itself
# (sim/harness/cosim_device.cpp), a library of its own that registers "cosim"
# with the driver. Included by sw_driver/CMakeLists.txt once esp_driver_core
# exists; esp_driver links esp_cosim whole-archive when ESP_COSIM_BUILT.
#
#   ESP_WITH_COSIM      build it (default: ON when verilator is found)
#   ESP_COSIM_DATAPATH  register "cosim" in driver::available_backends(), so
#                       that the equivalence suite, the cli tests and the tools
#                       run on it (default ON: hw/rtl is the whole engine).
#
# Targets: esp_cosim_model (verilated Vesp_engine), esp_cosim_harness,
# esp_cosim (the backend; public header esp/driver/cosim.hpp), test
# `rtl_lint` (label lint). Variables for tests/unit/cosim (cache):
# ESP_COSIM_BUILT.
find_package(verilator HINTS /usr/share/verilator $ENV{VERILATOR_ROOT} QUIET)
set(_esp_cosim_default OFF)
if(verilator_FOUND)
  set(_esp_cosim_default ON)
endif()
option(ESP_WITH_COSIM "Build the cosim backend (esp_engine RTL in Verilator)" ${_esp_cosim_default})
option(ESP_COSIM_DATAPATH "List cosim in available_backends() (the equivalence suite runs on it)" ON)
set(ESP_COSIM_BUILT OFF CACHE INTERNAL "cosim backend built")
if(NOT ESP_WITH_COSIM)
  return()
endif()
if(NOT verilator_FOUND)
  message(FATAL_ERROR "ESP_WITH_COSIM needs Verilator (Debian: apt-get install verilator), "
                      "or configure with -DESP_WITH_COSIM=OFF.")
endif()

set(ESP_COSIM_RTL_DIR ${PROJECT_SOURCE_DIR}/hw/rtl)
set(ESP_SIM_HARNESS_DIR ${PROJECT_SOURCE_DIR}/sim/harness)

# verilate() runs Verilator at configure time when its inputs changed, so the
# generated package must exist now; espgen writes the same files the build's
# esp_spec_gen command does (and the build keeps them up to date afterwards).
if(NOT EXISTS ${ESP_SPEC_SV})
  execute_process(
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/hw/spec/gen/espgen.py ${PROJECT_SOURCE_DIR}/hw/spec/esp_spec.yaml
            --sv ${ESP_SPEC_SV}
    RESULT_VARIABLE _esp_gen_rc)
  if(_esp_gen_rc)
    message(FATAL_ERROR "cosim: espgen could not generate ${ESP_SPEC_SV}")
  endif()
endif()

# Every RTL source: the generated spec package, hw/rtl's packages, then the
# modules (Verilator elaborates what the top reaches).
include(${PROJECT_SOURCE_DIR}/hw/rtl/RtlSources.cmake)

# The model: Verilator's generated C++ at -O1 without debug info (build time),
# randomised initial values and X (--x-assign/--x-initial unique: the
# harness seeds them), FST tracing compiled in (enabled per run).
add_library(esp_cosim_model STATIC)
verilate(esp_cosim_model
  SOURCES ${ESP_RTL_ALL_SOURCES}
  TOP_MODULE esp_engine
  PREFIX Vesp_engine
  TRACE_FST
  VERILATOR_ARGS --x-assign unique --x-initial unique -Wno-fatal
  OPT_FAST -O1 -g0
  OPT_SLOW -O1 -g0
  OPT_GLOBAL -O1 -g0)
add_dependencies(esp_cosim_model esp_spec_gen)
# Verilator's headers are not ours to warn about.
get_target_property(_esp_vinc esp_cosim_model INTERFACE_INCLUDE_DIRECTORIES)
set_target_properties(esp_cosim_model PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_esp_vinc}")
target_compile_options(esp_cosim_model PRIVATE -w)
target_link_libraries(esp_cosim_model PUBLIC z)

add_library(esp_cosim_harness STATIC
  ${ESP_SIM_HARNESS_DIR}/card_memory.cpp
  ${ESP_SIM_HARNESS_DIR}/axi_mem_slave.cpp
  ${ESP_SIM_HARNESS_DIR}/axil_master.cpp
  ${ESP_SIM_HARNESS_DIR}/engine_sim.cpp)
target_include_directories(esp_cosim_harness PUBLIC ${ESP_SIM_HARNESS_DIR})
target_link_libraries(esp_cosim_harness PUBLIC esp_cosim_model)
# engine_sim.cpp is compiled like Verilator's own sources (VM_TRACE for trace()).
target_compile_definitions(esp_cosim_harness PRIVATE VM_TRACE=1 VM_TRACE_FST=1 VM_TRACE_VCD=0 VM_COVERAGE=0 VM_SC=0)
esp_warnings(esp_cosim_harness)

# The backend. It can always be opened by name; available_backends() (which
# the equivalence suite runs on) lists it only once the RTL has the datapath.
add_library(esp_cosim STATIC ${ESP_SIM_HARNESS_DIR}/cosim_device.cpp)
target_include_directories(esp_cosim PUBLIC ${ESP_SIM_HARNESS_DIR}/include)
target_link_libraries(esp_cosim PUBLIC esp_driver_core PRIVATE esp_cosim_harness)
target_compile_definitions(esp_cosim PRIVATE $<$<BOOL:${ESP_COSIM_DATAPATH}>:ESP_COSIM_DATAPATH>)
esp_warnings(esp_cosim)

# Lint: verilator --lint-only -Wall over every module in hw/rtl (each as top,
# with all the others and the generated package), at test time.
add_test(NAME rtl_lint
  COMMAND ${CMAKE_COMMAND} -DVERILATOR=${VERILATOR_BIN} -DRTL_DIR=${ESP_COSIM_RTL_DIR} "-DSPEC_SV=${ESP_SPEC_SV_ALL}"
          -DVLT=${ESP_SIM_HARNESS_DIR}/esp_lint.vlt -P ${ESP_SIM_HARNESS_DIR}/LintRtl.cmake)
set_tests_properties(rtl_lint PROPERTIES LABELS lint TIMEOUT 600)

set(ESP_COSIM_BUILT ON CACHE INTERNAL "cosim backend built")

# Testbenches of the RTL building blocks (not in the sanitizer build).
if(NOT ESP_TESTS_ONLY)
  add_subdirectory(${PROJECT_SOURCE_DIR}/sim ${CMAKE_BINARY_DIR}/sim)
endif()
