// Chapter 05: the 05_mlp program from the outside — bad flags and files give exit code 2 with the
// flag/file named, divergence gives 3, --resume continues bit-exactly, and a failed run never
// damages an existing checkpoint. The binary's path comes from CMake (DNN_05_MLP).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "../../chapters/05_mlp/options.hpp"
#include "catch.hpp"
#include "run_program.hpp"
#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"

namespace fs = std::filesystem;
using dnn_test::contains;
using dnn_test::RunResult;

namespace {

// Small, fast data for every run: 1,000 + 200 synthetic digits.
const std::string kData = " --dataset synthetic --train-limit 1000 --test-limit 200 --quiet";

fs::path work_dir() {
  static const fs::path d = dnn_test::work_dir_for("dnn_ch05_cli");
  return d;
}

RunResult run05(const std::string& args) { return dnn_test::run_program(DNN_05_MLP, args, work_dir()); }

std::string read_all(const fs::path& p) { return dnn_test::read_text(p); }

void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

}  // namespace

TEST_CASE("05_mlp: bad flags exit 2 and name the flag", "[ch05][cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--batch 0", "--batch"},
      {"--batch -3", "--batch"},
      {"--epochs 0", "--epochs"},
      {"--lr 0", "--lr"},
      {"--lr -0.1", "--lr"},
      {"--lr nan", "--lr"},
      {"--lr inf", "--lr"},
      {"--lr abc", "--lr"},
      {"--hidden 50,x", "--hidden"},
      {"--hidden 0", "--hidden"},
      {"--hidden 50,,50", "--hidden"},
      {"--hidden ''", "--hidden"},
      {"--backend gpu", "--backend"},
      {"--backend cuda", "needs an NVIDIA GPU"},
      {"--optimizer sgd2", "--optimizer"},
      {"--activation swish", "--activation"},
      {"--momentum 1.5", "--momentum"},
      {"--threads 0", "--threads"},
      {"--bench", "--bench"},  // gone: the timings are build/bench/bench_05_mlp's
      {"--no-such-flag", "--no-such-flag"}};
  for (const auto& [args, flag] : cases) {
    const RunResult r = run05(args + kData);
    INFO("05_mlp " << args << "\n" << r.output);
    CHECK(r.code == 2);
    CHECK(contains(r.output, flag));
  }
}

TEST_CASE("05_mlp: parse_sizes and validate directly", "[ch05][cli]") {
  CHECK(ch05::parse_sizes("50,50", "--hidden") == std::vector<int>{50, 50});
  CHECK(ch05::parse_sizes("128", "--hidden") == std::vector<int>{128});
  CHECK_THROWS_AS(ch05::parse_sizes("50,", "--hidden"), dnn::InputError);
  CHECK_THROWS_AS(ch05::parse_sizes("5 0", "--hidden"), dnn::InputError);
  ch05::Options o;
  const ch05::Config c = ch05::validate(o);  // the textbook's defaults are valid
  CHECK(c.hidden == std::vector<int>{50, 50});
  CHECK(c.optimizer.lr == 0.01f);
  CHECK(c.optimizer.kind == dnn::OptimizerKind::SGD);
  CHECK(o.batch == 32);
  CHECK(o.epochs == 10);
  o.lr = -1;
  CHECK_THROWS_AS(ch05::validate(o), dnn::InputError);
}

TEST_CASE("05_mlp: divergence exits 3 and suggests a lower --lr", "[ch05][cli]") {
  const RunResult r = run05("--lr 50 --epochs 2" + kData);
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK(contains(r.output, "diverged"));
  CHECK(contains(r.output, "--lr"));
}

TEST_CASE("05_mlp: --resume continues bit-exactly; bad and mismatched checkpoints are refused", "[ch05][cli]") {
  const fs::path straight = work_dir() / "straight.ckpt", split = work_dir() / "split.ckpt";
  RunResult r = run05("--epochs 2 --checkpoint '" + straight.string() + "'" + kData);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "Test accuracy:"));
  CHECK(fs::exists(work_dir() / "out" / "history.csv"));
  CHECK(fs::exists(work_dir() / "out" / "summary.json"));
  r = run05("--epochs 1 --checkpoint '" + split.string() + "'" + kData);
  REQUIRE(r.code == 0);
  r = run05("--epochs 2 --resume '" + split.string() + "' --checkpoint '" + split.string() + "'" + kData);
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "Resuming"));
  const dnn::Checkpoint a = dnn::load_checkpoint(straight.string());
  const dnn::Checkpoint b = dnn::load_checkpoint(split.string());
  CHECK(b.epochs_done == 2);
  REQUIRE(b.history.size() == 2);
  REQUIRE(a.net.layers.size() == b.net.layers.size());
  for (std::size_t l = 0; l < a.net.layers.size(); ++l) {
    CHECK(a.net.layers[l].W.data == b.net.layers[l].W.data);
    CHECK(a.net.layers[l].b.data == b.net.layers[l].b.data);
  }
  CHECK(a.history[1].test_accuracy == b.history[1].test_accuracy);

  const std::string before = read_all(straight);
  SECTION("shape mismatch with --hidden names the file and the flag") {
    r = run05("--epochs 3 --hidden 30 --resume '" + straight.string() + "'" + kData);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(contains(r.output, straight.string()));
    CHECK(contains(r.output, "--hidden"));
  }
  SECTION("truncated, foreign, empty and corrupt files name the file") {
    const fs::path bad = work_dir() / "bad.ckpt";
    for (const std::string& c : {before.substr(0, before.size() / 2), std::string("PK\x03\x04 not a checkpoint"),
                                 std::string()}) {
      write_all(bad, c);
      r = run05("--epochs 3 --resume '" + bad.string() + "'" + kData);
      INFO(r.output);
      CHECK(r.code == 2);
      CHECK(contains(r.output, bad.string()));
    }
    std::string flipped = before;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x01);
    write_all(bad, flipped);
    r = run05("--epochs 3 --resume '" + bad.string() + "'" + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, "checksum"));
    r = run05("--epochs 3 --resume '" + (work_dir() / "nope.ckpt").string() + "'" + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, "nope.ckpt"));
  }
  SECTION("a failed run leaves an existing checkpoint untouched") {
    r = run05("--lr 50 --checkpoint '" + straight.string() + "'" + kData);  // diverges in epoch 1
    CHECK(r.code == 3);
    CHECK((read_all(straight) == before));  // (no byte dump on failure)
    r = run05("--batch 0 --checkpoint '" + straight.string() + "'" + kData);
    CHECK(r.code == 2);
    CHECK((read_all(straight) == before));  // (no byte dump on failure)
    // A conflicting --lr on resume is refused before anything is written.
    r = run05("--epochs 3 --lr 0.5 --resume '" + straight.string() + "' --checkpoint '" + straight.string() + "'" +
              kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, "--lr"));
    CHECK((read_all(straight) == before));  // (no byte dump on failure)
  }
}
