// Chapter 07 — reporting: what 07_fast prints and writes once a trainer is built, once it has
// trained (history.csv, summary.json) and once a ladder has run (ladder.csv/json/png).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "dnn/simd.hpp"
#include "fast.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

namespace ch07 {

nlohmann::json print_setup(const Options& o, const std::vector<int>& sizes, const Mlp& net,
                           const OptimizerConfig& opt, Trainer& trainer) {
  std::printf("Model: %s (ReLU hidden layers, softmax output), %ld parameters\n", model_text(sizes).c_str(),
              net.parameter_count());
  std::printf("Training: backend %s, SGD lr %g, batch %d, %d epochs\n", trainer.name().c_str(), opt.lr, o.batch,
              o.epochs);
  if (o.backend == "fastcpu") std::printf("CPU kernels: %s\n", simd::describe().c_str());
  nlohmann::json extra = nlohmann::json::object();
  if (auto* f = dynamic_cast<FastCpuTrainer*>(&trainer)) {
    const CsrMatrix& S = f->train_csr();
    std::printf("CSR: %ld non-zero pixels of %ld (%.1f%% dense, %.1f per image), built in %.3f s\n", S.nnz(),
                static_cast<long>(S.rows) * S.cols, 100.0 * S.density(),
                S.rows ? static_cast<double>(S.nnz()) / S.rows : 0.0, f->csr_seconds());
    extra["csr"] = {{"nnz", S.nnz()}, {"density", S.density()}, {"seconds", f->csr_seconds()}};
    if (f->runs_pixel_bytes())
      std::printf("Layer 1 reads the images in 3 bytes per non-zero pixel (step 6), not 8\n");
    else if (!f->pixel_bytes_note().empty())
      std::printf("NOTE: %s\n", f->pixel_bytes_note().c_str());
    extra["pixel_bytes"] = {{"runs", f->runs_pixel_bytes()}, {"note", f->pixel_bytes_note()}};
  }
#if DNN_HAVE_CUDA
  if (auto* g = dynamic_cast<cuda::GpuTrainer*>(&trainer)) {
    std::printf("GPU: %s, variant %s, upload %.4f s, setup %.4f s\n", cuda::device_description().c_str(),
                cuda::to_string(g->variant()).c_str(), g->timings().upload_seconds, g->timings().setup_seconds);
    extra["gpu"] = {{"device", cuda::device_description()},
                    {"variant", cuda::to_string(g->variant())},
                    {"upload_seconds", g->timings().upload_seconds},
                    {"setup_seconds", g->timings().setup_seconds}};
  }
#endif
  return extra;
}

void report_training(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
                     const Trainer& trainer, const std::vector<EpochStats>& history, const EvalResult& test,
                     double setup_seconds, double fit_seconds, const nlohmann::json& extra, OutputFileFlag& json) {
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
                          {{"backend", trainer.name()}, {"layers", sizes}, {"lr", opt.lr}, {"batch", o.batch},
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
  save_summary_json(join_path(o.common.out_dir, "summary.json"), summary, json);
}

int report_ladder(const Options& o, const Dataset& ds, const std::vector<int>& sizes, const OptimizerConfig& opt,
                  bool cpu, const std::vector<RungResult>& all, OutputFileFlag& json) {
  // The CPU ladder ranks by the thread's CPU time (robust on a shared machine), the GPU ladder by the
  // wall clock (the host thread mostly waits for the device).
  auto key = [cpu](const RungResult& r) { return cpu ? r.cpu_median : r.median; };
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
  // The step each one builds on: the one listed before it, or its Rung::base (the tried steps all
  // build on the same one). "vs prev" compares with that step.
  auto builds_on = [&](std::size_t k) -> const RungResult& {
    const RungResult& res = results[k];
    if (res.rung.base >= 0)
      for (const RungResult& r : results)
        if (r.rung.label == all[static_cast<std::size_t>(res.rung.base)].rung.label) return r;
    return k == 0 ? res : results[k - 1];
  };
  for (std::size_t k = 0; k < results.size(); ++k) {
    const RungResult& res = results[k];
    const double base = key(results.front());
    const double prev = key(builds_on(k));
    std::printf("%-38s %10.4f %10.4f %10.4f %8.1fx %7.2fx %9.3f %9.4f\n", res.rung.label.c_str(), res.median,
                res.min, res.cpu_median, base / key(res), prev / key(res), res.total_seconds, res.test_accuracy);
    if (!res.note.empty()) std::printf("    ^ %s\n", res.note.c_str());
    if (k > 0 && key(res) > prev)
      std::printf("    ^ slower than the step it builds on: %s\n",
                  res.rung.why_slower.empty() ? "not expected; on a busy machine rerun, ranks are by CPU time"
                                              : res.rung.why_slower.c_str());
  }

  CsvTable t({"step", "backend", "features", "median_wall_s_per_epoch", "min_wall_s_per_epoch",
              "median_cpu_s_per_epoch", "speedup_vs_first", "total_seconds", "setup_seconds", "train_loss",
              "test_loss", "test_accuracy"});
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> labels;
  std::vector<double> seconds;  // the bars: absolute time, the speedup goes into the label
  for (std::size_t k = 0; k < results.size(); ++k) {
    const RungResult& r = results[k];
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
                    {"builds_on", k == 0 ? std::string() : builds_on(k).rung.label},
                    // the step `--backend fastcpu` runs (all of the ladder's main steps, FastCpuFeatures{})
                    {"is_fastcpu_backend", r.rung.backend == "fastcpu" && feat == FastCpuFeatures{}.label()},
                    {"why_slower_than_previous", r.rung.why_slower},
                    {"note", r.note}});
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
  save_summary_json(join_path(o.common.out_dir, stem + ".json"), doc, json);
  if (o.pytorch_seconds > 0) {
    char x[48];
    std::snprintf(x, sizeof x, "PyTorch CPU, measured separately (%.3gx)", key(results.front()) / o.pytorch_seconds);
    labels.insert(labels.begin(), x);
    seconds.insert(seconds.begin(), o.pytorch_seconds);
  }
  PlotSpec spec{"Seconds per epoch of each step, lower is faster\n(" + display_name(ds) + ", " +
                    std::to_string(ds.train_size()) + " training images, " + model_text(sizes) + ", batch " +
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


}  // namespace ch07
