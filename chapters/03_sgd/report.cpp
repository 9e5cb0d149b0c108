// Chapter 03: the comparison table, the CSVs, the plots (loss per epoch and per step, windowed
// loss, decision boundaries, learning-rate sweep, MNIST) and summary.json.
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "sgd.hpp"

namespace ch03 {

void print_table(const std::vector<dnn::RunLog>& runs, bool with_test) {
  std::printf("  %-32s %6s %10s %8s %10s %9s %9s %8s %12s\n", "run", "batch", "steps/ep", "steps", "train loss",
              "train acc", with_test ? "test acc" : "", "time s", "examples/s");
  for (const auto& r : runs) {
    const auto& last = r.curve.back();
    const long steps_per_epoch = last.epoch > 0 ? last.steps / last.epoch : 0;
    char test[32] = "";
    if (with_test) std::snprintf(test, sizeof test, "%8.2f%%", 100.0 * last.test_accuracy);
    std::printf("  %-32s %6d %10ld %8ld %10.4f %8.2f%% %9s %8.3f %12.0f\n", r.spec.label.c_str(), r.spec.batch,
                steps_per_epoch, last.steps, last.loss, 100.0 * last.accuracy, test, last.train_seconds,
                r.examples_per_second());
  }
}

namespace {
/// The name of the problem in plot titles.
std::string tag_of(const Options& o) { return o.problem == "mnist" ? "MNIST" : o.problem; }
}  // namespace

void report_comparison(const std::string& out, const Options& o, const Problem& p, const dnn::Ops& ops,
                       const std::vector<dnn::RunLog>& runs, bool window, std::vector<std::string>& written) {
  const int epochs = o.epochs;
  dnn::save_run_csvs(out, "", runs, window, written);
  const std::string tag = tag_of(o);
  if (epochs > 1) {  // with one epoch every run has a single point: nothing to draw
    const std::string xlabel = "epoch (passes over the training set)";
    const std::string loss_png = dnn::join_path(out, "loss_per_epoch.png");
    if (dnn::plot_loss_per_epoch(loss_png, "Training loss per epoch (" + tag + ", lr " + dnn::format_number(o.lr, 3) + ")",
                                 xlabel, runs))
      written.push_back(loss_png);
    const std::string accuracy_png = dnn::join_path(out, "accuracy_per_epoch.png");
    if (dnn::plot_accuracy_per_epoch(accuracy_png, "Training accuracy per epoch (" + tag + ")", xlabel, runs))
      written.push_back(accuracy_png);

    dnn::PlotSpec spec;
    spec.title = "Training loss per optimizer step (" + tag + ")";
    spec.xlabel = "optimizer steps (log scale)";
    spec.ylabel = "mean cross-entropy on the training set";
    spec.logx = spec.logy = true;
    std::vector<dnn::Series> per_step = dnn::curve_series(runs, true, false);
    for (auto& s : per_step) s.style = "linespoints";
    if (dnn::plot_lines(dnn::join_path(out, "loss_per_step.png"), spec, per_step))
      written.push_back(dnn::join_path(out, "loss_per_step.png"));
  }
  if (window) {
    const std::string png = dnn::join_path(out, "loss_window.png");
    const bool logy = epochs > 1;  // two epochs: the loss falls over decades, as in the per-step plot
    if (dnn::plot_window_loss(png, "Minibatch loss during training (" + tag + ", mean over windows of 1/50 epoch)",
                              runs, logy))
      written.push_back(png);
  }
  if (p.two_d) {
    const std::string png = dnn::join_path(out, "decision_boundary.png");
    if (dnn::plot_run_boundaries(png, "What each run learned after " + std::to_string(epochs) +
                                          " epochs (background: predicted class; dots: training points)",
                                 ops, runs, p.toy, 0.3f, o.grid))
      written.push_back(png);
  }
}

void report_sweep(const std::string& out, const Options& o, const std::vector<dnn::RunLog>& sweep_runs,
                  std::vector<std::string>& written) {
  const std::string csv = dnn::join_path(out, "lr_sweep.csv");
  dnn::save_curves_csv(csv, sweep_runs);
  written.push_back(csv);
  dnn::PlotSpec ss;
  ss.title = "Learning-rate sweep, minibatch " + std::to_string(o.batch) + " (" + tag_of(o) + ")";
  ss.xlabel = o.epochs > 1 ? "epoch" : "optimizer steps";
  ss.ylabel = "mean cross-entropy on the training set";
  ss.logy = true;
  std::vector<dnn::Series> series = dnn::curve_series(sweep_runs, o.epochs <= 1, false);
  for (auto& s : series) s.style = "linespoints";
  if (dnn::plot_lines(dnn::join_path(out, "lr_sweep.png"), ss, series))
    written.push_back(dnn::join_path(out, "lr_sweep.png"));
}

nlohmann::json report_mnist(const std::string& out, const Problem& m, const std::vector<dnn::RunLog>& mruns,
                            std::vector<std::string>& written) {
  nlohmann::json mnist_json;
  dnn::save_run_csvs(out, "mnist_", mruns, true, written);
  for (const auto& r : mruns) {
    mnist_json.push_back({{"run", r.spec.label},
                          {"examples_per_second", r.examples_per_second()},
                          {"train_loss", r.curve.back().loss},
                          {"test_accuracy", r.curve.back().test_accuracy}});
  }
  const std::string png = dnn::join_path(out, "mnist_loss.png");
  if (dnn::plot_window_loss(png, m.dataset + ", one epoch: minibatch loss during training (mean over windows of 1/50 epoch)",
                            mruns))
    written.push_back(png);
  return mnist_json;
}

void report_summary(const std::string& out, const Options& o, const Problem& p, const std::string& shape,
                    const dnn::Ops& ops, const std::vector<dnn::RunLog>& runs, const nlohmann::json& mnist_json,
                    std::vector<std::string>& written) {
  nlohmann::json summary;
  summary["problem"] = p.description;
  summary["network"] = shape;
  summary["backend"] = ops.name;
  summary["epochs"] = o.epochs;
  summary["lr"] = o.lr;
  for (const auto& r : runs)
    summary["runs"].push_back({{"run", r.spec.label},
                               {"batch", r.spec.batch},
                               {"steps", r.curve.back().steps},
                               {"train_loss", r.curve.back().loss},
                               {"train_accuracy", r.curve.back().accuracy},
                               {"test_accuracy", r.curve.back().test_accuracy},
                               {"train_seconds", r.curve.back().train_seconds},
                               {"examples_per_second", r.examples_per_second()}});
  if (!mnist_json.is_null()) summary["mnist"] = mnist_json;
  dnn::save_summary_and_list(out, summary, written);
}

}  // namespace ch03
