// Chapter 10: tables and plots of the FAQ experiments (report.hpp). The CSV is always written
// first, so the numbers survive a missing gnuplot.
#include "report.hpp"

#include <cmath>
#include <algorithm>
#include <cstdio>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"

namespace ch10 {

using namespace dnn;

namespace {
void wrote(const std::string& path, bool ok = true) {
  if (ok) std::printf("wrote %s\n", path.c_str());
}
std::string n(double v, int digits = 6) { return format_number(v, digits); }
}  // namespace

void report_best_curves(const std::string& out, const std::vector<BestRow>& runs) {
  CsvTable t({"run", "epoch", "lr_epoch_index", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
              "seconds"});
  std::vector<Series> series;
  for (const BestRow& r : runs) {
    Series s{r.label, {}, {}, "linespoints"};
    for (const EpochStats& e : r.result.history) {
      t.add_row({r.label, std::to_string(e.epoch), std::to_string(e.epoch - 1), n(e.train_loss),
                 n(e.train_accuracy), n(e.test_loss), n(e.test_accuracy), n(e.seconds)});
      s.x.push_back(e.epoch);
      s.y.push_back(100.0 * (1.0 - e.test_accuracy));
    }
    series.push_back(s);
  }
  const std::string csv = join_path(out, "best_curves.csv");
  t.save(csv);
  wrote(csv);
  PlotSpec spec{"Best plain MLP: test error after each epoch", "epoch", "test error (%), log scale", true, false,
                900, 560, true};
  const std::string png = join_path(out, "best_curves.png");
  wrote(png, plot_lines(png, spec, series));
}

void report_ablation(const std::string& out, const std::vector<BestRow>& rows) {
  CsvTable t({"row", "epochs", "test_accuracy", "best_test_accuracy", "seconds"});
  std::vector<std::string> labels;
  std::vector<double> errors;
  for (const BestRow& r : rows) {
    t.add_row({r.label, std::to_string(r.result.history.size()), n(r.result.test_accuracy),
               n(r.result.best_test_accuracy), n(r.result.train_seconds)});
    labels.push_back(r.label);
    errors.push_back(100.0 * (1.0 - r.result.test_accuracy));
  }
  const std::string csv = join_path(out, "ablation.csv");
  t.save(csv);
  wrote(csv);
  PlotSpec spec{"Ablation: test error (%) of the chosen recipe and of each change (same epochs)", "", "test error (%)",
                false, false, 1100, 600};
  const std::string png = join_path(out, "ablation.png");
  wrote(png, plot_bars(png, spec, labels, errors));
}

}  // namespace ch10

