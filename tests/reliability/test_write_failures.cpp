// Writes that fail, and what the learner sees then: a PNG or a checkpoint that does not fit (disk
// full, file size limit) is an error and leaves the earlier file whole; a gnuplot that stops
// reading early does not end the program and leaves no plot behind; a program whose stdout
// cannot be written does not exit 0.
//
// A full disk is simulated with the file size limit (RLIMIT_FSIZE): a write past it fails with
// EFBIG exactly as one on a full disk fails with ENOSPC, and it needs no mount and works as root.
#include <signal.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"
#include "dnn/idx.hpp"
#include "dnn/mlp.hpp"
#include "dnn/plot.hpp"
#include "dnn/rng.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) { return dnn_test::fresh_dir("dnn_write_failures", name); }

using dnn_test::read_text;

// Names in `dir` other than `keep` (left-over drafts such as "x.png.tmp.1234").
std::vector<std::string> others(const fs::path& dir, const std::string& keep) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != keep) names.push_back(e.path().filename().string());
  return names;
}

// Runs f with regular-file writes limited to `bytes` (SIGXFSZ ignored, so a write past the limit
// fails with EFBIG instead of ending the process); returns the message of what f threw, or "" if
// it returned. Nothing is printed while the limit holds.
template <typename F>
std::string with_file_size_limit(rlim_t bytes, F&& f) {
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = bytes;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  std::string error;
  try {
    f();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "(exception without a message)";
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  return error;
}

// A 64×64 image of noise: its PNG is several KB (noise does not compress).
std::vector<unsigned char> noise_pixels(int n) {
  dnn::Rng rng(7);
  std::vector<unsigned char> px(static_cast<std::size_t>(n));
  for (auto& p : px) p = static_cast<unsigned char>(rng.below(256));
  return px;
}

// Puts a fake `gnuplot` first on the PATH for the lifetime of the object: a shell script that
// exits at once without reading its commands (a crashed or broken gnuplot).
class FakeGnuplot {
 public:
  explicit FakeGnuplot(const fs::path& dir) : old_path_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    fs::create_directories(dir);
    const fs::path exe = dir / "gnuplot";
    std::ofstream(exe) << "#!/bin/sh\nexit 1\n";
    fs::permissions(exe, fs::perms::owner_all);
    setenv("PATH", (dir.string() + ":" + old_path_).c_str(), 1);
  }
  ~FakeGnuplot() { setenv("PATH", old_path_.c_str(), 1); }

 private:
  std::string old_path_;
};

}  // namespace

TEST_CASE("a PNG that cannot be written completely is an error and leaves the earlier file whole",
          "[reliability][writes]") {
  const fs::path dir = fresh_dir("png");
  const fs::path png = dir / "grid.png";
  std::ofstream(png) << "the earlier run's image\n";
  const std::vector<unsigned char> px = noise_pixels(64 * 64);

  SECTION("grayscale") {
    const std::string error =
        with_file_size_limit(1024, [&] { dnn::write_png_gray(png.string(), 64, 64, px); });
    CHECK(dnn_test::contains(error, "grid.png"));
  }
  SECTION("rgb") {
    std::vector<unsigned char> rgb;
    for (unsigned char p : px) rgb.insert(rgb.end(), {p, p, p});
    const std::string error =
        with_file_size_limit(1024, [&] { dnn::write_png_rgb(png.string(), 64, 64, rgb); });
    CHECK(dnn_test::contains(error, "grid.png"));
  }
  CHECK(read_text(png) == "the earlier run's image\n");
  CHECK(others(dir, "grid.png").empty());  // no half-written draft left behind

  // Without the limit the same call writes a complete PNG.
  dnn::write_png_gray(png.string(), 64, 64, px);
  const std::string bytes = read_text(png);
  REQUIRE(bytes.size() > 1024);
  CHECK(bytes.compare(1, 3, "PNG") == 0);
  CHECK(bytes.compare(bytes.size() - 8, 4, "IEND") == 0);  // the last chunk is there
}

TEST_CASE("a checkpoint that cannot be saved completely is an error and leaves the earlier one loadable",
          "[reliability][writes]") {
  const fs::path dir = fresh_dir("checkpoint");
  const std::string path = (dir / "run.ckpt").string();
  dnn::Checkpoint c;
  c.dataset = "synthetic";
  c.train_size = 100;
  c.batch = 32;
  c.epochs_done = 1;
  dnn::Rng rng(1);
  c.net = dnn::make_mlp({784, 50, 10}, dnn::Activation::ReLU, rng);  // ~160 KB of weights
  dnn::save_checkpoint(path, c);
  const std::string before = read_text(path);

  c.epochs_done = 2;
  const std::string error = with_file_size_limit(4096, [&] { dnn::save_checkpoint(path, c); });
  CHECK(dnn_test::contains(error, "cannot write '" + path + "'"));
  CHECK(dnn_test::contains(error, "the earlier file there is left as it was"));
  CHECK(read_text(path) == before);
  CHECK(dnn::load_checkpoint(path).epochs_done == 1);
  CHECK(others(dir, "run.ckpt").empty());
}

