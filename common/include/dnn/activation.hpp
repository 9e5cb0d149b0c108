/// @file activation.hpp
/// @brief The activation functions f of the chapter (§2.2): hidden layers use a non-linear f,
///        the output layer uses linear (regression) or softmax (classification).
#pragma once

#include <string>

namespace dnn {

/// Softmax is not listed: it is always fused with the cross-entropy loss (chapter 02).
enum class Activation { Linear, ReLU, Sigmoid, Tanh };

/// "linear", "relu", "sigmoid", "tanh".
std::string to_string(Activation a);
/// Parses the names above; throws InputError naming `flag` and the accepted names otherwise.
Activation parse_activation(const std::string& name, const std::string& flag = "--activation");

}  // namespace dnn
