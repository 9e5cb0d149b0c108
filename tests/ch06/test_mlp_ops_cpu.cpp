// Chapter 06: the fused bias + ReLU and the column sums, naive and Eigen, against loops in
// double precision written here.
#include <cmath>
#include <limits>

#include "06_kernels/cpu/mlp_ops.hpp"
#include "catch.hpp"
#include "kernel_check.hpp"

using namespace ch06test;
namespace k = dnn::mlp_ops;

namespace {
dnn::Matrix random_matrix(int rows, int cols, std::uint64_t seed) {
  dnn::Matrix m(rows, cols);
  m.data = random_vector(m.size(), seed);
  return m;
}
}  // namespace

TEST_CASE("fused bias + ReLU, naive and Eigen", "[ch06][mlp_kernels]") {
  for (auto [rows, cols] : {std::pair{1, 1}, {32, 50}, {33, 10}, {4093, 33}}) {
    INFO(rows << "x" << cols);
    const dnn::Matrix XW = random_matrix(rows, cols, 7), b = random_matrix(1, cols, 8);
    std::vector<double> z_ref(XW.size()), y_ref(XW.size());
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) {
        const double z = static_cast<double>(XW(i, j)) + b(0, j);
        z_ref[static_cast<std::size_t>(i) * cols + j] = z;
        y_ref[static_cast<std::size_t>(i) * cols + j] = z > 0 ? z : 0.0;
      }
    for (auto fn : {&k::bias_relu_naive, &k::bias_relu_eigen}) {
      dnn::Matrix Z, Y;
      fn(XW, b, Z, Y);
      REQUIRE(Z.same_shape(XW));
      REQUIRE(Y.same_shape(XW));
      CHECK(compare(Z.data, z_ref, cols, {1e-6, 1e-6}) == "");
      CHECK(compare(Y.data, y_ref, cols, {1e-6, 1e-6}) == "");
    }
  }
}

TEST_CASE("bias + ReLU maps NaN to 0 like relu_forward, and checks the bias shape", "[ch06][mlp_kernels]") {
  dnn::Matrix XW(1, 2), b(1, 2, 0.0f), Z, Y;
  XW(0, 0) = std::numeric_limits<float>::quiet_NaN();
  XW(0, 1) = -1.0f;
  for (auto fn : {&k::bias_relu_naive, &k::bias_relu_eigen}) {
    fn(XW, b, Z, Y);
    CHECK(std::isnan(Z(0, 0)));
    CHECK(Y(0, 0) == 0.0f);
    CHECK(Y(0, 1) == 0.0f);
    dnn::Matrix wrong(1, 3);
    CHECK_THROWS_AS(fn(XW, wrong, Z, Y), std::invalid_argument);
  }
}

TEST_CASE("column sums (bias gradient), naive and Eigen", "[ch06][mlp_kernels]") {
  for (auto [rows, cols] : {std::pair{1, 1}, {32, 50}, {4093, 33}, {0, 5}}) {
    INFO(rows << "x" << cols);
    const dnn::Matrix M = random_matrix(rows, cols, 9);
    std::vector<double> ref(cols, 0.0);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) ref[j] += M(i, j);
    for (auto fn : {&k::column_sums_naive, &k::column_sums_eigen}) {
      dnn::Matrix s;
      fn(M, s);
      REQUIRE(s.rows == 1);
      REQUIRE(s.cols == cols);
      CHECK(compare(s.data, ref, cols, fp32_tolerance(rows)) == "");
    }
  }
}
