// Chapter 04: run() — the optimizers compared. 1. SGD, momentum, RMSProp and Adam walking 2-D
// loss surfaces (surfaces.cpp); 2. SGD vs momentum vs Adam training the same network on the same
// data from the same initial weights with the same shuffling (dnn::run_comparison,
// common/src/experiment.cpp); 3. the same three on a slice of MNIST with Keras's default rates.
#include <cstdio>

#include "adam.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"

namespace ch04 {
namespace {

/// One run per optimizer — SGD, momentum, Adam — alike in everything else (batch, epochs, seed).
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

}  // namespace

int run(const Options& o) {
  dnn::apply_threads(o.common.threads);
  const dnn::Backend backend = dnn::parse_cpu_backend(o.backend);
  const dnn::Ops& ops = dnn::ops_for(backend);
  // (the learning rates, --momentum, --beta1/2 and --eps were checked by their ->check() in main)
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  const dnn::Activation act = dnn::parse_activation(o.activation);
  dnn::prepare_output_dir(o.common.out_dir);
  const std::string& out = o.common.out_dir;
  std::vector<std::string> written;
  nlohmann::json summary;
  summary["backend"] = ops.name;

  // ---- 1. paths on 2-D loss surfaces: each optimizer's step function moving one point
  dnn::naive::AdamConfig adam_cfg;
  adam_cfg.beta1 = o.beta1;
  adam_cfg.beta2 = o.beta2;
  adam_cfg.eps = o.eps;
  const std::vector<Surface> surf = surfaces();
  std::vector<std::vector<Path>> paths;
  dnn::CsvTable traj = start_path_table(ops);
  for (const Surface& s : surf) {
    std::vector<Path> ps;
    for (Opt opt : {Opt::SGD, Opt::Momentum, Opt::RMSProp, Opt::Adam}) {
      const double lr = opt == Opt::SGD ? s.lr_sgd : opt == Opt::Momentum ? s.lr_momentum
                                                    : opt == Opt::RMSProp ? s.lr_rmsprop : s.lr_adam;
      ps.push_back(descend(ops, backend, s, opt, lr, static_cast<float>(o.momentum), adam_cfg));
      report_path(s, ps.back(), traj, summary);
    }
    paths.push_back(ps);
  }
  report_surfaces(out, surf, paths, traj, written);

  // ---- 2. SGD vs momentum vs Adam on a network, same data / start / shuffling
  const dnn::ToyTrainTest sets = dnn::make_toy_train_test(o.problem, o.points, o.noise, o.common.seed);
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
  report_network_runs(out, o, shape, ops, toy, runs, summary, written);

  // ---- 3. MNIST slice, Keras's default learning rates, one epoch
  if (o.mnist_examples > 0) {
    dnn::DataOptions d = o.data;
    if (d.limit_train == 0) d.limit_train = o.mnist_examples;
    const dnn::Dataset ds = dnn::load_dataset(d);
    std::printf("\n3. digits: %s\n", dnn::describe(ds).c_str());
    std::printf("  784-50-50-10 ReLU (the book's network), minibatch %d, 1 epoch, Keras's default learning rates\n",
                o.batch);
    const dnn::Mlp net = dnn::make_textbook_mlp(ds.input_size(), ds.classes, o.common.seed);
    const std::vector<dnn::RunLog> mruns =
        dnn::run_comparison(ops, net, ds.train_x, ds.train_y, &ds.test_x, &ds.test_y,
                            optimizer_runs(o, 0.01, 0.01, 0.001, 1, 50, false));
    std::printf("  from the same start (test accuracy %.2f%%):\n", 100.0 * mruns[0].curve[0].test_accuracy);
    print_table(mruns);
    report_mnist_runs(out, ds, mruns, summary, written);
  }

  dnn::save_summary_and_list(out, summary, written);
  return 0;
}

}  // namespace ch04