TEST_CASE("a gnuplot that stops reading early does not end the program and leaves no plot",
          "[reliability][writes][plot]") {
  const fs::path dir = fresh_dir("gnuplot");
  const FakeGnuplot fake(dir / "bin");
  REQUIRE(dnn::gnuplot_available());
  const fs::path png = dir / "plot.png";

  SECTION("a large data block (more than the pipe holds)") {
    // ~1 MB of points: the writes go on after the fake gnuplot has exited. Before the fix, the
    // SIGPIPE this raised ended the whole process (this test program included).
    std::string block;
    for (int i = 0; i < 100000; ++i) block += std::to_string(i) + " " + std::to_string(i % 97) + "\n";
    CHECK_FALSE(dnn::plot_custom(png.string(), 300, 200, "plot $d0 using 1:2 with lines", {block}));
    CHECK_FALSE(fs::exists(png));
  }
  SECTION("an image left by an earlier run is not taken for this run's plot") {
    std::ofstream(png) << "an older plot\n";
    dnn::PlotSpec spec;
    CHECK_FALSE(dnn::plot_lines(png.string(), spec, {dnn::Series{"loss", {1, 2, 3}, {3, 2, 1}}}));
  }
  CHECK(others(dir, "plot.png") == std::vector<std::string>{"bin"});  // no draft left behind
}

TEST_CASE("with gnuplot installed a plot is drawn and no draft file is left", "[reliability][writes][plot]") {
  if (!dnn::gnuplot_available()) {
    WARN("gnuplot is not installed (scripts/setup.sh installs it): nothing to check");
    return;
  }
  const fs::path dir = fresh_dir("real_gnuplot");
  const fs::path png = dir / "loss.png";
  std::ofstream(png) << "an older plot\n";
  dnn::PlotSpec spec;
  REQUIRE(dnn::plot_lines(png.string(), spec, {dnn::Series{"loss", {1, 2, 3}, {3, 2, 1}}}));
  const std::string bytes = read_text(png);
  REQUIRE(bytes.size() > 8);
  CHECK(bytes.compare(1, 3, "PNG") == 0);
  CHECK(others(dir, "loss.png").empty());
}

TEST_CASE("a program whose output cannot be written to stdout does not exit 0", "[reliability][writes]") {
  const fs::path dir = fresh_dir("stdout");
  // stderr into the pipe, stdout into /dev/full (every write fails with ENOSPC).
  const std::string cmd = std::string("'") + DNN_00_DATA +
                          "' --dataset synthetic --train-limit 50 --test-limit 20 --show 0 --out '" +
                          (dir / "out").string() + "' 2>&1 >/dev/full";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string err;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) err.append(buf, n);
  const int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == dnn::kExitFailure);
  CHECK(dnn_test::contains(err, "00_data: error: writing to standard output failed"));
}

TEST_CASE("the help text (--help) into /dev/full does not exit 0", "[reliability][writes]") {
  const std::string cmd = std::string("'") + DNN_00_DATA + "' --help 2>&1 >/dev/full";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string err;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) err.append(buf, n);
  const int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == dnn::kExitFailure);
  CHECK(dnn_test::contains(err, "writing to standard output failed"));
}

TEST_CASE("gnuplot_quote: no text can end a gnuplot command or run a shell command", "[reliability][plot]") {
  CHECK(dnn::gnuplot_quote("loss curves") == "\"loss curves\"");
  CHECK(dnn::gnuplot_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(dnn::gnuplot_quote("x\nsystem 'touch y'") == "\"x\\012system 'touch y'\"");
  CHECK(dnn::gnuplot_quote("`touch y`") == "\"\\140touch y\\140\"");
  CHECK(dnn::gnuplot_quote("tab\there\r") == "\"tab\\011here\\015\"");
}

TEST_CASE("an output path with a newline and a backquote reaches gnuplot as a file name, not as commands",
          "[reliability][plot]") {
  if (!dnn::gnuplot_available()) {
    WARN("gnuplot is not installed (scripts/setup.sh installs it): nothing to check");
    return;
  }
  const fs::path root = fresh_dir("injection");
  const fs::path pwned = root / "pwned", pwned2 = root / "pwned2";
  // What a learner's --out could be: D=$'/tmp/x\nsystem \'touch /tmp/pwned\'\n#'
  const fs::path dir = root / ("x\nsystem 'touch " + pwned.string() + "'\n#`touch " + pwned2.string() + "`");
  fs::create_directories(dir);
  dnn::PlotSpec spec;
  spec.title = "title\nsystem 'touch " + pwned.string() + "'";
  const bool drawn = dnn::plot_lines((dir / "loss.png").string(), spec, {dnn::Series{"loss", {1, 2}, {2, 1}}});
  CHECK_FALSE(fs::exists(pwned));
  CHECK_FALSE(fs::exists(pwned2));
  CHECK(drawn);  // and the plot is drawn where it was asked for
  CHECK(fs::exists(dir / "loss.png"));
}

TEST_CASE("inputs are read only from regular files of a bounded size: no hang on a FIFO, no endless /dev/zero",
          "[reliability][inputs]") {
  const fs::path dir = fresh_dir("special_inputs");
  REQUIRE(mkfifo((dir / "train-images-idx3-ubyte").c_str(), 0644) == 0);
  std::string e = dnn_test::input_error_of([&] { dnn::read_idx_file((dir / "train-images-idx3-ubyte").string()); });
  CHECK(dnn_test::contains(e, "is not a regular file (a pipe)"));
  fs::create_symlink("/dev/zero", dir / "zero.ckpt");
  e = dnn_test::input_error_of([&] { dnn::load_checkpoint((dir / "zero.ckpt").string()); });
  CHECK(dnn_test::contains(e, "zero.ckpt: is not a regular file (a device)"));
  fs::create_directories(dir / "t10k-labels-idx1-ubyte");
  e = dnn_test::input_error_of([&] { dnn::read_idx_file((dir / "t10k-labels-idx1-ubyte").string()); });
  CHECK(dnn_test::contains(e, "is a folder"));
  std::ofstream(dir / "big") << std::string(100, 'x');
  e = dnn_test::input_error_of([&] { dnn::read_file_bytes((dir / "big").string(), 10); });
  CHECK(dnn_test::contains(e, "is 100 bytes, more than the 10 bytes"));
}
