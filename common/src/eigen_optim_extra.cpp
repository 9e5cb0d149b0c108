// Eigen twins of optimizer steps that are not in eigen_ops.cpp (chapter 04's rmsprop_step).
// GCC 12 reports a false "may be used uninitialized" inside Eigen's AVX-512 sqrt
// (_mm512_undefined_ps in avx512fintrin.h); the value is fully overwritten. Silence it here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cmath>

#include "dnn/eigen_ops.hpp"

namespace dnn::eigen {

void rmsprop_step(Matrix& W, const Matrix& dW, Matrix& v, float lr, float rho, float eps) {
  require_same_shape(W, dW, "rmsprop_step W vs dW");
  require_same_shape(W, v, "rmsprop_step W vs v");
  MapMatrix w = view(W);
  ConstMapMatrix g = view(dW);
  MapMatrix s = view(v);
  s.array() = rho * s.array() + (1.0f - rho) * g.array().square();
  // Eigen's vectorised .sqrt() (AVX-512: rsqrt + one Newton step, 1–2 bits less precise than
  // std::sqrt, and used or not depending on alignment). eigen::adam_step uses the exact scalar
  // std::sqrt so that training is bit-reproducible; RMSProp is only used in chapter 04's demos and
  // tests (1e-6 tolerance), so it keeps the fast path — see chapters/04_adam/README.md "Speed".
  w.array() -= lr * g.array() / (s.array().sqrt() + eps);
}

}  // namespace dnn::eigen
