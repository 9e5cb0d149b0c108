// Chapter 09 — pictures: captioned grids of digits and attribution maps, drawn as one RGB image.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "dnn/log.hpp"

namespace ch09 {

namespace {

struct Rgb {
  unsigned char r, g, b;
};

// Diverging colours: −1 blue, 0 mid grey, +1 red (ColorBrewer RdBu ends).
Rgb diverging(double t) {
  t = std::clamp(t, -1.0, 1.0);
  const double grey = 128;
  const double end[2][3] = {{33, 102, 172}, {178, 24, 43}};
  const double* e = end[t >= 0 ? 1 : 0];
  const double a = std::abs(t);
  auto mix = [&](int k) { return static_cast<unsigned char>(std::lround(grey + a * (e[k] - grey))); };
  return {mix(0), mix(1), mix(2)};
}

double tile_scale(const std::vector<double>& v) {
  std::vector<double> a;
  for (double x : v)
    if (x != 0) a.push_back(std::abs(x));
  if (a.empty()) return 1.0;
  const std::size_t k = std::min(a.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(a.size())));
  std::nth_element(a.begin(), a.begin() + static_cast<long>(k), a.end());
  return a[k] > 0 ? a[k] : 1.0;
}

}  // namespace

Tile map_tile(const MatrixD& maps, int i, const std::string& caption) {
  return {std::vector<double>(maps.row(i), maps.row(i) + maps.cols), false, caption};
}

Tile image_tile(const MatrixD& images, int i, const std::string& caption) {
  return {std::vector<double>(images.row(i), images.row(i) + images.cols), true, caption};
}

void write_tile_grid(const std::string& png, const std::string& title, const std::vector<Tile>& tiles, int cols,
                     int h, int w, int pixel_width) {
  const bool captions = std::any_of(tiles.begin(), tiles.end(), [](const Tile& t) { return !t.caption.empty(); });
  const int rows = static_cast<int>((tiles.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
  const int cell_w = w + 4, cell_h = h + (captions ? 12 : 4);
  const int W = cols * cell_w, H = rows * cell_h;
  std::vector<unsigned char> rgb(static_cast<std::size_t>(W) * H * 3, 255);
  std::ostringstream labels;
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    const Tile& tile = tiles[t];
    const int ox = static_cast<int>(t % static_cast<std::size_t>(cols)) * cell_w + 2;
    const int oy = static_cast<int>(t / static_cast<std::size_t>(cols)) * cell_h + (captions ? 10 : 2);
    const double s = tile.is_image ? 1.0 : tile_scale(tile.values);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const double v = tile.values[static_cast<std::size_t>(y * w + x)];
        Rgb c;
        if (tile.is_image) {
          const auto g = static_cast<unsigned char>(std::lround(255 * (1 - std::clamp(v, 0.0, 1.0))));
          c = {g, g, g};
        } else {
          c = diverging(v / s);
        }
        unsigned char* p = &rgb[(static_cast<std::size_t>(oy + y) * W + ox + x) * 3];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
    if (!tile.caption.empty())
      labels << "set label " << t + 1 << " \"" << tile.caption << "\" at " << ox + w / 2.0 << "," << oy - 5
             << " center front noenhanced font 'sans,8'\n";
  }
  std::ostringstream data;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const unsigned char* p = &rgb[(static_cast<std::size_t>(y) * W + x) * 3];
      data << x << ' ' << y << ' ' << int(p[0]) << ' ' << int(p[1]) << ' ' << int(p[2]) << '\n';
    }
  std::ostringstream script;
  script << "set title \"" << title << "\" noenhanced\nunset key\nunset colorbox\nunset xtics\nunset ytics\nunset border\n"
         << "set size ratio -1\nset lmargin 1\nset rmargin 1\nset xrange [-0.5:" << W - 0.5 << "]\nset yrange ["
         << H - 0.5 << ":-0.5]\n"
         << labels.str() << "plot $d0 using 1:2:3:4:5 with rgbimage\n";
  const int pixel_height = std::max(200, static_cast<int>(std::lround(pixel_width * double(H) / W)) + 70);
  if (dnn::plot_custom(png, pixel_width, pixel_height, script.str(), {data.str()})) {
    std::printf("wrote %s\n", png.c_str());
    return;
  }
  // No gnuplot: the same pixels, 4× larger, without the captions.
  const int k = 4;
  std::vector<unsigned char> big(static_cast<std::size_t>(W) * k * H * k * 3);
  for (int y = 0; y < H * k; ++y)
    for (int x = 0; x < W * k; ++x)
      for (int c = 0; c < 3; ++c)
        big[(static_cast<std::size_t>(y) * W * k + x) * 3 + c] = rgb[(static_cast<std::size_t>(y / k) * W + x / k) * 3 + c];
  dnn::write_png_rgb(png, W * k, H * k, big);
  std::printf("wrote %s (without captions: gnuplot is missing)\n", png.c_str());
}

void plot_and_say(const std::string& png, const dnn::PlotSpec& spec, const std::vector<dnn::Series>& series) {
  if (dnn::plot_lines(png, spec, series)) std::printf("wrote %s\n", png.c_str());
}

void save_and_say(const dnn::CsvTable& table, const std::string& path) {
  table.save(path);
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace ch09
