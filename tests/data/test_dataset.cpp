// Dataset resolution (--data > MNIST_DIR > data/mnist > Fashion-MNIST > synthetic), explicit
// folders that are broken, limits, normalisation, one-hot, the synthetic digits, real MNIST.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "catch.hpp"
#include "data_test_util.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/idx.hpp"

using namespace datatest;

namespace {

/// Options that see only the folders a test creates: repo and Fashion folders point into `tmp`
/// (and may not exist); small synthetic sets.
dnn::DataOptions isolated(const TempDir& tmp) {
  dnn::DataOptions o;
  o.repo_data_dir = tmp.file("repo-data-mnist");
  o.fashion_dir = tmp.file("fashion");
  o.synthetic_train = 300;
  o.synthetic_test = 50;
  return o;
}

}  // namespace

TEST_CASE("resolution: --data beats MNIST_DIR beats the repository's data/mnist", "[data][resolve]") {
  TempDir tmp;
  // Distinct training-set sizes tell which folder was used.
  write_dataset(tmp.sub("flag"), 11, 3);
  write_dataset(tmp.sub("env"), 12, 3, /*gz=*/false);
  write_dataset(tmp.sub("repo-data-mnist"), 13, 3);
  EnvGuard no_fashion("FASHION_MNIST_DIR", nullptr);
  dnn::DataOptions o = isolated(tmp);
  {
    EnvGuard env("MNIST_DIR", tmp.file("env").c_str());
    o.data_dir = tmp.file("flag");
    dnn::Dataset ds = dnn::load_dataset(o);
    CHECK(ds.name == "mnist");
    CHECK(ds.train_size() == 11);
    CHECK(ds.source == tmp.file("flag"));
    CHECK(ds.warning.empty());
    o.data_dir.clear();
    ds = dnn::load_dataset(o);
    CHECK(ds.train_size() == 12);  // raw (not gzipped) files work too
    CHECK(ds.source == tmp.file("env"));
  }
  EnvGuard no_env("MNIST_DIR", nullptr);
  const dnn::Dataset ds = dnn::load_dataset(o);
  CHECK(ds.train_size() == 13);
  CHECK(ds.test_size() == 3);
  CHECK(ds.warning.empty());
  CHECK(dnn::describe(ds).rfind("data: MNIST from " + tmp.file("repo-data-mnist") +
                                    " (13 train, 3 test, 28x28 pixels, 10 classes; loaded in ",
                                0) == 0);
}

TEST_CASE("resolution: nothing found falls back loudly to Fashion-MNIST, else synthetic", "[data][resolve]") {
  TempDir tmp;
  EnvGuard no_env("MNIST_DIR", nullptr);
  EnvGuard no_fashion("FASHION_MNIST_DIR", nullptr);
  dnn::DataOptions o = isolated(tmp);
  // An incomplete repo folder is not explicit: it is reported in the warning, not an error.
  write_bytes(tmp.sub("repo-data-mnist") + "/train-images-idx3-ubyte.gz", gzip(image_file(2)));

  dnn::Dataset ds = dnn::load_dataset(o);  // no Fashion either → synthetic
  CHECK(ds.name == "synthetic");
  CHECK(ds.train_size() == 300);
  CHECK(ds.test_size() == 50);
  CHECK(contains(ds.warning, "WARNING: MNIST not found"));
  CHECK(contains(ds.warning, "missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"));
  CHECK(contains(ds.warning, "scripts/get-mnist.sh"));
  CHECK(contains(dnn::describe(ds), "synthetic digits"));

  write_dataset(tmp.sub("fashion"), 14, 4);
  ds = dnn::load_dataset(o);
  CHECK(ds.name == "fashion");
  CHECK(ds.train_size() == 14);
  CHECK(ds.class_names.at(9) == "Ankle boot");
  CHECK(contains(ds.warning, "using Fashion-MNIST from " + tmp.file("fashion")));
  const std::string d = dnn::describe(ds);
  CHECK(d.rfind("WARNING: MNIST not found", 0) == 0);
  CHECK(contains(d, "\ndata: Fashion-MNIST from "));

  // FASHION_MNIST_DIR points elsewhere.
  write_dataset(tmp.sub("fashion2"), 15, 4);
  EnvGuard f2("FASHION_MNIST_DIR", tmp.file("fashion2").c_str());
  CHECK(dnn::load_dataset(o).train_size() == 15);
}

