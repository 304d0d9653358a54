#include "gguf/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <unordered_set>

#include "gguf/reader.h"

namespace hearth::gguf {
namespace {

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

// Sink writing to a memory buffer.
struct MemorySink {
  std::vector<uint8_t>& out;
  void write(const void* p, std::size_t n) {
    std::size_t at = out.size();
    out.resize(at + n);
    if (n) std::memcpy(out.data() + at, p, n);
  }
  uint64_t position() const { return out.size(); }
};

// Sink writing to a file descriptor through a buffer.
struct FileSink {
  int fd;
  std::string path;
  std::vector<uint8_t> buffer;
  uint64_t written = 0;
  void write(const void* p, std::size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    if (buffer.size() + n > (8u << 20)) flush();
    if (n >= (8u << 20)) {
      write_all(b, n);
    } else {
      std::size_t at = buffer.size();
      buffer.resize(at + n);
      std::memcpy(buffer.data() + at, b, n);
    }
    written += n;
  }
  uint64_t position() const { return written; }
  void flush() {
    write_all(buffer.data(), buffer.size());
    buffer.clear();
  }
  void write_all(const uint8_t* p, std::size_t n) {
    while (n > 0) {
      ssize_t k = ::write(fd, p, n);
      if (k < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "writing " + path);
      }
      p += k;
      n -= static_cast<std::size_t>(k);
    }
  }
};

template <typename Sink, typename T>
void put(Sink& s, T v) {
  s.write(&v, sizeof v);
}

template <typename Sink>
void put_string(Sink& s, const std::string& str) {
  put<Sink, uint64_t>(s, str.size());
  s.write(str.data(), str.size());
}

template <typename Sink>
void put_array(Sink& s, const Array& a);

template <typename Sink>
void put_value_payload(Sink& s, const Value& v) {
  switch (v.type()) {
    case ValueType::STRING: put_string(s, v.as_string()); break;
    case ValueType::ARRAY: put_array(s, v.as_array()); break;
    case ValueType::UINT8: put(s, v.as_u8()); break;
    case ValueType::INT8: put(s, v.as_i8()); break;
    case ValueType::UINT16: put(s, v.as_u16()); break;
    case ValueType::INT16: put(s, v.as_i16()); break;
    case ValueType::UINT32: put(s, v.as_u32()); break;
    case ValueType::INT32: put(s, v.as_i32()); break;
    case ValueType::FLOAT32: put(s, v.as_f32()); break;
    case ValueType::BOOL: put<Sink, uint8_t>(s, v.as_bool() ? 1 : 0); break;
    case ValueType::UINT64: put(s, v.as_u64()); break;
    case ValueType::INT64: put(s, v.as_i64()); break;
    case ValueType::FLOAT64: put(s, v.as_f64()); break;
  }
}

template <typename Sink>
void put_array(Sink& s, const Array& a) {
  put<Sink, uint32_t>(s, static_cast<uint32_t>(a.elem_type()));
  put<Sink, uint64_t>(s, a.size());
  if (a.elem_type() == ValueType::STRING) {
    for (const std::string& str : a.strings()) put_string(s, str);
  } else if (a.elem_type() == ValueType::ARRAY) {
    for (const Array& inner : a.arrays()) put_array(s, inner);
  } else {
    s.write(a.packed().data(), a.packed().size());
  }
}

}  // namespace

void GgufWriter::set_alignment(uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment)
    throw std::invalid_argument("GGUF alignment must be a power of two up to 1 MiB");
  if (!tensors_.empty()) throw std::logic_error("set the GGUF alignment before adding tensors");
  alignment_ = alignment;
  if (alignment != kDefaultAlignment)
    metadata_.set("general.alignment", Value::u32(alignment));
  else
    metadata_.erase("general.alignment");
}

