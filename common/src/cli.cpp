// Command-line handling and the guarded main() shared by every program.
#include "dnn/cli.hpp"

#include <Eigen/Core>
#include <cstdio>
#include <exception>
#include <sstream>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "dnn/error.hpp"
#include "dnn/exercise.hpp"

namespace dnn {

void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& default_out) {
  opts.out_dir = default_out;
  app.add_option("--seed", opts.seed, "Random seed: initial weights, shuffling and every other random choice (synthetic data has its own --data-seed)")
      ->capture_default_str();
  app.add_option("--threads", opts.threads, "CPU threads for Eigen/OpenMP (1 is usually fastest at small batches)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--out", opts.out_dir, "Folder for the CSV/JSON/PNG results (created if needed)")
      ->capture_default_str();
  app.add_flag("--quiet", opts.quiet, "No progress bars");
}

std::vector<int> parse_sizes(const std::string& text, const std::string& flag) {
  const std::string expected = ": expected comma-separated integers >= 1 like 50,50, got '" + text + "'";
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
    if (used != item.size() || v < 1 || v > 1000000) throw InputError(flag + expected);
    sizes.push_back(static_cast<int>(v));
  }
  if (sizes.empty()) throw InputError(flag + expected);
  return sizes;
}

void apply_threads(int threads) {
  if (threads < 1) throw InputError("--threads: expected an integer >= 1, got " + std::to_string(threads));
  Eigen::setNbThreads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
}

int guarded_main(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return kExitBadInput;
  } catch (const DivergenceError& e) {
    std::fprintf(stderr, "%s: training diverged: %s\n", program.c_str(), e.what());
    return kExitDiverged;
  } catch (const ExerciseNotDone& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return kExitExerciseTodo;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return kExitFailure;
  }
}

int run_program(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // prints --help, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 names the flag and what it expected; we use our "bad input" exit code.
    app.exit(e);
    return kExitBadInput;
  }
  return guarded_main(app.get_name(), body);
}

}  // namespace dnn
