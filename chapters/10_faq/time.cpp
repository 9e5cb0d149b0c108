// Chapter 10, §8.3 (训练时间): how long does training take, and why?
//
// The book: training takes "数小时甚至数天" (hours or even days). An epoch's time is not a
// mystery: it is (steps per epoch) × (time of one step), and one step of a 784-w-10 MLP costs
//   FLOPs  = B·(2·784·w + 2·10·w)            forward  Z = X·W (+ b, ReLU: negligible)
//          + B·(2·784·w + 2·10·w)            backward ∂E/∂W = Aᵀ·δ for both layers
//          + B·(2·10·w)                      backward δ·W₂ᵀ (layer 1 needs no ∂E/∂X)
//   bytes  = 4·P·6                            SGD: W read forward and backward, ∂E/∂W written,
//                                             then W, ∂E/∂W read and W written by the update
//          + 4·B·(784 + 3·w + 3·10)           the minibatch and the activations / δ
// (P = 784·w + w + 10·w + 10 parameters). With chapter 07's sparse first layer (fastcpu) layer 1
// is different: no ∂E/∂W buffer, no pass over all of W₁; each non-zero pixel of each image reads
// its row of W₁ (w floats) forward and reads and writes it in the fused update:
//   bytes₁ = 4·B·nnz·w·3,  FLOPs₁ = B·nnz·w·4   (nnz ≈ 150 non-zero pixels per image)
// and only layer 2 keeps the dense terms.
// Model: t_step = FLOPs / F + bytes / M(size) + c, where F (FLOP/s of one core's GEMM) and M(size)
// (bytes/s of copying a buffer of that size: the rate of the cache level it fits in) are measured
// by micro-benchmarks here. The weights' bytes move at M(the weights' size) — 157 KB of W₁ at
// w = 50 stay in L2 from one step to the next, 6 MB at w = 2000 in L3 —, the images at the rate of
// main memory (random rows of a 188 MB training set), and c is a fixed per-step
// cost (fitted: the median gap at the smallest batch). The experiment compares the prediction with
// measured steps over widths × batches, then measures time-to-accuracy (97 %, 98 %) for SGD and
// Adam, then extrapolates: what would take an hour, or a day, here and on an H200. The timings are
// CPU seconds of the training thread (CpuTimer), so that other jobs on a shared machine do not count.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "dnn/fast_cpu.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "dnn/timer.hpp"
#include "faq.hpp"
#include "report.hpp"

namespace ch10 {

using namespace dnn;

namespace {

// CPU seconds of this thread: on a machine shared with other jobs, wall time also counts the
// time slices given to them, CPU time only the work done here (cache sharing still shows).
class CpuTimer {
 public:
  CpuTimer() : start_(now()) {}
  double seconds() const { return now() - start_; }

