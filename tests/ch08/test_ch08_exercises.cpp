// Chapter 08 exercises: shard_rows, ring_allreduce, topk_error_feedback (dnn/parallel.hpp).
// shard_rows and topk_error_feedback are pure functions, checked against their definitions on
// many sizes. ring_allreduce runs on every rank of the test program: one rank when it is started
// plainly, P = 2, 3, 4 under mpirun (ctest: ch08_ring_allreduce_P2 ... P4). Lengths that are not a
// multiple of P, shorter than P, zero and one. Integer-valued data make the expected sum exact
// (so every element is compared exactly); random floats are compared with MPI_Allreduce.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dnn/parallel.hpp"
#include "dnn/rng.hpp"
#include "mpi_test_world.hpp"

namespace par = dnn::parallel;
using ch08test::world;

TEST_CASE("shard_rows covers every row once, in rank order, sizes within one row", "[ch08][shard_rows]") {
  std::string wrong;
  for (int B : {0, 1, 2, 3, 5, 7, 8, 31, 32, 33, 100, 8192, 60000})
    for (int P = 1; P <= 9; ++P) {
      int next = 0, smallest = B, largest = 0;
      for (int r = 0; r < P; ++r) {
        const par::RowRange s = par::shard_rows(B, P, r);
        if (s.first != next || s.count < 0) {
          wrong += "B=" + std::to_string(B) + " P=" + std::to_string(P) + " rank " + std::to_string(r) +
                   ": first " + std::to_string(s.first) + " count " + std::to_string(s.count) + " (expected first " +
                   std::to_string(next) + ")\n";
          break;
        }
        if (r > 0 && s.count > par::shard_rows(B, P, r - 1).count)
          wrong += "B=" + std::to_string(B) + " P=" + std::to_string(P) + ": rank " + std::to_string(r) +
                   " has more rows than rank " + std::to_string(r - 1) + " (the first ranks get the extra rows)\n";
        next = s.first + s.count;
        smallest = std::min(smallest, s.count);
        largest = std::max(largest, s.count);
      }
      if (next != B) wrong += "B=" + std::to_string(B) + " P=" + std::to_string(P) + ": the shards end at row " +
                              std::to_string(next) + ", not at B\n";
      if (largest - smallest > 1)
        wrong += "B=" + std::to_string(B) + " P=" + std::to_string(P) + ": shard sizes from " +
                 std::to_string(smallest) + " to " + std::to_string(largest) + " (at most one row apart)\n";
    }
  INFO(wrong);
  CHECK(wrong.empty());
  CHECK(par::shard_rows(10, 4, 0).count == 3);  // 10 = 3 + 3 + 2 + 2
  CHECK(par::shard_rows(10, 4, 3).first == 8);
  CHECK(par::shard_rows(2, 4, 3).count == 0);   // fewer rows than ranks: the last ranks get none
}

namespace {

// Element i of rank r's vector: small integers, so any order of adding them is exact.
template <typename T>
T value_of(int rank, int i) {
  return static_cast<T>((rank * 31 + i * 7) % 97 - 40);
}

// Runs ring_allreduce<T> on every length; returns the lengths where some element is wrong.
template <typename T>
std::string ring_errors(const std::vector<int>& lengths) {
  const int P = ch08test::world_size(), rank = ch08test::world_rank();
  std::string wrong;
  for (int n : lengths) {
    std::vector<T> data(static_cast<std::size_t>(n) + 1);
    for (int i = 0; i < n; ++i) data[static_cast<std::size_t>(i)] = value_of<T>(rank, i);
    const T guard = static_cast<T>(12345);
    data[static_cast<std::size_t>(n)] = guard;  // one past the end: must stay untouched
    par::ring_allreduce(data.data(), n, world());
    int bad = 0, first_bad = -1;
    for (int i = 0; i < n; ++i) {
      T want = 0;
      for (int r = 0; r < P; ++r) want += value_of<T>(r, i);
      if (data[static_cast<std::size_t>(i)] != want && bad++ == 0) first_bad = i;
    }
    if (bad > 0)
      wrong += "n=" + std::to_string(n) + ": " + std::to_string(bad) + " wrong elements, the first at i=" +
               std::to_string(first_bad) + "\n";
    if (data[static_cast<std::size_t>(n)] != guard) wrong += "n=" + std::to_string(n) + ": wrote past the end\n";
  }
  return wrong;
}

std::vector<int> test_lengths() {
  const int P = ch08test::world_size();
  return {0, 1, 2, 3, P - 1, P, P + 1, 2 * P + 1, 1000, 1001, 42310};
}

}  // namespace

TEST_CASE("ring_allreduce sums exactly on every rank (integers as int64 and float)", "[ch08][ring_allreduce]") {
  INFO("P = " << ch08test::world_size() << ", rank " << ch08test::world_rank());
  const std::string wrong_int = ring_errors<std::int64_t>(test_lengths());
  INFO("int64:\n" << wrong_int);
  CHECK(wrong_int.empty());
  const std::string wrong_float = ring_errors<float>(test_lengths());
  INFO("float:\n" << wrong_float);
  CHECK(wrong_float.empty());
}

