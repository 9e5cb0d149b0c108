// Determinism on the CPU: the same seed gives bit-identical losses and weights, run after run,
// and — where the algorithm allows — whatever the number of threads.
//
// What is and is not deterministic, and why (docs/reliability.md):
//  - naive backend: always (single-threaded loops in a fixed order);
//  - eigen backend: bit-identical across runs with the same thread count. NOT bit-identical across
//    thread counts: Eigen's parallel GEMM chooses its cache-block sizes from the number of threads
//    (computeProductBlockingSizes), which regroups the float additions of each dot product. The
//    runs then agree to rounding error, which the last test bounds;
//  - fastcpu (chapter 07): single-threaded by design, bit-identical across runs.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "catch.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/train.hpp"
#include "test_util.hpp"

using namespace dnn;

namespace {

const Dataset& digits() {
  static const Dataset ds = dnn_test::synthetic_digits(1500, 300);
  return ds;
}

struct Run {
  Mlp net;
  std::vector<double> losses;
};

bool bit_equal(const Matrix& a, const Matrix& b) {
  return a.same_shape(b) && std::memcmp(a.data.data(), b.data.data(), a.size() * sizeof(float)) == 0;
}

bool bit_equal(const Run& a, const Run& b) {
  if (a.losses.size() != b.losses.size() || a.net.layers.size() != b.net.layers.size()) return false;
  for (std::size_t i = 0; i < a.losses.size(); ++i)
    if (std::memcmp(&a.losses[i], &b.losses[i], sizeof(double)) != 0) return false;
  for (std::size_t l = 0; l < a.net.layers.size(); ++l)
    if (!bit_equal(a.net.layers[l].W, b.net.layers[l].W) || !bit_equal(a.net.layers[l].b, b.net.layers[l].b))
      return false;
  return true;
}

enum class Path { Naive, Eigen, FastCpu };

Run train(Path path, OptimizerKind kind, int threads, std::uint64_t seed) {
  apply_threads(threads);
  const Dataset& ds = digits();
  const Mlp net0 = make_textbook_mlp(ds.train_x.cols, 10, seed);
  OptimizerConfig opt;
  opt.kind = kind;
  opt.lr = kind == OptimizerKind::Adam ? 0.001f : 0.01f;
  FitOptions f;
  f.epochs = 2;
  f.seed = seed;
  f.verbose = false;
  f.test_x = &ds.test_x;
  f.test_y = &ds.test_y;
  Run r;
  std::vector<EpochStats> hist;
  if (path == Path::FastCpu) {
    FastCpuTrainer t(net0, opt, ds.train_x, ds.train_y, 32);
    hist = fit(t, f);
    t.get_weights(r.net);
  } else {
    CpuTrainer t(path == Path::Naive ? naive_ops() : eigen_ops(), net0, opt, ds.train_x, ds.train_y, 32);
    hist = fit(t, f);
    t.get_weights(r.net);
  }
  for (const auto& h : hist) {
    r.losses.push_back(h.train_loss);
    r.losses.push_back(h.test_loss);
  }
  apply_threads(1);
  return r;
}

}  // namespace

TEST_CASE("same seed, same run: bit-identical losses and weights on every CPU path", "[determinism]") {
  for (auto kind : {OptimizerKind::SGD, OptimizerKind::Adam}) {
    CHECK(bit_equal(train(Path::Eigen, kind, 1, 11), train(Path::Eigen, kind, 1, 11)));
    CHECK(bit_equal(train(Path::Naive, kind, 1, 11), train(Path::Naive, kind, 1, 11)));
  }
  CHECK(bit_equal(train(Path::FastCpu, OptimizerKind::SGD, 1, 11), train(Path::FastCpu, OptimizerKind::SGD, 1, 11)));
}

TEST_CASE("a different seed gives a different run (the check above can fail)", "[determinism]") {
  CHECK_FALSE(bit_equal(train(Path::Eigen, OptimizerKind::SGD, 1, 11), train(Path::Eigen, OptimizerKind::SGD, 1, 12)));
}

TEST_CASE("naive and fastcpu: 1 thread and 2 threads give bit-identical training", "[determinism]") {
  CHECK(bit_equal(train(Path::Naive, OptimizerKind::SGD, 1, 21), train(Path::Naive, OptimizerKind::SGD, 2, 21)));
  CHECK(bit_equal(train(Path::FastCpu, OptimizerKind::SGD, 1, 21), train(Path::FastCpu, OptimizerKind::SGD, 2, 21)));
}

TEST_CASE("eigen: 1 and 2 threads agree to rounding error (Eigen's blocking depends on threads)", "[determinism]") {
  for (auto kind : {OptimizerKind::SGD, OptimizerKind::Adam}) {
    const Run a = train(Path::Eigen, kind, 1, 21);
    const Run b = train(Path::Eigen, kind, 2, 21);
    REQUIRE(a.losses.size() == b.losses.size());
    for (std::size_t i = 0; i < a.losses.size(); ++i) CHECK(std::abs(a.losses[i] - b.losses[i]) < 1e-3 * a.losses[i]);
    double max_diff = 0, max_w = 0;
    for (std::size_t l = 0; l < a.net.layers.size(); ++l)
      for (std::size_t k = 0; k < a.net.layers[l].W.size(); ++k) {
        const double d = std::abs(a.net.layers[l].W.data[k] - b.net.layers[l].W.data[k]);
        if (std::isnan(d) || d > max_diff) max_diff = d;  // a NaN weight must not be skipped (std::max would)
        max_w = std::max(max_w, double(std::abs(a.net.layers[l].W.data[k])));
      }
    INFO("largest weight difference " << max_diff << " (largest weight " << max_w << ")");
    CHECK(max_diff < 1e-3 * max_w);
  }
}
