// main() of the CUDA test programs: without a usable GPU, say why and exit 77,
// which ctest counts as "skipped" (SKIP_RETURN_CODE 77), never as "passed".
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif
#include <cstdio>
#include <string>

#include "dnn/cuda_device.hpp"

int main(int argc, char* argv[]) {
  std::string why;
  if (!dnn::cuda::device_available(&why)) {
    std::printf("SKIPPED: no usable CUDA device (%s). These tests run on the GPU machine "
                "(scripts/gpu-check.sh).\n", why.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
