// Chapter 09 exercises: input_gradient (against central differences), integrated_gradients
// (completeness on a small random tanh network in double, a pixel equal to its baseline gets
// exactly 0, the midpoint rule), occlusion_map (a linear model, all-black regions get exactly 0).
#include <cmath>
#include <stdexcept>
#include <vector>

#include "attribution.hpp"
#include "catch.hpp"
#include "dnn/mlp.hpp"
#include "dnn/rng.hpp"

using ch09::MatrixD;
using ch09::NetD;

namespace {

// A small random network in double: sizes e.g. {6, 5, 4, 3}, hidden activation `act`.
NetD random_net(const std::vector<int>& sizes, dnn::Activation act, std::uint64_t seed) {
  dnn::Rng rng(seed);
  dnn::Mlp m = dnn::make_mlp(sizes, act, rng);
  for (auto& l : m.layers)
    for (float& v : l.b.data) v = rng.uniform(-0.5f, 0.5f);  // non-zero biases: F(0) ≠ 0
  return ch09::to_double(m);
}

MatrixD random_inputs(int rows, int cols, std::uint64_t seed) {
  dnn::Rng rng(seed);
  MatrixD X(rows, cols);
  for (double& v : X.data) v = rng.uniform(0.0f, 1.0f);
  return X;
}

double score(const NetD& net, const MatrixD& X, int row, int c) {
  MatrixD one(1, X.cols);
  for (int j = 0; j < X.cols; ++j) one(0, j) = X(row, j);
  return ch09::logits(net, one)(0, c);
}

}  // namespace

TEST_CASE("input_gradient equals central differences of the class logit", "[ch09][input_gradient]") {
  for (dnn::Activation act : {dnn::Activation::Tanh, dnn::Activation::ReLU}) {
    const NetD net = random_net({7, 6, 5, 4}, act, 3);
    MatrixD X = random_inputs(3, 7, 4);
    const std::vector<int> cls{0, 3, 2};
    MatrixD g;
    ch09::input_gradient(net, X, cls, g);
    REQUIRE(g.rows == 3);
    REQUIRE(g.cols == 7);
    const double h = 1e-6;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 7; ++j) {
        const double x = X(i, j);
        X(i, j) = x + h;
        const double up = score(net, X, i, cls[static_cast<std::size_t>(i)]);
        X(i, j) = x - h;
        const double down = score(net, X, i, cls[static_cast<std::size_t>(i)]);
        X(i, j) = x;
        INFO("activation " << dnn::to_string(act) << ", image " << i << ", pixel " << j);
        CHECK(g(i, j) == Approx((up - down) / (2 * h)).margin(1e-6));
      }
  }
}

TEST_CASE("input_gradient of a linear model is its weight column", "[ch09][input_gradient]") {
  NetD net;
  net.W.push_back(MatrixD(3, 2));
  net.b.push_back(MatrixD(1, 2, 0.25));
  net.act.push_back(dnn::Activation::Linear);
  net.W[0].data = {1, -2, 3, 4, -5, 6};
  MatrixD g;
  ch09::input_gradient(net, random_inputs(2, 3, 1), {1, 0}, g);
  CHECK(g.data == std::vector<double>{-2, 4, 6, 1, 3, -5});
  CHECK_THROWS_AS(ch09::input_gradient(net, random_inputs(2, 3, 1), {1}, g), std::invalid_argument);
  CHECK_THROWS_AS(ch09::input_gradient(net, random_inputs(2, 3, 1), {1, 2}, g), std::invalid_argument);
}

TEST_CASE("integrated_gradients is complete: sum of attributions = F(x) - F(x') to 1e-6 at 1000 steps",
          "[ch09][integrated_gradients]") {
  const NetD net = random_net({8, 6, 6, 3}, dnn::Activation::Tanh, 11);
  const MatrixD X = random_inputs(4, 8, 12), base = random_inputs(4, 8, 13);
  const std::vector<int> cls{0, 1, 2, 1};
  MatrixD attr;
  ch09::integrated_gradients(net, X, base, cls, 1000, attr);
  REQUIRE(attr.rows == 4);
  REQUIRE(attr.cols == 8);
  for (int i = 0; i < 4; ++i) {
    double sum = 0;
    for (int j = 0; j < 8; ++j) sum += attr(i, j);
    const double diff = score(net, X, i, cls[static_cast<std::size_t>(i)]) - score(net, base, i, cls[static_cast<std::size_t>(i)]);
    INFO("image " << i << ": sum " << sum << ", F(x) - F(x') " << diff);
    CHECK(std::abs(sum - diff) <= 1e-6 * std::max(1.0, std::abs(diff)));
  }
}

