// Chapter 07 — training fast: the chapter-05 model (784-50-50-10, ReLU, softmax cross-entropy,
// SGD 0.01, batch 32, 10 epochs) trained as fast as one CPU core allows, and on the GPU.
//
//   07_fast                         train with the fastest CPU backend (fastcpu), Keras-style output
//   07_fast --backend eigen         the chapter-05 path (CpuTrainer + Eigen), same seed and data order
//   07_fast --ladder                the CPU speed ladder: each idea of fast_cpu.hpp switched on in turn,
//                                   timed in one run → ladder.csv / ladder.json / ladder.png
//   07_fast --backend cuda          the GPU (needs an NVIDIA GPU; exit code 2 with the reason otherwise)
//   07_fast --gpu-ladder --json F   every GPU variant for the full configuration, total time incl. upload
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/rng.hpp"
#include "dnn/simd.hpp"
#include "dnn/timer.hpp"
#include "dnn/train.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

using namespace dnn;

namespace {

struct Options {
  std::string backend = "fastcpu";
  std::string gpu_variant = "persistent";
  std::string hidden = "50,50";
  double lr = 0.01;
  int batch = 32;
  int epochs = 10;
  bool ladder = false;
  int ladder_epochs = 3;
  bool gpu_ladder = false;
  double pytorch_seconds = 0;
  std::string json;
  CommonOptions common;
  DataOptions data;
};

void validate(const Options& o) {
  static const std::vector<std::string> backends{"fastcpu", "eigen", "naive", "cuda", "cublas"};
  if (std::find(backends.begin(), backends.end(), o.backend) == backends.end())
    throw InputError("--backend: expected fastcpu, eigen, naive, cuda or cublas, got '" + o.backend + "'");
  if (o.batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(o.batch));
  if (o.epochs < 1) throw InputError("--epochs: expected an integer >= 1, got " + std::to_string(o.epochs));
  if (o.ladder_epochs < 1)
    throw InputError("--ladder-epochs: expected an integer >= 1, got " + std::to_string(o.ladder_epochs));
  if (!std::isfinite(o.lr) || !(o.lr > 0) || o.lr > 1e6)
    throw InputError("--lr: expected a finite learning rate > 0 (the textbook uses 0.01), got " +
                     format_number(o.lr));
  if (!(o.pytorch_seconds >= 0) || !std::isfinite(o.pytorch_seconds))
    throw InputError("--pytorch-seconds: expected seconds per epoch >= 0, got " + format_number(o.pytorch_seconds));
  if (o.ladder && o.gpu_ladder) throw InputError("--ladder and --gpu-ladder: give one of them");
  // Checked here too (not only where the GPU trainer is made), so a typo is reported even without a GPU.
  if (o.gpu_variant == "cublas") throw InputError("--gpu-variant cublas: use --backend cublas for the cuBLAS trainer");
  static const std::vector<std::string> variants{"kernels", "graph", "persistent", "cooperative"};
  if (std::find(variants.begin(), variants.end(), o.gpu_variant) == variants.end())
    throw InputError("--gpu-variant: expected kernels, graph, persistent or cooperative, got '" + o.gpu_variant + "'");
}

/// Exit code 2 with the reason when a GPU backend is asked for and there is no usable GPU.
void require_gpu(const std::string& what) {
  std::string why;
  if (!cuda::device_available(&why))
    throw InputError(what + " needs an NVIDIA GPU, and there is none usable here: " + why +
                     ". The CPU backends (--backend fastcpu or eigen) run everywhere.");
}

std::unique_ptr<Trainer> make_trainer(const std::string& backend, const std::string& gpu_variant, const Mlp& net,
                                      const OptimizerConfig& opt, const Dataset& ds, int batch,
                                      FastCpuFeatures features = {}) {
  if (backend == "fastcpu")
    return std::make_unique<FastCpuTrainer>(net, opt, ds.train_x, ds.train_y, batch, features);
  if (backend == "eigen" || backend == "naive")
    return std::make_unique<CpuTrainer>(ops_for(parse_backend(backend)), net, opt, ds.train_x, ds.train_y, batch);
  require_gpu("--backend " + backend);
#if DNN_HAVE_CUDA
  const cuda::GpuVariant v =
      backend == "cublas" ? cuda::GpuVariant::Cublas : cuda::parse_gpu_variant(gpu_variant, "--gpu-variant");
  if (backend == "cuda" && v == cuda::GpuVariant::Cublas)
    throw InputError("--gpu-variant cublas: use --backend cublas for the cuBLAS trainer");
  return std::make_unique<cuda::GpuTrainer>(net, opt, ds.train_x, ds.train_y, batch, v);
#else
  (void)gpu_variant;
  throw InputError("--backend " + backend + ": this build has no CUDA");
#endif
}

std::string model_text(const std::vector<int>& sizes) {
  std::string r;
  for (std::size_t k = 0; k < sizes.size(); ++k) r += (k ? "-" : "") + std::to_string(sizes[k]);
  return r;
}

/// The textbook run with one backend: fit() for --epochs, then the "Test loss / Test accuracy" lines.
int run_train(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
              OutputFileFlag& json) {
  Rng init_rng(o.common.seed);
  const Mlp net = make_mlp(sizes, Activation::ReLU, init_rng);
#if DNN_HAVE_CUDA
  if (o.backend == "cuda" || o.backend == "cublas") cuda::warm_up_device();  // not part of the setup time
#endif
  const Timer setup;
  std::unique_ptr<Trainer> trainer = make_trainer(o.backend, o.gpu_variant, net, opt, ds, o.batch);
  const double setup_seconds = setup.seconds();
  std::printf("Model: %s (ReLU hidden layers, softmax output), %ld parameters\n", model_text(sizes).c_str(),
              net.parameter_count());
  std::printf("Training: backend %s, SGD lr %g, batch %d, %d epochs\n", trainer->name().c_str(), opt.lr, o.batch,
              o.epochs);
  if (o.backend == "fastcpu") std::printf("CPU kernels: %s\n", simd::describe().c_str());
  nlohmann::json extra = nlohmann::json::object();
  if (auto* f = dynamic_cast<FastCpuTrainer*>(trainer.get())) {
    const CsrMatrix& S = f->train_csr();
    std::printf("CSR: %ld non-zero pixels of %ld (%.1f%% dense, %.1f per image), built in %.3f s\n", S.nnz(),
                static_cast<long>(S.rows) * S.cols, 100.0 * S.density(),
                S.rows ? static_cast<double>(S.nnz()) / S.rows : 0.0, f->csr_seconds());
    extra["csr"] = {{"nnz", S.nnz()}, {"density", S.density()}, {"seconds", f->csr_seconds()}};
  }
#if DNN_HAVE_CUDA
  if (auto* g = dynamic_cast<cuda::GpuTrainer*>(trainer.get())) {
    std::printf("GPU: %s, variant %s, upload %.4f s, setup %.4f s\n", cuda::device_description().c_str(),
                cuda::to_string(g->variant()).c_str(), g->timings().upload_seconds, g->timings().setup_seconds);
    extra["gpu"] = {{"device", cuda::device_description()},
                    {"variant", cuda::to_string(g->variant())},
                    {"upload_seconds", g->timings().upload_seconds},
                    {"setup_seconds", g->timings().setup_seconds}};
  }
#endif
  std::vector<EpochStats> history;
  FitOptions fo;
  fo.epochs = o.epochs;
  fo.seed = o.common.seed;
  fo.verbose = !o.common.quiet;
  fo.lr = opt.lr;
  fo.test_x = &ds.test_x;
  fo.test_y = &ds.test_y;
  fo.on_epoch_end = [&](const EpochStats& st) { history.push_back(st); };
  const Timer wall;
  fit(*trainer, fo);
  const double fit_seconds = wall.seconds();
  const EvalResult test = trainer->evaluate(ds.test_x, ds.test_y);
  std::printf("Test loss: %.4f\nTest accuracy: %.4f\n", test.loss, test.accuracy);
  double train_seconds = 0;
  for (const auto& e : history) train_seconds += e.seconds;
  std::printf("Training time: %.3f s for %d epochs = %.4f s/epoch (+ setup %.3f s: %s)\n", train_seconds, o.epochs,
              train_seconds / o.epochs, setup_seconds,
              o.backend == "fastcpu"                           ? "CSR conversion"
              : (o.backend == "cuda" || o.backend == "cublas") ? "CUDA context, upload, graph capture"
                                                               : "buffers");

  const std::string csv = join_path(o.common.out_dir, "history.csv");
  save_history_csv(csv, history);
  std::printf("wrote %s\n", csv.c_str());
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& e : history)
    hist.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                    {"test_loss", e.test_loss}, {"test_accuracy", e.test_accuracy}, {"seconds", e.seconds}});
  nlohmann::json summary{{"program", "07_fast"},
                         {"config",
                          {{"backend", trainer->name()}, {"layers", sizes}, {"lr", opt.lr}, {"batch", o.batch},
                           {"epochs", o.epochs}, {"seed", o.common.seed}}},
                         {"data", {{"name", ds.name}, {"source", ds.source}, {"train", ds.train_size()},
                                   {"test", ds.test_size()}}},
                         {"machine", machine_info()},
                         {"final", {{"test_loss", test.loss}, {"test_accuracy", test.accuracy}}},
                         {"train_seconds", train_seconds},
                         {"seconds_per_epoch", train_seconds / o.epochs},
                         {"setup_seconds", setup_seconds},
                         {"fit_wall_seconds", fit_seconds},
                         {"extra", extra},
                         {"history", hist}};
  save_json(join_path(o.common.out_dir, "summary.json"), summary);
  std::printf("wrote %s\n", join_path(o.common.out_dir, "summary.json").c_str());
  if (json.given()) {
    json.before_write();
    save_json(json.path(), summary);
    std::printf("wrote %s\n", json.path().c_str());
  }
  return kExitOk;
}

