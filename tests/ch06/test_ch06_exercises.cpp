// Chapter 06 exercises: gemm_ikj (loop order) and gemm_blocked (cache blocking) on the CPU, and the
// per-thread bodies of CUDA steps 2 and 3 (coalesced_thread, smem_load_tile, smem_accumulate_tile),
// run through the host emulation of the thread grid (chapters/06_kernels/cuda/thread_grid.hpp): no GPU needed.
// The reference is independent of the code under test: a double-precision sum written in
// chapters/06_kernels/harness.hpp. Shapes are not multiples of anything, and some cross the block edges of
// gemm_blocked (KC = 64 rows, NC = 1024 columns of B), where a wrong loop bound hides.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "06_kernels/cuda/thread_grid.hpp"
#include "catch.hpp"
#include "kernel_check.hpp"

using namespace ch06test;
using dnn::gemm::within;
namespace g = dnn::gemm;
namespace emu = dnn::cuda::emu;

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

// ------------------------------------------------------------------ CUDA steps 2 and 3, emulated

TEST_CASE("coalesced_thread: a 2x3 by 3x2 product by hand (host emulation)", "[coalesced_thread]") {
  check_by_hand(&emu::emulate_coalesced);
}

TEST_CASE("coalesced_thread: odd shapes against a double-precision loop (host emulation)", "[coalesced_thread]") {
  check_against_reference(&emu::emulate_coalesced);
}

TEST_CASE("coalesced_thread: overwrites C instead of adding to it", "[coalesced_thread]") {
  check_overwrites(&emu::emulate_coalesced);
}

// One thread writes exactly its own element: thread (x 3, y 2) of block (x 1, y 0) owns row 2, column
// 35 (x picks the column). A thread past the edge of C writes nothing.
TEST_CASE("coalesced_thread: threadIdx.x picks the column, threads outside C write nothing", "[coalesced_thread]") {
  const Shape s{64, 64, 5};
  const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 21);
  const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 22);
  const float untouched = -7.0f;
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N, untouched);
  emu::coalesced_thread(1, 0, 3, 2, s.M, s.N, s.K, A.data(), B.data(), C.data());
  const auto ref = gemm_reference(s, A, B);
  std::string written;
  for (std::size_t e = 0; e < C.size(); ++e)
    if (C[e] != untouched) written += " (" + std::to_string(e / s.N) + ", " + std::to_string(e % s.N) + ")";
  INFO("block (1, 0), thread (3, 2) of a 64x64 C wrote:" << (written.empty() ? " nothing" : written)
       << "; expected only (2, 35): j = block_x*32 + thread_x, i = block_y*32 + thread_y. (35, 2) means x and y "
          "are swapped.");
  CHECK(written == " (2, 35)");
  CHECK(within(C[2 * s.N + 35], ref[2 * s.N + 35], fp32_tolerance(s.K)));

  // A 2x2 C inside a larger buffer: thread (5, 0) of block (0, 0) lies outside C (column 5 ≥ N = 2).
  std::vector<float> buffer(64, untouched);
  emu::coalesced_thread(0, 0, 5, 0, 2, 2, 5, A.data(), B.data(), buffer.data());
  emu::coalesced_thread(0, 0, 0, 3, 2, 2, 5, A.data(), B.data(), buffer.data());
  INFO("threads (5, 0) and (0, 3) of a 2x2 C must not write (their column or row is past the edge: check i < M "
       "and j < N)");
  CHECK(std::count(buffer.begin(), buffer.end(), untouched) == 64);
}

