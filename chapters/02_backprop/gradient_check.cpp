// Chapter 02, part 1: the gradient check (梯度检验). For each of five small networks, every
// parameter tensor's gradient from backpropagation is compared with central differences
// (L(θ + h) − L(θ − h)) / 2h, in double precision. --planted-bug swaps in the textbook's
// δ = ∂E/∂Y (without f′(z)) so that the check has something to find.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backprop.hpp"
#include "dnn/gradcheck.hpp"
#include "dnn/mlp.hpp"
#include "dnn/timer.hpp"

namespace ch02 {
namespace {

/// The planted bug — the textbook's §3.1 step 3 taken literally: δ = ∂E/∂Y, the activation's
/// derivative f′(z) forgotten. (The correct rule is naive::activation_backward: δ = ∂E/∂Y ⊙ f′(Z).)
void textbook_delta(int /*layer*/, dnn::Activation /*f*/, const dnn::MatrixD& /*Z*/, const dnn::MatrixD& /*A*/,
                    const dnn::MatrixD& dA, dnn::MatrixD& dZ) {
  dZ = dA;
}

/// Average-pools each h×w image by `pool`×`pool` blocks (28×28 → 7×7 for pool 4), in double.
dnn::MatrixD downsample(const dnn::Matrix& X, int first, int count, int h, int w, int pool) {
  const int oh = h / pool, ow = w / pool;
  dnn::MatrixD out(count, oh * ow);
  for (int i = 0; i < count; ++i) {
    const float* img = X.row(first + i);
    for (int r = 0; r < oh; ++r)
      for (int c = 0; c < ow; ++c) {
        double s = 0;
        for (int a = 0; a < pool; ++a)
          for (int b = 0; b < pool; ++b) s += img[(r * pool + a) * w + (c * pool + b)];
        out(i, r * ow + c) = s / (pool * pool);
      }
  }
  return out;
}

/// One checked network: its hidden activation and its loss.
struct Config {
  dnn::Activation act;
  dnn::LossKind loss;
  std::string name() const {
    return dnn::to_string(act) + (loss == dnn::LossKind::MSE ? "+mse" : "+softmax_ce");
  }
};

/// Smallest |z| over the hidden pre-activations: how far the check stays from ReLU's kink at 0.
double min_hidden_abs_z(const dnn::NetD& net, const dnn::CheckData& data, dnn::LossKind kind) {
  dnn::NetDWork w;
  dnn::netd_loss(net, data, kind, w);
  double m = INFINITY;
  for (std::size_t l = 0; l + 1 < net.depth(); ++l)
    for (double z : w.Z[l].data) m = std::min(m, std::abs(z));
  return m;
}

}  // namespace

CheckResult check_gradients(const Options& o, const dnn::Dataset& ds, const std::vector<int>& hidden) {
  const int batch = o.batch, pool = o.pool;
  const double h = o.h, tolerance = o.tolerance;
  dnn::CheckData cd;
  cd.X = downsample(ds.train_x, 0, batch, ds.height, ds.width, pool);
  cd.labels.assign(ds.train_y.begin(), ds.train_y.begin() + batch);
  cd.T = dnn::matrix_cast<double>(dnn::one_hot(cd.labels, ds.classes));  // MSE targets: one-hot
  const std::vector<int> sizes = dnn::layer_sizes(cd.X.cols, hidden, ds.classes);
  const std::string arch = dnn::layer_sizes_text(sizes);

  std::printf("gradient check: %d training digits downsampled %dx%d -> %dx%d, networks %s, double precision,\n",
              batch, ds.height, ds.width, ds.height / pool, ds.width / pool, arch.c_str());
  std::printf("central differences with h = %g, pass when max relative error < %g%s\n\n", h, tolerance,
              o.planted_bug ? "\n*** --planted-bug: backprop uses the textbook's delta = dE/dY without f'(z) ***" : "");
  std::printf("  %-18s %-5s %-6s %-8s %13s %13s  %s\n", "network", "layer", "tensor", "shape", "max|a-n|",
              "max rel err", "result");

  const std::vector<Config> configs = {{dnn::Activation::Sigmoid, dnn::LossKind::SoftmaxCE},
                                       {dnn::Activation::Tanh, dnn::LossKind::SoftmaxCE},
                                       {dnn::Activation::Sigmoid, dnn::LossKind::MSE},
                                       {dnn::Activation::Tanh, dnn::LossKind::MSE},
                                       {dnn::Activation::ReLU, dnn::LossKind::SoftmaxCE}};
  CheckResult result;
  // Central differences cost 2 forward passes per parameter: wide layers take minutes, so a long
  // check says so first and then reports each tensor (on stderr: the table on stdout is the same).
  double madds_per_forward = 0, params = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    madds_per_forward += double(batch) * sizes[l] * sizes[l + 1];
    params += double(sizes[l] + 1) * sizes[l + 1];
  }
  const double estimate_s = double(configs.size()) * 2 * params * madds_per_forward / 1e9;  // ~1e9 madds/s
  const bool report_progress = estimate_s > 20 && !o.common.quiet;
  const dnn::Timer check_timer;
  const int tensors_total = static_cast<int>(configs.size() * 2 * (sizes.size() - 1));
  int tensors_done = 0;
  if (report_progress)
    std::fprintf(stderr, "note: the check perturbs each of the %.0f parameters of %zu networks, 2 forward passes of "
                         "%d digits each: roughly %.0f s here; lower --hidden or --batch for a faster check\n",
                 params, configs.size(), batch, estimate_s);
  dnn::Rng rng(o.common.seed);
  for (const Config& cfg : configs) {
    // Glorot-uniform weights (as chapter 01) and small random biases, so db is not trivial.
    dnn::NetD net;
    int redraws = 0;
    for (;; ++redraws) {
      net = dnn::to_double(dnn::make_mlp(sizes, cfg.act, rng));
      for (auto& b : net.b)
        for (auto& v : b.data) v = rng.uniform(-0.1f, 0.1f);
      // ReLU has a kink at 0: keep every hidden |z| far from it (≫ h) or θ ± h may cross it.
      if (cfg.act != dnn::Activation::ReLU || min_hidden_abs_z(net, cd, cfg.loss) > 10 * h || redraws >= 50) break;
    }
    const bool near_kink = cfg.act == dnn::Activation::ReLU && min_hidden_abs_z(net, cd, cfg.loss) <= 10 * h;
    const auto progress = [&](const dnn::GradCheckRow& r) {
      ++tensors_done;
      if (report_progress)
        std::fprintf(stderr, "  checked %s %s%d: %d of %d tensors, %.0f s so far\n", cfg.name().c_str(),
                     r.tensor.c_str(), r.layer, tensors_done, tensors_total, check_timer.seconds());
    };
    // Backpropagation (or the planted bug) against central differences, tensor by tensor.
    const auto rows = dnn::gradient_check(net, cd, cfg.loss, tolerance,
                                          o.planted_bug ? dnn::DeltaRule(textbook_delta) : dnn::DeltaRule(), h,
                                          progress);
    for (const auto& r : rows) {
      const std::string shape = std::to_string(r.rows) + "x" + std::to_string(r.cols);
      std::printf("  %-18s %-5d %-6s %-8s %13.3e %13.3e  %s\n", cfg.name().c_str(), r.layer, r.tensor.c_str(),
                  shape.c_str(), r.max_abs_diff, r.max_rel_error, r.pass ? "pass" : "FAIL");
      result.csv.add_row(std::vector<std::string>{cfg.name(), std::to_string(r.layer), r.tensor,
                                                  std::to_string(r.rows), std::to_string(r.cols),
                                                  dnn::format_number(r.max_abs_diff),
                                                  dnn::format_number(r.max_rel_error), dnn::format_number(tolerance),
                                                  r.pass ? "1" : "0"});
      result.bars.push_back({cfg.name(), r.tensor + std::to_string(r.layer), r.max_rel_error, r.pass});
      if (!r.pass && near_kink)
        ++result.kink_failures;  // not backprop's fault: θ ± 2h crossed ReLU's kink (reported below)
      else
        result.failures += !r.pass;
    }
    if (cfg.act == dnn::Activation::ReLU)
      std::printf("  %-18s (smallest hidden |z| = %.2e, %d re-draw%s to stay away from the kink at 0)\n", "",
                  min_hidden_abs_z(net, cd, cfg.loss), redraws, redraws == 1 ? "" : "s");
    if (near_kink)
      std::printf("  %-18s WARNING: no weights found with every hidden |z| > 10h = %.1e; rows of this network may\n"
                  "  %-18s fail because theta +- 2h crosses ReLU's kink, not because of backprop (use fewer --batch\n"
                  "  %-18s examples or smaller --hidden layers). They do not count as failures.\n",
                  "", 10 * h, "", "");
  }
  const int failed = result.failures + result.kink_failures;
  std::printf("\n  %d of %zu tensors pass the check%s\n\n", static_cast<int>(result.bars.size()) - failed,
              result.bars.size(), failed ? "" : ": backpropagation agrees with the numerical derivative");
  return result;
}

