// Chapter 03: run() — the same network, data, initial weights and shuffling trained four ways
// that differ only in how many examples each step looks at (pure SGD, minibatch, full batch,
// minibatch + momentum); then a learning-rate sweep and the same comparison on MNIST.
// Every run is dnn::run_training (common/src/experiment.cpp): epoch after epoch of
// train_one_epoch, which visits the minibatches in a new order: gather → forward/loss/gradients
// → update.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/naive.hpp"
#include "sgd.hpp"

namespace ch03 {
namespace {

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

/// Fresh points of the same distribution (another seed) as the test set show whether the
/// boundary generalises.
Problem load_toy(const Options& o) {
  const dnn::ToyTrainTest sets = dnn::make_toy_train_test(o.problem, o.points, o.noise, o.common.seed);
  Problem p;
  p.toy = sets.train;
  p.X = sets.train.X;
  p.y = sets.train.y;
  p.test_X = sets.test.X;
  p.test_y = sets.test.y;
  p.classes = p.toy.classes;
  p.two_d = true;
  p.description = o.problem + " (" + std::to_string(o.points) + " training points, " + std::to_string(o.points) +
                  " test points, 2 inputs, " + std::to_string(p.classes) + " classes)";
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

}  // namespace

int run(const Options& o) {
  dnn::apply_threads(o.common.threads);
  const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
  const dnn::Ops& ops = dnn::ops_for(backend);
  if (o.problem != "moons" && o.problem != "spirals" && o.problem != "mnist")
    throw dnn::InputError("--problem: expected moons, spirals or mnist, got '" + o.problem + "'");
  // (--momentum, --lr-drop, --lr and the other numbers were checked by their ->check() in main.)
  const bool mnist = o.problem == "mnist";
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  const dnn::Activation act = dnn::parse_activation(o.activation);
  const int epochs = o.epochs;
  const double lr = o.lr;
  const std::vector<double> sweep = parse_rates(o.sweep, "--sweep");
  dnn::prepare_output_dir(o.common.out_dir);
  const std::string& out = o.common.out_dir;

  // ---- 1. the data
  const Problem p = mnist ? load_mnist(o.data, o.mnist_examples) : load_toy(o);
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

  // ---- 3. the four ways: batch 1, batch B, batch n, batch B + momentum; everything else equal
  //      (each run: dnn::run_training, one train_one_epoch per epoch — gather → forward/loss/gradients → update)
  const int window_points = epochs <= 2 ? 50 : 0;
  const std::vector<dnn::RunLog> runs =
      dnn::run_comparison(ops, init, p.X, p.y, &p.test_X, &p.test_y,
                          sgd_modes(n, o.batch, lr, "--lr", o.momentum, epochs, o.common.seed, window_points),
                          !o.common.quiet, schedule_for(lr));
  std::printf("\nafter %d epoch(s), from the same start (initial train loss %.4f, accuracy %.2f%%):\n", epochs,
              runs[0].curve[0].loss, 100.0 * runs[0].curve[0].accuracy);
  print_table(runs, true);
  std::vector<std::string> written;
  // ---- 4. the curves, and the decision boundaries (2-D only): what did each run learn?
  report_comparison(out, o, p, ops, runs, window_points > 0, written);

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
    report_sweep(out, o, sweep_runs, written);
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
    mnist_json = report_mnist(out, m, mruns, written);
  }

  report_summary(out, o, p, shape, ops, runs, mnist_json, written);
  return 0;
}

}  // namespace ch03
