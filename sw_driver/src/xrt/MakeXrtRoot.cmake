# cmake -DLIBDIR=<multiarch lib dir> -DROOT=<tree> -P MakeXrtRoot.cmake
#
# A private XILINX_XRT tree for Debian's libxrt: ROOT/lib/ holds symlinks to
# the XRT libraries of LIBDIR (XRT loads $XILINX_XRT/lib/libxrt_core.so.2 for
# a card, libxrt_noop.so.2 / libxrt_swemu / libxrt_hwemu for emulation) and
# ROOT/lib/xrt -> LIBDIR/xrt (plugins under lib/xrt/module).
if(NOT LIBDIR OR NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DLIBDIR=<dir> -DROOT=<dir> -P MakeXrtRoot.cmake")
endif()
file(REMOVE_RECURSE ${ROOT}/lib)
file(MAKE_DIRECTORY ${ROOT}/lib)
file(GLOB libs ${LIBDIR}/libxrt*.so*)
if(NOT libs)
  message(FATAL_ERROR "no XRT libraries (libxrt*.so*) in ${LIBDIR}: run `make deps`")
endif()
foreach(lib ${libs})
  get_filename_component(name ${lib} NAME)
  file(CREATE_LINK ${lib} ${ROOT}/lib/${name} SYMBOLIC)
endforeach()
if(IS_DIRECTORY ${LIBDIR}/xrt)
  file(CREATE_LINK ${LIBDIR}/xrt ${ROOT}/lib/xrt SYMBOLIC)
endif()
foreach(shim xrt_core xrt_noop)
  file(GLOB found ${ROOT}/lib/lib${shim}.so.*)
  if(NOT found)
    message(FATAL_ERROR "XRT shim lib${shim}.so.<major> is missing from ${LIBDIR} (Debian package libxrt1/libxrt2)")
  endif()
endforeach()
file(TOUCH ${ROOT}/lib/.stamp)
