// SOLUTION FILE — the reference bodies. (Contributors: edit here, then run scripts/gen-exercises.py.)
// Chapter 08 — parallel and distributed training: exercises shard_rows, ring_allreduce and
// topk_error_feedback (declared in common/include/dnn/parallel.hpp).
//
// shard_rows: data parallelism (数据并行) starts by cutting each global minibatch into one block of
// rows per rank. ring_allreduce: the sum of every rank's gradient, built from point-to-point
// messages only (MPI_Sendrecv) — the algorithm behind NCCL and Horovod, which sends 2(P−1)/P·n
// numbers per rank whatever P is. topk_error_feedback: send only the largest entries of the
// gradient and keep the rest for later, so nothing is lost, only delayed.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "dnn/exercise.hpp"
#include "dnn/parallel.hpp"

namespace dnn::parallel {

RowRange shard_rows(int batch, int ranks, int rank) {
  RowRange r;
  // BEGIN EXERCISE shard_rows | base = batch / ranks rows each, and the first extra = batch % ranks ranks get one more: count = base + (rank < extra ? 1 : 0); first = rank * base + min(rank, extra)
  const int base = batch / ranks;
  const int extra = batch % ranks;
  r.count = base + (rank < extra ? 1 : 0);
  r.first = rank * base + std::min(rank, extra);
  // END EXERCISE
  return r;
}

template <>
MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <>
MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }
template <>
MPI_Datatype mpi_type<std::int64_t>() { return MPI_INT64_T; }

template <typename T>
void ring_allreduce(T* data, int n, MPI_Comm comm) {
  int P = 1, rank = 0;
  MPI_Comm_size(comm, &P);
  MPI_Comm_rank(comm, &rank);
  // BEGIN EXERCISE ring_allreduce | chunk c = shard_rows(n, P, c). right = (rank+1)%P, left = (rank-1+P)%P. Reduce-scatter, s = 0..P-2: send chunk (rank-s) mod P to right, receive chunk (rank-s-1) mod P from left into a buffer (MPI_Sendrecv, mpi_type<T>()), add it into data. Then rank holds the full sum of chunk (rank+1) mod P. All-gather, s = 0..P-2: send chunk (rank+1-s) mod P, receive chunk (rank-s) mod P straight into data. Use ((x % P) + P) % P for negative x
  const int right = (rank + 1) % P;
  const int left = (rank - 1 + P) % P;
  auto chunk = [&](int c) { return shard_rows(n, P, ((c % P) + P) % P); };
  std::vector<T> incoming(static_cast<std::size_t>(n / P + 1));
  for (int s = 0; s < P - 1; ++s) {  // reduce-scatter
    const RowRange out = chunk(rank - s), in = chunk(rank - s - 1);
    MPI_Sendrecv(data + out.first, out.count, mpi_type<T>(), right, 0, incoming.data(), in.count, mpi_type<T>(),
                 left, 0, comm, MPI_STATUS_IGNORE);
    for (int i = 0; i < in.count; ++i) data[in.first + i] += incoming[static_cast<std::size_t>(i)];
  }
  for (int s = 0; s < P - 1; ++s) {  // all-gather
    const RowRange out = chunk(rank + 1 - s), in = chunk(rank - s);
    MPI_Sendrecv(data + out.first, out.count, mpi_type<T>(), right, 1, data + in.first, in.count, mpi_type<T>(),
                 left, 1, comm, MPI_STATUS_IGNORE);
  }
  // END EXERCISE
}

// float and double for gradients and tests, std::int64_t for chapter 08's exact fixed-point sum.
DNN_FOR_FLOAT_AND_DOUBLE(ring_allreduce);
DNN_INSTANTIATE(ring_allreduce, std::int64_t);

void topk_error_feedback(const float* grad, float* residual, int n, int k, std::vector<int>& index,
                         std::vector<float>& value) {
  // BEGIN EXERCISE topk_error_feedback | a_i = residual[i] + grad[i] (store it in residual). Order the indices 0..n-1 by |a| descending, ties by smaller index (std::partial_sort or nth_element with that comparison), keep the first k, sort those k indices ascending. value[j] = a[index[j]], then set residual[index[j]] = 0
  for (int i = 0; i < n; ++i) residual[i] += grad[i];
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  auto larger = [residual](int a, int b) {
    const float fa = std::abs(residual[a]), fb = std::abs(residual[b]);
    return fa > fb || (fa == fb && a < b);
  };
  std::nth_element(order.begin(), order.begin() + k, order.end(), larger);
  index.assign(order.begin(), order.begin() + k);
  std::sort(index.begin(), index.end());
  value.resize(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) {
    value[static_cast<std::size_t>(j)] = residual[index[static_cast<std::size_t>(j)]];
    residual[index[static_cast<std::size_t>(j)]] = 0.0f;
  }
  // END EXERCISE
}

}  // namespace dnn::parallel
