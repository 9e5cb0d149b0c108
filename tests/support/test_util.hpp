// Small helpers every test folder may use: "does this text contain that", "which
// dnn::InputError did this throw" (the message is what a learner would read), and a small
// training set that needs no files.
#pragma once

#include <exception>
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

}  // namespace dnn_test
