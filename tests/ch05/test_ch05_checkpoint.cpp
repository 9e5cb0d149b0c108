// Chapter 05: the checkpoint format — bit-exact round trip, and every kind of bad file is a
// clear InputError naming the file (never a crash).
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "catch.hpp"
#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"
#include "dnn/rng.hpp"

using namespace dnn;

namespace {

Checkpoint sample_checkpoint(OptimizerKind kind = OptimizerKind::Adam) {
  Rng rng(7);
  Checkpoint c;
  c.dataset = "synthetic";
  c.train_size = 2000;
  c.seed = 0x1234567890abcdefULL;
  c.batch = 32;
  c.epochs_done = 3;
  c.net = make_mlp({20, 7, 5, 4}, Activation::Tanh, rng);
  for (auto& l : c.net.layers)
    for (auto& v : l.b.data) v = rng.uniform(-1, 1);
  c.optimizer.kind = kind;
  c.optimizer.lr = 0.003f;
  c.optimizer.momentum = 0.8f;
  c.optimizer_steps = 189;
  Optimizer opt(c.optimizer, c.net);
  for (auto* slots : {&opt.slots1(), &opt.slots2()})
    for (auto& m : *slots)
      for (auto& v : m.data) v = rng.normal();
  c.slots1 = opt.slots1();
  c.slots2 = opt.slots2();
  for (int e = 1; e <= 3; ++e) c.history.push_back({e, 1.0 / e, 0.5 + e / 10.0, 1.1 / e, 0.45 + e / 10.0, 0.2, 0.01});
  return c;
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.same_shape(b) && std::memcmp(a.data.data(), b.data.data(), a.size() * sizeof(float)) == 0;
}

// Recomputes the CRC of a (modified) checkpoint so that the payload parser itself is exercised.
void fix_crc(std::string& b) {
  const std::size_t n = b.size() - 4;
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(n)));
  for (int k = 0; k < 4; ++k) b[n + k] = static_cast<char>(crc >> (8 * k));
}

// Parses and expects an InputError naming the file and containing `must_contain`.
void expect_input_error(const std::string& bytes, const std::string& must_contain = "") {
  try {
    parse_checkpoint(bytes, "model.ckpt");
    FAIL("parse_checkpoint accepted a bad file");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("model.ckpt") != std::string::npos);
    if (!must_contain.empty()) CHECK(msg.find(must_contain) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("checkpoint round trip is bit-exact", "[ch05][checkpoint]") {
  for (OptimizerKind kind : {OptimizerKind::SGD, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    const Checkpoint c = sample_checkpoint(kind);
    const std::string bytes = serialize_checkpoint(c);
    const Checkpoint d = parse_checkpoint(bytes, "mem");
    CHECK(serialize_checkpoint(d) == bytes);
    CHECK(d.dataset == c.dataset);
    CHECK(d.train_size == c.train_size);
    CHECK(d.seed == c.seed);
    CHECK(d.batch == c.batch);
    CHECK(d.epochs_done == c.epochs_done);
    CHECK(d.optimizer.kind == kind);
    CHECK(d.optimizer.lr == c.optimizer.lr);
    CHECK(d.optimizer_steps == c.optimizer_steps);
    REQUIRE(d.net.layers.size() == c.net.layers.size());
    for (std::size_t l = 0; l < c.net.layers.size(); ++l) {
      CHECK(same_bits(d.net.layers[l].W, c.net.layers[l].W));
      CHECK(same_bits(d.net.layers[l].b, c.net.layers[l].b));
      CHECK(d.net.layers[l].act == c.net.layers[l].act);
    }
    REQUIRE(d.slots1.size() == c.slots1.size());
    REQUIRE(d.slots2.size() == c.slots2.size());
    for (std::size_t k = 0; k < c.slots1.size(); ++k) CHECK(same_bits(d.slots1[k], c.slots1[k]));
    for (std::size_t k = 0; k < c.slots2.size(); ++k) CHECK(same_bits(d.slots2[k], c.slots2[k]));
    REQUIRE(d.history.size() == 3);
    CHECK(d.history[2].test_accuracy == c.history[2].test_accuracy);

    Optimizer opt(c.optimizer, d.net);
    restore_optimizer_state(d, opt, "mem");
    CHECK(opt.steps() == 189);
  }
}

TEST_CASE("checkpoint files: save atomically, load, missing file", "[ch05][checkpoint]") {
  const auto dir = std::filesystem::temp_directory_path() / ("dnn_ch05_ckpt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "a.ckpt").string();
  const Checkpoint c = sample_checkpoint();
  save_checkpoint(path, c);
  save_checkpoint(path, c);  // replacing an existing file
  CHECK(serialize_checkpoint(load_checkpoint(path)) == serialize_checkpoint(c));
  for (const auto& entry : std::filesystem::directory_iterator(dir))  // no temp file left behind
    CHECK(entry.path().filename().string() == "a.ckpt");
  try {
    load_checkpoint((dir / "missing.ckpt").string());
    FAIL("no error for a missing file");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("missing.ckpt") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad checkpoint files are clear InputErrors", "[ch05][checkpoint]") {
  const std::string good = serialize_checkpoint(sample_checkpoint());

  SECTION("truncated anywhere") {
    for (std::size_t cut = 0; cut < good.size(); cut += (cut < 64 ? 1 : 37)) expect_input_error(good.substr(0, cut));
    expect_input_error(good.substr(0, good.size() - 1), "truncated");
  }
  SECTION("wrong magic: a foreign file") {
    std::string b = good;
    b[0] = 'P';
    b[1] = 'K';
    expect_input_error(b, "not a dnn-companion checkpoint");
    expect_input_error(std::string(200, '\0'), "not a dnn-companion checkpoint");
  }
  SECTION("wrong version") {
    std::string b = good;
    b[8] = 3;
    expect_input_error(b, "version 3");
  }
  SECTION("a flipped byte anywhere is caught by the checksum") {
    for (std::size_t at = 20; at < good.size(); at += 13) {
      std::string b = good;
      b[at] = static_cast<char>(b[at] ^ 0x10);
      expect_input_error(b, "checksum");
    }
  }
  SECTION("extra bytes at the end") { expect_input_error(good + "x", "unexpected bytes"); }
  SECTION("a payload longer than its fields, with a size and checksum that agree") {
    // One byte more before the CRC, the header's payload size (u64 at byte 12) raised by one and
    // the CRC recomputed: only the payload parser can notice the byte nobody reads.
    std::string b = good;
    b.insert(b.size() - 4, 1, '\0');
    std::uint64_t size = 0;
    for (int k = 0; k < 8; ++k) size |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[12 + k])) << (8 * k);
    ++size;
    for (int k = 0; k < 8; ++k) b[12 + k] = static_cast<char>(size >> (8 * k));
    fix_crc(b);
    expect_input_error(b, "1 unexpected bytes at the end of the payload");
  }
  SECTION("a huge announced size does not allocate") {
    std::string b = good;
    b[19] = 0x7f;  // the payload size's top byte
    expect_input_error(b, "truncated");
  }
}

TEST_CASE("payload corruption with a valid checksum never crashes", "[ch05][checkpoint]") {
  // The checksum is recomputed, so the payload parser must defend itself: every outcome is
  // either a valid checkpoint or an InputError naming the file.
  const std::string good = serialize_checkpoint(sample_checkpoint());
  Rng rng(99);
  int errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string b = good;
    const int flips = 1 + static_cast<int>(rng.below(4));
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = 20 + rng.below(b.size() - 24);
      b[at] = static_cast<char>(rng.below(256));
    }
    fix_crc(b);
    try {
      parse_checkpoint(b, "fuzz.ckpt");
    } catch (const InputError& e) {
      ++errors;
      REQUIRE(std::string(e.what()).find("fuzz.ckpt") != std::string::npos);
    }
  }
  CHECK(errors > 0);  // mutations of shapes and counts must be rejected
  // Layer shapes that do not chain are rejected.
  Checkpoint c = sample_checkpoint(OptimizerKind::SGD);
  c.net.layers[1].W = Matrix(6, 5);
  try {
    parse_checkpoint(serialize_checkpoint(c), "chain.ckpt");
    FAIL("accepted layers that do not chain");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("chain.ckpt") != std::string::npos);
  }
}

