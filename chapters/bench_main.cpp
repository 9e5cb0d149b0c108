// The main() of the chapter benchmarks (Google Benchmark), so every one runs the same way:
// one thread (the chapters' default --threads 1: at these sizes Eigen/OpenMP would start a team of
// threads per product, which costs more than it gains and is erratic on a shared 2-core machine),
// and the machine description recorded in the JSON context ("dnn_machine"), so numbers never
// travel without their machine. Errors are the programs' own (dnn::guarded_main): a bad data folder
// is one line and exit 2, not an abort; results that could not reach stdout (/dev/full) exit 1.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "dnn/options.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/simd.hpp"

int main(int argc, char** argv) {
  const std::string program = std::filesystem::path(argc > 0 ? argv[0] : "bench").filename().string();
  dnn::apply_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return dnn::kExitBadInput;
  return dnn::guarded_main(program, [] {
    benchmark::AddCustomContext("dnn_machine", dnn::machine_info().dump());
    benchmark::AddCustomContext("cpu_kernels", dnn::simd::describe());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return dnn::kExitOk;
  });
}
