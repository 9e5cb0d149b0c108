// Synthetic handwritten-like digits: the fallback dataset when neither MNIST nor Fashion-MNIST
// is on the machine, so every program still runs offline.
//
// Each digit 0–9 is a few pen strokes (polylines) in a unit box. For every example we pick a
// random slant, rotation, scale, shift, pen thickness and ink darkness, wobble the strokes a
// little, draw them anti-aliased into a 20×20 box centred in 28×28 (like MNIST), and sprinkle
// a few noise pixels. Example i of a split depends only on (seed, split, i).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "dnn/data.hpp"
#include "dnn/rng.hpp"

namespace dnn {

namespace {

struct Pt {
  float x, y;
};
using Stroke = std::vector<Pt>;

constexpr float kPi = 3.14159265358979f;

/// Points on an ellipse arc, angles in degrees; y grows downwards, so 270° is the top.
Stroke arc(float cx, float cy, float rx, float ry, float a0, float a1, int steps) {
  Stroke s;
  for (int k = 0; k <= steps; ++k) {
    const float a = (a0 + (a1 - a0) * static_cast<float>(k) / static_cast<float>(steps)) * kPi / 180.0f;
    s.push_back({cx + rx * std::cos(a), cy + ry * std::sin(a)});
  }
  return s;
}

Stroke join(Stroke a, const Stroke& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The pen strokes of each digit in the unit box (x right, y down).
const std::vector<std::vector<Stroke>>& digit_templates() {
  static const std::vector<std::vector<Stroke>> t = {
      /*0*/ {arc(0.5f, 0.5f, 0.28f, 0.42f, 0, 360, 16)},
      /*1*/ {{{0.36f, 0.24f}, {0.55f, 0.08f}, {0.55f, 0.92f}}},
      /*2*/ {join(arc(0.5f, 0.32f, 0.26f, 0.22f, 190, 390, 8), Stroke{{0.22f, 0.9f}, {0.8f, 0.9f}})},
      /*3*/ {arc(0.48f, 0.3f, 0.22f, 0.2f, 200, 450, 8), arc(0.48f, 0.7f, 0.26f, 0.21f, 270, 520, 8)},
      /*4*/ {{{0.62f, 0.92f}, {0.62f, 0.08f}, {0.18f, 0.64f}, {0.84f, 0.64f}}},
      /*5*/ {join(Stroke{{0.76f, 0.1f}, {0.34f, 0.1f}, {0.31f, 0.46f}}, arc(0.48f, 0.66f, 0.26f, 0.24f, 235, 500, 8))},
      /*6*/ {join(Stroke{{0.7f, 0.1f}, {0.5f, 0.2f}, {0.36f, 0.38f}, {0.28f, 0.62f}},
                  arc(0.5f, 0.68f, 0.22f, 0.22f, 180, 540, 12))},
      /*7*/ {{{0.2f, 0.12f}, {0.8f, 0.12f}, {0.42f, 0.92f}}},
      /*8*/ {arc(0.5f, 0.29f, 0.19f, 0.19f, 0, 360, 12), arc(0.5f, 0.7f, 0.23f, 0.21f, 0, 360, 12)},
      /*9*/ {arc(0.5f, 0.32f, 0.21f, 0.21f, 0, 360, 12), {{0.71f, 0.32f}, {0.64f, 0.92f}}},
  };
  return t;
}

/// Draws the segment p–q with half-width `r` (pixels) into the 28×28 image, anti-aliased,
/// keeping the darker (larger) value where strokes overlap.
void draw_segment(float* img, Pt p, Pt q, float r, float ink) {
  const int x0 = std::max(0, static_cast<int>(std::floor(std::min(p.x, q.x) - r - 1)));
  const int x1 = std::min(27, static_cast<int>(std::ceil(std::max(p.x, q.x) + r + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::min(p.y, q.y) - r - 1)));
  const int y1 = std::min(27, static_cast<int>(std::ceil(std::max(p.y, q.y) + r + 1)));
  const float dx = q.x - p.x, dy = q.y - p.y;
  const float len2 = dx * dx + dy * dy;
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      const float px = static_cast<float>(x) + 0.5f, py = static_cast<float>(y) + 0.5f;
      float t = len2 > 0 ? ((px - p.x) * dx + (py - p.y) * dy) / len2 : 0.0f;
      t = std::clamp(t, 0.0f, 1.0f);
      const float ex = p.x + t * dx - px, ey = p.y + t * dy - py;
      const float d = std::sqrt(ex * ex + ey * ey);
      const float v = ink * std::clamp(r + 0.5f - d, 0.0f, 1.0f);
      float& out = img[y * 28 + x];
      out = std::max(out, v);
    }
}

/// A 64-bit seed for example i of a split (splitmix64-style mixing).
std::uint64_t example_seed(std::uint64_t seed, int split, int i) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(split) * 0xd1b54a32d192ed03ULL +
                    static_cast<std::uint64_t>(i);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void make_synthetic_digits(int n, std::uint64_t seed, int split, Matrix& x, std::vector<int>& y) {
  if (n < 0) throw std::invalid_argument("make_synthetic_digits: n must be >= 0");
  const auto& templates = digit_templates();
  x.resize(n, 28 * 28);
  x.fill(0.0f);
  y.assign(static_cast<std::size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    Rng rng(example_seed(seed, split, i));
    const int label = static_cast<int>(rng.below(10));
    y[static_cast<std::size_t>(i)] = label;
    // Random affine map from the unit box to pixels: slant (shear), rotation, scale, shift.
    const float shear = rng.uniform(-0.3f, 0.3f);
    const float angle = rng.uniform(-0.2f, 0.2f);
    const float sx = rng.uniform(0.75f, 1.05f), sy = rng.uniform(0.85f, 1.05f);
    const float tx = rng.uniform(-1.5f, 1.5f), ty = rng.uniform(-1.5f, 1.5f);
    const float r = rng.uniform(0.7f, 1.7f);    // pen half-width in pixels
    const float ink = rng.uniform(0.8f, 1.0f);  // darkest value
    const float ca = std::cos(angle), sa = std::sin(angle);
    auto to_pixels = [&](Pt u) {
      const float cx = (u.x - 0.5f) * sx - shear * (u.y - 0.5f), cy = (u.y - 0.5f) * sy;
      return Pt{14.0f + 20.0f * (ca * cx - sa * cy) + tx, 14.0f + 20.0f * (sa * cx + ca * cy) + ty};
    };
    float* img = x.row(i);
    for (const Stroke& s : templates[static_cast<std::size_t>(label)]) {
      const float ox = rng.uniform(-0.03f, 0.03f), oy = rng.uniform(-0.03f, 0.03f);  // whole-stroke wobble
      Pt prev{};
      for (std::size_t k = 0; k < s.size(); ++k) {
        const Pt u{s[k].x + ox + rng.uniform(-0.015f, 0.015f), s[k].y + oy + rng.uniform(-0.015f, 0.015f)};
        const Pt p = to_pixels(u);
        if (k > 0) draw_segment(img, prev, p, r, ink);
        prev = p;
      }
    }
    // A few stray noise pixels (scanner dust).
    const int specks = static_cast<int>(rng.below(8));
    for (int k = 0; k < specks; ++k) {
      const int pos = static_cast<int>(rng.below(28 * 28));
      img[pos] = std::max(img[pos], rng.uniform(0.05f, 0.4f));
    }
  }
}

}  // namespace dnn