TEST_CASE("resolution: an explicit folder that is missing, incomplete or corrupt is an error", "[data][resolve]") {
  TempDir tmp;
  EnvGuard no_env("MNIST_DIR", nullptr);
  EnvGuard no_fashion("FASHION_MNIST_DIR", nullptr);
  write_dataset(tmp.sub("repo-data-mnist"), 13, 3);  // a working fallback must NOT be used
  dnn::DataOptions o = isolated(tmp);

  o.data_dir = tmp.file("does-not-exist");
  std::string e = input_error_of([&] { dnn::load_dataset(o); });
  INFO(e);
  CHECK(contains(e, "--data '" + tmp.file("does-not-exist") + "': folder does not exist"));
  CHECK(contains(e, "--dataset fashion|synthetic"));
  CHECK(contains(e, "scripts/get-mnist.sh"));

  write_dataset(tmp.sub("incomplete"), 5, 2);
  std::remove((tmp.file("incomplete") + "/t10k-labels-idx1-ubyte.gz").c_str());
  o.data_dir.clear();
  {
    EnvGuard env("MNIST_DIR", tmp.file("incomplete").c_str());
    e = input_error_of([&] { dnn::load_dataset(o); });
    CHECK(contains(e, "MNIST_DIR '" + tmp.file("incomplete") +
                          "': incomplete dataset folder, missing t10k-labels-idx1-ubyte"));
  }

  write_dataset(tmp.sub("corrupt"), 5, 2);
  write_bytes(tmp.file("corrupt") + "/train-labels-idx1-ubyte.gz", gzip(label_file(4)));  // 5 images, 4 labels
  o.data_dir = tmp.file("corrupt");
  e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "--data '" + tmp.file("corrupt") + "'"));
  CHECK(contains(e, "count mismatch"));
  CHECK(contains(e, "--dataset fashion|synthetic"));
}

TEST_CASE("resolution: wrong image dimensions (not 28x28) are an error", "[data][resolve]") {
  TempDir tmp;
  const std::string dir = tmp.sub("small");
  write_dataset(dir, 5, 2);
  write_bytes(dir + "/train-images-idx3-ubyte.gz", gzip(image_file(5, 20, 20)));
  dnn::DataOptions o = isolated(tmp);
  o.data_dir = dir;
  const std::string e = input_error_of([&] { dnn::load_dataset(o); });
  INFO(e);
  CHECK(contains(e, dir + "/train-images-idx3-ubyte.gz: wrong image size 20x20, expected 28x28"));
}

TEST_CASE("dataset choice: --dataset mnist insists, fashion and synthetic pick explicitly", "[data][resolve]") {
  TempDir tmp;
  EnvGuard no_env("MNIST_DIR", nullptr);
  EnvGuard no_fashion("FASHION_MNIST_DIR", nullptr);
  dnn::DataOptions o = isolated(tmp);
  o.dataset = "mnist";
  std::string e = input_error_of([&] { dnn::load_dataset(o); });
  INFO(e);
  CHECK(contains(e, "--dataset mnist: MNIST not found"));
  CHECK(contains(e, "scripts/get-mnist.sh"));

  o.dataset = "fashion";
  e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "Fashion-MNIST not found in '" + tmp.file("fashion") + "'"));

  write_dataset(tmp.sub("fashion"), 6, 2);
  write_dataset(tmp.sub("repo-data-mnist"), 13, 3);
  const dnn::Dataset f = dnn::load_dataset(o);
  CHECK(f.name == "fashion");
  CHECK(f.warning.empty());  // asked for: no warning
  CHECK(f.train_size() == 6);

  o.dataset = "synthetic";
  const dnn::Dataset s = dnn::load_dataset(o);
  CHECK(s.name == "synthetic");
  CHECK(s.warning.empty());
  CHECK(s.train_size() == 300);

  o.dataset = "imagenet";
  e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "--dataset 'imagenet': expected auto, mnist, fashion or synthetic"));
}