// ---------------------------------------------------------------- the ladders

/// CPU seconds used by this thread: unlike the wall clock, it does not count the time the thread
/// waited for a core, so it stays meaningful on a busy, shared machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Rung {
  std::string label;     // shown in the table and the chart
  std::string backend;   // fastcpu / eigen / cuda / cublas
  FastCpuFeatures features;
  std::string gpu_variant;
  std::string why_slower;  // printed when this step measures slower than the one before it
};

struct RungResult {
  Rung rung;
  std::vector<double> epoch_seconds;      // wall clock
  std::vector<double> epoch_cpu_seconds;  // CPU time of the training thread
  double median = 0, min = 0, cpu_median = 0;
  double total_seconds = 0;   // setup (upload, CSR) + all epochs
  double setup_seconds = 0;
  double train_loss = 0, test_accuracy = 0, test_loss = 0;
  std::string error;  // non-empty: this step failed (the others still run and are reported)
};

/// One trainer per step, all built before any timing. The epochs are then run round-robin (epoch 1 of
/// every step, then epoch 2 of every step, ...), so a change of load on a shared machine hits all
/// steps alike instead of whichever step happened to be running.
std::vector<RungResult> run_rungs(const std::vector<Rung>& rungs, const Options& o, const Dataset& ds,
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
  // The CPU ladder ranks by the thread's CPU time (robust on a shared machine), the GPU ladder by the
  // wall clock (the host thread mostly waits for the device).
  auto key = [cpu](const RungResult& r) { return cpu ? r.cpu_median : r.median; };
  std::printf("%-38s %10s %10s %10s %9s %8s %9s %9s\n", "step", "wall med", "wall min", "cpu med", "speedup",
              "vs prev", "total s", "test_acc");
  const std::vector<RungResult> all = run_rungs(rungs, o, ds, sizes, opt, epochs_of);
  std::vector<RungResult> results;  // the steps that ran
  int failed = 0;
  for (const RungResult& r : all) {
    if (r.error.empty()) {
      results.push_back(r);
    } else {
      ++failed;
      std::printf("%-38s FAILED: %s\n", r.rung.label.c_str(), r.error.c_str());
    }
  }
  if (results.empty()) throw std::runtime_error("every step of the ladder failed");
  for (std::size_t k = 0; k < results.size(); ++k) {
    const RungResult& res = results[k];
    const double base = key(results.front());
    const double prev = k == 0 ? key(res) : key(results[k - 1]);
    std::printf("%-38s %10.4f %10.4f %10.4f %8.1fx %7.2fx %9.3f %9.4f\n", res.rung.label.c_str(), res.median,
                res.min, res.cpu_median, base / key(res), prev / key(res), res.total_seconds, res.test_accuracy);
    if (k > 0 && key(res) > prev)
      std::printf("    ^ slower than the step before: %s\n",
                  res.rung.why_slower.empty() ? "not expected; on a busy machine rerun, ranks are by CPU time"
                                              : res.rung.why_slower.c_str());
  }

  CsvTable t({"step", "backend", "features", "median_wall_s_per_epoch", "min_wall_s_per_epoch",
              "median_cpu_s_per_epoch", "speedup_vs_first", "total_seconds", "setup_seconds", "train_loss",
              "test_loss", "test_accuracy"});
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> labels;
  std::vector<double> seconds;  // the bars: absolute time, the speedup goes into the label
  for (const auto& r : results) {
    const std::string feat = r.rung.backend == "fastcpu" ? r.rung.features.label() : r.rung.gpu_variant;
    const double speedup = key(results.front()) / key(r);
    t.add_row(std::vector<std::string>{r.rung.label, r.rung.backend, feat, format_number(r.median),
                                       format_number(r.min), format_number(r.cpu_median), format_number(speedup),
                                       format_number(r.total_seconds), format_number(r.setup_seconds),
                                       format_number(r.train_loss), format_number(r.test_loss),
                                       format_number(r.test_accuracy)});
    rows.push_back({{"step", r.rung.label}, {"backend", r.rung.backend}, {"features", feat},
                    {"epochs", r.epoch_seconds.size()},
                    {"wall_seconds_per_epoch", r.epoch_seconds}, {"cpu_seconds_per_epoch", r.epoch_cpu_seconds},
                    {"median_wall_seconds_per_epoch", r.median}, {"min_wall_seconds_per_epoch", r.min},
                    {"median_cpu_seconds_per_epoch", r.cpu_median}, {"speedup_vs_first", speedup},
                    {"total_seconds", r.total_seconds}, {"setup_seconds", r.setup_seconds},
                    {"train_loss", r.train_loss}, {"test_loss", r.test_loss}, {"test_accuracy", r.test_accuracy},
                    {"why_slower_than_previous", r.rung.why_slower}});
    char x[32];
    std::snprintf(x, sizeof x, " (%.3gx)", speedup);
    labels.push_back(r.rung.label + x);
    seconds.push_back(key(r));
  }
  const std::string stem = cpu ? "ladder" : "gpu_ladder";
  t.save(join_path(o.common.out_dir, stem + ".csv"));
  std::printf("wrote %s\n", join_path(o.common.out_dir, stem + ".csv").c_str());
  nlohmann::json doc{{"program", cpu ? "07_fast --ladder" : "07_fast --gpu-ladder"},
                     {"machine", machine_info()},
                     {"gpu", cuda::device_description()},
                     {"model", sizes},
                     {"batch", o.batch},
                     {"lr", opt.lr},
                     {"epochs_per_cpu_step", o.ladder_epochs},
                     {"epochs_per_gpu_step", o.epochs},
                     {"seed", o.common.seed},
                     {"data", {{"name", ds.name}, {"train", ds.train_size()}, {"test", ds.test_size()}}},
                     {"pytorch_seconds_per_epoch", o.pytorch_seconds},
                     {"results", rows},
                     {"failed", [&all] {
                        nlohmann::json f = nlohmann::json::array();
                        for (const RungResult& r : all)
                          if (!r.error.empty()) f.push_back({{"step", r.rung.label}, {"error", r.error}});
                        return f;
                      }()}};
  save_json(join_path(o.common.out_dir, stem + ".json"), doc);
  std::printf("wrote %s\n", join_path(o.common.out_dir, stem + ".json").c_str());
  if (json.given()) {
    json.before_write();
    save_json(json.path(), doc);
    std::printf("wrote %s\n", json.path().c_str());
  }
  if (o.pytorch_seconds > 0) {
    char x[48];
    std::snprintf(x, sizeof x, "PyTorch CPU, measured separately (%.3gx)", key(results.front()) / o.pytorch_seconds);
    labels.insert(labels.begin(), x);
    seconds.insert(seconds.begin(), o.pytorch_seconds);
  }
  PlotSpec spec{"Seconds per epoch of each step, lower is faster (" + model_text(sizes) + ", batch " +
                    std::to_string(o.batch) + "; CPU kernels " + simd::kIsa + ", " + std::to_string(simd::kLanes) +
                    " lanes; in brackets: speedup over step " + results.front().rung.label.substr(0, 1) + ")",
                "", "seconds per epoch (log scale)", true, false, 1100, 600};
  const std::string png = join_path(o.common.out_dir, stem + ".png");
  if (plot_bars(png, spec, labels, seconds)) std::printf("wrote %s\n", png.c_str());
  if (failed > 0) {
    std::fprintf(stderr, "07_fast: error: %d step(s) of the ladder failed (see above)\n", failed);
    return kExitFailure;
  }
  return kExitOk;
}

