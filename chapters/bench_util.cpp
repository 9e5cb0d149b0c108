// What the chapter benchmarks share (see bench_util.hpp).
#include "bench_util.hpp"

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
    return load_dataset(o);
  }();
  return ds;
}

}  // namespace dnn::bench
