// Generated 2-D problems (moons, spirals) and the decision-boundary plot.
#include "dnn/toy_data.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "dnn/cli.hpp"
#include "dnn/error.hpp"
#include "dnn/plot.hpp"
#include "dnn/rng.hpp"

namespace dnn {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Puts the rows of `p` in a random order (so the classes are not in blocks).
void shuffle_rows(ToyProblem& p, Rng& rng) {
  std::vector<int> order = iota_indices(p.X.rows);
  rng.shuffle(order);
  Matrix X(p.X.rows, p.X.cols);
  std::vector<int> y(p.y.size());
  for (int r = 0; r < p.X.rows; ++r) {
    const int i = order[static_cast<std::size_t>(r)];
    for (int j = 0; j < p.X.cols; ++j) X(r, j) = p.X(i, j);
    y[static_cast<std::size_t>(r)] = p.y[static_cast<std::size_t>(i)];
  }
  p.X = std::move(X);
  p.y = std::move(y);
}

}  // namespace

ToyProblem make_moons(int n, float noise, std::uint64_t seed) {
  if (n < 2) throw InputError("make_moons: need at least 2 points, got " + std::to_string(n));
  Rng rng(seed);
  ToyProblem p;
  p.name = "moons";
  p.classes = 2;
  p.X.resize(n, 2);
  p.y.resize(static_cast<std::size_t>(n));
  const int n0 = (n + 1) / 2, n1 = n - n0;
  for (int i = 0; i < n; ++i) {
    const bool upper = i < n0;
    const int k = upper ? i : i - n0;
    const int m = upper ? n0 : n1;
    const double t = m > 1 ? kPi * k / (m - 1) : 0.0;  // evenly along the half circle
    double x = upper ? std::cos(t) : 1.0 - std::cos(t);
    double y = upper ? std::sin(t) : 0.5 - std::sin(t);
    x += noise * rng.normal() - 0.5;
    y += noise * rng.normal() - 0.25;
    p.X(i, 0) = static_cast<float>(x);
    p.X(i, 1) = static_cast<float>(y);
    p.y[static_cast<std::size_t>(i)] = upper ? 0 : 1;
  }
  shuffle_rows(p, rng);
  return p;
}

ToyProblem make_spirals(int n, int classes, float noise, std::uint64_t seed) {
  if (classes < 2) throw InputError("make_spirals: need at least 2 classes, got " + std::to_string(classes));
  if (n < classes) throw InputError("make_spirals: need at least one point per arm, got n = " + std::to_string(n));
  Rng rng(seed);
  ToyProblem p;
  p.name = "spirals";
  p.classes = classes;
  p.X.resize(n, 2);
  p.y.resize(static_cast<std::size_t>(n));
  int row = 0;
  for (int k = 0; k < classes; ++k) {
    const int m = n / classes + (k < n % classes ? 1 : 0);  // points on this arm
    for (int i = 0; i < m; ++i, ++row) {
      const double r = m > 1 ? static_cast<double>(i) / (m - 1) : 0.0;
      const double theta = 4.0 * k + 4.0 * r + noise * rng.normal();
      p.X(row, 0) = static_cast<float>(r * std::sin(theta));
      p.X(row, 1) = static_cast<float>(r * std::cos(theta));
      p.y[static_cast<std::size_t>(row)] = k;
    }
  }
  shuffle_rows(p, rng);
  return p;
}

ToyProblem make_toy_problem(const std::string& name, int n, float noise, std::uint64_t seed,
                            const std::string& flag) {
  if (name == "moons") {
    if (n < 4) throw InputError("--points: the moons need at least 4 points, got " + std::to_string(n));
    return make_moons(n, noise < 0 ? 0.15f : noise, seed);
  }
  if (name == "spirals") {
    if (n < 6) throw InputError("--points: 3 spirals need at least 6 points, got " + std::to_string(n));
    return make_spirals(n, 3, noise < 0 ? 0.2f : noise, seed);
  }
  throw InputError(flag + ": unknown 2-D problem '" + name + "' (expected moons or spirals)");
}

ToyTrainTest make_toy_train_test(const std::string& name, int n, float noise, std::uint64_t seed,
                                 const std::string& flag) {
  ToyTrainTest sets;
  sets.train = make_toy_problem(name, n, noise, seed, flag);
  sets.test = make_toy_problem(name, n, noise, seed + 1000, flag);
  return sets;
}

