// Chapter 04 — momentum and Adam (§3.2.2).
//
// 1. Loss surfaces you can draw: on an ill-conditioned bowl f(x,y) = ½(x² + 25y²) and on
//    Rosenbrock's banana valley, a 2-D point (a 1×2 Matrix) is moved by the very same
//    sgd_step / momentum_step / rmsprop_step / adam_step that train the networks; the PNG shows
//    each path over the contour lines.
// 2. SGD, momentum (动量) and Adam training the same network on the same data from the same
//    initial weights with the same shuffling: loss curves and decision boundaries.
// 3. The same three on a slice of MNIST with Keras's default learning rates.
// See chapters/04_adam/README.md.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/exercise.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/error.hpp"
#include "dnn/experiment.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/toy_data.hpp"

namespace {

// ------------------------------------------------------------------ 2-D loss surfaces

struct Surface {
  std::string name;
  std::string formula;
  std::function<double(double, double)> f;
  std::function<void(double, double, double&, double&)> grad;
  double x0, y0;      // start
  double xmin, xmax, ymin, ymax;
  int steps;
  std::vector<double> levels;  // contour levels
  // learning rates of SGD, momentum, RMSProp, Adam on this surface
  double lr_sgd, lr_momentum, lr_rmsprop, lr_adam;
};

std::vector<Surface> surfaces() {
  Surface bowl;
  bowl.name = "bowl";
  bowl.formula = "f(x,y) = (x^2 + 25 y^2)/2";
  bowl.f = [](double x, double y) { return 0.5 * (x * x + 25 * y * y); };
  bowl.grad = [](double x, double y, double& gx, double& gy) {
    gx = x;
    gy = 25 * y;
  };
  bowl.x0 = -9;
  bowl.y0 = 2.5;
  bowl.xmin = -10, bowl.xmax = 10, bowl.ymin = -3.5, bowl.ymax = 3.5;
  bowl.steps = 100;
  bowl.levels = {0.1, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 150};
  // SGD: stable only for lr < 2/25 = 0.08 (the steep direction); 0.075 zig-zags in y and
  // crawls in x (factor 1 − 0.075 = 0.925 per step).
  bowl.lr_sgd = 0.075;
  bowl.lr_momentum = 0.02;
  bowl.lr_rmsprop = 0.3;
  bowl.lr_adam = 0.3;

  Surface rosen;
  rosen.name = "rosenbrock";
  rosen.formula = "f(x,y) = (1-x)^2 + 100 (y - x^2)^2";
  rosen.f = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
  rosen.grad = [](double x, double y, double& gx, double& gy) {
    gx = -2 * (1 - x) - 400 * x * (y - x * x);
    gy = 200 * (y - x * x);
  };
  rosen.x0 = -1.5;
  rosen.y0 = 2.0;
  rosen.xmin = -2, rosen.xmax = 2, rosen.ymin = -1, rosen.ymax = 3;
  rosen.steps = 2000;
  rosen.levels = {0.3, 1, 3, 10, 30, 100, 300, 1000};
  rosen.lr_sgd = 0.001;  // 0.002 jumps wildly across the valley first, 0.0025 diverges
  rosen.lr_momentum = 0.001;
  rosen.lr_rmsprop = 0.005;
  rosen.lr_adam = 0.05;
  return {bowl, rosen};
}

struct Path {
  std::string optimizer;
  double lr = 0;
  std::vector<double> x, y, f;
  int steps_to_tol = -1;  // first step with f < 1e-3, -1 if never
};

enum class Opt { SGD, Momentum, RMSProp, Adam };
const char* opt_name(Opt o) {
  switch (o) {
    case Opt::SGD: return "SGD";
    case Opt::Momentum: return "Momentum";
    case Opt::RMSProp: return "RMSProp";
    case Opt::Adam: return "Adam";
  }
  return "?";
}

/// Moves the point (x, y) — a 1×2 Matrix W — with the same step functions that train networks.
Path descend(const dnn::Ops& ops, dnn::Backend backend, const Surface& s, Opt o, double lr, float mu,
             const dnn::naive::AdamConfig& adam_cfg) {
  Path p;
  p.optimizer = opt_name(o);
  p.lr = lr;
  dnn::Matrix W(1, 2), G(1, 2), V(1, 2, 0.0f), m(1, 2, 0.0f), v(1, 2, 0.0f);
  W(0, 0) = static_cast<float>(s.x0);
  W(0, 1) = static_cast<float>(s.y0);
  dnn::naive::AdamConfig cfg = adam_cfg;
  cfg.lr = lr;
  auto record = [&](int t) {
    const double fx = s.f(W(0, 0), W(0, 1));
    p.x.push_back(W(0, 0));
    p.y.push_back(W(0, 1));
    p.f.push_back(fx);
    if (p.steps_to_tol < 0 && fx < 1e-3) p.steps_to_tol = t;
    if (!std::isfinite(fx))
      throw dnn::DivergenceError(std::string(opt_name(o)) + " on the " + s.name + " surface: f became " +
                                 dnn::format_number(fx) + " at step " + std::to_string(t) + " (learning rate " +
                                 dnn::format_number(lr, 4) + "). Try a lower learning rate.");
  };
  record(0);
  for (int t = 1; t <= s.steps; ++t) {
    double gx, gy;
    s.grad(W(0, 0), W(0, 1), gx, gy);
    G(0, 0) = static_cast<float>(gx);
    G(0, 1) = static_cast<float>(gy);
    switch (o) {
      case Opt::SGD: ops.sgd_step(W, G, static_cast<float>(lr)); break;
      case Opt::Momentum: ops.momentum_step(W, G, V, static_cast<float>(lr), mu); break;
      case Opt::RMSProp:
        if (backend == dnn::Backend::Naive)
          dnn::naive::rmsprop_step(W, G, v, static_cast<float>(lr), 0.9f, static_cast<float>(cfg.eps));
        else
          dnn::eigen::rmsprop_step(W, G, v, static_cast<float>(lr), 0.9f, static_cast<float>(cfg.eps));
        break;
      case Opt::Adam: ops.adam_step(W, G, m, v, t, cfg); break;
    }
    record(t);
  }
  return p;
}


/// Contours of each surface with every optimizer's path, side by side (gnuplot).
bool plot_paths(const std::string& png, const std::vector<Surface>& surf, const std::vector<std::vector<Path>>& paths) {
  static const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};
  std::vector<std::string> blocks;
  std::ostringstream cmd;
  cmd << "set multiplot layout 1," << surf.size()
      << " title \"The same step functions moving a 2-D point: SGD, momentum, RMSProp and Adam\" font 'sans,12'\n";
  for (std::size_t k = 0; k < surf.size(); ++k) {
    const Surface& s = surf[k];
    const int res = 160;
    std::ostringstream g;
    for (int r = 0; r < res; ++r) {
      const double y = s.ymin + (s.ymax - s.ymin) * r / (res - 1);
      for (int c = 0; c < res; ++c) {
        const double x = s.xmin + (s.xmax - s.xmin) * c / (res - 1);
        g << x << ' ' << y << ' ' << s.f(x, y) << '\n';
      }
      g << '\n';
    }
    const std::size_t grid_block = blocks.size();
    blocks.push_back(g.str());
    std::vector<std::size_t> path_blocks;
    for (const Path& p : paths[k]) {
      std::ostringstream b;
      // Long paths: every point would be a blur; keep ≤ 400 of them (always the first and last).
      const std::size_t n = p.x.size(), stride = std::max<std::size_t>(1, n / 400);
      for (std::size_t i = 0; i < n; i += stride) b << p.x[i] << ' ' << p.y[i] << '\n';
      if ((n - 1) % stride) b << p.x[n - 1] << ' ' << p.y[n - 1] << '\n';
      path_blocks.push_back(blocks.size());
      blocks.push_back(b.str());
      std::ostringstream e;  // where the path ended
      e << p.x.back() << ' ' << p.y.back() << '\n';
      blocks.push_back(e.str());
    }
    cmd << "set contour base\nunset surface\nset view map\nset cntrparam levels discrete ";
    for (std::size_t i = 0; i < s.levels.size(); ++i) cmd << (i ? "," : "") << s.levels[i];
    cmd << "\nset table $c" << k << "\nsplot $d" << grid_block << " using 1:2:3 with lines notitle\nunset table\n"
        << "unset contour\nset surface\n"
        << "set title " << dnn::gnuplot_quote(s.formula + ", " + std::to_string(s.steps) + " steps from (" +
                                 dnn::format_number(s.x0, 3) + ", " + dnn::format_number(s.y0, 3) + ")")
        << "\nset xrange [" << s.xmin << ":" << s.xmax << "]\nset yrange [" << s.ymin << ":" << s.ymax << "]\n"
        << "set xlabel 'x'\nset ylabel 'y'\nset key bottom right box opaque\nset grid\n"
        << "plot $c" << k << " using 1:2 with lines lc rgb '#c0c0c0' notitle";
    for (std::size_t i = 0; i < paths[k].size(); ++i)
      cmd << ", $d" << path_blocks[i] << " using 1:2 with linespoints pt 7 ps 0.35 lw 1.5 lc rgb '" << colors[i % 4]
          << "' title " << dnn::gnuplot_quote(paths[k][i].optimizer + " (lr " + dnn::format_number(paths[k][i].lr, 3) + ")")
          << ", $d" << path_blocks[i] + 1 << " using 1:2 with points pt 9 ps 2.2 lc rgb '" << colors[i % 4]
          << "' notitle";
    const double mx = k == 0 ? 0 : 1, my = k == 0 ? 0 : 1;  // the minimum
    cmd << ", '+' using (" << mx << "):(" << my << ") every ::0::0 with points pt 3 ps 2.5 lw 2 lc rgb 'black' "
        << "title 'minimum'\n";
  }
  cmd << "unset multiplot\n";
  return dnn::plot_custom(png, 1500, 620, cmd.str(), blocks);
}

