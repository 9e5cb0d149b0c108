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
// (P = 784·w + w + 10·w + 10 parameters). With chapter 07's sparse first layer only the
// non-zero pixels count: 784 becomes the mean non-zeros per image (≈ 150) in layer 1's products.
// Model: t_step = FLOPs / F + bytes / M + c, where F (FLOP/s of one core's GEMM), M (bytes/s of
// a large copy) are measured by two micro-benchmarks here and c is a fixed per-step cost (also
// fitted: the smallest measured step). The experiment compares the prediction with measured steps
// over widths × batches, then measures time-to-accuracy (97 %, 98 %) for SGD and Adam, then
// extrapolates: what would take an hour, or a day, here and on an H200. The timings are CPU
// seconds of the training thread (CpuTimer), so that other jobs on a shared machine do not count.
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

double measure_copy_bandwidth(bool quick) {  // bytes/s of a 64 MB copy (read + write counted)
  std::vector<float> a(16u << 20, 1.0f), b(16u << 20);
  double best = 0;
  for (int rep = 0; rep < (quick ? 2 : 5); ++rep) {
    const CpuTimer t;
    std::memcpy(b.data(), a.data(), a.size() * sizeof(float));
    best = std::max(best, 2.0 * static_cast<double>(a.size() * sizeof(float)) / t.seconds());
  }
  return best + 0 * b[7];
}

struct StepCost {
  double flops = 0, bytes = 0;
};
StepCost step_cost(int w, int batch, double layer1_inputs) {
  const double P = 784.0 * w + w + 10.0 * w + 10;
  StepCost c;
  c.flops = batch * (2 * (2 * layer1_inputs * w + 2 * 10.0 * w) + 2 * 10.0 * w);
  c.bytes = 4 * P * 6 + 4.0 * batch * (784 + 3 * w + 30);
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
  const double F = measure_gemm_flops(o.quick), M = measure_copy_bandwidth(o.quick);
  const CsrMatrix csr = to_csr(ds.train_x);
  const double nnz_per_image = static_cast<double>(csr.nnz()) / ds.train_size();
  std::printf("time: one core's GEMM %.1f GFLOP/s, copy %.1f GB/s, %.1f non-zero pixels per image\n", F / 1e9, M / 1e9,
              nnz_per_image);
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
        const StepCost c = step_cost(w, b, fast ? nnz_per_image : 784.0);
        p.flops_per_example = c.flops / b;
        p.bytes_per_step = c.bytes;
        const double steps = std::ceil(static_cast<double>(ds.train_size()) / b);
        p.measured_s_per_epoch = step_s * steps;
        p.predicted_s_per_epoch = (c.flops / F + c.bytes / M) * steps;
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
  return {{"gemm_flops_per_second", F},
          {"copy_bytes_per_second", M},
          {"per_step_overhead_seconds", c},
          {"nonzero_pixels_per_image", nnz_per_image},
          {"prediction_error_median", errors.empty() ? 0.0 : errors[errors.size() / 2]},
          {"prediction_error_max", errors.empty() ? 0.0 : errors.back()},
          {"points", rows},
          {"time_to_accuracy", tta},
          {"extrapolation", extra}};
}

}  // namespace ch10
