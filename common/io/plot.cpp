// PNG plots through gnuplot (via gnuplot-iostream), and PNG images through stb_image_write.
#include "dnn/plot.hpp"

#include <stb/stb_image_write.h>

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gnuplot-iostream.h>
#include <sstream>
#include <stdexcept>

#include "dnn/error.hpp"
#include "dnn/log.hpp"

namespace dnn {

bool gnuplot_available() {
  static const bool ok = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  return ok;
}

std::string gnuplot_quote(const std::string& s) {
  std::string r = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      r += '\\';
      r += ch;
    } else if (c < 0x20 || c == 0x7f || c == '`') {
      // A newline would end the command (and start the attacker's next one); a backquote runs a
      // shell command even inside "..."; so these are written as octal escapes, which gnuplot
      // turns back into the same byte only after it has parsed the command.
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      r += buf;
    } else {
      r += ch;
    }
  }
  return r + "\"";
}

namespace {

std::string header(const std::string& png_path, int w, int h) {
  std::ostringstream os;
  os << "set terminal pngcairo size " << w << "," << h << " enhanced font 'sans,10'\n"
     << "set output " << gnuplot_quote(png_path) << "\n";
  return os.str();
}

// While a gnuplot session is open, SIGPIPE is ignored: a gnuplot that stops reading early (it
// crashed or was killed, or "gnuplot" on the PATH is a broken install) closes the pipe, and
// writing the rest of a large data block to it would otherwise end the whole program at once
// (exit 141, no message, no summary.json). Ignored, the write just fails and the plot is skipped.
class SigpipeIgnored {
 public:
  SigpipeIgnored() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_);
  }
  ~SigpipeIgnored() { sigaction(SIGPIPE, &old_, nullptr); }
  SigpipeIgnored(const SigpipeIgnored&) = delete;
  SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

 private:
  struct sigaction old_ {};
};

// Runs a gnuplot script that draws a `width` × `height` PNG; gnuplot's own errors go to its
// stderr. Gnuplot draws into a draft file next to `png_path`, which replaces `png_path` only when
// gnuplot wrote a non-empty image (so neither a half-written PNG nor an older one is taken for
// this run's plot). Returns false (with a message) when gnuplot is missing or fails.
bool run_gnuplot(const std::string& png_path, int width, int height, const std::string& script) {
  if (!gnuplot_available()) {
    std::fprintf(stderr, "note: gnuplot not found, so %s was not drawn (the CSV next to it has the numbers; "
                         "scripts/setup.sh installs gnuplot)\n", png_path.c_str());
    return false;
  }
  record_output(png_path);  // listed in the folder's manifest (log.hpp)
  const std::string draft = draft_path(png_path);  // gnuplot draws here, then it is renamed (log.hpp)
  std::error_code ec;
  bool sent = false;
  try {
    const SigpipeIgnored no_sigpipe;
    Gnuplot gp("gnuplot");
    gp << header(draft, width, height) << script << "\nset output\nexit\n";
    gp.flush();
    sent = static_cast<bool>(gp);
  } catch (const std::exception& e) {  // the destructor above has waited for gnuplot to exit
    std::fprintf(stderr, "note: gnuplot failed for %s: %s\n", png_path.c_str(), e.what());
    std::filesystem::remove(draft, ec);
    return false;
  }
  if (!sent) {
    std::fprintf(stderr, "note: gnuplot stopped reading its commands, so %s was not drawn\n", png_path.c_str());
    std::filesystem::remove(draft, ec);
    return false;
  }
  const auto bytes = std::filesystem::file_size(draft, ec);
  if (ec || bytes == 0) {
    std::fprintf(stderr, "note: gnuplot did not write %s\n", png_path.c_str());
    std::filesystem::remove(draft, ec);
    return false;
  }
  std::filesystem::rename(draft, png_path, ec);
  if (ec) {
    std::fprintf(stderr, "note: cannot move the plot into place at %s: %s\n", png_path.c_str(), ec.message().c_str());
    std::filesystem::remove(draft, ec);
    return false;
  }
  return true;
}

std::string axes(const PlotSpec& s) {
  std::ostringstream os;
  os << "set title " << gnuplot_quote(s.title) << "\n"
     << "set xlabel " << gnuplot_quote(s.xlabel) << "\n"
     << "set ylabel " << gnuplot_quote(s.ylabel) << "\n"
     << "set grid\n";
  if (s.logy) os << "set logscale y\n";
  if (s.logx) os << "set logscale x\n";
  return os.str();
}

}  // namespace

