// A training step must not allocate once its buffers exist (chapter 05's speed depends on it):
// every call to malloc is counted (the test is linked with -Wl,--wrap=malloc) while
// mlp_loss_and_grads + sgd_step run on warm workspaces, for both backends.
#include <cstddef>

#include "catch.hpp"
#include "dnn/options.hpp"
#include "dnn/mlp.hpp"
#include "test_helpers.hpp"

extern "C" void* __real_malloc(std::size_t n);
namespace {
long g_mallocs = 0;
bool g_counting = false;
}  // namespace
extern "C" void* __wrap_malloc(std::size_t n) {
  if (g_counting) ++g_mallocs;
  return __real_malloc(n);
}

using namespace dnn;

TEST_CASE("a training step of the 784-50-50-10 network allocates nothing in steady state", "[ch02][mlp]") {
  apply_threads(1);  // one thread: Eigen's multi-threaded GEMM shares heap buffers between threads
  Rng rng(40);
  Mlp net = make_mlp({784, 50, 50, 10}, Activation::ReLU, rng);
  for (int B : {32, 256}) {
    const Matrix X = testing::random_matrix(B, 784, rng, 0, 1);
    const auto y = testing::random_labels(B, 10, rng);
    for (const Ops* ops : {&eigen_ops(), &naive_ops()}) {
      CAPTURE(B, ops->name);
      MlpWorkspace ws;
      MlpGrads grads;
      mlp_loss_and_grads(*ops, net, X, y, ws, grads);  // first step: buffers are allocated here
      g_mallocs = 0;
      g_counting = true;
      for (int step = 0; step < 5; ++step) {
        mlp_loss_and_grads(*ops, net, X, y, ws, grads);
        for (std::size_t l = 0; l < net.layers.size(); ++l) {
          ops->sgd_step(net.layers[l].W, grads.dW[l], 0.01f);
          ops->sgd_step(net.layers[l].b, grads.db[l], 0.01f);
        }
      }
      g_counting = false;
      CHECK(g_mallocs == 0);
    }
  }
}
