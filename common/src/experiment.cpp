// One training run with learning curves (see experiment.hpp).
#include "dnn/experiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/timer.hpp"
#include "dnn/train.hpp"

namespace dnn {

double RunLog::examples_per_second() const {
  if (curve.empty() || curve.back().train_seconds <= 0) return 0;
  return static_cast<double>(curve.back().examples) / curve.back().train_seconds;
}

EpochMetrics train_one_epoch(CpuTrainer& trainer, const RunSpec& spec, int epoch, double lr, std::vector<int>& order,
                             long steps_before, long examples_before, std::vector<WindowPoint>& window) {
  // 1. The learning rate η of this epoch (a schedule may change it between epochs).
  if (static_cast<float>(lr) != trainer.optimizer().config().lr) {
    Optimizer opt = trainer.optimizer();  // keep the state (velocity, moments, t)
    opt.set_learning_rate(static_cast<float>(lr));
    trainer.set_optimizer_state(opt);
  }
  // 2. A new random order of the n training examples, the same for every run of a comparison.
  const long n = trainer.train_size();
  epoch_order(spec.seed, epoch, static_cast<int>(n), order);

  // The trainer reports the running mean over the epoch; differences of running sums give
  // the mean of each window (about spec.window_points windows per epoch).
  const long steps_per_epoch = (n + spec.batch - 1) / spec.batch;
  const long window_steps = spec.window_points > 0 ? std::max(1L, steps_per_epoch / spec.window_points) : 0;
  double prev_sum = 0;
  long prev_seen = 0;
  StepCallback on_step;
  if (window_steps > 0)
    on_step = [&](long done, long total, double mean_loss, double) {
      if (done % window_steps != 0 && done != total) return;
      const long seen = std::min(n, done * spec.batch);
      const double sum = mean_loss * static_cast<double>(seen);
      if (seen > prev_seen)
        window.push_back({examples_before + seen, steps_before + done,
                          (sum - prev_sum) / static_cast<double>(seen - prev_seen)});
      prev_sum = sum;
      prev_seen = seen;
    };

  // 3. The minibatches in that order: gather → forward/loss/gradients → update, batch by batch.
  return trainer.train_epoch(order, epoch + 1, on_step);
}

RunLog run_training(const Ops& ops, const Mlp& init, const Matrix& X, const std::vector<int>& y,
                    const Matrix* test_x, const std::vector<int>* test_y, const RunSpec& spec,
                    const std::function<double(int)>& lr_at) {
  RunLog log;
  log.spec = spec;
  CpuTrainer trainer(ops, init, spec.opt, X, y, spec.batch);
  const bool with_test = test_x && test_y && test_x->rows > 0;

  auto evaluate = [&](CurvePoint& p) {
    const EvalResult tr = trainer.evaluate(X, y);
    p.loss = tr.loss;
    p.accuracy = tr.accuracy;
    if (with_test) {
      const EvalResult te = trainer.evaluate(*test_x, *test_y);
      p.test_loss = te.loss;
      p.test_accuracy = te.accuracy;
    }
  };

  CurvePoint p;  // epoch 0: the initial weights
  p.lr = spec.opt.lr;
  evaluate(p);
  log.curve.push_back(p);

  const long n = X.rows;
  std::vector<int> order;
  double seconds = 0;
  long steps = 0, examples = 0;
  for (int e = 0; e < spec.epochs; ++e) {
    const double lr = lr_at ? lr_at(e) : spec.opt.lr;
    Timer timer;
    EpochMetrics r;
    try {
      r = train_one_epoch(trainer, spec, e, lr, order, steps, examples, log.window);
    } catch (const DivergenceError& err) {
      if (spec.stop_on_divergence) throw;
      log.diverged = true;
      log.divergence = err.what();
      break;
    }
    seconds += timer.seconds();
    steps += r.steps;
    examples += n;

    CurvePoint c;
    c.epoch = e + 1;
    c.steps = steps;
    c.examples = examples;
    c.train_seconds = seconds;
    c.lr = lr;
    evaluate(c);
    if (!std::isfinite(c.loss)) {  // the weights blew up during the epoch's last steps
      const std::string msg = "the training loss became " + format_number(c.loss) + " after epoch " +
                              std::to_string(e + 1) + " (learning rate " + format_number(lr, 4) +
                              "): the updates are too large. " + lower_lr_hint(lr, spec.opt.lr_flag);
      if (spec.stop_on_divergence) throw DivergenceError(msg);
      log.diverged = true;
      log.divergence = msg;
      log.curve.push_back(c);
      break;
    }
    log.curve.push_back(c);
  }
  trainer.get_weights(log.net);
  return log;
}

std::vector<RunLog> run_comparison(const Ops& ops, const Mlp& init, const Matrix& X, const std::vector<int>& y,
                                   const Matrix* test_x, const std::vector<int>* test_y,
                                   const std::vector<RunSpec>& specs, bool announce,
                                   const std::function<double(int)>& lr_at) {
  std::vector<RunLog> runs;
  for (const RunSpec& spec : specs) {
    if (announce) {
      std::printf("training: %s ...\n", spec.label.c_str());
      std::fflush(stdout);
    }
    runs.push_back(run_training(ops, init, X, y, test_x, test_y, spec, lr_at));
  }
  return runs;
}

void save_curves_csv(const std::string& path, const std::vector<RunLog>& runs) {
  CsvTable t({"run", "label", "batch", "optimizer", "epoch", "steps", "examples", "train_seconds", "lr", "loss",
              "accuracy", "test_loss", "test_accuracy"});
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RunLog& run = runs[r];
    for (const CurvePoint& p : run.curve)
      t.add_row(std::vector<std::string>{
          std::to_string(r), run.spec.label, std::to_string(run.spec.batch), to_string(run.spec.opt.kind),
          std::to_string(p.epoch), std::to_string(p.steps), std::to_string(p.examples),
          format_number(p.train_seconds), format_number(p.lr), format_number(p.loss), format_number(p.accuracy),
          format_number(p.test_loss), format_number(p.test_accuracy)});
  }
  t.save(path);
}

