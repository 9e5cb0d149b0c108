// Chapter 00: the tour's tables, terminal art and files (see report.hpp).
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "dnn/plot.hpp"

namespace ch00 {

PixelStats pixel_stats(const dnn::Matrix& x) {
  PixelStats s;
  double sum = 0;
  std::size_t nz = 0;
  for (float v : x.data) {
    sum += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
    nz += v > 0;
  }
  if (!x.data.empty()) {
    s.mean = sum / static_cast<double>(x.data.size());
    s.nonzero_fraction = static_cast<double>(nz) / static_cast<double>(x.data.size());
  }
  return s;
}

dnn::CsvTable print_class_balance(const dnn::Dataset& ds, const std::vector<int>& train_counts,
                                  const std::vector<int>& test_counts) {
  dnn::CsvTable counts_csv({"class", "name", "train", "train_percent", "test", "test_percent"});
  std::printf("class balance:\n  %-5s %-12s %8s %7s %8s %7s\n", "class", "name", "train", "%", "test", "%");
  for (int c = 0; c < ds.classes; ++c) {
    const std::size_t k = static_cast<std::size_t>(c);
    const double tr = ds.train_size() ? 100.0 * train_counts[k] / ds.train_size() : 0.0;
    const double te = ds.test_size() ? 100.0 * test_counts[k] / ds.test_size() : 0.0;
    std::printf("  %-5d %-12s %8d %6.2f%% %8d %6.2f%%\n", c, ds.class_names[k].c_str(), train_counts[k], tr,
                test_counts[k], te);
    counts_csv.add_row(std::vector<std::string>{std::to_string(c), ds.class_names[k], std::to_string(train_counts[k]),
                                                dnn::format_number(tr, 4), std::to_string(test_counts[k]),
                                                dnn::format_number(te, 4)});
  }
  std::printf("  %-5s %-12s %8d %6.2f%% %8d %6.2f%%\n", "all", "", ds.train_size(), 100.0, ds.test_size(), 100.0);
  const auto [lo, hi] = std::minmax_element(train_counts.begin(), train_counts.end());
  std::printf("  smallest/largest training class: %d / %d examples (ratio %.2f); chance accuracy ~ %.1f%%\n\n", *lo,
              *hi, *hi ? static_cast<double>(*lo) / *hi : 0.0, 100.0 / ds.classes);
  return counts_csv;
}

void print_ascii(const dnn::Matrix& x, int row, int height, int width) {
  static const char shades[] = " .:-=+*#%@";  // 10 levels, 0 = blank paper
  const float* img = x.row(row);
  for (int i = 0; i < height; ++i) {
    std::string line = "  |";
    for (int j = 0; j < width; ++j) {
      const float v = std::clamp(img[i * width + j], 0.0f, 1.0f);
      const char c = shades[std::min(9, static_cast<int>(v * 9.999f))];
      line += c;
      line += c;  // two characters per pixel: terminal cells are about twice as tall as wide
    }
    std::printf("%s|\n", line.c_str());
  }
}

dnn::Matrix examples_of_each_class(const dnn::Dataset& ds, int per_class) {
  dnn::Matrix tiles(ds.classes * per_class, ds.input_size(), 0.0f);
  std::vector<int> found(static_cast<std::size_t>(ds.classes), 0);
  for (int i = 0; i < ds.train_size(); ++i) {
    const int c = ds.train_y[static_cast<std::size_t>(i)];
    int& k = found[static_cast<std::size_t>(c)];
    if (k == per_class) continue;
    std::copy(ds.train_x.row(i), ds.train_x.row(i) + ds.input_size(), tiles.row(c * per_class + k));
    ++k;
  }
  return tiles;
}

dnn::Matrix class_means(const dnn::Dataset& ds, const std::vector<int>& train_counts) {
  dnn::Matrix means(ds.classes, ds.input_size(), 0.0f);
  for (int i = 0; i < ds.train_size(); ++i) {
    const int c = ds.train_y[static_cast<std::size_t>(i)];
    for (int j = 0; j < ds.input_size(); ++j) means(c, j) += ds.train_x(i, j);
  }
  for (int c = 0; c < ds.classes; ++c)
    for (int j = 0; j < ds.input_size(); ++j)
      means(c, j) /= static_cast<float>(std::max(1, train_counts[static_cast<std::size_t>(c)]));
  return means;
}

void write_named_grid(const std::string& png, const dnn::Matrix& tiles, int h, int w, int cols,
                      const std::string& title, const std::vector<std::string>& row_names,
                      const std::vector<std::string>& col_names) {
  const int rows = (tiles.rows + cols - 1) / cols, cell_w = w + 2, cell_h = h + 2;
  const int W = cols * cell_w, H = rows * cell_h;
  std::ostringstream data, cmd;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const int t = (y / cell_h) * cols + x / cell_w, iy = y % cell_h - 1, ix = x % cell_w - 1;
      const bool inside = t < tiles.rows && iy >= 0 && iy < h && ix >= 0 && ix < w;
      data << x << ' ' << y << ' ' << (inside ? tiles(t, iy * w + ix) : 0.0f) << '\n';
    }
  const auto tics = [](const std::vector<std::string>& names, int cell) {
    std::ostringstream t;
    t << "(";
    for (std::size_t k = 0; k < names.size(); ++k)
      t << (k ? ", " : "") << dnn::gnuplot_quote(names[k]) << " " << k * cell + cell / 2.0;
    return t.str() + ")";
  };
  cmd << "set title " << dnn::gnuplot_quote(title) << " noenhanced\nunset key\nunset colorbox\nunset border\n"
      << "set palette gray negative\nset cbrange [0:1]\nset size ratio -1\n"
      << "set xrange [-0.5:" << W - 0.5 << "]\nset yrange [" << H - 0.5 << ":-0.5]\n"
      << (row_names.empty() ? "unset ytics\n" : "set ytics scale 0 noenhanced " + tics(row_names, cell_h) + "\n")
      << (col_names.empty() ? "unset xtics\n"
                            : "set xtics scale 0 noenhanced rotate by 35 right " + tics(col_names, cell_w) + "\n")
      << "plot $d0 using 1:2:3 with image\n";
  const int width = 140 + 4 * W, height = 110 + 4 * H;
  if (!dnn::plot_custom(png, width, height, cmd.str(), {data.str()}))
    dnn::write_image_grid_png(png, tiles, h, w, {}, cols, 2);
}

void save_summary(const std::string& path, const dnn::Dataset& ds, const std::vector<int>& train_counts,
                  const std::vector<int>& test_counts, const PixelStats& ps) {
  nlohmann::json summary = {{"dataset", ds.name},
                            {"source", ds.source},
                            {"warning", ds.warning},
                            {"train", ds.train_size()},
                            {"test", ds.test_size()},
                            {"height", ds.height},
                            {"width", ds.width},
                            {"classes", ds.classes},
                            {"class_names", ds.class_names},
                            {"train_counts", train_counts},
                            {"test_counts", test_counts},
                            {"pixel_mean", ps.mean},
                            {"pixel_nonzero_fraction", ps.nonzero_fraction},
                            {"load_seconds", ds.load_seconds}};
  dnn::save_json(path, summary);
}

}  // namespace ch00