TEST_CASE("ring_allreduce of random floats matches MPI_Allreduce, bit-identical on all ranks", "[ch08][ring_allreduce]") {
  const int P = ch08test::world_size(), rank = ch08test::world_rank();
  INFO("P = " << P << ", rank " << rank);
  for (int n : {7, 1001, 42310}) {
    dnn::Rng rng(1000 + static_cast<std::uint64_t>(rank) * 7919 + static_cast<std::uint64_t>(n));
    std::vector<float> mine(static_cast<std::size_t>(n));
    for (float& v : mine) v = static_cast<float>(rng.uniform(-1.0f, 1.0f));
    std::vector<float> ring = mine, ref = mine;
    par::ring_allreduce(ring.data(), n, world());
    MPI_Allreduce(MPI_IN_PLACE, ref.data(), n, MPI_FLOAT, MPI_SUM, world());
    double worst = 0;
    for (int i = 0; i < n; ++i) worst = std::max(worst, std::fabs(double(ring[std::size_t(i)]) - ref[std::size_t(i)]));
    INFO("n = " << n << ": largest difference to MPI_Allreduce " << worst);
    CHECK(worst <= 1e-5 * P);
    // Every rank must end with the same bits (else the ranks' models drift apart).
    std::vector<float> root = ring;
    MPI_Bcast(root.data(), n, MPI_FLOAT, 0, world());
    CHECK(std::equal(root.begin(), root.end(), ring.begin(),
                     [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }));
  }
}

TEST_CASE("topk_error_feedback sends the k largest |residual + grad| and keeps the rest exactly",
          "[ch08][topk_error_feedback]") {
  for (int n : {1, 5, 100, 1001}) {
    for (int k : {0, 1, n / 10, n / 2, n}) {
      dnn::Rng rng(77 + static_cast<std::uint64_t>(n * 13 + k));
      std::vector<float> grad(static_cast<std::size_t>(n)), residual(static_cast<std::size_t>(n));
      for (float& v : grad) v = static_cast<float>(rng.uniform(-1.0f, 1.0f));
      for (float& v : residual) v = static_cast<float>(rng.uniform(-0.5f, 0.5f));
      std::vector<float> acc(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) acc[std::size_t(i)] = residual[std::size_t(i)] + grad[std::size_t(i)];
      std::vector<int> index{-1};
      std::vector<float> value{-1.0f};
      par::topk_error_feedback(grad.data(), residual.data(), n, k, index, value);
      INFO("n = " << n << ", k = " << k);
      REQUIRE(index.size() == static_cast<std::size_t>(k));
      REQUIRE(value.size() == static_cast<std::size_t>(k));
      CHECK(std::is_sorted(index.begin(), index.end()));
      CHECK(std::adjacent_find(index.begin(), index.end()) == index.end());
      // sent + residual = residual_before + grad, exactly, entry by entry
      std::vector<float> rebuilt = residual;
      std::vector<bool> sent(static_cast<std::size_t>(n), false);
      for (int j = 0; j < k; ++j) {
        const int i = index[std::size_t(j)];
        REQUIRE(i >= 0);
        REQUIRE(i < n);
        CHECK(residual[std::size_t(i)] == 0.0f);
        rebuilt[std::size_t(i)] += value[std::size_t(j)];
        sent[std::size_t(i)] = true;
      }
      CHECK(rebuilt == acc);
      // the sent entries are the largest: every sent |a| >= every kept |a|
      float smallest_sent = INFINITY, largest_kept = 0;
      for (int i = 0; i < n; ++i) {
        if (sent[std::size_t(i)]) smallest_sent = std::min(smallest_sent, std::fabs(acc[std::size_t(i)]));
        else largest_kept = std::max(largest_kept, std::fabs(acc[std::size_t(i)]));
      }
      if (k > 0 && k < n) CHECK(smallest_sent >= largest_kept);
    }
  }
}

TEST_CASE("topk_error_feedback: over many steps nothing is lost, only delayed", "[ch08][topk_error_feedback]") {
  const int n = 200, k = 3, steps = 50;
  std::vector<float> residual(n, 0.0f), grad(n);
  std::vector<double> given(n, 0.0), applied(n, 0.0);
  std::vector<int> index;
  std::vector<float> value;
  dnn::Rng rng(5);
  for (int s = 0; s < steps; ++s) {
    for (int i = 0; i < n; ++i) {
      grad[std::size_t(i)] = static_cast<float>(rng.uniform()) * 0.25f;  // multiples of 2^-26: exact sums
      grad[std::size_t(i)] = std::ldexp(std::round(std::ldexp(grad[std::size_t(i)], 12)), -12);
      given[std::size_t(i)] += grad[std::size_t(i)];
    }
    par::topk_error_feedback(grad.data(), residual.data(), n, k, index, value);
    for (int j = 0; j < k; ++j) applied[std::size_t(index[std::size_t(j)])] += value[std::size_t(j)];
  }
  int wrong = 0;
  for (int i = 0; i < n; ++i)
    if (applied[std::size_t(i)] + residual[std::size_t(i)] != given[std::size_t(i)]) ++wrong;
  INFO(wrong << " of " << n << " entries: sent over all steps + final residual != sum of the gradients");
  CHECK(wrong == 0);
  CHECK(*std::max_element(applied.begin(), applied.end()) > 0);
}
