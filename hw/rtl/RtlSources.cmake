# hw/rtl/RtlSources.cmake: every source of the engine's RTL, in the order a
# tool reads them (packages before their users). Included by the cosim build
# (sim/harness/Cosim.cmake) and the lint (sim/harness/LintRtl.cmake, script
# mode); hw/synth/area.py reads the same folders.
#
# In:  ESP_SPEC_SV_ALL (every generated SystemVerilog file of hw/spec) or, when
#      it is not defined, ESP_SPEC_SV (the generated esp_spec_pkg.sv)
# Out: ESP_RTL_DIR            hw/rtl
#      ESP_RTL_PRIM_DIR       hw/rtl/prim (generic primitives: FIFO, RAM, GF(2^128))
#      ESP_RTL_LIB_DIRS       both (Verilator -y: one module per file, named after it)
#      ESP_RTL_PKG_SOURCES    hw/rtl/*_pkg.sv, sorted
#      ESP_RTL_MODULE_SOURCES hw/rtl/prim/*.sv, then the other hw/rtl/*.sv, sorted
#      ESP_RTL_ALL_SOURCES    the generated SV, the packages, the modules
set(ESP_RTL_DIR ${CMAKE_CURRENT_LIST_DIR})
set(ESP_RTL_PRIM_DIR ${ESP_RTL_DIR}/prim)
set(ESP_RTL_LIB_DIRS ${ESP_RTL_DIR} ${ESP_RTL_PRIM_DIR})

if(CMAKE_SCRIPT_MODE_FILE)
  set(_esp_rtl_glob_opt "")
else()
  set(_esp_rtl_glob_opt CONFIGURE_DEPENDS)
endif()
file(GLOB ESP_RTL_PKG_SOURCES ${_esp_rtl_glob_opt} ${ESP_RTL_DIR}/*_pkg.sv)
file(GLOB _esp_rtl_prim ${_esp_rtl_glob_opt} ${ESP_RTL_PRIM_DIR}/*.sv)
file(GLOB _esp_rtl_mods ${_esp_rtl_glob_opt} ${ESP_RTL_DIR}/*.sv)
list(SORT ESP_RTL_PKG_SOURCES)
list(SORT _esp_rtl_prim)
list(SORT _esp_rtl_mods)
if(ESP_RTL_PKG_SOURCES)
  list(REMOVE_ITEM _esp_rtl_mods ${ESP_RTL_PKG_SOURCES})
endif()
set(ESP_RTL_MODULE_SOURCES ${_esp_rtl_prim} ${_esp_rtl_mods})

if(DEFINED ESP_SPEC_SV_ALL)
  set(_esp_rtl_spec ${ESP_SPEC_SV_ALL})
else()
  set(_esp_rtl_spec ${ESP_SPEC_SV})
endif()
set(ESP_RTL_ALL_SOURCES ${_esp_rtl_spec} ${ESP_RTL_PKG_SOURCES} ${ESP_RTL_MODULE_SOURCES})
unset(_esp_rtl_glob_opt)
unset(_esp_rtl_prim)
unset(_esp_rtl_mods)
unset(_esp_rtl_spec)
