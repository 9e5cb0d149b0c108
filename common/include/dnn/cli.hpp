/// @file cli.hpp
/// @brief Command-line handling shared by every program (CLI11), so each has `--help`,
///        the same names for the same options, and the same error behaviour.
///
/// Only the files that declare flags include this header (a program's main.cpp, the option files):
/// CLI11 is a header-only library that costs ~15 s of compile time in every file that includes it.
/// The options themselves, and what the rest of a program does with them, are in options.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "dnn/options.hpp"

namespace dnn {

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

/// Parses the command line, then runs `body`. `--help` prints usage and returns 0; a bad flag
/// prints CLI11's message naming the flag and returns 2; exceptions thrown by `body` become
/// one clear line on stderr and a non-zero exit code (see error.hpp; std::bad_alloc becomes
/// "out of memory" with a hint at the sizes to lower). When what the program printed could not
/// be written to stdout (full disk, closed stdout), it says so on stderr and returns 1 instead of 0.
/// The out-of-memory hint names the size flags `app` really has (06_kernels: --m, --n, --k).
int run_program(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

/// The program's flag nearest to a mistyped one ("--epoch" -> "--epochs"), or "" when none is close.
std::string suggest_flag(const CLI::App& app, const std::string& typed);

/// The message for arguments CLI11 did not expect: each unknown flag with its nearest real one.
std::string describe_unexpected(const CLI::App& app, const std::vector<std::string>& extras);

}  // namespace dnn
