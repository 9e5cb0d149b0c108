#include "dnn/activation.hpp"

#include "dnn/error.hpp"
#include "dnn/ops.hpp"

namespace dnn {

std::string to_string(Activation a) {
  switch (a) {
    case Activation::Linear: return "linear";
    case Activation::ReLU: return "relu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}

Activation parse_activation(const std::string& name, const std::string& flag) {
  if (name == "linear") return Activation::Linear;
  if (name == "relu") return Activation::ReLU;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "tanh") return Activation::Tanh;
  throw InputError(flag + ": unknown activation '" + name + "' (expected linear, relu, sigmoid or tanh)");
}

std::string to_string(Backend b) {
  switch (b) {
    case Backend::Naive: return "naive";
    case Backend::Eigen: return "eigen";
    case Backend::Cuda: return "cuda";
    case Backend::Cublas: return "cublas";
  }
  return "?";
}

Backend parse_backend(const std::string& name, const std::string& flag) {
  if (name == "naive") return Backend::Naive;
  if (name == "eigen") return Backend::Eigen;
  if (name == "cuda") return Backend::Cuda;
  if (name == "cublas") return Backend::Cublas;
  throw InputError(flag + ": unknown backend '" + name + "' (expected naive, eigen, cuda or cublas)");
}

Backend parse_cpu_backend(const std::string& name, const std::string& flag) {
  if (name == "naive") return Backend::Naive;
  if (name == "eigen") return Backend::Eigen;
  if (name == "cuda" || name == "cublas")
    throw InputError(flag + ": expected naive or eigen, got '" + name +
                     "': this runs on the CPU (the GPU backends cuda and cublas are chapter 07's)");
  throw InputError(flag + ": unknown backend '" + name + "' (expected naive or eigen)");
}

}  // namespace dnn
