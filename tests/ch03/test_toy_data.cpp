// The generated 2-D problems: deterministic from the seed, balanced, the right shapes.
#include <cmath>
#include <set>

#include "catch.hpp"
#include "dnn/error.hpp"
#include "dnn/toy_data.hpp"

using namespace dnn;

TEST_CASE("moons: shape, balance, labels, determinism", "[toy_data]") {
  const ToyProblem a = make_moons(201, 0.1f, 7);
  const ToyProblem b = make_moons(201, 0.1f, 7);
  const ToyProblem c = make_moons(201, 0.1f, 8);
  REQUIRE(a.X.rows == 201);
  REQUIRE(a.X.cols == 2);
  REQUIRE(a.y.size() == 201u);
  CHECK(a.classes == 2);
  CHECK(a.name == "moons");
  int ones = 0;
  for (int v : a.y) {
    REQUIRE((v == 0 || v == 1));
    ones += v;
  }
  CHECK(ones == 100);  // class 0 gets the odd point
  CHECK(a.X.data == b.X.data);  // same seed: bit-identical
  CHECK(a.y == b.y);
  CHECK(a.X.data != c.X.data);  // another seed: other points
  // Rows are shuffled: the first 20 are not all of one class.
  std::set<int> first(a.y.begin(), a.y.begin() + 20);
  CHECK(first.size() == 2);
  // Without noise every point is on its half circle (centres (0.5, 0.25) − shift, radius 1).
  const ToyProblem clean = make_moons(100, 0.0f, 1);
  for (int i = 0; i < clean.X.rows; ++i) {
    const double x = clean.X(i, 0) + 0.5, y = clean.X(i, 1) + 0.25;
    const double r = clean.y[static_cast<std::size_t>(i)] == 0 ? std::hypot(x, y) : std::hypot(x - 1.0, y - 0.5);
    REQUIRE(r == Approx(1.0).margin(1e-5));
  }
}

TEST_CASE("spirals: 3 arms, balanced, inside the unit disc without noise", "[toy_data]") {
  const ToyProblem s = make_spirals(300, 3, 0.0f, 11);
  REQUIRE(s.X.rows == 300);
  CHECK(s.classes == 3);
  int count[3] = {0, 0, 0};
  for (int i = 0; i < s.X.rows; ++i) {
    ++count[s.y[static_cast<std::size_t>(i)]];
    REQUIRE(std::hypot(s.X(i, 0), s.X(i, 1)) <= 1.0 + 1e-6);
  }
  CHECK(count[0] == 100);
  CHECK(count[1] == 100);
  CHECK(count[2] == 100);
  const ToyProblem t = make_spirals(300, 3, 0.2f, 11), u = make_spirals(300, 3, 0.2f, 11);
  CHECK(t.X.data == u.X.data);
}

TEST_CASE("make_toy_problem: names, defaults and errors", "[toy_data]") {
  CHECK(make_toy_problem("moons", 50, -1, 1).classes == 2);
  CHECK(make_toy_problem("spirals", 60, -1, 1).classes == 3);
  CHECK_THROWS_AS(make_toy_problem("circles", 50, -1, 1), InputError);
  CHECK_THROWS_AS(make_toy_problem("moons", 1, -1, 1), InputError);
}

TEST_CASE("grid_points and bounding_box", "[toy_data]") {
  Matrix X(2, 2);
  X.data = {0.0f, 0.0f, 2.0f, 1.0f};
  const Box2 b = bounding_box(X, 0.5f);
  CHECK(b.xmin == -0.5f);
  CHECK(b.xmax == 2.5f);
  CHECK(b.ymin == -0.5f);
  CHECK(b.ymax == 1.5f);
  const Matrix G = grid_points(Box2{0, 4, 0, 2}, 4);
  REQUIRE(G.rows == 16);
  CHECK(G(0, 0) == 0.5f);    // cell centres: x = 0.5, 1.5, 2.5, 3.5
  CHECK(G(0, 1) == 0.25f);   // y = 0.25, 0.75, ...
  CHECK(G(3, 0) == 3.5f);
  CHECK(G(4, 1) == 0.75f);   // row r = 1
  CHECK(G(15, 1) == 1.75f);
}