// Phase 1 of step 3 for every thread of the edge block (1, 1) at k0 = 32 of a 40x50 by 45: the tiles
// hold A(32.., 32..) and B(32.., 32..) where they exist and 0 past the edges of A and B.
TEST_CASE("smem_load_tile: the tiles of an edge block, zeros past the edges", "[smem_load_tile]") {
  const int M = 40, N = 50, K = 45, k0 = 32, bx = 1, by = 1, T = emu::kBlock;
  const auto A = random_vector(static_cast<std::size_t>(M) * K, 31);
  const auto B = random_vector(static_cast<std::size_t>(K) * N, 32);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> As(T * T, nan), Bs(T * T, nan);
  for (int ty = 0; ty < T; ++ty)
    for (int tx = 0; tx < T; ++tx) emu::smem_load_tile(bx, by, tx, ty, k0, M, N, K, A.data(), B.data(), As.data(), Bs.data());
  std::vector<float> As_ref(T * T), Bs_ref(T * T);
  for (int r = 0; r < T; ++r)
    for (int c = 0; c < T; ++c) {
      const int a_row = by * T + r, a_col = k0 + c, b_row = k0 + r, b_col = bx * T + c;
      As_ref[r * T + c] = (a_row < M && a_col < K) ? A[a_row * K + a_col] : 0.0f;
      Bs_ref[r * T + c] = (b_row < K && b_col < N) ? B[b_row * N + b_col] : 0.0f;
    }
  INFO("As(r, c) must be A(block_y*32 + r, k0 + c), Bs(r, c) must be B(k0 + r, block_x*32 + c), 0 past the edges "
       "(block (1, 1), k0 = 32, M=40 N=50 K=45); 'got nan' = a slot no thread wrote");
  CHECK(compare(As, As_ref, T, Tolerance{0.0, 0.0}) == "");
  CHECK(compare(Bs, Bs_ref, T, Tolerance{0.0, 0.0}) == "");
}

TEST_CASE("smem_load_tile: one thread fills only its own slot of each tile", "[smem_load_tile]") {
  const int M = 64, N = 64, K = 64, T = emu::kBlock;
  const auto A = random_vector(static_cast<std::size_t>(M) * K, 33);
  const auto B = random_vector(static_cast<std::size_t>(K) * N, 34);
  const float untouched = -7.0f;
  std::vector<float> As(T * T, untouched), Bs(T * T, untouched);
  emu::smem_load_tile(0, 1, 3, 5, 32, M, N, K, A.data(), B.data(), As.data(), Bs.data());  // thread x 3, y 5
  INFO("thread (x 3, y 5) of block (0, 1) at k0 = 32 must write only As[5*32 + 3] = A(37, 35) and Bs[5*32 + 3] = "
       "B(37, 3)");
  CHECK(std::count(As.begin(), As.end(), untouched) == T * T - 1);
  CHECK(std::count(Bs.begin(), Bs.end(), untouched) == T * T - 1);
  CHECK(As[5 * T + 3] == A[37 * K + 35]);
  CHECK(Bs[5 * T + 3] == B[37 * N + 3]);
}

// Phase 2 of step 3: row thread_y of As times column thread_x of Bs, added to the sum so far.
TEST_CASE("smem_accumulate_tile: row of As times column of Bs, added to the running sum", "[smem_accumulate_tile]") {
  const int T = emu::kBlock;
  const auto As = random_vector(T * T, 41), Bs = random_vector(T * T, 42);
  for (const auto& [tx, ty] : std::vector<std::pair<int, int>>{{0, 0}, {3, 5}, {31, 0}, {0, 31}, {31, 31}}) {
    double expected = 0.25;  // the sum carried from earlier tiles
    for (int k = 0; k < T; ++k) expected += static_cast<double>(As[ty * T + k]) * Bs[k * T + tx];
    const float got = emu::smem_accumulate_tile(tx, ty, As.data(), Bs.data(), 0.25f);
    INFO("thread (x " << tx << ", y " << ty << "), sum so far 0.25: got " << got << ", expected " << expected
         << " = 0.25 + sum_k As(y, k)*Bs(k, x)");
    CHECK(within(got, expected, fp32_tolerance(T)));
  }
}

// Both phases together: the whole emulated step 3 on the odd shapes (scripts/check runs it once the
// three functions above pass their own tests).
TEST_CASE("CUDA step 3 (smem), host emulation: a product by hand", "[whole-network]") {
  check_by_hand(&emu::emulate_smem);
}

TEST_CASE("CUDA step 3 (smem), host emulation: odd shapes against a double-precision loop", "[whole-network]") {
  check_against_reference(&emu::emulate_smem);
}

TEST_CASE("CUDA step 3 (smem), host emulation: overwrites C", "[whole-network]") {
  check_overwrites(&emu::emulate_smem);
}
