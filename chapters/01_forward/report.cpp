// Chapter 01: the tables, timings and files of the forward-pass tour (see report.hpp).
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "dnn/plot.hpp"
#include "dnn/timer.hpp"

namespace ch01 {

Stats stats_of(const dnn::Matrix& M) {
  Stats s;
  if (M.empty()) return s;
  double sum = 0, sq = 0;
  long pos = 0;
  for (float v : M.data) {
    sum += v;
    sq += double(v) * v;
    pos += v > 0;
  }
  const double n = static_cast<double>(M.size());
  s.mean = sum / n;
  s.std = std::sqrt(std::max(0.0, sq / n - s.mean * s.mean));
  s.positive = pos / n;
  return s;
}

double max_abs_diff(const dnn::Matrix& a, const dnn::Matrix& b) {
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = std::abs(double(a.data[k]) - b.data[k]);
    if (std::isnan(d) || d > m) m = d;  // once NaN, m stays NaN (d > NaN is false)
  }
  return m;
}

void print_network(const dnn::Mlp& net, unsigned long long seed) {
  std::printf("network (seed %llu, Glorot-uniform weights, zero biases):\n", seed);
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const auto& L = net.layers[l];
    std::printf("  layer %zu: W %3d x %-3d  b 1 x %-3d  f = %-7s  Glorot limit ±%.4f = sqrt(6/(%d+%d))\n", l, L.W.rows,
                L.W.cols, L.b.cols, dnn::to_string(L.act).c_str(), std::sqrt(6.0 / (L.W.rows + L.W.cols)), L.W.rows,
                L.W.cols);
  }
  std::printf("  parameters: %ld\n\n", net.parameter_count());
}

dnn::CsvTable print_probabilities(const dnn::Matrix& P, const std::vector<int>& labels, int classes) {
  const int n = P.rows;
  std::printf("predicted class probabilities (untrained network: expect all close to 1/%d = %.3f):\n", classes,
              1.0 / classes);
  std::printf("  %-5s %-5s", "digit", "label");
  for (int c = 0; c < classes; ++c) std::printf("  p(%d) ", c);
  std::printf(" argmax  max p  -log p(label)\n");
  std::vector<std::string> header{"digit", "label"};
  for (int c = 0; c < classes; ++c) header.push_back("p" + std::to_string(c));
  header.insert(header.end(), {"predicted", "max_p", "cross_entropy"});
  dnn::CsvTable prob_csv(header);
  double ce_sum = 0;
  for (int i = 0; i < n; ++i) {
    const int y = labels[static_cast<std::size_t>(i)];
    const int pred = dnn::argmax_row(P, i);
    const double ce = -std::log(std::max(1e-30, double(P(i, y))));
    ce_sum += ce;
    std::printf("  %-5d %-5d", i, y);
    std::vector<std::string> row{std::to_string(i), std::to_string(y)};
    for (int c = 0; c < classes; ++c) {
      std::printf("  %.3f", P(i, c));
      row.push_back(dnn::format_number(P(i, c)));
    }
    std::printf("  %5d   %.3f  %.3f\n", pred, P(i, pred), ce);
    row.insert(row.end(), {std::to_string(pred), dnn::format_number(P(i, pred)), dnn::format_number(ce)});
    prob_csv.add_row(row);
  }
  std::printf("  mean cross-entropy %.4f  (a uniform guess gives ln %d = %.4f)\n\n", ce_sum / n, classes,
              std::log(double(classes)));
  return prob_csv;
}

dnn::CsvTable time_backends(const std::vector<const dnn::Ops*>& backends, const dnn::Mlp& net,
                            const dnn::Dataset& ds) {
  dnn::CsvTable timing_csv({"backend", "examples", "seconds", "examples_per_second", "accuracy"});
  std::printf("forward pass of all %d test digits (chunks of 1000):\n", ds.test_size());
  for (const dnn::Ops* o : backends) {
    dnn::MlpWorkspace w;
    dnn::Timer t;
    const std::vector<int> pred = dnn::mlp_predict(*o, net, ds.test_x, w, 1000);
    const double sec = t.seconds();
    long correct = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) correct += pred[i] == ds.test_y[i];
    const double acc = ds.test_size() ? double(correct) / ds.test_size() : 0.0;
    std::printf("  %-6s %.3f s  (%.0f images/s)  accuracy %.2f%%  (chance: %.0f%%)\n", o->name, sec,
                ds.test_size() / std::max(sec, 1e-9), 100 * acc, 100.0 / ds.classes);
    timing_csv.add_row(std::vector<std::string>{o->name, std::to_string(ds.test_size()), dnn::format_number(sec),
                                                dnn::format_number(ds.test_size() / std::max(sec, 1e-9)),
                                                dnn::format_number(acc)});
  }
  return timing_csv;
}

void write_files(const std::string& out_dir, const Tables& tables, const dnn::Matrix& X, const dnn::Matrix& P,
                 const std::vector<int>& labels, const std::vector<int>& sizes, const dnn::Dataset& ds) {
  const int n = X.rows;
  const std::string prob_path = dnn::join_path(out_dir, "probabilities.csv");
  const std::string layer_path = dnn::join_path(out_dir, "layer_stats.csv");
  const std::string timing_path = dnn::join_path(out_dir, "timing.csv");
  const std::string png_path = dnn::join_path(out_dir, "probabilities.png");
  const std::string digits_path = dnn::join_path(out_dir, "digits.png");
  tables.probabilities.save(prob_path);
  tables.layers.save(layer_path);
  tables.timing.save(timing_path);
  dnn::write_image_grid_png(digits_path, X, ds.height, ds.width, {}, n, 3);
  // Clustered bar chart: one group per class, one bar per digit.
  std::ostringstream block;
  for (int c = 0; c < ds.classes; ++c) {
    block << c;
    for (int i = 0; i < n; ++i) block << ' ' << P(i, c);
    block << '\n';
  }
  std::ostringstream cmd;
  cmd << "set title 'Untrained " << dnn::layer_sizes_text(sizes) << " network: predicted probabilities of " << n
      << " test digits'\n"
      << "set xlabel 'class'\nset ylabel 'probability'\nset yrange [0:*]\nset grid ytics\n"
      << "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
      << "set key outside right\n"
      << "plot ";
  for (int i = 0; i < n; ++i)
    cmd << (i ? ", " : "") << "$d0 using " << i + 2 << ":xtic(1) title 'digit " << i << " (label "
        << labels[static_cast<std::size_t>(i)] << ")'";
  cmd << ", " << 1.0 / ds.classes << " with lines dt 2 lc rgb 'black' title 'uniform 1/" << ds.classes << "'\n";
  const bool plotted = dnn::plot_custom(png_path, 1000, 520, cmd.str(), {block.str()});
  std::printf("\nwrote %s\n      %s\n      %s\n      %s (the %d digits)\n", prob_path.c_str(), layer_path.c_str(),
              timing_path.c_str(), digits_path.c_str(), n);
  if (plotted) std::printf("      %s\n", png_path.c_str());
}

}  // namespace ch01