namespace ch10 {

void report_depth(const std::string& out, const std::vector<DepthRow>& rows) {
  CsvTable t({"budget", "hidden_layers", "width", "params", "optimizer", "mean_test_accuracy", "std", "seeds"});
  std::vector<Series> series;
  for (const DepthRow& r : rows) {
    t.add_row({std::to_string(r.budget), std::to_string(r.hidden_layers), std::to_string(r.width),
               std::to_string(r.params), r.optimizer, n(r.mean), n(r.stdev), std::to_string(r.accuracies.size())});
    const std::string label = "budget " + std::to_string(r.budget) + ", " + r.optimizer;
    auto it = std::find_if(series.begin(), series.end(), [&](const Series& s) { return s.label == label; });
    if (it == series.end()) {
      series.push_back(Series{label, {}, {}, "linespoints"});
      it = series.end() - 1;
    }
    it->x.push_back(r.hidden_layers);
    it->y.push_back(100.0 * r.mean);
  }
  const std::string csv = join_path(out, "depth.csv");
  t.save(csv);
  wrote(csv);
  PlotSpec spec{"Equal parameter budgets: test accuracy vs hidden layers (0 = softmax regression, 7 850 parameters)",
                "hidden layers", "test accuracy (%)", false, false, 1000, 600};
  const std::string png = join_path(out, "depth.png");
  wrote(png, plot_lines(png, spec, series));
}

void report_sawtooth(const std::string& out, const SawtoothReport& s) {
  CsvTable t({"width", "best_shallow_mse"});
  for (std::size_t i = 0; i < s.widths.size(); ++i) t.add_row({std::to_string(s.widths[i]), n(s.shallow_error[i])});
  const std::string csv = join_path(out, "sawtooth.csv");
  t.save(csv);
  wrote(csv);
  const int k = s.k;
  Series pts{"the 2^" + std::to_string(k) + " + 1 points", s.x, s.y, "points pt 7"};
  Series deep{"hand-built net, 2 wide, " + std::to_string(k) + " deep (" + std::to_string(6 * k + 1) + " parameters)",
              s.grid, s.deep_curve, "lines"};
  Series shallow{"best trained 1-hidden-layer net of " + std::to_string(s.widths.empty() ? 0 : s.widths.back()) +
                     " units",
                 s.grid, s.shallow_fit_grid, "lines dt 2"};
  PlotSpec fit{"Telgarsky's sawtooth: the deep net fits every point exactly", "x", "y", false, false, 1000, 520};
  const std::string png1 = join_path(out, "sawtooth_fit.png");
  wrote(png1, plot_lines(png1, fit, {pts, deep, shallow}));
  Series err{"best of the trained 1-hidden-layer nets", {}, {}, "linespoints"};
  for (std::size_t i = 0; i < s.widths.size(); ++i) {
    err.x.push_back(s.widths[i]);
    err.y.push_back(std::max(1e-8, s.shallow_error[i]));
  }
  const double need = static_cast<double>((1 << k) - 1);
  Series bound{"units a 1-hidden-layer net needs for an exact fit (2^k - 1 = " + std::to_string((1 << k) - 1) + ")",
               {need, need}, {1e-8, 1.0}, "lines dt 3"};
  PlotSpec es{"Sawtooth with 2^" + std::to_string(k) + " + 1 points: error of one hidden layer vs its width",
              "hidden units (log scale)", "mean squared error (log scale; floor 1e-8)", true, true, 1000, 560};
  const std::string png2 = join_path(out, "sawtooth_width.png");
  wrote(png2, plot_lines(png2, es, {err, bound}));
}

void report_learning_curves(const std::string& out, const std::string& name, const std::vector<LearningCurve>& curves) {
  CsvTable t({"model", "n", "mean_test_accuracy", "std", "fit_a", "fit_exponent", "n_for_95", "n_for_97"});
  std::vector<Series> series;
  // One colour per model, its fit dashed in the same colour (gnuplot's own cycle repeats a colour).
  const char* colours[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"};
  for (std::size_t m = 0; m < curves.size(); ++m) {
    const LearningCurve& c = curves[m];
    const std::string colour = std::string(" lc rgb '") + colours[m % 7] + "'";
    Series s{c.model, {}, {}, "linespoints" + colour};
    Series f{c.model + ": fit " + format_number(c.fit_a, 3) + " N^-" + format_number(c.fit_b, 3), {}, {},
             "lines dt 2" + colour};
    for (std::size_t i = 0; i < c.sizes.size(); ++i) {
      t.add_row({c.model, std::to_string(c.sizes[i]), n(c.mean_accuracy[i]), n(c.std_accuracy[i]), n(c.fit_a),
                 n(c.fit_b), n(c.n95), n(c.n97)});
      s.x.push_back(c.sizes[i]);
      s.y.push_back(100.0 * (1.0 - c.mean_accuracy[i]));
      f.x.push_back(c.sizes[i]);
      f.y.push_back(100.0 * c.fit_a * std::pow(c.sizes[i], -c.fit_b));
    }
    series.push_back(s);
    series.push_back(f);
  }
  Series p95{"95 % accuracy", {}, {}, "lines lc rgb 'gray'"}, p97{"97 % accuracy", {}, {}, "lines lc rgb 'black'"};
  if (!curves.empty() && !curves.front().sizes.empty()) {
    p95.x = p97.x = {static_cast<double>(curves.front().sizes.front()), static_cast<double>(curves.front().sizes.back())};
    p95.y = {5, 5};
    p97.y = {3, 3};
  }
  series.push_back(p95);
  series.push_back(p97);
  const std::string csv = join_path(out, name + ".csv");
  t.save(csv);
  wrote(csv);
  PlotSpec spec{"Learning curves: test error vs training-set size (dashed: power-law fits)", "training examples N",
                "test error (%)", true, true, 1100, 700};
  const std::string png = join_path(out, name + ".png");
  wrote(png, plot_lines(png, spec, series));
}

void report_gallery(const std::string& out, const Matrix& images, int side, int columns) {
  const std::string png = join_path(out, "augment_gallery.png");
  write_image_grid_png(png, images, side, side, {}, columns, 4);
  wrote(png);
}

void report_time(const std::string& out, const std::vector<TimePoint>& points) {
  CsvTable t({"path", "width", "batch", "flops_per_example", "bytes_per_step", "measured_s_per_epoch",
              "predicted_s_per_epoch", "relative_error"});
  Series eig{"eigen (dense)", {}, {}, "points pt 7"}, fast{"fastcpu (sparse layer 1, chapter 07)", {}, {}, "points pt 5"};
  double lo = 1e30, hi = 0;
  for (const TimePoint& p : points) {
    t.add_row({p.path, std::to_string(p.width), std::to_string(p.batch), n(p.flops_per_example), n(p.bytes_per_step),
               n(p.measured_s_per_epoch), n(p.predicted_s_per_epoch), n(p.error)});
    Series& s = p.path == "eigen" ? eig : fast;
    s.x.push_back(p.predicted_s_per_epoch);
    s.y.push_back(p.measured_s_per_epoch);
    lo = std::min({lo, p.predicted_s_per_epoch, p.measured_s_per_epoch});
    hi = std::max({hi, p.predicted_s_per_epoch, p.measured_s_per_epoch});
  }
  const std::string csv = join_path(out, "time_model.csv");
  t.save(csv);
  wrote(csv);
  Series diag{"measured = predicted", {lo, hi}, {lo, hi}, "lines dt 2 lc rgb 'gray'"};
  PlotSpec spec{"Seconds per epoch: the FLOP + byte model vs measurement (784-w-10, SGD)",
                "predicted s/epoch (log)", "measured s/epoch (log)", true, true, 900, 700};
  const std::string png = join_path(out, "time_model.png");
  wrote(png, plot_lines(png, spec, {diag, eig, fast}));
}

void report_time_to_accuracy(const std::string& out, const std::vector<BestRow>& runs) {
  CsvTable t({"run", "epoch", "elapsed_train_seconds", "test_accuracy"});
  std::vector<Series> series;
  for (const BestRow& r : runs) {
    Series s{r.label, {}, {}, "linespoints"};
    double elapsed = 0;
    for (const EpochStats& e : r.result.history) {
      elapsed += e.seconds;
      t.add_row({r.label, std::to_string(e.epoch), n(elapsed), n(e.test_accuracy)});
      s.x.push_back(elapsed);
      s.y.push_back(100.0 * e.test_accuracy);
    }
    series.push_back(s);
  }
  const std::string csv = join_path(out, "time_to_accuracy.csv");
  t.save(csv);
  wrote(csv);
  PlotSpec spec{"Time to accuracy: test accuracy vs training seconds (one core)", "training seconds",
                "test accuracy (%)", false, false, 1000, 600};
  const std::string png = join_path(out, "time_to_accuracy.png");
  wrote(png, plot_lines(png, spec, series));
}

}  // namespace ch10
