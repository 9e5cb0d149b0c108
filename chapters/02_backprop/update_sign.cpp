// Chapter 02, part 2: the sign of the update. One step W ← W − η·∂E/∂W lowers the loss of the
// 784-50-50-10 network on a real minibatch; the textbook's W ← W + ΔW raises it.
#include <algorithm>
#include <cstdio>

#include "backprop.hpp"
#include "dnn/mlp.hpp"

namespace ch02 {

dnn::CsvTable update_sign_demo(const dnn::Ops& ops, const dnn::Dataset& ds, std::uint64_t seed) {
  const dnn::Mlp net = dnn::make_textbook_mlp(ds.input_size(), ds.classes, seed);
  const int mb = std::min(32, ds.train_size());
  dnn::Matrix X(mb, ds.input_size());
  std::vector<int> y(ds.train_y.begin(), ds.train_y.begin() + mb);
  std::copy(ds.train_x.row(0), ds.train_x.row(0) + static_cast<std::size_t>(mb) * ds.input_size(), X.data.begin());
  dnn::MlpWorkspace ws;
  dnn::MlpGrads grads;
  const float loss0 = dnn::mlp_loss_and_grads(ops, net, X, y, ws, grads);
  double grad_sq = 0;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    for (float g : grads.dW[l].data) grad_sq += double(g) * g;
    for (float g : grads.db[l].data) grad_sq += double(g) * g;
  }
  // Applies W ← W + sign·η·∂E/∂W (and the same for b) to a copy of the network.
  const auto loss_after = [&](double sign, double lr) {
    dnn::Mlp moved = net;
    for (std::size_t l = 0; l < moved.layers.size(); ++l) {
      auto& L = moved.layers[l];
      for (std::size_t k = 0; k < L.W.size(); ++k) L.W.data[k] += static_cast<float>(sign * lr) * grads.dW[l].data[k];
      for (std::size_t k = 0; k < L.b.size(); ++k) L.b.data[k] += static_cast<float>(sign * lr) * grads.db[l].data[k];
    }
    dnn::MlpWorkspace w2;
    return dnn::mlp_evaluate(ops, moved, X, y, w2).loss;
  };
  std::printf("one update step of the %s network on %d training digits (%s backend), loss before: %.6f\n",
              "784-50-50-10", mb, ops.name, loss0);
  std::printf("  %-6s %-22s %-24s %-22s\n", "eta", "W - eta*dE/dW (descent)", "W + eta*dE/dW (textbook)",
              "first-order change eta*|g|^2");
  dnn::CsvTable sign_csv({"eta", "loss_before", "loss_descent", "loss_textbook_sign", "predicted_change"});
  for (double lr : {0.01, 0.1, 0.5}) {
    const double down = loss_after(-1.0, lr), up = loss_after(+1.0, lr);
    std::printf("  %-6g %.6f (%+.2e)     %.6f (%+.2e)       %.2e\n", lr, down, down - loss0, up, up - loss0,
                lr * grad_sq);
    sign_csv.add_row(std::vector<double>{lr, loss0, down, up, lr * grad_sq});
  }
  std::printf("  (for small eta the descent step lowers the loss by about eta*|g|^2 and the textbook's sign raises it by\n"
              "   about as much; at large eta the straight-line estimate no longer holds)\n\n");
  return sign_csv;
}

}  // namespace ch02
