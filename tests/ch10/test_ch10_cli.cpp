// Chapter 10: the 10_faq program from the outside — --help, bad input exits 2 naming the flag,
// and every experiment's --quick run on the synthetic digits: the shape of its --json result
// (the keys the README's tables come from, and what must hold whatever the numbers: the
// hand-built sawtooth is exact, learning curves rise, the best run resumes).
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_program.hpp"

namespace fs = std::filesystem;
using dnn_test::contains;
using dnn_test::RunResult;

namespace {

const std::string kData = " --dataset synthetic --train-limit 3000 --test-limit 500 --quiet";

fs::path work_dir() {
  static const fs::path d = dnn_test::work_dir_for("dnn_ch10_cli");
  return d;
}

// run_program adds `--out <work>/out`.
RunResult run10(const std::string& args, const fs::path& work = work_dir()) {
  fs::create_directories(work);
  return dnn_test::run_program(DNN_10_FAQ, args, work);
}

// One run of the program in `dir` (the folder of an earlier run, to resume it) that must succeed,
// with its --json summary written to <work>/<name>.json and read back.
struct JsonRun {
  RunResult run;
  nlohmann::json json;
};
JsonRun run_json(const std::string& name, const std::string& args, const fs::path& dir) {
  const fs::path json = work_dir() / (name + ".json");
  JsonRun r{run10(args + " --json " + json.string() + kData, dir), {}};
  INFO(r.run.output);
  REQUIRE(r.run.code == 0);
  std::ifstream in(json);
  REQUIRE(in.good());
  r.json = nlohmann::json::parse(in);
  return r;
}

// Runs one quick experiment into its own folder and returns its --json summary.
nlohmann::json quick(const std::string& experiment, const std::string& extra = "") {
  return run_json(experiment, "--experiment " + experiment + " --quick" + extra, work_dir() / experiment).json;
}

}  // namespace

TEST_CASE("10_faq: --help names the experiments", "[ch10][cli]") {
  const RunResult r = run10("--help");
  CHECK(r.code == 0);
  for (const char* word : {"--experiment", "depth", "--quick", "--json", "--sizes", "--budgets", "--resume"})
    CHECK(contains(r.output, word));
}

TEST_CASE("10_faq: bad input exits 2 and names the flag", "[ch10][cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--budgets ''", "--budgets"},   {"--sizes 100,70000", "--sizes"}, {"--widths 50,0", "--widths"},
      {"--hidden 0", "--hidden"},      {"--depths 0,9", "--depths"},     {"--experiment speed", "--experiment"},
      {"--seeds 0", "--seeds"},        {"--dropout 1", "--dropout"},     {"--batches ''", "--batches"},
      {"--models wide,cnn", "--models"}, {"--models wide,wide", "--models"}, {"--models ''", "--models"}};
  for (const auto& [args, flag] : cases) {
    INFO(args);
    const RunResult r = run10(args + kData);
    CHECK(r.code == 2);
    CHECK(contains(r.output, flag));
  }
}

TEST_CASE("10_faq: --experiment depth --quick: equal budgets, softmax regression, the exact sawtooth", "[ch10][cli]") {
  const nlohmann::json j = quick("depth");
  REQUIRE(j["depth"].is_array());
  CHECK(j["depth"].size() == 3 * 2);  // depths 0,1,2 × sgd, adam
  for (const auto& row : j["depth"]) {
    for (const char* key : {"hidden_layers", "params", "optimizer", "mean", "std"}) CHECK(row.contains(key));
    CHECK(row["mean"].get<double>() > 0.1);  // better than guessing
    if (row["hidden_layers"] == 0)
      CHECK(row["params"] == 7850);  // softmax regression: 784·10 + 10
    else
      CHECK(std::abs(row["params"].get<double>() - 42310) < 0.02 * 42310);
  }
  const auto& s = j["sawtooth"];
  CHECK(s["deep_hand_built_mse"].get<double>() == 0.0);  // 2^k + 1 points, exactly
  const auto& err = s["shallow_best_mse"];
  CHECK(err.front().get<double>() > 0.1);               // one unit cannot follow the teeth
  CHECK(err.back().get<double>() < err.front().get<double>());

  // A stopped grid continues: --resume reuses the 12 runs of depth_runs.jsonl (3 depths × 2
  // optimizers × 2 seeds) and gives the same table without training.
  const JsonRun again = run_json("depth_again", "--experiment depth --quick --resume", work_dir() / "depth");
  CHECK(contains(again.run.output, "(12 reused)"));
  CHECK(again.json["depth"] == j["depth"]);
}

