// Chapter 09: the chapter's own functions (Spearman, patch positions, rankings, the blurred
// baseline) and the 09_inside program from the outside: --help, bad input exits 2 naming the flag
// or the file, and a reduced run on synthetic digits writes the summary with its measured claims.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "attribution.hpp"
#include "catch.hpp"
#include "dnn/checkpoint.hpp"
#include "experiments.hpp"
#include "run_program.hpp"

namespace fs = std::filesystem;
using dnn_test::contains;
using dnn_test::RunResult;

namespace {

const std::string kData = " --dataset synthetic --train-limit 2000 --test-limit 300 --quiet";

fs::path work_dir() {
  static const fs::path d = dnn_test::work_dir_for("dnn_ch09_cli");
  return d;
}

RunResult run09(const std::string& args) { return dnn_test::run_program(DNN_09_INSIDE, args, work_dir()); }

}  // namespace

TEST_CASE("spearman: 1 for the same order, -1 reversed, ties get their mean rank", "[ch09]") {
  CHECK(ch09::spearman({1, 2, 3, 4}, {10, 20, 30, 40}) == Approx(1.0));
  CHECK(ch09::spearman({1, 2, 3, 4}, {4, 3, 2, 1}) == Approx(-1.0));
  CHECK(ch09::spearman({0, 0, 1, 2}, {0, 0, 1, 2}) == Approx(1.0));
  CHECK(ch09::spearman({1, 1, 1}, {1, 2, 3}) == 0.0);  // no variation: no correlation
}

TEST_CASE("patch_positions cover every pixel, ranking sorts high to low", "[ch09]") {
  CHECK(ch09::patch_positions(28, 4, 2).size() == 13);
  CHECK(ch09::patch_positions(28, 4, 2).back() == 24);
  CHECK(ch09::patch_positions(10, 4, 4) == std::vector<int>{0, 4, 6});
  const double m[] = {0.5, 2.0, -1.0, 2.0};
  CHECK(ch09::ranking(m, 4) == std::vector<int>{1, 3, 0, 2});
  CHECK(ch09::trapezoid_area({0, 0.5, 1}, {1, 1, 0}) == Approx(0.75));
}

TEST_CASE("blurred keeps a constant image and the total of a centred dot", "[ch09]") {
  ch09::MatrixD X(1, 49, 0.3);
  for (double v : ch09::blurred(X, 7, 7, 1.0).data) CHECK(v == Approx(0.3));
  ch09::MatrixD dot(1, 81, 0.0);
  dot(0, 40) = 1.0;
  const ch09::MatrixD b = ch09::blurred(dot, 9, 9, 1.0);
  double sum = 0;
  for (double v : b.data) sum += v;
  CHECK(sum == Approx(1.0).margin(1e-2));  // renormalised at the borders: close to 1, not exactly
  CHECK(b(0, 40) < 0.5);
}

TEST_CASE("09_inside: --help names the methods' flags", "[ch09][cli]") {
  const RunResult r = run09("--help");
  CHECK(r.code == 0);
  for (const char* flag : {"--resume", "--steps", "--image", "--class", "--json", "--full"}) CHECK(contains(r.output, flag));
}

TEST_CASE("09_inside: bad input exits 2 and says what was expected", "[ch09][cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--steps 0", "--steps"},           {"--image 300", "--image"},       {"--class 10", "--class"},
      {"--image -1", "--image"},          {"--ig-steps 20,,300", "--ig-steps"}, {"--select-k 0", "--select-k"},
      {"--resume no-such-file.ckpt", "--resume"}, {"--patch 0", "--patch"}};
  for (const auto& [args, flag] : cases) {
    INFO(args);
    const RunResult r = run09(args + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, flag));
  }
}

TEST_CASE("09_inside: a checkpoint of another architecture exits 2", "[ch09][cli]") {
  dnn::Checkpoint ck;
  ck.dataset = "synthetic";
  ck.train_size = 2000;
  ck.batch = 32;
  dnn::Rng rng(1);
  ck.net = dnn::make_mlp({784, 20, 10}, dnn::Activation::ReLU, rng);
  const fs::path file = work_dir() / "other.ckpt";
  dnn::save_checkpoint(file.string(), ck);
  const RunResult r = run09("--resume " + file.string() + kData);
  CHECK(r.code == 2);
  CHECK(contains(r.output, "784-20-10"));
  CHECK(contains(r.output, "784-50-50-10"));
}

TEST_CASE("09_inside: a reduced run writes every picture and the summary's measured claims", "[ch09][cli]") {
  const fs::path out = work_dir() / "out";  // run_program passes --out <work>/out
  const fs::path json = work_dir() / "summary-copy.json";
  const RunResult r = run09("--epochs 1 --ig-images 30 --sanity-images 8 --deletion-images 40 --steps 20 "
                            "--smooth-samples 5 --roar-train 300 --importance-images 100 --select-train 500 "
                            "--select-k 10,784 --image 5 --json " + json.string() + kData);
  INFO(r.output);
  REQUIRE(r.code == 0);
  for (const char* png : {"weights_layer1.png", "top_activations_layer2.png", "pca_layer2.png", "attribution_all.png",
                          "attribution_gradient.png", "attribution_occlusion.png", "sanity_spearman.png",
                          "sanity_maps.png", "deletion_curves.png", "roar.png", "importance.png", "selection.png"})
    if (contains(r.output, "gnuplot")) {
      // without gnuplot the line plots are missing (the grids are still written, without captions)
    } else {
      INFO(png);
      CHECK(fs::exists(out / png));
    }
  std::ifstream in(json);
  REQUIRE(in.good());
  const nlohmann::json s = nlohmann::json::parse(in);
  const auto& ig = s["ig_completeness"];
  // Completeness: the gap falls with the steps and is below 1 % at 300.
  CHECK(ig["20"]["mean"].get<double>() > ig["300"]["mean"].get<double>());
  CHECK(ig["300"]["mean"].get<double>() < 0.01);
  CHECK(s["sanity_spearman"]["gradient"].contains("+ layer 1 random"));
  CHECK(s["roar_auc"].contains("random"));
  CHECK(s["pixels_for_95"].contains("importance"));
  CHECK(s["feature_importance"]["pixels_exactly_zero"].get<int>() >= 0);
  CHECK(s["examples"].size() >= 2);
}
