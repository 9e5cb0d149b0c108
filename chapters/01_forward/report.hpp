// Chapter 01: what the forward-pass tour prints (layer statistics, class probabilities, the
// timing of both backends) and the files it writes into --out (probabilities.csv,
// layer_stats.csv, timing.csv, digits.png, probabilities.png).
#pragma once

#include <string>
#include <vector>

#include "dnn/data.hpp"
#include "dnn/log.hpp"
#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"

namespace ch01 {

/// Mean, standard deviation and fraction of positive entries of a matrix (one layer's Z or A).
struct Stats {
  double mean = 0, std = 0, positive = 0;
};
/// The Stats of every entry of `M` (all zero for an empty matrix).
Stats stats_of(const dnn::Matrix& M);

/// Largest |a − b|; NaN as soon as one difference is NaN (std::max would skip it and print 0).
double max_abs_diff(const dnn::Matrix& a, const dnn::Matrix& b);

/// Prints the network's layers (shapes of W and b, activation, Glorot limit) and its parameter count.
void print_network(const dnn::Mlp& net, unsigned long long seed);

/// Prints the table of class probabilities P (one row per digit: p(0..classes-1), argmax, max p,
/// −log p(label)) and the mean cross-entropy; returns the same numbers as a table for probabilities.csv.
dnn::CsvTable print_probabilities(const dnn::Matrix& P, const std::vector<int>& labels, int classes);

/// Times the forward pass of the whole test set (chunks of 1000) on each backend in turn, prints
/// time, throughput and accuracy, and returns the table for timing.csv.
dnn::CsvTable time_backends(const std::vector<const dnn::Ops*>& backends, const dnn::Mlp& net,
                            const dnn::Dataset& ds);

/// The tables of one run, saved together.
struct Tables {
  dnn::CsvTable probabilities, layers, timing;
};

/// Writes probabilities.csv, layer_stats.csv, timing.csv, digits.png (the digits X) and
/// probabilities.png (a clustered bar chart of P, when gnuplot is there) and lists them.
void write_files(const std::string& out_dir, const Tables& tables, const dnn::Matrix& X, const dnn::Matrix& P,
                 const std::vector<int>& labels, const std::vector<int>& sizes, const dnn::Dataset& ds);

}  // namespace ch01