bool plot_lines(const std::string& png_path, const PlotSpec& spec, const std::vector<Series>& series) {
  // Only series with at least one point are drawn (gnuplot warns about an empty data block), and
  // when every point has the same x (one epoch, one step) the x range is widened by hand so that
  // gnuplot does not warn about an empty range.
  const auto points = [](const Series& s) { return std::min(s.x.size(), s.y.size()); };
  std::vector<const Series*> drawn;
  double xmin = INFINITY, xmax = -INFINITY;
  for (const Series& s : series) {
    if (points(s) == 0) continue;
    drawn.push_back(&s);
    for (std::size_t i = 0; i < points(s); ++i) {
      xmin = std::min(xmin, s.x[i]);
      xmax = std::max(xmax, s.x[i]);
    }
  }
  if (drawn.empty()) return false;  // nothing to draw
  std::ostringstream os;
  // The legend goes under the plot: beside it, long labels took half the width from the curves.
  // As many columns as the longest label leaves room for (about 8 px a character at the default
  // font, plus the sample line): gnuplot's own guess cut the last column off.
  std::size_t longest = 1;
  for (const Series* s : drawn) longest = std::max(longest, s->label.size());
  const int columns = std::max(1, static_cast<int>((spec.width - 40) / (8 * longest + 90)));
  os << axes(spec) << "set key outside below left Left reverse maxcols " << columns << "\n";
  if (xmin == xmax) {
    const double pad = spec.logx ? 0.5 * std::fabs(xmin) : std::max(1.0, 0.5 * std::fabs(xmin));
    os << "set xrange [" << xmin - pad << ":" << xmax + pad << "]\n";
  }
  if (spec.whole_x && !spec.logx) {  // a tick every k whole numbers, about ten ticks at most
    const double step = std::max(1.0, std::ceil((xmax - xmin) / 10.0));
    os << "set xtics " << step << "\nset mxtics 1\n";
  }
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    os << "$d" << k << " << EOD\n";
    const Series& s = *drawn[k];
    for (std::size_t i = 0; i < points(s); ++i) os << s.x[i] << " " << s.y[i] << "\n";
    os << "EOD\n";
  }
  os << "plot ";
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    // A series of one point is invisible as a line: draw it as a point.
    const std::string style = points(*drawn[k]) == 1 ? "points" : drawn[k]->style;
    os << (k ? ", " : "") << "$d" << k << " using 1:2 with " << style << " lw 2 title " << gnuplot_quote(drawn[k]->label);
  }
  os << "\n";
  return run_gnuplot(png_path, spec.width, spec.height, os.str());
}

bool plot_bars(const std::string& png_path, const PlotSpec& spec, const std::vector<std::string>& labels,
               const std::vector<double>& values) {
  std::ostringstream os;
  os << axes(spec)
     << "set style fill solid 0.8 border -1\nset boxwidth 0.7\nset xtics rotate by -30\nunset key\n"
     << "set yrange [" << (spec.logy ? "*" : "0") << ":*]\n";
  os << "$bars << EOD\n";
  for (std::size_t i = 0; i < labels.size() && i < values.size(); ++i)
    os << i << " " << gnuplot_quote(labels[i]) << " " << values[i] << "\n";
  os << "EOD\n";
  os << "plot $bars using 1:3:xtic(2) with boxes lc rgb '#4472c4', "
        "'' using 1:3:(sprintf('%.3g', $3)) with labels offset 0,0.7 notitle\n";
  return run_gnuplot(png_path, spec.width, spec.height, os.str());
}

bool plot_heatmap(const std::string& png_path, const PlotSpec& spec, const Matrix& values,
                  const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                  bool annotate) {
  std::ostringstream os;
  os << axes(spec)
     << "unset grid\nset palette defined (0 'white', 1 '#9ecae1', 2 '#08519c')\nset yrange [] reverse\n"
     << "set xrange [-0.5:" << values.cols - 0.5 << "]\nset yrange [" << values.rows - 0.5 << ":-0.5]\n";
  if (!col_labels.empty()) {
    os << "set xtics (";
    std::size_t longest = 0;
    for (std::size_t j = 0; j < col_labels.size(); ++j) {
      os << (j ? ", " : "") << gnuplot_quote(col_labels[j]) << " " << j;
      longest = std::max(longest, col_labels[j].size());
    }
    os << ")\n";
    // Words ("T-shirt/top", "Ankle boot") would run into each other side by side: slant them.
    if (longest > 4) os << "set xtics rotate by 35 right\n";
  }
  if (!row_labels.empty()) {
    os << "set ytics (";
    for (std::size_t i = 0; i < row_labels.size(); ++i) os << (i ? ", " : "") << gnuplot_quote(row_labels[i]) << " " << i;
    os << ")\n";
  }
  os << "$cells << EOD\n";
  for (int i = 0; i < values.rows; ++i)
    for (int j = 0; j < values.cols; ++j) os << j << " " << i << " " << values(i, j) << "\n";
  os << "EOD\n";
  os << "plot $cells using 1:2:3 with image notitle";
  if (annotate) os << ", $cells using 1:2:(sprintf('%g', $3)) with labels font 'sans,8' notitle";
  os << "\n";
  return run_gnuplot(png_path, spec.width, spec.height, os.str());
}

