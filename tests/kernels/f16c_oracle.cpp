#include "f16c_oracle.h"

#include <immintrin.h>

namespace hearth::test {

uint16_t f16c_fp32_to_fp16(float x) { return static_cast<uint16_t>(_cvtss_sh(x, 0)); }
float f16c_fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace hearth::test
