// Chapter 10: affine + elastic distortions of MNIST digits (see augment.hpp).
#include "augment.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace ch10 {

AugmentConfig simard_augment() {
  AugmentConfig c;
  c.max_rotation_deg = 10.0f;
  c.max_scale = 0.10f;
  c.max_shift = 2.0f;
  c.elastic_alpha = 34.0f;
  c.elastic_sigma = 4.0f;
  return c;
}

namespace {

// Smooths a side × side field with a Gaussian of width sigma (separable, truncated at 3σ,
// zero outside the image like scipy's gaussian_filter(mode="constant")).
void gaussian_smooth(std::vector<float>& f, int side, float sigma) {
  const int r = static_cast<int>(std::ceil(3.0f * sigma));
  std::vector<float> k(static_cast<std::size_t>(2 * r + 1));
  float sum = 0.0f;
  for (int t = -r; t <= r; ++t) sum += k[static_cast<std::size_t>(t + r)] = std::exp(-0.5f * t * t / (sigma * sigma));
  for (float& v : k) v /= sum;
  std::vector<float> tmp(f.size(), 0.0f);
  for (int y = 0; y < side; ++y)  // along x
    for (int x = 0; x < side; ++x) {
      float s = 0.0f;
      for (int t = std::max(-r, -x); t <= std::min(r, side - 1 - x); ++t)
        s += k[static_cast<std::size_t>(t + r)] * f[static_cast<std::size_t>(y * side + x + t)];
      tmp[static_cast<std::size_t>(y * side + x)] = s;
    }
  for (int y = 0; y < side; ++y)  // along y
    for (int x = 0; x < side; ++x) {
      float s = 0.0f;
      for (int t = std::max(-r, -y); t <= std::min(r, side - 1 - y); ++t)
        s += k[static_cast<std::size_t>(t + r)] * tmp[static_cast<std::size_t>((y + t) * side + x)];
      f[static_cast<std::size_t>(y * side + x)] = s;
    }
}

float pixel(const float* in, int side, int x, int y) {
  return (x < 0 || y < 0 || x >= side || y >= side) ? 0.0f : in[y * side + x];
}

}  // namespace

void distort_image(const float* in, float* out, int side, const AugmentConfig& cfg, dnn::Rng& rng) {
  const std::size_t n = static_cast<std::size_t>(side) * side;
  std::vector<float> dx(n, 0.0f), dy(n, 0.0f);
  if (cfg.elastic_alpha > 0.0f) {
    for (std::size_t q = 0; q < n; ++q) {
      dx[q] = rng.uniform(-1.0f, 1.0f);
      dy[q] = rng.uniform(-1.0f, 1.0f);
    }
    gaussian_smooth(dx, side, cfg.elastic_sigma);
    gaussian_smooth(dy, side, cfg.elastic_sigma);
    for (std::size_t q = 0; q < n; ++q) {
      dx[q] *= cfg.elastic_alpha;
      dy[q] *= cfg.elastic_alpha;
    }
  }
  const float pi = 3.14159265358979f;
  const float angle = rng.uniform(-1.0f, 1.0f) * cfg.max_rotation_deg * pi / 180.0f;
  const float scale = 1.0f + rng.uniform(-1.0f, 1.0f) * cfg.max_scale;
  const float sx = rng.uniform(-1.0f, 1.0f) * cfg.max_shift, sy = rng.uniform(-1.0f, 1.0f) * cfg.max_shift;
  const float c = std::cos(angle) / scale, s = std::sin(angle) / scale, mid = 0.5f * static_cast<float>(side - 1);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const std::size_t q = static_cast<std::size_t>(y * side + x);
      // Where this output pixel comes from: the inverse affine map, then the elastic offset.
      const float u = static_cast<float>(x) - mid - sx, v = static_cast<float>(y) - mid - sy;
      const float fx = c * u + s * v + mid + dx[q], fy = -s * u + c * v + mid + dy[q];
      const int x0 = static_cast<int>(std::floor(fx)), y0 = static_cast<int>(std::floor(fy));
      const float ax = fx - static_cast<float>(x0), ay = fy - static_cast<float>(y0);
      out[q] = (1 - ay) * ((1 - ax) * pixel(in, side, x0, y0) + ax * pixel(in, side, x0 + 1, y0)) +
               ay * ((1 - ax) * pixel(in, side, x0, y0 + 1) + ax * pixel(in, side, x0 + 1, y0 + 1));
    }
}

void distort_all(const dnn::Matrix& originals, dnn::Matrix& out, const AugmentConfig& cfg, std::uint64_t seed,
                 int epoch) {
  const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(originals.cols))));
  if (side * side != originals.cols)
    throw std::invalid_argument("distort_all: images of " + std::to_string(originals.cols) + " pixels are not square");
  out.resize(originals.rows, originals.cols);
  for (int i = 0; i < originals.rows; ++i) {
    dnn::Rng rng(seed ^ (0xD1B54A32D192ED03ULL * static_cast<std::uint64_t>(epoch + 1)) ^
                 (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i + 1)));
    distort_image(originals.row(i), out.row(i), side, cfg, rng);
  }
}

}  // namespace ch10
