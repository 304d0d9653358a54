// Validating GGUF parser. Every read goes through Cursor, which knows how many bytes remain and
// throws GgufError (file, offset, rule) instead of reading past the end.
#include "gguf/reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace hearth::gguf {

GgufError::GgufError(std::string file, uint64_t offset, std::string rule)
    : std::runtime_error(file + ": at offset " + std::to_string(offset) + ": " + rule),
      file_(std::move(file)),
      offset_(offset),
      rule_(std::move(rule)) {}

std::string TensorInfo::shape_string() const {
  std::string out = "[";
  for (uint32_t i = 0; i < n_dims; ++i) {
    if (i) out += ", ";
    out += std::to_string(ne[i]);
  }
  return out + "]";
}

// Owns the bytes: either a read-only mapping or a heap copy.
struct GgufFile::Storage {
  void* map = nullptr;
  std::size_t map_size = 0;
  std::vector<uint8_t> heap;
  ~Storage() {
    if (map) munmap(map, map_size);
  }
};

namespace {

bool mul_overflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_mul_overflow(a, b, &out); }
bool add_overflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_add_overflow(a, b, &out); }

class Cursor {
 public:
  Cursor(const uint8_t* base, uint64_t size, const std::string& file) : base_(base), size_(size), file_(file) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& rule) const { throw GgufError(file_, pos_, rule); }
  [[noreturn]] void fail_at(uint64_t offset, const std::string& rule) const { throw GgufError(file_, offset, rule); }

  void need(uint64_t n, const char* what) const {
    if (n > remaining())
      fail("truncated: " + std::string(what) + " needs " + std::to_string(n) + " bytes but only " +
           std::to_string(remaining()) + " remain");
  }

  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }

  const uint8_t* take(uint64_t n, const char* what) {
    need(n, what);
    const uint8_t* p = base_ + pos_;
    pos_ += n;
    return p;
  }

  std::string read_string(const char* what) {
    uint64_t at = pos_;
    uint64_t len = read<uint64_t>(what);
    if (len > remaining())
      fail_at(at, std::string(what) + " length " + std::to_string(len) + " exceeds the " + std::to_string(remaining()) +
                      " bytes left in the file");
    const uint8_t* p = take(len, what);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
  }

 private:
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& file_;
};

// Smallest number of bytes one element of a type can occupy in the file; bounds array counts.
uint64_t min_element_bytes(ValueType t) {
  if (t == ValueType::STRING) return 8;       // u64 length
  if (t == ValueType::ARRAY) return 4 + 8;    // elem type + count
  return value_type_size(t);
}

ValueType read_value_type(Cursor& c, const char* what) {
  uint64_t at = c.pos();
  uint32_t raw = c.read<uint32_t>(what);
  if (raw >= kValueTypeCount)
    c.fail_at(at, std::string("unknown ") + what + " " + std::to_string(raw) + " (valid: 0..12)");
  return static_cast<ValueType>(raw);
}

Array read_array(Cursor& c, int depth);

Value read_value(Cursor& c, ValueType type, int depth) {
  if (type == ValueType::STRING) return Value::string(c.read_string("string value"));
  if (type == ValueType::ARRAY) return Value::array(read_array(c, depth + 1));
  const uint8_t* p = c.take(value_type_size(type), "scalar value");
  return Value::from_raw(type, p);
}

Array read_array(Cursor& c, int depth) {
  if (depth > kMaxArrayDepth) c.fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
  ValueType elem = read_value_type(c, "array element type");
  uint64_t count_at = c.pos();
  uint64_t count = c.read<uint64_t>("array count");
  uint64_t min_bytes = 0;
  if (mul_overflows(count, min_element_bytes(elem), min_bytes) || min_bytes > c.remaining())
    c.fail_at(count_at, "array count " + std::to_string(count) + " of " + std::string(value_type_name(elem)) +
                            " cannot fit in the " + std::to_string(c.remaining()) + " bytes left");
  if (elem == ValueType::STRING) {
    std::vector<std::string> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) items.push_back(c.read_string("array string"));
    return Array::of_strings(std::move(items));
  }
  if (elem == ValueType::ARRAY) {
    std::vector<Array> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) items.push_back(read_array(c, depth + 1));
    return Array::of_arrays(std::move(items));
  }
  const uint8_t* p = c.take(min_bytes, "array payload");
  return Array::from_packed(elem, count, std::vector<uint8_t>(p, p + min_bytes));
}

