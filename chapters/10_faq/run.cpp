// Chapter 10: run(options) — checks the options, loads MNIST, runs the chosen experiments (one
// file each: depth.cpp, sawtooth.cpp, data.cpp, time.cpp, best.cpp) and writes the summary.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/timer.hpp"
#include "faq.hpp"

namespace ch10 {

using namespace dnn;

std::vector<int> parse_depths(const std::string& text) {
  const std::string expected = "--depths: expected comma-separated whole numbers from 0 to 8 like 0,1,2, got '" +
                               text + "'";
  if (text.empty() || text.back() == ',') throw InputError(expected);
  std::vector<int> depths;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.size() != 1 || item[0] < '0' || item[0] > '8') throw InputError(expected);
    depths.push_back(item[0] - '0');
  }
  return depths;
}

std::vector<std::string> parse_models(const std::string& text) {
  const std::vector<std::string> known{"ncm", "softmax", "textbook", "wide", "distorted"};
  const std::string expected = "--models: expected a comma-separated list of ncm, softmax, textbook, wide, "
                               "distorted (each at most once), got '" + text + "'";
  if (text.empty() || text.back() == ',') throw InputError(expected);
  std::vector<std::string> models;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (std::find(known.begin(), known.end(), item) == known.end() ||
        std::find(models.begin(), models.end(), item) != models.end())
      throw InputError(expected);
    models.push_back(item);
  }
  return models;
}

void validate(const Options& o) {
  parse_sizes(o.budgets, "--budgets", 100000000);
  parse_depths(o.depths);
  parse_sizes(o.sizes, "--sizes", 60000);
  parse_models(o.models);
  parse_layer_sizes(o.widths, "--widths");
  parse_sizes(o.batches, "--batches", 60000);
  parse_layer_sizes(o.hidden, "--hidden");
  apply_threads(o.common.threads);
}

namespace {

// --quick: grids small enough for the CI tests (each experiment in seconds).
Options quick_options(Options o) {
  o.seeds = std::min(o.seeds, 2);
  o.budgets = "42310";
  o.depths = "0,1,2";
  o.depth_epochs = 1;
  o.sawtooth_k = 4;
  o.sizes = "100,300,1000";
  o.data_epochs = 5;
  o.widths = "50,200";
  o.batches = "32,256";
  o.hidden = "100";
  o.epochs = 2;
  o.augmented_epochs = 2;
  o.ablation_epochs = 1;
  return o;
}

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

int run(const Options& given) {
  const Options o = given.quick ? quick_options(given) : given;
  OutputFileFlag json_file;  // checked now, not after hours of training
  if (!o.json.empty()) json_file = OutputFileFlag(o.json, "--json", result_json_kind("10_faq"));
  const std::string& out = o.common.out_dir;
  prepare_output_dir(out);
  nlohmann::json summary;
  summary["program"] = "10_faq --experiment " + o.experiment;
  summary["machine"] = machine_info();
  summary["started"] = utc_now();
  summary["quick"] = o.quick;
  summary["experiment"] = o.experiment;
  const bool all = o.experiment == "all";
  const Timer total;
  if (all || o.experiment == "depth") {
    // Telgarsky's sawtooth needs no data: it runs first, in seconds.
    summary["sawtooth"] = run_sawtooth(o, out);
  }
  Dataset ds = load_dataset(o.data);
  std::printf("%s\n", describe(ds).c_str());
  if (all || o.experiment == "depth") summary["depth"] = run_depth(o, ds, out);
  if (all || o.experiment == "data") summary["data"] = run_data(o, ds, out);
  if (all || o.experiment == "time") summary["time"] = run_time(o, ds, out);
  if (all || o.experiment == "best") summary["best"] = run_best(o, ds, out);
  summary["dataset"] = ds.name;
  summary["finished"] = utc_now();
  summary["wall_seconds"] = total.seconds();
  const std::string path = join_path(out, "summary.json");
  save_summary_json(path, summary, json_file);
  return 0;
}

}  // namespace ch10