int run(const Options& o) {
  validate(o);
  apply_threads(o.common.threads);
  // Asking for the GPU without one is answered before any data is loaded.
  if (o.gpu_ladder) require_gpu("--gpu-ladder");
  if (!o.ladder && (o.backend == "cuda" || o.backend == "cublas")) require_gpu("--backend " + o.backend);
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");  // a typo fails before the data loads
  prepare_output_dir(o.common.out_dir, "--out");
  OutputFileFlag json;  // checked now, not after the training
  if (!o.json.empty()) json = OutputFileFlag(o.json, "--json", result_json_kind("07_fast"));

  Dataset ds = load_dataset(o.data);
  std::printf("%s\n", describe(ds).c_str());
  std::vector<int> sizes{ds.input_size()};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(ds.classes);
  OptimizerConfig opt;
  opt.kind = OptimizerKind::SGD;
  opt.lr = static_cast<float>(o.lr);

  std::string why;
  if (!o.ladder && !cuda::device_available(&why))
    std::printf("GPU part skipped: %s (--backend cuda/cublas and --gpu-ladder need an NVIDIA GPU).\n", why.c_str());
  if (o.ladder) return run_ladder(o, ds, sizes, opt, true, json);
  if (o.gpu_ladder) return run_ladder(o, ds, sizes, opt, false, json);
  return run_train(o, ds, sizes, opt, json);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 07: training the chapter-05 MLP fast — the fastest CPU path (sparse layer 1, fused "
               "updates) and the GPU (cuda, cublas)",
               "07_fast"};
  Options o;
  app.add_option("--backend", o.backend,
                 "fastcpu (fastest CPU path), eigen or naive (chapter 05's path), cuda (hand kernels) or cublas")
      ->capture_default_str();
  app.add_option("--gpu-variant", o.gpu_variant,
                 "For --backend cuda: kernels (fused kernels), graph (+ CUDA Graph), persistent (one kernel per "
                 "epoch, weights on chip), cooperative (one kernel per epoch on 16 SMs, one grid-wide barrier per step)")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer sizes, comma-separated (the textbook: 50,50)")
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Learning rate η of SGD (Keras default 0.01)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--batch", o.batch, "Minibatch size (Keras default 32)")->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs (the textbook: 10)")->capture_default_str();
  app.add_flag("--ladder", o.ladder,
               "Time each step of the CPU speed ladder (and the GPU variants when a GPU exists) in one run; "
               "writes ladder.csv, ladder.json, ladder.png");
  app.add_option("--ladder-epochs", o.ladder_epochs, "Epochs timed per CPU ladder step")->capture_default_str();
  app.add_flag("--gpu-ladder", o.gpu_ladder,
               "Time every GPU variant for --epochs epochs, upload included (gpu_ladder.json); needs a GPU");
  app.add_option("--pytorch-seconds", o.pytorch_seconds,
                 "PyTorch's s/epoch measured separately (chapters/05_mlp/pytorch_reference.py): added to the chart");
  app.add_option("--json", o.json, "Also write the summary (or ladder) JSON to FILE")->check(dnn::file_name());
  add_common_options(app, o.common, "out/07_fast");
  add_data_options(app, o.data);
  return run_program(app, argc, argv, [&] { return run(o); });
}
