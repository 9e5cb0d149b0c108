// Chapter 10, §8.1: where depth provably wins — Telgarsky's sawtooth ("Benefits of depth in
// neural networks", 2016).
//
// The tent map m(x) = 2·ReLU(x) − 4·ReLU(x − ½) folds [0, 1] onto itself once. Composed k times it
// is a sawtooth with 2^(k−1) teeth that passes through the 2^k + 1 points x_i = i/2^k with
// y_i = 0, 1, 0, 1, …: a ReLU network 2 units wide and k layers deep (6k − 1 parameters) fits them
// exactly. A network with one hidden layer of w ReLU units is piecewise linear with at most w + 1
// pieces, and the sawtooth has 2^k pieces: it needs w ≥ 2^k − 1 units, exponentially many.
//
// The experiment: (1) build the deep net by hand and measure its error (0); (2) train one-hidden-
// layer nets of growing width on the same points and plot error vs width — each width's best of
// (a) its kinks spread evenly over [0, 1] and the output layer solved by least squares, then Adam,
// and (b) random starts trained by Adam (full batch, mean squared error); (3) train the 2-wide, k-deep architecture itself from
// random starts: does gradient descent find the sawtooth?
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dnn/rng.hpp"
#include "faq.hpp"
#include "report.hpp"

