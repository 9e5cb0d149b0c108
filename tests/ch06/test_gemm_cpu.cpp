// Chapter 06: every step of the CPU GEMM ladder against the naive step and a double-precision
// reference, on shapes that are not multiples of any block or tile size.
#include <cmath>
#include <limits>
#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "06_kernels/cpu/gemm.hpp"
#include "catch.hpp"
#include "kernel_check.hpp"

using namespace ch06test;
namespace g = dnn::gemm;

namespace {

// Runs `fn` into a C pre-filled with NaN (so a kernel that forgets an element fails).
std::vector<float> run(g::GemmFn fn, const Shape& s, const std::vector<float>& A, const std::vector<float>& B) {
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N, std::numeric_limits<float>::quiet_NaN());
  fn(s.M, s.N, s.K, A.data(), B.data(), C.data());
  return C;
}

void check_all_steps(const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes) {
    const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 1000 + s.M);
    const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 2000 + s.N);
    const auto ref = gemm_reference(s, A, B);
    const auto naive = run(&g::gemm_naive, s, A, B);
    INFO("shape " << to_string(s));
    // The naive step against the double-precision loop...
    CHECK(compare(naive, ref, s.N, fp32_tolerance(s.K)) == "");
    // ...and every other step against the naive step (the chapter's reference).
    for (const g::CpuGemm& step : g::cpu_gemm_ladder()) {
      INFO("step " << step.name);
      const auto C = run(step.fn, s, A, B);
      CHECK(compare(C, naive, s.N, fp32_tolerance(s.K)) == "");
    }
  }
}

}  // namespace

TEST_CASE("every CPU GEMM step matches the naive reference on odd shapes", "[ch06][gemm]") {
  check_all_steps(default_shapes());
}

TEST_CASE("CPU GEMM steps on large non-multiple shapes", "[ch06][gemm][.slow]") {
  check_all_steps({{4093, 4093, 33}, {1023, 1025, 784}});
}

TEST_CASE("every CPU GEMM step is exact on small integers", "[ch06][gemm]") {
  // Small integers multiply and add exactly in float, so every step must agree bit for bit.
  const Shape s{37, 41, 300};
  std::vector<float> A(static_cast<std::size_t>(s.M) * s.K), B(static_cast<std::size_t>(s.K) * s.N);
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
  for (std::size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>(static_cast<int>(i % 5) - 2);
  const auto ref = gemm_reference(s, A, B);
  for (const g::CpuGemm& step : g::cpu_gemm_ladder()) {
    INFO("step " << step.name);
    CHECK(compare(run(step.fn, s, A, B), ref, s.N, {0.0, 0.0}) == "");
  }
}

TEST_CASE("the ladder lists every step once, in order", "[ch06][gemm]") {
  const auto& ladder = g::cpu_gemm_ladder();
  REQUIRE(ladder.size() == 6);
  CHECK(std::string(ladder.front().name) == "naive");
  CHECK(g::find_cpu_gemm("packed") != nullptr);
  CHECK(g::find_cpu_gemm("packed")->fn == &g::gemm_packed);
  CHECK(g::find_cpu_gemm("packed_omp")->threads == g::kOmpThreads);
  CHECK(g::find_cpu_gemm("nope") == nullptr);
  CHECK(g::cpu_gemm_names().find("eigen") != std::string::npos);
}

TEST_CASE("gemm() on matrices checks shapes and resizes C", "[ch06][gemm]") {
  dnn::Matrix A(3, 4, 1.0f), B(4, 5, 2.0f), C;
  g::gemm(&g::gemm_packed, A, B, C);
  // C may not be A or B: resizing it would change an input while the kernel still reads it.
  dnn::Matrix S(4, 4, 1.0f), T(4, 4, 1.0f);
  CHECK_THROWS_AS(g::gemm(&g::gemm_naive, S, T, S), std::invalid_argument);
  CHECK_THROWS_AS(g::gemm(&g::gemm_naive, S, T, T), std::invalid_argument);
  REQUIRE(C.rows == 3);
  REQUIRE(C.cols == 5);
  for (float x : C.data) CHECK(x == 8.0f);
  dnn::Matrix bad(3, 5);
  CHECK_THROWS_AS(g::gemm(&g::gemm_packed, A, bad, C), std::invalid_argument);
  CHECK(g::gemm_flops(2, 3, 4) == 48.0);
}

// simd.hpp: the vector type the hand-written kernels are built on is exactly one register of the
// ISA this test was compiled for. With DNN_EXPECT_ISA set (scripts/ci-isa.sh does), the build must
// have picked that ISA: a wrong -march or a changed macro test fails here, not silently slower.
TEST_CASE("simd::Vec is one register of the compiled ISA; lane-wise arithmetic", "[ch06][simd]") {
  namespace simd = dnn::simd;
  STATIC_REQUIRE(sizeof(simd::Vec) == simd::kLanes * sizeof(float));
  STATIC_REQUIRE(g::kPackedMR * g::kPackedTileVectors + g::kPackedTileVectors + 1 <= simd::kRegisters);
  if (const char* want = std::getenv("DNN_EXPECT_ISA")) {
    INFO("CPU kernels: " << simd::describe());
    CHECK(std::string(simd::kIsa) == want);
  }
  std::vector<float> a(simd::kLanes), b(simd::kLanes), out(simd::kLanes);
  for (int i = 0; i < simd::kLanes; ++i) {
    a[i] = static_cast<float>(i) - 2.5f;
    b[i] = 0.5f * static_cast<float>(i);
  }
  simd::store(out.data(), simd::relu(simd::load(a.data()) + 2.0f * simd::load(b.data())));
  for (int i = 0; i < simd::kLanes; ++i) CHECK(out[i] == std::max(0.0f, a[i] + 2.0f * b[i]));
  CHECK(simd::describe().find(std::to_string(simd::kLanes) + " lanes") != std::string::npos);
}
