// Blob writing: streaming, hash-verified, never overwriting.
#include <fstream>
#include <vector>

#include "engine/store/sha256.h"
#include "engine/store/store.h"

namespace hearth::store {

namespace fs = std::filesystem;

struct BlobWriter::State {
  TempFile temp;
  Sha256 hasher;
  std::optional<Digest> expected;          // verified against the hex digest
  std::optional<std::string> exact_text;   // upload route: must equal "sha256:<hex>" literally
  fs::path blobs_dir;
  FaultHook hook;
  bool finished = false;
};

BlobWriter::BlobWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlobWriter::BlobWriter(BlobWriter&&) noexcept = default;
BlobWriter::~BlobWriter() { abort(); }

void BlobWriter::write(std::span<const uint8_t> bytes) {
  if (!state_ || state_->finished) throw StoreError(ErrorKind::Internal, "write to a finished blob writer");
  state_->temp.write(bytes);
  state_->hasher.update(bytes);
}

uint64_t BlobWriter::bytes_written() const { return state_ ? state_->temp.size() : 0; }

void BlobWriter::abort() noexcept {
  if (!state_ || state_->finished) return;
  state_->finished = true;
  state_->temp.discard();
}

BlobCommit BlobWriter::commit() {
  if (!state_ || state_->finished) throw StoreError(ErrorKind::Internal, "commit of a finished blob writer");
  State& s = *state_;
  std::string hex = s.hasher.hex_digest();
  std::string actual = "sha256:" + hex;
  if (s.exact_text && *s.exact_text != actual) {
    abort();
    throw DigestMismatchError(*s.exact_text, actual);
  }
  if (s.expected && s.expected->hex() != hex) {
    abort();
    throw DigestMismatchError(s.expected->str(), actual);
  }
  Digest digest = Digest::from_hex(hex);
  if (s.hook) {
    try {
      s.hook("blob");
    } catch (...) {
      abort();
      throw;
    }
  }
  uint64_t size = s.temp.size();
  bool created = s.temp.commit_no_replace(s.blobs_dir / digest.file_name());
  s.finished = true;
  return BlobCommit{digest, size, created};
}

BlobWriter ModelStore::begin_blob(std::optional<Digest> expected) {
  make_directories(blobs_dir());
  auto state = std::unique_ptr<BlobWriter::State>(
      new BlobWriter::State{TempFile(blobs_dir()), Sha256{}, std::move(expected), std::nullopt, blobs_dir(),
                            hooks_.before_commit, false});
  return BlobWriter(std::move(state));
}

BlobWriter ModelStore::begin_blob_upload(std::string_view requested) {
  Digest::parse_request(requested);  // InvalidDigestError for anything off Ollama's pattern
  BlobWriter w = begin_blob(std::nullopt);
  w.state_->exact_text = std::string(requested);
  return w;
}

bool ModelStore::upload_already_present(std::string_view requested) const {
  Digest::RequestDigest r = Digest::parse_request(requested);
  // Ollama looks for blobs/<requested with ':' → '-'>; upper-case hex never names a file here.
  std::string_view hex = requested.substr(7);
  for (char c : hex)
    if (c >= 'A' && c <= 'F') return false;
  return blob_exists(r.digest);
}

BlobCommit ModelStore::write_blob(std::string_view bytes) {
  BlobWriter w = begin_blob();
  w.write(bytes);
  return w.commit();
}

BlobCommit ModelStore::import_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StoreError(ErrorKind::BadRequest, "cannot open " + path.string());
  BlobWriter w = begin_blob();
  std::vector<char> buf(4 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n > 0) w.write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (in.bad()) throw StoreError(ErrorKind::Internal, "read error on " + path.string());
  return w.commit();
}

}  // namespace hearth::store
