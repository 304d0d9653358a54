// kernels/cuda/unroll.h — loop-unrolling hints for code compiled both by nvcc for the device and by
// the host compiler (the HEARTH_HD math, host tests, the CUDA emulator), which does not know the
// pragma.
//
//   HEARTH_UNROLL        full unrolling of a fixed-count loop (register arrays stay in registers)
//   HEARTH_UNROLL_BY(n)  partial unrolling by n (independent loads in flight in a runtime-bounded loop)
#pragma once

#if defined(__CUDA_ARCH__)
#define HEARTH_UNROLL _Pragma("unroll")
#define HEARTH_PRAGMA_(x) _Pragma(#x)
#define HEARTH_UNROLL_BY(n) HEARTH_PRAGMA_(unroll n)
#else
#define HEARTH_UNROLL
#define HEARTH_UNROLL_BY(n)
#endif
