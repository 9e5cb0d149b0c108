// Chapter 07: the 07_fast program from the outside — --help, bad flags exit 2 naming the flag,
// the GPU backends without a GPU exit 2 with the reason, divergence exits 3, a short run and a
// short ladder write their CSV/JSON, --ladder-exercise runs. The binary's path comes from CMake (DNN_07_FAST).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_program.hpp"
#include "dnn/cuda_device.hpp"

namespace fs = std::filesystem;
using dnn_test::contains;
using dnn_test::RunResult;

namespace {

const std::string kData = " --dataset synthetic --train-limit 1000 --test-limit 300 --quiet";

fs::path work_dir() {
  static const fs::path d = dnn_test::work_dir_for("dnn_ch07_cli");
  return d;
}

RunResult run07(const std::string& args) { return dnn_test::run_program(DNN_07_FAST, args, work_dir()); }

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("07_fast: --help lists the backends and the ladder", "[ch07][cli]") {
  const RunResult r = run07("--help");
  CHECK(r.code == 0);
  CHECK(contains(r.output, "--backend"));
  CHECK(contains(r.output, "fastcpu"));
  CHECK(contains(r.output, "--ladder"));
}

TEST_CASE("07_fast: bad flags exit 2 and name the flag", "[ch07][cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--backend tpu", "--backend"},   {"--batch 0", "--batch"},     {"--epochs 0", "--epochs"},
      {"--lr -1", "--lr"},              {"--lr nan", "--lr"},         {"--hidden 50,,50", "--hidden"},
      {"--ladder-epochs 0", "--ladder-epochs"}, {"--no-such-flag", "--no-such-flag"},
      {"--gpu-variant warp --backend cuda", "--gpu-variant"}, {"--gpu-variant warp", "--gpu-variant"}};
  for (const auto& [args, flag] : cases) {
    INFO(args);
    const RunResult r = run07(args + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, flag));
  }
}

TEST_CASE("07_fast: the GPU backends without a GPU exit 2 and say why", "[ch07][cli]") {
  std::string why;
  if (dnn::cuda::device_available(&why)) {
    SUCCEED("a GPU is present: the GPU runs are checked by test_ch07_gpu");
    return;
  }
  for (const std::string args : {"--backend cuda", "--backend cublas", "--gpu-ladder"}) {
    INFO(args);
    const RunResult r = run07(args + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, "needs an NVIDIA GPU"));
  }
}

TEST_CASE("07_fast: a diverging run stops with exit code 3", "[ch07][cli]") {
  const RunResult r = run07("--lr 1e6 --epochs 3" + kData);
  CHECK(r.code == 3);
  CHECK(contains(r.output, "--lr"));
}

TEST_CASE("07_fast: a short run and a short ladder write their results", "[ch07][cli]") {
  const RunResult r = run07("--epochs 2 --json '" + (work_dir() / "run.json").string() + "'" + kData);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "Test accuracy:"));
  CHECK(fs::exists(work_dir() / "out" / "history.csv"));
  const nlohmann::json s = read_json(work_dir() / "run.json");
  CHECK(s["config"]["backend"] == "fastcpu");
  CHECK(s["history"].size() == 2);
  CHECK(s["final"]["test_accuracy"].get<double>() > 0.3);

  const RunResult l = run07("--ladder --ladder-epochs 1" + kData);
  REQUIRE(l.code == 0);
  const nlohmann::json j = read_json(work_dir() / "out" / "ladder.json");
  REQUIRE(j["results"].size() >= 5);
  // Every step trains the same model on the same data order: the same accuracy to within rounding.
  const double a0 = j["results"][0]["test_accuracy"].get<double>();
  for (const auto& row : j["results"]) {
    INFO(row["step"].get<std::string>());
    CHECK(row["test_accuracy"].get<double>() == Approx(a0).margin(0.01));
  }
  CHECK(fs::exists(work_dir() / "out" / "ladder.csv"));
  // The tried steps are compared with the step they build on (5, the fastcpu path), not with the row above.
  std::vector<std::string> steps, bases;
  for (const auto& row : j["results"]) {
    steps.push_back(row["step"].get<std::string>());
    bases.push_back(row["builds_on"].get<std::string>());
  }
  REQUIRE(steps.size() >= 9);  // + the GPU variants where a GPU exists
  CHECK(steps[5].rfind("5 ", 0) == 0);
  CHECK(steps[6].rfind("6 ", 0) == 0);
  CHECK(steps[7].rfind("7 (tried)", 0) == 0);
  CHECK(steps[8].rfind("8 (tried)", 0) == 0);
  CHECK(bases[0].empty());
  CHECK(bases[5] == steps[4]);
  CHECK(bases[6] == steps[5]);
  CHECK(bases[7] == steps[5]);
  CHECK(bases[8] == steps[5]);
  int backend_rows = 0;  // exactly one step is what --backend fastcpu runs: step 6
  for (std::size_t k = 0; k < steps.size(); ++k)
    if (j["results"][k]["is_fastcpu_backend"].get<bool>()) {
      ++backend_rows;
      CHECK(k == 6);
    }
  CHECK(backend_rows == 1);
  // The synthetic digits are not bytes (more than 256 distinct values): step 6 cannot run, step 5
  // does, and the ladder says so instead of showing step 5's time as step 6's.
  CHECK(j["results"][6]["note"].get<std::string>().find("does not run, step 5 does") != std::string::npos);
  CHECK(contains(l.output, "6 + pixels in 3 bytes: step 6 (pixels in 3 bytes) does not run, step 5 does"));
  CHECK(j["results"][5]["note"].get<std::string>().empty());
}

TEST_CASE("07_fast: --ladder-exercise times layer 1 on the exercise functions beside ladder step 2", "[ch07][cli]") {
  const RunResult r = run07("--ladder-exercise --ladder-epochs 1" + kData);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "the reference solutions (solutions/)"));  // build/bin links the reference bodies
  CHECK(contains(r.output, "ladder step 2, whole epoch (reference)"));
  CHECK(contains(r.output, "layer 1 on the exercises (forward + dW1)"));
  CHECK(contains(r.output, "check: to_csr kept all"));
  CHECK_FALSE(contains(r.output, "WRONG"));
  const RunResult both = run07("--ladder-exercise --ladder" + kData);
  CHECK(both.code == 2);
  CHECK(contains(both.output, "--ladder-exercise"));
  const RunResult json = run07("--ladder-exercise --json '" + (work_dir() / "x.json").string() + "'" + kData);
  CHECK(json.code == 2);
  CHECK(contains(json.output, "--json"));
}
