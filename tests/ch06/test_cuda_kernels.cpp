// Chapter 06 on the GPU: every CUDA GEMM step and MLP kernel against the CPU references.
// Without a usable GPU this program prints why and exits 77 (ctest: skipped) — see
// tests/support/cuda_catch_main.cpp. It runs on the GPU machine via scripts/gpu-check.sh.
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "06_kernels/cpu/gemm.hpp"
#include "06_kernels/cpu/mlp_ops.hpp"
#include "06_kernels/cuda/gemm.hpp"
#include "06_kernels/cuda/thread_grid.hpp"
#include "catch.hpp"
#include "dnn/cuda_kernels.hpp"
#include "dnn/device_buffer.hpp"
#include "kernel_check.hpp"

using namespace ch06test;
using dnn::cuda::DeviceBuffer;

namespace {

// Runs a CUDA GEMM step on device copies of A and B; C starts as all-NaN bytes (0xFF), so an
// element the kernel forgets to write fails the comparison.
std::vector<float> run_gpu(dnn::cuda::GemmLauncher fn, const Shape& s, const std::vector<float>& A,
                           const std::vector<float>& B) {
  DeviceBuffer<float> dA(A), dB(B), dC(static_cast<std::size_t>(s.M) * s.N);
  if (dC.size() > 0) CUDA_CHECK(cudaMemset(dC.data(), 0xFF, dC.bytes()));
  fn(s.M, s.N, s.K, dA.data(), dB.data(), dC.data(), nullptr);
  CUDA_CHECK(cudaDeviceSynchronize());
  return dC.download();
}

std::vector<float> cpu_naive(const Shape& s, const std::vector<float>& A, const std::vector<float>& B) {
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N);
  dnn::gemm::gemm_naive(s.M, s.N, s.K, A.data(), B.data(), C.data());
  return C;
}

// Shapes where K and N are multiples of 4 (the float4 path of `vectorized` and `warptile`)
// but M, N, K are not multiples of the 128×128×8/16 tiles.
std::vector<Shape> float4_shapes() { return {{33, 36, 20}, {127, 132, 68}, {130, 260, 36}, {4093, 4, 8}, {1, 4, 4}}; }

dnn::Matrix random_matrix(int rows, int cols, std::uint64_t seed) {
  dnn::Matrix m(rows, cols);
  m.data = random_vector(m.size(), seed);
  return m;
}

void check_all_steps(const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes) {
    const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 11 + s.M);
    const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 13 + s.N);
    const auto naive = cpu_naive(s, A, B);
    const auto ref = gemm_reference(s, A, B);
    INFO("shape " << to_string(s));
    for (const auto& step : dnn::cuda::cuda_gemm_ladder()) {
      INFO("step " << step.name);
      const auto C = run_gpu(step.fn, s, A, B);
      if (step.tf32)
        CHECK(compare(C, ref, s.N, tf32_tolerance(s.K)) == "");
      else
        CHECK(compare(C, naive, s.N, fp32_tolerance(s.K)) == "");
    }
  }
}

}  // namespace

TEST_CASE("every CUDA GEMM step matches the naive CPU reference", "[ch06][cuda][gemm]") {
  std::vector<Shape> shapes = default_shapes();
  for (const Shape& s : float4_shapes()) shapes.push_back(s);
  check_all_steps(shapes);
}

// Left out of the compute-sanitizer runs (scripts/gpu-check.sh runs them with "~[large]").
TEST_CASE("CUDA GEMM steps on larger shapes", "[ch06][cuda][gemm][large]") {
  check_all_steps({{4093, 33, 784}, {256, 256, 256}, {1023, 1025, 260}, {2048, 2048, 64}});
}

