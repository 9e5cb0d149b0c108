// Chapter 06's reporting: the table on stdout, kernels.csv and kernels.json (see report.hpp).
#include "report.hpp"

#include <cstdio>

#include "06_kernels/cpu/gemm.hpp"
#include "dnn/options.hpp"
#include "dnn/cuda_device.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/simd.hpp"

using namespace dnn;

namespace ch06 {

void print_problem(const Problem& p) {
  std::printf("06_kernels: C = A·B with M=%d N=%d K=%d (%.3g GFLOP per product) on %s\n", p.M, p.N, p.K,
              gemm::gemm_flops(p.M, p.N, p.K) / 1e9,
              p.device == "cpu" ? "the CPU" : cuda::device_description().c_str());
  std::printf("CPU kernels: %s (packed tile %s)\n", simd::describe().c_str(), gemm::packed_tile().c_str());
}

int report(const Problem& p, const std::vector<Result>& results, const std::vector<std::string>& not_done,
           gemm::Tolerance tol) {
  double naive_seconds = 0.0;  // the speedups are over the naive step, when it ran
  for (const Result& r : results)
    if (r.name == "naive") naive_seconds = r.seconds;
  bool all_ok = true;
  std::printf("\n%-12s %3s %12s %10s %9s %12s  %s\n", "kernel", "thr", "time [ms]", "GFLOP/s", "vs naive",
              "max |err|", "check vs naive");
  CsvTable csv({"device", "kernel", "threads", "M", "N", "K", "seconds", "gflops", "speedup_vs_naive", "max_abs_err",
                "elements_checked", "ok"});
  nlohmann::json doc;
  doc["machine"] = machine_info();
  doc["device"] = p.device == "cpu" ? "cpu" : cuda::device_description();
  doc["shape"] = {{"M", p.M}, {"N", p.N}, {"K", p.K}};
  for (const Result& r : results) {
    const double speedup = naive_seconds > 0 ? naive_seconds / r.seconds : 0.0;
    const gemm::Check& c = r.check;
    all_ok = all_ok && c.ok;
    char speed[32] = "-";
    if (speedup > 0) std::snprintf(speed, sizeof speed, "%.1fx", speedup);
    std::printf("%-12s %3d %12.3f %10.1f %9s %12.3g  %s (%ld elements)\n", r.name.c_str(), r.threads,
                r.seconds * 1e3, r.gflops, speed, c.max_err, c.ok ? "OK" : "FAILED", c.checked);
    csv.add_row(std::vector<std::string>{p.device, r.name, std::to_string(r.threads), std::to_string(p.M),
                                         std::to_string(p.N), std::to_string(p.K), format_number(r.seconds),
                                         format_number(r.gflops), format_number(speedup), format_number(c.max_err),
                                         std::to_string(c.checked), c.ok ? "1" : "0"});
    doc["kernels"].push_back({{"kernel", r.name}, {"what", r.what}, {"threads", r.threads}, {"seconds", r.seconds},
                              {"gflops", r.gflops}, {"speedup_vs_naive", speedup}, {"max_abs_err", c.max_err},
                              {"elements_checked", c.checked}, {"ok", c.ok}});
  }
  const std::string csv_path = join_path(p.out_dir, "kernels.csv");
  const std::string json_path = join_path(p.out_dir, "kernels.json");
  csv.save(csv_path);
  save_json(json_path, doc);
  std::printf("\ntolerance |C - naive| <= %.3g + %.0e*|naive|; wrote %s and %s\n", tol.atol, tol.rtol,
              csv_path.c_str(), json_path.c_str());
  if (!all_ok) {
    std::fprintf(stderr, "06_kernels: error: a kernel disagrees with the naive reference (see FAILED above)\n");
    return kExitFailure;
  }
  if (!not_done.empty()) {
    std::string names;
    for (const std::string& n : not_done) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "06_kernels: skipped %s: exercise not done yet (write it, then run scripts/check 06)\n",
                 names.c_str());
    return kExitExerciseTodo;
  }
  return kExitOk;
}

}  // namespace ch06
