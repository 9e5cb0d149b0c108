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
// main() reads the options; run() (run.cpp) compares the optimizers, surfaces.cpp holds the 2-D
// surfaces and the walk on them, report.cpp the tables, CSVs and plots.
#include <CLI/CLI.hpp>
#include <string>

#include "adam.hpp"
#include "dnn/cli.hpp"
#include "dnn/exercise.hpp"
#include "dnn/toy_data.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 04 — momentum and Adam (textbook §3.2.2): optimizer paths on 2-D loss surfaces (an ill-conditioned "
      "bowl and Rosenbrock), then SGD vs momentum vs Adam training the same network from the same start, on a 2-D "
      "problem and on a slice of MNIST."};
  app.name("04_adam");
  ch04::Options o;
  dnn::add_common_options(app, o.common, "out/04_adam");
  dnn::add_data_options(app, o.data);
  app.add_option("--problem", o.problem, "moons | spirals: the 2-D problem of the network comparison")
      ->capture_default_str();
  dnn::add_toy_problem_options(app, o.points, o.noise);
  app.add_option("--hidden", o.hidden, "Hidden layer sizes")->capture_default_str();
  app.add_option("--activation", o.activation, "Hidden activation relu|tanh|sigmoid")->capture_default_str();
  app.add_option("--backend", o.backend,
                 std::string("naive (the plain loops; this binary links ") + dnn::exercise_bodies() + ") | eigen")
      ->capture_default_str();
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
  return dnn::run_program(app, argc, argv, [&] {
    if (app.count("--noise") == 0) o.noise = -1.0f;  // make_toy_problem: < 0 = the problem's default
    return ch04::run(o);
  });
}
