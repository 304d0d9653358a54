// A corpus of malformed GGUF images, each of which must be rejected with its own clear message
// (a GgufError naming the file, the offset and the rule) and none of which may crash the reader.
#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include "gguf/gguf_bytes.h"
#include "gguf/reader.h"
#include "gguf/writer.h"

using hearth::gguf::GgufError;
using hearth::gguf::GgufFile;
using hearth::test::GgufBytes;

namespace {

constexpr uint32_t F32 = 0, Q4_0 = 2;
constexpr uint32_t T_UINT32 = 4, T_STRING = 8, T_ARRAY = 9, T_UINT64 = 10, T_INT32 = 5, T_FLOAT32 = 6;
constexpr uint64_t kHuge = 1ull << 62;
constexpr uint64_t kNegative = 1ull << 63;

struct Case {
  std::string name;
  std::vector<uint8_t> bytes;
  std::string expected;  // substring of the rule
};

std::vector<Case> build_cases() {
  std::vector<Case> cases;
  auto add = [&](std::string name, GgufBytes b, std::string expected) {
    cases.push_back({std::move(name), std::move(b.bytes), std::move(expected)});
  };

  // Header.
  add("empty file", GgufBytes(), "shorter than the 24-byte GGUF header");
  add("ten bytes", GgufBytes().u32(0x46554747).u32(3).u8(0).u8(0), "shorter than the 24-byte GGUF header");
  add("bad magic", GgufBytes().u32(0x46554746).u32(3).u64(0).u64(0), "bad magic");
  add("version 0", GgufBytes().header(0, 0, 0), "unsupported GGUF version 0");
  add("version 1", GgufBytes().header(0, 0, 1), "version 1 is no longer supported");
  add("version 4", GgufBytes().header(0, 0, 4), "unsupported GGUF version 4");
  add("big-endian file", GgufBytes().header(0, 0, 0x03000000), "big-endian GGUF not supported");
  add("tensor count negative", GgufBytes().header(kNegative, 0), "tensor count 9223372036854775808 is negative");
  add("kv count negative", GgufBytes().header(0, kNegative + 5), "metadata count 9223372036854775813 is negative");
  add("kv count beyond file", GgufBytes().header(0, 1000000), "metadata count 1000000 cannot fit");
  add("tensor count beyond file", GgufBytes().header(kHuge, 0), "tensor count 4611686018427387904 cannot fit");
  add("tensor count overflowing the size check", GgufBytes().header((1ull << 63) - 1, 0),
      "tensor count 9223372036854775807 cannot fit");

  // Metadata records.
  add("truncated key length", GgufBytes().header(0, 2).kv_str("a.b", std::string(40, 'v')).u32(5),
      "truncated: metadata key needs 8 bytes");
  add("key length 2^63", GgufBytes().header(0, 1).u64(kNegative).zeros(8), "metadata key length 9223372036854775808 exceeds");
  add("key longer than the file", GgufBytes().header(0, 1).u64(100).raw("abcdefgh", 8),
      "metadata key length 100 exceeds the 8 bytes");
  add("empty key", GgufBytes().header(0, 1).str("").u32(T_UINT32).u32(1), "metadata key 0 is empty");
  add("unknown value type", GgufBytes().header(0, 1).str("a.b").u32(13).u32(0), "unknown metadata value type 13");
  add("value type 0xFFFFFFFF", GgufBytes().header(0, 1).str("a.b").u32(0xFFFFFFFF).u32(0),
      "unknown metadata value type 4294967295");
  add("truncated scalar value", GgufBytes().header(0, 1).str("a.b").u32(T_UINT64).u32(7), "truncated: scalar value needs 8");
  add("string value longer than the file", GgufBytes().header(0, 1).str("a.b").u32(T_STRING).u64(1000).raw("xy", 2),
      "string value length 1000 exceeds");
  add("truncated value type", GgufBytes().header(0, 2).kv_str("a.b", std::string(40, 'v')).str("c").u8(4),
      "truncated: metadata value type needs 4");
  add("unknown array element type", GgufBytes().header(0, 1).str("a.b").u32(T_ARRAY).u32(77).u64(0),
      "unknown array element type 77");
  add("array count beyond file", GgufBytes().header(0, 1).str("a.b").u32(T_ARRAY).u32(T_UINT32).u64(1000).u32(1),
      "array count 1000 of UINT32 cannot fit");
  add("array count 2^63", GgufBytes().header(0, 1).str("a.b").u32(T_ARRAY).u32(T_UINT64).u64(kNegative),
      "array count 9223372036854775808 of UINT64 cannot fit");
  add("string array count overflowing", GgufBytes().header(0, 1).str("a.b").u32(T_ARRAY).u32(T_STRING).u64(~0ull / 4),
      "of STRING cannot fit");
  add("string array element past the end",
      GgufBytes().header(0, 1).str("a.b").u32(T_ARRAY).u32(T_STRING).u64(2).str("ok").u64(50).raw("zz", 2),
      "array string length 50 exceeds");
  {
    GgufBytes b;
    b.header(0, 1).str("deep").u32(T_ARRAY);
    for (int i = 0; i < 12; ++i) b.u32(T_ARRAY).u64(1);
    b.u32(T_UINT32).u64(0);
    add("arrays nested too deep", b, "arrays nested deeper than 8 levels");
  }
  add("nested array count beyond file", GgufBytes().header(0, 1).str("n").u32(T_ARRAY).u32(T_ARRAY).u64(1000000).zeros(12),
      "array count 1000000 of ARRAY cannot fit");
  add("duplicate key", GgufBytes().header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2), "duplicate metadata key 'a.b'");
  add("key over 65535 bytes", GgufBytes().header(0, 1).str(std::string(70000, 'k')).u32(T_UINT32).u32(1),
      "longer than 65535 bytes");

