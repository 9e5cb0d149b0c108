/// @file data.hpp
/// @brief The datasets every chapter trains on: MNIST, Fashion-MNIST or synthetic digits,
///        resolved from the command line, loaded, checked and normalised to [0, 1].
///
/// Resolution of `--dataset auto` (the default), first match wins:
///  1. `--data DIR`                  (explicit: an error if DIR lacks MNIST or it is corrupt)
///  2. the `MNIST_DIR` environment variable (explicit too: same)
///  3. `data/mnist/` inside the repository (filled by scripts/get-mnist.sh)
///  4. Fashion-MNIST from Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist),
///     with a loud WARNING that MNIST was not found and how to get it
///  5. the built-in synthetic digits (make_synthetic_digits), with the same loud WARNING.
/// `--dataset mnist|fashion|synthetic` picks one explicitly (mnist: steps 1–3 or an error;
/// synthetic reads no folder, so `--data` with it is an error).
/// A folder is named by what it holds: the official Fashion-MNIST files are "fashion" even when
/// found by `--data` or MNIST_DIR (with `--dataset mnist` that is an error, and so is the other way
/// round), and test files in place of the training files are refused (see load_folder).
/// Every program prints describe(dataset) so the data used is never a surprise.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dnn/idx.hpp"
#include "dnn/matrix.hpp"

namespace CLI {
class App;
}

namespace dnn {

/// A loaded dataset: images as rows of floats in [0, 1] (one example per row, height×width
/// pixels, row-major) and integer labels 0..classes-1.
struct Dataset {
  std::string name;    ///< "mnist", "fashion" or "synthetic"
  std::string source;  ///< the folder it was read from, or a description of the generator
  std::string warning; ///< non-empty when we fell back (printed by describe())
  Matrix train_x;      ///< N_train × (height·width), values in [0, 1]
  std::vector<int> train_y;
  Matrix test_x;       ///< N_test × (height·width)
  std::vector<int> test_y;
  int height = 28;
  int width = 28;
  int classes = 10;
  std::vector<std::string> class_names;  ///< "0".."9" for digits, "T-shirt/top"... for Fashion-MNIST
  double load_seconds = 0;               ///< wall time of load_dataset()
  int full_train_size = 0;  ///< training examples available before `--train-limit`
  int full_test_size = 0;   ///< test examples available before `--test-limit`

  int train_size() const { return train_x.rows; }
  int test_size() const { return test_x.rows; }
  int input_size() const { return height * width; }  ///< 784 for MNIST: the MLP's input_dim
};

/// How to find and cut the data (the flags added by add_data_options).
struct DataOptions {
  std::string data_dir;            ///< `--data` DIR: folder with the four IDX files
  std::string dataset = "auto";    ///< `--dataset` auto|mnist|fashion|synthetic
  int limit_train = 0;             ///< `--train-limit` N: use the first N training examples (0 = all)
  int limit_test = 0;              ///< `--test-limit` N: use the first N test examples (0 = all)
  std::uint64_t seed = 20240601;   ///< `--data-seed`: seed of the synthetic digits (fixed, like a dataset)
  int synthetic_train = 60000;     ///< size of the synthetic training set (before `--train-limit`)
  int synthetic_test = 10000;      ///< size of the synthetic test set (before `--test-limit`)
  /// Where step 3 looks (not a flag; tests override it). Default: data/mnist in the repository.
  std::string repo_data_dir = default_repo_data_dir();
  /// Where Fashion-MNIST is looked for (not a flag; env FASHION_MNIST_DIR overrides it).
  std::string fashion_dir = "/usr/share/datasets/fashion-mnist";

  static std::string default_repo_data_dir();
};

/// Adds `--data`, `--dataset`, `--train-limit`, `--test-limit` and `--data-seed` to `app`.
void add_data_options(CLI::App& app, DataOptions& opts);

/// Resolves (see the file comment), loads, validates and normalises the dataset.
/// Throws InputError with a message naming the folder/file/flag and what to do.
Dataset load_dataset(const DataOptions& opts);

/// A fingerprint of the training data actually used (CRC-32 of the pixels and labels after
/// `--train-limit`): a checkpoint records it so that a resume on other data is refused.
std::uint32_t data_fingerprint(const Dataset& ds);

/// One line every program prints, e.g.
/// "data: MNIST from /data/mnist (60000 train, 10000 test, 28x28, 10 classes, loaded in 0.31 s)",
/// preceded by the WARNING when the loader fell back.
std::string describe(const Dataset& ds);

/// The dataset's name for result lines and plot titles: "MNIST", "Fashion-MNIST" or "synthetic digits".
std::string display_name(const Dataset& ds);

/// The last lines of a run on a fallback dataset: the WARNING again (the first one scrolled away
/// under the training output), with the command that gets MNIST. Empty on MNIST.
std::string fallback_reminder(const Dataset& ds);

/// The file names of the four IDX files in `dir` (each may end in .gz), in the order
/// train images, train labels, test images, test labels. Missing ones are returned empty.
struct IdxFiles {
  std::string train_images, train_labels, test_images, test_labels;
  bool complete() const {
    return !train_images.empty() && !train_labels.empty() && !test_images.empty() && !test_labels.empty();
  }
  std::vector<std::string> missing() const;  ///< names of the missing files, for messages
  /// Files present under two spellings ({used, other}: x.gz and x): load_folder checks that
  /// they hold the same data.
  std::vector<std::pair<std::string, std::string>> also_present;
};
IdxFiles find_idx_files(const std::string& dir);

/// Loads an image/label file pair and checks they agree (same count; labels < classes).
/// Pixels become floats in [0, 1] (value / 255). `limit` > 0 keeps only the first `limit` rows
/// (an InputError naming `limit_flag` when the file has fewer). Returns the number of examples
/// in the files (before the limit).
int load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes, int limit,
                  const std::string& limit_flag, Matrix& x, std::vector<int>& y, int& height, int& width);

/// The synthetic digits: 28×28 images of the ten digits drawn as pen strokes with random
/// slant, scale, shift, thickness and speckle noise. Deterministic: example i of a split
/// depends only on (seed, split, i), so the first N of a larger set equal a set of size N.
/// `split` is 0 for train and 1 for test (different examples). Values in [0, 1].
void make_synthetic_digits(int n, std::uint64_t seed, int split, Matrix& x, std::vector<int>& y);

/// One-hot encoding (Keras's to_categorical): row i has a 1 in column labels[i].
Matrix one_hot(const std::vector<int>& labels, int classes);

/// How many examples of each class (index = class).
std::vector<int> class_counts(const std::vector<int>& labels, int classes);

}  // namespace dnn
