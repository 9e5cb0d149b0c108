// Chapter 06's reporting: the table on stdout, kernels.csv and kernels.json (report.cpp).
#pragma once

#include <string>
#include <vector>

#include "06_kernels/harness.hpp"

namespace ch06 {

/// One step of the ladder, run, timed and checked.
struct Result {
  std::string name, what;
  int threads;                   ///< threads it really used
  double seconds, gflops;        ///< best time of --repeat runs, 2·M·N·K / seconds / 1e9
  dnn::gemm::Check check;        ///< against the formula
};

/// The problem being timed: device ("cpu" or "cuda"), shape, output folder.
struct Problem {
  std::string device;
  int M, N, K;
  std::string out_dir;
};

/// "06_kernels: C = A·B with M=… on …" and the CPU's vector ISA: the lines before the table.
void print_problem(const Problem& p);
/// Prints the table (time, GFLOP/s, speedup over the naive step when it ran, max |err|, check)
/// and writes kernels.csv and kernels.json to p.out_dir. Returns the exit code: failure when a
/// step is wrong, "exercise to do" when a step in `not_done` is an exercise not written yet.
int report(const Problem& p, const std::vector<Result>& results, const std::vector<std::string>& not_done,
           dnn::gemm::Tolerance tol);

}  // namespace ch06
