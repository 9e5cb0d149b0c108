/// @file exercise.hpp
/// @brief How an unfinished exercise announces itself.
///
/// Every stub in exercises/ is a single `DNN_TODO(...)` line. Calling it throws
/// dnn::ExerciseNotDone, whose message names the exercise, the file to edit and where the
/// hint is, so both the failing test and the chapter program tell the learner what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace dnn {

/// Thrown by an exercise stub that has not been written yet.
class ExerciseNotDone : public std::logic_error {
 public:
  ExerciseNotDone(const std::string& exercise, const std::string& file, const std::string& hint)
      : std::logic_error("exercise '" + exercise + "' is not done yet: write its body in " +
                         relative(file) + " (hint: " + hint + "). Then run: scripts/check " +
                         chapter_of(file)) {}

 private:
  // "/home/me/dnn-companion/exercises/ch02_backprop.cpp" -> "exercises/ch02_backprop.cpp"
  static std::string relative(const std::string& file) {
    const auto p = file.rfind("exercises/");
    return p == std::string::npos ? file : file.substr(p);
  }
  // "exercises/ch02_backprop.cpp" -> "02"
  static std::string chapter_of(const std::string& file) {
    const auto p = file.rfind("exercises/ch");
    return p == std::string::npos ? std::string() : file.substr(p + 12, 2);
  }
};

}  // namespace dnn

namespace dnn {
/// Which bodies of the exercise functions this program links: "the reference solutions (solutions/)"
/// (build/bin/, build/tests/) or "your exercises (exercises/)" (build/yours/, built by scripts/check).
/// Defined by the library that holds the bodies (solutions/ or exercises/, see their CMakeLists.txt).
const char* exercise_bodies();
}  // namespace dnn

/// The body of an exercise stub: throws dnn::ExerciseNotDone.
#define DNN_TODO(exercise, hint) throw ::dnn::ExerciseNotDone((exercise), __FILE__, (hint))
