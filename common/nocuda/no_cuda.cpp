// Compiled only when CMake found no nvcc: the GPU entry points say clearly why they can't run.
#include "dnn/cuda_device.hpp"

namespace dnn::cuda {

bool built_with_cuda() { return false; }

bool device_available(std::string* why) {
  if (why) *why = "this build has no CUDA (CMake found no nvcc, or it was configured with -DDNN_ENABLE_CUDA=OFF)";
  return false;
}

std::string device_description() { return "none (built without CUDA)"; }

}  // namespace dnn::cuda