TEST_CASE("CUDA GEMM steps with unaligned pointers take the scalar path and stay correct", "[ch06][cuda][gemm]") {
  const Shape s{67, 68, 36};  // K, N multiples of 4, but the matrices start 4 bytes into a buffer
  const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 21);
  const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 22);
  const auto naive = cpu_naive(s, A, B);
  const auto ref = gemm_reference(s, A, B);
  // C sits between two guard floats (all-NaN bytes) that no step may touch: a write just outside
  // C stays inside this allocation, where compute-sanitizer would not see it.
  DeviceBuffer<float> dA(A.size() + 1), dB(B.size() + 1), dC(naive.size() + 2);
  CUDA_CHECK(cudaMemcpy(dA.data() + 1, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy(dB.data() + 1, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));
  for (const auto& step : dnn::cuda::cuda_gemm_ladder()) {
    INFO("step " << step.name);
    CUDA_CHECK(cudaMemset(dC.data(), 0xFF, dC.bytes()));
    step.fn(s.M, s.N, s.K, dA.data() + 1, dB.data() + 1, dC.data() + 1, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> all = dC.download();
    CHECK(std::isnan(all.front()));
    CHECK(std::isnan(all.back()));
    const std::vector<float> C(all.begin() + 1, all.end() - 1);
    if (step.tf32)
      CHECK(compare(C, ref, s.N, tf32_tolerance(s.K)) == "");
    else
      CHECK(compare(C, naive, s.N, fp32_tolerance(s.K)) == "");
  }
}

// The exercises coalesced_thread, smem_load_tile and smem_accumulate_tile (solutions/ch06_gpu_steps.cpp,
// run on the CPU by the host emulation of the thread grid) compute what the device kernels of steps 2 and 3
// compute: the emulation is a faithful model of cuda/02_coalesced.cu and cuda/03_smem.cu.
TEST_CASE("host emulation of CUDA steps 2 and 3 matches the device kernels", "[ch06][cuda][gemm][emulation]") {
  for (const Shape& s : std::vector<Shape>{{1, 1, 1}, {33, 33, 33}, {32, 50, 784}, {129, 257, 300}, {33, 17, 0}}) {
    const auto A = random_vector(static_cast<std::size_t>(s.M) * s.K, 51 + s.M);
    const auto B = random_vector(static_cast<std::size_t>(s.K) * s.N, 53 + s.N);
    std::vector<float> coalesced(static_cast<std::size_t>(s.M) * s.N), smem(coalesced.size());
    dnn::cuda::emu::emulate_coalesced(s.M, s.N, s.K, A.data(), B.data(), coalesced.data());
    dnn::cuda::emu::emulate_smem(s.M, s.N, s.K, A.data(), B.data(), smem.data());
    INFO("shape " << to_string(s));
    CHECK(compare(coalesced, run_gpu(&dnn::cuda::gemm_coalesced, s, A, B), s.N, fp32_tolerance(s.K)) == "");
    CHECK(compare(smem, run_gpu(&dnn::cuda::gemm_smem, s, A, B), s.N, fp32_tolerance(s.K)) == "");
  }
}

TEST_CASE("the CUDA ladder: names, order, bad shapes", "[ch06][cuda][gemm]") {
  const auto& ladder = dnn::cuda::cuda_gemm_ladder();
  CHECK(std::string(ladder.front().name) == "naive");
  CHECK(dnn::cuda::find_cuda_gemm("warptile") != nullptr);
#if DNN_HAVE_CUBLAS
  REQUIRE(ladder.size() == 11);
  REQUIRE(dnn::cuda::find_cuda_gemm("cublas") != nullptr);
  CHECK(dnn::cuda::find_cuda_gemm("cublas")->hand_written == false);
#else
  REQUIRE(ladder.size() == 9);  // a toolkit without cuBLAS: the two cuBLAS rows are left out
  CHECK(dnn::cuda::find_cuda_gemm("cublas") == nullptr);
#endif
  CHECK(dnn::cuda::find_cuda_gemm("nope") == nullptr);
  CHECK_THROWS_AS(dnn::cuda::gemm_smem(-1, 2, 3, nullptr, nullptr, nullptr), std::invalid_argument);
}

TEST_CASE("DeviceBuffer: upload, download, move, zero", "[ch06][cuda]") {
  const std::vector<float> h{1, 2, 3, 4, 5};
  DeviceBuffer<float> a(h);
  CHECK(a.size() == 5);
  CHECK(a.download() == h);
  DeviceBuffer<float> b(std::move(a));
  CHECK(a.data() == nullptr);  // NOLINT(bugprone-use-after-move): moved-from is documented empty
  CHECK(b.download() == h);
  b.zero();
  CHECK(b.download() == std::vector<float>(5, 0.0f));
  CHECK_THROWS_AS(b.download(nullptr, 6), std::invalid_argument);
}

TEST_CASE("CUDA fused bias + ReLU and ReLU backward", "[ch06][cuda][mlp_kernels]") {
  for (auto [rows, cols] : {std::pair{1, 1}, {32, 50}, {33, 10}, {4093, 33}}) {
    INFO(rows << "x" << cols);
    const dnn::Matrix XW = random_matrix(rows, cols, 31), b = random_matrix(1, cols, 32);
    dnn::Matrix Z, Y;
    dnn::mlp_ops::bias_relu_naive(XW, b, Z, Y);
    DeviceBuffer<float> dXW(XW.data), db(b.data), dZ(XW.size()), dY(XW.size());
    dnn::cuda::bias_relu_forward(rows, cols, dXW.data(), db.data(), dZ.data(), dY.data());
    CUDA_CHECK(cudaDeviceSynchronize());
    CHECK(compare(dZ.download(), Z.data, cols, {1e-6, 1e-6}) == "");
    CHECK(compare(dY.download(), Y.data, cols, {1e-6, 1e-6}) == "");

    const dnn::Matrix dOut = random_matrix(rows, cols, 33);
    std::vector<float> expect(dOut.size());
    for (std::size_t i = 0; i < expect.size(); ++i) expect[i] = Z.data[i] > 0 ? dOut.data[i] : 0.0f;
    DeviceBuffer<float> ddOut(dOut.data), ddZ(dOut.size());
    dnn::cuda::relu_backward(static_cast<long>(dOut.size()), dZ.data(), ddOut.data(), ddZ.data());
    CUDA_CHECK(cudaDeviceSynchronize());
    CHECK(compare(ddZ.download(), expect, cols, {0.0, 0.0}) == "");
  }
}

TEST_CASE("CUDA softmax + cross-entropy is stable and matches a double reference", "[ch06][cuda][mlp_kernels]") {
  for (auto [rows, cols, scale] : {std::tuple{1, 1, 1.0f}, {32, 10, 3.0f}, {33, 70, 1.0f}, {5, 10, 1000.0f}}) {
    INFO(rows << "x" << cols << " scale " << scale);
    dnn::Matrix Zm = random_matrix(rows, cols, 41);
    for (float& z : Zm.data) z *= scale;  // ±1000: e^z would overflow without the max shift
    std::vector<int> labels(rows);
    for (int i = 0; i < rows; ++i) labels[i] = (i * 7) % cols;
    std::vector<double> P(Zm.size()), dZ(Zm.size()), loss(rows);
    for (int i = 0; i < rows; ++i) {
      double m = -INFINITY, s = 0;
      for (int j = 0; j < cols; ++j) m = std::max(m, static_cast<double>(Zm(i, j)));
      for (int j = 0; j < cols; ++j) s += std::exp(Zm(i, j) - m);
      for (int j = 0; j < cols; ++j) {
        const std::size_t idx = static_cast<std::size_t>(i) * cols + j;
        P[idx] = std::exp(Zm(i, j) - m) / s;
        dZ[idx] = (P[idx] - (j == labels[i] ? 1.0 : 0.0)) / rows;
      }
      loss[i] = std::log(s) + m - Zm(i, labels[i]);
    }
    DeviceBuffer<float> dLogits(Zm.data), dP(Zm.size()), ddZ(Zm.size()), dLoss(rows);
    DeviceBuffer<int> dLabels(labels);
    dnn::cuda::softmax_xent(rows, cols, dLogits.data(), dLabels.data(), dP.data(), ddZ.data(), dLoss.data(),
                            1.0f / rows);
    CUDA_CHECK(cudaDeviceSynchronize());
    CHECK(compare(dP.download(), P, cols, {1e-6, 1e-5}) == "");
    CHECK(compare(ddZ.download(), dZ, cols, {1e-6, 1e-5}) == "");
    CHECK(compare(dLoss.download(), loss, 1, {1e-5, 1e-5}) == "");
  }
  // A label outside [0, cols) gives NaN for that row, never a wrong number.
  DeviceBuffer<float> z(std::vector<float>{1, 2, 3}), loss(1);
  DeviceBuffer<int> bad(std::vector<int>{3});
  dnn::cuda::softmax_xent(1, 3, z.data(), bad.data(), nullptr, nullptr, loss.data(), 1.0f);
  CUDA_CHECK(cudaDeviceSynchronize());
  CHECK(std::isnan(loss.download()[0]));
}

TEST_CASE("CUDA column sums", "[ch06][cuda][mlp_kernels]") {
  for (auto [rows, cols] : {std::pair{1, 1}, {32, 50}, {4093, 33}, {0, 5}}) {
    INFO(rows << "x" << cols);
    const dnn::Matrix M = random_matrix(rows, cols, 51);
    dnn::Matrix expect;
    dnn::mlp_ops::column_sums_naive(M, expect);
    DeviceBuffer<float> dM(M.data), dS(cols);
    dnn::cuda::column_sums(rows, cols, dM.data(), dS.data());
    CUDA_CHECK(cudaDeviceSynchronize());
    CHECK(compare(dS.download(), expect.data, cols, fp32_tolerance(rows)) == "");
  }
}

TEST_CASE("CUDA SGD and Adam steps match double-precision formulas", "[ch06][cuda][mlp_kernels]") {
  const int n = 1000;
  const dnn::Matrix W0 = random_matrix(1, n, 61);
  dnn::naive::AdamConfig cfg;
  cfg.lr = 0.01;
  {  // SGD
    const dnn::Matrix g = random_matrix(1, n, 62);
    std::vector<double> expect(n);
    for (int i = 0; i < n; ++i) expect[i] = static_cast<double>(W0.data[i]) - 0.1 * g.data[i];
    DeviceBuffer<float> dW(W0.data), dG(g.data);
    dnn::cuda::sgd_step(n, dW.data(), dG.data(), 0.1f);
    CUDA_CHECK(cudaDeviceSynchronize());
    CHECK(compare(dW.download(), expect, n, {1e-6, 1e-6}) == "");
  }
  // Adam, three steps
  std::vector<double> W(W0.data.begin(), W0.data.end()), m(n, 0.0), v(n, 0.0);
  DeviceBuffer<float> dW(W0.data), dm(n), dv(n), dG(n);
  dm.zero();
  dv.zero();
  for (long t = 1; t <= 3; ++t) {
    const dnn::Matrix g = random_matrix(1, n, 70 + t);
    for (int i = 0; i < n; ++i) {
      m[i] = cfg.beta1 * m[i] + (1 - cfg.beta1) * g.data[i];
      v[i] = cfg.beta2 * v[i] + (1 - cfg.beta2) * g.data[i] * g.data[i];
      const double mh = m[i] / (1 - std::pow(cfg.beta1, t)), vh = v[i] / (1 - std::pow(cfg.beta2, t));
      W[i] -= cfg.lr * mh / (std::sqrt(vh) + cfg.eps);
    }
    dG.upload(g.data);
    dnn::cuda::adam_step(n, dW.data(), dG.data(), dm.data(), dv.data(), t, cfg);
  }
  CUDA_CHECK(cudaDeviceSynchronize());
  CHECK(compare(dW.download(), W, n, {1e-5, 1e-5}) == "");
  CHECK(compare(dm.download(), m, n, {1e-6, 1e-5}) == "");
  CHECK_THROWS_AS(dnn::cuda::adam_step(n, dW.data(), dG.data(), dm.data(), dv.data(), 0, cfg), std::invalid_argument);
}
