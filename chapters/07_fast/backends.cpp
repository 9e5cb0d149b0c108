// Chapter 07 — the options checked (validate), and choosing a trainer for a backend name: the fast CPU trainer (fastcpu), chapter 05's
// CpuTrainer (eigen, naive) or the GPU trainer (cuda with a --gpu-variant, cublas).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/ops.hpp"
#include "fast.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

namespace ch07 {

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
  if (o.ladder_exercise && (o.ladder || o.gpu_ladder))
    throw InputError("--ladder-exercise with --ladder or --gpu-ladder: give one of them");
  if (o.ladder_exercise && !o.json.empty())
    throw InputError("--json with --ladder-exercise: it prints its table only, expected no --json");
  // Checked here too (not only where the GPU trainer is made), so a typo is reported even without a GPU.
  if (o.gpu_variant == "cublas") throw InputError("--gpu-variant cublas: use --backend cublas for the cuBLAS trainer");
  static const std::vector<std::string> variants{"kernels", "graph", "persistent", "cooperative"};
  if (std::find(variants.begin(), variants.end(), o.gpu_variant) == variants.end())
    throw InputError("--gpu-variant: expected kernels, graph, persistent or cooperative, got '" + o.gpu_variant + "'");
}

void require_gpu(const std::string& what) {
  std::string why;
  if (!cuda::device_available(&why))
    throw InputError(what + " needs an NVIDIA GPU, and there is none usable here: " + why +
                     ". The CPU backends (--backend fastcpu or eigen) run everywhere.");
}

std::unique_ptr<Trainer> make_trainer(const std::string& backend, const std::string& gpu_variant, const Mlp& net,
                                      const OptimizerConfig& opt, const Dataset& ds, int batch,
                                      FastCpuFeatures features) {
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

}  // namespace ch07