TEST_CASE("integrated_gradients: a pixel equal to its baseline gets exactly 0, one step is the midpoint",
          "[ch09][integrated_gradients]") {
  const NetD net = random_net({5, 4, 3}, dnn::Activation::Tanh, 21);
  MatrixD X = random_inputs(2, 5, 22), base = random_inputs(2, 5, 23);
  base(0, 2) = X(0, 2);
  base(1, 4) = X(1, 4);
  MatrixD attr;
  ch09::integrated_gradients(net, X, base, {1, 2}, 7, attr);
  CHECK(attr(0, 2) == 0.0);
  CHECK(attr(1, 4) == 0.0);
  // steps = 1: (x − x′) ⊙ ∇F at the midpoint (x + x′)/2.
  MatrixD mid(2, 5), g;
  for (std::size_t k = 0; k < mid.data.size(); ++k) mid.data[k] = base.data[k] + 0.5 * (X.data[k] - base.data[k]);
  ch09::input_gradient(net, mid, {1, 2}, g);
  ch09::integrated_gradients(net, X, base, {1, 2}, 1, attr);
  for (std::size_t k = 0; k < attr.data.size(); ++k) CHECK(attr.data[k] == Approx((X.data[k] - base.data[k]) * g.data[k]).margin(1e-12));
  CHECK_THROWS_AS(ch09::integrated_gradients(net, X, base, {1, 2}, 0, attr), std::invalid_argument);
}

TEST_CASE("occlusion_map of a linear model with 1-pixel patches is w_j * x_j", "[ch09][occlusion_map]") {
  NetD net;
  net.W.push_back(MatrixD(6, 2));
  net.b.push_back(MatrixD(1, 2, 0.5));
  net.act.push_back(dnn::Activation::Linear);
  net.W[0].data = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};  // W(j, c) = data[2j + c]
  const MatrixD X = random_inputs(2, 6, 5);
  ch09::Occlusion occ;
  occ.height = 2, occ.width = 3, occ.patch = 1, occ.stride = 1;
  MatrixD attr;
  ch09::occlusion_map(net, X, {0, 1}, occ, attr);
  REQUIRE(attr.rows == 2);
  REQUIRE(attr.cols == 6);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 6; ++j) CHECK(attr(i, j) == Approx(net.W[0](j, i) * X(i, j)).margin(1e-12));
  occ.patch = 4;
  CHECK_THROWS_AS(ch09::occlusion_map(net, X, {0, 1}, occ, attr), std::invalid_argument);
}

TEST_CASE("occlusion_map: pixels whose every patch is already black get exactly 0, patches are averaged",
          "[ch09][occlusion_map]") {
  const NetD net = random_net({36, 5, 3}, dnn::Activation::ReLU, 31);
  MatrixD X = random_inputs(1, 36, 32);  // a 6×6 image, its left half black
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 3; ++x) X(0, y * 6 + x) = 0.0;
  ch09::Occlusion occ;
  occ.height = 6, occ.width = 6, occ.patch = 2, occ.stride = 2;
  MatrixD attr;
  ch09::occlusion_map(net, X, {1}, occ, attr);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 2; ++x) CHECK(attr(0, y * 6 + x) == 0.0);  // columns 0-1: patches entirely black
  // Pixel (0, 3): only the patch at (0, 2) covers it (stride 2, patch 2).
  MatrixD occluded = X;
  for (int y = 0; y < 2; ++y)
    for (int x = 2; x < 4; ++x) occluded(0, y * 6 + x) = 0.0;
  const double drop = ch09::logits(net, X)(0, 1) - ch09::logits(net, occluded)(0, 1);
  CHECK(attr(0, 3) == Approx(drop).margin(1e-12));
  CHECK(attr(0, 2) == Approx(drop).margin(1e-12));
  // Overlapping patches (stride 1): the mean over the patches covering each pixel.
  occ.stride = 1;
  ch09::occlusion_map(net, X, {1}, occ, attr);
  double sum = 0;
  for (int y0 = 0; y0 <= 1; ++y0)
    for (int x0 = 2; x0 <= 3; ++x0) {  // the four 2×2 patches covering pixel (1, 3)
      MatrixD o = X;
      for (int y = y0; y < y0 + 2; ++y)
        for (int x = x0; x < x0 + 2; ++x) o(0, y * 6 + x) = 0.0;
      sum += ch09::logits(net, X)(0, 1) - ch09::logits(net, o)(0, 1);
    }
  CHECK(attr(0, 1 * 6 + 3) == Approx(sum / 4).margin(1e-12));
}
