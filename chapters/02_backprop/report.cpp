// Chapter 02: the files of the program — gradcheck.csv, update_sign.csv and the bar chart
// gradcheck.png (one bar per parameter tensor, green pass / red FAIL, the tolerance dashed).
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "backprop.hpp"
#include "dnn/plot.hpp"

namespace ch02 {
namespace {

// One bar per parameter tensor, grouped by network: green when it passes, red when it fails, the
// tolerance as a dashed line, so "which tensors fail" is read at a glance (numbers: gradcheck.csv).
bool plot_gradcheck(const std::string& png, const std::vector<CheckBar>& bars, double tolerance, double h,
                    bool planted_bug, int failures) {
  std::ostringstream data, cmd;
  double x = 0;
  std::string group;
  double group_start = 0;
  const auto close_group = [&](double end) {
    if (group.empty()) return;
    cmd << "set label " << dnn::gnuplot_quote(group) << " at first " << (group_start + end) / 2 << ", graph 0.96 center noenhanced font 'sans,10'\n";
    cmd << "set arrow from first " << end + 0.5 << ", graph 0 to first " << end + 0.5
        << ", graph 1 nohead lc rgb '#bbbbbb'\n";
  };
  double lowest = tolerance;
  for (const CheckBar& b : bars) {
    lowest = std::min(lowest, std::max(b.error, 1e-17));
    if (b.network != group) {
      close_group(x - 1);
      group = b.network;
      group_start = x;
    }
    data << x << ' ' << std::max(b.error, 1e-17) << ' ' << (b.pass ? 11 : 12) << ' ' << dnn::gnuplot_quote(b.tensor) << '\n';
    x += 1;
  }
  close_group(x - 1);
  char title[200];
  std::snprintf(title, sizeof title, "Gradient check (h = %g): max relative error per tensor, %d of %zu FAIL%s", h,
                failures, bars.size(), planted_bug ? " (PLANTED BUG)" : "");
  cmd << "set title " << dnn::gnuplot_quote(title) << "\n"
      << "set logscale y\nset format y '10^{%L}'\nset ylabel 'max |a - n| / max(|a|, |n|, 1e-4)'\n"
      << "set xrange [-1:" << x << "]\nset yrange [" << lowest / 4 << ":*]\nset offsets 0, 0, graph 0.12, 0\n"
      << "set style fill solid 0.85 border -1\nset boxwidth 0.7\nset grid ytics lc rgb '#dddddd'\n"
      << "set linetype 11 lc rgb '#1a9850'\nset linetype 12 lc rgb '#d73027'\n"
      << "set key outside bottom center horizontal\nset bmargin 6\n"
      << "set xtics scale 0 font 'sans,9'\n"
      << "set arrow from graph 0, first " << tolerance << " to graph 1, first " << tolerance
      << " nohead dt 2 lw 2 lc rgb 'black' front\n"
      << "plot $d0 using 1:2:3:xtic(4) with boxes lc variable notitle, "
      << "NaN with boxes lt 11 title 'pass (below the tolerance)', NaN with boxes lt 12 title 'FAIL', "
      << "NaN with lines dt 2 lw 2 lc rgb 'black' title 'tolerance " << dnn::format_number(tolerance, 2) << "'\n";
  return dnn::plot_custom(png, 1200, 600, cmd.str(), {data.str()});
}

}  // namespace

void write_files(const Options& o, const CheckResult& check, const dnn::CsvTable& sign_csv) {
  const std::string check_path = dnn::join_path(o.common.out_dir, "gradcheck.csv");
  const std::string sign_path = dnn::join_path(o.common.out_dir, "update_sign.csv");
  const std::string png_path = dnn::join_path(o.common.out_dir, "gradcheck.png");
  check.csv.save(check_path);
  sign_csv.save(sign_path);
  const bool plotted = plot_gradcheck(png_path, check.bars, o.tolerance, o.h, o.planted_bug,
                                      check.failures + check.kink_failures);
  std::printf("wrote %s\n      %s\n", check_path.c_str(), sign_path.c_str());
  if (plotted) std::printf("      %s\n", png_path.c_str());
}

}  // namespace ch02
