/// @file toy_data.hpp
/// @brief Small generated 2-D classification problems (two moons, spirals) for chapters 03–04,
///        and a decision-boundary plot: with only two input features, we can *see* what the
///        network has learned.
///
/// Everything is generated from a seed with dnn::Rng, so a seed gives the same points on every
/// machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/matrix.hpp"

namespace CLI {
class App;
}

namespace dnn {

/// A labelled 2-D dataset: X is n×2 (one point per row), y holds the class of each point.
struct ToyProblem {
  std::string name;  ///< "moons" or "spirals"
  Matrix X;
  std::vector<int> y;
  int classes = 0;
};

/// Two interleaving half circles (as sklearn's make_moons), 2 classes, `n` points in total
/// (class 0 gets the extra one when n is odd), Gaussian noise of standard deviation `noise`
/// added to both coordinates, centred near 0 (shifted by (−0.5, −0.25)). Rows are shuffled.
ToyProblem make_moons(int n, float noise, std::uint64_t seed);

/// `classes` interleaved spiral arms (CS231n style), `n` points in total: point i of arm k has
/// radius r = i/m (m points per arm) and angle 4k + 4r + noise·N(0,1) radians,
/// at (r·sin θ, r·cos θ). Rows are shuffled.
ToyProblem make_spirals(int n, int classes, float noise, std::uint64_t seed);

/// "moons" or "spirals" (3 arms) by name; `noise` < 0 picks the default (0.15 moons, 0.2 spirals).
/// Throws InputError naming `flag` for an unknown name or n < 2·classes.
ToyProblem make_toy_problem(const std::string& name, int n, float noise, std::uint64_t seed,
                            const std::string& flag = "--problem");

/// A toy problem's training set and its test set: the same distribution, different points.
struct ToyTrainTest {
  ToyProblem train;  ///< `n` points from `seed`
  ToyProblem test;   ///< `n` fresh points from seed + 1000: do the learned boundaries generalise?
};

/// make_toy_problem twice: the training points from `seed`, the test points from seed + 1000
/// (as many, same noise). Throws as make_toy_problem does.
ToyTrainTest make_toy_train_test(const std::string& name, int n, float noise, std::uint64_t seed,
                                 const std::string& flag = "--problem");

/// Adds the flags of a 2-D problem's points (chapters 03 and 04) to `app`: `--points` (training
/// points; the test set has as many, default `points`) and `--noise` (not given: `noise` keeps its
/// value and the program passes a negative noise, the problem's default, to make_toy_problem).
void add_toy_problem_options(CLI::App& app, int& points, float& noise);

/// Axis-aligned box around the points of X (n×2), enlarged by `margin` on every side.
struct Box2 {
  float xmin = 0, xmax = 0, ymin = 0, ymax = 0;
};
Box2 bounding_box(const Matrix& X, float margin);

/// res×res points covering `box`, as a (res·res)×2 matrix; row r·res + c is the point
/// (xmin + (c + ½)·dx, ymin + (r + ½)·dy). Feed it to mlp_predict to colour the plane.
Matrix grid_points(const Box2& box, int res);

/// One panel of a decision-boundary figure: the predicted class of every grid point.
struct BoundaryPanel {
  std::string title;
  std::vector<int> grid_class;  ///< res·res predictions, in grid_points() order
};

/// Draws the panels side by side (gnuplot, PNG): each shows the plane coloured by the predicted
/// class (light colours) with the data points on top (dark colours, same hue as their class).
/// Returns false (with a note) when gnuplot is missing.
bool plot_decision_boundaries(const std::string& png_path, const std::string& title, const ToyProblem& data,
                              const Box2& box, int res, const std::vector<BoundaryPanel>& panels);

}  // namespace dnn