void save_window_csv(const std::string& path, const std::vector<RunLog>& runs) {
  CsvTable t({"run", "label", "examples", "steps", "loss"});
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const WindowPoint& w : runs[r].window)
      t.add_row(std::vector<std::string>{std::to_string(r), runs[r].spec.label, std::to_string(w.examples),
                                         std::to_string(w.steps), format_number(w.loss)});
  t.save(path);
}

void save_run_csvs(const std::string& dir, const std::string& prefix, const std::vector<RunLog>& runs,
                   bool with_window, std::vector<std::string>& written) {
  written.push_back(join_path(dir, prefix + "curves.csv"));
  save_curves_csv(written.back(), runs);
  if (with_window) {
    written.push_back(join_path(dir, prefix + "window_loss.csv"));
    save_window_csv(written.back(), runs);
  }
}

std::vector<Series> curve_series(const std::vector<RunLog>& runs, bool x_steps, bool accuracy) {
  std::vector<Series> out;
  for (const auto& r : runs) {
    Series s;
    s.label = r.spec.label;
    for (const auto& p : r.curve) {
      if (x_steps && p.steps == 0) continue;  // log x axis: start after the first step
      s.x.push_back(x_steps ? static_cast<double>(p.steps) : p.epoch);
      s.y.push_back(accuracy ? 100.0 * p.accuracy : p.loss);
    }
    out.push_back(s);
  }
  return out;
}

std::vector<Series> window_loss_series(const std::vector<RunLog>& runs) {
  std::vector<Series> out;
  for (const auto& r : runs) {
    Series s;
    s.label = r.spec.label;
    s.style = "linespoints";
    for (const auto& w : r.window) {
      s.x.push_back(static_cast<double>(w.examples));
      s.y.push_back(w.loss);
    }
    out.push_back(s);
  }
  return out;
}

bool plot_loss_per_epoch(const std::string& png_path, const std::string& title, const std::string& xlabel,
                         const std::vector<RunLog>& runs) {
  PlotSpec spec;
  spec.title = title;
  spec.xlabel = xlabel;
  spec.ylabel = "mean cross-entropy on the training set";
  spec.logy = true;
  return plot_lines(png_path, spec, curve_series(runs, false, false));
}

bool plot_accuracy_per_epoch(const std::string& png_path, const std::string& title, const std::string& xlabel,
                             const std::vector<RunLog>& runs) {
  PlotSpec spec;
  spec.title = title;
  spec.xlabel = xlabel;
  spec.ylabel = "accuracy on the training set (%)";
  return plot_lines(png_path, spec, curve_series(runs, false, true));
}

bool plot_window_loss(const std::string& png_path, const std::string& title, const std::vector<RunLog>& runs,
                      bool logy) {
  PlotSpec spec;
  spec.title = title;
  spec.xlabel = "training examples processed";
  spec.ylabel = "mean minibatch cross-entropy in the window";
  spec.logy = logy;
  return plot_lines(png_path, spec, window_loss_series(runs));
}

bool plot_run_boundaries(const std::string& png_path, const std::string& title, const Ops& ops,
                         const std::vector<RunLog>& runs, const ToyProblem& toy, float margin, int res) {
  const Box2 box = bounding_box(toy.X, margin);
  const Matrix G = grid_points(box, res);
  std::vector<BoundaryPanel> panels;
  MlpWorkspace ws;
  for (const auto& r : runs) {
    char panel_title[160];
    std::snprintf(panel_title, sizeof panel_title, "%s: test acc %.1f%%", r.spec.label.c_str(),
                  r.curve.empty() ? 0.0 : 100.0 * r.curve.back().test_accuracy);
    panels.push_back({panel_title, mlp_predict(ops, r.net, G, ws)});
  }
  return plot_decision_boundaries(png_path, title, toy, box, res, panels);
}

void save_summary_and_list(const std::string& dir, nlohmann::json& summary, std::vector<std::string>& written) {
  summary["machine"] = machine_info();
  written.push_back(join_path(dir, "summary.json"));
  save_json(written.back(), summary);
  std::printf("\nwrote:\n");
  for (const auto& w : written) std::printf("  %s\n", w.c_str());
}

}  // namespace dnn
