/// @file matrix.hpp
/// @brief The one matrix type of the project: a row-major, owned block of floats.
///
/// Why row-major float32 with our own small type (see docs/design.md):
///  - a minibatch is "one example per row", exactly how the chapter's math is written (X·W + b);
///  - the naive loops read like the formulas, `A(i, j)`;
///  - the Eigen backend wraps the same memory with `Eigen::Map` (no copy), and the CUDA backend
///    copies the same contiguous buffer to the device with one cudaMemcpy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace dnn {

/// Row-major `rows × cols` matrix. Element (i, j) is at `data[i * cols + j]`.
/// Training uses `Matrix` (float); the gradient check of chapter 02 uses `MatrixD` (double).
template <typename T>
struct BasicMatrix {
  using value_type = T;
  int rows = 0;
  int cols = 0;
  std::vector<T> data;

  BasicMatrix() = default;
  /// A `rows × cols` matrix with every element set to `fill`.
  BasicMatrix(int rows_, int cols_, T fill = T(0))
      : rows(rows_), cols(cols_), data(checked_size(rows_, cols_), fill) {}

  T& operator()(int i, int j) { return data[static_cast<std::size_t>(i) * cols + j]; }
  T operator()(int i, int j) const { return data[static_cast<std::size_t>(i) * cols + j]; }

  T* row(int i) { return data.data() + static_cast<std::size_t>(i) * cols; }
  const T* row(int i) const { return data.data() + static_cast<std::size_t>(i) * cols; }

  std::size_t size() const { return data.size(); }
  bool empty() const { return data.empty(); }

  /// Change the shape. Memory already allocated is reused (no new pages are touched when the
  /// matrix shrinks or keeps its size), so buffers can be resized every step for free.
  /// The contents after a resize are unspecified.
  void resize(int rows_, int cols_) {
    data.resize(checked_size(rows_, cols_));
    rows = rows_;
    cols = cols_;
  }
  void fill(T v) { std::fill(data.begin(), data.end(), v); }

  template <typename U>
  bool same_shape(const BasicMatrix<U>& o) const { return rows == o.rows && cols == o.cols; }
  std::string shape() const { return std::to_string(rows) + "x" + std::to_string(cols); }

 private:
  static std::size_t checked_size(int r, int c) {
    if (r < 0 || c < 0)
      throw std::invalid_argument("Matrix: negative shape " + std::to_string(r) + "x" + std::to_string(c));
    return static_cast<std::size_t>(r) * static_cast<std::size_t>(c);
  }
};

using Matrix = BasicMatrix<float>;
using MatrixD = BasicMatrix<double>;

/// Throws std::invalid_argument naming `what` and both shapes unless `a` and `b` have the same shape.
template <typename T, typename U>
void require_same_shape(const BasicMatrix<T>& a, const BasicMatrix<U>& b, const char* what) {
  if (!a.same_shape(b))
    throw std::invalid_argument(std::string(what) + ": shape mismatch " + a.shape() + " vs " + b.shape());
}
/// Throws std::invalid_argument naming `what` unless `m` is `rows × cols`.
template <typename T>
void require_shape(const BasicMatrix<T>& m, int rows, int cols, const char* what) {
  if (m.rows != rows || m.cols != cols)
    throw std::invalid_argument(std::string(what) + ": expected shape " + std::to_string(rows) + "x" +
                                std::to_string(cols) + ", got " + m.shape());
}

/// Throws std::invalid_argument naming `what` unless `labels` holds one class index per row of `m`
/// (logits or probabilities, one column per class), each in [0, m.cols).
template <typename T>
void require_labels(const BasicMatrix<T>& m, const std::vector<int>& labels, const char* what) {
  if (static_cast<int>(labels.size()) != m.rows)
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(m.rows) + " rows (" + m.shape() + ")");
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= m.cols)
      throw std::invalid_argument(std::string(what) + ": label " + std::to_string(labels[i]) + " of row " +
                                  std::to_string(i) + " is outside [0, " + std::to_string(m.cols) + ")");
}

/// Throws std::invalid_argument naming `what` when the output `out` is the same matrix as one of
/// the inputs `a`, `b`: a product writes its output while it still reads its inputs, so C = A·B
/// into A would read entries it has already overwritten.
template <typename T>
void require_distinct_output(const BasicMatrix<T>& out, const BasicMatrix<T>& a, const BasicMatrix<T>& b,
                             const char* what) {
  if (&out == &a || &out == &b)
    throw std::invalid_argument(std::string(what) + ": the output must be a different matrix from the inputs");
}

/// A copy of `m` converted to another element type (float <-> double).
template <typename To, typename From>
BasicMatrix<To> matrix_cast(const BasicMatrix<From>& m) {
  BasicMatrix<To> r(m.rows, m.cols);
  for (std::size_t k = 0; k < m.data.size(); ++k) r.data[k] = static_cast<To>(m.data[k]);
  return r;
}

}  // namespace dnn
