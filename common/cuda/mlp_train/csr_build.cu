// Chapter 07: the training images to CSR on the device, for the hand-written variants (2–5):
// uploading the dense array and converting it there is much faster than converting 47 million
// pixels on the host. Also splits the pixels into kParts ranges holding about equal numbers of
// non-zeros, and records where each image's non-zeros of each range start (DeviceCsr::range_start).
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "device_math.cuh"
#include "dnn/device_buffer.hpp"
#include "internal.cuh"

namespace dnn::cuda::train {

namespace {

constexpr int kScanThreads = 1024;

/// row_nnz[r] = number of non-zero pixels of row r (one warp per row).
__global__ void count_row_nnz(const float* X, int rows, int cols, int* row_nnz) {
  const int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (r >= rows) return;  // whole warps leave together (r is the same for all lanes)
  const float* x = X + static_cast<long>(r) * cols;
  int n = 0;
  for (int k = lane; k < cols; k += 32) n += (x[k] != 0.0f);
  for (int o = 16; o > 0; o >>= 1) n += __shfl_xor_sync(0xffffffffu, n, o);
  if (lane == 0) row_nnz[r] = n;
}

/// row_ptr[0] = 0, row_ptr[r+1] = Σ_{q≤r} row_nnz[q]: one block; each thread sums a contiguous
/// chunk, the chunk totals are scanned in shared memory, then every thread writes its chunk.
__global__ void scan_row_ptr(const int* row_nnz, int rows, int* row_ptr) {
  __shared__ int part[kScanThreads];
  const int t = threadIdx.x;
  const int chunk = (rows + kScanThreads - 1) / kScanThreads;
  const int beg = min(rows, t * chunk), end = min(rows, beg + chunk);
  int s = 0;
  for (int r = beg; r < end; ++r) s += row_nnz[r];
  part[t] = s;
  __syncthreads();
  for (int o = 1; o < kScanThreads; o <<= 1) {  // Hillis–Steele inclusive scan of the chunk totals
    const int v = t >= o ? part[t - o] : 0;
    __syncthreads();
    part[t] += v;
    __syncthreads();
  }
  int run = t > 0 ? part[t - 1] : 0;
  if (t == 0) row_ptr[0] = 0;
  for (int r = beg; r < end; ++r) {
    run += row_nnz[r];
    row_ptr[r + 1] = run;
  }
}

/// Writes the non-zeros of row r in pixel order (one warp per row; a ballot gives each lane its slot).
__global__ void fill_csr(const float* X, int rows, int cols, const int* row_ptr, int* col, float* val) {
  const int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (r >= rows) return;
  const float* x = X + static_cast<long>(r) * cols;
  int pos = row_ptr[r];
  for (int base = 0; base < cols; base += 32) {
    const int k = base + lane;
    const float v = k < cols ? x[k] : 0.0f;
    const bool nz = v != 0.0f;
    const unsigned ballot = __ballot_sync(0xffffffffu, nz);
    if (nz) {
      const int slot = pos + __popc(ballot & ((1u << lane) - 1u));
      col[slot] = k;
      val[slot] = v;
    }
    pos += __popc(ballot);
  }
}

/// counts[k] += number of rows with a non-zero pixel k.
__global__ void pixel_counts(const int* col, long nnz, int* counts) {
  for (long e = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; e < nnz;
       e += static_cast<long>(gridDim.x) * blockDim.x)
    atomicAdd(&counts[col[e]], 1);
}

/// range_start[r·(kParts+1) + q] = first non-zero of row r whose pixel is ≥ bound[q] (binary search).
__global__ void part_offsets(const int* row_ptr, const int* col, int rows, const int* bound, int* range_start) {
  const long q_all = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (q_all >= static_cast<long>(rows) * (kParts + 1)) return;
  const int r = static_cast<int>(q_all / (kParts + 1)), q = static_cast<int>(q_all % (kParts + 1));
  int lo = row_ptr[r], hi = row_ptr[r + 1];
  if (q < kParts) {
    const int b = bound[q];
    while (lo < hi) {
      const int mid = (lo + hi) >> 1;
      if (col[mid] < b)
        lo = mid + 1;
      else
        hi = mid;
    }
  } else {
    lo = hi;
  }
  range_start[q_all] = lo;
}

}  // namespace

void enqueue_prefix_sums(const int* counts, int n, int* offsets, const char* what, cudaStream_t stream) {
  scan_row_ptr<<<1, kScanThreads, 0, stream>>>(counts, n, offsets);
  check_launch(what);
}

void build_csr_on_device(const float* X, int rows, int cols, DeviceBuffer<int>& row_ptr, DeviceBuffer<int>& col,
                         DeviceBuffer<float>& val, DeviceBuffer<int>& range_start, std::vector<int>& part_bound,
                         cudaStream_t stream) {
  DeviceBuffer<int> row_nnz(static_cast<std::size_t>(std::max(rows, 1)));
  row_ptr.resize(static_cast<std::size_t>(rows) + 1);
  const int warps_per_block = 8, blocks = (rows + warps_per_block - 1) / warps_per_block;
  if (rows > 0) {
    count_row_nnz<<<blocks, 32 * warps_per_block, 0, stream>>>(X, rows, cols, row_nnz.data());
    check_launch("count_row_nnz");
  }
  scan_row_ptr<<<1, kScanThreads, 0, stream>>>(row_nnz.data(), rows, row_ptr.data());
  check_launch("scan_row_ptr");
  int nnz = 0;
  CUDA_CHECK(cudaMemcpyAsync(&nnz, row_ptr.data() + rows, sizeof(int), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  col.resize(static_cast<std::size_t>(std::max(nnz, 1)));
  val.resize(static_cast<std::size_t>(std::max(nnz, 1)));
  if (rows > 0) {
    fill_csr<<<blocks, 32 * warps_per_block, 0, stream>>>(X, rows, cols, row_ptr.data(), col.data(), val.data());
    check_launch("fill_csr");
  }
  // Pixel ranges with about equal numbers of non-zeros over the training set (the centre of an
  // MNIST image is busy, its border empty), so the kParts warps of the W1 update share the work.
  DeviceBuffer<int> counts(static_cast<std::size_t>(cols));
  CUDA_CHECK(cudaMemsetAsync(counts.data(), 0, counts.bytes(), stream));
  if (nnz > 0) {
    pixel_counts<<<256, 256, 0, stream>>>(col.data(), nnz, counts.data());
    check_launch("pixel_counts");
  }
  std::vector<int> per_pixel(static_cast<std::size_t>(cols));
  CUDA_CHECK(cudaMemcpyAsync(per_pixel.data(), counts.data(), counts.bytes(), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<int> bound(kParts + 1, cols);
  bound[0] = 0;
  double acc = 0;
  int p = 1;
  for (int k = 0; k < cols && p < kParts; ++k) {
    acc += per_pixel[static_cast<std::size_t>(k)];
    while (p < kParts && acc >= static_cast<double>(nnz) * p / kParts) bound[static_cast<std::size_t>(p++)] = k + 1;
  }
  part_bound = bound;
  DeviceBuffer<int> d_bound(bound.size());
  CUDA_CHECK(cudaMemcpyAsync(d_bound.data(), bound.data(), d_bound.bytes(), cudaMemcpyHostToDevice, stream));
  const long total = static_cast<long>(rows) * (kParts + 1);
  range_start.resize(static_cast<std::size_t>(std::max(total, 1L)));
  if (total > 0) {
    part_offsets<<<static_cast<int>((total + 255) / 256), 256, 0, stream>>>(row_ptr.data(), col.data(), rows,
                                                                           d_bound.data(), range_start.data());
    check_launch("part_offsets");
  }
  CUDA_CHECK(cudaStreamSynchronize(stream));  // the temporaries (row_nnz, counts, d_bound) die here
}

}  // namespace dnn::cuda::train