TEST_CASE("limits: --train-limit/--test-limit keep the first N examples, too many is an error", "[data][resolve]") {
  TempDir tmp;
  write_dataset(tmp.sub("d"), 20, 8);
  dnn::DataOptions o = isolated(tmp);
  o.data_dir = tmp.file("d");
  const dnn::Dataset full = dnn::load_dataset(o);
  o.limit_train = 7;
  o.limit_test = 3;
  const dnn::Dataset part = dnn::load_dataset(o);
  REQUIRE(part.train_size() == 7);
  REQUIRE(part.test_size() == 3);
  CHECK(part.full_train_size == 20);
  CHECK(std::equal(part.train_y.begin(), part.train_y.end(), full.train_y.begin()));
  CHECK(std::equal(part.train_x.data.begin(), part.train_x.data.end(), full.train_x.data.begin()));
  CHECK(contains(dnn::describe(part), "(7 of 20 train, 3 of 8 test,"));

  o.limit_train = 21;
  std::string e = input_error_of([&] { dnn::load_dataset(o); });
  INFO(e);
  CHECK(contains(e, "--train-limit 21"));
  CHECK(contains(e, "holds only 20 examples"));
  o.limit_train = -1;
  e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "--train-limit -1: expected 0 (all) or a positive count"));
}

TEST_CASE("normalisation: pixel bytes become v/255 in [0,1], labels are copied", "[data][resolve]") {
  TempDir tmp;
  const std::string dir = tmp.sub("d");
  write_dataset(dir, 3, 2);
  dnn::DataOptions o = isolated(tmp);
  o.data_dir = dir;
  const dnn::Dataset ds = dnn::load_dataset(o);
  const dnn::IdxArray raw = dnn::read_idx_images(dir + "/train-images-idx3-ubyte.gz");
  REQUIRE(ds.train_x.cols == 784);
  for (std::size_t k = 0; k < raw.data.size(); ++k)
    REQUIRE(ds.train_x.data[k] == static_cast<float>(raw.data[k]) / 255.0f);
  const auto [lo, hi] = std::minmax_element(ds.train_x.data.begin(), ds.train_x.data.end());
  CHECK(*lo == 0.0f);
  CHECK(*hi == 1.0f);  // the test pattern contains 0 and 255
  CHECK(ds.train_y == std::vector<int>({0, 1, 2}));
  CHECK(ds.input_size() == 784);
}

TEST_CASE("one_hot and class_counts", "[data]") {
  const dnn::Matrix m = dnn::one_hot({2, 0, 9}, 10);
  REQUIRE(m.rows == 3);
  REQUIRE(m.cols == 10);
  for (int i = 0; i < 3; ++i) {
    float sum = 0;
    for (int j = 0; j < 10; ++j) sum += m(i, j);
    CHECK(sum == 1.0f);
  }
  CHECK(m(0, 2) == 1.0f);
  CHECK(m(1, 0) == 1.0f);
  CHECK(m(2, 9) == 1.0f);
  CHECK_THROWS_AS(dnn::one_hot({10}, 10), std::invalid_argument);
  CHECK(dnn::class_counts({1, 1, 3, 0}, 4) == std::vector<int>({1, 2, 0, 1}));
}

TEST_CASE("synthetic digits: deterministic from the seed, prefix-stable, in [0,1], all classes", "[data][synthetic]") {
  dnn::Matrix a, b, c, t;
  std::vector<int> ya, yb, yc, yt;
  dnn::make_synthetic_digits(2000, 7, 0, a, ya);
  dnn::make_synthetic_digits(2000, 7, 0, b, yb);
  CHECK(a.data == b.data);
  CHECK(ya == yb);
  dnn::make_synthetic_digits(500, 7, 0, c, yc);  // the first 500 of the same set
  CHECK(std::equal(c.data.begin(), c.data.end(), a.data.begin()));
  CHECK(std::equal(yc.begin(), yc.end(), ya.begin()));
  dnn::make_synthetic_digits(2000, 8, 0, b, yb);  // another seed: other images
  CHECK(a.data != b.data);
  dnn::make_synthetic_digits(500, 7, 1, t, yt);  // the test split differs from the train split
  CHECK(!std::equal(t.data.begin(), t.data.end(), a.data.begin()));

  REQUIRE(a.cols == 784);
  const auto [lo, hi] = std::minmax_element(a.data.begin(), a.data.end());
  CHECK(*lo >= 0.0f);
  CHECK(*hi <= 1.0f);
  CHECK(*hi > 0.7f);
  const std::vector<int> counts = dnn::class_counts(ya, 10);
  for (int n : counts) CHECK(n > 150);  // roughly balanced (expected 200 each)
  // Every image has ink: between 5% and 50% of the pixels are non-zero.
  for (int i = 0; i < a.rows; ++i) {
    int nz = 0;
    for (int j = 0; j < 784; ++j) nz += a(i, j) > 0.0f;
    REQUIRE(nz > 784 / 20);
    REQUIRE(nz < 784 / 2);
  }
}

