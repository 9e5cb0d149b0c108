// Chapter 04, part 1: loss surfaces you can draw. On an ill-conditioned bowl and on Rosenbrock's
// banana valley, a 2-D point (a 1×2 Matrix) is moved by the very same sgd_step / momentum_step /
// rmsprop_step / adam_step that train the networks.
#include <cmath>

#include "adam.hpp"
#include "dnn/eigen_ops.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"

namespace ch04 {

std::vector<Surface> surfaces() {
  Surface bowl;
  bowl.name = "bowl";
  bowl.formula = "f(x,y) = (x^2 + 25 y^2)/2";
  bowl.f = [](double x, double y) { return 0.5 * (x * x + 25 * y * y); };
  bowl.grad = [](double x, double y, double& gx, double& gy) {
    gx = x;
    gy = 25 * y;
  };
  bowl.x0 = -9;
  bowl.y0 = 2.5;
  bowl.xmin = -10, bowl.xmax = 10, bowl.ymin = -3.5, bowl.ymax = 3.5;
  bowl.steps = 100;
  bowl.levels = {0.1, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 150};
  // SGD: stable only for lr < 2/25 = 0.08 (the steep direction); 0.075 zig-zags in y and
  // crawls in x (factor 1 − 0.075 = 0.925 per step).
  bowl.lr_sgd = 0.075;
  bowl.lr_momentum = 0.02;
  bowl.lr_rmsprop = 0.3;
  bowl.lr_adam = 0.3;

  Surface rosen;
  rosen.name = "rosenbrock";
  rosen.formula = "f(x,y) = (1-x)^2 + 100 (y - x^2)^2";
  rosen.f = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
  rosen.grad = [](double x, double y, double& gx, double& gy) {
    gx = -2 * (1 - x) - 400 * x * (y - x * x);
    gy = 200 * (y - x * x);
  };
  rosen.x0 = -1.5;
  rosen.y0 = 2.0;
  rosen.xmin = -2, rosen.xmax = 2, rosen.ymin = -1, rosen.ymax = 3;
  rosen.steps = 2000;
  rosen.levels = {0.3, 1, 3, 10, 30, 100, 300, 1000};
  rosen.lr_sgd = 0.001;  // 0.002 jumps wildly across the valley first, 0.0025 diverges
  rosen.lr_momentum = 0.001;
  rosen.lr_rmsprop = 0.005;
  rosen.lr_adam = 0.05;
  return {bowl, rosen};
}

const char* opt_name(Opt o) {
  switch (o) {
    case Opt::SGD: return "SGD";
    case Opt::Momentum: return "Momentum";
    case Opt::RMSProp: return "RMSProp";
    case Opt::Adam: return "Adam";
  }
  return "?";
}

Path descend(const dnn::Ops& ops, dnn::Backend backend, const Surface& s, Opt o, double lr, float mu,
             const dnn::naive::AdamConfig& adam_cfg) {
  Path p;
  p.optimizer = opt_name(o);
  p.lr = lr;
  dnn::Matrix W(1, 2), G(1, 2), V(1, 2, 0.0f), m(1, 2, 0.0f), v(1, 2, 0.0f);
  W(0, 0) = static_cast<float>(s.x0);
  W(0, 1) = static_cast<float>(s.y0);
  dnn::naive::AdamConfig cfg = adam_cfg;
  cfg.lr = lr;
  auto record = [&](int t) {
    const double fx = s.f(W(0, 0), W(0, 1));
    p.x.push_back(W(0, 0));
    p.y.push_back(W(0, 1));
    p.f.push_back(fx);
    if (p.steps_to_tol < 0 && fx < 1e-3) p.steps_to_tol = t;
    if (!std::isfinite(fx))
      throw dnn::DivergenceError(std::string(opt_name(o)) + " on the " + s.name + " surface: f became " +
                                 dnn::format_number(fx) + " at step " + std::to_string(t) + " (learning rate " +
                                 dnn::format_number(lr, 4) + "). Try a lower learning rate.");
  };
  record(0);
  for (int t = 1; t <= s.steps; ++t) {
    double gx, gy;
    s.grad(W(0, 0), W(0, 1), gx, gy);
    G(0, 0) = static_cast<float>(gx);
    G(0, 1) = static_cast<float>(gy);
    switch (o) {
      case Opt::SGD: ops.sgd_step(W, G, static_cast<float>(lr)); break;
      case Opt::Momentum: ops.momentum_step(W, G, V, static_cast<float>(lr), mu); break;
      case Opt::RMSProp:
        if (backend == dnn::Backend::Naive)
          dnn::naive::rmsprop_step(W, G, v, static_cast<float>(lr), 0.9f, static_cast<float>(cfg.eps));
        else
          dnn::eigen::rmsprop_step(W, G, v, static_cast<float>(lr), 0.9f, static_cast<float>(cfg.eps));
        break;
      case Opt::Adam: ops.adam_step(W, G, m, v, t, cfg); break;
    }
    record(t);
  }
  return p;
}

}  // namespace ch04