TEST_CASE("10_faq: --experiment data --quick: learning curves rise, fits and N for 95/97 %", "[ch10][cli]") {
  const nlohmann::json j = quick("data");
  REQUIRE(j["data"].size() == 5);
  for (const auto& [model, c] : j["data"].items()) {
    INFO(model);
    for (const char* key : {"n_for_95", "n_for_97", "power_law_exponent", "sizes", "mean_accuracy"})
      CHECK(c.contains(key));
    const auto& acc = c["mean_accuracy"];
    REQUIRE(acc.size() == 3);
    if (model == "nearest class mean") continue;  // an average: it may level off at once
    CHECK(acc.back().get<double>() > acc.front().get<double>());  // more data, better
    CHECK(c["power_law_exponent"].get<double>() > 0);
  }
  CHECK(fs::exists(work_dir() / "data" / "out" / "augment_gallery.png"));

  // A stopped grid continues: every finished run is a line of data_runs.jsonl; --resume reuses
  // them (here all 5 models × 3 sizes × 2 seeds) and trains nothing again, a cut-short line is ignored.
  const fs::path runs = work_dir() / "data" / "out" / "data_runs.jsonl";
  REQUIRE(fs::exists(runs));
  { std::ofstream(runs, std::ios::app) << "{\"model\": \"cut sh"; }
  const JsonRun again = run_json("data_again", "--experiment data --quick --resume", work_dir() / "data");
  CHECK(contains(again.run.output, "(30 reused)"));
  CHECK(contains(again.run.output, "1 unreadable line(s) ignored"));
  CHECK(again.json["data"] == j["data"]);

  // --models draws some of the curves: the same numbers as in the full run.
  const JsonRun some =
      run_json("data_some", "--experiment data --quick --resume --models textbook,ncm", work_dir() / "data");
  REQUIRE(some.json["data"].size() == 2);
  CHECK(some.json["data"]["nearest class mean"] == j["data"]["nearest class mean"]);
}

TEST_CASE("10_faq: --experiment time --quick: the model's error table and time to accuracy", "[ch10][cli]") {
  const nlohmann::json j = quick("time");
  const auto& t = j["time"];
  for (const char* key : {"prediction_error_median", "prediction_error_max", "gemm_flops_per_second", "extrapolation"})
    CHECK(t.contains(key));
  CHECK(t["points"].size() == 2 * 2 * 2);  // eigen, fastcpu × widths 50, 200 × batches 32, 256
  for (const auto& p : t["points"]) CHECK(p["measured_s_per_epoch"].get<double>() > 0);
  CHECK(t["prediction_error_median"].get<double>() <= t["prediction_error_max"].get<double>());
  CHECK(t["time_to_accuracy"].size() == 5);
}

TEST_CASE("10_faq: --experiment best --quick: plain, augmented, ablation; a rerun with --resume trains nothing",
          "[ch10][cli]") {
  const nlohmann::json j = quick("best");
  const auto& b = j["best"];
  for (const char* key : {"plain_test_accuracy", "augmented_test_accuracy", "seconds", "seed"}) CHECK(b.contains(key));
  CHECK(b["ablation"].size() == 7);
  CHECK(b["plain_test_accuracy"].get<double>() > 0.5);
  CHECK(fs::exists(work_dir() / "best" / "out" / "best_plain.ckpt"));
  const JsonRun again =
      run_json("best_again", "--experiment best --best-part plain --quick --resume", work_dir() / "best");
  CHECK(contains(again.run.output, "resuming"));
  CHECK(contains(again.run.output, "after epoch 2"));
  CHECK(again.json["best"]["plain_test_accuracy"] == b["plain_test_accuracy"]);  // nothing trained again
}