TEST_CASE("synthetic digits are learnable: even a nearest-class-mean classifier beats chance by far",
          "[data][synthetic]") {
  dnn::Matrix x, xt;
  std::vector<int> y, yt;
  dnn::make_synthetic_digits(3000, 20240601, 0, x, y);
  dnn::make_synthetic_digits(1000, 20240601, 1, xt, yt);
  std::vector<double> mean(10 * 784, 0.0);
  const std::vector<int> counts = dnn::class_counts(y, 10);
  for (int i = 0; i < x.rows; ++i)
    for (int j = 0; j < 784; ++j) mean[static_cast<std::size_t>(y[static_cast<std::size_t>(i)] * 784 + j)] += x(i, j);
  for (int c = 0; c < 10; ++c)
    for (int j = 0; j < 784; ++j) mean[static_cast<std::size_t>(c * 784 + j)] /= counts[static_cast<std::size_t>(c)];
  int correct = 0;
  for (int i = 0; i < xt.rows; ++i) {
    int best = 0;
    double best_d = 1e300;
    for (int c = 0; c < 10; ++c) {
      double d = 0;
      for (int j = 0; j < 784; ++j) {
        const double diff = xt(i, j) - mean[static_cast<std::size_t>(c * 784 + j)];
        d += diff * diff;
      }
      if (d < best_d) best_d = d, best = c;
    }
    correct += best == yt[static_cast<std::size_t>(i)];
  }
  const double acc = static_cast<double>(correct) / xt.rows;
  INFO("nearest-class-mean accuracy " << acc);
  CHECK(acc > 0.6);  // chance is 0.1
}

TEST_CASE("real MNIST (only when MNIST_DIR is set): 60000/10000, first labels 5 and 7", "[data][mnist]") {
  const char* dir = std::getenv("MNIST_DIR");
  if (!dir || !*dir) {
    WARN("MNIST_DIR not set: real-MNIST test skipped (export MNIST_DIR=/path/to/mnist to run it)");
    return;
  }
  dnn::DataOptions o;
  o.dataset = "mnist";
  const dnn::Dataset ds = dnn::load_dataset(o);
  CHECK(ds.name == "mnist");
  CHECK(ds.source == dir);
  REQUIRE(ds.train_size() == 60000);
  REQUIRE(ds.test_size() == 10000);
  CHECK(ds.train_x.cols == 784);
  CHECK(ds.train_y[0] == 5);
  CHECK(ds.test_y[0] == 7);
  CHECK(dnn::class_counts(ds.train_y, 10) ==
        std::vector<int>({5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  const auto [lo, hi] = std::minmax_element(ds.train_x.data.begin(), ds.train_x.data.end());
  CHECK(*lo == 0.0f);
  CHECK(*hi == 1.0f);
}

namespace {
/// n labels starting with `first` (then i % 10): the official files' first labels make a folder
/// recognisable as MNIST or Fashion-MNIST, train or test.
Bytes labels_starting(std::uint32_t n, const std::vector<int>& first) {
  Bytes data(n);
  for (std::uint32_t i = 0; i < n; ++i)
    data[i] = static_cast<unsigned char>(i < first.size() ? first[i] : static_cast<int>(i % 10));
  return dnn::encode_idx({n}, data);
}
const std::vector<int> kFashionTrain{9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9};
const std::vector<int> kMnistTest{7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5};
}  // namespace

TEST_CASE("a folder is named by what it holds: Fashion-MNIST by --data is Fashion-MNIST", "[data][resolve]") {
  TempDir tmp;
  EnvGuard no_env("MNIST_DIR", nullptr);
  dnn::DataOptions o = isolated(tmp);
  const std::string dir = tmp.sub("clothes");
  write_dataset(dir, 20, 20, false);
  write_bytes(dir + "/train-labels-idx1-ubyte", labels_starting(20, kFashionTrain));
  o.data_dir = dir;
  const dnn::Dataset ds = dnn::load_dataset(o);
  CHECK(ds.name == "fashion");
  CHECK(ds.class_names[0] == "T-shirt/top");
  CHECK(contains(dnn::describe(ds), "data: Fashion-MNIST from " + dir));
  o.dataset = "mnist";  // insisting on MNIST with Fashion-MNIST files: refused
  const std::string e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "holds Fashion-MNIST, not MNIST (--dataset mnist)"));
}

TEST_CASE("test files in place of the training files are refused", "[data][resolve]") {
  TempDir tmp;
  dnn::DataOptions o = isolated(tmp);
  const std::string dir = tmp.sub("swapped");
  write_dataset(dir, 20, 20, false);
  write_bytes(dir + "/train-labels-idx1-ubyte", labels_starting(20, kMnistTest));
  o.data_dir = dir;
  const std::string e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "are train-* and t10k-* swapped?"));
}

