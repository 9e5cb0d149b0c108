// Chapter 07 — the speed ladders: every step of the CPU ladder (chapter 05's Eigen path, then the
// steps of common/src/fast_cpu/1_… to 5_…, each adding one idea) or every GPU variant
// (common/cuda/), trained from the same initial weights on the same minibatches and timed in one run;
// and --ladder-exercise: layer 1 on the exercise functions (sparse.hpp) beside the ladder's step 2.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/exercise.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "dnn/simd.hpp"
#include "dnn/timer.hpp"
#include "fast.hpp"
#include "sparse.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

namespace ch07 {

/// CPU seconds used by this thread: unlike the wall clock, it does not count the time the thread
/// waited for a core, so it stays meaningful on a busy, shared machine.
static double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

static double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// One trainer per step, all built before any timing. The epochs are then run round-robin (epoch 1 of
/// every step, then epoch 2 of every step, ...), so a change of load on a shared machine hits all
/// steps alike instead of whichever step happened to be running.
static std::vector<RungResult> run_rungs(const std::vector<Rung>& rungs, const Options& o, const Dataset& ds,
                                  const std::vector<int>& sizes, const OptimizerConfig& opt,
                                  const std::function<int(const Rung&)>& epochs_of) {
  std::vector<RungResult> res(rungs.size());
  std::vector<std::unique_ptr<Trainer>> trainers;
#if DNN_HAVE_CUDA
  for (const Rung& r : rungs)
    if (r.backend == "cuda" || r.backend == "cublas") {
      cuda::warm_up_device();  // the CUDA context's start-up is not part of any step's setup time
      break;
    }
#endif
  int max_epochs = 0;
  for (std::size_t k = 0; k < rungs.size(); ++k) {
    Rng init_rng(o.common.seed);
    const Mlp net = make_mlp(sizes, Activation::ReLU, init_rng);  // every step starts from the same weights
    res[k].rung = rungs[k];
    const Timer setup;
    try {
      trainers.push_back(make_trainer(rungs[k].backend, rungs[k].gpu_variant, net, opt, ds, o.batch, rungs[k].features));
    } catch (const std::exception& e) {  // e.g. a GPU variant that cannot run here: report it, go on
      trainers.push_back(nullptr);
      res[k].error = e.what();
    }
    res[k].setup_seconds = setup.seconds();
    if (const auto* fast = dynamic_cast<const FastCpuTrainer*>(trainers.back().get())) {
      res[k].note = fast->pixel_bytes_note();  // step 6 that cannot run on these images: step 5 runs
      if (!res[k].note.empty()) std::printf("%s: %s\n", rungs[k].label.c_str(), res[k].note.c_str());
    }
    max_epochs = std::max(max_epochs, epochs_of(rungs[k]));
  }
  std::vector<int> order;
  for (int e = 0; e < max_epochs; ++e) {
    epoch_order(o.common.seed, e, ds.train_size(), order);  // the same minibatches for every step
    for (std::size_t k = 0; k < rungs.size(); ++k) {
      if (e >= epochs_of(rungs[k]) || !res[k].error.empty()) continue;
      const double cpu0 = thread_cpu_seconds();
      const Timer t;
      try {
        const EpochMetrics m = trainers[k]->train_epoch(order, e + 1, {});
        res[k].train_loss = m.loss;
      } catch (const DivergenceError&) {
        throw;  // the configuration diverges (exit code 3), not one step of the ladder
      } catch (const std::exception& ex) {
        res[k].error = ex.what();
        continue;
      }
      res[k].epoch_seconds.push_back(t.seconds());
      res[k].epoch_cpu_seconds.push_back(thread_cpu_seconds() - cpu0);
    }
  }
  for (std::size_t k = 0; k < rungs.size(); ++k) {
    RungResult& r = res[k];
    if (!r.error.empty()) continue;
    r.total_seconds = r.setup_seconds;
    for (double sec : r.epoch_seconds) r.total_seconds += sec;
    const EvalResult test = trainers[k]->evaluate(ds.test_x, ds.test_y);
    r.test_accuracy = test.accuracy;
    r.test_loss = test.loss;
    r.median = median_of(r.epoch_seconds);
    r.min = *std::min_element(r.epoch_seconds.begin(), r.epoch_seconds.end());
    r.cpu_median = median_of(r.epoch_cpu_seconds);
  }
  return res;
}

int run_ladder(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
               bool cpu, OutputFileFlag& json) {
  std::vector<Rung> rungs;
  if (!cpu) {  // the GPU ladder starts from the CPU backends of the same machine (the ratio vs Eigen)
    rungs.push_back({"CPU Eigen, chapter-05 path", "eigen", {}, "", ""});
    rungs.push_back({"CPU fastcpu (chapter 07)", "fastcpu", {}, "", ""});
  }
  if (cpu) {
    rungs.push_back({"0 Eigen, chapter-05 path", "eigen", {}, "", ""});
    rungs.push_back({"1 fused one pass (Eigen GEMM)", "fastcpu", ladder_step(1), "",
                     "the same Eigen GEMMs on rows padded to whole vectors; fusing bias, ReLU and softmax saves "
                     "less than the padding costs"});
    rungs.push_back({"2 + sparse layer 1 (CSR)", "fastcpu", ladder_step(2), "", ""});
    rungs.push_back({"3 + fused SGD update", "fastcpu", ladder_step(3), "", ""});
    rungs.push_back({"4 + hand kernels for the small layers", "fastcpu", ladder_step(4), "",
                     "the small layers were already cheap: hand kernels and Eigen do the same FMAs, within noise"});
    rungs.push_back({"5 + layer 1 in blocks of pixels", "fastcpu", ladder_step(5), "",
                     "with AVX2 on an AMD Zen 5 (1 MB L2) measured within noise of step 4 (0.95-1.04x): its L2 feeds W1's rows "
                     "nearly as fast as L1, and the blocks' short stretches cost a little; elsewhere not expected (rerun on a quiet machine)"});
    const int step5 = static_cast<int>(rungs.size()) - 1;  // the tried steps build on step 5
    rungs.push_back({"6 + pixels in 3 bytes", "fastcpu", ladder_step(6), "",
                     "not expected: the same loops read 2.7x fewer bytes of images (rerun on a quiet machine)"});
    rungs.push_back({"7 (tried) 5 + layer 1 pixel by pixel", "fastcpu", ladder_step(7), "",
                     "sorting the minibatch's non-zeros by pixel each step costs more than the W1 traffic it saves",
                     step5});
    rungs.push_back({"8 (tried) 5 + layer 1 forward two images at a time", "fastcpu", ladder_step(8), "",
                     "walking the union of two images' pixels costs more loads and bookkeeping than the W1 rows it "
                     "shares (AVX2: the row cannot stay in registers for both images)",
                     step5});
  }
  std::string why_no_gpu;
  const bool have_gpu = cuda::device_available(&why_no_gpu);
  if (!have_gpu) {
    if (!cpu) require_gpu("--gpu-ladder");  // exit 2 with the reason
    std::printf("GPU part skipped: %s. Run scripts/gpu-check.sh on a GPU machine for the GPU rows.\n",
                why_no_gpu.c_str());
  }
#if DNN_HAVE_CUDA
  if (have_gpu)
    for (cuda::GpuVariant v : cuda::all_gpu_variants())
      rungs.push_back({"GPU " + cuda::to_string(v), v == cuda::GpuVariant::Cublas ? "cublas" : "cuda", {},
                       cuda::to_string(v), ""});
#endif
  // CPU steps are timed for --ladder-epochs epochs, GPU steps for the full --epochs (their total
  // time, upload included, is the chapter's target).
  auto epochs_of = [&o](const Rung& r) {
    return (r.backend == "cuda" || r.backend == "cublas") ? o.epochs : o.ladder_epochs;
  };
  std::printf("Ladder: %s, batch %d, lr %g, %d epoch(s) per CPU step%s, same initial weights and data order "
              "for all\n",
              model_text(sizes).c_str(), o.batch, opt.lr, o.ladder_epochs,
              cpu ? "" : (", " + std::to_string(o.epochs) + " per GPU step").c_str());
  std::printf("CPU kernels: %s\n", simd::describe().c_str());
  std::printf("machine: %s\n", machine_info().dump().c_str());
  std::printf("(all trainers are built first, then their epochs run round-robin; total s = setup + epochs)\n");
  std::printf("%-38s %10s %10s %10s %9s %8s %9s %9s\n", "step", "wall med", "wall min", "cpu med", "speedup",
              "vs prev", "total s", "test_acc");
  const std::vector<RungResult> all = run_rungs(rungs, o, ds, sizes, opt, epochs_of);
  return report_ladder(o, ds, sizes, opt, cpu, all, json);
}

// ---------------------------------------------------------------- --ladder-exercise

/// Rows order[start] … order[start+count−1] of the CSR images `all`, as a CSR matrix of their own
/// (the minibatch): their offsets shifted, their non-zeros copied.
static void gather_rows(const Csr& all, const std::vector<int>& order, int start, int count, Csr& batch) {
  batch.rows = count;
  batch.cols = all.cols;
  batch.row_ptr.assign(1, 0);
  batch.col_idx.clear();
  batch.values.clear();
  for (int r = 0; r < count; ++r) {
    const std::size_t i = static_cast<std::size_t>(order[static_cast<std::size_t>(start + r)]);
    const int beg = all.row_ptr[i], end = all.row_ptr[i + 1];
    batch.col_idx.insert(batch.col_idx.end(), all.col_idx.begin() + beg, all.col_idx.begin() + end);
    batch.values.insert(batch.values.end(), all.values.begin() + beg, all.values.begin() + end);
    batch.row_ptr.push_back(static_cast<int>(batch.values.size()));
  }
}

/// "" when S has the structure of a CSR form of X with as many non-zeros, else what is wrong (so a
/// wrong to_csr is reported instead of read out of bounds).
static std::string csr_problem(const Csr& S, const Matrix& X) {
  long nonzeros = 0;
  for (float v : X.data) nonzeros += (v != 0.0f);
  const long stored = static_cast<long>(S.values.size());
  if (S.rows != X.rows || S.cols != X.cols)
    return "its shape is " + std::to_string(S.rows) + "x" + std::to_string(S.cols) + ", expected " + X.shape();
  if (S.row_ptr.size() != static_cast<std::size_t>(X.rows) + 1)
    return "row_ptr has " + std::to_string(S.row_ptr.size()) + " offsets, expected rows + 1 = " +
           std::to_string(X.rows + 1);
  if (S.col_idx.size() != S.values.size()) return "col_idx and values differ in length";
  if (stored != nonzeros)
    return "it kept " + std::to_string(stored) + " of the " + std::to_string(nonzeros) + " non-zero pixels";
  if (S.row_ptr.front() != 0 || S.row_ptr.back() != stored)
    return "row_ptr does not run from 0 to the number of non-zeros";
  for (std::size_t i = 0; i + 1 < S.row_ptr.size(); ++i)
    if (S.row_ptr[i] > S.row_ptr[i + 1]) return "row_ptr decreases at row " + std::to_string(i);
  for (int k : S.col_idx)
    if (k < 0 || k >= X.cols)
      return "a column index " + std::to_string(k) + " is outside [0, " + std::to_string(X.cols) + ")";
  return "";
}

/// The largest |a − b| between the exercise's layer 1 and the dense loops on the first minibatch
/// (Z = X·W1 + b1 and dW1 = Xᵀ·dZ1 over every pixel, zeros included); +inf for a wrong shape.
static double dense_difference(const Matrix& X, const std::vector<int>& order, int count, const Matrix& W,
                               const Matrix& b, const Matrix& dZ, const Matrix& Z, const Matrix& dW) {
  const int n = W.cols;
  if (Z.rows != count || Z.cols != n || dW.rows != W.rows || dW.cols != n)
    return std::numeric_limits<double>::infinity();
  double worst = 0;
  bool nan = false;  // std::max would drop a NaN: a NaN anywhere means "wrong"
  auto note = [&](double d) {
    if (std::isnan(d)) nan = true;
    else worst = std::max(worst, d);
  };
  std::vector<double> g(static_cast<std::size_t>(W.rows) * n, 0.0);
  for (int r = 0; r < count; ++r) {
    const float* x = X.row(order[static_cast<std::size_t>(r)]);
    for (int j = 0; j < n; ++j) {
      double z = b(0, j);
      for (int k = 0; k < W.rows; ++k) z += static_cast<double>(x[k]) * W(k, j);
      note(std::fabs(z - Z(r, j)));
    }
    for (int k = 0; k < W.rows; ++k)
      for (int j = 0; j < n; ++j) g[static_cast<std::size_t>(k) * n + j] += static_cast<double>(x[k]) * dZ(r, j);
  }
  for (int k = 0; k < W.rows; ++k)
    for (int j = 0; j < n; ++j) note(std::fabs(g[static_cast<std::size_t>(k) * n + j] - dW(k, j)));
  return nan ? std::numeric_limits<double>::infinity() : worst;
}

int run_ladder_exercise(const Options& o, const Dataset& ds, const std::vector<int>& sizes,
                        const OptimizerConfig& opt) {
  std::printf("Ladder exercise: layer 1 of %s on %s, batch %d, %d epoch(s), same initial weights and data order "
              "as the ladder\n",
              model_text(sizes).c_str(), dnn::exercise_bodies(), o.batch, o.ladder_epochs);
  std::printf("CPU kernels: %s\n", simd::describe().c_str());
  std::printf("%-52s %10s %10s %10s\n", "step", "wall med", "cpu med", "setup s");
  // The reference: step 2 of the CPU ladder, whole training epochs (all layers, softmax, SGD update).
  const std::vector<Rung> reference{{"2 + sparse layer 1 (CSR)", "fastcpu", ladder_step(2), "", ""}};
  const RungResult ref = run_rungs(reference, o, ds, sizes, opt, [&o](const Rung&) { return o.ladder_epochs; })[0];
  if (!ref.error.empty())
    std::printf("%-52s FAILED: %s\n", "ladder step 2, whole epoch (reference)", ref.error.c_str());
  else
    std::printf("%-52s %10.4f %10.4f %10.4f\n", "ladder step 2, whole epoch (reference)", ref.median, ref.cpu_median,
                ref.setup_seconds);
  std::fflush(stdout);

  // Yours: to_csr once (the setup), then per minibatch Z1 = X·W1 + b1 and dW1 = Xᵀ·dZ1. W1 stays at
  // its initial value, b1 and dZ1 are fixed random matrices (the initial b1 is 0, which would hide a
  // forgotten bias): the time does not depend on their values.
  Rng init_rng(o.common.seed);
  const Mlp net = make_mlp(sizes, Activation::ReLU, init_rng);
  const Matrix& W1 = net.layers[0].W;
  Rng grad_rng(o.common.seed + 1);
  Matrix b1(1, W1.cols);
  for (float& v : b1.data) v = grad_rng.uniform(-0.1f, 0.1f);
  Matrix dZ_full(o.batch, W1.cols);
  for (float& v : dZ_full.data) v = grad_rng.uniform(-1e-3f, 1e-3f);
  const int n = ds.train_size();
  Matrix dZ_last(n % o.batch, W1.cols);  // the short last minibatch: its first rows
  std::copy(dZ_full.data.begin(), dZ_full.data.begin() + static_cast<long>(dZ_last.data.size()), dZ_last.data.begin());
  const char* label = "layer 1 on the exercises (forward + dW1)";
  Csr all, batch;
  Matrix Z1, dW1;
  std::vector<double> wall, cpu;
  double setup_seconds = 0, difference = 0;
  std::vector<int> order;
  try {
    const Timer setup;
    to_csr(ds.train_x, all);
    setup_seconds = setup.seconds();
    const std::string wrong = csr_problem(all, ds.train_x);
    if (!wrong.empty()) {
      std::printf("%-52s to_csr is WRONG: %s\n", label, wrong.c_str());
      std::fprintf(stderr, "07_fast: error: to_csr: %s (scripts/check 07 runs its tests)\n", wrong.c_str());
      return kExitFailure;
    }
    // Checked before the timing, on the first minibatch: against the dense loops over every pixel.
    epoch_order(o.common.seed, 0, n, order);
    const int count0 = std::min(o.batch, n);
    gather_rows(all, order, 0, count0, batch);
    Z1 = Matrix(count0, W1.cols, std::numeric_limits<float>::quiet_NaN());  // buffers as a step before left them:
    dW1 = Matrix(W1.rows, W1.cols, std::numeric_limits<float>::quiet_NaN());  // what is not written stays NaN
    sparse_dense_forward(batch, W1, b1, Z1);
    sparse_weight_gradient(batch, count0 == o.batch ? dZ_full : dZ_last, dW1);
    difference = dense_difference(ds.train_x, order, count0, W1, b1, count0 == o.batch ? dZ_full : dZ_last, Z1, dW1);
    for (int e = 0; e < o.ladder_epochs; ++e) {
      epoch_order(o.common.seed, e, n, order);  // the same minibatches as the ladder's
      const double cpu0 = thread_cpu_seconds();
      const Timer t;
      for (int start = 0; start < n; start += o.batch) {
        const int count = std::min(o.batch, n - start);
        gather_rows(all, order, start, count, batch);
        sparse_dense_forward(batch, W1, b1, Z1);
        sparse_weight_gradient(batch, count == o.batch ? dZ_full : dZ_last, dW1);
      }
      wall.push_back(t.seconds());
      cpu.push_back(thread_cpu_seconds() - cpu0);
    }
  } catch (const ExerciseNotDone&) {
    std::printf("%-52s not done yet (exercises/ch07_fast.cpp)\n", label);
    std::fflush(stdout);
    throw;  // run_program says which one, where, and how to check it (exit code 4)
  }
  std::printf("%-52s %10.4f %10.4f %10.4f\n", label, median_of(wall), median_of(cpu), setup_seconds);
  std::printf("(layer 1 is most of a step: README, \"Why not faster\"; setup = to_csr of the training images)\n");
  std::printf("check: to_csr kept all %ld non-zero pixels; on the first minibatch layer 1 differs from the dense "
              "X·W1 + b1 and Xᵀ·dZ1 by at most %.3g%s\n",
              static_cast<long>(all.values.size()), difference,
              difference <= 1e-4 ? "" : std::isinf(difference) ? " (WRONG: a NaN, or a wrong shape)" : " (WRONG)");
  if (!(difference <= 1e-4)) {
    std::fprintf(stderr, "07_fast: error: the exercise functions do not compute layer 1, expected the dense result: "
                         "run scripts/check 07\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ch07
