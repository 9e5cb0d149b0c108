// Chapter 03 — stochastic gradient descent (§3.2.1, 随机梯度下降).
//
// The same small network, the same data, the same initial weights and the same shuffling seed,
// trained four ways that differ only in how many examples each step looks at:
//   pure SGD (one example per step, as the textbook describes), minibatch SGD (Keras's 32),
//   full batch (all examples, one exact step per epoch), and minibatch + momentum (the bridge to
//   Adam, chapter 04).
// Then a learning-rate (学习率) sweep, decision-boundary pictures of what each run learned, and
// the same comparison on (a slice of) MNIST. See chapters/03_sgd/README.md.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/exercise.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/experiment.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/toy_data.hpp"

namespace {

// --noise, --hidden, --activation, --epochs and --lr have defaults that depend on --problem: when
// a flag is not given (app.count(flag) == 0) the program picks the problem's value; a value that
// is given is always used (or refused by the flag's check), never replaced by a default.
struct Options {
  std::string problem = "moons";
  int points = 1000;
  float noise = 0;         // not given: 0.15 (moons) or 0.2 (spirals)
  std::string hidden;      // not given: 16,16 (2-D) or 50,50 (mnist)
  std::string activation;  // not given: tanh (2-D) or relu (mnist)
  std::string backend = "naive";
  int epochs = 0;          // not given: 40 (2-D) or 1 (mnist)
  double lr = 0;           // not given: 0.1 (2-D) or 0.01 (mnist, the book's)
  int batch = 32;
  double momentum = 0.9;
  std::string sweep = "0.001,0.01,0.1,1,10";
  double lr_drop = 1.0;
  int lr_every = 10;
  int mnist_examples = 5000;
  int grid = 150;
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

std::vector<double> parse_rates(const std::string& text, const std::string& flag) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const double x = std::stod(item, &used);
      if (used != item.size() || !(x > 0) || !std::isfinite(x)) throw std::invalid_argument(item);
      v.push_back(x);
    } catch (const std::exception&) {
      throw dnn::InputError(flag + ": expected comma-separated learning rates > 0 (e.g. 0.01,0.1), got '" + text +
                            "'");
    }
  }
  return v;
}

/// The data of one experiment: a training set, a test set, the network shape.
struct Problem {
  std::string description;
  dnn::Matrix X, test_X;
  std::vector<int> y, test_y;
  int classes = 0;
  bool two_d = false;
  dnn::ToyProblem toy;  // the 2-D points (for the decision-boundary picture)
  std::string dataset;  // "MNIST", "Fashion-MNIST" or "synthetic digits" (plot titles)
};

Problem load_mnist(dnn::DataOptions data, int examples) {
  if (data.limit_train == 0) data.limit_train = examples;
  dnn::Dataset ds = dnn::load_dataset(data);
  std::printf("%s\n", dnn::describe(ds).c_str());
  Problem p;
  p.description = ds.name + " (" + std::to_string(ds.train_size()) + " training examples, " +
                  std::to_string(ds.test_size()) + " test, " + std::to_string(ds.input_size()) + " inputs)";
  p.X = std::move(ds.train_x);
  p.y = std::move(ds.train_y);
  p.test_X = std::move(ds.test_x);
  p.test_y = std::move(ds.test_y);
  p.classes = ds.classes;
  p.dataset = dnn::display_name(ds);
  return p;
}

/// The four ways of §3.2.1: they differ only in the minibatch size (and momentum for the last).
/// `lr_flag`: the flag that set lr, for the divergence message ("" when the program fixed it).
std::vector<dnn::RunSpec> sgd_modes(int n, int batch, double lr, const std::string& lr_flag, double momentum,
                                    int epochs, std::uint64_t seed, int window_points) {
  auto spec = [&](const std::string& label, int b, bool with_momentum) {
    dnn::RunSpec s;
    s.label = label;
    s.batch = b;
    s.opt.kind = with_momentum ? dnn::OptimizerKind::Momentum : dnn::OptimizerKind::SGD;
    s.opt.lr = static_cast<float>(lr);
    s.opt.lr_flag = lr_flag;
    s.opt.momentum = static_cast<float>(momentum);
    s.epochs = epochs;
    s.seed = seed;
    s.window_points = window_points;
    return s;
  };
  return {spec("pure SGD (batch 1)", 1, false), spec("minibatch " + std::to_string(batch), batch, false),
          spec("full batch (" + std::to_string(n) + ")", n, false),
          spec("minibatch " + std::to_string(batch) + " + momentum " + dnn::format_number(momentum, 3), batch, true)};
}

