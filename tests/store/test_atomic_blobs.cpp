// Crash safety and integrity: manifests replace atomically, blobs are verified while streamed and
// never rewritten, interrupted writes leave no file under a final name.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "engine/store/sha256.h"
#include "engine/store/store.h"
#include "store_test_util.h"

using namespace hearth::store;
using namespace hearth::store::test;

namespace {

// "hello world" and its SHA-256, as printed by `printf 'hello world' | sha256sum`.
const std::string kHello = "hello world";
const std::string kHelloHex = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

struct Crash : std::runtime_error {
  Crash() : std::runtime_error("simulated crash") {}
};

std::vector<std::string> temp_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const std::string& e : entries(dir))
    if (e.rfind(".hearth-tmp-", 0) == 0) out.push_back(e);
  return out;
}

Manifest manifest_for(const BlobCommit& config, const BlobCommit& model) {
  Manifest m;
  m.config = Layer{std::string(media_type::kConfig), config.digest, static_cast<int64_t>(config.size), "", ""};
  m.layers.push_back(Layer{std::string(media_type::kModel), model.digest, static_cast<int64_t>(model.size), "", ""});
  return m;
}

}  // namespace

TEST_CASE("blob uploads stream through a hash and land under their digest", "[store][blobs]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  const Digest d = Digest::from_hex(kHelloHex);
  CHECK_FALSE(store.blob_exists(d));
  CHECK_FALSE(store.upload_already_present("sha256:" + kHelloHex));

  BlobWriter w = store.begin_blob_upload("sha256:" + kHelloHex);
  w.write(std::string_view("hello "));
  w.write(std::string_view("world"));
  CHECK(w.bytes_written() == 11);
  CHECK(temp_files(store.blobs_dir()).size() == 1);
  BlobCommit c = w.commit();
  CHECK(c.created);
  CHECK(c.size == 11);
  CHECK(c.digest == d);
  CHECK(read_text(dir.path() / "blobs" / ("sha256-" + kHelloHex)) == kHello);
  CHECK(temp_files(store.blobs_dir()).empty());
  struct stat st{};
  REQUIRE(::stat((dir.path() / "blobs" / ("sha256-" + kHelloHex)).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  CHECK(store.upload_already_present("sha256:" + kHelloHex));
  CHECK(store.upload_already_present("sha256-" + kHelloHex));
  // A second identical upload does not rewrite the existing file.
  auto ino = st.st_ino;
  BlobCommit again = store.write_blob(kHello);
  CHECK_FALSE(again.created);
  REQUIRE(::stat((dir.path() / "blobs" / ("sha256-" + kHelloHex)).c_str(), &st) == 0);
  CHECK(st.st_ino == ino);
  CHECK(temp_files(store.blobs_dir()).empty());
}

TEST_CASE("a blob whose bytes do not match the digest is refused and leaves nothing", "[store][blobs]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  const std::string wrong = "sha256:" + std::string(64, 'a');
  BlobWriter w = store.begin_blob_upload(wrong);
  w.write(kHello);
  try {
    w.commit();
    FAIL("accepted mismatching bytes");
  } catch (const DigestMismatchError& e) {
    CHECK(std::string(e.what()) == "digest mismatch, expected \"" + wrong + "\", got \"sha256:" + kHelloHex + "\"");
    CHECK(e.kind() == ErrorKind::BadRequest);
  }
  CHECK(entries(store.blobs_dir()).empty());

  // Ollama compares the digest text literally: upper-case hex or the sha256- spelling of the right
  // digest still fail (spec §12).
  std::string upper = kHelloHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& spelled : {"sha256:" + upper, "sha256-" + kHelloHex}) {
    INFO(spelled);
    CHECK_FALSE(store.upload_already_present(spelled));
    BlobWriter u = store.begin_blob_upload(spelled);
    u.write(kHello);
    CHECK_THROWS_AS(u.commit(), DigestMismatchError);
    CHECK(entries(store.blobs_dir()).empty());
  }
  CHECK_THROWS_AS(store.begin_blob_upload("sha256:../../etc/passwd"), InvalidDigestError);
  CHECK_THROWS_AS(store.begin_blob(Digest::from_hex(std::string(64, 'b'))).commit(), DigestMismatchError);
  CHECK(entries(store.blobs_dir()).empty());
}

TEST_CASE("an abandoned upload deletes its temp file", "[store][blobs]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  {
    BlobWriter w = store.begin_blob();
    w.write(std::string(100000, 'x'));
    CHECK(temp_files(store.blobs_dir()).size() == 1);
  }  // client went away: writer destroyed without commit
  CHECK(entries(store.blobs_dir()).empty());
  BlobWriter w = store.begin_blob();
  w.write(kHello);
  w.abort();
  CHECK_THROWS_AS(w.write(kHello), StoreError);
  CHECK(entries(store.blobs_dir()).empty());
}

