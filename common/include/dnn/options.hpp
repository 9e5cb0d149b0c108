/// @file options.hpp
/// @brief What every program shares about its options, without CLI11 (cli.hpp declares the flags):
///        the common options, the parsing of comma-separated lists, `--threads`, and the guarded
///        main() that turns exceptions into one clear line and an exit code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dnn {

/// Options almost every chapter program has.
struct CommonOptions {
  std::uint64_t seed = 42;   ///< `--seed`: every random choice derives from it
  int threads = 1;           ///< `--threads`: Eigen/OpenMP threads (1 is fastest at batch 32 here)
  std::string out_dir;       ///< `--out`: where CSV/JSON/PNG results go
  bool quiet = false;        ///< `--quiet`: no progress bars
};

/// The widest hidden layer `--hidden` accepts. The READMEs' experiments go up to 500,500; 4096,4096
/// still fits in memory everywhere, while 100000,100000 would need 40 GB for one weight matrix.
constexpr int kMaxLayerWidth = 4096;

/// Parses a comma-separated list of integers from 1 to `max` such as "50,50" (batch sizes).
/// Throws InputError naming `flag` and what was expected for anything else
/// ("", "50,", "5 0", "0", "-50", "abc", a number above `max`).
std::vector<int> parse_sizes(const std::string& text, const std::string& flag, int max = 1000000);

/// Hidden layer sizes ("50,50"): parse_sizes with at most kMaxLayerWidth units per layer.
std::vector<int> parse_layer_sizes(const std::string& text, const std::string& flag = "--hidden");

/// Applies `--threads` (Eigen and OpenMP). Throws InputError when threads < 1.
void apply_threads(int threads);

/// The part of run_program after parsing, for a main() without CLI11 (the Google Benchmark
/// programs): runs `body` turning exceptions into one line on stderr and an exit code, then
/// checks that stdout was written (1 on /dev/full or a closed stdout). `size_flags` is the
/// out-of-memory hint, e.g. "--hidden, --batch".
int guarded_main(const std::string& program, const std::function<int()>& body,
                 const std::string& size_flags = "--hidden, --batch, --train-limit, ...");

}  // namespace dnn
