#include "kernels/cpu/cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HEARTH_X86 1
#endif

namespace hearth::cpu {
namespace {

#if defined(HEARTH_X86)
uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(HEARTH_X86)
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse42 = ecx & bit_SSE4_2;
  const bool osxsave = ecx & bit_OSXSAVE;
  const bool cpu_avx = ecx & bit_AVX;
  const bool cpu_fma = ecx & bit_FMA;
  const bool cpu_f16c = ecx & bit_F16C;
  uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;             // XMM and YMM state saved
  const bool os_zmm = os_ymm && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  f.avx = cpu_avx && os_ymm;
  f.fma = cpu_fma && os_ymm;
  f.f16c = cpu_f16c && os_ymm;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    f.avx2 = (ebx & bit_AVX2) && os_ymm;
    f.avx512f = (ebx & bit_AVX512F) && os_zmm;
    f.avx512bw = (ebx & bit_AVX512BW) && os_zmm;
    f.avx512vl = (ebx & bit_AVX512VL) && os_zmm;
    f.avx512vnni = (ecx & (1u << 11)) && os_zmm;
  }
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) f.avxvnni = (eax & (1u << 4)) && os_ymm;
#endif
  return f;
}

SimdLevel choose_level() {
  const char* force = std::getenv("HEARTH_CPU_SIMD");
  if (force && std::strcmp(force, "scalar") == 0) return SimdLevel::Scalar;
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma && f.f16c) return SimdLevel::Avx2;
  return SimdLevel::Scalar;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

SimdLevel simd_level() {
  static const SimdLevel level = choose_level();
  return level;
}

std::string describe_cpu_features() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(f.sse42, "SSE4.2");
  add(f.avx, "AVX");
  add(f.avx2, "AVX2");
  add(f.fma, "FMA");
  add(f.f16c, "F16C");
  add(f.avx512f, "AVX512F");
  add(f.avx512bw, "AVX512BW");
  add(f.avx512vl, "AVX512VL");
  add(f.avx512vnni, "AVX512_VNNI");
  add(f.avxvnni, "AVX_VNNI");
  if (s.empty()) s = "scalar";
  s += simd_level() == SimdLevel::Avx2 ? " (kernels: AVX2)" : " (kernels: scalar)";
  return s;
}

}  // namespace hearth::cpu
