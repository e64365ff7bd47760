# The xrt backend of esp_driver, built against Debian's libxrt-dev.
# Included from sw_driver/CMakeLists.txt when ESP_WITH_XRT is ON.
#
# Also builds, for XRT's `noop` emulation (XCL_EMULATION_MODE=noop):
#   ${CMAKE_BINARY_DIR}/xclbin/esp_engine.xclbin  metadata-only xclbin written
#       by esp-mkxclbin from the spec (Debian ships no working xclbinutil)
#   ${CMAKE_BINARY_DIR}/xrt/lib/                 a private XILINX_XRT tree of
#       symlinks to the multiarch XRT libraries (Debian's libxrt loads its
#       shim, libxrt_core or libxrt_noop, from $XILINX_XRT/lib/)
find_path(ESP_XRT_INCLUDE_DIR xrt/xrt_device.h PATH_SUFFIXES xrt
          DOC "XRT headers (the directory holding xrt/xrt_device.h and xclbin.h)")
find_library(ESP_XRT_COREUTIL_LIB xrt_coreutil DOC "XRT's libxrt_coreutil")
find_path(ESP_UUID_INCLUDE_DIR uuid/uuid.h DOC "libuuid headers (uuid-dev)")
find_library(ESP_UUID_LIB uuid DOC "libuuid (uuid-dev)")
if(NOT ESP_XRT_INCLUDE_DIR OR NOT ESP_XRT_COREUTIL_LIB OR NOT ESP_UUID_INCLUDE_DIR OR NOT ESP_UUID_LIB)
  message(FATAL_ERROR
    "The xrt backend needs Debian's libxrt-dev and uuid-dev (XRT headers: ${ESP_XRT_INCLUDE_DIR}, "
    "libxrt_coreutil: ${ESP_XRT_COREUTIL_LIB}, uuid.h: ${ESP_UUID_INCLUDE_DIR}, libuuid: ${ESP_UUID_LIB}). "
    "Run `make deps` (scripts/deps.sh) to install them, or configure with -DESP_WITH_XRT=OFF.")
endif()
get_filename_component(ESP_XRT_LIBDIR "${ESP_XRT_COREUTIL_LIB}" REALPATH)
get_filename_component(ESP_XRT_LIBDIR "${ESP_XRT_LIBDIR}" DIRECTORY)

# XRT headers as SYSTEM includes: their own warnings are not ours.
add_library(esp_xrt_sdk INTERFACE)
target_include_directories(esp_xrt_sdk SYSTEM INTERFACE ${ESP_XRT_INCLUDE_DIR} ${ESP_UUID_INCLUDE_DIR})

set(ESP_XRT_ROOT ${CMAKE_BINARY_DIR}/xrt)
set(ESP_XCLBIN ${CMAKE_BINARY_DIR}/xclbin/esp_engine.xclbin)

# The private XILINX_XRT tree, rebuilt when the XRT libraries change.
file(GLOB ESP_XRT_SHIMS ${ESP_XRT_LIBDIR}/libxrt*.so.*)
add_custom_command(
  OUTPUT ${ESP_XRT_ROOT}/lib/.stamp
  COMMAND ${CMAKE_COMMAND} -DLIBDIR=${ESP_XRT_LIBDIR} -DROOT=${ESP_XRT_ROOT}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/src/xrt/MakeXrtRoot.cmake
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/xrt/MakeXrtRoot.cmake ${ESP_XRT_SHIMS}
  COMMENT "xrt: private XILINX_XRT tree ${ESP_XRT_ROOT}"
  VERBATIM)
add_custom_target(esp_xrt_root ALL DEPENDS ${ESP_XRT_ROOT}/lib/.stamp)

# The metadata-only xclbin, from the spec.
add_executable(esp-mkxclbin src/xrt/mkxclbin.cpp)
target_link_libraries(esp-mkxclbin PRIVATE esp_spec esp_xrt_sdk)
esp_warnings(esp-mkxclbin)
add_custom_command(
  OUTPUT ${ESP_XCLBIN}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/xclbin
  COMMAND esp-mkxclbin ${ESP_XCLBIN}
  DEPENDS esp-mkxclbin
  COMMENT "xrt: metadata-only ${ESP_XCLBIN}"
  VERBATIM)
add_custom_target(esp_xclbin ALL DEPENDS ${ESP_XCLBIN})

target_sources(esp_driver_core PRIVATE src/xrt/xrt_device.cpp)
target_compile_definitions(esp_driver_core PRIVATE ESP_HAVE_XRT)
set_source_files_properties(src/xrt/xrt_device.cpp PROPERTIES COMPILE_DEFINITIONS
  "ESP_XRT_DEFAULT_ROOT=\"${ESP_XRT_ROOT}\";ESP_XRT_NOOP_XCLBIN=\"${ESP_XCLBIN}\"")
target_link_libraries(esp_driver_core PRIVATE esp_xrt_sdk ${ESP_XRT_COREUTIL_LIB} ${ESP_UUID_LIB})
# Whoever opens an xrt device at run time wants the tree and the xclbin built.
add_dependencies(esp_driver_core esp_xrt_root esp_xclbin)

# For tests/unit/xrt (a sibling directory).
set(ESP_XRT_ROOT ${ESP_XRT_ROOT} PARENT_SCOPE)
set(ESP_XCLBIN ${ESP_XCLBIN} PARENT_SCOPE)
