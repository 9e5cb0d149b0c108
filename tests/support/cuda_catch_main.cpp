// main() of the CUDA test programs: without a usable GPU, say why and exit 77,
// which ctest counts as "skipped" (SKIP_RETURN_CODE 77), never as "passed".
#include <cstdio>
#include <string>

#include "catch_session.hpp"
#include "dnn/cuda_device.hpp"

int main(int argc, char* argv[]) {
  std::string why;
  if (!dnn::cuda::device_available(&why)) {
    std::printf("SKIPPED: no usable CUDA device (%s). These tests run on the GPU machine "
                "(scripts/gpu-check.sh).\n", why.c_str());
    return 77;
  }
  return dnn::test::run_catch_session(argc, argv);
}
