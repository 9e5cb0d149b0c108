// Chapter 04: the tables (paths, optimizer comparisons), the CSVs, the plots (contours with every
// optimizer's path, f along each path, loss/accuracy curves, decision boundaries, MNIST).
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "adam.hpp"
#include "dnn/log.hpp"
#include "dnn/plot.hpp"

namespace ch04 {
namespace {

/// Contours of each surface with every optimizer's path, side by side (gnuplot).
bool plot_paths(const std::string& png, const std::vector<Surface>& surf, const std::vector<std::vector<Path>>& paths) {
  static const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};
  std::vector<std::string> blocks;
  std::ostringstream cmd;
  cmd << "set multiplot layout 1," << surf.size()
      << " title \"The same step functions moving a 2-D point: SGD, momentum, RMSProp and Adam\" font 'sans,12'\n";
  for (std::size_t k = 0; k < surf.size(); ++k) {
    const Surface& s = surf[k];
    const int res = 160;
    std::ostringstream g;
    for (int r = 0; r < res; ++r) {
      const double y = s.ymin + (s.ymax - s.ymin) * r / (res - 1);
      for (int c = 0; c < res; ++c) {
        const double x = s.xmin + (s.xmax - s.xmin) * c / (res - 1);
        g << x << ' ' << y << ' ' << s.f(x, y) << '\n';
      }
      g << '\n';
    }
    const std::size_t grid_block = blocks.size();
    blocks.push_back(g.str());
    std::vector<std::size_t> path_blocks;
    for (const Path& p : paths[k]) {
      std::ostringstream b;
      // Long paths: every point would be a blur; keep ≤ 400 of them (always the first and last).
      const std::size_t n = p.x.size(), stride = std::max<std::size_t>(1, n / 400);
      for (std::size_t i = 0; i < n; i += stride) b << p.x[i] << ' ' << p.y[i] << '\n';
      if ((n - 1) % stride) b << p.x[n - 1] << ' ' << p.y[n - 1] << '\n';
      path_blocks.push_back(blocks.size());
      blocks.push_back(b.str());
      std::ostringstream e;  // where the path ended
      e << p.x.back() << ' ' << p.y.back() << '\n';
      blocks.push_back(e.str());
    }
    cmd << "set contour base\nunset surface\nset view map\nset cntrparam levels discrete ";
    for (std::size_t i = 0; i < s.levels.size(); ++i) cmd << (i ? "," : "") << s.levels[i];
    cmd << "\nset table $c" << k << "\nsplot $d" << grid_block << " using 1:2:3 with lines notitle\nunset table\n"
        << "unset contour\nset surface\n"
        << "set title " << dnn::gnuplot_quote(s.formula + ", " + std::to_string(s.steps) + " steps from (" +
                                 dnn::format_number(s.x0, 3) + ", " + dnn::format_number(s.y0, 3) + ")")
        << "\nset xrange [" << s.xmin << ":" << s.xmax << "]\nset yrange [" << s.ymin << ":" << s.ymax << "]\n"
        << "set xlabel 'x'\nset ylabel 'y'\nset key bottom right box opaque\nset grid\n"
        << "plot $c" << k << " using 1:2 with lines lc rgb '#c0c0c0' notitle";
    for (std::size_t i = 0; i < paths[k].size(); ++i)
      cmd << ", $d" << path_blocks[i] << " using 1:2 with linespoints pt 7 ps 0.35 lw 1.5 lc rgb '" << colors[i % 4]
          << "' title " << dnn::gnuplot_quote(paths[k][i].optimizer + " (lr " + dnn::format_number(paths[k][i].lr, 3) + ")")
          << ", $d" << path_blocks[i] + 1 << " using 1:2 with points pt 9 ps 2.2 lc rgb '" << colors[i % 4]
          << "' notitle";
    const double mx = k == 0 ? 0 : 1, my = k == 0 ? 0 : 1;  // the minimum
    cmd << ", '+' using (" << mx << "):(" << my << ") every ::0::0 with points pt 3 ps 2.5 lw 2 lc rgb 'black' "
        << "title 'minimum'\n";
  }
  cmd << "unset multiplot\n";
  return dnn::plot_custom(png, 1500, 620, cmd.str(), blocks);
}

}  // namespace

dnn::CsvTable start_path_table(const dnn::Ops& ops) {
  std::printf("1. optimizer paths on 2-D loss surfaces (backend %s)\n", ops.name);
  std::printf("  %-11s %-9s %8s %6s %22s %12s %14s\n", "surface", "optimizer", "lr", "steps", "final (x, y)",
              "final f", "steps to f<1e-3");
  return dnn::CsvTable({"surface", "optimizer", "lr", "step", "x", "y", "f"});
}

