// Mode `noise-scale` — the gradient noise scale B_simple (noise_scale.hpp) of the chapter-05 model
// at its initial weights and after 1 and 5 epochs of the textbook's SGD (--batch 32, --lr 0.01),
// one process. It predicts the critical batch: where, in the large-batch table, more rows per step
// stop buying fewer steps. Writes noise_scale.csv and summary.json (and --json FILE).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/ops.hpp"
#include "noise_scale.hpp"
#include "parallel.hpp"

namespace ch08 {
namespace {

const int kCheckpoints[] = {0, 1, 5};  // epochs of training before each estimate

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

int run_noise_scale(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, dnn::Mlp& net,
                    dnn::OutputFileFlag& json) {
  if (world.size() > 1)
    throw dnn::InputError("--mode noise-scale: runs in one process; start it without mpirun (this run has " +
                          std::to_string(world.size()) + " ranks)");
  const int n = ds.train_size();
  const int examples = o.noise_examples > 0 ? o.noise_examples : std::min(4096, n);
  if (examples < 2 || examples > n)
    throw dnn::InputError("--noise-examples: expected 2 to " + std::to_string(n) +
                          " (the training images of this run), got " + std::to_string(examples));
  std::printf("Gradient noise scale from %d per-example gradients; SGD between the estimates: batch %d, lr %g\n",
              examples, o.batch, o.lr);
  std::unique_ptr<StepRule> sgd = make_sync_sgd(ds, net, world, o.allreduce);
  dnn::CsvTable csv({"epochs_trained", "steps", "examples", "test_accuracy", "mean_grad_norm2", "grad_norm2",
                     "trace_sigma", "b_simple"});
  nlohmann::json rows = nlohmann::json::array();
  dnn::MlpWorkspace eval_ws;
  std::vector<int> order;
  int trained = 0;
  long steps = 0;
  std::printf("%8s %8s %10s %12s %12s %10s\n", "epochs", "steps", "test acc", "|G|^2", "tr(Sigma)", "B_simple");
  for (const int target : kCheckpoints) {
    for (; trained < target; ++trained) {  // the textbook's epochs, as mode sync runs them at P = 1
      dnn::epoch_order(o.common.seed, trained, n, order);
      for (int first = 0; first < n; first += o.batch, ++steps) {
        const int rows = std::min(o.batch, n - first);
        sgd->step(net, order.data() + first, rows, rows, static_cast<float>(o.lr));
      }
    }
    const NoiseScale ns = estimate_noise_scale(net, ds.train_x, ds.train_y, examples);
    const double acc = dnn::mlp_evaluate(dnn::eigen_ops(), net, ds.test_x, ds.test_y, eval_ws).accuracy;
    std::printf("%8d %8ld %10.4f %12.4g %12.4g %10.1f\n", target, steps, acc, ns.grad_norm2, ns.trace_sigma,
                ns.b_simple);
    csv.add_row(std::vector<double>{static_cast<double>(target), static_cast<double>(steps),
                                    static_cast<double>(ns.examples), acc, ns.mean_grad_norm2, ns.grad_norm2,
                                    ns.trace_sigma, ns.b_simple});
    rows.push_back({{"epochs_trained", target}, {"steps", steps}, {"examples", ns.examples},
                    {"test_accuracy", acc}, {"mean_grad_norm2", ns.mean_grad_norm2},
                    {"grad_norm2", ns.grad_norm2}, {"trace_sigma", ns.trace_sigma}, {"b_simple", ns.b_simple}});
  }
  const std::string csv_path = dnn::join_path(o.common.out_dir, "noise_scale.csv");
  csv.save(csv_path);
  std::printf("wrote %s\n", csv_path.c_str());
  const nlohmann::json doc{{"program", "08_parallel"},
                           {"mode", o.mode},
                           {"batch", o.batch},
                           {"lr", o.lr},
                           {"seed", o.common.seed},
                           {"noise_examples", examples},
                           {"layers", dnn::layer_sizes(net)},
                           {"data", {{"name", ds.name}, {"train", ds.train_size()}, {"test", ds.test_size()}}},
                           {"machine", dnn::machine_info()},
                           {"date", utc_now()},
                           {"noise_scale", rows}};
  dnn::save_summary_json(dnn::join_path(o.common.out_dir, "summary.json"), doc, json);
  return dnn::kExitOk;
}

}  // namespace ch08