void add_toy_problem_options(CLI::App& app, int& points, float& noise) {
  app.add_option("--points", points, "Training points of the 2-D problem (the test set has as many)")
      ->capture_default_str()
      ->check(whole_number(8, 1000000));
  app.add_option("--noise", noise, "Noise of the 2-D problem (default: 0.15 moons, 0.2 spirals)")->check(between(0, 10));
}

Box2 bounding_box(const Matrix& X, float margin) {
  require_shape(X, X.rows, 2, "bounding_box X");
  if (X.rows == 0) return {-1, 1, -1, 1};
  Box2 b{X(0, 0), X(0, 0), X(0, 1), X(0, 1)};
  for (int i = 1; i < X.rows; ++i) {
    b.xmin = std::min(b.xmin, X(i, 0));
    b.xmax = std::max(b.xmax, X(i, 0));
    b.ymin = std::min(b.ymin, X(i, 1));
    b.ymax = std::max(b.ymax, X(i, 1));
  }
  b.xmin -= margin;
  b.xmax += margin;
  b.ymin -= margin;
  b.ymax += margin;
  return b;
}

Matrix grid_points(const Box2& box, int res) {
  if (res < 1) throw std::invalid_argument("grid_points: res must be >= 1");
  Matrix G(res * res, 2);
  const float dx = (box.xmax - box.xmin) / static_cast<float>(res);
  const float dy = (box.ymax - box.ymin) / static_cast<float>(res);
  for (int r = 0; r < res; ++r)
    for (int c = 0; c < res; ++c) {
      G(r * res + c, 0) = box.xmin + (static_cast<float>(c) + 0.5f) * dx;
      G(r * res + c, 1) = box.ymin + (static_cast<float>(r) + 0.5f) * dy;
    }
  return G;
}

bool plot_decision_boundaries(const std::string& png_path, const std::string& title, const ToyProblem& data,
                              const Box2& box, int res, const std::vector<BoundaryPanel>& panels) {
  const int n = static_cast<int>(panels.size());
  if (n == 0) return false;
  // Light (regions) and dark (points) colour of each class; up to 6 classes.
  static const char* light[] = {"#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94"};
  static const char* dark[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
  const int C = std::min(std::max(data.classes, 1), 6);

  std::vector<std::string> blocks;
  {
    std::ostringstream pts;  // $d0: x y class
    for (int i = 0; i < data.X.rows; ++i) pts << data.X(i, 0) << ' ' << data.X(i, 1) << ' ' << data.y[i] << '\n';
    blocks.push_back(pts.str());
  }
  const Matrix G = grid_points(box, res);
  for (const auto& p : panels) {  // $d1.. : x y predicted-class
    if (p.grid_class.size() != static_cast<std::size_t>(res) * res)
      throw std::invalid_argument("plot_decision_boundaries: panel '" + p.title + "' has " +
                                  std::to_string(p.grid_class.size()) + " predictions, expected res²");
    std::ostringstream g;
    for (int r = 0; r < res; ++r) {
      for (int c = 0; c < res; ++c) g << G(r * res + c, 0) << ' ' << G(r * res + c, 1) << ' ' << p.grid_class[r * res + c] << '\n';
      g << '\n';  // gnuplot grid: blank line between scan lines
    }
    blocks.push_back(g.str());
  }

  std::ostringstream cmd;
  cmd << "set multiplot layout 1," << n << " title " << gnuplot_quote(title) << " font 'sans,12'\n"
      << "unset colorbox\nset size ratio -1\nset xrange [" << box.xmin << ":" << box.xmax << "]\n"
      << "set yrange [" << box.ymin << ":" << box.ymax << "]\nset cbrange [-0.5:" << C - 0.5 << "]\n"
      << "set palette maxcolors " << C << "\nset palette defined (";
  for (int k = 0; k < C; ++k) cmd << (k ? ", " : "") << k << " '" << light[k] << "'";
  cmd << ")\n";
  for (int k = 0; k < n; ++k) {
    cmd << "set title " << gnuplot_quote(panels[static_cast<std::size_t>(k)].title) << "\n"
        << "plot $d" << k + 1 << " using 1:2:3 with image notitle";
    for (int c = 0; c < C; ++c)
      cmd << ", $d0 using 1:($3==" << c << " ? $2 : 1/0) with points pt 7 ps 0.45 lc rgb '" << dark[c]
          << "' title 'class " << c << "'";
    cmd << "\n";
  }
  cmd << "unset multiplot\n";
  const int width = std::min(450 * n, 2000), height = 470;
  return plot_custom(png_path, width, height, cmd.str(), blocks);
}

}  // namespace dnn
