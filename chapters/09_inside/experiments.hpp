// Chapter 09 — the experiments of 09_inside, one file each; each writes its CSV/PNG into the
// output folder and returns its numbers for the summary JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attribution.hpp"
#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "inside.hpp"

namespace ch09 {

/// What every experiment reads.
struct Context {
  const Options& o;
  const dnn::Dataset& ds;
  dnn::Mlp model;               ///< the float model (chapter 05)
  NetD net;                     ///< its double copy
  AttributionSettings settings;
  std::string out;              ///< --out
};

/// Trains the textbook model (784-50-50-10, ReLU, SGD 0.01, batch 32) on (X, y) with chapter 07's
/// fast CPU trainer for `epochs` epochs from the Glorot initialisation of `seed` (retrain.cpp).
dnn::Mlp train_textbook_model(const dnn::Matrix& X, const std::vector<int>& y, int classes, int epochs,
                              std::uint64_t seed);

/// A copy of X with pixel j of image i set to 0 where keep[i][j] is 0 (one mask per image, or a
/// single mask, keep[0], for every image).
dnn::Matrix masked(const dnn::Matrix& X, const std::vector<std::vector<char>>& keep_per_image);

nlohmann::json visualise(const Context& c);            // visualise.cpp
nlohmann::json attribution_grids(const Context& c);    // grids.cpp
nlohmann::json ig_completeness(const Context& c);      // completeness.cpp
nlohmann::json sanity_checks(const Context& c);        // sanity_checks.cpp
nlohmann::json deletion_curves(const Context& c);      // deletion.cpp
nlohmann::json roar(const Context& c);                 // roar.cpp
nlohmann::json feature_importance(const Context& c);   // importance.cpp (also the selection)

/// Parses "20,50,300" (whole numbers from 1 to `max`); InputError naming `flag` otherwise.
std::vector<int> parse_counts(const std::string& text, const std::string& flag, int max);

/// The pixel indices of one map sorted from the largest value to the smallest (ties: lower index first).
std::vector<int> ranking(const double* map, int n);

/// Spearman's rank correlation of two equally long vectors (ties get their mean rank; sanity_checks.cpp).
double spearman(const std::vector<double>& a, const std::vector<double>& b);

/// Area under y(x) by the trapezoid rule (x increasing).
double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace ch09
