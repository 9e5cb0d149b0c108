// Dataset resolution (--data, MNIST_DIR, data/mnist, Fashion-MNIST, synthetic), loading,
// normalisation to [0, 1], one-hot and class counts. See dnn/data.hpp.
#include "dnn/data.hpp"

#include <CLI/CLI.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>

#include "dnn/cli.hpp"
#include "dnn/error.hpp"
#include "dnn/timer.hpp"

namespace dnn {

namespace {

// Anything of that name: a regular file, but also a folder, a FIFO or a link to /dev/zero, which
// the reader then refuses by name (read_file_bytes) instead of calling the file "missing".
bool exists_any(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}
bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

const char* const kGetMnistHint =
    "get MNIST with scripts/get-mnist.sh (downloads the four files into data/mnist/ and checks their MD5s; "
    "offline: scripts/get-mnist.sh --from DIR)";
const char* const kFallbackHint = "or pick another dataset with --dataset fashion|synthetic";

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

void set_fashion(Dataset& ds);

// The first labels of the official files: what a folder holds, whatever the flags said.
struct KnownLabels {
  const char* dataset;  // "mnist" or "fashion"
  const char* split;    // "train" or "test"
  std::array<int, 16> first;
};
constexpr KnownLabels kKnownLabels[] = {
    {"mnist", "train", {5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7}},
    {"mnist", "test", {7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5}},
    {"fashion", "train", {9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9}},
    {"fashion", "test", {9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1}},
};
const KnownLabels* recognise(const std::vector<int>& labels) {
  if (labels.size() < 16) return nullptr;
  for (const KnownLabels& k : kKnownLabels)
    if (std::equal(k.first.begin(), k.first.end(), labels.begin())) return &k;
  return nullptr;
}

// A folder of the official Fashion-MNIST files is named Fashion-MNIST (with its class names) even
// when it came by --data or MNIST_DIR; `--dataset mnist` on Fashion (or fashion on MNIST) and test
// files in place of the training files are refused. Other data (a custom set) keeps its name.
void name_by_content(const std::string& origin, const std::string& dir, const DataOptions& opts, Dataset& ds) {
  const KnownLabels* train = recognise(ds.train_y);
  const KnownLabels* test = recognise(ds.test_y);
  const auto pretty = [](const std::string& d) { return d == "mnist" ? "MNIST" : "Fashion-MNIST"; };
  if ((train && std::string(train->split) == "test") || (test && std::string(test->split) == "train"))
    throw InputError(origin + " '" + dir + "': the training files hold the " + pretty(train ? train->dataset : test->dataset) +
                     " test set (or the test files its training set): are train-* and t10k-* swapped?");
  if (!train) return;
  const std::string found = train->dataset;
  if (found == ds.name) return;
  if (opts.dataset != "auto")
    throw InputError(origin + " '" + dir + "': holds " + pretty(found) + ", not " + pretty(ds.name) +
                     " (--dataset " + opts.dataset + "); use --dataset " + found + " or --dataset auto");
  if (found == "fashion") {
    set_fashion(ds);
  } else {
    ds.name = "mnist";
    ds.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  }
}

/// Loads the four files of `dir` into `ds` (images 28×28 required: MNIST and Fashion-MNIST).
void load_folder(const std::string& dir, const std::string& origin, const DataOptions& opts, Dataset& ds) {
  std::error_code ec;
  if (!is_dir(dir) && std::filesystem::exists(dir, ec))
    throw InputError(origin + " '" + dir + "': is a file, not a folder; expected the folder that holds it and the other "
                     "three IDX files (e.g. --data " + std::filesystem::path(dir).parent_path().string() + ")");
  if (!is_dir(dir))
    throw InputError(origin + " '" + dir + "': folder does not exist; expected a folder holding the four IDX files "
                     "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
                     "t10k-labels-idx1-ubyte[.gz]); " + kGetMnistHint + ", " + kFallbackHint);
  const IdxFiles f = find_idx_files(dir);
  if (!f.complete())
    throw InputError(origin + " '" + dir + "': incomplete dataset folder, missing " + join(f.missing(), ", ") +
                     " (each may also end in .gz); " + kGetMnistHint + ", " + kFallbackHint);
  // Two spellings of one file (x.gz and x): used only when they hold the same data, never one
  // of two different files picked silently.
  for (const auto& [used, other] : f.also_present) {
    try {
      if (read_idx_file(used).data != read_idx_file(other).data)
        throw InputError("both " + used + " and " + other + " are present and hold different data; "
                         "remove the one that is not the file you mean");
    } catch (const InputError& e) {
      throw InputError(origin + " '" + dir + "': " + e.what());
    }
  }
  int h1 = 0, w1 = 0, h2 = 0, w2 = 0;
  try {
    ds.full_train_size = load_idx_pair(f.train_images, f.train_labels, ds.classes, opts.limit_train, "--train-limit",
                                       ds.train_x, ds.train_y, h1, w1);
    ds.full_test_size = load_idx_pair(f.test_images, f.test_labels, ds.classes, opts.limit_test, "--test-limit",
                                      ds.test_x, ds.test_y, h2, w2);
    if (h1 != 28 || w1 != 28)
      throw InputError(f.train_images + ": wrong image size " + std::to_string(h1) + "x" + std::to_string(w1) +
                       ", expected 28x28 (MNIST / Fashion-MNIST format)");
    if (h2 != 28 || w2 != 28)
      throw InputError(f.test_images + ": wrong image size " + std::to_string(h2) + "x" + std::to_string(w2) +
                       ", expected 28x28 like the training images (MNIST / Fashion-MNIST format)");
  } catch (const InputError& e) {
    throw InputError(origin + " '" + dir + "': " + e.what() + "; " + kFallbackHint);
  }
  ds.height = 28;
  ds.width = 28;
  ds.source = dir;
  name_by_content(origin, dir, opts, ds);
}

std::vector<std::string> digit_names() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }

void make_synthetic(const DataOptions& opts, Dataset& ds) {
  ds.name = "synthetic";
  ds.class_names = digit_names();
  auto sized = [](int n, int limit, const char* flag) {
    if (limit > n)
      throw InputError(std::string(flag) + " " + std::to_string(limit) + ": the synthetic set has only " +
                       std::to_string(n) + " examples (expected 0.." + std::to_string(n) + ", 0 = all)");
    return limit > 0 ? limit : n;
  };
  ds.full_train_size = opts.synthetic_train;
  ds.full_test_size = opts.synthetic_test;
  make_synthetic_digits(sized(opts.synthetic_train, opts.limit_train, "--train-limit"), opts.seed, 0, ds.train_x,
                        ds.train_y);
  make_synthetic_digits(sized(opts.synthetic_test, opts.limit_test, "--test-limit"), opts.seed, 1, ds.test_x,
                        ds.test_y);
  ds.source = "built-in generator, --data-seed " + std::to_string(opts.seed);
}

std::string fashion_folder(const DataOptions& opts) {
  const std::string env = env_or_empty("FASHION_MNIST_DIR");
  return env.empty() ? opts.fashion_dir : env;
}

void set_fashion(Dataset& ds) {
  ds.name = "fashion";
  ds.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

}  // namespace

std::string DataOptions::default_repo_data_dir() { return std::string(DNN_SOURCE_DIR) + "/data/mnist"; }

std::vector<std::string> IdxFiles::missing() const {
  std::vector<std::string> m;
  if (train_images.empty()) m.push_back("train-images-idx3-ubyte");
  if (train_labels.empty()) m.push_back("train-labels-idx1-ubyte");
  if (test_images.empty()) m.push_back("t10k-images-idx3-ubyte");
  if (test_labels.empty()) m.push_back("t10k-labels-idx1-ubyte");
  return m;
}

IdxFiles find_idx_files(const std::string& dir) {
  // The official names, gzipped or not; also the "train-images.idx3-ubyte" spelling some mirrors use.
  IdxFiles f;
  auto find = [&](const std::string& stem, const std::string& kind) -> std::string {
    std::string first;
    for (const char* sep : {"-", "."})
      for (const char* ext : {".gz", ""}) {
        const std::string p = dir + "/" + stem + sep + kind + ext;
        if (!exists_any(p)) continue;
        if (first.empty())
          first = p;
        else
          f.also_present.push_back({first, p});
      }
    return first;
  };
  f.train_images = find("train-images", "idx3-ubyte");
  f.train_labels = find("train-labels", "idx1-ubyte");
  f.test_images = find("t10k-images", "idx3-ubyte");
  f.test_labels = find("t10k-labels", "idx1-ubyte");
  return f;
}

int load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes, int limit,
                  const std::string& limit_flag, Matrix& x, std::vector<int>& y, int& height, int& width) {
  const IdxArray img = read_idx_images(images_path);
  const IdxArray lab = read_idx_labels(labels_path, classes);
  if (img.dims[0] != lab.dims[0])
    throw InputError("count mismatch: " + images_path + " holds " + std::to_string(img.dims[0]) + " images but " +
                     labels_path + " holds " + std::to_string(lab.dims[0]) +
                     " labels; expected the same number (files from different datasets or a damaged file?)");
  // parse_idx checked the payload size, so n·h·w bytes are really there; an int row count is
  // then guaranteed for any file below 2 GiB, but say so rather than overflow.
  if (img.dims[0] > 0x7fffffffu || std::uint64_t(img.dims[1]) * img.dims[2] > 0x7fffffffu)
    throw InputError(images_path + ": too large for this program (dimensions over 2^31)");
  const int n = static_cast<int>(img.dims[0]);
  height = static_cast<int>(img.dims[1]);
  width = static_cast<int>(img.dims[2]);
  if (limit < 0) throw InputError(limit_flag + " " + std::to_string(limit) + ": expected 0 (all) or a positive count");
  if (limit > n)
    throw InputError(limit_flag + " " + std::to_string(limit) + ": " + images_path + " holds only " +
                     std::to_string(n) + " examples (expected 0.." + std::to_string(n) + ", 0 = all)");
  const int rows = limit > 0 ? limit : n;
  const int cols = height * width;

  // Normalisation (归一化) as in §4: pixel / 255 → [0, 1].
  std::array<float, 256> scale;
  for (int v = 0; v < 256; ++v) scale[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
  x.resize(rows, cols);
  const std::size_t count = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  for (std::size_t k = 0; k < count; ++k) x.data[k] = scale[img.data[k]];
  y.assign(lab.data.begin(), lab.data.begin() + rows);
  return n;
}

void add_data_options(CLI::App& app, DataOptions& opts) {
  app.add_option("--data", opts.data_dir,
                 "Folder with the four MNIST IDX files (.gz or raw). Default: $MNIST_DIR, then data/mnist/ "
                 "(scripts/get-mnist.sh fills it)");
  app.add_option("--dataset", opts.dataset,
                 "auto (MNIST if found, else loudly Fashion-MNIST, else synthetic), mnist (insist), "
                 "fashion (Fashion-MNIST), synthetic (built-in generated digits)")
      ->check(CLI::IsMember({"auto", "mnist", "fashion", "synthetic"}))
      ->capture_default_str();
  app.add_option("--train-limit", opts.limit_train, "Use only the first N training examples (0 = all)")
      ->check(whole_number(0))
      ->capture_default_str();
  app.add_option("--test-limit", opts.limit_test, "Use only the first N test examples (0 = all)")
      ->check(whole_number(0))
      ->capture_default_str();
  app.add_option("--data-seed", opts.seed, "Seed of the synthetic digits (a fixed dataset by default)")
      ->check(seed_number())
      ->capture_default_str();
}

Dataset load_dataset(const DataOptions& opts) {
  const Timer timer;
  if (opts.limit_train < 0)
    throw InputError("--train-limit " + std::to_string(opts.limit_train) + ": expected 0 (all) or a positive count");
  if (opts.limit_test < 0)
    throw InputError("--test-limit " + std::to_string(opts.limit_test) + ": expected 0 (all) or a positive count");
  Dataset ds;
  ds.classes = 10;
  ds.class_names = digit_names();

  if (opts.dataset == "synthetic") {
    if (!opts.data_dir.empty())
      throw InputError("--data '" + opts.data_dir + "': --dataset synthetic generates its digits and reads no "
                       "folder; leave --data out, or use --dataset auto (or mnist, fashion) to read the folder");
    make_synthetic(opts, ds);
  } else if (opts.dataset == "fashion") {
    set_fashion(ds);
    const std::string dir = !opts.data_dir.empty() ? opts.data_dir : fashion_folder(opts);
    const std::string origin = !opts.data_dir.empty() ? "--data"
                               : env_or_empty("FASHION_MNIST_DIR").empty() ? "Fashion-MNIST folder"
                                                                            : "FASHION_MNIST_DIR";
    if (opts.data_dir.empty() && !is_dir(dir))
      throw InputError("--dataset fashion: Fashion-MNIST not found in '" + dir +
                       "'; install Debian's dataset-fashion-mnist (scripts/setup.sh does), set FASHION_MNIST_DIR, "
                       "or pass --data DIR");
    load_folder(dir, origin, opts, ds);
  } else if (opts.dataset == "mnist" || opts.dataset == "auto") {
    ds.name = "mnist";
    const std::string env = env_or_empty("MNIST_DIR");
    if (!opts.data_dir.empty()) {
      load_folder(opts.data_dir, "--data", opts, ds);  // explicit: errors, never a silent fallback
    } else if (!env.empty()) {
      load_folder(env, "MNIST_DIR", opts, ds);
    } else if (find_idx_files(opts.repo_data_dir).complete()) {
      load_folder(opts.repo_data_dir, "repository data folder", opts, ds);
    } else {
      const IdxFiles f = find_idx_files(opts.repo_data_dir);
      const std::string repo_state =
          is_dir(opts.repo_data_dir) ? "missing " + join(f.missing(), ", ") : std::string("no such folder");
      const std::string looked = "looked in: --data (not given), MNIST_DIR (not set), " + opts.repo_data_dir + " (" +
                                 repo_state + ")";
      if (opts.dataset == "mnist")
        throw InputError("--dataset mnist: MNIST not found (" + looked + "); " + kGetMnistHint +
                         ", or point --data DIR or MNIST_DIR at a folder holding the four files");
      const std::string fdir = fashion_folder(opts);
      if (find_idx_files(fdir).complete()) {
        set_fashion(ds);
        load_folder(fdir, "Fashion-MNIST folder", opts, ds);
        ds.warning = "WARNING: MNIST not found (" + looked + "); get it with scripts/get-mnist.sh; using Fashion-MNIST "
                     "from " + fdir + " instead (clothes, not digits: accuracies will differ from the book's)";
      } else {
        make_synthetic(opts, ds);
        ds.warning = "WARNING: MNIST not found (" + looked + ") and no Fashion-MNIST in " + fdir +
                     "; get MNIST with scripts/get-mnist.sh; using the built-in synthetic digits instead "
                     "(easier than MNIST: accuracies will differ from the book's)";
      }
    }
  } else {
    throw InputError("--dataset '" + opts.dataset + "': expected auto, mnist, fashion or synthetic");
  }
  ds.load_seconds = timer.seconds();
  return ds;
}

std::uint32_t data_fingerprint(const Dataset& ds) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto add = [&crc](const void* p, std::size_t n) {
    const auto* b = static_cast<const Bytef*>(p);
    while (n > 0) {  // zlib takes uInt lengths
      const uInt piece = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      crc = crc32(crc, b, piece);
      b += piece;
      n -= piece;
    }
  };
  add(ds.train_x.data.data(), ds.train_x.data.size() * sizeof(float));
  for (int label : ds.train_y) {
    const unsigned char c = static_cast<unsigned char>(label);
    add(&c, 1);
  }
  return static_cast<std::uint32_t>(crc);
}

