// Chapter 07 — training fast: the chapter-05 model (784-50-50-10, ReLU, softmax cross-entropy,
// SGD 0.01, batch 32, 10 epochs) trained as fast as one CPU core allows, and on the GPU.
//
//   07_fast                         train with the fastest CPU backend (fastcpu), Keras-style output
//   07_fast --backend eigen         the chapter-05 path (CpuTrainer + Eigen), same seed and data order
//   07_fast --ladder                the CPU speed ladder: each idea of fast_cpu.hpp switched on in turn,
//                                   timed in one run → ladder.csv / ladder.json / ladder.png
//   07_fast --backend cuda          the GPU (needs an NVIDIA GPU; exit code 2 with the reason otherwise)
//   07_fast --gpu-ladder --json F   every GPU variant for the full configuration, total time incl. upload
//   07_fast --ladder-exercise       layer 1 on your exercise functions (sparse.hpp) beside ladder step 2
//
// The CPU trainer's steps are common/src/fast_cpu/1_… to 5_… (one idea each), the GPU variants
// common/cuda/; ladder.cpp times them, report.cpp prints and writes the results.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/rng.hpp"
#include "dnn/timer.hpp"
#include "fast.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

using namespace ch07;

namespace {

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
  const nlohmann::json extra = print_setup(o, sizes, net, opt, *trainer);
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
  report_training(o, ds, sizes, opt, *trainer, history, test, setup_seconds, fit_seconds, extra, json);
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
  if (o.ladder_exercise) return run_ladder_exercise(o, ds, sizes, opt);
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
  app.add_flag("--ladder-exercise", o.ladder_exercise,
               "Time layer 1 on the exercise functions (to_csr, sparse_dense_forward, sparse_weight_gradient: "
               "yours in build/yours/bin) beside the ladder's step 2, for --ladder-epochs epochs");
  app.add_flag("--gpu-ladder", o.gpu_ladder,
               "Time every GPU variant for --epochs epochs, upload included (gpu_ladder.json); needs a GPU");
  app.add_option("--pytorch-seconds", o.pytorch_seconds,
                 "PyTorch's s/epoch measured separately (chapters/05_mlp/pytorch_reference.py): added to the chart");
  app.add_option("--json", o.json, "Also write the summary (or ladder) JSON to FILE")->check(dnn::file_name());
  add_common_options(app, o.common, "out/07_fast");
  add_data_options(app, o.data);
  return run_program(app, argc, argv, [&] { return run(o); });
}
