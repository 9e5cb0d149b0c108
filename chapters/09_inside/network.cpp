// Chapter 09 — the double copy of the model and its forward pass (chapter 01's functions).
#include "network.hpp"

#include <algorithm>

#include "dnn/naive.hpp"

namespace ch09 {

NetD to_double(const dnn::Mlp& net) {
  NetD d;
  for (const dnn::DenseLayer& l : net.layers) {
    MatrixD W(l.W.rows, l.W.cols), b(1, l.b.cols);
    std::copy(l.W.data.begin(), l.W.data.end(), W.data.begin());
    std::copy(l.b.data.begin(), l.b.data.end(), b.data.begin());
    d.W.push_back(std::move(W));
    d.b.push_back(std::move(b));
    d.act.push_back(l.act);
  }
  return d;
}

dnn::Mlp to_float(const NetD& d) {
  dnn::Mlp net;
  for (std::size_t l = 0; l < d.W.size(); ++l) {
    dnn::DenseLayer layer;
    layer.W = dnn::Matrix(d.W[l].rows, d.W[l].cols);
    layer.b = dnn::Matrix(1, d.b[l].cols);
    std::transform(d.W[l].data.begin(), d.W[l].data.end(), layer.W.data.begin(), [](double v) { return float(v); });
    std::transform(d.b[l].data.begin(), d.b[l].data.end(), layer.b.data.begin(), [](double v) { return float(v); });
    layer.act = d.act[l];
    net.layers.push_back(std::move(layer));
  }
  return net;
}

const MatrixD& forward(const NetD& net, const MatrixD& X, ForwardD& f) {
  const std::size_t L = net.W.size();
  f.Z.resize(L);
  f.A.resize(L + 1);
  f.A[0] = X;
  for (std::size_t l = 0; l < L; ++l) {
    dnn::naive::dense_forward(f.A[l], net.W[l], net.b[l], f.Z[l]);           // Z = A·W + b
    dnn::naive::activation_forward(net.act[l], f.Z[l], f.A[l + 1]);         // A = f(Z)
  }
  return f.A.back();
}

MatrixD logits(const NetD& net, const MatrixD& X, int chunk) {
  MatrixD out(X.rows, net.classes());
  ForwardD f;
  MatrixD part;
  for (int start = 0; start < X.rows; start += chunk) {
    const int n = std::min(chunk, X.rows - start);
    part.resize(n, X.cols);
    std::copy(X.row(start), X.row(start) + static_cast<std::size_t>(n) * X.cols, part.data.begin());
    const MatrixD& z = forward(net, part, f);
    std::copy(z.data.begin(), z.data.end(), out.row(start));
  }
  return out;
}

double accuracy(const NetD& net, const MatrixD& X, const std::vector<int>& labels) {
  const MatrixD z = logits(net, X);
  long correct = 0;
  for (int i = 0; i < z.rows; ++i)
    correct += std::max_element(z.row(i), z.row(i) + z.cols) - z.row(i) == labels[static_cast<std::size_t>(i)];
  return z.rows ? static_cast<double>(correct) / z.rows : 0.0;
}

MatrixD rows_as_double(const dnn::Matrix& X, const std::vector<int>& which) {
  const int n = which.empty() ? X.rows : static_cast<int>(which.size());
  MatrixD out(n, X.cols);
  for (int i = 0; i < n; ++i) {
    const float* src = X.row(which.empty() ? i : which[static_cast<std::size_t>(i)]);
    std::copy(src, src + X.cols, out.row(i));
  }
  return out;
}

bool is_textbook_model(const dnn::Mlp& net, int inputs, int classes, std::string& why) {
  const std::vector<int> want{inputs, 50, 50, classes};
  const std::vector<int> got = dnn::layer_sizes(net);
  if (got != want) {
    why = "its layers are " + dnn::layer_sizes_text(got) + ", the textbook model is " + dnn::layer_sizes_text(want);
    return false;
  }
  for (std::size_t l = 0; l + 1 < net.layers.size(); ++l)
    if (net.layers[l].act != Activation::ReLU) {
      why = "hidden layer " + std::to_string(l + 1) + " uses " + dnn::to_string(net.layers[l].act) +
            ", the textbook model uses relu";
      return false;
    }
  if (net.layers.back().act != Activation::Linear) {
    why = "its output layer is not linear (logits)";
    return false;
  }
  return true;
}

}  // namespace ch09
