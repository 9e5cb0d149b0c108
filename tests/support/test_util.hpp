// Small helpers every test folder may use: "does this text contain that", "which
// dnn::InputError did this throw" (the message is what a learner would read), and a small
// training set that needs no files.
#pragma once

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "dnn/data.hpp"
#include "dnn/error.hpp"

namespace dnn_test {

/// True when `part` occurs in `s`.
inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Runs f; returns the message of the dnn::InputError it throws, or "<no InputError: ...>"
/// (which no test expectation matches) when it returns normally or throws something else.
template <typename F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const dnn::InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<no InputError: other exception: ") + e.what() + ">";
  }
  return "<no InputError: no exception>";
}

/// The synthetic digits (generated, no files needed; 28×28, 10 classes): the first `train`
/// training and `test` test examples, as `--dataset synthetic --train-limit … --test-limit …`.
inline dnn::Dataset synthetic_digits(int train, int test) {
  dnn::DataOptions o;
  o.dataset = "synthetic";
  o.limit_train = train;
  o.limit_test = test;
  return dnn::load_dataset(o);
}

/// A fresh, empty folder `name` for one test case, under `<temp>/<group>_<pid>/` (removed and
/// made again, so nothing of an earlier case is left in it).
inline std::filesystem::path fresh_dir(const std::string& group, const std::string& name) {
  const std::filesystem::path d =
      std::filesystem::temp_directory_path() / (group + "_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

/// The whole content of the file at `p` ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace dnn_test
