// Chapter 07 — the speed ladders: every step of the CPU ladder (chapter 05's Eigen path, then the
// steps of common/src/fast_cpu/1_… to 5_…, each adding one idea) or every GPU variant
// (common/cuda/), trained from the same initial weights on the same minibatches and timed in one run.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "dnn/simd.hpp"
#include "dnn/timer.hpp"
#include "fast.hpp"
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
    rungs.push_back({"1 fused one pass (Eigen GEMM)", "fastcpu", {false, false, false, false}, "",
                     "the same Eigen GEMMs on rows padded to whole vectors; fusing bias, ReLU and softmax saves "
                     "less than the padding costs"});
    rungs.push_back({"2 + sparse layer 1 (CSR)", "fastcpu", {true, false, false, false}, "", ""});
    rungs.push_back({"3 + fused SGD update", "fastcpu", {true, true, false, false}, "", ""});
    rungs.push_back({"4 + hand kernels for the small layers", "fastcpu", {true, true, true, false}, "",
                     "the small layers were already cheap: hand kernels and Eigen do the same FMAs, within noise"});
    rungs.push_back({"5 (tried) 4 + layer 1 pixel by pixel", "fastcpu", {true, true, true, true}, "",
                     "sorting the minibatch's non-zeros by pixel each step costs more than the W1 traffic it saves"});
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

}  // namespace ch07
