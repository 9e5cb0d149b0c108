// Chapter 06 exercises: gemm_ikj (loop order) and gemm_blocked (cache blocking).
// The reference is independent of the code under test: a double-precision sum written in
// chapters/06_kernels/harness.hpp. Shapes are not multiples of anything, and some cross the block edges of
// gemm_blocked (KC = 64 rows, NC = 1024 columns of B), where a wrong loop bound hides.
#include <limits>
#include <string>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "catch.hpp"
#include "kernel_check.hpp"

using namespace ch06test;
namespace g = dnn::gemm;

namespace {

// Shapes for the exercises: the shared odd shapes, plus ones that end one past a block edge.
std::vector<Shape> exercise_shapes() {
  auto shapes = default_shapes();
  shapes.push_back({3, 1025, 65});   // one column past NC, one row of B past KC
  shapes.push_back({2, 2049, 129});  // two full blocks + 1, both ways
  shapes.push_back({17, 1024, 64});  // exactly one block
  return shapes;
}

// C = A·B with `fn` into a C pre-filled with NaN, compared with the double reference on every
// shape. NaN catches both a forgotten element and "C += A·B" (adding to what was there). One
// report lists the shapes that fail and the ones that pass: the pattern (e.g. "only K = 64 passes")
// points at the loop bound that is wrong.
void check_against_reference(g::GemmFn fn) {
  std::string wrong, right;
  int n_wrong = 0, n_shapes = 0;
  for (const Shape& s : exercise_shapes()) {
    const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 7000 + s.M);
    const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 8000 + s.N);
    std::vector<float> C(static_cast<std::size_t>(s.M) * s.N, std::numeric_limits<float>::quiet_NaN());
    fn(s.M, s.N, s.K, A.data(), B.data(), C.data());
    const std::string problem = compare(C, gemm_reference(s, A, B), s.N, fp32_tolerance(s.K));
    ++n_shapes;
    if (problem.empty()) {
      right += "  " + to_string(s) + "\n";
    } else {
      ++n_wrong;
      wrong += "  " + to_string(s) + ": " + problem + "\n";
    }
  }
  INFO("C was filled with NaN before the call: 'got nan' = an element never written, or added to instead of "
       "overwritten; a wrong number = terms missing or counted twice.\nRight on:\n"
       << (right.empty() ? "  (none)\n" : right) << "Wrong on " << n_wrong << " of " << n_shapes << " shapes:\n"
       << wrong);
  CHECK(n_wrong == 0);
}

// A 2×3 times 3×2 product worked out by hand.
void check_by_hand(g::GemmFn fn) {
  const std::vector<float> A = {1, 2, 3,    //
                                4, 5, 6};   // 2×3
  const std::vector<float> B = {7, 8,       //
                                9, 10,      //
                                11, 12};    // 3×2
  std::vector<float> C(4, -1.0f);           // overwritten, not added to
  INFO("C was filled with -1 before the call: results exactly 1 too small mean C was added to instead of "
       "overwritten; zeros mean no term was added at all (a loop that never ran?)");
  fn(2, 2, 3, A.data(), B.data(), C.data());
  const std::vector<float> expected = {58,    // 1·7 + 2·9 + 3·11
                                       64,    // 1·8 + 2·10 + 3·12
                                       139,   // 4·7 + 5·9 + 6·11
                                       154};  // 4·8 + 5·10 + 6·12
  CHECK(C == expected);  // small integers: exact in float, whatever the order of the sums
}

// Calling it twice on the same C gives the same C (it does not accumulate across calls).
void check_overwrites(g::GemmFn fn) {
  const Shape s{5, 70, 66};
  const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 11);
  const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 12);
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N, 0.0f);
  fn(s.M, s.N, s.K, A.data(), B.data(), C.data());
  const auto first = C;
  fn(s.M, s.N, s.K, A.data(), B.data(), C.data());
  INFO("second call on the same C (shape " << to_string(s) << ") vs the first: a different C means the "
       "function adds to what C held instead of setting it to zero first");
  CHECK(compare(C, first, s.N, Tolerance{0.0, 0.0}) == "");  // bit for bit: same code, same inputs
}

}  // namespace

TEST_CASE("gemm_ikj: a 2x3 by 3x2 product by hand", "[gemm_ikj]") { check_by_hand(&g::gemm_ikj); }

TEST_CASE("gemm_ikj: odd shapes against a double-precision i-j-k loop", "[gemm_ikj]") {
  check_against_reference(&g::gemm_ikj);
}

TEST_CASE("gemm_ikj: overwrites C instead of adding to it", "[gemm_ikj]") { check_overwrites(&g::gemm_ikj); }

TEST_CASE("gemm_blocked: a 2x3 by 3x2 product by hand", "[gemm_blocked]") { check_by_hand(&g::gemm_blocked); }

TEST_CASE("gemm_blocked: odd shapes and block edges against a double-precision loop", "[gemm_blocked]") {
  check_against_reference(&g::gemm_blocked);
}

TEST_CASE("gemm_blocked: overwrites C instead of adding to it", "[gemm_blocked]") {
  check_overwrites(&g::gemm_blocked);
}
