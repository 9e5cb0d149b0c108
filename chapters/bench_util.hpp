// What the chapter benchmarks share (linked into every one with chapters/bench_main.cpp):
// random inputs, the layer shapes of the textbook's network, and the training data.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "dnn/data.hpp"
#include "dnn/matrix.hpp"
#include "dnn/rng.hpp"

namespace dnn::bench {

/// A rows × cols matrix of values uniform in [−1, 1) drawn from `rng` (benchmark inputs: the
/// speed of dense math does not depend on the values).
Matrix random_matrix(int rows, int cols, Rng& rng);

/// Benchmark arguments {batch, n_in, n_out}: the three dense layers of the 784-50-50-10 network
/// (784→50, 50→50, 50→10) at batch 32, 256 and 10000, named "B", "in", "out", in microseconds.
/// Use as BENCHMARK(...)->Apply(textbook_layer_shapes).
void textbook_layer_shapes(benchmark::internal::Benchmark* b);

/// The training data, loaded once on first use with the default search (MNIST_DIR, data/mnist,
/// then Fashion-MNIST or the synthetic digits; see load_dataset).
/// Says on stderr which data it loaded, loudly when it is not MNIST.
const Dataset& bench_dataset();

/// "" on MNIST, else " [fashion, NOT MNIST]" (or synthetic): appended to the labels of benchmarks
/// that train on bench_dataset(), so a result never travels without the data it was measured on.
std::string dataset_tag();

}  // namespace dnn::bench
