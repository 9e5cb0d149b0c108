// The simple gradient noise scale B_simple = tr(Σ)/|G|² from per-example gradients (the formulas
// are in noise_scale.hpp).
#include "noise_scale.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "parallel.hpp"

namespace ch08 {

void NoiseScaleEstimator::add(const std::vector<float>& g) {
  if (g.size() != sum_.size()) throw std::logic_error("NoiseScaleEstimator::add: gradient of the wrong length");
  double norm2 = 0;
  for (std::size_t k = 0; k < g.size(); ++k) {
    sum_[k] += g[k];
    norm2 += static_cast<double>(g[k]) * g[k];
  }
  sum_norm2_ += norm2;
  ++n_;
}

NoiseScale NoiseScaleEstimator::result() const {
  if (n_ < 2) throw std::logic_error("NoiseScaleEstimator::result: needs at least 2 gradients");
  NoiseScale r;
  r.examples = n_;
  const double N = static_cast<double>(n_);
  for (double s : sum_) r.mean_grad_norm2 += (s / N) * (s / N);             // |Ḡ|²
  r.trace_sigma = std::max(0.0, (sum_norm2_ - N * r.mean_grad_norm2) / (N - 1));  // Σ|g_i − Ḡ|²/(N−1)
  r.grad_norm2 = r.mean_grad_norm2 - r.trace_sigma / N;                    // bias of |Ḡ|² removed
  if (r.trace_sigma == 0)
    r.b_simple = 0;
  else
    r.b_simple = r.grad_norm2 > 0 ? r.trace_sigma / r.grad_norm2 : std::numeric_limits<double>::infinity();
  return r;
}

NoiseScale estimate_noise_scale(const dnn::Mlp& net, const dnn::Matrix& X, const std::vector<int>& y, int examples) {
  ShardGradient per_example(X, y, net);
  NoiseScaleEstimator est(static_cast<std::size_t>(parameter_floats(net)));
  std::vector<float> g;
  for (int i = 0; i < examples; ++i) {
    per_example.compute(net, &i, 1, 1, g);  // g_i: the gradient of example i's loss alone
    est.add(g);
  }
  return est.result();
}

}  // namespace ch08
