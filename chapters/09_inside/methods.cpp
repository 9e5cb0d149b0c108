// Chapter 09 — the list of attribution methods and one entry point for all of them.
#include <algorithm>
#include <stdexcept>

#include "attribution.hpp"

namespace ch09 {

std::vector<int> patch_positions(int size, int patch, int stride) {
  std::vector<int> p;
  for (int y = 0; y + patch <= size; y += stride) p.push_back(y);
  if (!p.empty() && p.back() + patch < size) p.push_back(size - patch);
  return p;
}

std::vector<Method> all_methods() {
  return {Method::Gradient, Method::GradTimesInput, Method::SmoothGrad, Method::IgBlack, Method::IgBlur,
          Method::Occlusion};
}

std::string method_name(Method m) {
  switch (m) {
    case Method::Gradient: return "gradient";
    case Method::GradTimesInput: return "grad_x_input";
    case Method::SmoothGrad: return "smoothgrad";
    case Method::IgBlack: return "ig_black";
    case Method::IgBlur: return "ig_blur";
    case Method::Occlusion: return "occlusion";
  }
  return "?";
}

std::string readable(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

MatrixD attribute(Method m, const NetD& net, const MatrixD& X, const std::vector<int>& classes,
                  const AttributionSettings& s) {
  MatrixD out;
  switch (m) {
    case Method::Gradient: return gradient_saliency(net, X, classes);
    case Method::GradTimesInput: return gradient_times_input(net, X, classes);
    case Method::SmoothGrad: return smoothgrad(net, X, classes, s.smooth_samples, s.smooth_sigma, s.seed);
    case Method::IgBlack: integrated_gradients(net, X, MatrixD(X.rows, X.cols, 0.0), classes, s.ig_steps, out); return out;
    case Method::IgBlur:
      integrated_gradients(net, X, blurred(X, s.occlusion.height, s.occlusion.width, s.blur_sigma), classes,
                           s.ig_steps, out);
      return out;
    case Method::Occlusion: occlusion_map(net, X, classes, s.occlusion, out); return out;
  }
  throw std::invalid_argument("attribute: unknown method");
}

}  // namespace ch09
