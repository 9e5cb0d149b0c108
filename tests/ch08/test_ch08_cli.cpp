// Chapter 08: the 08_parallel program from the outside, as one process and under mpirun.
//  - --help; bad flags and impossible runs (P larger than the batch, --ranks without mpirun)
//    exit 2 and name the flag;
//  - --deterministic gives the same weights_hash for P = 1, 2, 3, 4, with both allreduces;
//  - sync at P = 1 is chapter 05's training step bit for bit (CpuTrainer with Eigen, same seed,
//    same data order), and so are --compress topk:1 and --mode local-sgd --sync-every 1 at P = 1;
//  - sync with P = 2 trains, with the MPI and the ring allreduce;
//  - --mode noise-scale runs and writes B_simple at 0, 1 and 5 epochs.
// The paths of the program and of mpirun come from CMake (DNN_08_PARALLEL, DNN_MPIEXEC).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"
#include "run_program.hpp"

namespace fs = std::filesystem;
using dnn_test::contains;
using dnn_test::RunResult;

namespace {

const std::string kData = " --dataset synthetic --train-limit 600 --test-limit 200 --quiet";

fs::path work_dir() {
  static const fs::path d = dnn_test::work_dir_for("dnn_ch08_cli");
  return d;
}

RunResult run08(const std::string& args) { return dnn_test::run_program(DNN_08_PARALLEL, args, work_dir()); }

// `mpirun -np P 08_parallel args` (--oversubscribe: more ranks than this machine's cores is fine here).
RunResult mpirun08(int P, const std::string& args) {
  return dnn_test::run_program(DNN_MPIEXEC, "-np " + std::to_string(P) + " --oversubscribe '" +
                                                std::string(DNN_08_PARALLEL) + "' " + args,
                               work_dir());
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// The same FNV-1a hash of the weights as 08_parallel's weights_hash.
std::string weights_hash(const dnn::Mlp& net) {
  std::uint64_t h = 1469598103934665603ull;
  auto add = [&h](const dnn::Matrix& m) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(m.data.data());
    for (std::size_t i = 0; i < m.data.size() * sizeof(float); ++i) {
      h ^= bytes[i];
      h *= 1099511628211ull;
    }
  };
  for (const auto& l : net.layers) {
    add(l.W);
    add(l.b);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

TEST_CASE("08_parallel: --help names the modes and how to start ranks", "[ch08][help][cli]") {
  const RunResult r = run08("--help");
  CHECK(r.code == 0);
  for (const char* word : {"--mode", "--allreduce", "--deterministic", "--compress", "--sync-every", "mpirun"}) {
    INFO(word);
    CHECK(contains(r.output, word));
  }
}

TEST_CASE("08_parallel: bad flags exit 2 and name the flag", "[ch08][bad_flags][cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--mode hogwash", "--mode"},
      {"--allreduce tree", "--allreduce"},
      {"--compress zip", "--compress"},
      {"--compress topk:0", "--compress"},
      {"--compress topk:1.5", "--compress"},
      {"--compress topk:", "--compress"},
      {"--sync-every 0 --mode local-sgd", "--sync-every"},
      {"--batch 0", "--batch"},
      {"--epochs 0", "--epochs"},
      {"--lr -1", "--lr"},
      {"--deterministic --compress sign", "--compress"},
      {"--mode local-sgd --deterministic", "--deterministic"},
      {"--ranks 2", "mpirun -np 2"},  // started without mpirun
      {"--mode hogwild --threads 0", "--threads"},
      {"--locked", "--locked"},
      {"--mode comm", "mpirun -np 2"},  // one rank has nobody to talk to
      {"--mode noise-scale --noise-examples 1", "--noise-examples"},
      {"--mode noise-scale --noise-examples 601", "--noise-examples"},  // more than the 600 training rows
      {"--noise-examples 100", "--noise-examples"},                     // not mode noise-scale
  };
  for (const auto& [args, flag] : cases) {
    INFO(args);
    const RunResult r = run08(args + kData);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(contains(r.output, flag));
  }
}

TEST_CASE("08_parallel: more ranks than rows in the batch exits 2 on every rank", "[ch08][batch_below_ranks][cli][mpirun]") {
  const RunResult r = mpirun08(3, "--batch 2" + kData);
  INFO(r.output);
  CHECK(r.code == 2);
  CHECK(contains(r.output, "--batch"));
  CHECK(contains(r.output, "P = 3"));
  const RunResult h = mpirun08(2, "--mode hogwild" + kData);
  INFO(h.output);
  CHECK(h.code == 2);
  CHECK(contains(h.output, "--mode hogwild"));
}

TEST_CASE("08_parallel --deterministic: the same weights for P = 1, 2, 3, 4", "[ch08][deterministic][cli][mpirun]") {
  std::string first;
  for (int P = 1; P <= 4; ++P) {
    for (const char* how : {"mpi", "ring"}) {
      if (P == 1 && std::string(how) == "ring") continue;
      const fs::path json = work_dir() / ("det_" + std::to_string(P) + how + ".json");
      const RunResult r = mpirun08(P, std::string("--deterministic --allreduce ") + how +
                                          " --batch 30 --epochs 2 --lr 0.05 --json '" + json.string() + "'" + kData);
      INFO("P = " << P << ", --allreduce " << how << "\n" << r.output);
      REQUIRE(r.code == 0);
      const nlohmann::json j = read_json(json);
      CHECK(j["ranks"] == P);
      CHECK(j["global_batch"] == 30);
      if (first.empty()) first = j["weights_hash"].get<std::string>();
      CHECK(j["weights_hash"].get<std::string>() == first);
    }
  }
}

TEST_CASE("08_parallel sync at P = 1 is chapter 05's training step, bit for bit", "[ch08][p1_is_chapter05][cli]") {
  // Chapter 05's path, in this process, on one thread like the program (--threads 1).
  dnn::apply_threads(1);
  dnn::DataOptions d;
  d.dataset = "synthetic";
  d.limit_train = 600;
  d.limit_test = 200;
  const dnn::Dataset ds = dnn::load_dataset(d);
  dnn::Rng init(7);
  const dnn::Mlp net = dnn::make_mlp(dnn::layer_sizes(ds.input_size(), {50, 50}, ds.classes), dnn::Activation::ReLU, init);
  dnn::OptimizerConfig opt;
  opt.kind = dnn::OptimizerKind::SGD;
  opt.lr = 0.05f;
  dnn::CpuTrainer trainer(dnn::eigen_ops(), net, opt, ds.train_x, ds.train_y, 32);
  std::vector<int> order;
  for (int e = 0; e < 2; ++e) {
    dnn::epoch_order(7, e, ds.train_size(), order);
    trainer.train_epoch(order, e + 1, {});
  }
  const std::string want = weights_hash(trainer.net());

  const std::vector<std::string> runs = {"", "--compress topk:1", "--mode local-sgd --sync-every 1",
                                         "--mode stale --staleness 0",
                                         "--allreduce ring"};
  for (const std::string& extra : runs) {
    const fs::path json = work_dir() / "p1.json";
    const RunResult r = run08(extra + " --seed 7 --lr 0.05 --epochs 2 --json '" + json.string() + "'" + kData);
    INFO(extra << "\n" << r.output);
    REQUIRE(r.code == 0);
    CHECK(read_json(json)["weights_hash"].get<std::string>() == want);
  }
}

TEST_CASE("08_parallel sync with P = 2 trains (MPI and ring allreduce), one model on both ranks",
          "[ch08][p2_trains][cli][mpirun]") {
  for (const char* how : {"mpi", "ring"}) {
    const fs::path json = work_dir() / (std::string("p2_") + how + ".json");
    const RunResult r = mpirun08(2, std::string("--allreduce ") + how + " --lr 0.1 --epochs 3 --json '" +
                                        json.string() + "'" + kData);
    INFO(how << "\n" << r.output);
    REQUIRE(r.code == 0);
    const nlohmann::json j = read_json(json);
    CHECK(j["ranks"] == 2);
    CHECK(j["mode"] == "sync");
    CHECK(j["test_accuracy"].get<double>() > 0.5);
    CHECK(j["seconds_per_epoch"].get<double>() > 0);
    CHECK(j["weights_hash"].get<std::string>().size() == 16);
    CHECK(contains(r.output, "the same on all 2 ranks"));
  }
}

TEST_CASE("08_parallel --mode noise-scale: B_simple at 0, 1 and 5 epochs", "[ch08][noise_scale_cli][cli]") {
  const fs::path json = work_dir() / "noise_scale.json";
  const RunResult r = run08("--mode noise-scale --noise-examples 200 --json '" + json.string() + "'" + kData);
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "B_simple"));
  CHECK(fs::exists(work_dir() / "out" / "noise_scale.csv"));
  const nlohmann::json doc = read_json(json);
  CHECK(doc["mode"] == "noise-scale");
  CHECK(doc["noise_examples"] == 200);
  REQUIRE(doc["noise_scale"].size() == 3);
  const int epochs[] = {0, 1, 5};
  for (int k = 0; k < 3; ++k) {
    const nlohmann::json& row = doc["noise_scale"][static_cast<std::size_t>(k)];
    CHECK(row["epochs_trained"] == epochs[k]);
    CHECK(row["trace_sigma"].get<double>() > 0);
    CHECK(row["b_simple"].get<double>() > 0);
  }
  CHECK(doc["noise_scale"][2]["steps"] == 5 * ((600 + 31) / 32));
}