int verdict(const Options& o, int failures) {
  const double h = o.h, tolerance = o.tolerance;
  if (failures && o.planted_bug) {
    std::printf("\n%d tensors FAIL with the planted bug. Which ones, and why not the others? (README, exercise 5)\n",
                failures);
    return 0;
  }
  if (failures && (h != kDefaultH || tolerance < kDefaultTolerance)) {
    // The check is only as good as its numerical derivative: with another step or a stricter
    // tolerance a failure may be the check's own error, not the backward pass's (README, "What to
    // look at"). A looser tolerance only lets more through, so a failure then is the code's.
    std::string why;
    if (h < kDefaultH) why += "with so small a step the round-off of the numerical derivative (about eps*|L|/h) grows; ";
    if (h > kDefaultH) why += "with so large a step the truncation error of the numerical derivative (about h^4) grows; ";
    if (tolerance < kDefaultTolerance)
      why += "a tolerance below 1e-7 asks for more than double-precision finite differences reach (about 1e-9); ";
    std::fprintf(stderr,
                 "\n02_backprop: gradient check FAILED for %d tensors with --h %g --tolerance %g (defaults %g and "
                 "%g): %sthe check itself may be the cause, not your backward pass. Rerun with the defaults to "
                 "test your code\n",
                 failures, h, tolerance, kDefaultH, kDefaultTolerance, why.c_str());
    return 1;
  }
  if (failures) {
    std::fprintf(stderr,
                 "\n02_backprop: gradient check FAILED for %d tensors: the backward pass (your relu_backward, "
                 "softmax_ce_backward or dense_backward?) does not compute the derivative of the loss\n",
                 failures);
    return 1;
  }
  return 0;
}

}  // namespace ch02
