# Warning and code-generation flags shared by every hearth target.
add_library(hearth_options INTERFACE)
target_compile_options(hearth_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-missing-field-initializers>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${HEARTH_WERROR}>>:-Werror>)
if(HEARTH_NATIVE)
  target_compile_options(hearth_options INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()

# Sanitizer builds (the asan preset) add their flags through CMAKE_CXX_FLAGS; nothing here.

find_program(HEARTH_CCACHE ccache)
if(HEARTH_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${HEARTH_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${HEARTH_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${HEARTH_CCACHE})
endif()

# hearth_add_isa_sources(target ISA_FLAGS file...): compiles SIMD kernels with their own -m flags
# so the rest of the binary stays portable; which variant runs is decided by CPU detection.
function(hearth_add_isa_sources target flags)
  target_sources(${target} PRIVATE ${ARGN})
  set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS "${flags}")
endfunction()
