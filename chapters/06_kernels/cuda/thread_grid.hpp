/// @file 06_kernels/cuda/thread_grid.hpp
/// @brief What one CUDA thread of GEMM steps 2 (coalesced) and 3 (shared-memory tiles) does,
///        written as plain C++ functions of (block index, thread index, sizes, pointers): the
///        exercises coalesced_thread, smem_load_tile and smem_accumulate_tile
///        (solutions/ch06_gpu_steps.cpp), and a host emulation of the thread grid that calls
///        them for every thread of every block, in the order a GPU guarantees.
///
/// The emulation runs on any CPU, so the index math of the two kernels can be checked on a
/// laptop (tests/ch06/test_ch06_exercises.cpp). On the GPU machine tests/ch06/test_cuda_kernels.cpp
/// also checks that the emulation computes what the device kernels cuda/02_coalesced.cu and
/// cuda/03_smem.cu compute. The names mirror CUDA's: block_x = blockIdx.x, thread_y = threadIdx.y.
/// Both kernels use 32×32 blocks (kBlock); matrices are row-major, A is M×K, B is K×N, C is M×N.
#pragma once

namespace dnn::cuda::emu {

/// blockDim.x = blockDim.y = 32 in steps 2 and 3; step 3's tiles are kBlock×kBlock too.
constexpr int kBlock = 32;

/// Step 2, one thread (block_x, block_y, thread_x, thread_y): the element C(i, j) with column
/// j = block_x·32 + thread_x (threadIdx.x picks the column: a warp reads 32 consecutive floats of
/// a row of B) and row i = block_y·32 + thread_y; C(i, j) = Σ_k A(i,k)·B(k,j), overwritten. A
/// thread whose (i, j) lies outside C (the edge blocks) writes nothing.
void coalesced_thread(int block_x, int block_y, int thread_x, int thread_y, int M, int N, int K, const float* A,
                      const float* B, float* C);

/// Step 3, phase 1 of one step k0 of the walk along K, one thread: copies one element of the
/// A tile and one of the B tile into the block's shared tiles As, Bs (kBlock×kBlock, row-major:
/// As[r·kBlock + c]): As(thread_y, thread_x) = A(block_y·32 + thread_y, k0 + thread_x) and
/// Bs(thread_y, thread_x) = B(k0 + thread_y, block_x·32 + thread_x), 0 outside the matrices.
void smem_load_tile(int block_x, int block_y, int thread_x, int thread_y, int k0, int M, int N, int K,
                    const float* A, const float* B, float* As, float* Bs);

/// Step 3, phase 2 (after every thread of the block has loaded: __syncthreads), one thread:
/// returns sum + Σ_{k<kBlock} As(thread_y, k)·Bs(k, thread_x), the tile's contribution to the
/// thread's C element.
float smem_accumulate_tile(int thread_x, int thread_y, const float* As, const float* Bs, float sum);

/// C = A·B by step 2's kernel emulated on the CPU: coalesced_thread for every thread of the
/// ceil(N/32) × ceil(M/32) grid of 32×32 blocks (the order does not matter: threads are independent).
void emulate_coalesced(int M, int N, int K, const float* A, const float* B, float* C);

/// C = A·B by step 3's kernel emulated on the CPU, block by block: for each k0 = 0, 32, …,
/// every thread of the block runs smem_load_tile, then (the __syncthreads barrier) every thread
/// runs smem_accumulate_tile; finally each thread inside C stores its sum.
void emulate_smem(int M, int N, int K, const float* A, const float* B, float* C);

}  // namespace dnn::cuda::emu
