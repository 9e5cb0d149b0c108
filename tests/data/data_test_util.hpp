// Helpers of the data tests: temporary folders, writing (gzipped) files, tiny IDX datasets,
// environment guards and "which InputError was thrown".
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnn/error.hpp"
#include "dnn/idx.hpp"
#include "test_util.hpp"

namespace datatest {

using Bytes = std::vector<unsigned char>;

/// A fresh folder under $TMPDIR (or /tmp), removed with its files at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/dnn-data-test-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    const int rc = std::system(("rm -rf '" + path_ + "'").c_str());
    (void)rc;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// Creates the sub-folder `name` and returns its path.
  std::string sub(const std::string& name) const {
    const std::string p = file(name);
    if (std::system(("mkdir -p '" + p + "'").c_str()) != 0) throw std::runtime_error("mkdir " + p);
    return p;
  }

 private:
  std::string path_;
};

inline void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// gzip-compresses `b` in memory (a single gzip member, like the official files).
inline Bytes gzip(const Bytes& b) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  Bytes out(deflateBound(&zs, static_cast<uLong>(b.size())) + 64);
  zs.next_in = const_cast<unsigned char*>(b.data());
  zs.avail_in = static_cast<uInt>(b.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

/// n images of h×w whose pixel k (counting over the whole file) is (image·7 + k) % 256.
inline Bytes image_file(std::uint32_t n, std::uint32_t h = 28, std::uint32_t w = 28) {
  Bytes data(static_cast<std::size_t>(n) * h * w);
  for (std::size_t k = 0; k < data.size(); ++k) data[k] = static_cast<unsigned char>((k / (h * w) * 7 + k) % 256);
  return dnn::encode_idx({n, h, w}, data);
}
/// n labels: i % 10.
inline Bytes label_file(std::uint32_t n) {
  Bytes data(n);
  for (std::uint32_t i = 0; i < n; ++i) data[i] = static_cast<unsigned char>(i % 10);
  return dnn::encode_idx({n}, data);
}

/// Writes a complete MNIST-format folder with n_train / n_test examples (gzipped or raw).
inline void write_dataset(const std::string& dir, std::uint32_t n_train, std::uint32_t n_test, bool gz = true) {
  auto put = [&](const std::string& name, const Bytes& b) {
    if (gz)
      write_bytes(dir + "/" + name + ".gz", gzip(b));
    else
      write_bytes(dir + "/" + name, b);
  };
  put("train-images-idx3-ubyte", image_file(n_train));
  put("train-labels-idx1-ubyte", label_file(n_train));
  put("t10k-images-idx3-ubyte", image_file(n_test));
  put("t10k-labels-idx1-ubyte", label_file(n_test));
}

/// Sets (or unsets, when value is nullptr) an environment variable for one scope.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~EnvGuard() {
    if (had_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

using dnn_test::contains;        // tests/support/test_util.hpp
using dnn_test::input_error_of;

}  // namespace datatest
