// Chapter 07 exercises: to_csr, sparse_dense_forward, sparse_weight_gradient
// (chapters/07_fast/sparse.hpp). Each is compared with a dense reference written here in double
// precision (or, for to_csr, with the fast trainer's own dnn::to_csr), on random sparse inputs
// with negative values and the rows where an index goes wrong: an all-zero first row, an
// all-dense row, a row with one pixel (in the last column), an empty last row; plus a 1×1 image
// and an all-zero matrix. The forward and gradient tests build their CSR input themselves, so they
// do not depend on your to_csr.
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "07_fast/sparse.hpp"
#include "catch.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/rng.hpp"

using ch07::Csr;
using dnn::Matrix;

namespace {

struct Case {
  std::string name;
  Matrix X;
};

/// rows × cols with about `density` non-zeros in (−1, 1) (negative ones too), and the special rows:
/// row 0 all zero, row 1 all dense, row 2 one pixel in the last column, the last row empty.
Matrix sparse_matrix(int rows, int cols, double density, std::uint64_t seed) {
  dnn::Rng rng(seed);
  Matrix X(rows, cols, 0.0f);
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < cols; ++k) {
      const bool keep = (i == 1) || (i >= 3 && i < rows - 1 && rng.uniform() < density);
      if (!keep) continue;
      float v = rng.uniform(0.05f, 1.0f);  // never 0: "all dense" means every pixel
      if (rng.uniform() < 0.3f) v = -v;
      X(i, k) = v;
    }
  X(2, cols - 1) = 0.75f;
  return X;
}

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"7x784 MNIST-like, 20% dense", sparse_matrix(7, 784, 0.2, 11)});
  c.push_back({"9x13, 30% dense", sparse_matrix(9, 13, 0.3, 12)});
  c.push_back({"5x1, one column", sparse_matrix(5, 1, 0.5, 13)});
  c.push_back({"1x1, one pixel", Matrix(1, 1, -2.5f)});
  c.push_back({"3x10, all zero", Matrix(3, 10, 0.0f)});
  return c;
}

/// The CSR of X, built without your to_csr (by the fast trainer's dnn::to_csr).
Csr csr_of(const Matrix& X) {
  const dnn::CsrMatrix R = dnn::to_csr(X);
  Csr S;
  S.rows = R.rows;
  S.cols = R.cols;
  S.row_ptr = R.row_ptr;
  S.col_idx = R.col_idx;
  S.values = R.values;
  return S;
}

Matrix random_matrix(int rows, int cols, std::uint64_t seed) {
  dnn::Rng rng(seed);
  Matrix M(rows, cols);
  for (float& v : M.data) v = rng.uniform(-1.0f, 1.0f);
  return M;
}

/// "" when got ≈ want (float sums of up to 784 terms against double), else where it differs most.
std::string compare(const Matrix& got, const std::vector<double>& want, int rows, int cols) {
  std::ostringstream s;
  if (got.rows != rows || got.cols != cols) {
    s << "shape " << got.shape() << ", expected " << rows << "x" << cols;
    return s.str();
  }
  double worst = 0;
  int wi = -1, wj = -1;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const double w = want[static_cast<std::size_t>(i) * cols + j];
      const double d = std::fabs(static_cast<double>(got(i, j)) - w);
      if (!(d <= 1e-4 + 1e-5 * std::fabs(w)) && (wi < 0 || !(d <= worst))) {
        worst = d;
        wi = i;
        wj = j;
      }
    }
  if (wi < 0) return "";
  s << "element (" << wi << ", " << wj << ") is " << got(wi, wj) << ", expected "
    << want[static_cast<std::size_t>(wi) * cols + wj];
  return s.str();
}

}  // namespace

TEST_CASE("to_csr keeps exactly the non-zeros of each row, in column order", "[to_csr]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    Csr S;
    S.rows = 99;  // a reused buffer: to_csr must replace what was there
    S.row_ptr = {5, 6, 7};
    S.col_idx = {1, 2, 3};
    S.values = {9.0f, 9.0f, 9.0f};
    ch07::to_csr(c.X, S);
    const dnn::CsrMatrix R = dnn::to_csr(c.X);
    CHECK(S.rows == c.X.rows);
    CHECK(S.cols == c.X.cols);
    REQUIRE(S.row_ptr.size() == static_cast<std::size_t>(c.X.rows) + 1);
    CHECK(S.row_ptr.front() == 0);
    CHECK(S.row_ptr == R.row_ptr);  // the all-zero and the last (empty) rows: two equal offsets
    CHECK(S.col_idx == R.col_idx);
    CHECK(S.values == R.values);    // negative pixels are non-zeros too
  }
}

