// Chapter 10, §8.1 (深度 vs 浅层): does depth help at an equal number of parameters?
//
// The book: a shallow network "只能进行单层线性映射" (can only do a single linear map). Only a
// network with NO hidden layer is linear (softmax regression: 784·10 + 10 = 7 850 parameters);
// one hidden layer of ReLUs is already a universal approximator. The experiment trains, for
// each parameter budget, networks with 1, 2, 3, 4 hidden layers of equal width w chosen so the
// parameter count is as close to the budget as possible (784·w + w + (d−1)(w² + w) + 10w + 10),
// plus softmax regression, with SGD and with Adam, several seeds each. Every finished run is a
// line of --out/depth_runs.jsonl: `--resume` continues a stopped grid (run_log.hpp).
#include <cmath>
#include <cstdio>
#include <optional>

#include "dnn/log.hpp"
#include "faq.hpp"
#include "report.hpp"
#include "run_log.hpp"

namespace ch10 {

using namespace dnn;

std::vector<int> parse_depths(const std::string& text);  // run.cpp

/// Parameters of 784 → d hidden layers of w → 10.
long mlp_parameters(int inputs, int depth, int w, int classes) {
  if (depth == 0) return static_cast<long>(inputs) * classes + classes;
  return static_cast<long>(inputs) * w + w + static_cast<long>(depth - 1) * (static_cast<long>(w) * w + w) +
         static_cast<long>(w) * classes + classes;
}

/// The width w ≥ 1 whose parameter count is closest to `budget`.
int width_for_budget(int inputs, int depth, long budget, int classes) {
  int best = 1;
  for (int w = 1; w <= kMaxLayerWidth; ++w)
    if (std::labs(mlp_parameters(inputs, depth, w, classes) - budget) <
        std::labs(mlp_parameters(inputs, depth, best, classes) - budget))
      best = w;
  return best;
}

nlohmann::json run_depth(const Options& o, const Dataset& ds, const std::string& out) {
  const std::vector<int> budgets = parse_sizes(o.budgets, "--budgets", 100000000);
  const std::vector<int> depths = parse_depths(o.depths);
  RunLog log(join_path(out, "depth_runs.jsonl"), o.resume, data_fingerprint(ds), "depth");
  std::vector<DepthRow> rows;
  for (int budget : budgets)
    for (int depth : depths)
      for (const char* optimizer : {"sgd", "adam"}) {
        DepthRow row;
        row.budget = budget;
        row.hidden_layers = depth;
        row.width = depth == 0 ? 0 : width_for_budget(ds.input_size(), depth, budget, ds.classes);
        row.params = mlp_parameters(ds.input_size(), depth, row.width, ds.classes);
        row.optimizer = optimizer;
        for (int s = 0; s < o.seeds; ++s) {
          TrainSpec spec;
          spec.hidden.assign(static_cast<std::size_t>(depth), row.width);
          spec.opt.kind = row.optimizer == "sgd" ? OptimizerKind::SGD : OptimizerKind::Adam;
          spec.opt.lr = row.optimizer == "sgd" ? 0.05f : 0.001f;
          spec.epochs = o.depth_epochs;
          spec.batch = 32;
          spec.seed = o.common.seed + static_cast<std::uint64_t>(s);
          spec.verbose = false;
          const nlohmann::json run = {{"hidden_layers", depth}, {"width", row.width},     {"optimizer", row.optimizer},
                                      {"lr", spec.opt.lr},      {"seed", spec.seed},      {"epochs", spec.epochs},
                                      {"batch", spec.batch}};
          if (const std::optional<double> done = log.find(run)) {
            row.accuracies.push_back(*done);
            continue;
          }
          const TrainResult r = train_mlp(spec, ds.train_x, ds.train_y, ds.test_x, ds.test_y, ds.name);
          row.accuracies.push_back(r.test_accuracy);
          log.add(run, r.test_accuracy);
        }
        double sum = 0, sq = 0;
        for (double a : row.accuracies) sum += a;
        row.mean = sum / static_cast<double>(row.accuracies.size());
        for (double a : row.accuracies) sq += (a - row.mean) * (a - row.mean);
        row.stdev = row.accuracies.size() > 1 ? std::sqrt(sq / static_cast<double>(row.accuracies.size() - 1)) : 0.0;
        std::printf("depth: budget %7d, %d hidden layer(s) of %4d (%7ld parameters), %-4s: test accuracy %.4f +- %.4f"
                    " (%d seeds)\n",
                    budget, depth, row.width, row.params, optimizer, row.mean, row.stdev, o.seeds);
        std::fflush(stdout);
        rows.push_back(row);
      }
  report_depth(out, rows);
  nlohmann::json j = nlohmann::json::array();
  for (const DepthRow& r : rows)
    j.push_back({{"budget", r.budget},  {"hidden_layers", r.hidden_layers}, {"width", r.width},
                 {"params", r.params},  {"optimizer", r.optimizer},         {"mean", r.mean},
                 {"std", r.stdev},      {"accuracies", r.accuracies},       {"epochs", o.depth_epochs}});
  return j;
}

}  // namespace ch10
