// Is there a usable GPU? (compiled only when nvcc exists)
#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "dnn/cuda_device.hpp"

namespace dnn::cuda {

bool built_with_cuda() { return true; }

bool device_available(std::string* why) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    // A machine without an NVIDIA GPU (or without its driver) reports "CUDA driver version is
    // insufficient": say what that means first, the runtime's words after.
    if (why) *why = std::string("no NVIDIA GPU found (the CUDA runtime says: ") + cudaGetErrorString(err) + ")";
    cudaGetLastError();  // clear the sticky error
    return false;
  }
  if (err != cudaSuccess) {
    if (why) *why = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error
    return false;
  }
  if (n == 0) {
    if (why) *why = "no NVIDIA GPU found (the CUDA runtime sees no device)";
    return false;
  }
  return true;
}

std::string device_description() {
  std::string why;
  if (!device_available(&why)) return "none (" + why + ")";
  int dev = 0;
  cudaDeviceProp p{};
  cudaError_t err = cudaGetDevice(&dev);
  if (err == cudaSuccess) err = cudaGetDeviceProperties(&p, dev);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error, as device_available does
    return std::string("unknown (cudaGetDeviceProperties failed: ") + cudaGetErrorString(err) + ")";
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %d SMs, %.0f GB)", p.name, p.major, p.minor, p.multiProcessorCount,
                static_cast<double>(p.totalGlobalMem) / 1e9);
  return buf;
}

}  // namespace dnn::cuda
