// kernels/cpu/cpu_features.h — which x86 SIMD extensions this CPU and OS can run.
//
// The CPU kernels are compiled several times with different -m flags (scalar, AVX2+FMA+F16C);
// `cpu_features()` answers once, from CPUID and XGETBV (the OS must save the wide registers), which
// variant may run. `simd_level()` is what the dispatchers read; HEARTH_CPU_SIMD=scalar in the
// environment forces the scalar kernels (for A/B checks and for chasing a suspected SIMD bug).
#pragma once

#include <string>

namespace hearth::cpu {

struct CpuFeatures {
  bool sse42 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avxvnni = false;
};

// Detected once per process (the answer cannot change while it runs).
const CpuFeatures& cpu_features();

enum class SimdLevel { Scalar, Avx2 };

// The kernel variant the dispatchers use: Avx2 needs AVX2, FMA and F16C.
SimdLevel simd_level();

// "AVX2 FMA F16C" style summary for logs and `hearth` diagnostics.
std::string describe_cpu_features();

}  // namespace hearth::cpu
