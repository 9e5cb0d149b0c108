// Chapter 04: the options of the program, the 2-D loss surfaces and the optimizer paths on them
// (surfaces.cpp), and what run() (run.cpp) hands to the reporting (report.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/experiment.hpp"
#include "dnn/log.hpp"
#include "dnn/naive.hpp"
#include "dnn/ops.hpp"
#include "dnn/toy_data.hpp"

namespace ch04 {

/// The options of the program.
struct Options {
  std::string problem = "spirals";
  int points = 900;
  float noise = 0;  // not given: main() sets -1, the problem's default (0.15 moons, 0.2 spirals)
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

/// The chapter: optimizer paths on 2-D surfaces, then SGD vs momentum vs Adam on networks.
int run(const Options& o);

// ------------------------------------------------------------------ 2-D loss surfaces

/// A loss surface f(x, y) to draw, where an optimizer should walk from (x0, y0) to the minimum.
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

/// The ill-conditioned bowl ½(x² + 25y²) and Rosenbrock's banana valley, with their learning rates.
std::vector<Surface> surfaces();

/// The optimizers that walk the surfaces.
enum class Opt { SGD, Momentum, RMSProp, Adam };
/// "SGD", "Momentum", "RMSProp" or "Adam".
const char* opt_name(Opt o);

/// The walk of one optimizer on one surface: the point and f after every step.
struct Path {
  std::string optimizer;
  double lr = 0;
  std::vector<double> x, y, f;
  int steps_to_tol = -1;  // first step with f < 1e-3, -1 if never
};

/// Moves the point (x, y) — a 1×2 Matrix W — with the same step functions that train networks.
Path descend(const dnn::Ops& ops, dnn::Backend backend, const Surface& s, Opt o, double lr, float mu,
             const dnn::naive::AdamConfig& adam_cfg);

// ------------------------------------------------------------------ reporting (report.cpp)

/// Prints the header of the path table and returns the empty trajectories.csv table.
dnn::CsvTable start_path_table(const dnn::Ops& ops);
/// Prints one path's row, adds its points to `traj` and its result to summary["surfaces"].
void report_path(const Surface& s, const Path& p, dnn::CsvTable& traj, nlohmann::json& summary);
/// trajectories.csv, loss_surfaces.png (contours with every path) and surface_loss.png (f along each path).
void report_surfaces(const std::string& out, const std::vector<Surface>& surf,
                     const std::vector<std::vector<Path>>& paths, const dnn::CsvTable& traj,
                     std::vector<std::string>& written);

/// Prints the table of an optimizer comparison: steps, final loss and accuracy, test accuracy, time.
void print_table(const std::vector<dnn::RunLog>& runs);
/// curves.csv, optimizer_loss.png, optimizer_accuracy.png, decision_boundary.png and summary["network_runs"].
void report_network_runs(const std::string& out, const Options& o, const std::string& shape, const dnn::Ops& ops,
                         const dnn::ToyProblem& toy, const std::vector<dnn::RunLog>& runs, nlohmann::json& summary,
                         std::vector<std::string>& written);
/// mnist_curves.csv, mnist_window_loss.csv, mnist_optimizers.png and summary["mnist_runs"].
void report_mnist_runs(const std::string& out, const dnn::Dataset& ds, const std::vector<dnn::RunLog>& mruns,
                       nlohmann::json& summary, std::vector<std::string>& written);

}  // namespace ch04