// Keys whose type every GGUF writer fixes. llama.cpp reinterprets some of these (the tokenizer
// arrays) without checking their element type, so a wrong type here is rejected up front.
struct KnownKey {
  std::string_view key;  // exact key, or a suffix when it starts with '*'
  ValueType type;
  ValueType elem;  // for arrays
};
constexpr KnownKey kKnownKeys[] = {
    {"general.architecture", ValueType::STRING, ValueType::UINT8},
    {"general.name", ValueType::STRING, ValueType::UINT8},
    {"general.file_type", ValueType::UINT32, ValueType::UINT8},
    {"general.quantization_version", ValueType::UINT32, ValueType::UINT8},
    {"tokenizer.ggml.model", ValueType::STRING, ValueType::UINT8},
    {"tokenizer.ggml.pre", ValueType::STRING, ValueType::UINT8},
    {"tokenizer.ggml.tokens", ValueType::ARRAY, ValueType::STRING},
    {"tokenizer.ggml.scores", ValueType::ARRAY, ValueType::FLOAT32},
    {"tokenizer.ggml.token_type", ValueType::ARRAY, ValueType::INT32},
    {"tokenizer.ggml.merges", ValueType::ARRAY, ValueType::STRING},
    {"tokenizer.ggml.add_bos_token", ValueType::BOOL, ValueType::UINT8},
    {"tokenizer.ggml.add_eos_token", ValueType::BOOL, ValueType::UINT8},
    {"tokenizer.ggml.add_space_prefix", ValueType::BOOL, ValueType::UINT8},
    {"tokenizer.chat_template", ValueType::STRING, ValueType::UINT8},
    {"*_token_id", ValueType::UINT32, ValueType::UINT8},
};

std::string type_label(ValueType t, ValueType elem) {
  if (t != ValueType::ARRAY) return std::string(value_type_name(t));
  return "ARRAY<" + std::string(value_type_name(elem)) + ">";
}

// Returns a rule violation for a well-known key of the wrong type, or "" when fine.
std::string check_known_key(const std::string& key, const Value& value) {
  for (const KnownKey& k : kKnownKeys) {
    bool match = k.key[0] == '*' ? (key.rfind("tokenizer.ggml.", 0) == 0 && key.size() >= k.key.size() - 1 &&
                                    key.compare(key.size() - (k.key.size() - 1), std::string::npos, k.key.substr(1)) == 0)
                                 : key == k.key;
    if (!match) continue;
    ValueType elem = value.type() == ValueType::ARRAY ? value.as_array().elem_type() : ValueType::UINT8;
    if (value.type() != k.type || (k.type == ValueType::ARRAY && elem != k.elem))
      return "key '" + key + "' must be " + type_label(k.type, k.elem) + ", got " + type_label(value.type(), elem);
    return "";
  }
  return "";
}

}  // namespace

GgufFile GgufFile::open(const std::filesystem::path& path) {
  GgufFile f;
  f.path_ = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + f.path_);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "cannot stat " + f.path_);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw GgufError(f.path_, 0, "not a regular file");
  }
  auto storage = std::make_shared<Storage>();
  f.size_ = static_cast<uint64_t>(st.st_size);
  if (f.size_ > 0) {
    void* map = mmap(nullptr, static_cast<std::size_t>(f.size_), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw std::system_error(err, std::generic_category(), "cannot map " + f.path_);
    }
    storage->map = map;
    storage->map_size = static_cast<std::size_t>(f.size_);
    f.base_ = static_cast<const uint8_t*>(map);
  }
  ::close(fd);
  f.storage_ = std::move(storage);
  f.parse();
  return f;
}

