// The multi-layer perceptron (§2.2) on top of a CPU backend (Ops): forward pass, the fused softmax
// cross-entropy loss and backpropagation (§3.1), prediction and evaluation in chunks.
//
// Memory: every buffer lives in MlpWorkspace / MlpGrads and is resized on each call; a resize to
// the same shape keeps the allocation, so a training loop with a fixed batch size allocates
// nothing after its first step.
#include "dnn/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dnn {

long Mlp::parameter_count() const {
  long n = 0;
  for (const auto& l : layers) n += static_cast<long>(l.W.size()) + static_cast<long>(l.b.size());
  return n;
}

void glorot_uniform(Matrix& W, Rng& rng) {
  // fan_in = rows (inputs), fan_out = cols (outputs): Var(W) = l²/3 = 2/(fan_in + fan_out).
  const float limit = std::sqrt(6.0f / static_cast<float>(W.rows + W.cols));
  for (auto& w : W.data) w = rng.uniform(-limit, limit);
}

Mlp make_mlp(const std::vector<int>& sizes, Activation hidden, Rng& rng) {
  if (sizes.size() < 2)
    throw std::invalid_argument("make_mlp: need at least an input and an output size, got " +
                                std::to_string(sizes.size()) + " size(s)");
  for (int s : sizes)
    if (s < 1) throw std::invalid_argument("make_mlp: layer sizes must be >= 1, got " + std::to_string(s));
  Mlp net;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    DenseLayer layer;
    layer.W = Matrix(sizes[l], sizes[l + 1]);
    glorot_uniform(layer.W, rng);
    layer.b = Matrix(1, sizes[l + 1], 0.0f);
    layer.act = (l + 2 == sizes.size()) ? Activation::Linear : hidden;
    net.layers.push_back(std::move(layer));
  }
  return net;
}

std::vector<int> layer_sizes(int inputs, const std::vector<int>& hidden, int outputs) {
  std::vector<int> sizes{inputs};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(outputs);
  return sizes;
}

std::vector<int> layer_sizes(const Mlp& net) {
  std::vector<int> s;
  if (net.layers.empty()) return s;
  s.push_back(net.layers.front().W.rows);
  for (const auto& l : net.layers) s.push_back(l.W.cols);
  return s;
}

std::string layer_sizes_text(const std::vector<int>& sizes) {
  std::string text;
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i ? "-" : "") + std::to_string(sizes[i]);
  return text;
}

Mlp make_textbook_mlp(int inputs, int classes, std::uint64_t seed) {
  Rng rng(seed);
  return make_mlp({inputs, 50, 50, classes}, Activation::ReLU, rng);
}

namespace {

void prepare(const Mlp& net, const Matrix& X, MlpWorkspace& ws, const char* fn) {
  if (net.layers.empty()) throw std::invalid_argument(std::string(fn) + ": the network has no layer");
  if (X.cols != net.input_size())
    throw std::invalid_argument(std::string(fn) + ": input " + X.shape() + " has " + std::to_string(X.cols) +
                                " columns, the network expects " + std::to_string(net.input_size()));
  const std::size_t L = net.layers.size();
  if (ws.Z.size() != L) ws.Z.resize(L);
  if (ws.A.size() != L + 1) ws.A.resize(L + 1);
  if (ws.dZ.size() != L) ws.dZ.resize(L);
  if (ws.dA.size() != L + 1) ws.dA.resize(L + 1);
}

// The input of layer l: X itself for layer 0 (never copied), A[l] after that.
const Matrix& layer_input(const Matrix& X, const MlpWorkspace& ws, std::size_t l) { return l == 0 ? X : ws.A[l]; }

}  // namespace

const Matrix& mlp_forward(const Ops& ops, const Mlp& net, const Matrix& X, MlpWorkspace& ws) {
  prepare(net, X, ws, "mlp_forward");
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const DenseLayer& layer = net.layers[l];
    ops.dense_forward(layer_input(X, ws, l), layer.W, layer.b, ws.Z[l]);  // Z = X·W + b
    ops.activation_forward(layer.act, ws.Z[l], ws.A[l + 1]);              // A = f(Z)
  }
  return ws.A.back();
}

