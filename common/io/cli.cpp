// Command-line handling and the guarded main() shared by every program.
#include "dnn/cli.hpp"

#include <algorithm>

#include <Eigen/Core>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <sstream>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dnn/error.hpp"
#include "dnn/exercise.hpp"

namespace dnn {

// ------------------------------------------------------------------ checked numeric flags

namespace {

/// A bound as the messages show it: "0.1", "1e-10", "1e+06".
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// A validator that CLI11 calls with the flag's text: "" when `ok(text)` says it is fine, else
/// "expected a <what>, got '<text>'" (CLI11 puts "--flag: " in front). `what` is also --help's.
CLI::Validator make_validator(const std::string& what, std::function<bool(std::string&)> ok) {
  return CLI::Validator(
      [what, ok](std::string& text) -> std::string {
        if (ok(text)) return "";
        return "expected a " + what + ", got '" + text + "'";
      },
      what);
}

/// True when `text` is a plain decimal integer ("-12", "7"): an optional minus, then digits only.
bool is_decimal_integer(const std::string& text) {
  std::size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  return true;
}

/// "010", "-07": CLI11 would read a leading 0 as octal (010 = 8), so such text is refused, not
/// silently changed.
bool has_leading_zero(const std::string& text) {
  const std::size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  return text.size() > i + 1 && text[i] == '0';
}

/// A real number from `min` to `max`; `min_in`/`max_in`: whether the bound itself is allowed.
CLI::Validator real_number(const std::string& what, double min, bool min_in, double max, bool max_in) {
  return make_validator(what, [=](std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v)) return false;  // "abc", "1x", nan, inf, 1e999
    // "> 0": the training keeps these in 32-bit floats, where 1e-300 (or anything below FLT_MIN)
    // is 0 or a denormal, so a learning rate of 1e-300 would silently train with η = 0.
    if (min == 0 && !min_in && std::fabs(v) < FLT_MIN) return false;
    return (min_in ? v >= min : v > min) && (max_in ? v <= max : v < max);
  });
}

}  // namespace

CLI::Validator whole_number(long long min, long long max) {
  const std::string what = max == INT_MAX ? "whole number >= " + std::to_string(min)
                                          : "whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [what, min, max](std::string& text) -> std::string {
        const std::string expected = "expected a " + what + ", got '" + text + "'";
        if (!is_decimal_integer(text)) return expected;
        if (has_leading_zero(text)) return expected + " (write it without leading zeros)";
        errno = 0;
        const long long v = std::strtoll(text.c_str(), nullptr, 10);
        if (v < min) return expected;
        if (errno == ERANGE || v > max)  // with the default max the range above does not show it
          return max == INT_MAX ? expected + " (at most " + std::to_string(max) + ")" : expected;
        return "";
      },
      what);
}

CLI::Validator seed_number() {
  return make_validator("whole number from 0 to 18446744073709551615", [](std::string& text) {
    // "-1" would wrap around to 18446744073709551615; "010" would be read as octal 8.
    if (text.empty() || text[0] == '-' || !is_decimal_integer(text) || has_leading_zero(text)) return false;
    errno = 0;
    std::strtoull(text.c_str(), nullptr, 10);
    return errno != ERANGE;
  });
}

CLI::Validator file_name() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.empty() ? "expected a file name, got an empty string (an unset variable?)" : "";
      },
      "");
}

namespace {
// The decimal rule for an integer option that has no whole_number()/seed_number() check (added by
// run_program): the description is empty, so --help is unchanged.
CLI::Validator decimal_rule() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (is_decimal_integer(text) && !has_leading_zero(text)) return "";
        return "expected a whole number written in decimal digits, got '" + text + "'" +
               (is_decimal_integer(text) ? " (write it without leading zeros)" : "");
      },
      "");
}

bool is_integer_option(const CLI::Option* opt) {
  const std::string type = opt->get_type_name();
  return type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0;
}

// The size flags of `app`, for the out-of-memory hint: only those it really has.
std::string size_flags_of(const CLI::App& app) {
  std::string flags;
  for (const char* f : {"--hidden", "--batch", "--train-limit", "--m", "--n", "--k", "--points", "--grid"}) {
    bool has = false;
    for (const CLI::Option* opt : app.get_options())
      if (opt->check_lname(std::string(f).substr(2))) has = true;
    if (has) flags += (flags.empty() ? "" : ", ") + std::string(f);
  }
  return flags.empty() ? "the sizes" : flags;
}

// Everything the program printed must have reached stdout: a full disk (`> log.txt`) or a closed
// stdout would otherwise lose the results' lines (or the --help text) and still exit 0.
// Both C's stdout and std::cout (CLI11's --help, Google Benchmark's tables) are checked.
int check_stdout(const std::string& program, int code) {
  errno = 0;
  std::cout.flush();
  const bool cout_failed = std::cout.fail();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || cout_failed) {
    const int err = errno;  // 0 when only an earlier write failed
    std::fprintf(stderr, "%s: error: writing to standard output failed%s%s\n", program.c_str(), err ? ": " : "",
                 err ? std::strerror(err) : "");
    return code == kExitOk ? kExitFailure : code;
  }
  return code;
}
}  // namespace

CLI::Validator positive() { return real_number("number > 0", 0, false, INFINITY, false); }

CLI::Validator at_least(double min) {
  return real_number("number >= " + number_text(min), min, true, INFINITY, false);
}

