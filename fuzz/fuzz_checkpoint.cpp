// libFuzzer target for the checkpoint reader (common/src/checkpoint.cpp).
// Built and run by scripts/fuzz.sh (clang++ -fsanitize=fuzzer,address,undefined).
//
// Contract under test: for ANY bytes, parse_checkpoint either returns a checkpoint whose tensors
// have consistent shapes, or throws dnn::InputError. A crash, sanitizer report, leak, another
// exception type or an inconsistent result is a bug.
//
// The format ends with a CRC-32, so almost every mutation is rejected by the checksum before the
// payload is read. To reach the payload parser too, each input is also tried "fixed up": with
// the header's payload size and the trailing CRC recomputed for the mutated bytes.
//
// With FUZZ_WRITE_SEEDS=DIR set, the program writes a few valid checkpoints (SGD, momentum, Adam;
// 1–3 layers) into DIR and exits: the seed corpus.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"

namespace {

void check(const std::string& bytes) {
  try {
    const dnn::Checkpoint c = dnn::parse_checkpoint(bytes, "fuzz-input.ckpt");
    for (std::size_t l = 0; l < c.net.layers.size(); ++l) {
      const auto& L = c.net.layers[l];
      if (L.b.rows != 1 || L.b.cols != L.W.cols ||
          L.W.size() != static_cast<std::size_t>(L.W.rows) * static_cast<std::size_t>(L.W.cols) ||
          (l > 0 && c.net.layers[l - 1].W.cols != L.W.rows)) {
        std::fprintf(stderr, "fuzz_checkpoint: inconsistent layer %zu accepted\n", l);
        std::abort();
      }
    }
    // What was accepted must survive a write/read cycle unchanged.
    const std::string once = dnn::serialize_checkpoint(c);
    if (dnn::serialize_checkpoint(dnn::parse_checkpoint(once, "reserialized")) != once) {
      std::fprintf(stderr, "fuzz_checkpoint: serialize/parse is not stable\n");
      std::abort();
    }
  } catch (const dnn::InputError&) {
    // The expected outcome for malformed input.
  }
}

void put_le(std::string& s, std::size_t at, std::uint64_t v, int n) {
  for (int k = 0; k < n; ++k) s[at + k] = static_cast<char>((v >> (8 * k)) & 0xff);
}

// magic(8) version(4) payload_size(8) payload crc32(4)
std::string fixed_up(std::string s) {
  constexpr std::size_t kHeader = 20, kTrailer = 4;
  if (s.size() < kHeader + kTrailer) return s;
  put_le(s, 12, s.size() - kHeader - kTrailer, 8);
  const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()),
                          static_cast<uInt>(s.size() - kTrailer));
  put_le(s, s.size() - kTrailer, crc, 4);
  return s;
}

void write_seeds(const std::string& dir) {
  const dnn::OptimizerKind kinds[] = {dnn::OptimizerKind::SGD, dnn::OptimizerKind::Momentum, dnn::OptimizerKind::Adam};
  const std::vector<std::vector<int>> shapes = {{4, 3}, {5, 4, 2}, {3, 4, 4, 2}};
  int n = 0;
  for (const auto& sizes : shapes)
    for (auto kind : kinds) {
      dnn::Rng rng(static_cast<std::uint64_t>(n) + 1);
      dnn::Checkpoint c;
      c.dataset = "synthetic";
      c.train_size = 100;
      c.seed = 7;
      c.batch = 32;
      c.epochs_done = 1;
      c.net = dnn::make_mlp(sizes, dnn::Activation::ReLU, rng);
      c.optimizer.kind = kind;
      c.optimizer_steps = 4;
      if (kind != dnn::OptimizerKind::SGD)
        for (const auto& L : c.net.layers) {
          c.slots1.push_back(L.W);
          c.slots1.push_back(L.b);
          if (kind == dnn::OptimizerKind::Adam) {
            c.slots2.push_back(L.W);
            c.slots2.push_back(L.b);
          }
        }
      dnn::EpochStats h;
      h.epoch = 1;
      h.train_loss = 0.5;
      c.history.push_back(h);
      std::ofstream(dir + "/seed" + std::to_string(n++) + ".ckpt", std::ios::binary) << dnn::serialize_checkpoint(c);
    }
  std::printf("wrote %d seed checkpoints to %s\n", n, dir.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check(bytes);
  check(fixed_up(bytes));
  return 0;
}