GgufFile GgufFile::from_bytes(std::span<const uint8_t> bytes, std::string name) {
  GgufFile f;
  f.path_ = std::move(name);
  auto storage = std::make_shared<Storage>();
  storage->heap.assign(bytes.begin(), bytes.end());
  f.base_ = storage->heap.data();
  f.size_ = storage->heap.size();
  f.storage_ = std::move(storage);
  f.parse();
  return f;
}

void GgufFile::parse() {
  Cursor c(base_, size_, path_);
  if (size_ < 24) c.fail("file is " + std::to_string(size_) + " bytes, shorter than the 24-byte GGUF header");

  uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) c.fail_at(0, "bad magic: not a GGUF file");

  uint32_t version = c.read<uint32_t>("version");
  if (version != 0 && (version & 0xFFFF) == 0) c.fail_at(4, "big-endian GGUF not supported");
  if (version == 1) c.fail_at(4, "GGUF version 1 is no longer supported");
  if (version < 2 || version > 3) c.fail_at(4, "unsupported GGUF version " + std::to_string(version));
  version_ = version;

  uint64_t n_tensors = c.read<uint64_t>("tensor count");
  uint64_t n_kv = c.read<uint64_t>("metadata count");
  constexpr uint64_t kMinKvRecord = 8 + 1 + 4 + 1;
  constexpr uint64_t kMinTensorRecord = 8 + 1 + 4 + 8 + 4 + 8;
  if (n_tensors >= (1ull << 63)) c.fail_at(8, "tensor count " + std::to_string(n_tensors) + " is negative as int64");
  if (n_kv >= (1ull << 63)) c.fail_at(16, "metadata count " + std::to_string(n_kv) + " is negative as int64");
  uint64_t need_kv = 0, need_tensors = 0, need_total = 0;
  if (mul_overflows(n_kv, kMinKvRecord, need_kv) || need_kv > c.remaining())
    c.fail_at(16, "metadata count " + std::to_string(n_kv) + " cannot fit in the " + std::to_string(c.remaining()) +
                      " bytes after the header");
  if (mul_overflows(n_tensors, kMinTensorRecord, need_tensors) || add_overflows(need_kv, need_tensors, need_total) ||
      need_total > c.remaining())
    c.fail_at(8, "tensor count " + std::to_string(n_tensors) + " cannot fit in the " + std::to_string(c.remaining()) +
                     " bytes after the header");

  // Metadata.
  for (uint64_t i = 0; i < n_kv; ++i) {
    uint64_t at = c.pos();
    std::string key = c.read_string("metadata key");
    if (key.empty()) c.fail_at(at, "metadata key " + std::to_string(i) + " is empty");
    if (key.size() > kMaxKeyBytes) c.fail_at(at, "metadata key is longer than 65535 bytes");
    ValueType type = read_value_type(c, "metadata value type");
    Value value = read_value(c, type, 0);
    if (std::string rule = check_known_key(key, value); !rule.empty()) c.fail_at(at, rule);
    if (!metadata_.insert(key, std::move(value))) c.fail_at(at, "duplicate metadata key '" + key + "'");
  }

  if (const Value* a = metadata_.find("general.alignment")) {
    if (a->type() != ValueType::UINT32)
      c.fail("general.alignment must be UINT32, got " + std::string(value_type_name(a->type())));
    uint32_t align = a->as_u32();
    if (align == 0 || (align & (align - 1)) != 0)
      c.fail("general.alignment " + std::to_string(align) + " is not a power of two");
    if (align > kMaxAlignment) c.fail("general.alignment " + std::to_string(align) + " exceeds 1 MiB");
    alignment_ = align;
  }

  // Tensor infos.
  tensors_.reserve(n_tensors);
  tensor_index_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo t;
    t.record_offset = c.pos();
    t.name = c.read_string("tensor name");
    if (t.name.empty()) c.fail_at(t.record_offset, "tensor " + std::to_string(i) + " has an empty name");
    if (t.name.size() > kMaxTensorNameBytes)
      c.fail_at(t.record_offset, "tensor name '" + t.name.substr(0, 80) + "' is " + std::to_string(t.name.size()) +
                                     " bytes; the limit is 63");
    if (tensor_index_.count(t.name)) c.fail_at(t.record_offset, "duplicate tensor name '" + t.name + "'");

    uint64_t dims_at = c.pos();
    t.n_dims = c.read<uint32_t>("tensor dimension count");
    if (t.n_dims == 0 || t.n_dims > kMaxDims)
      c.fail_at(dims_at, "tensor '" + t.name + "' has " + std::to_string(t.n_dims) + " dimensions (must be 1..4)");
    t.n_elements = 1;
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      uint64_t at = c.pos();
      uint64_t ne = c.read<uint64_t>("tensor dimension");
      if (ne == 0) c.fail_at(at, "tensor '" + t.name + "' dimension " + std::to_string(d) + " is zero");
      if (ne >= (1ull << 63))
        c.fail_at(at, "tensor '" + t.name + "' dimension " + std::to_string(d) + " is negative as int64");
      t.ne[d] = ne;
      if (mul_overflows(t.n_elements, ne, t.n_elements) || t.n_elements >= (1ull << 63))
        c.fail_at(at, "tensor '" + t.name + "' element count overflows int64");
    }

    uint64_t type_at = c.pos();
    uint32_t type_id = c.read<uint32_t>("tensor type");
    auto traits = type_traits(type_id);
    if (!traits) c.fail_at(type_at, "tensor '" + t.name + "' has unknown type id " + std::to_string(type_id));
    t.type = static_cast<TensorType>(type_id);
    if (t.ne[0] % traits->block_size != 0)
      c.fail_at(type_at, "tensor '" + t.name + "' row of " + std::to_string(t.ne[0]) + " elements is not a multiple of " +
                             std::string(traits->name) + "'s block size " + std::to_string(traits->block_size));
    uint64_t blocks = t.n_elements / traits->block_size;
    if (mul_overflows(blocks, traits->type_size, t.nbytes) || t.nbytes > size_)
      c.fail_at(type_at, "tensor '" + t.name + "' byte size exceeds the file size");

    uint64_t off_at = c.pos();
    t.offset = c.read<uint64_t>("tensor offset");
    if (t.offset % alignment_ != 0)
      c.fail_at(off_at, "tensor '" + t.name + "' offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                            std::to_string(alignment_));
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // Data section.
  uint64_t end_of_infos = c.pos();
  if (n_tensors == 0) {
    data_offset_ = end_of_infos;
    return;
  }
  uint64_t padded = 0;
  if (add_overflows(end_of_infos, alignment_ - 1, padded)) c.fail("data section offset overflows");
  data_offset_ = padded / alignment_ * alignment_;
  if (data_offset_ > size_)
    c.fail("truncated: the data section would start at " + std::to_string(data_offset_) + ", past the end of the " +
           std::to_string(size_) + "-byte file");

  for (TensorInfo& t : tensors_) {
    uint64_t begin = 0, end = 0;
    if (add_overflows(data_offset_, t.offset, begin) || add_overflows(begin, t.nbytes, end) || end > size_)
      c.fail_at(t.record_offset, "tensor '" + t.name + "' data [" + std::to_string(t.offset) + ", +" +
                                     std::to_string(t.nbytes) + ") extends past the end of the file");
    t.data = base_ + begin;
  }
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const TensorInfo& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo* prev = by_offset[i - 1];
    const TensorInfo* cur = by_offset[i];
    if (prev->offset + prev->nbytes > cur->offset)
      c.fail_at(cur->record_offset, "tensor '" + cur->name + "' data overlaps tensor '" + prev->name + "'");
  }
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& GgufFile::tensor(std::string_view name) const {
  const TensorInfo* t = find_tensor(name);
  if (!t) throw GgufError(path_, 0, "missing tensor '" + std::string(name) + "'");
  return *t;
}

std::string GgufFile::architecture() const { return metadata_.get_string_or("general.architecture", ""); }

}  // namespace hearth::gguf