TEST_CASE("a crash before a blob commits leaves no final blob", "[store][blobs][atomic]") {
  TempDir dir;
  StoreHooks hooks;
  hooks.before_commit = [](std::string_view stage) {
    if (stage == "blob") throw Crash();
  };
  ModelStore store(StoreConfig{dir.path(), false}, hooks);
  CHECK_THROWS_AS(store.write_blob(kHello), Crash);
  CHECK(entries(store.blobs_dir()).empty());
}

TEST_CASE("manifest writes are atomic: a crash leaves the old manifest whole", "[store][atomic]") {
  TempDir dir;
  bool crash = false;
  StoreHooks hooks;
  hooks.before_commit = [&](std::string_view stage) {
    if (crash && stage == "manifest") throw Crash();
  };
  ModelStore store(StoreConfig{dir.path(), false}, hooks);
  BlobCommit config = store.write_blob("{}");
  BlobCommit model = store.write_blob(kHello);
  BlobCommit model2 = store.write_blob("other weights");
  ModelName name = ModelName::parse("atomic:test");

  std::string digest = store.write_manifest(name, manifest_for(config, model));
  std::filesystem::path path = dir.path() / "manifests/registry.ollama.ai/library/atomic/test";
  const std::string original = read_text(path);
  CHECK(sha256_hex(original) == digest);
  CHECK(original.back() == '\n');

  crash = true;
  CHECK_THROWS_AS(store.write_manifest(name, manifest_for(config, model2)), Crash);
  CHECK(read_text(path) == original);  // untouched
  CHECK(temp_files(store.manifests_dir()).empty());
  CHECK(entries(path.parent_path()) == std::vector<std::string>{"test"});

  // A new name that crashes never appears at all.
  CHECK_THROWS_AS(store.write_manifest(ModelName::parse("fresh"), manifest_for(config, model)), Crash);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "manifests/registry.ollama.ai/library/fresh/latest"));
  CHECK(temp_files(store.manifests_dir()).empty());

  crash = false;
  store.write_manifest(name, manifest_for(config, model2));
  CHECK(store.read_manifest(name).layers.at(0).digest == model2.digest);
}

TEST_CASE("a failing rename leaves no partial manifest and no temp file", "[store][atomic]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  BlobCommit config = store.write_blob("{}");
  BlobCommit model = store.write_blob(kHello);
  // A directory where the manifest file should go makes rename(2) fail for real.
  std::filesystem::create_directories(dir.path() / "manifests/registry.ollama.ai/library/blocked/latest/x");
  CHECK_THROWS_AS(store.write_manifest(ModelName::parse("blocked"), manifest_for(config, model)), StoreError);
  CHECK(temp_files(store.manifests_dir()).empty());
  CHECK(std::filesystem::is_directory(dir.path() / "manifests/registry.ollama.ai/library/blocked/latest"));
}

TEST_CASE("manifests that name missing blobs are not written", "[store][atomic]") {
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  BlobCommit config = store.write_blob("{}");
  BlobCommit model{Digest::from_hex(std::string(64, 'c')), 5, true};
  CHECK_THROWS_AS(store.write_manifest(ModelName::parse("dangling"), manifest_for(config, model)), BlobNotFoundError);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "manifests/registry.ollama.ai/library/dangling"));
}

TEST_CASE("import_file copies a file in under its SHA-256", "[store][blobs]") {
  SKIP_WITHOUT_FIXTURES();
  TempDir dir;
  ModelStore store(StoreConfig{dir.path(), false});
  BlobCommit c = store.import_file(hearth::test::fixture_path(kTinyModel));
  CHECK(c.digest.hex() == kTinyModelHex);
  CHECK(c.size == kTinyModelSize);
  CHECK(std::filesystem::file_size(store.blob_path(c.digest)) == kTinyModelSize);
}
