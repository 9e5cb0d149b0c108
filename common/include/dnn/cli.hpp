/// @file cli.hpp
/// @brief Command-line handling shared by every program (CLI11), so each has `--help`,
///        the same names for the same options, and the same error behaviour.
#pragma once

#include <CLI/CLI.hpp>
#include <climits>
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

/// Adds `--seed`, `--threads`, `--out` (default `default_out`) and `--quiet` to `app`.
void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& default_out);

// ------------------------------------------------------------------ checked numeric flags
//
// Attach one of these to a numeric option with ->check(...). CLI11 runs it on the text *before*
// converting it, so a bad value gets one readable line that names the flag and what it expects:
//     --train-limit: expected a whole number >= 0, got 'abc'
//     --h: expected a number from 1e-10 to 0.1, got '0'
// and nothing is silently changed: real numbers must be finite (nan and inf are refused), whole
// numbers must be plain decimals that fit their type (no wrap-around of "-1" or of
// 99999999999999999999 into a seed, no "010" that CLI11 would read as octal 8).
// The same words appear in --help.
//
// Every integer option gets the decimal rule even without one of these: run_program adds it to
// each INT/UINT option before parsing, so "0x10", "010" or "1e3" never reach CLI11's conversion
// (which would read them as hex 16, octal 8, ...) whichever program declares the flag.

/// A whole number from `min` to `max` (for an `int` option; the default max is INT_MAX).
CLI::Validator whole_number(long long min, long long max = INT_MAX);
/// A seed: a whole number from 0 to 18446744073709551615 (std::uint64_t), no sign.
CLI::Validator seed_number();
/// A finite real number > 0.
CLI::Validator positive();
/// A finite real number >= `min`.
CLI::Validator at_least(double min);
/// A finite real number from `min` to `max`, both included.
CLI::Validator between(double min, double max);
/// A finite real number >= `min` and < `max` (a momentum or an Adam β: [0, 1)).
CLI::Validator at_least_below(double min, double max);
/// A finite real number > `min` and <= `max` (a decay factor: (0, 1]).
CLI::Validator above_at_most(double min, double max);

/// A file name (`--checkpoint`, `--resume`, `--json`): anything but the empty string, which an
/// unset shell variable gives (`--resume "$CKPT"`) and which must not silently mean "not given".
CLI::Validator file_name();

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

/// Parses the command line, then runs `body`. `--help` prints usage and returns 0; a bad flag
/// prints CLI11's message naming the flag and returns 2; exceptions thrown by `body` become
/// one clear line on stderr and a non-zero exit code (see error.hpp; std::bad_alloc becomes
/// "out of memory" with a hint at the sizes to lower). When what the program printed could not
/// be written to stdout (full disk, closed stdout), it says so on stderr and returns 1 instead of 0.
/// The out-of-memory hint names the size flags `app` really has (06_kernels: --m, --n, --k).
int run_program(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

/// The part of run_program after parsing, for a main() without CLI11 (the Google Benchmark
/// programs): runs `body` turning exceptions into one line on stderr and an exit code, then
/// checks that stdout was written (1 on /dev/full or a closed stdout). `size_flags` is the
/// out-of-memory hint, e.g. "--hidden, --batch".
int guarded_main(const std::string& program, const std::function<int()>& body,
                 const std::string& size_flags = "--hidden, --batch, --train-limit, ...");

/// The program's flag nearest to a mistyped one ("--epoch" -> "--epochs"), or "" when none is close.
std::string suggest_flag(const CLI::App& app, const std::string& typed);

/// The message for arguments CLI11 did not expect: each unknown flag with its nearest real one.
std::string describe_unexpected(const CLI::App& app, const std::vector<std::string>& extras);

}  // namespace dnn