void mlp_backward(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels, MlpWorkspace& ws,
                  MlpGrads& grads) {
  const std::size_t L = net.layers.size();
  grads.dW.resize(L);
  grads.db.resize(L);
  // ∂L/∂logits = (P − onehot)/B. With a linear output layer this is already ∂L/∂Z of that layer.
  if (net.layers.back().act == Activation::Linear) {
    ops.softmax_ce_backward(ws.P, labels, ws.dZ[L - 1]);
  } else {
    ops.softmax_ce_backward(ws.P, labels, ws.dA[L]);
    ops.activation_backward(net.layers.back().act, ws.Z[L - 1], ws.A[L], ws.dA[L], ws.dZ[L - 1]);
  }
  for (std::size_t l = L; l-- > 0;) {
    const DenseLayer& layer = net.layers[l];
    // dW = Aᵀ·dZ, db = Σ dZ, and dA = dZ·Wᵀ only when a layer below needs it (not for l = 0:
    // nobody needs ∂L/∂X, and it would cost as much as dW for the 784-wide first layer).
    ops.dense_backward(layer_input(X, ws, l), layer.W, ws.dZ[l], grads.dW[l], grads.db[l],
                       l > 0 ? &ws.dA[l] : nullptr);
    if (l > 0) {
      // δ of the layer below includes f′(z): dZ = dA ⊙ f′(Z).
      const DenseLayer& below = net.layers[l - 1];
      ops.activation_backward(below.act, ws.Z[l - 1], ws.A[l], ws.dA[l], ws.dZ[l - 1]);
    }
  }
}

float mlp_loss_and_grads(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels,
                         MlpWorkspace& ws, MlpGrads& grads) {
  const Matrix& logits = mlp_forward(ops, net, X, ws);
  const float loss = ops.softmax_cross_entropy(logits, labels, ws.P);
  mlp_backward(ops, net, X, labels, ws, grads);
  return loss;
}

int argmax_row(const Matrix& M, int i) {
  if (i < 0 || i >= M.rows || M.cols < 1)
    throw std::invalid_argument("argmax_row: row " + std::to_string(i) + " outside " + M.shape());
  const float* r = M.row(i);
  return static_cast<int>(std::max_element(r, r + M.cols) - r);
}

namespace {

// Runs `visit(first_row, logits)` on consecutive chunks of X. A chunk is copied into ws.A[0]
// (the workspace's input buffer) unless X fits in one chunk.
template <typename Visit>
void for_each_chunk(const Ops& ops, const Mlp& net, const Matrix& X, MlpWorkspace& ws, int chunk, const char* fn,
                    Visit visit) {
  if (chunk < 1) throw std::invalid_argument(std::string(fn) + ": chunk must be >= 1, got " + std::to_string(chunk));
  prepare(net, X, ws, fn);
  if (X.rows <= chunk) {
    visit(0, mlp_forward(ops, net, X, ws));
    return;
  }
  for (int start = 0; start < X.rows; start += chunk) {
    const int n = std::min(chunk, X.rows - start);
    Matrix& in = ws.A[0];
    in.resize(n, X.cols);
    std::memcpy(in.data.data(), X.row(start), static_cast<std::size_t>(n) * X.cols * sizeof(float));
    visit(start, mlp_forward(ops, net, in, ws));
  }
}

}  // namespace

std::vector<int> mlp_predict(const Ops& ops, const Mlp& net, const Matrix& X, MlpWorkspace& ws, int chunk) {
  std::vector<int> pred(static_cast<std::size_t>(X.rows));
  for_each_chunk(ops, net, X, ws, chunk, "mlp_predict", [&](int start, const Matrix& logits) {
    for (int i = 0; i < logits.rows; ++i) pred[static_cast<std::size_t>(start + i)] = argmax_row(logits, i);
  });
  return pred;
}

EvalResult mlp_evaluate(const Ops& ops, const Mlp& net, const Matrix& X, const std::vector<int>& labels,
                        MlpWorkspace& ws, int chunk) {
  if (static_cast<int>(labels.size()) != X.rows)
    throw std::invalid_argument("mlp_evaluate: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(X.rows) + " rows");
  EvalResult r;
  if (X.rows == 0) return r;
  double loss_sum = 0;
  long correct = 0;
  std::vector<int> y;
  for_each_chunk(ops, net, X, ws, chunk, "mlp_evaluate", [&](int start, const Matrix& logits) {
    y.assign(labels.begin() + start, labels.begin() + start + logits.rows);
    loss_sum += static_cast<double>(ops.softmax_cross_entropy(logits, y, ws.P)) * logits.rows;
    for (int i = 0; i < logits.rows; ++i) correct += argmax_row(logits, i) == y[static_cast<std::size_t>(i)];
  });
  r.loss = loss_sum / X.rows;
  r.accuracy = static_cast<double>(correct) / X.rows;
  return r;
}

}  // namespace dnn