std::string display_name(const Dataset& ds) {
  return ds.name == "mnist" ? "MNIST" : ds.name == "fashion" ? "Fashion-MNIST" : "synthetic digits";
}

std::string fallback_reminder(const Dataset& ds) {
  if (ds.warning.empty()) return "";
  return "\n" + ds.warning + "\nThese results are on " + display_name(ds) +
         ", not on MNIST. Get MNIST (scripts/get-mnist.sh), then run this again.";
}

std::string describe(const Dataset& ds) {
  const std::string what = display_name(ds);
  auto count = [](int used, int full, const char* split) {
    std::string s = std::to_string(used);
    if (full > used) s += " of " + std::to_string(full);
    return s + " " + split;
  };
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", ds.load_seconds);
  std::string line = "data: " + what + " from " + ds.source + " (" + count(ds.train_size(), ds.full_train_size, "train") +
                     ", " + count(ds.test_size(), ds.full_test_size, "test") + ", " + std::to_string(ds.height) + "x" +
                     std::to_string(ds.width) + " pixels, " + std::to_string(ds.classes) + " classes; loaded in " +
                     secs + " s)";
  return ds.warning.empty() ? line : ds.warning + "\n" + line;
}

Matrix one_hot(const std::vector<int>& labels, int classes) {
  Matrix m(static_cast<int>(labels.size()), classes, 0.0f);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int c = labels[i];
    if (c < 0 || c >= classes)
      throw std::invalid_argument("one_hot: label " + std::to_string(c) + " at index " + std::to_string(i) +
                                  " is outside 0.." + std::to_string(classes - 1));
    m(static_cast<int>(i), c) = 1.0f;
  }
  return m;
}

std::vector<int> class_counts(const std::vector<int>& labels, int classes) {
  std::vector<int> counts(static_cast<std::size_t>(classes), 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int c = labels[i];
    if (c < 0 || c >= classes)
      throw std::invalid_argument("class_counts: label " + std::to_string(c) + " at index " + std::to_string(i) +
                                  " is outside 0.." + std::to_string(classes - 1));
    ++counts[static_cast<std::size_t>(c)];
  }
  return counts;
}

}  // namespace dnn