TEST_CASE("restoring an optimizer of another shape is an InputError", "[ch05][checkpoint]") {
  const Checkpoint c = sample_checkpoint(OptimizerKind::Adam);
  Rng rng(1);
  const Mlp other = make_mlp({20, 8, 5, 4}, Activation::Tanh, rng);
  Optimizer opt(c.optimizer, other);
  CHECK_THROWS_AS(restore_optimizer_state(c, opt, "x.ckpt"), InputError);
}

TEST_CASE("version 2 records the data fingerprint; version 1 files are still read", "[ch05][checkpoint]") {
  Checkpoint c = sample_checkpoint();
  c.data_fingerprint = 0xdeadbeef;
  const std::string v2 = serialize_checkpoint(c);
  const Checkpoint back = parse_checkpoint(v2, "v2.ckpt");
  CHECK(back.has_fingerprint);
  CHECK(back.data_fingerprint == 0xdeadbeef);
  // The same checkpoint as version 1 wrote it: no fingerprint after the train size.
  std::string v1 = v2;
  const std::size_t at = 20 + 4 + c.dataset.size() + 4;  // header, dataset string, train size
  v1.erase(at, 4);
  v1[8] = 1;
  std::uint64_t size = 0;
  for (int k = 0; k < 8; ++k) size |= static_cast<std::uint64_t>(static_cast<unsigned char>(v1[12 + k])) << (8 * k);
  size -= 4;
  for (int k = 0; k < 8; ++k) v1[12 + k] = static_cast<char>(size >> (8 * k));
  fix_crc(v1);
  const Checkpoint old = parse_checkpoint(v1, "v1.ckpt");
  CHECK_FALSE(old.has_fingerprint);
  CHECK(old.epochs_done == c.epochs_done);
  CHECK(same_bits(old.net.layers[1].W, c.net.layers[1].W));
}

TEST_CASE("hyper-parameters the optimizer would refuse are named with the file", "[ch05][checkpoint]") {
  Checkpoint c = sample_checkpoint(OptimizerKind::Momentum);
  c.optimizer.momentum = 5;
  expect_input_error(serialize_checkpoint(c), "momentum 5 is outside [0, 1)");
  c = sample_checkpoint(OptimizerKind::Adam);
  c.optimizer.adam.eps = 0;
  expect_input_error(serialize_checkpoint(c), "adam epsilon 0 is not a number > 0");
}
