// Chapter 05's reporting (report.hpp): the model summary, the confusion matrix, the gallery of
// mistakes, the training curves and summary.json.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"

using namespace dnn;

namespace ch05 {

namespace {

void plot_curves(const std::string& out, const std::vector<EpochStats>& h, const std::string& data) {
  if (h.size() < 2) {
    std::printf("note: training curves need at least 2 epochs (history.csv has the numbers)\n");
    return;
  }
  Series tl{"train loss (running mean over the epoch)", {}, {}, "linespoints"};
  Series vl{"test loss (after the epoch)", {}, {}, "linespoints"};
  Series ta{"train accuracy (running mean)", {}, {}, "linespoints"};
  Series va{"test accuracy", {}, {}, "linespoints"};
  for (const auto& e : h) {
    for (Series* s : {&tl, &vl, &ta, &va}) s->x.push_back(e.epoch);
    tl.y.push_back(e.train_loss);
    vl.y.push_back(e.test_loss);
    ta.y.push_back(e.train_accuracy);
    va.y.push_back(e.test_accuracy);
  }
  PlotSpec ls{"Loss (categorical cross-entropy) per epoch, " + data, "epoch", "loss", false, false, 900, 560, true};
  PlotSpec as{"Accuracy per epoch, " + data, "epoch", "accuracy", false, false, 900, 560, true};
  if (plot_lines(join_path(out, "loss_curves.png"), ls, {tl, vl}))
    std::printf("wrote %s\n", join_path(out, "loss_curves.png").c_str());
  if (plot_lines(join_path(out, "accuracy_curves.png"), as, {ta, va}))
    std::printf("wrote %s\n", join_path(out, "accuracy_curves.png").c_str());
}

Matrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& pred, int classes) {
  Matrix cm(classes, classes, 0.0f);
  for (std::size_t i = 0; i < truth.size(); ++i) cm(truth[i], pred[i]) += 1.0f;
  return cm;
}

void save_confusion(const std::string& out, const Matrix& cm, const std::vector<std::string>& names,
                    const std::string& data) {
  std::vector<std::string> header{"true\\predicted"};
  header.insert(header.end(), names.begin(), names.end());
  CsvTable t(header);
  for (int i = 0; i < cm.rows; ++i) {
    std::vector<std::string> row{names[static_cast<std::size_t>(i)]};
    for (int j = 0; j < cm.cols; ++j) row.push_back(format_number(cm(i, j)));
    t.add_row(row);
  }
  t.save(join_path(out, "confusion.csv"));
  std::printf("wrote %s\n", join_path(out, "confusion.csv").c_str());
  PlotSpec spec{"Confusion matrix, " + data + " test set (rows: true class, columns: predicted)", "predicted",
                "true", false, false, 820, 760};
  if (plot_heatmap(join_path(out, "confusion.png"), spec, cm, names, names, true))
    std::printf("wrote %s\n", join_path(out, "confusion.png").c_str());
}

// The first misclassified test images as a labelled gallery: a gnuplot image with the tiles and
// "pred P / true T" above each; plus the bare tile grid (stb) and a CSV of the labels, so the
// gallery exists even without gnuplot.
void save_mistakes(const std::string& out, const Dataset& ds, const std::vector<int>& pred) {
  std::vector<int> wrong;
  for (int i = 0; i < ds.test_size() && wrong.size() < 40; ++i)
    if (pred[static_cast<std::size_t>(i)] != ds.test_y[static_cast<std::size_t>(i)]) wrong.push_back(i);
  CsvTable labels({"tile", "test_index", "predicted", "true"});
  for (std::size_t k = 0; k < wrong.size(); ++k)
    labels.add_row(std::vector<double>{double(k), double(wrong[k]), double(pred[static_cast<std::size_t>(wrong[k])]),
                                       double(ds.test_y[static_cast<std::size_t>(wrong[k])])});
  labels.save(join_path(out, "mistakes.csv"));
  std::printf("wrote %s\n", join_path(out, "mistakes.csv").c_str());
  if (wrong.empty()) return;

  const int cols = 8, rows = static_cast<int>((wrong.size() + cols - 1) / cols);
  // Room for a two-line caption ("pred T-shirt/top" over "true Shirt") above each tile.
  const int h = ds.height, w = ds.width, cell_w = w + 6, cell_h = h + 20;
  const int W = cols * cell_w, H = rows * cell_h;
  std::vector<float> canvas(static_cast<std::size_t>(W) * H, 0.0f);
  std::ostringstream cmd;
  for (std::size_t k = 0; k < wrong.size(); ++k) {
    const int ox = static_cast<int>(k % cols) * cell_w + 3, oy = static_cast<int>(k / cols) * cell_h + 18;
    const float* img = ds.test_x.row(wrong[k]);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) canvas[static_cast<std::size_t>(oy + y) * W + ox + x] = img[y * w + x];
    const int p = pred[static_cast<std::size_t>(wrong[k])], t = ds.test_y[static_cast<std::size_t>(wrong[k])];
    cmd << "set label " << k + 1 << " "
        << gnuplot_quote("pred " + ds.class_names[static_cast<std::size_t>(p)] + "\ntrue " +
                         ds.class_names[static_cast<std::size_t>(t)])
        << " at " << ox + w / 2.0 << "," << oy - 9
        << " center front font 'sans,8' textcolor rgb '#b2182b'\n";
  }
  std::ostringstream data;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) data << x << ' ' << y << ' ' << canvas[static_cast<std::size_t>(y) * W + x] << '\n';
  std::ostringstream script;
  script << "set title 'Misclassified " << display_name(ds) << " test images (first " << wrong.size()
         << "): predicted / true label'\n"
         << "unset key\nunset colorbox\nunset xtics\nunset ytics\nunset border\n"
         << "set palette gray negative\nset cbrange [0:1]\nset size ratio -1\n"
         << "set xrange [-0.5:" << W - 0.5 << "]\nset yrange [" << H - 0.5 << ":-0.5]\n"
         << cmd.str() << "plot $d0 using 1:2:3 with image\n";
  const std::string png = join_path(out, "mistakes.png");
  const int width_px = 1100, height_px = std::max(300, static_cast<int>(H * (width_px - 40.0) / W) + 70);
  if (plot_custom(png, width_px, height_px, script.str(), {data.str()})) {
    std::printf("wrote %s\n", png.c_str());
  } else {  // no gnuplot: the bare tiles (stb), in the order of mistakes.csv, which has their labels
    write_image_grid_png(join_path(out, "mistakes_grid.png"), ds.test_x, ds.height, ds.width, wrong, 8, 2);
    std::printf("wrote %s (the tiles without captions: their labels are in mistakes.csv)\n",
                join_path(out, "mistakes_grid.png").c_str());
  }
}

}  // namespace

