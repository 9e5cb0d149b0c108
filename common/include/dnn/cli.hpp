/// @file cli.hpp
/// @brief Command-line handling shared by every program (CLI11), so each has `--help`,
///        the same names for the same options, and the same error behaviour.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dnn {

/// Options almost every chapter program has.
struct CommonOptions {
  std::uint64_t seed = 42;   ///< --seed: every random choice derives from it
  int threads = 1;           ///< --threads: Eigen/OpenMP threads (1 is fastest at batch 32 here)
  std::string out_dir;       ///< --out: where CSV/JSON/PNG results go
  bool quiet = false;        ///< --quiet: no progress bars
};

/// Adds --seed, --threads, --out (default `default_out`) and --quiet to `app`.
void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& default_out);

/// Parses a comma-separated list of positive integers such as "50,50" (layer sizes, batch
/// sizes). Throws InputError naming `flag` and what was expected for anything else
/// ("", "50,", "5 0", "0", "-50", "abc").
std::vector<int> parse_sizes(const std::string& text, const std::string& flag);

/// Applies --threads (Eigen and OpenMP). Throws InputError when threads < 1.
void apply_threads(int threads);

/// Parses the command line, then runs `body`. `--help` prints usage and returns 0; a bad flag
/// prints CLI11's message naming the flag and returns 2; exceptions thrown by `body` become
/// one clear line on stderr and a non-zero exit code (see error.hpp).
int run_program(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

}  // namespace dnn
