/// @file device_buffer.hpp
/// @brief CUDA_CHECK and DeviceBuffer<T>: GPU memory that frees itself (RAII).
///
/// Only for code built with CUDA (`DNN_HAVE_CUDA`): includes the CUDA runtime header.
/// Every CUDA runtime call in this project is wrapped in CUDA_CHECK, which throws a
/// std::runtime_error naming the call, the file and line, and CUDA's error string.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace dnn::cuda {

/// Throws std::runtime_error("<file>:<line>: <call> failed: <CUDA's message>") unless `err`
/// is cudaSuccess. Use through CUDA_CHECK(call).
inline void check_cuda(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + call +
                             " failed: " + cudaGetErrorString(err));
}

/// An array of `size()` elements of T in GPU memory. Move-only; freed by the destructor.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) { resize(n); }
  /// A device copy of a host vector.
  explicit DeviceBuffer(const std::vector<T>& host) { upload(host); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) {
    o.ptr_ = nullptr;
    o.n_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = o.ptr_;
      n_ = o.n_;
      o.ptr_ = nullptr;
      o.n_ = 0;
    }
    return *this;
  }

  /// Makes room for `n` elements (reallocates only when the size changes; contents are then lost).
  void resize(std::size_t n) {
    if (n == n_) return;
    release();
    if (n > 0) check_cuda(cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T)), "cudaMalloc", __FILE__, __LINE__);
    n_ = n;
  }
  /// Copies `n` host elements to the device (resizing to n).
  void upload(const T* host, std::size_t n) {
    resize(n);
    if (n > 0) check_cuda(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D", __FILE__, __LINE__);
  }
  void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
  /// Copies the first `n` elements (n ≤ size()) back to the host.
  void download(T* host, std::size_t n) const {
    if (n > n_) throw std::invalid_argument("DeviceBuffer::download: asked for more elements than the buffer holds");
    if (n > 0) check_cuda(cudaMemcpy(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H", __FILE__, __LINE__);
  }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    download(host.data(), n_);
    return host;
  }
  /// Sets every byte to zero.
  void zero() {
    if (n_ > 0) check_cuda(cudaMemset(ptr_, 0, n_ * sizeof(T)), "cudaMemset", __FILE__, __LINE__);
  }

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  std::size_t size() const { return n_; }
  std::size_t bytes() const { return n_ * sizeof(T); }

 private:
  void release() noexcept {
    if (ptr_) cudaFree(ptr_);  // no throw from a destructor; a failure here means the context is gone
    ptr_ = nullptr;
    n_ = 0;
  }
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace dnn::cuda

/// Wraps a CUDA runtime call: throws std::runtime_error with the call, file, line and message.
#ifndef CUDA_CHECK
#define CUDA_CHECK(call) ::dnn::cuda::check_cuda((call), #call, __FILE__, __LINE__)
#endif
