// What the chapter benchmarks share (see bench_util.hpp).
#include "bench_util.hpp"

#include <cstdio>
#include <string>
#include <utility>

namespace dnn::bench {

Matrix random_matrix(int rows, int cols, Rng& rng) {
  Matrix m(rows, cols);
  for (auto& v : m.data) v = rng.uniform(-1.0f, 1.0f);
  return m;
}

void textbook_layer_shapes(benchmark::internal::Benchmark* b) {
  for (int batch : {32, 256, 10000})
    for (auto [n_in, n_out] : {std::pair{784, 50}, std::pair{50, 50}, std::pair{50, 10}}) b->Args({batch, n_in, n_out});
  b->ArgNames({"B", "in", "out"})->Unit(benchmark::kMicrosecond);
}

const Dataset& bench_dataset() {
  static const Dataset ds = [] {
    DataOptions o;
    Dataset d = load_dataset(o);
    // Said on stderr before the first result, like every program's data line: the per-epoch timings
    // depend on the data (Fashion-MNIST has 2.6x MNIST's non-zero pixels, so the sparse layer 1
    // takes 2.6x as long: an unset MNIST_DIR once passed for "a slower CPU").
    std::fprintf(stderr, "%s\n", describe(d).c_str());
    if (d.name != "mnist")
      std::fprintf(stderr, "WARNING: these benchmarks train on %s, NOT MNIST: their times are not MNIST's. "
                           "Set MNIST_DIR to the folder of the MNIST files.\n", d.name.c_str());
    return d;
  }();
  return ds;
}

std::string dataset_tag() {
  const Dataset& ds = bench_dataset();
  return ds.name == "mnist" ? "" : " [" + ds.name + ", NOT MNIST]";
}

}  // namespace dnn::bench