  // Alignment.
  add("alignment of type UINT64", GgufBytes().header(0, 1).str("general.alignment").u32(T_UINT64).u64(32),
      "general.alignment must be UINT32, got UINT64");
  add("alignment zero", GgufBytes().header(0, 1).kv_u32("general.alignment", 0), "general.alignment 0 is not a power of two");
  add("alignment 48", GgufBytes().header(0, 1).kv_u32("general.alignment", 48), "general.alignment 48 is not a power of two");
  add("alignment 2 MiB", GgufBytes().header(0, 1).kv_u32("general.alignment", 1u << 21), "exceeds 1 MiB");

  // Well-known keys with the wrong type (llama.cpp would reinterpret these arrays blindly).
  add("architecture not a string", GgufBytes().header(0, 1).kv_u32("general.architecture", 7),
      "'general.architecture' must be STRING, got UINT32");
  add("token list of integers",
      GgufBytes().header(0, 1).str("tokenizer.ggml.tokens").u32(T_ARRAY).u32(T_INT32).u64(2).u32(1).u32(2),
      "'tokenizer.ggml.tokens' must be ARRAY<STRING>, got ARRAY<INT32>");
  add("scores of integers", GgufBytes().header(0, 1).str("tokenizer.ggml.scores").u32(T_ARRAY).u32(T_INT32).u64(1).u32(1),
      "'tokenizer.ggml.scores' must be ARRAY<FLOAT32>, got ARRAY<INT32>");
  add("token types of floats",
      GgufBytes().header(0, 1).str("tokenizer.ggml.token_type").u32(T_ARRAY).u32(T_FLOAT32).u64(1).f32(1),
      "'tokenizer.ggml.token_type' must be ARRAY<INT32>, got ARRAY<FLOAT32>");
  add("bos id as a string", GgufBytes().header(0, 1).kv_str("tokenizer.ggml.bos_token_id", "1"),
      "'tokenizer.ggml.bos_token_id' must be UINT32, got STRING");

  // Tensor infos.
  auto one = [](std::string name, std::vector<uint64_t> ne, uint32_t type, uint64_t off) {
    GgufBytes b;
    b.header(1, 0).tensor(name, ne, type, off).pad_to(32).zeros(64);
    return b;
  };
  add("empty tensor name", one("", {8}, F32, 0), "tensor 0 has an empty name");
  add("tensor name of 64 bytes", one(std::string(64, 'n'), {8}, F32, 0), "bytes; the limit is 63");
  {
    GgufBytes b;
    b.header(2, 0).tensor("w", {8}, F32, 0).tensor("w", {8}, F32, 32).pad_to(32).zeros(64);
    add("duplicate tensor name", b, "duplicate tensor name 'w'");
  }
  add("zero dimensions", one("w", {}, F32, 0), "has 0 dimensions");
  add("five dimensions", one("w", {1, 1, 1, 1, 1}, F32, 0), "has 5 dimensions");
  add("zero-sized dimension", one("w", {8, 0}, F32, 0), "dimension 1 is zero");
  add("dimension 2^63", one("w", {kNegative}, F32, 0), "dimension 0 is negative");
  add("element count overflow", one("w", {1ull << 32, 1ull << 32}, F32, 0), "element count overflows");
  add("removed type id 4", one("w", {32}, 4, 0), "unknown type id 4");
  add("removed type id 31", one("w", {32}, 31, 0), "unknown type id 31");
  add("type id past the table", one("w", {32}, 99, 0), "unknown type id 99");
  add("row not a multiple of the block", one("w", {33}, Q4_0, 0), "not a multiple of Q4_0's block size 32");
  add("byte size larger than the file", one("w", {1ull << 20, 1ull << 20}, F32, 0), "byte size exceeds the file size");
  add("misaligned offset", one("w", {8}, F32, 16), "offset 16 is not a multiple of the alignment 32");
  add("tensor data past the end", one("w", {24}, F32, 0), "extends past the end of the file");
  add("offset near 2^64", one("w", {8}, F32, ~0ull - 31), "extends past the end of the file");
  {
    GgufBytes b;
    b.header(2, 0).tensor("a", {16}, F32, 0).tensor("b", {8}, F32, 32).pad_to(32).zeros(128);
    add("overlapping tensors", b, "tensor 'b' data overlaps tensor 'a'");
  }
  {
    GgufBytes b;
    b.header(1, 0).tensor("w", {8}, F32, 0);  // no padding, no data: data section starts past EOF
    while (b.size() % 32 == 0) b.u8(0);       // make sure padding would be needed
    add("data section past the end", b, "the data section would start at");
  }
  {
    GgufBytes b;
    b.header(1, 0).str(std::string(20, 'w')).u32(1).u64(8).u32(F32);  // offset field missing
    add("truncated tensor info", b, "truncated: tensor offset needs 8 bytes");
  }
  add("truncated tensor dims", GgufBytes().header(1, 0).str(std::string(30, 'w')).u32(2).u64(8),
      "truncated: tensor dimension needs 8");
  return cases;
}

