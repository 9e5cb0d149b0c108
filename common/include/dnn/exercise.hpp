/// @file exercise.hpp
/// @brief How an unfinished exercise announces itself, and the one line that instantiates an
/// exercise function for float and double.
///
/// Every stub in exercises/ is a single `DNN_TODO(...)` line. Calling it throws
/// dnn::ExerciseNotDone, whose message names the exercise, the file to edit and where the
/// hint is, so both the failing test and the chapter program tell the learner what to do.
/// Below each file's template bodies, `DNN_FOR_FLOAT_AND_DOUBLE(name);` compiles them for the
/// element types the program uses (see DNN_INSTANTIATE).
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

/// Explicit instantiation of the function template `fn` for the element type `T`, in one line:
/// `DNN_INSTANTIATE(ring_allreduce, std::int64_t);` stands for
/// `template void ring_allreduce<std::int64_t>(std::int64_t*, int, MPI_Comm);`.
/// The bodies of the exercise functions live in a .cpp file (solutions/ or exercises/), so that
/// file must say which element types the rest of the program links; the signature comes from the
/// declaration in the header (`decltype(fn<T>)`), so it is never written twice.
/// Write it inside the namespace that declares `fn`, after the body, and end it with `;`.
#define DNN_INSTANTIATE(fn, T) template decltype(fn<T>) fn<T>

/// Explicit instantiation of the function template `fn` for float (training) and double (tests
/// and the gradient check): `DNN_FOR_FLOAT_AND_DOUBLE(relu_forward);`. See DNN_INSTANTIATE.
#define DNN_FOR_FLOAT_AND_DOUBLE(fn) \
  DNN_INSTANTIATE(fn, float);        \
  DNN_INSTANTIATE(fn, double)