TEST_CASE("to_csr of a single pixel, and of a matrix with only zeros", "[to_csr]") {
  Matrix X(3, 5, 0.0f);
  X(1, 4) = -0.5f;
  Csr S;
  ch07::to_csr(X, S);
  CHECK(S.row_ptr == std::vector<int>{0, 0, 1, 1});
  CHECK(S.col_idx == std::vector<int>{4});
  CHECK(S.values == std::vector<float>{-0.5f});
  ch07::to_csr(Matrix(2, 4, 0.0f), S);  // the same buffer again: nothing of the pixel above may stay
  CHECK(S.rows == 2);
  CHECK(S.cols == 4);
  CHECK(S.row_ptr == std::vector<int>{0, 0, 0});
  CHECK(S.col_idx.empty());
  CHECK(S.values.empty());
}

TEST_CASE("sparse_dense_forward equals the dense X·W + b", "[sparse_dense_forward]") {
  for (const Case& c : cases())
    for (int n : {50, 3, 17}) {
      INFO(c.name << ", " << n << " units");
      const Csr S = csr_of(c.X);
      const Matrix W = random_matrix(c.X.cols, n, 100 + n);
      const Matrix b = random_matrix(1, n, 200 + n);
      std::vector<double> want(static_cast<std::size_t>(c.X.rows) * n);
      for (int i = 0; i < c.X.rows; ++i)
        for (int j = 0; j < n; ++j) {
          double z = b(0, j);
          for (int k = 0; k < c.X.cols; ++k) z += static_cast<double>(c.X(i, k)) * W(k, j);
          want[static_cast<std::size_t>(i) * n + j] = z;
        }
      Matrix Z(2, 2, std::numeric_limits<float>::quiet_NaN());  // a buffer of another shape
      ch07::sparse_dense_forward(S, W, b, Z);
      CHECK(compare(Z, want, c.X.rows, n) == "");
      if (c.X.rows > 1 && Z.rows == c.X.rows && Z.cols == n)  // row 0 has no pixels: Z[0,:] = b exactly
        for (int j = 0; j < n; ++j) CHECK(Z(0, j) == b(0, j));
    }
}

TEST_CASE("sparse_dense_forward rejects weights that do not fit the images", "[sparse_dense_forward]") {
  const Csr S = csr_of(sparse_matrix(6, 10, 0.3, 21));
  Matrix Z;
  CHECK_THROWS_AS(ch07::sparse_dense_forward(S, Matrix(9, 4), Matrix(1, 4), Z), std::invalid_argument);
  CHECK_THROWS_AS(ch07::sparse_dense_forward(S, Matrix(10, 4), Matrix(1, 3), Z), std::invalid_argument);
  CHECK_THROWS_AS(ch07::sparse_dense_forward(S, Matrix(10, 4), Matrix(2, 4), Z), std::invalid_argument);
  CHECK_NOTHROW(ch07::sparse_dense_forward(S, Matrix(10, 4), Matrix(1, 4), Z));
}

TEST_CASE("sparse_weight_gradient equals the dense Xᵀ·dZ", "[sparse_weight_gradient]") {
  for (const Case& c : cases())
    for (int n : {50, 3, 17}) {
      INFO(c.name << ", " << n << " units");
      const Csr S = csr_of(c.X);
      const Matrix dZ = random_matrix(c.X.rows, n, 300 + n);
      std::vector<double> want(static_cast<std::size_t>(c.X.cols) * n, 0.0);
      for (int k = 0; k < c.X.cols; ++k)
        for (int j = 0; j < n; ++j) {
          double g = 0;
          for (int i = 0; i < c.X.rows; ++i) g += static_cast<double>(c.X(i, k)) * dZ(i, j);
          want[static_cast<std::size_t>(k) * n + j] = g;
        }
      Matrix dW(c.X.cols, n, 7.0f);  // last step's gradient, in a buffer of the right shape: replace it
      ch07::sparse_weight_gradient(S, dZ, dW);
      CHECK(compare(dW, want, c.X.cols, n) == "");
    }
}

TEST_CASE("sparse_weight_gradient rejects a dZ with the wrong number of rows", "[sparse_weight_gradient]") {
  const Csr S = csr_of(sparse_matrix(6, 10, 0.3, 22));
  Matrix dW;
  CHECK_THROWS_AS(ch07::sparse_weight_gradient(S, Matrix(5, 4), dW), std::invalid_argument);
  CHECK_NOTHROW(ch07::sparse_weight_gradient(S, Matrix(6, 4), dW));
  CHECK((dW.rows == 10 && dW.cols == 4));
}