bool plot_custom(const std::string& png_path, int width, int height, const std::string& commands,
                 const std::vector<std::string>& data_blocks) {
  std::ostringstream os;
  for (std::size_t k = 0; k < data_blocks.size(); ++k) os << "$d" << k << " << EOD\n" << data_blocks[k] << "EOD\n";
  os << commands << "\n";
  return run_gnuplot(png_path, width, height, os.str());
}

namespace {
// stb encodes the PNG in memory and write_file_atomic puts it in place: a failed write (disk full,
// file size limit) is reported and leaves any earlier file whole. (stbi_write_png itself ignores
// the results of fwrite and fclose: a full disk left a truncated PNG and no error.)
void write_png(const std::string& png_path, int width, int height, int channels, const unsigned char* pixels) {
  std::string bytes;
  const auto append = [](void* to, void* data, int size) {
    static_cast<std::string*>(to)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &bytes, width, height, channels, pixels, width * channels))
    throw std::runtime_error("cannot encode the PNG image '" + png_path + "'");
  record_output(png_path);
  write_file_atomic(png_path, bytes);
}
}  // namespace

void write_png_gray(const std::string& png_path, int width, int height, const std::vector<unsigned char>& pixels) {
  if (pixels.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height))
    throw std::invalid_argument("write_png_gray: pixel count does not match " + std::to_string(width) + "x" +
                                std::to_string(height));
  write_png(png_path, width, height, 1, pixels.data());
}

void write_png_rgb(const std::string& png_path, int width, int height, const std::vector<unsigned char>& pixels) {
  if (pixels.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3)
    throw std::invalid_argument("write_png_rgb: pixel count does not match " + std::to_string(width) + "x" +
                                std::to_string(height) + "x3");
  write_png(png_path, width, height, 3, pixels.data());
}

void write_image_grid_png(const std::string& png_path, const Matrix& images, int img_h, int img_w,
                          const std::vector<int>& which, int grid_cols, int scale) {
  if (images.cols != img_h * img_w)
    throw std::invalid_argument("write_image_grid_png: rows have " + std::to_string(images.cols) +
                                " values, expected " + std::to_string(img_h * img_w));
  std::vector<int> idx = which;
  if (idx.empty())
    for (int i = 0; i < images.rows; ++i) idx.push_back(i);
  for (int i : idx)
    if (i < 0 || i >= images.rows)
      throw std::invalid_argument("write_image_grid_png: image " + std::to_string(i) + " outside the " +
                                  std::to_string(images.rows) + " rows of images");
  const int n = static_cast<int>(idx.size());
  grid_cols = std::max(1, std::min(grid_cols, std::max(n, 1)));
  const int grid_rows = std::max(1, (n + grid_cols - 1) / grid_cols);
  const int gap = 2;
  const int cell_w = img_w * scale + gap, cell_h = img_h * scale + gap;
  const int W = grid_cols * cell_w + gap, H = grid_rows * cell_h + gap;
  std::vector<unsigned char> px(static_cast<std::size_t>(W) * H, 64);  // dark grey gaps
  for (int k = 0; k < n; ++k) {
    const float* img = images.row(idx[static_cast<std::size_t>(k)]);
    const int ox = gap + (k % grid_cols) * cell_w, oy = gap + (k / grid_cols) * cell_h;
    for (int y = 0; y < img_h * scale; ++y)
      for (int x = 0; x < img_w * scale; ++x) {
        const float v = std::clamp(img[(y / scale) * img_w + (x / scale)], 0.0f, 1.0f);
        px[static_cast<std::size_t>(oy + y) * W + ox + x] = static_cast<unsigned char>(255.0f * (1.0f - v));
      }
  }
  write_png_gray(png_path, W, H, px);
}

}  // namespace dnn
