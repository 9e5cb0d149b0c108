// Chapter 10, §8.2: data augmentation (数据增强, not in the book) as "more data" — every epoch
// sees a new random distortion of each training image, so 60 000 images act like many more.
//
// Two distortions, combined into one displacement field and one bilinear resampling:
//  * affine: a random rotation, scale and shift of the whole digit (a small pen/camera change);
//  * elastic (Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
//    networks"): a random displacement per pixel, uniform in [−1, 1], smoothed by a Gaussian of
//    width σ (≈ 4 pixels) and scaled by α (≈ 34): the stroke wobbles like a hand's.
// Distorted image: out(x, y) = in(x + dx(x, y), y + dy(x, y)), bilinear, 0 outside the image.
#pragma once

#include <cstdint>

#include "dnn/matrix.hpp"
#include "dnn/rng.hpp"

namespace ch10 {

struct AugmentConfig {
  float max_rotation_deg = 0.0f;  ///< rotation uniform in ±this
  float max_scale = 0.0f;         ///< scale uniform in 1 ± this
  float max_shift = 0.0f;         ///< shift in pixels, uniform in ±this, each axis
  float elastic_alpha = 0.0f;     ///< α; 0 = no elastic distortion
  float elastic_sigma = 4.0f;     ///< σ of the Gaussian smoothing, pixels
  bool any() const { return max_rotation_deg > 0 || max_scale > 0 || max_shift > 0 || elastic_alpha > 0; }
};

/// Simard et al.'s settings plus a mild affine part (±10°, ±10 %, ±2 px).
AugmentConfig simard_augment();

/// Writes a distorted copy of the `side × side` image `in` into `out` (both side² floats).
void distort_image(const float* in, float* out, int side, const AugmentConfig& cfg, dnn::Rng& rng);

/// out = a distorted copy of every row of `originals` (square images), the distortion of row i in
/// epoch `epoch` depending only on (seed, epoch, i): a resumed run sees the same images.
void distort_all(const dnn::Matrix& originals, dnn::Matrix& out, const AugmentConfig& cfg, std::uint64_t seed,
                 int epoch);

}  // namespace ch10