// ---------------------------------------------------------------- what is being trained
void print_data(const Dataset& ds, int batch) {
  std::printf("%s\n", describe(ds).c_str());
  if (batch > ds.train_size())
    std::printf("note: --batch %d is more than the %d training examples: clamped to %d (one step per epoch, "
                "full-batch gradient descent)\n",
                batch, ds.train_size(), ds.train_size());
}

// model summary (like Keras's)
void print_summary(const Mlp& net, const std::string& backend, const OptimizerConfig& opt, int batch, int epochs) {
  std::printf("Model: %d", net.input_size());
  for (const auto& l : net.layers) std::printf("-%d", l.W.cols);
  std::printf(" (");
  for (std::size_t k = 0; k < net.layers.size(); ++k)
    std::printf("%sDense(%d, %s)", k ? " -> " : "", net.layers[k].W.cols,
                k + 1 == net.layers.size() ? "softmax" : to_string(net.layers[k].act).c_str());
  std::printf("), %ld trainable parameters\n", net.parameter_count());
  std::printf("Training: backend %s, optimizer %s (lr %g", backend.c_str(), to_string(opt.kind).c_str(), opt.lr);
  if (opt.kind == OptimizerKind::Momentum) std::printf(", momentum %g", opt.momentum);
  std::printf("), batch %d, %d epochs, categorical cross-entropy\n", batch, epochs);
}

// ---------------------------------------------------------------- results
void write_results(const Options& o, const Config& c, const Dataset& ds, const RunResult& r) {
  save_confusion(o.common.out_dir, confusion_matrix(ds.test_y, r.predictions, ds.classes), ds.class_names,
                 display_name(ds));
  save_mistakes(o.common.out_dir, ds, r.predictions);
  plot_curves(o.common.out_dir, r.history, display_name(ds));

  double epoch_seconds = 0;
  int timed = 0;
  for (const auto& e : r.history)
    if (e.epoch > r.first_epoch) epoch_seconds += e.seconds, ++timed;
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& e : r.history)
    hist.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                    {"test_loss", e.test_loss}, {"test_accuracy", e.test_accuracy}, {"seconds", e.seconds}});
  nlohmann::json summary{
      {"program", "05_mlp"},
      {"config",
       {{"backend", r.backend}, {"layers", r.layers}, {"activation", to_string(c.activation)},
        {"optimizer", to_string(c.optimizer.kind)}, {"lr", c.optimizer.lr}, {"momentum", c.optimizer.momentum},
        {"batch", o.batch}, {"epochs", o.epochs}, {"seed", o.common.seed}, {"threads", o.common.threads},
        {"resumed_from", o.resume}, {"parameters", r.parameters}}},
      {"data",
       {{"name", ds.name}, {"dataset", display_name(ds)}, {"source", ds.source}, {"warning", ds.warning}, {"train", ds.train_size()},
        {"test", ds.test_size()}}},
      {"machine", machine_info()},
      {"final", {{"test_loss", r.test.loss}, {"test_accuracy", r.test.accuracy}}},
      {"mean_seconds_per_epoch", timed ? epoch_seconds / timed : 0.0},
      {"wall_seconds_training", r.train_seconds},
      {"history", hist}};
  save_json(join_path(o.common.out_dir, "summary.json"), summary);
  std::printf("wrote %s\n", join_path(o.common.out_dir, "summary.json").c_str());
}

}  // namespace ch05
