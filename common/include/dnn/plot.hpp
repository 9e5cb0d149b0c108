/// @file plot.hpp
/// @brief PNG plots through gnuplot (gnuplot-iostream), headless, and PNG images via stb.
///
/// Every plot function returns false and prints one clear line when gnuplot is missing or
/// fails (also when it quits without reading its commands: that never ends the program);
/// callers always write their CSV first, so the numbers are never lost. Gnuplot draws into a
/// draft file that replaces the PNG only once it is complete. Every PNG they write is listed in
/// its output folder's manifest, like the CSV and JSON files (log.hpp).
#pragma once

#include <string>
#include <vector>

#include "dnn/matrix.hpp"

namespace dnn {

/// One curve or point set.
struct Series {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
  std::string style = "lines";  ///< gnuplot style: "lines", "linespoints", "points", ...
};

/// Axes and title of a line plot.
struct PlotSpec {
  std::string title;
  std::string xlabel;
  std::string ylabel;
  bool logy = false;
  bool logx = false;
  int width = 900;
  int height = 560;
  bool whole_x = false;  ///< x counts whole things (epochs): ticks only at whole numbers, never 1.2
};

/// `s` as a gnuplot string literal: in double quotes, with double quotes and backslashes escaped
/// and every control character (a newline above all) and backquote written as an octal escape, so
/// no text from the command line, a file name or a label can end the command or run a shell
/// command (gnuplot runs a backquoted command even inside double quotes). Every string sent to
/// gnuplot goes through this.
std::string gnuplot_quote(const std::string& s);

/// True when a `gnuplot` program is available (checked once).
bool gnuplot_available();

/// Line plot of several series into `png_path`. Series without points are left out; returns false
/// (and writes nothing) when no series has a point.
bool plot_lines(const std::string& png_path, const PlotSpec& spec, const std::vector<Series>& series);

/// Bar chart: one bar per label (e.g. speedups). `logy` for wide ranges.
bool plot_bars(const std::string& png_path, const PlotSpec& spec, const std::vector<std::string>& labels,
               const std::vector<double>& values);

/// Heat map of `values` (row i drawn top to bottom), with optional tick labels and the value
/// printed in each cell when `annotate` (e.g. a confusion matrix).
bool plot_heatmap(const std::string& png_path, const PlotSpec& spec, const Matrix& values,
                  const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                  bool annotate);

/// Sends arbitrary gnuplot commands (after `set terminal pngcairo; set output png_path`).
/// For plots the helpers above do not cover (decision boundaries, loss surfaces...).
/// `data_blocks` are written as inline data blocks named $d0, $d1, ... before `commands`.
bool plot_custom(const std::string& png_path, int width, int height, const std::string& commands,
                 const std::vector<std::string>& data_blocks = {});

/// Writes an 8-bit grayscale PNG (stb_image_write). `pixels` has width*height bytes, row-major.
/// Written like write_file_atomic (log.hpp): throws InputError when the file cannot be written
/// completely, and an earlier file at `png_path` is then left as it was.
void write_png_gray(const std::string& png_path, int width, int height, const std::vector<unsigned char>& pixels);

/// Writes an 8-bit RGB PNG. `pixels` has width*height*3 bytes. Errors as write_png_gray.
void write_png_rgb(const std::string& png_path, int width, int height, const std::vector<unsigned char>& pixels);

/// Tiles images (each row of `images` is one `img_h × img_w` image with values in [0,1]) into
/// a grid PNG with `grid_cols` columns and a 2-pixel gap. `which` selects rows (all if empty).
/// `scale` enlarges each pixel (nearest neighbour). A row of `which` outside `images` throws
/// std::invalid_argument.
void write_image_grid_png(const std::string& png_path, const Matrix& images, int img_h, int img_w,
                          const std::vector<int>& which, int grid_cols, int scale = 2);

}  // namespace dnn
