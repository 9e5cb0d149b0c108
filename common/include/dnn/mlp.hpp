/// @file mlp.hpp
/// @brief A multi-layer perceptron (多层感知机) built from dense layers — the network of the
///        chapter (§2.2): input layer → hidden layers with a non-linear f → output layer.
///
/// The last layer is linear and produces logits; softmax lives inside the loss
/// (softmax_cross_entropy), which is both more accurate and cheaper than a separate softmax.
/// All computation goes through `Ops` (ops.hpp), so the same code runs on every CPU backend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/matrix.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"

namespace dnn {

/// One fully connected layer: Z = X·W + b, A = f(Z).
struct DenseLayer {
  Matrix W;  ///< n_in × n_out
  Matrix b;  ///< 1 × n_out
  Activation act = Activation::ReLU;
};

/// The network: layers[0] takes the input; the last layer's activation is Linear (logits).
struct Mlp {
  std::vector<DenseLayer> layers;
  int input_size() const { return layers.empty() ? 0 : layers.front().W.rows; }
  int output_size() const { return layers.empty() ? 0 : layers.back().W.cols; }
  long parameter_count() const;
};

/// Glorot/Xavier uniform (Keras's default): W ~ U(−l, l), l = √(6 / (fan_in + fan_out)).
void glorot_uniform(Matrix& W, Rng& rng);

/// Builds e.g. sizes {784, 50, 50, 10}: hidden layers use `hidden`, the last is Linear.
/// Weights Glorot-uniform from `rng`, biases zero (as Keras does).
Mlp make_mlp(const std::vector<int>& sizes, Activation hidden, Rng& rng);

/// The layer sizes of a network (input layer → hidden layers → output layer):
/// {inputs, hidden[0], hidden[1], ..., outputs}, ready for make_mlp.
std::vector<int> layer_sizes(int inputs, const std::vector<int>& hidden, int outputs);

/// The layer sizes of an existing network, e.g. {784, 50, 50, 10} (empty for no layer).
std::vector<int> layer_sizes(const Mlp& net);

/// The layer sizes as the chapters print them: {784, 50, 50, 10} → "784-50-50-10".
std::string layer_sizes_text(const std::vector<int>& sizes);

/// The textbook's network (§4): inputs-50-50-classes, ReLU hidden layers, softmax output
/// (784-50-50-10 on MNIST), Glorot-uniform weights from a generator seeded with `seed`.
Mlp make_textbook_mlp(int inputs, int classes, std::uint64_t seed);

/// Buffers of one forward/backward pass, allocated on first use and reused afterwards.
/// Z[l] and A[l+1] are the pre-activation and output of layer l. The input X is read in place
/// (never copied); A[0] is only the buffer mlp_predict/mlp_evaluate copy each chunk into.
struct MlpWorkspace {
  std::vector<Matrix> Z;   ///< pre-activations, one per layer
  std::vector<Matrix> A;   ///< A[l+1] = f(Z[l]); A.back() equals the logits; A[0]: chunk buffer
  Matrix P;                ///< softmax probabilities of the last forward pass
  std::vector<Matrix> dZ;  ///< ∂L/∂Z per layer
  std::vector<Matrix> dA;  ///< ∂L/∂A per layer input (dA[l] is the gradient w.r.t. A[l])
};

/// Gradients, same shapes as the parameters.
struct MlpGrads {
  std::vector<Matrix> dW;
  std::vector<Matrix> db;
};

/// Forward pass; returns a reference to the logits (B × n_out) inside `ws`.
const Matrix& mlp_forward(const Ops& ops, const Mlp& net, const Matrix& X, MlpWorkspace& ws);

/// Backpropagation (反向传播) after a forward pass of X through `net` whose probabilities are in
/// `ws.P` (mlp_forward, then ops.softmax_cross_entropy(logits, labels, ws.P)): fills `grads` with
/// ∂L/∂W and ∂L/∂b of every layer, from the output layer down.
void mlp_backward(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels, MlpWorkspace& ws,
                  MlpGrads& grads);

/// Forward + mean softmax cross-entropy + backward (backpropagation, 反向传播): fills `grads`
/// and returns the loss. `ws.P` holds the probabilities afterwards (for accuracy).
float mlp_loss_and_grads(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels,
                         MlpWorkspace& ws, MlpGrads& grads);

/// Predicted class (argmax of the logits) of each row of X, processed in chunks of `chunk` rows.
std::vector<int> mlp_predict(const Ops& ops, const Mlp& net, const Matrix& X, MlpWorkspace& ws, int chunk = 1000);

/// Mean loss and accuracy of `net` on a whole dataset (chunks of `chunk` rows).
struct EvalResult {
  double loss = 0;
  double accuracy = 0;
};
EvalResult mlp_evaluate(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels,
                        MlpWorkspace& ws, int chunk = 1000);

/// Index of the largest element of row i.
int argmax_row(const Matrix& M, int i);

}  // namespace dnn
