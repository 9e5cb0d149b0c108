// The main() of the chapter benchmarks (Google Benchmark), so every one runs the same way:
// one thread (the chapters' default --threads 1: at these sizes Eigen/OpenMP would start a team of
// threads per product, which costs more than it gains and is erratic on a shared 2-core machine),
// and the machine description recorded in the JSON context ("dnn_machine"), so numbers never
// travel without their machine.
#include <benchmark/benchmark.h>

#include "dnn/cli.hpp"
#include "dnn/log.hpp"

int main(int argc, char** argv) {
  dnn::apply_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("dnn_machine", dnn::machine_info().dump());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