TEST_CASE("a folder given with --dataset synthetic (--data DIR) is refused, not silently ignored", "[data][resolve]") {
  TempDir tmp;
  dnn::DataOptions o = isolated(tmp);
  o.dataset = "synthetic";
  o.data_dir = tmp.sub("some_folder");
  const std::string e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "--data '" + o.data_dir + "': --dataset synthetic generates its digits and reads no folder"));
}

TEST_CASE("x.gz and x both present: the same data is fine, different data is refused", "[data][resolve]") {
  TempDir tmp;
  dnn::DataOptions o = isolated(tmp);
  const std::string dir = tmp.sub("both");
  write_dataset(dir, 20, 10, true);
  write_dataset(dir, 20, 10, false);  // the same files, uncompressed
  o.data_dir = dir;
  CHECK(dnn::load_dataset(o).train_size() == 20);
  write_bytes(dir + "/t10k-labels-idx1-ubyte", labels_starting(10, {3, 3, 3}));
  const std::string e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "t10k-labels-idx1-ubyte.gz and " + dir + "/t10k-labels-idx1-ubyte are present and hold different data"));
}

TEST_CASE("a FIFO or a link to /dev/zero named like an MNIST file is named as such, never 'missing' or a hang",
          "[data][resolve]") {
  TempDir tmp;
  dnn::DataOptions o = isolated(tmp);
  const std::string dir = tmp.sub("special");
  write_dataset(dir, 20, 10, false);
  std::remove((dir + "/train-images-idx3-ubyte").c_str());
  REQUIRE(symlink("/dev/zero", (dir + "/train-images-idx3-ubyte").c_str()) == 0);
  o.data_dir = dir;
  std::string e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "train-images-idx3-ubyte: is not a regular file (a device)"));
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
  REQUIRE(mkfifo((dir + "/t10k-labels-idx1-ubyte").c_str(), 0644) == 0);
  std::remove((dir + "/train-images-idx3-ubyte").c_str());
  write_bytes(dir + "/train-images-idx3-ubyte", image_file(20));
  e = input_error_of([&] { dnn::load_dataset(o); });
  CHECK(contains(e, "t10k-labels-idx1-ubyte: is not a regular file (a pipe)"));
}

TEST_CASE("data_fingerprint: the same data gives the same value, other images or labels another", "[data]") {
  dnn::Dataset a;
  a.train_x = dnn::Matrix(2, 3, 0.5f);
  a.train_y = {1, 2};
  dnn::Dataset b = a;
  CHECK(dnn::data_fingerprint(a) == dnn::data_fingerprint(b));
  b.train_y[1] = 3;
  CHECK(dnn::data_fingerprint(a) != dnn::data_fingerprint(b));
  b = a;
  b.train_x(1, 2) = 0.25f;
  CHECK(dnn::data_fingerprint(a) != dnn::data_fingerprint(b));
}