void GgufWriter::check_and_add(PendingTensor t) {
  if (t.name.empty() || t.name.size() > kMaxTensorNameBytes)
    throw std::invalid_argument("tensor name '" + t.name + "' must be 1..63 bytes");
  for (const auto& other : tensors_)
    if (other.name == t.name) throw std::invalid_argument("duplicate tensor name '" + t.name + "'");
  if (t.ne.empty() || t.ne.size() > kMaxDims) throw std::invalid_argument("tensor '" + t.name + "' needs 1..4 dimensions");
  TypeTraits tr = traits(t.type);
  if (t.ne[0] % tr.block_size != 0)
    throw std::invalid_argument("tensor '" + t.name + "' row length is not a multiple of the block size");
  uint64_t n = 1;
  for (uint64_t d : t.ne) {
    if (d == 0) throw std::invalid_argument("tensor '" + t.name + "' has a zero dimension");
    n *= d;
  }
  t.nbytes = n / tr.block_size * tr.type_size;
  t.offset = data_size_;
  data_size_ = align_up(data_size_ + t.nbytes, alignment_);
  tensors_.push_back(std::move(t));
}

void GgufWriter::add_tensor(std::string name, TensorType type, std::vector<uint64_t> ne, std::span<const uint8_t> data) {
  PendingTensor t{std::move(name), type, std::move(ne), 0, 0, std::vector<uint8_t>(data.begin(), data.end()), {}};
  std::size_t expected_size = t.data.size();
  check_and_add(std::move(t));
  if (tensors_.back().nbytes != expected_size) {
    std::string name_copy = tensors_.back().name;
    uint64_t nbytes = tensors_.back().nbytes;
    data_size_ = tensors_.back().offset;
    tensors_.pop_back();
    throw std::invalid_argument("tensor '" + name_copy + "' needs " + std::to_string(nbytes) + " bytes, got " +
                                std::to_string(expected_size));
  }
}

void GgufWriter::add_tensor_lazy(std::string name, TensorType type, std::vector<uint64_t> ne, Fill fill) {
  check_and_add(PendingTensor{std::move(name), type, std::move(ne), 0, 0, {}, std::move(fill)});
}

template <typename Sink>
void GgufWriter::emit(Sink& sink) const {
  put<Sink, uint32_t>(sink, kMagic);
  put<Sink, uint32_t>(sink, 3);
  put<Sink, uint64_t>(sink, tensors_.size());
  put<Sink, uint64_t>(sink, metadata_.size());
  for (const auto& [key, value] : metadata_.entries()) {
    put_string(sink, key);
    put<Sink, uint32_t>(sink, static_cast<uint32_t>(value.type()));
    put_value_payload(sink, value);
  }
  for (const PendingTensor& t : tensors_) {
    put_string(sink, t.name);
    put<Sink, uint32_t>(sink, static_cast<uint32_t>(t.ne.size()));
    for (uint64_t d : t.ne) put<Sink, uint64_t>(sink, d);
    put<Sink, uint32_t>(sink, static_cast<uint32_t>(t.type));
    put<Sink, uint64_t>(sink, t.offset);
  }
  if (tensors_.empty()) return;
  static const uint8_t zeros[4096] = {};
  auto pad_to = [&](uint64_t target) {
    while (sink.position() < target) {
      uint64_t n = std::min<uint64_t>(target - sink.position(), sizeof zeros);
      sink.write(zeros, static_cast<std::size_t>(n));
    }
  };
  uint64_t data_start = align_up(sink.position(), alignment_);
  pad_to(data_start);
  std::vector<uint8_t> scratch;
  for (const PendingTensor& t : tensors_) {
    pad_to(data_start + t.offset);
    if (t.fill) {
      scratch.assign(static_cast<std::size_t>(t.nbytes), 0);
      t.fill(std::span<uint8_t>(scratch));
      sink.write(scratch.data(), scratch.size());
    } else {
      sink.write(t.data.data(), t.data.size());
    }
  }
  pad_to(data_start + data_size_);
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out;
  MemorySink sink{out};
  emit(sink);
  return out;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + tmp.string());
  try {
    FileSink sink{fd, tmp.string(), {}, 0};
    emit(sink);
    sink.flush();
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync " + tmp.string());
  } catch (...) {
    ::close(fd);
    std::filesystem::remove(tmp);
    throw;
  }
  ::close(fd);
  std::filesystem::rename(tmp, path);
}

}  // namespace hearth::gguf
