// The operation table of the Eigen backend (the naive one is inline in ops.hpp).
#include "dnn/ops.hpp"

namespace dnn {

const Ops& eigen_ops() {
  static const Ops ops{"eigen",
                       &eigen::matmul,
                       &eigen::dense_forward,
                       &eigen::activation_forward,
                       &eigen::softmax_rows,
                       &eigen::softmax_cross_entropy,
                       &eigen::softmax_ce_backward,
                       &eigen::activation_backward,
                       &eigen::dense_backward,
                       &eigen::sgd_step,
                       &eigen::gather_minibatch,
                       &eigen::momentum_step,
                       &eigen::adam_step};
  return ops;
}

}  // namespace dnn