struct Options {
  std::string problem = "spirals";
  int points = 900;
  float noise = 0;  // not given (app.count("--noise") == 0): 0.15 (moons) or 0.2 (spirals)
  std::string hidden = "32,32";
  std::string activation = "tanh";
  std::string backend = "naive";
  int epochs = 60;
  int batch = 32;
  double lr_sgd = 0.1, lr_momentum = 0.1, lr_adam = 0.01;
  double momentum = 0.9;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int mnist_examples = 5000;
  int grid = 150;
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// `flags`: whether the learning rates come from --lr-sgd/--lr-momentum/--lr-adam (named by the
/// divergence message) or are fixed by the program.
std::vector<dnn::RunSpec> optimizer_runs(const Options& o, double lr_sgd, double lr_mom, double lr_adam, int epochs,
                                         int window_points, bool flags) {
  std::vector<dnn::RunSpec> v;
  for (auto kind : {dnn::OptimizerKind::SGD, dnn::OptimizerKind::Momentum, dnn::OptimizerKind::Adam}) {
    dnn::RunSpec s;
    s.batch = o.batch;
    s.epochs = epochs;
    s.seed = o.common.seed;
    s.window_points = window_points;
    s.opt.kind = kind;
    s.opt.momentum = static_cast<float>(o.momentum);
    s.opt.adam.beta1 = o.beta1;
    s.opt.adam.beta2 = o.beta2;
    s.opt.adam.eps = o.eps;
    const double lr = kind == dnn::OptimizerKind::SGD ? lr_sgd : kind == dnn::OptimizerKind::Momentum ? lr_mom : lr_adam;
    s.opt.lr = static_cast<float>(lr);
    s.opt.lr_flag = !flags                                 ? ""
                    : kind == dnn::OptimizerKind::SGD      ? "--lr-sgd"
                    : kind == dnn::OptimizerKind::Momentum ? "--lr-momentum"
                                                           : "--lr-adam";
    s.label = (kind == dnn::OptimizerKind::SGD ? "SGD" : kind == dnn::OptimizerKind::Momentum ? "Momentum" : "Adam") +
              std::string(" (lr ") + dnn::format_number(lr, 3) + ")";
    v.push_back(s);
  }
  return v;
}

void print_table(const std::vector<dnn::RunLog>& runs) {
  std::printf("  %-22s %8s %10s %10s %9s %8s\n", "optimizer", "steps", "train loss", "train acc", "test acc",
              "time s");
  for (const auto& r : runs) {
    const auto& c = r.curve.back();
    std::printf("  %-22s %8ld %10.4f %9.2f%% %8.2f%% %8.3f\n", r.spec.label.c_str(), c.steps, c.loss,
                100.0 * c.accuracy, 100.0 * c.test_accuracy, c.train_seconds);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 04 — momentum and Adam (textbook §3.2.2): optimizer paths on 2-D loss surfaces (an ill-conditioned "
      "bowl and Rosenbrock), then SGD vs momentum vs Adam training the same network from the same start, on a 2-D "
      "problem and on a slice of MNIST."};
  app.name("04_adam");
  Options o;
  dnn::add_common_options(app, o.common, "out/04_adam");
  dnn::add_data_options(app, o.data);
  app.add_option("--problem", o.problem, "moons | spirals: the 2-D problem of the network comparison")
      ->capture_default_str();
  dnn::add_toy_problem_options(app, o.points, o.noise);
  app.add_option("--hidden", o.hidden, "Hidden layer sizes")->capture_default_str();
  app.add_option("--activation", o.activation, "Hidden activation relu|tanh|sigmoid")->capture_default_str();
  app.add_option("--backend", o.backend, std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") | eigen")->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs of the 2-D comparison")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 100000));
  app.add_option("--batch", o.batch, "Minibatch size")->capture_default_str()->check(dnn::whole_number(1, 1000000));
  app.add_option("--lr-sgd", o.lr_sgd, "Learning rate of SGD (2-D comparison)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--lr-momentum", o.lr_momentum, "Learning rate of momentum (2-D comparison)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--lr-adam", o.lr_adam, "Learning rate of Adam (2-D comparison)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--momentum", o.momentum, "μ of momentum, in [0, 1)")
      ->capture_default_str()
      ->check(dnn::at_least_below(0, 1));
  app.add_option("--beta1", o.beta1, "Adam β1 (decay of the first moment m), in [0, 1)")
      ->capture_default_str()
      ->check(dnn::at_least_below(0, 1));
  app.add_option("--beta2", o.beta2, "Adam β2 (decay of the second moment v), in [0, 1)")
      ->capture_default_str()
      ->check(dnn::at_least_below(0, 1));
  app.add_option("--eps", o.eps, "Adam ε (added to √v̂, outside the square root)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1));
  app.add_option("--mnist-examples", o.mnist_examples, "Training examples of the MNIST comparison (0 skips it)")
      ->capture_default_str()
      ->check(dnn::whole_number(0, 60000));
  app.add_option("--grid", o.grid, "Resolution of the decision-boundary picture")
      ->capture_default_str()
      ->check(dnn::whole_number(10, 1000));

  return dnn::run_program(app, argc, argv, [&]() -> int {
    dnn::apply_threads(o.common.threads);
    const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
    const dnn::Ops& ops = dnn::ops_for(backend);
    // (the learning rates, --momentum, --beta1/2 and --eps were checked by their ->check() above)
    const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
    const dnn::Activation act = dnn::parse_activation(o.activation);
    dnn::prepare_output_dir(o.common.out_dir);
    const std::string& out = o.common.out_dir;
    std::vector<std::string> written;
    nlohmann::json summary;
    summary["backend"] = ops.name;

    // ---- 1. paths on 2-D loss surfaces
    dnn::naive::AdamConfig adam_cfg;
    adam_cfg.beta1 = o.beta1;
    adam_cfg.beta2 = o.beta2;
    adam_cfg.eps = o.eps;
    const std::vector<Surface> surf = surfaces();
    std::vector<std::vector<Path>> paths;
    dnn::CsvTable traj({"surface", "optimizer", "lr", "step", "x", "y", "f"});
    std::printf("1. optimizer paths on 2-D loss surfaces (backend %s)\n", ops.name);
    std::printf("  %-11s %-9s %8s %6s %22s %12s %14s\n", "surface", "optimizer", "lr", "steps", "final (x, y)",
                "final f", "steps to f<1e-3");
    for (const Surface& s : surf) {
      std::vector<Path> ps;
      for (Opt opt : {Opt::SGD, Opt::Momentum, Opt::RMSProp, Opt::Adam}) {
        const double lr = opt == Opt::SGD ? s.lr_sgd : opt == Opt::Momentum ? s.lr_momentum
                                                      : opt == Opt::RMSProp ? s.lr_rmsprop : s.lr_adam;
        ps.push_back(descend(ops, backend, s, opt, lr, static_cast<float>(o.momentum), adam_cfg));
        const Path& p = ps.back();
        char xy[64], tol[32] = "never";
        std::snprintf(xy, sizeof xy, "(%.4f, %.4f)", p.x.back(), p.y.back());
        if (p.steps_to_tol >= 0) std::snprintf(tol, sizeof tol, "%d", p.steps_to_tol);
        std::printf("  %-11s %-9s %8g %6d %22s %12.3g %14s\n", s.name.c_str(), p.optimizer.c_str(), lr, s.steps, xy,
                    p.f.back(), tol);
        for (std::size_t i = 0; i < p.x.size(); ++i)
          traj.add_row(std::vector<std::string>{s.name, p.optimizer, dnn::format_number(lr), std::to_string(i),
                                                dnn::format_number(p.x[i], 8), dnn::format_number(p.y[i], 8),
                                                dnn::format_number(p.f[i], 8)});
        summary["surfaces"].push_back({{"surface", s.name},
                                       {"optimizer", p.optimizer},
                                       {"lr", lr},
                                       {"final_f", p.f.back()},
                                       {"steps_to_1e-3", p.steps_to_tol}});
      }
      paths.push_back(ps);
    }
    written.push_back(dnn::join_path(out, "trajectories.csv"));
    traj.save(written.back());
    if (plot_paths(dnn::join_path(out, "loss_surfaces.png"), surf, paths))
      written.push_back(dnn::join_path(out, "loss_surfaces.png"));
    {
      std::vector<dnn::Series> fs;
      for (std::size_t k = 0; k < surf.size(); ++k)
        for (const Path& p : paths[k]) {
          dnn::Series s;
          s.label = surf[k].name + ": " + p.optimizer;
          for (std::size_t i = 0; i < p.f.size(); ++i) {
            s.x.push_back(static_cast<double>(i + 1));
            s.y.push_back(std::max(p.f[i], 1e-12));
          }
          fs.push_back(s);
        }
      dnn::PlotSpec spec;
      spec.title = "f along each path (the minimum of both surfaces is 0)";
      spec.xlabel = "step + 1 (log scale)";
      spec.ylabel = "f(x, y)";
      spec.logx = spec.logy = true;
      if (dnn::plot_lines(dnn::join_path(out, "surface_loss.png"), spec, fs))
        written.push_back(dnn::join_path(out, "surface_loss.png"));
    }

    // ---- 2. SGD vs momentum vs Adam on a network, same data / start / shuffling
    const float noise = app.count("--noise") ? o.noise : -1.0f;  // make_toy_problem: < 0 = the problem's default
    const dnn::ToyTrainTest sets = dnn::make_toy_train_test(o.problem, o.points, noise, o.common.seed);
    const dnn::ToyProblem& toy = sets.train;
    const std::vector<int> sizes = dnn::layer_sizes(2, hidden, toy.classes);
    dnn::Rng init_rng(o.common.seed);
    const dnn::Mlp init = dnn::make_mlp(sizes, act, init_rng);
    const std::string shape = dnn::layer_sizes_text(sizes);
    std::printf("\n2. %s (%d training points, %d classes), network %s %s, %ld parameters, minibatch %d, %d epochs\n",
                o.problem.c_str(), o.points, toy.classes, shape.c_str(), dnn::to_string(act).c_str(),
                init.parameter_count(), o.batch, o.epochs);
    const std::vector<dnn::RunLog> runs =
        dnn::run_comparison(ops, init, toy.X, toy.y, &sets.test.X, &sets.test.y,
                            optimizer_runs(o, o.lr_sgd, o.lr_momentum, o.lr_adam, o.epochs, 0, true));
    std::printf("  from the same start (train loss %.4f, accuracy %.2f%%):\n", runs[0].curve[0].loss,
                100.0 * runs[0].curve[0].accuracy);
    print_table(runs);
    dnn::save_run_csvs(out, "", runs, false, written);
    const std::string title =
        "SGD vs momentum vs Adam: " + o.problem + ", network " + shape + ", same start and shuffling";
    const std::string loss_png = dnn::join_path(out, "optimizer_loss.png");
    if (dnn::plot_loss_per_epoch(loss_png, title, "epoch", runs)) written.push_back(loss_png);
    const std::string accuracy_png = dnn::join_path(out, "optimizer_accuracy.png");
    if (dnn::plot_accuracy_per_epoch(accuracy_png, title, "epoch", runs)) written.push_back(accuracy_png);
    {
      const std::string png = dnn::join_path(out, "decision_boundary.png");
      if (dnn::plot_run_boundaries(png, "What each optimizer learned in " + std::to_string(o.epochs) + " epochs", ops,
                                   runs, toy, 0.25f, o.grid))
        written.push_back(png);
    }
    for (const auto& r : runs)
      summary["network_runs"].push_back({{"run", r.spec.label},
                                         {"train_loss", r.curve.back().loss},
                                         {"train_accuracy", r.curve.back().accuracy},
                                         {"test_accuracy", r.curve.back().test_accuracy}});

    // ---- 3. MNIST slice, Keras's default learning rates, one epoch
    if (o.mnist_examples > 0) {
      dnn::DataOptions d = o.data;
      if (d.limit_train == 0) d.limit_train = o.mnist_examples;
      const dnn::Dataset ds = dnn::load_dataset(d);
      std::printf("\n3. digits: %s\n", dnn::describe(ds).c_str());
      std::printf("  784-50-50-10 ReLU (the book's network), minibatch %d, 1 epoch, Keras's default learning rates\n",
                  o.batch);
      const dnn::Mlp net = dnn::make_textbook_mlp(ds.input_size(), ds.classes, o.common.seed);
      const std::vector<dnn::RunLog> mruns = dnn::run_comparison(ops, net, ds.train_x, ds.train_y, &ds.test_x,
                                                                 &ds.test_y, optimizer_runs(o, 0.01, 0.01, 0.001, 1, 50, false));
      std::printf("  from the same start (test accuracy %.2f%%):\n", 100.0 * mruns[0].curve[0].test_accuracy);
      print_table(mruns);
      dnn::save_run_csvs(out, "mnist_", mruns, true, written);
      for (const auto& r : mruns) {
        summary["mnist_runs"].push_back({{"run", r.spec.label},
                                         {"train_loss", r.curve.back().loss},
                                         {"test_accuracy", r.curve.back().test_accuracy}});
      }
      const std::string png = dnn::join_path(out, "mnist_optimizers.png");
      if (dnn::plot_window_loss(
              png,
              dnn::display_name(ds) + ", one epoch, Keras default learning rates: minibatch loss (mean over 1/50 "
                                      "epoch windows)",
              mruns))
        written.push_back(png);
    }

    dnn::save_summary_and_list(out, summary, written);
    return 0;
  });
}
