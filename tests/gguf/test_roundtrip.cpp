// Writer → reader round trip for every metadata value type and for tensor data.
#include <catch2/catch.hpp>

#include "gguf/reader.h"
#include "gguf/writer.h"

using namespace hearth::gguf;

TEST_CASE("every metadata value type survives a write/read round trip", "[gguf]") {
  GgufWriter w;
  w.set("t.u8", Value::u8(250));
  w.set("t.i8", Value::i8(-100));
  w.set("t.u16", Value::u16(65000));
  w.set("t.i16", Value::i16(-32000));
  w.set("t.u32", Value::u32(4000000000u));
  w.set("t.i32", Value::i32(-2000000000));
  w.set("t.f32", Value::f32(3.25f));
  w.set("t.bool", Value::boolean(true));
  w.set("t.string", Value::string("héllo\nworld"));
  w.set("t.u64", Value::u64(18446744073709551615ull));
  w.set("t.i64", Value::i64(-9000000000000000000ll));
  w.set("t.f64", Value::f64(-1.0e300));
  w.set("t.arr.f32", Value::array(Array::of(std::vector<float>{1.5f, -2.0f})));
  w.set("t.arr.i32", Value::array(Array::of(std::vector<int32_t>{1, 2, 3})));
  w.set("t.arr.str", Value::array(Array::of_strings({"a", "", "ccc"})));
  w.set("t.arr.bool", Value::array(Array::of_bools({true, false})));
  w.set("t.arr.nested", Value::array(Array::of_arrays({Array::of(std::vector<uint8_t>{1, 2}),
                                                        Array::of_strings({"x"}),
                                                        Array::of_arrays({Array::of(std::vector<double>{0.5})})})));
  w.set("t.arr.empty", Value::array(Array::of(std::vector<uint64_t>{})));

  auto bytes = w.to_bytes();
  auto f = GgufFile::from_bytes(bytes, "roundtrip");
  const Metadata& m = f.metadata();
  REQUIRE(m.size() == 18);
  CHECK(m.at("t.u8").as_u8() == 250);
  CHECK(m.at("t.i8").as_i8() == -100);
  CHECK(m.at("t.u16").as_u16() == 65000);
  CHECK(m.at("t.i16").as_i16() == -32000);
  CHECK(m.get_u32("t.u32") == 4000000000u);
  CHECK(m.at("t.i32").as_i32() == -2000000000);
  CHECK(m.get_f32("t.f32") == 3.25f);
  CHECK(m.get_bool("t.bool"));
  CHECK(m.get_string("t.string") == "héllo\nworld");
  CHECK(m.at("t.u64").as_u64() == 18446744073709551615ull);
  CHECK(m.at("t.i64").as_i64() == -9000000000000000000ll);
  CHECK(m.at("t.f64").as_f64() == -1.0e300);
  auto f32s = m.get_array("t.arr.f32").as<float>();
  REQUIRE(f32s.size() == 2);
  CHECK(f32s[1] == -2.0f);
  CHECK(m.get_array("t.arr.i32").as<int32_t>()[2] == 3);
  CHECK(m.get_array("t.arr.str").strings() == std::vector<std::string>{"a", "", "ccc"});
  CHECK(m.get_array("t.arr.bool").bool_at(0));
  CHECK_FALSE(m.get_array("t.arr.bool").bool_at(1));
  const auto& nested = m.get_array("t.arr.nested").arrays();
  REQUIRE(nested.size() == 3);
  CHECK(nested[0].as<uint8_t>()[1] == 2);
  CHECK(nested[1].strings()[0] == "x");
  CHECK(nested[2].arrays()[0].as<double>()[0] == 0.5);
  CHECK(m.get_array("t.arr.empty").empty());
  // Every value compares equal to what was written, in the same order.
  for (std::size_t i = 0; i < m.size(); ++i) {
    CHECK(m.entries()[i].first == w.metadata().entries()[i].first);
    CHECK(m.entries()[i].second == w.metadata().entries()[i].second);
  }
}

