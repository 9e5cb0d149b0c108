// Chapter 07 — choosing a trainer for a backend name: the fast CPU trainer (fastcpu), chapter 05's
// CpuTrainer (eigen, naive) or the GPU trainer (cuda with a --gpu-variant, cublas).
#include <memory>
#include <string>
#include <vector>

#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/ops.hpp"
#include "fast.hpp"
#if DNN_HAVE_CUDA
#include "dnn/gpu_trainer.hpp"
#endif

namespace ch07 {

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
