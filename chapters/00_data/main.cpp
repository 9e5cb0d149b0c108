// Chapter 00 — the data tour. Before any network: what exactly goes into it?
//
// Loads the dataset the way every later chapter does (--data, MNIST_DIR, data/mnist/, then
// loud fallbacks), then shows it: counts, class balance, pixel statistics, a few digits as
// terminal art, a PNG grid of ten examples per class and the mean image of each class.
// See chapters/00_data/README.md for the IDX format and what every printed number means.
// main() reads the options; run() is the tour, step by step; report.cpp prints and draws.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/log.hpp"
#include "report.hpp"

namespace {

/// The options of the tour.
struct Options {
  dnn::CommonOptions common;
  dnn::DataOptions data;
  int show = 3;        ///< --show: training images printed as terminal art
  int per_class = 10;  ///< --per-class: examples of each class in the PNG grid
};

/// The tour: load the data, then look at it from the network's side (shapes), the pixels' side
/// (statistics, pictures) and the labels' side (class balance).
int run(const Options& o) {
  dnn::prepare_output_dir(o.common.out_dir);

  // 1. Resolve and load (timed inside load_dataset).
  const dnn::Dataset ds = dnn::load_dataset(o.data);
  std::printf("%s\n\n", dnn::describe(ds).c_str());

  // 2. Shapes: what the network's input layer (§2.2) will see.
  std::printf("shapes (one example per row, pixels flattened row by row):\n");
  std::printf("  train_x %d x %d   train_y %zu labels\n", ds.train_x.rows, ds.train_x.cols, ds.train_y.size());
  std::printf("  test_x  %d x %d   test_y  %zu labels\n", ds.test_x.rows, ds.test_x.cols, ds.test_y.size());
  std::printf("  input size %d = %d x %d pixels (the MLP's input_dim; not 64, see README)\n\n", ds.input_size(),
              ds.height, ds.width);

  // 3. Pixel statistics after /255 normalisation.
  const ch00::PixelStats ps = ch00::pixel_stats(ds.train_x);
  std::printf("train pixels after /255: min %.3f  max %.3f  mean %.4f  non-zero %.1f%%\n\n", ps.min, ps.max, ps.mean,
              100.0 * ps.nonzero_fraction);

  // 4. Class balance per split.
  const std::vector<int> train_counts = dnn::class_counts(ds.train_y, ds.classes);
  const std::vector<int> test_counts = dnn::class_counts(ds.test_y, ds.classes);
  const dnn::CsvTable counts_csv = ch00::print_class_balance(ds, train_counts, test_counts);

  // 5. A few digits as terminal art.
  const int n_show = std::min(o.show, ds.train_size());
  for (int i = 0; i < n_show; ++i) {
    const int label = ds.train_y[static_cast<std::size_t>(i)];
    std::printf("train example %d: label %d (%s)\n", i, label, ds.class_names[static_cast<std::size_t>(label)].c_str());
    ch00::print_ascii(ds.train_x, i, ds.height, ds.width);
  }
  if (n_show > 0) std::printf("\n");

  // 6. Files: class counts (CSV), a grid of examples per class and the class means (PNG).
  const std::string counts_path = dnn::join_path(o.common.out_dir, "class_counts.csv");
  counts_csv.save(counts_path);
  const std::string grid_path = dnn::join_path(o.common.out_dir, "examples_grid.png");
  ch00::write_named_grid(grid_path, ch00::examples_of_each_class(ds, o.per_class), ds.height, ds.width, o.per_class,
                         "The first " + std::to_string(o.per_class) + " training examples of each class, " +
                             dnn::display_name(ds),
                         ds.class_names, {});
  const std::string means_path = dnn::join_path(o.common.out_dir, "class_means.png");
  ch00::write_named_grid(means_path, ch00::class_means(ds, train_counts), ds.height, ds.width, ds.classes,
                         "The mean training image of each class, " + dnn::display_name(ds), {}, ds.class_names);
  const std::string summary_path = dnn::join_path(o.common.out_dir, "summary.json");
  ch00::save_summary(summary_path, ds, train_counts, test_counts, ps);

  std::printf("load time: %.3f s (read + gunzip + validate + /255 of both splits)\n", ds.load_seconds);
  std::printf("wrote %s\n      %s (row c = first %d training examples of class c)\n      %s (mean image of each "
              "class)\n      %s\n",
              counts_path.c_str(), grid_path.c_str(), o.per_class, means_path.c_str(), summary_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Chapter 00 — the data tour: which dataset, how many examples, class balance, what a digit looks like.\n"
      "Data: --data DIR, else $MNIST_DIR, else data/mnist/ (scripts/get-mnist.sh), else loudly Fashion-MNIST, "
      "else synthetic digits."};
  app.name("00_data");
  Options o;
  dnn::add_common_options(app, o.common, "out/00_data");
  // This program trains nothing and draws nothing at random (synthetic digits have --data-seed):
  // --seed, --threads and --quiet would be accepted and do nothing, so --help does not offer them.
  for (const char* unused : {"--seed", "--threads", "--quiet"}) app.remove_option(app.get_option(unused));
  dnn::add_data_options(app, o.data);
  app.add_option("--show", o.show, "How many training images to print as terminal art")
      ->capture_default_str()
      ->check(dnn::whole_number(0, 100));
  app.add_option("--per-class", o.per_class, "Examples of each class in the PNG grid")
      ->capture_default_str()
      ->check(dnn::whole_number(1, 50));
  return dnn::run_program(app, argc, argv, [&] { return run(o); });
}
