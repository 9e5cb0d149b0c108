/// @file parallel.hpp
/// @brief Chapter 08's exercise functions (并行训练, 分布式训练, §7.2): which rows of a global
///        minibatch are this rank's, the ring allreduce, and the error-feedback top-k step.
///
/// Their bodies are in solutions/ch08_parallel.cpp (reference) and exercises/ch08_parallel.cpp
/// (yours). Only chapter 08 and its tests include this header; it needs MPI (`mpi.h`), so it is
/// compiled only when CMake found MPI (DNN_HAVE_MPI).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

namespace dnn::parallel {

/// Rows [first, first + count) of a minibatch.
struct RowRange {
  int first = 0;
  int count = 0;
};

/// The rows of a global minibatch of `batch` rows that rank `rank` of `ranks` computes
/// (数据并行, data parallelism): contiguous blocks in rank order that cover every row exactly
/// once and differ in size by at most one row; the first `batch mod ranks` ranks get one extra.
/// A rank gets no rows (count 0) when batch < ranks. Also used to cut a vector into the chunks
/// of the ring allreduce. Requires batch >= 0, ranks >= 1, 0 <= rank < ranks.
RowRange shard_rows(int batch, int ranks, int rank);

/// The MPI datatype of T (float, double or std::int64_t).
template <typename T>
MPI_Datatype mpi_type();

/// Ring allreduce (sum), in place: afterwards every rank of `comm` holds the element-wise sum of
/// all ranks' `data[0..n)`. Two phases over the ring rank → rank+1 (mod P), each P−1 steps of one
/// MPI_Sendrecv: reduce-scatter (each step adds the chunk received from the left neighbour), then
/// all-gather (each step copies the finished chunk received from the left). The chunks are
/// shard_rows(n, P, c); any n works (also n < P, where some chunks are empty). Every rank ends
/// with bit-identical values. Each rank sends 2(P−1)/P·n elements in all.
/// Instantiated for float, double and std::int64_t.
template <typename T>
void ring_allreduce(T* data, int n, MPI_Comm comm);

/// One step of top-k gradient compression with error feedback (Deep Gradient Compression):
/// the accumulated gradient a = residual + grad; the `k` entries of a with the largest |a| are
/// sent (their indices in increasing order into `index`, their values a_i into `value`), and the
/// residual keeps everything that was not sent: residual_i = a_i for the others, 0 for the sent.
/// So value + residual equals a exactly, and nothing is lost, only delayed. Ties in |a| go to the
/// smaller index. Requires 0 <= k <= n. `index` and `value` are resized to k.
void topk_error_feedback(const float* grad, float* residual, int n, int k, std::vector<int>& index,
                         std::vector<float>& value);

}  // namespace dnn::parallel
