// Chapter 00 — the data tour. Before any network: what exactly goes into it?
//
// Loads the dataset the way every later chapter does (--data, MNIST_DIR, data/mnist/, then
// loud fallbacks), then shows it: counts, class balance, pixel statistics, a few digits as
// terminal art, a PNG grid of ten examples per class and the mean image of each class.
// See chapters/00_data/README.md for the IDX format and what every printed number means.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "dnn/timer.hpp"

namespace {

/// One image as text: darker ink → denser character.
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

struct PixelStats {
  double mean = 0, min = 1, max = 0, nonzero_fraction = 0;
};
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

/// The tiles of the example grid: tile c·per_class + k is the k-th training example of class c.
/// A class with fewer than `per_class` examples (a small --train-limit) leaves its last tiles
/// blank (0 = white), so that row c of the picture is always class c.
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


/// The tiles as one gnuplot picture with the class names beside each row (row_names) or under each
/// column (col_names), and a title naming the dataset. Without gnuplot: the bare tile grid (stb).
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 00 — the data tour: which dataset, how many examples, class balance, what a digit looks like.\n"
      "Data: --data DIR, else $MNIST_DIR, else data/mnist/ (scripts/get-mnist.sh), else loudly Fashion-MNIST, "
      "else synthetic digits."};
  app.name("00_data");
  dnn::CommonOptions common;
  dnn::DataOptions data;
  int show = 3;
  int per_class = 10;
  dnn::add_common_options(app, common, "out/00_data");
  // This program trains nothing and draws nothing at random (synthetic digits have --data-seed):
  // --seed, --threads and --quiet would be accepted and do nothing, so --help does not offer them.
  for (const char* unused : {"--seed", "--threads", "--quiet"}) app.remove_option(app.get_option(unused));
  dnn::add_data_options(app, data);
  app.add_option("--show", show, "How many training images to print as terminal art")
      ->capture_default_str()
      ->check(dnn::whole_number(0, 100));
  app.add_option("--per-class", per_class, "Examples of each class in the PNG grid")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 50));

  return dnn::run_program(app, argc, argv, [&]() -> int {
    dnn::prepare_output_dir(common.out_dir);

    // 1. Resolve and load (timed inside load_dataset).
    const dnn::Dataset ds = dnn::load_dataset(data);
    std::printf("%s\n\n", dnn::describe(ds).c_str());

    // 2. Shapes: what the network's input layer (§2.2) will see.
    std::printf("shapes (one example per row, pixels flattened row by row):\n");
    std::printf("  train_x %d x %d   train_y %zu labels\n", ds.train_x.rows, ds.train_x.cols, ds.train_y.size());
    std::printf("  test_x  %d x %d   test_y  %zu labels\n", ds.test_x.rows, ds.test_x.cols, ds.test_y.size());
    std::printf("  input size %d = %d x %d pixels (the MLP's input_dim; not 64, see README)\n\n", ds.input_size(),
                ds.height, ds.width);

    // 3. Pixel statistics after /255 normalisation.
    const PixelStats ps = pixel_stats(ds.train_x);
    std::printf("train pixels after /255: min %.3f  max %.3f  mean %.4f  non-zero %.1f%%\n\n", ps.min, ps.max, ps.mean,
                100.0 * ps.nonzero_fraction);

    // 4. Class balance per split.
    const std::vector<int> train_counts = dnn::class_counts(ds.train_y, ds.classes);
    const std::vector<int> test_counts = dnn::class_counts(ds.test_y, ds.classes);
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

    // 5. A few digits as terminal art.
    const int n_show = std::min(show, ds.train_size());
    for (int i = 0; i < n_show; ++i) {
      const int label = ds.train_y[static_cast<std::size_t>(i)];
      std::printf("train example %d: label %d (%s)\n", i, label, ds.class_names[static_cast<std::size_t>(label)].c_str());
      print_ascii(ds.train_x, i, ds.height, ds.width);
    }
    if (n_show > 0) std::printf("\n");

    // 6. Files: class counts (CSV), a grid of examples per class and the class means (PNG).
    const std::string counts_path = dnn::join_path(common.out_dir, "class_counts.csv");
    counts_csv.save(counts_path);

    const std::string grid_path = dnn::join_path(common.out_dir, "examples_grid.png");
    write_named_grid(grid_path, examples_of_each_class(ds, per_class), ds.height, ds.width, per_class,
                     "The first " + std::to_string(per_class) + " training examples of each class, " +
                         dnn::display_name(ds),
                     ds.class_names, {});

    dnn::Matrix means(ds.classes, ds.input_size(), 0.0f);
    for (int i = 0; i < ds.train_size(); ++i) {
      const int c = ds.train_y[static_cast<std::size_t>(i)];
      for (int j = 0; j < ds.input_size(); ++j) means(c, j) += ds.train_x(i, j);
    }
    for (int c = 0; c < ds.classes; ++c)
      for (int j = 0; j < ds.input_size(); ++j)
        means(c, j) /= static_cast<float>(std::max(1, train_counts[static_cast<std::size_t>(c)]));
    const std::string means_path = dnn::join_path(common.out_dir, "class_means.png");
    write_named_grid(means_path, means, ds.height, ds.width, ds.classes,
                     "The mean training image of each class, " + dnn::display_name(ds), {}, ds.class_names);

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
    const std::string summary_path = dnn::join_path(common.out_dir, "summary.json");
    dnn::save_json(summary_path, summary);

    std::printf("load time: %.3f s (read + gunzip + validate + /255 of both splits)\n", ds.load_seconds);
    std::printf("wrote %s\n      %s (row c = first %d training examples of class c)\n      %s (mean image of each "
                "class)\n      %s\n",
                counts_path.c_str(), grid_path.c_str(), per_class, means_path.c_str(), summary_path.c_str());
    return 0;
  });
}