TEST_CASE("typed accessors name the key and both types", "[gguf]") {
  GgufWriter w;
  w.set("llama.block_count", Value::i32(4));
  auto f = GgufFile::from_bytes(w.to_bytes(), "typed");
  CHECK_THROWS_WITH(f.metadata().get_u32("llama.block_count"),
                    Catch::Contains("llama.block_count") && Catch::Contains("expected UINT32") && Catch::Contains("got INT32"));
  CHECK_THROWS_WITH(f.metadata().get_u32("missing.key"), Catch::Contains("missing.key"));
  CHECK(f.metadata().get_int("llama.block_count") == 4);
  CHECK_THROWS_WITH(f.metadata().get_array("llama.block_count").as<float>(), Catch::Contains("expected ARRAY"));
}

TEST_CASE("tensors are aligned, zero-copy and keep their bytes", "[gguf]") {
  for (uint32_t alignment : {32u, 64u, 4096u}) {
    GgufWriter w;
    w.set_alignment(alignment);
    std::vector<uint8_t> a(4 * 3 * 2), b(18 * 2);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(255 - i);
    w.add_tensor("a", TensorType::F32, {3, 2}, a);
    w.add_tensor_lazy("b", TensorType::Q4_0, {32, 2}, [&](std::span<uint8_t> out) {
      REQUIRE(out.size() == b.size());
      std::copy(b.begin(), b.end(), out.begin());
    });
    auto f = GgufFile::from_bytes(w.to_bytes(), "tensors");
    CHECK(f.alignment() == alignment);
    REQUIRE(f.tensors().size() == 2);
    const TensorInfo& ta = f.tensor("a");
    CHECK(ta.ne[0] == 3);
    CHECK(ta.ne[1] == 2);
    CHECK(ta.nbytes == a.size());
    CHECK(std::equal(a.begin(), a.end(), ta.data));
    const TensorInfo& tb = f.tensor("b");
    CHECK(tb.type == TensorType::Q4_0);
    CHECK(tb.offset % alignment == 0);
    CHECK(tb.row_bytes() == 18);
    CHECK(std::equal(b.begin(), b.end(), tb.data));
    CHECK((f.data_offset() % alignment) == 0);
  }
}

TEST_CASE("type table matches the spec", "[gguf]") {
  struct Row { uint32_t id; uint32_t block; uint32_t bytes; };
  const Row rows[] = {{0, 1, 4},     {1, 1, 2},     {2, 32, 18},   {3, 32, 20},   {6, 32, 22},   {7, 32, 24},
                      {8, 32, 34},   {9, 32, 36},   {10, 256, 84}, {11, 256, 110}, {12, 256, 144}, {13, 256, 176},
                      {14, 256, 210}, {15, 256, 292}, {16, 256, 66}, {17, 256, 74}, {18, 256, 98}, {19, 256, 50},
                      {20, 32, 18},  {21, 256, 110}, {22, 256, 82}, {23, 256, 136}, {24, 1, 1},   {25, 1, 2},
                      {26, 1, 4},    {27, 1, 8},    {28, 1, 8},    {29, 256, 56}, {30, 1, 2},    {34, 256, 54},
                      {35, 256, 66}, {39, 32, 17},  {40, 64, 36},  {41, 128, 18}, {42, 64, 18}};
  for (const Row& r : rows) {
    auto t = type_traits(r.id);
    REQUIRE(t.has_value());
    CHECK(t->block_size == r.block);
    CHECK(t->type_size == r.bytes);
  }
  for (uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 43u, 1000u}) CHECK_FALSE(type_traits(removed).has_value());
  CHECK(type_from_name("q4_k") == TensorType::Q4_K);
  CHECK_FALSE(type_from_name("Q4_2").has_value());
}
