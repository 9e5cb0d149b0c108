// The IDX reader: valid files round-trip (raw and gzip); every malformed file is an InputError
// that names the file and the problem — never a crash, never a silently short dataset.
#include <algorithm>
#include <string>
#include <vector>

#include "catch.hpp"
#include "data_test_util.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/idx.hpp"

using namespace datatest;

namespace {

/// Writes `bytes` as `name` in `dir` and returns the error of reading it as images.
std::string image_error(const TempDir& dir, const std::string& name, const Bytes& bytes) {
  const std::string path = dir.file(name);
  write_bytes(path, bytes);
  return input_error_of([&] { dnn::read_idx_images(path); });
}

Bytes cut(Bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

}  // namespace

TEST_CASE("IDX round trip: raw and gzip files give back the same dims and bytes", "[data][idx]") {
  TempDir dir;
  const Bytes images = image_file(3, 28, 28), labels = label_file(3);
  write_bytes(dir.file("img"), images);
  write_bytes(dir.file("img.gz"), gzip(images));
  write_bytes(dir.file("lab"), labels);
  write_bytes(dir.file("lab.gz"), gzip(labels));
  for (const std::string suffix : {"", ".gz"}) {
    INFO("suffix '" << suffix << "'");
    const dnn::IdxArray a = dnn::read_idx_images(dir.file("img" + suffix));
    REQUIRE(a.dims == std::vector<std::uint32_t>{3, 28, 28});
    REQUIRE(a.data.size() == 3u * 28 * 28);
    CHECK(std::equal(a.data.begin(), a.data.end(), images.begin() + 16));  // header = 4 + 3·4 bytes
    const dnn::IdxArray l = dnn::read_idx_labels(dir.file("lab" + suffix), 10);
    REQUIRE(l.dims == std::vector<std::uint32_t>{3});
    CHECK(l.data == Bytes({0, 1, 2}));
  }
}

TEST_CASE("IDX header bytes are big-endian: 0x00000803, then each dimension MSB first", "[data][idx]") {
  const Bytes b = dnn::encode_idx({60000, 28, 28}, Bytes(60000u * 28 * 28, 0));
  CHECK(Bytes(b.begin(), b.begin() + 16) ==
        Bytes({0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0xEA, 0x60, 0x00, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00, 0x1C}));
  const dnn::IdxArray a = dnn::parse_idx(b, "mem");
  CHECK(a.dims == std::vector<std::uint32_t>{60000, 28, 28});
}

TEST_CASE("IDX: a missing file or a folder is an InputError naming it", "[data][idx]") {
  TempDir dir;
  const std::string missing = dir.file("no-such-file.gz");
  std::string e = input_error_of([&] { dnn::read_idx_images(missing); });
  INFO(e);
  CHECK(contains(e, missing));
  CHECK(contains(e, "cannot open"));
  e = input_error_of([&] { dnn::read_idx_images(dir.path()); });
  CHECK(contains(e, "is a folder"));
}

TEST_CASE("IDX: empty file (raw and .gz)", "[data][idx]") {
  TempDir dir;
  for (const std::string name : {"empty-idx3-ubyte", "empty-idx3-ubyte.gz"}) {
    const std::string e = image_error(dir, name, {});
    INFO(e);
    CHECK(contains(e, dir.file(name)));
    CHECK(contains(e, "empty"));
  }
  // A valid gzip of zero bytes is empty too.
  const std::string e = image_error(dir, "zero-idx3-ubyte.gz", gzip({}));
  INFO(e);
  CHECK(contains(e, "empty"));
}

TEST_CASE("IDX: bad magic number names expected and found values", "[data][idx]") {
  TempDir dir;
  Bytes b = image_file(2);
  b[0] = 0x12;
  b[1] = 0x34;
  std::string e = image_error(dir, "bad-magic", b);
  INFO(e);
  CHECK(contains(e, dir.file("bad-magic")));
  CHECK(contains(e, "bad magic number 0x12340803"));
  CHECK(contains(e, "expected 0x00000803"));
  // Inside gzip too.
  e = image_error(dir, "bad-magic.gz", gzip(b));
  CHECK(contains(e, "bad magic number 0x12340803"));
}

TEST_CASE("IDX: unsupported data type and bad rank", "[data][idx]") {
  TempDir dir;
  Bytes b = image_file(2);
  b[2] = 0x0D;  // float32 in the IDX spec: not MNIST
  std::string e = image_error(dir, "float", b);
  INFO(e);
  CHECK(contains(e, "data type 0x0D"));
  CHECK(contains(e, "expected 0x08"));
  b = image_file(2);
  b[3] = 0;
  e = image_error(dir, "rank0", b);
  CHECK(contains(e, "bad IDX rank 0"));
  b[3] = 9;
  e = image_error(dir, "rank9", b);
  CHECK(contains(e, "bad IDX rank 9"));
}

TEST_CASE("IDX: truncated header (raw and gzip)", "[data][idx]") {
  TempDir dir;
  const Bytes b = image_file(2);
  std::string e = image_error(dir, "hdr3", cut(b, 3));
  INFO(e);
  CHECK(contains(e, "truncated header"));
  CHECK(contains(e, "expected at least 4"));
  e = image_error(dir, "hdr10", cut(b, 10));
  CHECK(contains(e, dir.file("hdr10")));
  CHECK(contains(e, "truncated header"));
  CHECK(contains(e, "needs 16 bytes, found only 10"));
  e = image_error(dir, "hdr10.gz", gzip(cut(b, 10)));
  CHECK(contains(e, "needs 16 bytes, found only 10 after gunzip"));
}

TEST_CASE("IDX: truncated payload is an error, not a shorter dataset", "[data][idx]") {
  TempDir dir;
  const Bytes b = image_file(5);  // 16 + 5·784 bytes
  std::string e = image_error(dir, "short", cut(b, b.size() - 100));
  INFO(e);
  CHECK(contains(e, dir.file("short")));
  CHECK(contains(e, "payload size mismatch"));
  CHECK(contains(e, "5x28x28 = 3920 bytes"));
  CHECK(contains(e, "found 3820"));
  CHECK(contains(e, "100 bytes missing"));
  e = image_error(dir, "short.gz", gzip(cut(b, b.size() - 100)));
  CHECK(contains(e, "100 bytes missing"));
}

TEST_CASE("IDX: trailing extra bytes are an error (raw and gzip)", "[data][idx]") {
  TempDir dir;
  Bytes b = image_file(2);
  b.insert(b.end(), 7, 0xAB);
  std::string e = image_error(dir, "long", b);
  INFO(e);
  CHECK(contains(e, "7 extra bytes"));
  e = image_error(dir, "long.gz", gzip(b));
  CHECK(contains(e, dir.file("long.gz")));
  CHECK(contains(e, "7 extra bytes"));
}

TEST_CASE("IDX: not gzip — a .gz name with raw or garbage content", "[data][idx]") {
  TempDir dir;
  std::string e = image_error(dir, "raw-named-idx3-ubyte.gz", image_file(2));
  INFO(e);
  CHECK(contains(e, dir.file("raw-named-idx3-ubyte.gz")));
  CHECK(contains(e, "not gzip"));
  CHECK(contains(e, "00 00 08 03"));
  e = image_error(dir, "garbage.gz", Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  CHECK(contains(e, "not gzip"));
  // Garbage without .gz is read raw: a bad magic number.
  e = image_error(dir, "garbage", Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  CHECK(contains(e, "bad magic"));
}

TEST_CASE("IDX: corrupt or truncated gzip streams", "[data][idx]") {
  TempDir dir;
  const Bytes gz = gzip(image_file(20));
  // Cut the compressed file in half: the stream ends early.
  std::string e = image_error(dir, "half.gz", cut(gz, gz.size() / 2));
  INFO(e);
  CHECK(contains(e, dir.file("half.gz")));
  CHECK(contains(e, "gzip data ends early"));
  // Flip bytes in the middle: corrupt deflate data or a CRC mismatch.
  Bytes bad = gz;
  for (std::size_t k = gz.size() / 3; k < gz.size() / 3 + 8; ++k) bad[k] ^= 0x5A;
  e = image_error(dir, "flipped.gz", bad);
  CHECK(contains(e, dir.file("flipped.gz")));
  CHECK((contains(e, "corrupt gzip") || contains(e, "payload size mismatch") || contains(e, "ends early")));
  // Garbage after a complete gzip member.
  Bytes tail = gz;
  tail.insert(tail.end(), {1, 2, 3});
  e = image_error(dir, "tail.gz", tail);
  CHECK(contains(e, "3 bytes of garbage after the end of the gzip data"));
  // Two concatenated gzip members form one valid file (what `cat a.gz b.gz` makes).
  const Bytes whole = image_file(2);
  Bytes two = gzip(Bytes(whole.begin(), whole.begin() + 100));
  const Bytes second = gzip(Bytes(whole.begin() + 100, whole.end()));
  two.insert(two.end(), second.begin(), second.end());
  write_bytes(dir.file("two.gz"), two);
  CHECK(dnn::read_idx_images(dir.file("two.gz")).data.size() == 2u * 784);
}

TEST_CASE("IDX: zero dimension and wrong kind of file", "[data][idx]") {
  TempDir dir;
  std::string e = image_error(dir, "zero", dnn::encode_idx({0, 28, 28}, {}));
  INFO(e);
  CHECK(contains(e, "dimension 0 of 0"));
  // A label file read as images, and an image file read as labels.
  e = image_error(dir, "labels-as-images", label_file(4));
  CHECK(contains(e, "expected an IDX image file (magic 0x00000803"));
  CHECK(contains(e, "found magic 0x00000801"));
  write_bytes(dir.file("images-as-labels"), image_file(1));
  e = input_error_of([&] { dnn::read_idx_labels(dir.file("images-as-labels"), 10); });
  CHECK(contains(e, "expected an IDX label file (magic 0x00000801"));
}

TEST_CASE("IDX: a label outside 0..9 is an error naming its index", "[data][idx]") {
  TempDir dir;
  Bytes b = label_file(6);
  b[8 + 4] = 12;  // header 8 bytes; label #4
  write_bytes(dir.file("labels"), b);
  const std::string e = input_error_of([&] { dnn::read_idx_labels(dir.file("labels"), 10); });
  INFO(e);
  CHECK(contains(e, dir.file("labels")));
  CHECK(contains(e, "label 12 at index 4 is out of range: expected 0..9"));
}

TEST_CASE("IDX: images vs labels count mismatch names both files", "[data][idx]") {
  TempDir dir;
  write_bytes(dir.file("img"), image_file(5));
  write_bytes(dir.file("lab"), label_file(4));
  dnn::Matrix x;
  std::vector<int> y;
  int h = 0, w = 0;
  const std::string e =
      input_error_of([&] { dnn::load_idx_pair(dir.file("img"), dir.file("lab"), 10, 0, "--train-limit", x, y, h, w); });
  INFO(e);
  CHECK(contains(e, "count mismatch"));
  CHECK(contains(e, dir.file("img") + " holds 5 images"));
  CHECK(contains(e, dir.file("lab") + " holds 4 labels"));
}

TEST_CASE("IDX: a header claiming 2^31 images fails fast without allocating for it", "[data][idx]") {
  TempDir dir;
  // Raw: 2^31+1 × 28 × 28 announced, 784 bytes present. parse_idx compares with the real size.
  Bytes b = dnn::encode_idx({1, 28, 28}, Bytes(784, 1));
  b[4] = 0x80;  // first dimension 0x80000001
  std::string e = image_error(dir, "huge", b);
  INFO(e);
  CHECK(contains(e, "payload size mismatch"));
  CHECK(contains(e, "2147483649x28x28"));
  // Gzip: the same lying header; decompression never grows beyond the real data.
  e = image_error(dir, "huge.gz", gzip(b));
  CHECK(contains(e, "bytes missing"));
  // A "zip bomb": 16 MiB of zeros after a 1-image header compresses to ~16 KB. Only the
  // announced 784 bytes are kept; the rest is counted for the message.
  Bytes bomb = dnn::encode_idx({1, 28, 28}, Bytes(784, 0));
  bomb.resize(bomb.size() + (16u << 20), 0);
  e = image_error(dir, "bomb.gz", gzip(bomb));
  CHECK(contains(e, std::to_string(16u << 20) + " extra bytes"));
  // Absurd dimensions whose product overflows 64 bits.
  Bytes absurd = {0, 0, 0x08, 0x03};
  absurd.insert(absurd.end(), 12, 0xFF);
  e = image_error(dir, "absurd", absurd);
  CHECK(contains(e, "absurdly large"));
}