namespace ch10 {

namespace {

// A tiny regression MLP 1 → … → 1 in doubles (ReLU hidden, linear output), enough for 2^k points.
struct Net {
  std::vector<int> sizes;
  std::vector<std::vector<double>> W, b;  // W[l]: sizes[l] × sizes[l+1], row-major
};

Net random_net(const std::vector<int>& sizes, dnn::Rng& rng) {
  Net n;
  n.sizes = sizes;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const double scale = std::sqrt(2.0 / sizes[l]);  // He initialisation (ReLU)
    std::vector<double> w(static_cast<std::size_t>(sizes[l] * sizes[l + 1])), bias(static_cast<std::size_t>(sizes[l + 1]));
    for (double& v : w) v = scale * rng.normal();
    for (double& v : bias) v = 0.1 * rng.uniform(-1.0f, 1.0f);
    n.W.push_back(w);
    n.b.push_back(bias);
  }
  return n;
}

// Forward pass of one input; acts[l] = output of layer l (acts[0] = x).
double forward(const Net& n, double x, std::vector<std::vector<double>>& acts) {
  const std::size_t L = n.W.size();
  acts.assign(L + 1, {});
  acts[0] = {x};
  for (std::size_t l = 0; l < L; ++l) {
    const int in = n.sizes[l], out = n.sizes[l + 1];
    acts[l + 1].assign(static_cast<std::size_t>(out), 0.0);
    for (int j = 0; j < out; ++j) {
      double z = n.b[l][static_cast<std::size_t>(j)];
      for (int i = 0; i < in; ++i) z += acts[l][static_cast<std::size_t>(i)] * n.W[l][static_cast<std::size_t>(i * out + j)];
      acts[l + 1][static_cast<std::size_t>(j)] = (l + 1 < L) ? std::max(z, 0.0) : z;
    }
  }
  return acts[L][0];
}

double mse(const Net& n, const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<std::vector<double>> acts;
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += std::pow(forward(n, x[i], acts) - y[i], 2);
  return s / static_cast<double>(x.size());
}

// Full-batch Adam on the mean squared error; returns the final error.
double train_adam(Net& n, const std::vector<double>& x, const std::vector<double>& y, int steps, double lr) {
  const std::size_t L = n.W.size();
  auto mW = n.W, vW = n.W, mb = n.b, vb = n.b;
  for (auto* t : {&mW, &vW, &mb, &vb})
    for (auto& v : *t) std::fill(v.begin(), v.end(), 0.0);
  std::vector<std::vector<double>> acts, gW = n.W, gb = n.b;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-12;
  for (int t = 1; t <= steps; ++t) {
    for (auto& v : gW) std::fill(v.begin(), v.end(), 0.0);
    for (auto& v : gb) std::fill(v.begin(), v.end(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {  // backpropagation, one point at a time
      const double pred = forward(n, x[i], acts);
      std::vector<double> d{2.0 * (pred - y[i]) / static_cast<double>(x.size())};  // ∂E/∂Z of the output
      for (std::size_t l = L; l-- > 0;) {
        const int in = n.sizes[l], out = n.sizes[l + 1];
        std::vector<double> below(static_cast<std::size_t>(in), 0.0);
        for (int j = 0; j < out; ++j) {
          gb[l][static_cast<std::size_t>(j)] += d[static_cast<std::size_t>(j)];
          for (int k = 0; k < in; ++k) {
            gW[l][static_cast<std::size_t>(k * out + j)] += acts[l][static_cast<std::size_t>(k)] * d[static_cast<std::size_t>(j)];
            below[static_cast<std::size_t>(k)] += n.W[l][static_cast<std::size_t>(k * out + j)] * d[static_cast<std::size_t>(j)];
          }
        }
        if (l > 0)
          for (int k = 0; k < in; ++k)
            if (!(acts[l][static_cast<std::size_t>(k)] > 0)) below[static_cast<std::size_t>(k)] = 0;  // ReLU′
        d = below;
      }
    }
    const double c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t);
    auto update = [&](std::vector<double>& p, const std::vector<double>& g, std::vector<double>& m, std::vector<double>& v) {
      for (std::size_t q = 0; q < p.size(); ++q) {
        m[q] = b1 * m[q] + (1 - b1) * g[q];
        v[q] = b2 * v[q] + (1 - b2) * g[q] * g[q];
        p[q] -= lr * (m[q] / c1) / (std::sqrt(v[q] / c2) + eps);
      }
    };
    for (std::size_t l = 0; l < L; ++l) {
      update(n.W[l], gW[l], mW[l], vW[l]);
      update(n.b[l], gb[l], mb[l], vb[l]);
    }
  }
  return mse(n, x, y);
}

// A one-hidden-layer net whose w units are ReLU(x − t_j) with kinks t_j = j/w (j = 0 … w−1), and
// whose output weights and bias are the least-squares fit to the points (normal equations).
Net least_squares_shallow(int w, const std::vector<double>& x, const std::vector<double>& y) {
  Net n;
  n.sizes = {1, w, 1};
  n.W.assign(1, std::vector<double>(static_cast<std::size_t>(w), 1.0));
  n.b.assign(1, std::vector<double>(static_cast<std::size_t>(w)));
  for (int j = 0; j < w; ++j) n.b[0][static_cast<std::size_t>(j)] = -static_cast<double>(j) / w;
  const int m = w + 1;  // unknowns: w output weights and the bias
  std::vector<double> A(static_cast<std::size_t>(m * m), 0.0), rhs(static_cast<std::size_t>(m), 0.0);
  std::vector<double> f(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (int j = 0; j < w; ++j) f[static_cast<std::size_t>(j)] = std::max(0.0, x[i] - static_cast<double>(j) / w);
    f[static_cast<std::size_t>(w)] = 1.0;
    for (int r = 0; r < m; ++r) {
      rhs[static_cast<std::size_t>(r)] += f[static_cast<std::size_t>(r)] * y[i];
      for (int c = 0; c < m; ++c) A[static_cast<std::size_t>(r * m + c)] += f[static_cast<std::size_t>(r)] * f[static_cast<std::size_t>(c)];
    }
  }
  for (int r = 0; r < m; ++r) A[static_cast<std::size_t>(r * m + r)] += 1e-12;  // a tiny ridge: units with no data
  for (int c = 0; c < m; ++c) {  // Gaussian elimination with partial pivoting
    int piv = c;
    for (int r = c + 1; r < m; ++r)
      if (std::fabs(A[static_cast<std::size_t>(r * m + c)]) > std::fabs(A[static_cast<std::size_t>(piv * m + c)])) piv = r;
    for (int k = 0; k < m; ++k) std::swap(A[static_cast<std::size_t>(c * m + k)], A[static_cast<std::size_t>(piv * m + k)]);
    std::swap(rhs[static_cast<std::size_t>(c)], rhs[static_cast<std::size_t>(piv)]);
    for (int r = c + 1; r < m; ++r) {
      const double q = A[static_cast<std::size_t>(r * m + c)] / A[static_cast<std::size_t>(c * m + c)];
      for (int k = c; k < m; ++k) A[static_cast<std::size_t>(r * m + k)] -= q * A[static_cast<std::size_t>(c * m + k)];
      rhs[static_cast<std::size_t>(r)] -= q * rhs[static_cast<std::size_t>(c)];
    }
  }
  std::vector<double> sol(static_cast<std::size_t>(m));
  for (int r = m; r-- > 0;) {
    double v = rhs[static_cast<std::size_t>(r)];
    for (int k = r + 1; k < m; ++k) v -= A[static_cast<std::size_t>(r * m + k)] * sol[static_cast<std::size_t>(k)];
    sol[static_cast<std::size_t>(r)] = v / A[static_cast<std::size_t>(r * m + r)];
  }
  n.W.push_back(std::vector<double>(sol.begin(), sol.begin() + w));
  n.b.push_back({sol[static_cast<std::size_t>(w)]});
  return n;
}

// The hand-built sawtooth: k hidden layers of 2 units, h1 = ReLU(u), h2 = ReLU(u − ½), where u is
// the previous tent m = 2·h1 − 4·h2 (u = x for the first layer); the output is the last m.
Net telgarsky_net(int k) {
  Net n;
  n.sizes.assign(1, 1);
  for (int l = 0; l < k; ++l) n.sizes.push_back(2);
  n.sizes.push_back(1);
  n.W.push_back({1, 1});
  n.b.push_back({0, -0.5});
  for (int l = 1; l < k; ++l) {
    n.W.push_back({2, 2, -4, -4});  // rows: h1, h2 of the layer below; columns: the two new units
    n.b.push_back({0, -0.5});
  }
  n.W.push_back({2, -4});
  n.b.push_back({0});
  return n;
}

}  // namespace

nlohmann::json run_sawtooth(const Options& o, const std::string& out) {
  const int k = o.sawtooth_k;
  const int points = (1 << k) + 1;
  SawtoothReport rep;
  rep.k = k;
  for (int i = 0; i < points; ++i) {
    rep.x.push_back(static_cast<double>(i) / (points - 1));
    rep.y.push_back(i % 2);
  }
  const Net deep = telgarsky_net(k);
  const double deep_error = mse(deep, rep.x, rep.y);
  std::vector<std::vector<double>> acts;
  for (int g = 0; g <= 1000; ++g) {
    rep.grid.push_back(g / 1000.0);
    rep.deep_curve.push_back(forward(deep, g / 1000.0, acts));
  }
  long deep_params = 0;
  for (std::size_t l = 0; l < deep.W.size(); ++l) deep_params += static_cast<long>(deep.W[l].size() + deep.b[l].size());
  std::printf("sawtooth: %d points; hand-built net, %d hidden layers of 2 units (%ld parameters): mean squared error "
              "%.3g\n", points, k, deep_params, deep_error);

  const int steps = o.quick ? 1500 : 6000;
  const int restarts = o.quick ? 2 : 4;
  for (int w = 1; w <= 2 * (points - 1); w *= 2) {
    Net best_net = least_squares_shallow(w, rep.x, rep.y);
    double best = mse(best_net, rep.x, rep.y);
    {
      Net tuned = best_net;
      const double e = train_adam(tuned, rep.x, rep.y, steps, 0.003);
      if (e < best) best = e, best_net = tuned;
    }
    for (int r = 0; r < restarts; ++r) {
      dnn::Rng rng(o.common.seed + 1000 * static_cast<std::uint64_t>(w) + static_cast<std::uint64_t>(r));
      Net n = random_net({1, w, 1}, rng);
      const double e = train_adam(n, rep.x, rep.y, steps, 0.01);
      if (e < best) best = e, best_net = n;
    }
    rep.widths.push_back(w);
    rep.shallow_error.push_back(best);
    rep.shallow_fit_grid.clear();
    for (double gx : rep.grid) rep.shallow_fit_grid.push_back(forward(best_net, gx, acts));
    std::printf("sawtooth: one hidden layer of %4d units (%5d parameters): best mean squared error %.4g\n", w,
                3 * w + 1, best);
    std::fflush(stdout);
  }
  for (int s = 0; s < o.seeds + 2; ++s) {  // gradient descent on the deep architecture itself
    dnn::Rng rng(o.common.seed + 77 + static_cast<std::uint64_t>(s));
    Net n = random_net(deep.sizes, rng);
    rep.gd_deep_error.push_back(train_adam(n, rep.x, rep.y, steps, 0.01));
    std::printf("sawtooth: the 2-wide, %d-deep net trained from random start %d: mean squared error %.4g\n", k, s,
                rep.gd_deep_error.back());
  }
  report_sawtooth(out, rep);
  nlohmann::json j{{"k", k},
                   {"points", points},
                   {"deep_hand_built_mse", deep_error},
                   {"deep_parameters", deep_params},
                   {"shallow_widths", rep.widths},
                   {"shallow_best_mse", rep.shallow_error},
                   {"deep_trained_mse", rep.gd_deep_error},
                   {"shallow_units_needed_theory", points - 2}};
  return j;
}

}  // namespace ch10
