// Chapter 03 — stochastic gradient descent (§3.2.1, 随机梯度下降).
//
// The same small network, the same data, the same initial weights and the same shuffling seed,
// trained four ways that differ only in how many examples each step looks at:
//   pure SGD (one example per step, as the textbook describes), minibatch SGD (Keras's 32),
//   full batch (all examples, one exact step per epoch), and minibatch + momentum (the bridge to
//   Adam, chapter 04).
// Then a learning-rate (学习率) sweep, decision-boundary pictures of what each run learned, and
// the same comparison on (a slice of) MNIST. See chapters/03_sgd/README.md.
// main() reads the options; run() (run.cpp) trains and compares; report.cpp writes the results.
#include <CLI/CLI.hpp>
#include <string>

#include "dnn/cli.hpp"
#include "dnn/exercise.hpp"
#include "dnn/toy_data.hpp"
#include "sgd.hpp"

namespace {

/// The problem's defaults for the flags that were not given on the command line (see Options).
/// A --problem other than moons/spirals/mnist is refused by run().
void use_problem_defaults(const CLI::App& app, ch03::Options& o) {
  const auto given = [&](const char* flag) { return app.count(flag) > 0; };
  const bool mnist = o.problem == "mnist";
  if (mnist && o.mnist_examples == 0 && o.data.limit_train == 0) o.mnist_examples = 60000;
  if (!given("--hidden")) o.hidden = mnist ? "50,50" : "16,16";
  if (!given("--activation")) o.activation = mnist ? "relu" : "tanh";
  if (!given("--epochs")) o.epochs = mnist ? 1 : 40;
  if (!given("--lr")) o.lr = mnist ? 0.01 : 0.1;
  if (!given("--noise")) o.noise = -1.0f;  // make_toy_problem: < 0 = the problem's default
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 03 — stochastic gradient descent (textbook §3.2.1): pure SGD (1 example per step), minibatch (32) "
      "and full batch, plus momentum, on the same data, initial weights and shuffling; a learning-rate sweep; "
      "decision boundaries; and a short MNIST comparison of examples/s and loss."};
  app.name("03_sgd");
  ch03::Options o;
  dnn::add_common_options(app, o.common, "out/03_sgd");
  dnn::add_data_options(app, o.data);
  app.add_option("--problem", o.problem, "moons | spirals (generated 2-D points) | mnist (the digits)")
      ->capture_default_str();
  dnn::add_toy_problem_options(app, o.points, o.noise);
  app.add_option("--hidden", o.hidden, "Hidden layer sizes (default: 16,16 for 2-D, 50,50 for mnist)");
  app.add_option("--activation", o.activation, "Hidden activation relu|tanh|sigmoid (default: tanh 2-D, relu mnist)");
  app.add_option("--backend", o.backend,
                 std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") | eigen")
      ->capture_default_str();
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
  return dnn::run_program(app, argc, argv, [&] {
    use_problem_defaults(app, o);
    return ch03::run(o);
  });
}
