// Mode `comm` — what communication costs here, and what it would cost at 8, 64 and 1024 machines.
//
// 1. Measures one allreduce (--allreduce mpi or ring) of 1 … 4 194 304 floats (4 B … 16 MB) on
//    the P ranks of this run and fits the α-β model of a ring allreduce of n bytes:
//        t(n) = 2(P−1)·α + 2(P−1)/P·n·β        (α: latency per message, β: seconds per byte)
// 2. Measures the compute of one training step at global batch B on one rank (chapter 05's Eigen
//    gradient), so a data-parallel step on P ranks costs about
//        t_step(P) = t_compute(B)/P + t_allreduce(169 KB, P).
// 3. Predicts t_step and the speedup t_step(1)/t_step(P) for P = 1 … 1024 on two named networks
//    (NVLink-class, 100 Gb/s Ethernet), for this model (42 310 parameters, 169 KB) and for a 100×
//    larger MLP (compute and gradient both 100×): where communication overtakes computation.
// Writes comm.csv, costmodel.csv, comm.png, costmodel.png; the fitted α, β in summary.json.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "dnn/timer.hpp"
#include "parallel.hpp"

namespace ch08 {
namespace {

struct Network {
  std::string name;
  double alpha, beta;  // s per message, s per byte
};

double ring_seconds(double bytes, int P, double alpha, double beta) {
  if (P <= 1) return 0;
  return 2.0 * (P - 1) * alpha + 2.0 * (P - 1) / P * bytes * beta;
}

}  // namespace

int run_comm(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, const dnn::Mlp& net,
             dnn::OutputFileFlag& json) {
  const int P = world.size();
  if (P < 2) throw dnn::InputError("--mode comm: measures messages between ranks; start it with mpirun -np 2 (or more)");
  // 1. allreduce times
  std::vector<double> bytes, seconds;
  std::vector<float> buf;
  for (long n = 1; n <= 4194304; n *= 4) {
    buf.assign(static_cast<std::size_t>(n), 1.0f);
    const int reps = static_cast<int>(std::clamp(20000000L / (n * 4), 10L, 2000L));
    double best = 1e30;
    for (int trial = 0; trial < 3; ++trial) {  // the best of 3 trials of `reps` allreduces
      MPI_Barrier(world.comm());
      const double t0 = MPI_Wtime();
      for (int r = 0; r < reps; ++r) allreduce_sum(buf.data(), static_cast<int>(n), o.allreduce, world.comm());
      double t = (MPI_Wtime() - t0) / reps;
      MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, world.comm());  // the slowest rank
      best = std::min(best, t);
    }
    bytes.push_back(4.0 * static_cast<double>(n));
    seconds.push_back(best);
    if (world.root()) std::printf("allreduce %10.0f bytes: %10.2f us\n", bytes.back(), best * 1e6);
  }
  // least squares t = a·x1 + b·x2, x1 = 2(P−1), x2 = 2(P−1)/P·bytes (relative errors: weight 1/t²)
  double s11 = 0, s12 = 0, s22 = 0, r1 = 0, r2 = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const double w = 1.0 / (seconds[i] * seconds[i]);
    const double x1 = 2.0 * (P - 1), x2 = 2.0 * (P - 1) / P * bytes[i];
    s11 += w * x1 * x1, s12 += w * x1 * x2, s22 += w * x2 * x2, r1 += w * x1 * seconds[i], r2 += w * x2 * seconds[i];
  }
  const double det = s11 * s22 - s12 * s12;
  const double alpha = std::max(0.0, (r1 * s22 - r2 * s12) / det), beta = std::max(0.0, (s11 * r2 - s12 * r1) / det);
  // 2. compute of one step at global batch B (one rank, chapter 05's Eigen path)
  ShardGradient grad(ds.train_x, ds.train_y, net);
  std::vector<int> rows(static_cast<std::size_t>(std::min(o.batch, ds.train_size())));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int>(i);
  std::vector<float> flat;
  grad.compute(net, rows.data(), static_cast<int>(rows.size()), o.batch, flat);  // warm-up
  const int steps = std::max(5, 20000 / o.batch);
  const dnn::Timer tc;
  for (int s = 0; s < steps; ++s) grad.compute(net, rows.data(), static_cast<int>(rows.size()), o.batch, flat);
  const double compute = tc.seconds() / steps;
  const double grad_bytes = 4.0 * parameter_floats(net);
  if (!world.root()) return dnn::kExitOk;
  std::printf("fit: alpha = %.2f us per message, beta = %.3f ns per byte (%.2f GB/s)\n", alpha * 1e6, beta * 1e9,
              beta > 0 ? 1e-9 / beta : 0.0);
  std::printf("compute of one step at batch %d: %.1f us; predicted sync step on P = %d: %.1f us "
              "(compute %.1f + allreduce %.1f)\n",
              o.batch, compute * 1e6, P, (compute / P + ring_seconds(grad_bytes, P, alpha, beta)) * 1e6,
              compute / P * 1e6, ring_seconds(grad_bytes, P, alpha, beta) * 1e6);
  dnn::CsvTable comm({"bytes", "measured_seconds", "model_seconds"});
  for (std::size_t i = 0; i < bytes.size(); ++i)
    comm.add_row(std::vector<double>{bytes[i], seconds[i], ring_seconds(bytes[i], P, alpha, beta)});
  comm.save(dnn::join_path(o.common.out_dir, "comm.csv"));
  // 3. the cost model beyond this machine
  const std::vector<Network> nets = {{"this machine (fitted)", alpha, beta},
                                     {"NVLink-class 25 GB/s, 5 us", 5e-6, 1.0 / 25e9},
                                     {"100 Gb/s Ethernet, 25 us", 25e-6, 1.0 / 12.5e9}};
  dnn::CsvTable model({"network", "model", "P", "compute_seconds", "allreduce_seconds", "step_seconds", "speedup"});
  std::vector<dnn::Series> curves;
  nlohmann::json crossover = nlohmann::json::array();
  for (const Network& nw : nets)
    for (int scale : {1, 100}) {
      dnn::Series s;
      s.label = nw.name + (scale == 1 ? ", this MLP (169 KB)" : ", 100x MLP (16.9 MB)");
      s.style = "linespoints";
      int first_comm_bound = 0;
      for (int p = 1; p <= 1024; p *= 2) {
        const double c = scale * compute / p, a = ring_seconds(scale * grad_bytes, p, nw.alpha, nw.beta);
        const double speedup = scale * compute / (c + a);
        model.add_row(std::vector<std::string>{nw.name, scale == 1 ? "this MLP" : "100x MLP", std::to_string(p),
                                               dnn::format_number(c), dnn::format_number(a),
                                               dnn::format_number(c + a), dnn::format_number(speedup)});
        s.x.push_back(p);
        s.y.push_back(speedup);
        if (first_comm_bound == 0 && a > c) first_comm_bound = p;
      }
      crossover.push_back({{"network", nw.name}, {"model_scale", scale}, {"first_P_where_allreduce_exceeds_compute",
                                                                          first_comm_bound}});
      curves.push_back(s);
    }
  model.save(dnn::join_path(o.common.out_dir, "costmodel.csv"));
  std::printf("wrote %s and %s\n", dnn::join_path(o.common.out_dir, "comm.csv").c_str(),
              dnn::join_path(o.common.out_dir, "costmodel.csv").c_str());
  dnn::Series measured{"measured, P = " + std::to_string(P), bytes, seconds, "points"};
  dnn::Series fitted{"alpha-beta fit", bytes, {}, "lines"};
  for (double b : bytes) fitted.y.push_back(ring_seconds(b, P, alpha, beta));
  const std::string png1 = dnn::join_path(o.common.out_dir, "comm.png");
  if (dnn::plot_lines(png1, {"One allreduce (" + o.allreduce + ") on this machine, P = " + std::to_string(P),
                             "message size (bytes, log)", "seconds (log)", true, true},
                      {measured, fitted}))
    std::printf("wrote %s\n", png1.c_str());
  const std::string png2 = dnn::join_path(o.common.out_dir, "costmodel.png");
  if (dnn::plot_lines(png2, {"Predicted speedup of sync SGD at global batch " + std::to_string(o.batch) +
                                 " (strong scaling): compute/P + ring allreduce",
                             "ranks P (log)", "speedup over one rank (log)", true, true, 1000, 640},
                      curves))
    std::printf("wrote %s\n", png2.c_str());
  const nlohmann::json doc{{"program", "08_parallel --mode comm"}, {"ranks", P}, {"allreduce", o.allreduce},
                           {"machine", dnn::machine_info()}, {"alpha_seconds", alpha}, {"beta_seconds_per_byte", beta},
                           {"global_batch", o.batch}, {"compute_seconds_per_step", compute},
                           {"gradient_bytes", grad_bytes},
                           {"predicted_step_seconds", compute / P + ring_seconds(grad_bytes, P, alpha, beta)},
                           {"crossover", crossover}, {"bytes", bytes}, {"seconds", seconds}};
  dnn::save_json(dnn::join_path(o.common.out_dir, "summary.json"), doc);
  if (json.given()) {
    json.before_write();
    dnn::save_json(json.path(), doc);
  }
  return dnn::kExitOk;
}

}  // namespace ch08