std::string rejection(const std::vector<uint8_t>& bytes, const std::string& name) {
  try {
    GgufFile::from_bytes(bytes, name);
  } catch (const GgufError& e) {
    CHECK(e.file() == name);
    return e.rule();
  }
  return "<accepted>";
}

}  // namespace

TEST_CASE("malformed GGUF images are rejected with their own message", "[gguf][malformed]") {
  auto cases = build_cases();
  REQUIRE(cases.size() >= 40);
  std::set<std::string> messages;
  for (const Case& c : cases) {
    INFO("case: " << c.name);
    std::string rule = rejection(c.bytes, c.name);
    CHECK_THAT(rule, Catch::Contains(c.expected));
    messages.insert(rule);
  }
  // Distinct problems get distinct messages (so a user can tell them apart).
  CHECK(messages.size() >= cases.size() - 4);
}

TEST_CASE("truncating a valid file at every section boundary is rejected", "[gguf][malformed]") {
  hearth::gguf::GgufWriter w;
  w.set("general.architecture", hearth::gguf::Value::string("llama"));
  w.set("x.array", hearth::gguf::Value::array(hearth::gguf::Array::of_strings({"a", "bb", "ccc"})));
  std::vector<uint8_t> data(4 * 64, 7);
  w.add_tensor("a", hearth::gguf::TensorType::F32, {64}, data);
  w.add_tensor("b", hearth::gguf::TensorType::F32, {64}, data);
  auto bytes = w.to_bytes();
  REQUIRE_NOTHROW(GgufFile::from_bytes(bytes, "valid"));
  // Every prefix shorter than the end of the last tensor's data must be rejected, and messages
  // must say "truncated" or point past the end of the file.
  auto full = GgufFile::from_bytes(bytes, "valid");
  uint64_t needed = full.data_offset() + full.tensor("b").offset + full.tensor("b").nbytes;
  int rejected = 0;
  for (uint64_t cut = 0; cut < needed; ++cut) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    std::string rule = rejection(prefix, "cut");
    INFO("cut at " << cut << ": " << rule);
    bool clear = rule.find("truncated") != std::string::npos || rule.find("past the end") != std::string::npos ||
                 rule.find("shorter than") != std::string::npos || rule.find("exceeds") != std::string::npos ||
                 rule.find("cannot fit") != std::string::npos;
    CHECK(clear);
    rejected += rule != "<accepted>";
  }
  CHECK(rejected == static_cast<int>(needed));
}

TEST_CASE("error messages name the file and offset", "[gguf][malformed]") {
  GgufBytes b;
  b.header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2);
  try {
    GgufFile::from_bytes(b.bytes, "model.gguf");
    FAIL("accepted a duplicate key");
  } catch (const GgufError& e) {
    CHECK(std::string(e.what()).rfind("model.gguf: at offset 43: duplicate metadata key 'a.b'", 0) == 0);
    CHECK(e.offset() == 43);
  }
}

TEST_CASE("opening a missing or non-regular file fails cleanly", "[gguf][malformed]") {
  CHECK_THROWS_AS(GgufFile::open("/nonexistent/file.gguf"), std::system_error);
  CHECK_THROWS_WITH(GgufFile::open("/tmp"), Catch::Contains("not a regular file"));
}
