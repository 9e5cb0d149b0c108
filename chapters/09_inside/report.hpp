// Chapter 09 — pictures and tables: captioned image grids (the maps), line plots, CSV and JSON.
#pragma once

#include <string>
#include <vector>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "network.hpp"

namespace ch09 {

/// One square of a grid: an image (black ink on white) or a map (diverging colours: zero is mid
/// grey, positive red, negative blue; each map scaled by its own 99th percentile of |value|).
struct Tile {
  std::vector<double> values;  ///< height × width, row-major
  bool is_image = false;
  std::string caption;
};

/// A map tile from row `i` of `maps` / an image tile from row `i` of `images`.
Tile map_tile(const MatrixD& maps, int i, const std::string& caption);
Tile image_tile(const MatrixD& images, int i, const std::string& caption);

/// The tiles in `cols` columns with their captions above them (gnuplot); without gnuplot, the
/// bare grid (stb) and one line saying why there are no captions. Prints the file it wrote.
void write_tile_grid(const std::string& png, const std::string& title, const std::vector<Tile>& tiles, int cols,
                     int height, int width, int pixel_width = 1100);

/// plot_lines, and a line naming the file when it was written.
void plot_and_say(const std::string& png, const dnn::PlotSpec& spec, const std::vector<dnn::Series>& series);

/// CsvTable::save and a line naming the file.
void save_and_say(const dnn::CsvTable& table, const std::string& path);

}  // namespace ch09