CLI::Validator between(double min, double max) {
  return real_number("number from " + number_text(min) + " to " + number_text(max), min, true, max, true);
}

CLI::Validator at_least_below(double min, double max) {
  return real_number("number >= " + number_text(min) + " and < " + number_text(max), min, true, max, false);
}

CLI::Validator above_at_most(double min, double max) {
  return real_number("number > " + number_text(min) + " and <= " + number_text(max), min, false, max, true);
}

// ------------------------------------------------------------------ common options

void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& default_out) {
  opts.out_dir = default_out;
  app.add_option("--seed", opts.seed, "Random seed: initial weights, shuffling and every other random choice (synthetic data has its own --data-seed)")
      ->capture_default_str()
      ->check(seed_number());
  app.add_option("--threads", opts.threads, "CPU threads for Eigen/OpenMP (1 is usually fastest at small batches)")
      ->capture_default_str()
      ->check(whole_number(1, 1024));
  app.add_option("--out", opts.out_dir, "Folder for the CSV/JSON/PNG results (created if needed)")
      ->capture_default_str();
  app.add_flag("--quiet", opts.quiet, "No progress bars");
}

std::vector<int> parse_sizes(const std::string& text, const std::string& flag, int max) {
  const std::string expected = ": expected comma-separated whole numbers from 1 to " + std::to_string(max) +
                               " like 50,50, got '" + text + "'";
  if (text.empty() || text.back() == ',') throw InputError(flag + expected);
  std::vector<int> sizes;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(item, &used);
    } catch (const std::exception&) {
      throw InputError(flag + expected);
    }
    if (used != item.size() || v < 1 || v > max) throw InputError(flag + expected);
    sizes.push_back(static_cast<int>(v));
  }
  if (sizes.empty()) throw InputError(flag + expected);
  return sizes;
}

std::vector<int> parse_layer_sizes(const std::string& text, const std::string& flag) {
  return parse_sizes(text, flag, kMaxLayerWidth);
}

void apply_threads(int threads) {
  if (threads < 1) throw InputError("--threads: expected an integer >= 1, got " + std::to_string(threads));
  Eigen::setNbThreads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
}

namespace {
int guarded_body(const std::string& program, const std::function<int()>& body, const std::string& size_flags) {
  try {
    return body();
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return kExitBadInput;
  } catch (const DivergenceError& e) {
    std::fprintf(stderr, "%s: error: training diverged: %s\n", program.c_str(), e.what());
    return kExitDiverged;
  } catch (const ExerciseNotDone& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return kExitExerciseTodo;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "%s: error: out of memory: the run asked for more memory than this machine can give. "
                 "Lower the sizes (%s) and try again\n",
                 program.c_str(), size_flags.c_str());
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return kExitFailure;
  }
}

}  // namespace

int guarded_main(const std::string& program, const std::function<int()>& body, const std::string& size_flags) {
  return check_stdout(program, guarded_body(program, body, size_flags));
}

namespace {

// Edit distance of two short strings (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string suggest_flag(const CLI::App& app, const std::string& typed) {
  std::string flag = typed.substr(0, typed.find('='));
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& name : opt->get_lnames()) {
      const std::string candidate = "--" + name;
      const std::size_t d = edit_distance(flag, candidate);
      const bool prefix = candidate.rfind(flag, 0) == 0 && flag.size() >= 4;
      if ((prefix ? 0 : d) < best_d) best_d = prefix ? 0 : d, best = candidate;
    }
  }
  return best_d <= std::max<std::size_t>(2, flag.size() / 4) ? best : "";
}

std::string describe_unexpected(const CLI::App& app, const std::vector<std::string>& extras) {
  std::string flags, values;
  for (const std::string& x : extras) {
    const bool number = x.find_first_not_of("-+.0123456789eE") == std::string::npos;  // "-3" is a value
    if (x.size() > 1 && x[0] == '-' && !number) {
      const std::string hint = suggest_flag(app, x);
      flags += std::string(flags.empty() ? "" : "; ") + "unknown flag '" + x + "'" +
               (hint.empty() ? "" : " (did you mean " + hint + "?)");
    } else {
      values += std::string(values.empty() ? "" : " ") + "'" + x + "'";
    }
  }
  if (flags.empty()) return "unexpected argument(s) " + values + " (every value follows its --flag)";
  return values.empty() ? flags : flags + " (and the value(s) " + values + " that followed it)";
}

int run_program(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  for (CLI::Option* opt : app.get_options())
    if (is_integer_option(opt)) opt->check(decimal_rule());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return check_stdout(app.get_name(), app.exit(e));  // prints --help, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return check_stdout(app.get_name(), app.exit(e));
  } catch (const CLI::ExtrasError& e) {
    // "The following arguments were not expected: 3 --epoch" becomes one line per unknown flag,
    // with the nearest real one: "unknown flag '--epoch' (did you mean --epochs?)".
    std::fprintf(stderr, "%s: error: %s; see %s --help\n", app.get_name().c_str(),
                 describe_unexpected(app, app.remaining()).c_str(), app.get_name().c_str());
    return kExitBadInput;
  } catch (const CLI::ParseError& e) {
    // CLI11 names the flag and what it expected; we add the program's name and use our "bad input" exit code.
    std::fprintf(stderr, "%s: error: %s; see %s --help\n", app.get_name().c_str(), e.what(), app.get_name().c_str());
    return kExitBadInput;
  }
  return guarded_main(app.get_name(), body, size_flags_of(app));
}

}  // namespace dnn