 private:
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  double start_;
};

double measure_gemm_flops(bool quick) {  // FLOP/s of a 512×784 · 784×512 product, one core
  Eigen::MatrixXf A = Eigen::MatrixXf::Random(512, 784), B = Eigen::MatrixXf::Random(784, 512), C(512, 512);
  double best = 0;
  for (int rep = 0; rep < (quick ? 2 : 5); ++rep) {
    const CpuTimer t;
    int n = 0;
    do {
      C.noalias() = A * B;
      ++n;
    } while (t.seconds() < (quick ? 0.05 : 0.3));
    best = std::max(best, 2.0 * 512 * 784 * 512 * n / t.seconds());
  }
  return best;
}

// bytes/s of copying a buffer of `bytes` bytes (half read, half written) again and again: the rate of
// the cache level (L1, L2, L3) or of main memory that holds it.
double measure_copy_bandwidth(std::size_t bytes, bool quick) {
  std::vector<float> a(bytes / sizeof(float) / 2, 1.0f), b(a.size());  // a and b: `bytes` in all
  double best = 0;
  const std::size_t moved = 2 * a.size() * sizeof(float);
  for (int rep = 0; rep < (quick ? 2 : 5); ++rep) {
    const long per_check = std::max<long>(1, static_cast<long>((64u << 20) / moved));  // the clock is read per 64 MB
    const CpuTimer t;
    long n = 0;
    do {
      for (long k = 0; k < per_check; ++k, ++n) {
        // STREAM's "scale" (b = s·a), not memcpy: glibc's memcpy is 10× slower than this on some AMD
        // CPUs for buffers of a few KB (its `rep movsb` path), and the trainers' loops are like this one.
        const float scale = (n & 1) ? 1.0f : -1.0f;
        for (std::size_t i = 0; i < a.size(); ++i) b[i] = scale * a[i];
        a[static_cast<std::size_t>(n) % a.size()] = b[static_cast<std::size_t>(n * 7) % b.size()];  // none is skipped
      }
    } while (t.seconds() < (quick ? 0.01 : 0.05));
    best = std::max(best, static_cast<double>(moved) * static_cast<double>(n) / t.seconds());
  }
  return best;
}

// The copy rate at a few working-set sizes, and the rate for a given size: that of the smallest
// measured buffer at least as large (the cache level the working set fits in).
struct CopyRates {
  std::vector<std::pair<double, double>> size_rate;  // (bytes, bytes/s), growing sizes
  double at(double bytes) const {
    for (const auto& [size, rate] : size_rate)
      if (bytes <= size) return rate;
    return size_rate.back().second;
  }
};
CopyRates measure_copy_rates(bool quick) {
  CopyRates r;
  for (double kb : {32.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0})
    r.size_rate.emplace_back(kb * 1024, measure_copy_bandwidth(static_cast<std::size_t>(kb * 1024), quick));
  return r;
}

struct StepCost {
  double flops = 0;
  double weight_bytes = 0, weight_set = 0;  // bytes the weights move per step; the working set they live in
  double input_bytes = 0;                   // the minibatch's images: random rows of the training set (main memory)
  double activation_bytes = 0;              // activations and δ of the step (small: a cache holds them)
};
StepCost step_cost(int w, int batch, bool sparse_layer1, double nnz) {
  const double P2 = w * 10.0 + 10;  // layer 2
  StepCost c;
  if (!sparse_layer1) {
    const double P = 784.0 * w + w + P2;
    c.flops = batch * (2 * (2 * 784.0 * w + 2 * 10.0 * w) + 2 * 10.0 * w);
    c.weight_bytes = 4 * P * 6;
    c.weight_set = 4 * P * 2;  // W and ∂E/∂W
  } else {
    c.flops = batch * (4 * nnz * w + 2 * (2 * 10.0 * w) + 2 * 10.0 * w);
    c.weight_bytes = 4.0 * batch * nnz * w * 3 + 4 * P2 * 3;  // W₁ rows per non-zero; layer 2 fused
    c.weight_set = 4 * (784.0 * w + w + P2);
  }
  c.input_bytes = 4.0 * batch * (sparse_layer1 ? 2 * nnz : 784.0);  // CSR: an index and a value per non-zero
  c.activation_bytes = 4.0 * batch * (3 * w + 30);
  return c;
}

// Seconds per step of `trainer` on minibatches of the shuffled training set (at least `min_s`).
double seconds_per_step(Trainer& trainer, int batch, int n, double min_s) {
  std::vector<int> order;
  epoch_order(7, 0, n, order);
  const long steps_per_epoch = (n + batch - 1) / batch;
  long steps = std::min<long>(steps_per_epoch, std::max<long>(3, static_cast<long>(2000 / batch)));
  for (;;) {
    std::vector<int> part(order.begin(), order.begin() + std::min<long>(n, steps * batch));
    const CpuTimer t;
    trainer.train_epoch(part, 1, {});
    const double s = t.seconds();
    if (s >= min_s || steps >= steps_per_epoch) return s / static_cast<double>((part.size() + batch - 1) / batch);
    steps = std::min(steps_per_epoch, steps * 4);
  }
}

}  // namespace

nlohmann::json run_time(const Options& o, const Dataset& ds, const std::string& out) {
  const std::vector<int> widths = parse_layer_sizes(o.widths, "--widths");
  const std::vector<int> batches = parse_sizes(o.batches, "--batches", 60000);
  const double F = measure_gemm_flops(o.quick);
  const CopyRates M = measure_copy_rates(o.quick);
  const CsrMatrix csr = to_csr(ds.train_x);
  const double nnz_per_image = static_cast<double>(csr.nnz()) / ds.train_size();
  std::printf("time: one core's GEMM %.1f GFLOP/s, %.1f non-zero pixels per image; copy rates:", F / 1e9, nnz_per_image);
  for (const auto& [size, rate] : M.size_rate) std::printf(" %.0f KB %.1f GB/s,", size / 1024, rate / 1e9);
  std::printf("\n");
  std::vector<TimePoint> points;
  nlohmann::json rows = nlohmann::json::array();
  const double min_s = o.quick ? 0.02 : 0.3;
  for (const char* path : {"eigen", "fastcpu"})
    for (int w : widths)
      for (int b : batches) {
        Rng rng(o.common.seed);
        const Mlp net = make_mlp(layer_sizes(ds.input_size(), {w}, ds.classes), Activation::ReLU, rng);
        OptimizerConfig sgd;
        sgd.lr = 0.01f;
        const bool fast = std::strcmp(path, "fastcpu") == 0;
        double step_s = 0;
        if (fast) {
          FastCpuTrainer t(net, sgd, ds.train_x, ds.train_y, b);
          step_s = seconds_per_step(t, b, ds.train_size(), min_s);
        } else {
          TunedTrainer t(net, sgd, {}, ds.train_x, ds.train_y, b, o.common.seed);
          step_s = seconds_per_step(t, b, ds.train_size(), min_s);
        }
        TimePoint p;
        p.path = path;
        p.width = w;
        p.batch = b;
        const StepCost c = step_cost(w, b, fast, nnz_per_image);
        p.flops_per_example = c.flops / b;
        p.bytes_per_step = c.weight_bytes + c.input_bytes + c.activation_bytes;
        const double steps = std::ceil(static_cast<double>(ds.train_size()) / b);
        p.measured_s_per_epoch = step_s * steps;
        p.predicted_s_per_epoch =
            (c.flops / F + c.weight_bytes / M.at(c.weight_set) + c.input_bytes / M.at(1e18) +
             c.activation_bytes / M.at(c.activation_bytes)) * steps;
        points.push_back(p);
      }
  // The fixed per-step cost c: the median of (measured − predicted) per step over the batch-1 points, ≥ 0.
  std::vector<double> gaps;
  for (const TimePoint& p : points)
    if (p.batch == batches.front())
      gaps.push_back(std::max(0.0, (p.measured_s_per_epoch - p.predicted_s_per_epoch) /
                                       std::ceil(static_cast<double>(ds.train_size()) / p.batch)));
  std::sort(gaps.begin(), gaps.end());
  const double c = gaps.empty() ? 0.0 : gaps[gaps.size() / 2];
  std::vector<double> errors;
  for (TimePoint& p : points) {
    p.predicted_s_per_epoch += c * std::ceil(static_cast<double>(ds.train_size()) / p.batch);
    p.error = p.predicted_s_per_epoch / p.measured_s_per_epoch - 1.0;
    errors.push_back(std::fabs(p.error));
    std::printf("time: %-7s 784-%d-10, batch %4d: measured %8.3f s/epoch, predicted %8.3f s/epoch (%+.0f %%)\n",
                p.path.c_str(), p.width, p.batch, p.measured_s_per_epoch, p.predicted_s_per_epoch, 100 * p.error);
    rows.push_back({{"path", p.path}, {"width", p.width}, {"batch", p.batch},
                    {"measured_s_per_epoch", p.measured_s_per_epoch}, {"predicted_s_per_epoch", p.predicted_s_per_epoch},
                    {"relative_error", p.error}, {"flops_per_example", p.flops_per_example},
                    {"bytes_per_step", p.bytes_per_step}});
  }
  std::sort(errors.begin(), errors.end());
  report_time(out, points);

  // Time to accuracy: the same 784-w-10 MLP, SGD vs Adam, several batches, until 98 % (or the epoch cap).
  const int w = o.quick ? 100 : 800;
  const int cap = o.quick ? 1 : 12;
  std::vector<BestRow> runs;
  nlohmann::json tta = nlohmann::json::array();
  struct Cfg { OptimizerKind kind; float lr; int batch; };
  for (const Cfg& cfg : {Cfg{OptimizerKind::SGD, 0.1f, 32}, Cfg{OptimizerKind::SGD, 0.1f, 128},
                         Cfg{OptimizerKind::Adam, 0.001f, 32}, Cfg{OptimizerKind::Adam, 0.001f, 128},
                         Cfg{OptimizerKind::Adam, 0.003f, 1024}}) {
    TrainSpec s;
    s.hidden = {w};
    s.opt.kind = cfg.kind;
    s.opt.lr = cfg.lr;
    s.batch = cfg.batch;
    s.epochs = cap;
    s.seed = o.common.seed;
    s.verbose = false;
    s.stop_at_accuracy = 0.98;
    s.label = to_string(cfg.kind) + " lr " + format_number(cfg.lr, 3) + ", batch " + std::to_string(cfg.batch);
    BestRow row{s.label, s, train_mlp(s, ds.train_x, ds.train_y, ds.test_x, ds.test_y, ds.name)};
    double t97 = -1, t98 = -1, elapsed = 0;
    for (const EpochStats& e : row.result.history) {
      elapsed += e.seconds;
      if (t97 < 0 && e.test_accuracy >= 0.97) t97 = elapsed;
      if (t98 < 0 && e.test_accuracy >= 0.98) t98 = elapsed;
    }
    std::printf("time: %-28s 784-%d-10: 97 %% after %s s, 98 %% after %s s (final %.4f, %zu epochs)\n",
                s.label.c_str(), w, t97 < 0 ? "never" : format_number(t97, 3).c_str(),
                t98 < 0 ? "never" : format_number(t98, 3).c_str(), row.result.test_accuracy, row.result.history.size());
    tta.push_back({{"label", s.label}, {"seconds_to_97", t97 < 0 ? nlohmann::json() : nlohmann::json(t97)},
                   {"seconds_to_98", t98 < 0 ? nlohmann::json() : nlohmann::json(t98)},
                   {"final_test_accuracy", row.result.test_accuracy}, {"epochs", row.result.history.size()}});
    runs.push_back(row);
  }
  report_time_to_accuracy(out, runs);

  // The extrapolation: seconds = epochs · N · FLOPs per example / rate (compute-bound: large batches).
  const double h200_fp32 = 67e12;  // NVIDIA's datasheet FP32 rate of the H200 (not measured here)
  nlohmann::json extra = nlohmann::json::array();
  struct Job { std::string model; std::vector<int> hidden; double n, epochs; };
  for (const Job& job : {Job{"textbook 784-50-50-10, MNIST, 10 epochs", {50, 50}, 60000, 10},
                         Job{"784-800-800-10, MNIST, 30 epochs", {800, 800}, 60000, 30},
                         Job{"Ciresan 2010 784-2500-2000-1500-1000-500-10, 60k x 800 epochs of distortions",
                             {2500, 2000, 1500, 1000, 500}, 60000, 800},
                         Job{"784-4096x4-10, 1 billion examples (16,700 MNISTs), 1 epoch", {4096, 4096, 4096, 4096},
                             1e9, 1}}) {
    double per_example = 0;
    int in = 784;
    for (int h : job.hidden) per_example += 6.0 * in * h, in = h;
    per_example += 6.0 * in * 10;
    const double total = per_example * job.n * job.epochs;
    extra.push_back({{"job", job.model}, {"flops", total}, {"cpu_core_hours", total / F / 3600},
                     {"h200_hours_at_datasheet_fp32", total / h200_fp32 / 3600}});
    std::printf("time: %s: %.3g FLOP = %.3g h on this core, %.3g h on an H200 at 67 TFLOP/s\n", job.model.c_str(),
                total, total / F / 3600, total / h200_fp32 / 3600);
  }
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& [size, rate] : M.size_rate) rates.push_back({{"bytes", size}, {"bytes_per_second", rate}});
  return {{"gemm_flops_per_second", F},
          {"copy_bytes_per_second", M.size_rate.back().second},
          {"copy_rates", rates},
          {"per_step_overhead_seconds", c},
          {"nonzero_pixels_per_image", nnz_per_image},
          {"prediction_error_median", errors.empty() ? 0.0 : errors[errors.size() / 2]},
          {"prediction_error_max", errors.empty() ? 0.0 : errors.back()},
          {"points", rows},
          {"time_to_accuracy", tta},
          {"extrapolation", extra}};
}

}  // namespace ch10
