// Chapter 09 — the attribution grids: every method on the same few test images.
//
// The images: the first correctly classified test digit of each class, the model's most confident
// mistake (the wrong prediction with the highest softmax probability), and --image if given. The
// class explained is the one the model predicts (for the mistake: why did it say so?) or --class.
// attribution_<method>.png: one grid per method, the digit above its map; attribution_all.png:
// one row per image, one column per method.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dnn/log.hpp"
#include "experiments.hpp"
#include "report.hpp"

namespace ch09 {

namespace {

struct Example {
  int index;
  int label;
  int predicted;
  int explained;
  double confidence;  // softmax probability of the prediction
  std::string why;
};

std::vector<Example> choose_examples(const Context& c) {
  const int n = c.ds.test_size();
  const MatrixD z = logits(c.net, rows_as_double(c.ds.test_x));
  std::vector<Example> ex;
  auto make = [&](int i, const std::string& why) {
    const double* r = z.row(i);
    const int p = static_cast<int>(std::max_element(r, r + z.cols) - r);
    double s = 0;
    for (int k = 0; k < z.cols; ++k) s += std::exp(r[k] - r[p]);
    const int explained = c.o.explain_class >= 0 ? c.o.explain_class : p;
    return Example{i, c.ds.test_y[static_cast<std::size_t>(i)], p, explained, 1.0 / s, why};
  };
  for (int k = 0; k < c.ds.classes; ++k)
    for (int i = 0; i < n; ++i) {
      Example e = make(i, "first " + c.ds.class_names[static_cast<std::size_t>(k)]);
      if (e.label == k && e.predicted == k) {
        ex.push_back(e);
        break;
      }
    }
  int worst = -1;
  double worst_conf = -1;
  for (int i = 0; i < n; ++i) {
    const Example e = make(i, "");
    if (e.predicted != e.label && e.confidence > worst_conf) worst = i, worst_conf = e.confidence;
  }
  if (worst >= 0) ex.push_back(make(worst, "most confident mistake"));
  if (c.o.image >= 0) ex.push_back(make(c.o.image, "--image"));
  return ex;
}

}  // namespace

nlohmann::json attribution_grids(const Context& c) {
  const std::vector<Example> ex = choose_examples(c);
  std::vector<int> which, classes;
  for (const Example& e : ex) which.push_back(e.index), classes.push_back(e.explained);
  const MatrixD X = rows_as_double(c.ds.test_x, which);
  const std::vector<Method> methods = all_methods();
  std::vector<MatrixD> maps;
  for (Method m : methods) maps.push_back(attribute(m, c.net, X, classes, c.settings));

  dnn::CsvTable csv({"row", "test_index", "label", "predicted", "explained_class", "confidence", "why"});
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t r = 0; r < ex.size(); ++r) {
    const Example& e = ex[r];
    csv.add_row(std::vector<std::string>{std::to_string(r), std::to_string(e.index), std::to_string(e.label),
                                         std::to_string(e.predicted), std::to_string(e.explained),
                                         dnn::format_number(e.confidence, 4), e.why});
    list.push_back({{"test_index", e.index}, {"label", e.label}, {"predicted", e.predicted},
                    {"explained_class", e.explained}, {"confidence", e.confidence}, {"why", e.why}});
  }
  save_and_say(csv, dnn::join_path(c.out, "attribution_examples.csv"));

  const int h = c.ds.height, w = c.ds.width;
  const auto& names = c.ds.class_names;
  auto caption = [&](const Example& e) {
    return "true " + names[static_cast<std::size_t>(e.label)] + ", says " + names[static_cast<std::size_t>(e.predicted)];
  };
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::vector<Tile> tiles;
    const int cols = static_cast<int>(ex.size());
    for (std::size_t r = 0; r < ex.size(); ++r) tiles.push_back(image_tile(X, static_cast<int>(r), caption(ex[r])));
    for (std::size_t r = 0; r < ex.size(); ++r)
      tiles.push_back(map_tile(maps[m], static_cast<int>(r),
                               "class " + names[static_cast<std::size_t>(ex[r].explained)]));
    write_tile_grid(dnn::join_path(c.out, "attribution_" + method_name(methods[m]) + ".png"),
                    method_name(methods[m]) + ": which pixels drive the score of the class explained (red +, blue -)",
                    tiles, cols, h, w, 1300);
  }
  std::vector<Tile> all;
  for (std::size_t r = 0; r < ex.size(); ++r) {
    all.push_back(image_tile(X, static_cast<int>(r), caption(ex[r])));
    for (std::size_t m = 0; m < methods.size(); ++m)
      all.push_back(map_tile(maps[m], static_cast<int>(r), method_name(methods[m])));
  }
  write_tile_grid(dnn::join_path(c.out, "attribution_all.png"),
                  "Every method on the same digits (columns: input, then one map per method)", all,
                  static_cast<int>(methods.size()) + 1, h, w, 900);
  return list;
}

}  // namespace ch09
