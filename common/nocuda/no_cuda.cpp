// Compiled only when the build has no CUDA code: the GPU entry points say clearly why they can't run.
// DNN_CUDA_WHY (cmake/DnnDependencies.cmake) says why: no GPU found, no nvcc, or DNN_ENABLE_CUDA=OFF.
#include "dnn/cuda_device.hpp"

namespace dnn::cuda {

bool built_with_cuda() { return false; }

bool device_available(std::string* why) {
#ifdef DNN_CUDA_WHY
  if (why) *why = std::string("this build has no CUDA code: ") + DNN_CUDA_WHY;
#else
  if (why) *why = "this build has no CUDA code";
#endif
  return false;
}

std::string device_description() { return "none (built without CUDA)"; }

}  // namespace dnn::cuda