void report_path(const Surface& s, const Path& p, dnn::CsvTable& traj, nlohmann::json& summary) {
  const double lr = p.lr;
  char xy[64], tol[32] = "never";
  std::snprintf(xy, sizeof xy, "(%.4f, %.4f)", p.x.back(), p.y.back());
  if (p.steps_to_tol >= 0) std::snprintf(tol, sizeof tol, "%d", p.steps_to_tol);
  std::printf("  %-11s %-9s %8g %6d %22s %12.3g %14s\n", s.name.c_str(), p.optimizer.c_str(), lr, s.steps, xy,
              p.f.back(), tol);
  for (std::size_t i = 0; i < p.x.size(); ++i)
    traj.add_row(std::vector<std::string>{s.name, p.optimizer, dnn::format_number(lr), std::to_string(i),
                                          dnn::format_number(p.x[i], 8), dnn::format_number(p.y[i], 8),
                                          dnn::format_number(p.f[i], 8)});
  summary["surfaces"].push_back({{"surface", s.name},
                                 {"optimizer", p.optimizer},
                                 {"lr", lr},
                                 {"final_f", p.f.back()},
                                 {"steps_to_1e-3", p.steps_to_tol}});
}

void report_surfaces(const std::string& out, const std::vector<Surface>& surf,
                     const std::vector<std::vector<Path>>& paths, const dnn::CsvTable& traj,
                     std::vector<std::string>& written) {
  written.push_back(dnn::join_path(out, "trajectories.csv"));
  traj.save(written.back());
  if (plot_paths(dnn::join_path(out, "loss_surfaces.png"), surf, paths))
    written.push_back(dnn::join_path(out, "loss_surfaces.png"));
  std::vector<dnn::Series> fs;
  for (std::size_t k = 0; k < surf.size(); ++k)
    for (const Path& p : paths[k]) {
      dnn::Series s;
      s.label = surf[k].name + ": " + p.optimizer;
      for (std::size_t i = 0; i < p.f.size(); ++i) {
        s.x.push_back(static_cast<double>(i + 1));
        s.y.push_back(std::max(p.f[i], 1e-12));
      }
      fs.push_back(s);
    }
  dnn::PlotSpec spec;
  spec.title = "f along each path (the minimum of both surfaces is 0)";
  spec.xlabel = "step + 1 (log scale)";
  spec.ylabel = "f(x, y)";
  spec.logx = spec.logy = true;
  if (dnn::plot_lines(dnn::join_path(out, "surface_loss.png"), spec, fs))
    written.push_back(dnn::join_path(out, "surface_loss.png"));
}

void print_table(const std::vector<dnn::RunLog>& runs) {
  std::printf("  %-22s %8s %10s %10s %9s %8s\n", "optimizer", "steps", "train loss", "train acc", "test acc",
              "time s");
  for (const auto& r : runs) {
    const auto& c = r.curve.back();
    std::printf("  %-22s %8ld %10.4f %9.2f%% %8.2f%% %8.3f\n", r.spec.label.c_str(), c.steps, c.loss,
                100.0 * c.accuracy, 100.0 * c.test_accuracy, c.train_seconds);
  }
}

void report_network_runs(const std::string& out, const Options& o, const std::string& shape, const dnn::Ops& ops,
                         const dnn::ToyProblem& toy, const std::vector<dnn::RunLog>& runs, nlohmann::json& summary,
                         std::vector<std::string>& written) {
  dnn::save_run_csvs(out, "", runs, false, written);
  const std::string title =
      "SGD vs momentum vs Adam: " + o.problem + ", network " + shape + ", same start and shuffling";
  const std::string loss_png = dnn::join_path(out, "optimizer_loss.png");
  if (dnn::plot_loss_per_epoch(loss_png, title, "epoch", runs)) written.push_back(loss_png);
  const std::string accuracy_png = dnn::join_path(out, "optimizer_accuracy.png");
  if (dnn::plot_accuracy_per_epoch(accuracy_png, title, "epoch", runs)) written.push_back(accuracy_png);
  const std::string png = dnn::join_path(out, "decision_boundary.png");
  if (dnn::plot_run_boundaries(png, "What each optimizer learned in " + std::to_string(o.epochs) + " epochs", ops,
                               runs, toy, 0.25f, o.grid))
    written.push_back(png);
  for (const auto& r : runs)
    summary["network_runs"].push_back({{"run", r.spec.label},
                                       {"train_loss", r.curve.back().loss},
                                       {"train_accuracy", r.curve.back().accuracy},
                                       {"test_accuracy", r.curve.back().test_accuracy}});
}

void report_mnist_runs(const std::string& out, const dnn::Dataset& ds, const std::vector<dnn::RunLog>& mruns,
                       nlohmann::json& summary, std::vector<std::string>& written) {
  dnn::save_run_csvs(out, "mnist_", mruns, true, written);
  for (const auto& r : mruns) {
    summary["mnist_runs"].push_back({{"run", r.spec.label},
                                     {"train_loss", r.curve.back().loss},
                                     {"test_accuracy", r.curve.back().test_accuracy}});
  }
  const std::string png = dnn::join_path(out, "mnist_optimizers.png");
  if (dnn::plot_window_loss(
          png,
          dnn::display_name(ds) + ", one epoch, Keras default learning rates: minibatch loss (mean over 1/50 "
                                  "epoch windows)",
          mruns))
    written.push_back(png);
}

}  // namespace ch04
