// Chapter 09 — attribution (特征重要性技术, §7.3): which pixels of one image made the network
// give it its score F_c(x)? Each method is one file:
//
//   method          file                                  what it computes for pixel j
//   gradient        saliency.cpp (input_gradient:          |∂F_c/∂x_j|   (Simonyan et al. 2013)
//                   solutions/ch09_inside.cpp)
//   grad_x_input    saliency.cpp                           x_j · ∂F_c/∂x_j
//   smoothgrad      smoothgrad.cpp                         |mean over x + noise of ∂F_c/∂x_j|  (Smilkov et al. 2017)
//   ig_black        integrated_gradients (solutions/)      (x_j − x′_j)·∫₀¹ ∂F_c/∂x_j(x′ + α(x − x′)) dα, x′ = 0
//   ig_blur         baseline.cpp + integrated_gradients    the same with x′ = a blurred x (Sundararajan et al. 2017)
//   occlusion       occlusion_map (solutions/)             mean drop of F_c when a patch over j is blacked out
//                                                          (Zeiler & Fergus 2014)
//
// The three functions marked [exercise] are yours to write (exercises/ch09_inside.cpp).
// Maps are returned as matrices with one row per image, one column per pixel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "network.hpp"

namespace ch09 {

/// **[exercise]** grad(i, j) = ∂F_c/∂x_j at x = row i of X, c = classes[i], F_c the logit: the
/// backward pass of chapter 02 started from dZ_last = onehot(c) instead of the loss's gradient,
/// carried down to the pixels (dense_backward's dX). Throws std::invalid_argument when
/// classes.size() != X.rows or a class is outside [0, net.classes()).
void input_gradient(const NetD& net, const MatrixD& X, const std::vector<int>& classes, MatrixD& grad);

/// **[exercise]** Integrated gradients: attr(i, j) = (x_j − x′_j) · (1/m) Σ_{k=0}^{m−1} ∂F_c/∂x_j(x′ + α_k(x − x′))
/// with the midpoints α_k = (k + ½)/m, x = row i of X, x′ = row i of `baseline`, m = `steps`.
/// Completeness: Σ_j attr(i, j) → F_c(x) − F_c(x′) as m grows. Throws std::invalid_argument
/// for steps < 1 or shapes that do not match.
void integrated_gradients(const NetD& net, const MatrixD& X, const MatrixD& baseline, const std::vector<int>& classes,
                          int steps, MatrixD& attr);

/// Where the occlusion patch goes: a `patch`×`patch` square of `fill`, moved by `stride` pixels.
struct Occlusion {
  int height = 28, width = 28;
  int patch = 4, stride = 2;
  double fill = 0.0;  ///< 0 = black, MNIST's "no ink"
};

/// The top-left corners of the patches along one side: 0, stride, 2·stride, … and, if that
/// misses the last pixels, size − patch, so every pixel is covered.
std::vector<int> patch_positions(int size, int patch, int stride);

/// **[exercise]** Occlusion: for every patch position p, d_p = F_c(x) − F_c(x with the patch set to
/// `fill`); attr(i, j) = the mean of d_p over the patches that cover pixel j. Throws
/// std::invalid_argument when the image size does not match X.cols or the patch does not fit.
void occlusion_map(const NetD& net, const MatrixD& X, const std::vector<int>& classes, const Occlusion& occ,
                   MatrixD& attr);

/// |∂F_c/∂x| (gradient saliency) and x ⊙ ∂F_c/∂x (gradient × input).
MatrixD gradient_saliency(const NetD& net, const MatrixD& X, const std::vector<int>& classes);
MatrixD gradient_times_input(const NetD& net, const MatrixD& X, const std::vector<int>& classes);

/// SmoothGrad: |(1/n) Σ_s ∂F_c/∂x (x + ε_s)|, ε_s ~ N(0, σ²) per pixel, `samples` = n.
MatrixD smoothgrad(const NetD& net, const MatrixD& X, const std::vector<int>& classes, int samples, double sigma,
                   std::uint64_t seed);

/// Gaussian blur of each row (an height×width image), standard deviation `sigma` pixels: the
/// "blurred" baseline of integrated gradients (an image with the shape of x but without its detail).
MatrixD blurred(const MatrixD& X, int height, int width, double sigma);

/// The methods of the attribution grids, in the order above.
enum class Method { Gradient, GradTimesInput, SmoothGrad, IgBlack, IgBlur, Occlusion };
std::vector<Method> all_methods();
/// "gradient", "grad_x_input", "smoothgrad", "ig_black", "ig_blur", "occlusion".
std::string method_name(Method m);
/// A name for plot legends: "grad_x_input" → "grad x input" (gnuplot reads _ as a subscript).
std::string readable(std::string name);

/// The settings every method takes.
struct AttributionSettings {
  int ig_steps = 50;
  int smooth_samples = 25;
  double smooth_sigma = 0.15;   ///< SmoothGrad's σ: 15 % of the pixel range [0, 1], as in the paper
  double blur_sigma = 4.0;      ///< blurred baseline: σ in pixels
  Occlusion occlusion;
  std::uint64_t seed = 42;
};

/// The map of `m` for each row of X (rows processed one chunk at a time).
MatrixD attribute(Method m, const NetD& net, const MatrixD& X, const std::vector<int>& classes,
                  const AttributionSettings& s);

}  // namespace ch09
