// Chapter 00: what the data tour shows — statistics, tables and terminal art on stdout, and the
// files it writes into --out (class_counts.csv, examples_grid.png, class_means.png, summary.json).
#pragma once

#include <string>
#include <vector>

#include "dnn/data.hpp"
#include "dnn/log.hpp"
#include "dnn/matrix.hpp"

namespace ch00 {

/// Pixel statistics of a whole split (after /255 normalisation).
struct PixelStats {
  double mean = 0, min = 1, max = 0, nonzero_fraction = 0;
};
/// Mean, extremes and fraction of non-zero (ink) pixels of every entry of `x`.
PixelStats pixel_stats(const dnn::Matrix& x);

/// Prints the class-balance table (count and share of each class in both splits, then the
/// smallest/largest class and chance accuracy) and returns the same numbers as a table for
/// class_counts.csv.
dnn::CsvTable print_class_balance(const dnn::Dataset& ds, const std::vector<int>& train_counts,
                                  const std::vector<int>& test_counts);

/// One image as text: darker ink → denser character.
void print_ascii(const dnn::Matrix& x, int row, int height, int width);

/// The tiles of the example grid: tile c·per_class + k is the k-th training example of class c.
/// A class with fewer than `per_class` examples (a small --train-limit) leaves its last tiles
/// blank (0 = white), so that row c of the picture is always class c.
dnn::Matrix examples_of_each_class(const dnn::Dataset& ds, int per_class);

/// The mean training image of each class (row c = class c; `train_counts` from class_counts).
dnn::Matrix class_means(const dnn::Dataset& ds, const std::vector<int>& train_counts);

/// The tiles as one gnuplot picture with the class names beside each row (row_names) or under each
/// column (col_names), and a title naming the dataset. Without gnuplot: the bare tile grid (stb).
void write_named_grid(const std::string& png, const dnn::Matrix& tiles, int h, int w, int cols,
                      const std::string& title, const std::vector<std::string>& row_names,
                      const std::vector<std::string>& col_names);

/// summary.json: the dataset, its sizes and class counts, the pixel statistics and the load time.
void save_summary(const std::string& path, const dnn::Dataset& ds, const std::vector<int>& train_counts,
                  const std::vector<int>& test_counts, const PixelStats& ps);

}  // namespace ch00
