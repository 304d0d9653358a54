// libFuzzer target for the GGUF reader: any byte string must either parse or throw GgufError —
// never crash, read out of bounds, leak, or allocate far beyond its own size.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto file = hearth::gguf::GgufFile::from_bytes(std::span<const uint8_t>(data, size), "fuzz");
    // Touch what a loader would: every value's display form, every tensor's bytes.
    std::size_t sink = 0;
    for (const auto& [key, value] : file.metadata().entries()) sink += key.size() + value.to_display(4).size();
    for (const auto& t : file.tensors()) {
      if (t.nbytes > 0) sink += t.data[0] + t.data[t.nbytes - 1];
    }
    (void)sink;
  } catch (const hearth::gguf::GgufError&) {
  }
  return 0;
}
