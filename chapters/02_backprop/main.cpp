// Chapter 02 — backpropagation (反向传播, textbook §3.1) and how to know it is right.
//
// 1. The gradient check (梯度检验): for small networks on real digits (downsampled to 7×7 so the
//    check takes a moment), computed in double precision, every parameter tensor's gradient from
//    backpropagation is compared with central differences. One table row per tensor.
//    --planted-bug swaps in the textbook's δ = ∂E/∂Y (without f′(z)): read the table and explain.
// 2. The sign of the update: one step W ← W − η·∂E/∂W lowers the loss of the 784-50-50-10
//    network on a real minibatch; the textbook's W ← W + ΔW raises it.
// See chapters/02_backprop/README.md for what every number means.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/exercise.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/gradcheck.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/timer.hpp"

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

// One bar per parameter tensor, grouped by network: green when it passes, red when it fails, the
// tolerance as a dashed line, so "which tensors fail" is read at a glance (numbers: gradcheck.csv).
struct CheckBar {
  std::string network, tensor;
  double error;
  bool pass;
};

bool plot_gradcheck(const std::string& png, const std::vector<CheckBar>& bars, double tolerance, double h,
                    bool planted_bug, int failures) {
  std::ostringstream data, cmd;
  double x = 0;
  std::string group;
  double group_start = 0;
  const auto close_group = [&](double end) {
    if (group.empty()) return;
    cmd << "set label " << dnn::gnuplot_quote(group) << " at first " << (group_start + end) / 2 << ", graph 0.96 center noenhanced font 'sans,10'\n";
    cmd << "set arrow from first " << end + 0.5 << ", graph 0 to first " << end + 0.5
        << ", graph 1 nohead lc rgb '#bbbbbb'\n";
  };
  double lowest = tolerance;
  for (const CheckBar& b : bars) {
    lowest = std::min(lowest, std::max(b.error, 1e-17));
    if (b.network != group) {
      close_group(x - 1);
      group = b.network;
      group_start = x;
    }
    data << x << ' ' << std::max(b.error, 1e-17) << ' ' << (b.pass ? 11 : 12) << ' ' << dnn::gnuplot_quote(b.tensor) << '\n';
    x += 1;
  }
  close_group(x - 1);
  char title[200];
  std::snprintf(title, sizeof title, "Gradient check (h = %g): max relative error per tensor, %d of %zu FAIL%s", h,
                failures, bars.size(), planted_bug ? " (PLANTED BUG)" : "");
  cmd << "set title " << dnn::gnuplot_quote(title) << "\n"
      << "set logscale y\nset format y '10^{%L}'\nset ylabel 'max |a - n| / max(|a|, |n|, 1e-4)'\n"
      << "set xrange [-1:" << x << "]\nset yrange [" << lowest / 4 << ":*]\nset offsets 0, 0, graph 0.12, 0\n"
      << "set style fill solid 0.85 border -1\nset boxwidth 0.7\nset grid ytics lc rgb '#dddddd'\n"
      << "set linetype 11 lc rgb '#1a9850'\nset linetype 12 lc rgb '#d73027'\n"
      << "set key outside bottom center horizontal\nset bmargin 6\n"
      << "set xtics scale 0 font 'sans,9'\n"
      << "set arrow from graph 0, first " << tolerance << " to graph 1, first " << tolerance
      << " nohead dt 2 lw 2 lc rgb 'black' front\n"
      << "plot $d0 using 1:2:3:xtic(4) with boxes lc variable notitle, "
      << "NaN with boxes lt 11 title 'pass (below the tolerance)', NaN with boxes lt 12 title 'FAIL', "
      << "NaN with lines dt 2 lw 2 lc rgb 'black' title 'tolerance " << dnn::format_number(tolerance, 2) << "'\n";
  return dnn::plot_custom(png, 1200, 600, cmd.str(), {data.str()});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 02 — backpropagation (textbook §3.1): a gradient check of every parameter tensor in double\n"
      "precision on real digits, and one update step with each sign (W − η∂E/∂W versus the textbook's W + ΔW)."};
  app.name("02_backprop");
  dnn::CommonOptions common;
  dnn::DataOptions data;
  std::string backend_name = "eigen";
  bool planted_bug = false;
  constexpr double kDefaultH = 1e-3, kDefaultTolerance = 1e-7;
  double h = kDefaultH;
  double tolerance = kDefaultTolerance;
  int batch = 8;
  int pool = 4;
  std::string hidden_text = "8,8";
  dnn::add_common_options(app, common, "out/02_backprop");
  dnn::add_data_options(app, data);
  app.add_option("--backend", backend_name, std::string("Backend of the update-sign demo: naive (this binary links ") + dnn::exercise_bodies() + ") or eigen")->capture_default_str();
  app.add_flag("--planted-bug", planted_bug,
               "Backpropagate with the textbook's delta = dE/dY (no f'(z)) and watch the gradient check");
  app.add_option("--h", h, "Step of the central differences")->capture_default_str()->check(dnn::between(1e-10, 0.1));
  app.add_option("--tolerance", tolerance, "A tensor passes when its max relative error is below this")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1));
  app.add_option("--batch", batch, "Examples in the gradient check")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 256));
  app.add_option("--pool", pool, "Downsampling of the images for the check (4: 28x28 -> 7x7)")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 28));
  app.add_option("--hidden", hidden_text, "Hidden sizes of the checked networks, comma-separated")
      ->capture_default_str();

  return dnn::run_program(app, argc, argv, [&]() -> int {
    dnn::apply_threads(common.threads);
    const dnn::Backend backend = dnn::parse_cpu_backend(backend_name);
    const std::vector<int> hidden = dnn::parse_layer_sizes(hidden_text, "--hidden");
    dnn::prepare_output_dir(common.out_dir);
    const dnn::Dataset ds = dnn::load_dataset(data);
    std::printf("%s\n\n", dnn::describe(ds).c_str());
    if (ds.train_size() < batch)
      throw dnn::InputError("--batch: " + std::to_string(batch) + " examples requested, the training set has " +
                            std::to_string(ds.train_size()));
    if (ds.height / pool < 1 || ds.width / pool < 1)
      throw dnn::InputError("--pool: " + std::to_string(pool) + " is larger than the images");

    // ------------------------------------------------------------------ 1. the gradient check
    dnn::CheckData cd;
    cd.X = downsample(ds.train_x, 0, batch, ds.height, ds.width, pool);
    cd.labels.assign(ds.train_y.begin(), ds.train_y.begin() + batch);
    cd.T = dnn::matrix_cast<double>(dnn::one_hot(cd.labels, ds.classes));  // MSE targets: one-hot
    const std::vector<int> sizes = dnn::layer_sizes(cd.X.cols, hidden, ds.classes);
    const std::string arch = dnn::layer_sizes_text(sizes);

    std::printf("gradient check: %d training digits downsampled %dx%d -> %dx%d, networks %s, double precision,\n",
                batch, ds.height, ds.width, ds.height / pool, ds.width / pool, arch.c_str());
    std::printf("central differences with h = %g, pass when max relative error < %g%s\n\n", h, tolerance,
                planted_bug ? "\n*** --planted-bug: backprop uses the textbook's delta = dE/dY without f'(z) ***" : "");
    std::printf("  %-18s %-5s %-6s %-8s %13s %13s  %s\n", "network", "layer", "tensor", "shape", "max|a-n|",
                "max rel err", "result");

    const std::vector<Config> configs = {{dnn::Activation::Sigmoid, dnn::LossKind::SoftmaxCE},
                                         {dnn::Activation::Tanh, dnn::LossKind::SoftmaxCE},
                                         {dnn::Activation::Sigmoid, dnn::LossKind::MSE},
                                         {dnn::Activation::Tanh, dnn::LossKind::MSE},
                                         {dnn::Activation::ReLU, dnn::LossKind::SoftmaxCE}};
    dnn::CsvTable check_csv(
        {"network", "layer", "tensor", "rows", "cols", "max_abs_diff", "max_rel_error", "tolerance", "pass"});
    std::vector<CheckBar> bars;
    int failures = 0, kink_failures = 0;
    // Central differences cost 2 forward passes per parameter: wide layers take minutes, so a long
    // check says so first and then reports each tensor (on stderr: the table on stdout is the same).
    double madds_per_forward = 0, params = 0;
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
      madds_per_forward += double(batch) * sizes[l] * sizes[l + 1];
      params += double(sizes[l] + 1) * sizes[l + 1];
    }
    const double estimate_s = double(configs.size()) * 2 * params * madds_per_forward / 1e9;  // ~1e9 madds/s
    const bool report_progress = estimate_s > 20 && !common.quiet;
    const dnn::Timer check_timer;
    const int tensors_total = static_cast<int>(configs.size() * 2 * (sizes.size() - 1));
    int tensors_done = 0;
    if (report_progress)
      std::fprintf(stderr, "note: the check perturbs each of the %.0f parameters of %zu networks, 2 forward passes of "
                           "%d digits each: roughly %.0f s here; lower --hidden or --batch for a faster check\n",
                   params, configs.size(), batch, estimate_s);
    dnn::Rng rng(common.seed);
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
      const auto rows = dnn::gradient_check(net, cd, cfg.loss, tolerance,
                                            planted_bug ? dnn::DeltaRule(textbook_delta) : dnn::DeltaRule(), h,
                                            progress);
      for (const auto& r : rows) {
        const std::string shape = std::to_string(r.rows) + "x" + std::to_string(r.cols);
        std::printf("  %-18s %-5d %-6s %-8s %13.3e %13.3e  %s\n", cfg.name().c_str(), r.layer, r.tensor.c_str(),
                    shape.c_str(), r.max_abs_diff, r.max_rel_error, r.pass ? "pass" : "FAIL");
        check_csv.add_row(std::vector<std::string>{cfg.name(), std::to_string(r.layer), r.tensor, std::to_string(r.rows),
                                                   std::to_string(r.cols), dnn::format_number(r.max_abs_diff),
                                                   dnn::format_number(r.max_rel_error), dnn::format_number(tolerance),
                                                   r.pass ? "1" : "0"});
        bars.push_back({cfg.name(), r.tensor + std::to_string(r.layer), r.max_rel_error, r.pass});
        if (!r.pass && near_kink)
          ++kink_failures;  // not backprop's fault: θ ± 2h crossed ReLU's kink (reported below)
        else
          failures += !r.pass;
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
    std::printf("\n  %d of %zu tensors pass the check%s\n\n",
                static_cast<int>(bars.size()) - failures - kink_failures, bars.size(),
                failures + kink_failures ? "" : ": backpropagation agrees with the numerical derivative");

    // ------------------------------------------------------------------ 2. the sign of the update
    const dnn::Ops& ops = dnn::ops_for(backend);
    const dnn::Mlp net = dnn::make_textbook_mlp(ds.input_size(), ds.classes, common.seed);
    const int mb = std::min(32, ds.train_size());
    dnn::Matrix X(mb, ds.input_size());
    std::vector<int> y(ds.train_y.begin(), ds.train_y.begin() + mb);
    std::copy(ds.train_x.row(0), ds.train_x.row(0) + static_cast<std::size_t>(mb) * ds.input_size(), X.data.begin());
    dnn::MlpWorkspace ws;
    dnn::MlpGrads grads;
    const float loss0 = dnn::mlp_loss_and_grads(ops, net, X, y, ws, grads);
    double grad_sq = 0;
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      for (float g : grads.dW[l].data) grad_sq += double(g) * g;
      for (float g : grads.db[l].data) grad_sq += double(g) * g;
    }
    // Applies W ← W + sign·η·∂E/∂W (and the same for b) to a copy of the network.
    const auto loss_after = [&](double sign, double lr) {
      dnn::Mlp moved = net;
      for (std::size_t l = 0; l < moved.layers.size(); ++l) {
        auto& L = moved.layers[l];
        for (std::size_t k = 0; k < L.W.size(); ++k) L.W.data[k] += static_cast<float>(sign * lr) * grads.dW[l].data[k];
        for (std::size_t k = 0; k < L.b.size(); ++k) L.b.data[k] += static_cast<float>(sign * lr) * grads.db[l].data[k];
      }
      dnn::MlpWorkspace w2;
      return dnn::mlp_evaluate(ops, moved, X, y, w2).loss;
    };
    std::printf("one update step of the %s network on %d training digits (%s backend), loss before: %.6f\n",
                "784-50-50-10", mb, ops.name, loss0);
    std::printf("  %-6s %-22s %-24s %-22s\n", "eta", "W - eta*dE/dW (descent)", "W + eta*dE/dW (textbook)",
                "first-order change eta*|g|^2");
    dnn::CsvTable sign_csv({"eta", "loss_before", "loss_descent", "loss_textbook_sign", "predicted_change"});
    for (double lr : {0.01, 0.1, 0.5}) {
      const double down = loss_after(-1.0, lr), up = loss_after(+1.0, lr);
      std::printf("  %-6g %.6f (%+.2e)     %.6f (%+.2e)       %.2e\n", lr, down, down - loss0, up, up - loss0,
                  lr * grad_sq);
      sign_csv.add_row(std::vector<double>{lr, loss0, down, up, lr * grad_sq});
    }
    std::printf("  (for small eta the descent step lowers the loss by about eta*|g|^2 and the textbook's sign raises it by\n"
                "   about as much; at large eta the straight-line estimate no longer holds)\n\n");

    // ------------------------------------------------------------------ files
    const std::string check_path = dnn::join_path(common.out_dir, "gradcheck.csv");
    const std::string sign_path = dnn::join_path(common.out_dir, "update_sign.csv");
    const std::string png_path = dnn::join_path(common.out_dir, "gradcheck.png");
    check_csv.save(check_path);
    sign_csv.save(sign_path);
    const bool plotted = plot_gradcheck(png_path, bars, tolerance, h, planted_bug, failures + kink_failures);
    std::printf("wrote %s\n      %s\n", check_path.c_str(), sign_path.c_str());
    if (plotted) std::printf("      %s\n", png_path.c_str());

    if (failures && planted_bug) {
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
  });
}
