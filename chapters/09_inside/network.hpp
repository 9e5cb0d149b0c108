// Chapter 09 — the network being explained, in double precision.
//
// Every explanation method of this chapter asks the trained textbook model (784-50-50-10, ReLU,
// chapter 05) a question about one input: its class scores, or the gradient of one score with
// respect to the pixels. The model is trained in float; here it is copied once into double
// (NetD), so that the integrated-gradients check "Σ attributions = F(x) − F(x′)" measures the
// method and not float rounding. The score F_c(x) is the *logit* of class c (the input of the
// softmax), as in Simonyan et al. 2013: the softmax couples the classes, the logit does not.
#pragma once

#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"

namespace ch09 {

using dnn::Activation;
using dnn::MatrixD;

/// The dense layers of an Mlp in double: Z_l = A_l·W_l + b_l, A_{l+1} = f_l(Z_l); the last is linear.
struct NetD {
  std::vector<MatrixD> W;        ///< W[l]: n_in × n_out
  std::vector<MatrixD> b;        ///< b[l]: 1 × n_out
  std::vector<Activation> act;   ///< act[l]: the activation after layer l (Linear for the last)
  int inputs() const { return W.empty() ? 0 : W.front().rows; }
  int classes() const { return W.empty() ? 0 : W.back().cols; }
};

/// The layers' buffers of one forward pass: A[0] = X, Z[l] = A[l]·W[l] + b[l], A[l+1] = f(Z[l]).
struct ForwardD {
  std::vector<MatrixD> Z, A;
};

/// Double copy of a float network (weights, biases, activations).
NetD to_double(const dnn::Mlp& net);
/// Back to float (a randomised copy is retrained or evaluated by the common code).
dnn::Mlp to_float(const NetD& net);

/// Forward pass of the rows of X (B × inputs), chapter 01's dense_forward and activation_forward;
/// returns the logits (B × classes), which stay in f.A.back().
const MatrixD& forward(const NetD& net, const MatrixD& X, ForwardD& f);

/// The logits of the rows of X, in chunks of `chunk` rows (for thousands of images).
MatrixD logits(const NetD& net, const MatrixD& X, int chunk = 1000);

/// Fraction of rows whose largest logit is the label.
double accuracy(const NetD& net, const MatrixD& X, const std::vector<int>& labels);

/// Rows `which` of a float image matrix as a double matrix (all rows when empty).
MatrixD rows_as_double(const dnn::Matrix& X, const std::vector<int>& which = {});

/// True when `net` is the textbook model this chapter explains: `inputs`-50-50-`classes`, ReLU
/// hidden layers, linear output. Otherwise `why` says what differs.
bool is_textbook_model(const dnn::Mlp& net, int inputs, int classes, std::string& why);

}  // namespace ch09
