# cmake -DNM=<nm> -DLIBS=<archive;...> -P NoEnvironment.cmake
#
# The driver reads no environment variable (options come from the caller):
# no object of the driver's libraries references getenv / secure_getenv.
if(NOT NM OR NOT LIBS)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DLIBS=<archives> -P NoEnvironment.cmake")
endif()
foreach(lib ${LIBS})
  execute_process(COMMAND ${NM} -A -u ${lib} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${NM} failed on ${lib}")
  endif()
  string(REGEX MATCHALL "[^\n]*getenv[^\n]*" hits "${out}")
  if(hits)
    string(REPLACE ";" "\n" hits "${hits}")
    message(FATAL_ERROR "the driver reads the environment:\n${hits}")
  endif()
  message(STATUS "${lib}: no getenv")
endforeach()