void print_table(const std::vector<dnn::RunLog>& runs, bool with_test) {
  std::printf("  %-32s %6s %10s %8s %10s %9s %9s %8s %12s\n", "run", "batch", "steps/ep", "steps", "train loss",
              "train acc", with_test ? "test acc" : "", "time s", "examples/s");
  for (const auto& r : runs) {
    const auto& last = r.curve.back();
    const long steps_per_epoch = last.epoch > 0 ? last.steps / last.epoch : 0;
    char test[32] = "";
    if (with_test) std::snprintf(test, sizeof test, "%8.2f%%", 100.0 * last.test_accuracy);
    std::printf("  %-32s %6d %10ld %8ld %10.4f %8.2f%% %9s %8.3f %12.0f\n", r.spec.label.c_str(), r.spec.batch,
                steps_per_epoch, last.steps, last.loss, 100.0 * last.accuracy, test, last.train_seconds,
                r.examples_per_second());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 03 — stochastic gradient descent (textbook §3.2.1): pure SGD (1 example per step), minibatch (32) "
      "and full batch, plus momentum, on the same data, initial weights and shuffling; a learning-rate sweep; "
      "decision boundaries; and a short MNIST comparison of examples/s and loss."};
  app.name("03_sgd");
  Options o;
  dnn::add_common_options(app, o.common, "out/03_sgd");
  dnn::add_data_options(app, o.data);
  app.add_option("--problem", o.problem, "moons | spirals (generated 2-D points) | mnist (the digits)")
      ->capture_default_str();
  dnn::add_toy_problem_options(app, o.points, o.noise);
  app.add_option("--hidden", o.hidden, "Hidden layer sizes (default: 16,16 for 2-D, 50,50 for mnist)");
  app.add_option("--activation", o.activation, "Hidden activation relu|tanh|sigmoid (default: tanh 2-D, relu mnist)");
  app.add_option("--backend", o.backend, std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") | eigen")->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs of every run (default: 40 for 2-D, 1 for mnist)")
      ->check(dnn::whole_number(1, 100000));
  app.add_option("--lr", o.lr, "Learning rate η of the four runs (default: 0.1 for 2-D, 0.01 for mnist)")
      ->check(dnn::above_at_most(0, 1e6));
  app.add_option("--batch", o.batch, "Minibatch size of the minibatch runs (Keras default 32)")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 1000000));
  app.add_option("--momentum", o.momentum, "μ of the momentum run, in [0, 1)")
      ->capture_default_str()
      ->check(dnn::at_least_below(0, 1));
  app.add_option("--sweep", o.sweep, "Learning rates of the sweep (minibatch runs); '' skips it")
      ->capture_default_str();
  app.add_option("--lr-drop", o.lr_drop, "Step decay: multiply η by this every --lr-every epochs (1 = constant)")
      ->capture_default_str()
      ->check(dnn::above_at_most(0, 1));
  app.add_option("--lr-every", o.lr_every, "Epochs between two learning-rate drops")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 100000));
  app.add_option("--mnist-examples", o.mnist_examples,
                 "Training examples of the MNIST comparison (0 skips it; with --problem mnist: the training set "
                 "size unless --train-limit is given)")
      ->capture_default_str()
      ->check(dnn::whole_number(0, 60000));
  app.add_option("--grid", o.grid, "Resolution of the decision-boundary picture")
      ->capture_default_str()
      ->check(dnn::whole_number(10, 1000));

  return dnn::run_program(app, argc, argv, [&]() -> int {
    dnn::apply_threads(o.common.threads);
    const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
    const dnn::Ops& ops = dnn::ops_for(backend);
    if (o.problem != "moons" && o.problem != "spirals" && o.problem != "mnist")
      throw dnn::InputError("--problem: expected moons, spirals or mnist, got '" + o.problem + "'");
    // (--momentum, --lr-drop, --lr and the other numbers were checked by their ->check() above.)
    const bool mnist = o.problem == "mnist";
    const auto given = [&](const char* flag) { return app.count(flag) > 0; };
    if (mnist && o.mnist_examples == 0 && o.data.limit_train == 0) o.mnist_examples = 60000;
    const std::vector<int> hidden =
        dnn::parse_layer_sizes(given("--hidden") ? o.hidden : (mnist ? "50,50" : "16,16"), "--hidden");
    const dnn::Activation act = dnn::parse_activation(given("--activation") ? o.activation : (mnist ? "relu" : "tanh"));
    const int epochs = given("--epochs") ? o.epochs : (mnist ? 1 : 40);
    const double lr = given("--lr") ? o.lr : (mnist ? 0.01 : 0.1);
    const float noise = given("--noise") ? o.noise : -1.0f;  // make_toy_problem: < 0 = the problem's default
    const std::vector<double> sweep = parse_rates(o.sweep, "--sweep");
    dnn::prepare_output_dir(o.common.out_dir);
    const std::string& out = o.common.out_dir;

    // ---- 1. the data
    Problem p;
    if (mnist) {
      p = load_mnist(o.data, o.mnist_examples);
    } else {
      // Fresh points of the same distribution (another seed) show whether the boundary generalises.
      const dnn::ToyTrainTest sets = dnn::make_toy_train_test(o.problem, o.points, noise, o.common.seed);
      p.toy = sets.train;
      p.X = sets.train.X;
      p.y = sets.train.y;
      p.test_X = sets.test.X;
      p.test_y = sets.test.y;
      p.classes = p.toy.classes;
      p.two_d = true;
      p.description = o.problem + " (" + std::to_string(o.points) + " training points, " +
                      std::to_string(o.points) + " test points, 2 inputs, " + std::to_string(p.classes) + " classes)";
    }
    const int n = p.X.rows;

    // ---- 2. one initial network for every run
    const std::vector<int> sizes = dnn::layer_sizes(p.X.cols, hidden, p.classes);
    dnn::Rng init_rng(o.common.seed);
    const dnn::Mlp init = dnn::make_mlp(sizes, act, init_rng);
    const std::string shape = dnn::layer_sizes_text(sizes);
    std::printf("problem: %s\nnetwork: %s, %s hidden, softmax output, %ld parameters; backend %s; seed %llu\n",
                p.description.c_str(), shape.c_str(), dnn::to_string(act).c_str(), init.parameter_count(), ops.name,
                static_cast<unsigned long long>(o.common.seed));
    std::printf("every run: %d epochs, learning rate %g", epochs, lr);
    if (o.lr_drop < 1) std::printf(" x %g every %d epochs", o.lr_drop, o.lr_every);
    std::printf(", same initial weights, same shuffled order per epoch\n\n");

    // η of epoch e: your learning_rate_at (solutions/ch03_sgd.cpp or exercises/).
    const double drop = o.lr_drop;
    const int every = o.lr_every;
    auto schedule_for = [&](double lr0) {
      return [lr0, drop, every](int e) { return dnn::naive::learning_rate_at(lr0, e, drop, every); };
    };

    // ---- 3. the four ways
    const int window_points = epochs <= 2 ? 50 : 0;
    const std::vector<dnn::RunLog> runs =
        dnn::run_comparison(ops, init, p.X, p.y, &p.test_X, &p.test_y,
                            sgd_modes(n, o.batch, lr, "--lr", o.momentum, epochs, o.common.seed, window_points),
                            !o.common.quiet, schedule_for(lr));
    std::printf("\nafter %d epoch(s), from the same start (initial train loss %.4f, accuracy %.2f%%):\n", epochs,
                runs[0].curve[0].loss, 100.0 * runs[0].curve[0].accuracy);
    print_table(runs, true);

    std::vector<std::string> written;
    dnn::save_run_csvs(out, "", runs, window_points > 0, written);
    const std::string tag = mnist ? "MNIST" : o.problem;
    if (epochs > 1) {  // with one epoch every run has a single point: nothing to draw
      const std::string xlabel = "epoch (passes over the training set)";
      const std::string loss_png = dnn::join_path(out, "loss_per_epoch.png");
      if (dnn::plot_loss_per_epoch(loss_png, "Training loss per epoch (" + tag + ", lr " + dnn::format_number(lr, 3) + ")",
                                   xlabel, runs))
        written.push_back(loss_png);
      const std::string accuracy_png = dnn::join_path(out, "accuracy_per_epoch.png");
      if (dnn::plot_accuracy_per_epoch(accuracy_png, "Training accuracy per epoch (" + tag + ")", xlabel, runs))
        written.push_back(accuracy_png);

      dnn::PlotSpec spec;
      spec.title = "Training loss per optimizer step (" + tag + ")";
      spec.xlabel = "optimizer steps (log scale)";
      spec.ylabel = "mean cross-entropy on the training set";
      spec.logx = spec.logy = true;
      std::vector<dnn::Series> per_step = dnn::curve_series(runs, true, false);
      for (auto& s : per_step) s.style = "linespoints";
      if (dnn::plot_lines(dnn::join_path(out, "loss_per_step.png"), spec, per_step))
        written.push_back(dnn::join_path(out, "loss_per_step.png"));
    }
    if (window_points > 0) {
      const std::string png = dnn::join_path(out, "loss_window.png");
      const bool logy = epochs > 1;  // two epochs: the loss falls over decades, as in the per-step plot
      if (dnn::plot_window_loss(png, "Minibatch loss during training (" + tag + ", mean over windows of 1/50 epoch)",
                                runs, logy))
        written.push_back(png);
    }

    // ---- 4. the decision boundaries (2-D only): what did each run learn?
    if (p.two_d) {
      const std::string png = dnn::join_path(out, "decision_boundary.png");
      if (dnn::plot_run_boundaries(png, "What each run learned after " + std::to_string(epochs) +
                                            " epochs (background: predicted class; dots: training points)",
                                   ops, runs, p.toy, 0.3f, o.grid))
        written.push_back(png);
    }

    // ---- 5. the learning-rate sweep (minibatch SGD)
    if (!sweep.empty()) {
      std::printf("\nlearning-rate sweep: minibatch %d, plain SGD, %d epoch(s), same start:\n", o.batch, epochs);
      std::printf("  %10s %12s %10s %s\n", "lr", "train loss", "train acc", "");
      std::vector<dnn::RunLog> sweep_runs;
      for (double r : sweep) {
        dnn::RunSpec s;
        s.label = "lr " + dnn::format_number(r, 3);
        s.batch = o.batch;
        s.opt.lr = static_cast<float>(r);
        s.opt.lr_flag = "--sweep";
        s.epochs = epochs;
        s.seed = o.common.seed;
        s.stop_on_divergence = false;  // a diverging rate is a result here, not an error
        sweep_runs.push_back(dnn::run_training(ops, init, p.X, p.y, nullptr, nullptr, s, schedule_for(r)));
        const auto& last = sweep_runs.back().curve.back();
        if (sweep_runs.back().diverged)
          std::printf("  %10g %12s %10s diverged in epoch %d (loss NaN/Inf)\n", r, "-", "-", last.epoch + 1);
        else
          std::printf("  %10g %12.4f %9.2f%%\n", r, last.loss, 100.0 * last.accuracy);
      }
      const std::string csv = dnn::join_path(out, "lr_sweep.csv");
      dnn::save_curves_csv(csv, sweep_runs);
      written.push_back(csv);
      dnn::PlotSpec ss;
      ss.title = "Learning-rate sweep, minibatch " + std::to_string(o.batch) + " (" + tag + ")";
      ss.xlabel = epochs > 1 ? "epoch" : "optimizer steps";
      ss.ylabel = "mean cross-entropy on the training set";
      ss.logy = true;
      std::vector<dnn::Series> series = dnn::curve_series(sweep_runs, epochs <= 1, false);
      for (auto& s : series) s.style = "linespoints";
      if (dnn::plot_lines(dnn::join_path(out, "lr_sweep.png"), ss, series))
        written.push_back(dnn::join_path(out, "lr_sweep.png"));
    }

    // ---- 6. the same comparison on real digits (a slice of MNIST, one epoch, the book's network)
    nlohmann::json mnist_json;
    if (!mnist && o.mnist_examples > 0) {
      std::printf("\nthe same on digits: 784-50-50-10 ReLU (the book's network), lr 0.01, 1 epoch\n");
      const Problem m = load_mnist(o.data, o.mnist_examples);
      const dnn::Mlp net = dnn::make_textbook_mlp(m.X.cols, m.classes, o.common.seed);
      const std::vector<dnn::RunLog> mruns =
          dnn::run_comparison(ops, net, m.X, m.y, &m.test_X, &m.test_y,
                              sgd_modes(m.X.rows, o.batch, 0.01, "", o.momentum, 1, o.common.seed, 50));
      std::printf("after 1 epoch over %d examples (initial test accuracy %.2f%%):\n", m.X.rows,
                  100.0 * mruns[0].curve[0].test_accuracy);
      print_table(mruns, true);
      dnn::save_run_csvs(out, "mnist_", mruns, true, written);
      for (const auto& r : mruns) {
        mnist_json.push_back({{"run", r.spec.label},
                              {"examples_per_second", r.examples_per_second()},
                              {"train_loss", r.curve.back().loss},
                              {"test_accuracy", r.curve.back().test_accuracy}});
      }
      const std::string png = dnn::join_path(out, "mnist_loss.png");
      if (dnn::plot_window_loss(png, m.dataset + ", one epoch: minibatch loss during training (mean over windows of 1/50 epoch)",
                                mruns))
        written.push_back(png);
    }

    nlohmann::json summary;
    summary["problem"] = p.description;
    summary["network"] = shape;
    summary["backend"] = ops.name;
    summary["epochs"] = epochs;
    summary["lr"] = lr;
    for (const auto& r : runs)
      summary["runs"].push_back({{"run", r.spec.label},
                                 {"batch", r.spec.batch},
                                 {"steps", r.curve.back().steps},
                                 {"train_loss", r.curve.back().loss},
                                 {"train_accuracy", r.curve.back().accuracy},
                                 {"test_accuracy", r.curve.back().test_accuracy},
                                 {"train_seconds", r.curve.back().train_seconds},
                                 {"examples_per_second", r.examples_per_second()}});
    if (!mnist_json.is_null()) summary["mnist"] = mnist_json;
    dnn::save_summary_and_list(out, summary, written);
    return 0;
  });
}
