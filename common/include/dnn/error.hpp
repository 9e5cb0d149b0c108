/// @file error.hpp
/// @brief The project's error types and the guarded main() every program uses.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace dnn {

/// Bad input from the user: a flag, a file, a folder. The message names it and says what was
/// expected. Programs exit with code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Training produced NaN or Inf: it stops at once. Programs exit with code 3.
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Exit codes shared by all programs.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      ///< unexpected internal error, or stdout could not be written
  kExitBadInput = 2,     ///< InputError / bad command line
  kExitDiverged = 3,     ///< DivergenceError
  kExitExerciseTodo = 4  ///< an exercise stub was called
};

// dnn::guarded_main() (cli.hpp) runs a program's body and turns every exception into a clear
// one-line message on stderr ("<program>: error: ...") and the matching exit code above.
// Programs normally call dnn::run_program() (cli.hpp), which also parses the command line.

}  // namespace dnn
