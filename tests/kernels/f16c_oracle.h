// tests/kernels/f16c_oracle.h — the x86 F16C instructions as an oracle for half conversions.
// Compiled with -mf16c in its own file; call only when cpu_features().f16c is true.
#pragma once

#include <cstdint>

namespace hearth::test {

uint16_t f16c_fp32_to_fp16(float x);  // vcvtps2ph, imm 0 (round to nearest even)
float f16c_fp16_to_fp32(uint16_t h);  // vcvtph2ps

}  // namespace hearth::test
