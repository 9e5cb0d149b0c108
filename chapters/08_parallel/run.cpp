// run(options): checks the flags, starts MPI, loads the data on every rank, builds the mode and
// trains; rank 0 prints and writes the results. Input errors are found before any training, on
// every rank alike (so all ranks stop with exit code 2), or on rank 0 for the output files, which
// then tells the others.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/rng.hpp"
#include "parallel.hpp"

namespace ch08 {
namespace {

bool mpirun_on_path() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  std::size_t start = 0;
  while (start <= p.size()) {
    const std::size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && access((dir + "/mpirun").c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

// The ranks the learner asked for (--ranks P) against the ranks MPI started.
void check_ranks(const Options& o, const MpiWorld& world) {
  if (o.expect_ranks > 0 && world.size() != o.expect_ranks) {
    std::string how = "start it with: mpirun -np " + std::to_string(o.expect_ranks) + " build/bin/08_parallel ...";
    if (!MpiWorld::launched_by_mpirun() && !mpirun_on_path())
      how = "mpirun was not found on PATH: install Open MPI (scripts/setup.sh installs openmpi-bin), then " + how;
    throw dnn::InputError("--ranks " + std::to_string(o.expect_ranks) + ": this run has " +
                          std::to_string(world.size()) + " process(es) (" +
                          (MpiWorld::launched_by_mpirun() ? "from mpirun" : "started without mpirun") + "); " + how);
  }
  if (o.batch < world.size())
    throw dnn::InputError("--batch: the global minibatch (" + std::to_string(o.batch) +
                          " rows) must have at least one row per rank; this run has P = " +
                          std::to_string(world.size()) + " ranks. Use --batch >= " + std::to_string(world.size()) +
                          " or fewer ranks (mpirun -np)");
}

}  // namespace

void validate(const Options& o) {
  if (o.mode != "sync" && o.mode != "local-sgd" && o.mode != "hogwild" && o.mode != "stale" &&
      o.mode != "comm" && o.mode != "noise-scale")
    throw dnn::InputError("--mode: expected sync, local-sgd, hogwild, stale, comm or noise-scale, got '" + o.mode + "'");
  if (o.staleness < 0 || o.staleness > 10000)
    throw dnn::InputError("--staleness: expected 0 to 10000 steps, got " + std::to_string(o.staleness));
  if (o.mode == "hogwild" && (o.hogwild_threads < 1 || o.hogwild_threads > 256))
    throw dnn::InputError("--threads: expected 1 to 256 Hogwild threads, got " + std::to_string(o.hogwild_threads));
  if (o.locked && o.mode != "hogwild") throw dnn::InputError("--locked: only for --mode hogwild");
  if (o.noise_examples != 0 && o.mode != "noise-scale")
    throw dnn::InputError("--noise-examples: only for --mode noise-scale (got --mode " + o.mode + ")");
  if (o.mode == "noise-scale" && o.noise_examples != 0 && o.noise_examples < 2)
    throw dnn::InputError("--noise-examples: expected a number of per-example gradients >= 2, got " +
                          std::to_string(o.noise_examples));
  if (o.allreduce != "mpi" && o.allreduce != "ring")
    throw dnn::InputError("--allreduce: expected mpi (MPI_Allreduce) or ring (the chapter's ring_allreduce), got '" +
                          o.allreduce + "'");
  if (o.compress != "none") parse_compress(o.compress);  // throws naming --compress
  if (o.mode != "sync" && (o.deterministic || o.compress != "none"))
    throw dnn::InputError(std::string(o.deterministic ? "--deterministic" : "--compress") +
                          ": only for --mode sync (got --mode " + o.mode + ")");
  if (o.deterministic && o.compress != "none")
    throw dnn::InputError("--deterministic and --compress: give one of them (compression changes the sum)");
  if (o.sync_every < 1)
    throw dnn::InputError("--sync-every: expected a number of steps >= 1, got " + std::to_string(o.sync_every));
  if (!std::isfinite(o.lr) || !(o.lr > 0))
    throw dnn::InputError("--lr: expected a finite learning rate > 0, got " + dnn::format_number(o.lr));
}

int run(const Options& o) {
  validate(o);
  const std::vector<int> hidden = dnn::parse_layer_sizes(o.hidden, "--hidden");
  MpiWorld world;
  check_ranks(o, world);
  if (o.mode == "hogwild" && world.size() > 1)
    throw dnn::InputError("--mode hogwild: runs in one process with --threads T threads; start it without mpirun "
                          "(this run has " + std::to_string(world.size()) + " ranks)");
  // hogwild: --threads is the number of Hogwild threads, each running Eigen on one thread.
  dnn::apply_threads(o.mode == "hogwild" ? 1 : o.common.threads);
  if (world.root() && !MpiWorld::launched_by_mpirun())
    std::printf("note: started without mpirun: one rank. For P ranks: mpirun -np P build/bin/08_parallel ...\n");

  // The output folder and --json file are rank 0's; the others learn whether they are usable.
  dnn::OutputFileFlag json;
  std::string out_error;
  if (world.root()) {
    try {
      dnn::prepare_output_dir(o.common.out_dir, "--out");
      if (!o.json.empty()) json = dnn::OutputFileFlag(o.json, "--json", dnn::result_json_kind("08_parallel"));
    } catch (const dnn::InputError& e) {
      out_error = e.what();
    }
  }
  int out_ok = out_error.empty() ? 1 : 0;
  MPI_Bcast(&out_ok, 1, MPI_INT, 0, world.comm());
  if (!out_ok) throw dnn::InputError(world.root() ? out_error : "rank 0 cannot write its results (see its message)");

  const dnn::Dataset ds = dnn::load_dataset(o.data);
  if (world.root()) std::printf("%s\n", dnn::describe(ds).c_str());
  dnn::Rng init_rng(o.common.seed);
  dnn::Mlp net = dnn::make_mlp(dnn::layer_sizes(ds.input_size(), hidden, ds.classes), dnn::Activation::ReLU, init_rng);

  if (o.mode == "comm") return run_comm(o, world, ds, net, json);
  if (o.mode == "noise-scale") return run_noise_scale(o, world, ds, net, json);
  if (o.mode == "hogwild") {
    ModeSummary mode{std::string(o.locked ? "mutex-locked" : "hogwild (lock-free)") + " SGD, " +
                     std::to_string(o.hogwild_threads) + " threads"};
    std::printf("Training: %s, batch %d, SGD lr %g, %d epochs\n", mode.name.c_str(), o.batch, o.lr, o.epochs);
    const RunResult r = train_hogwild(net, ds, o, mode.extra);
    std::printf("Test loss: %.4f\nTest accuracy: %.4f\nSeconds per epoch: %.4f\nWeights hash: %s\n", r.test.loss,
                r.test.accuracy, r.seconds_per_epoch, r.weights_hash.c_str());
    write_results(o, world, ds, net, mode, r, json);
    return dnn::kExitOk;
  }
  std::unique_ptr<StepRule> rule;
  if (o.mode == "local-sgd") {
    rule = make_local_sgd(ds, net, world, o.allreduce, o.sync_every);
  } else if (o.mode == "stale") {
    rule = make_stale_sgd(ds, net, world, o.allreduce, o.staleness);
  } else if (o.deterministic) {
    rule = make_exact_sync_sgd(ds, net, world, o.allreduce);
  } else if (o.compress != "none") {
    rule = make_compressed_sync_sgd(ds, net, world, o.compress);
  } else {
    rule = make_sync_sgd(ds, net, world, o.allreduce);
  }
  if (world.root())
    std::printf("Model: %s, %ld parameters (%.1f KB of gradient per step)\n"
                "Training: %s, P = %d ranks, global batch %d (%d rows per rank), SGD lr %g%s, %d epochs\n",
                dnn::layer_sizes_text(dnn::layer_sizes(net)).c_str(), net.parameter_count(),
                4.0 * static_cast<double>(net.parameter_count()) / 1000.0, rule->name().c_str(), world.size(), o.batch,
                (o.batch + world.size() - 1) / world.size(), o.lr,
                o.warmup_epochs > 0 ? (" (warm-up " + std::to_string(o.warmup_epochs) + " epochs)").c_str() : "",
                o.epochs);
  const RunResult r = train(*rule, net, ds, o, world);
  if (world.root())
    std::printf("Test loss: %.4f\nTest accuracy: %.4f\nSeconds per epoch: %.4f\nBytes sent per rank: %.4g (%ld rounds)\n"
                "Weights hash: %s (the same on all %d ranks)\n",
                r.test.loss, r.test.accuracy, r.seconds_per_epoch, rule->bytes_sent, rule->rounds,
                r.weights_hash.c_str(), world.size());
  write_results(o, world, ds, net, ModeSummary{rule->name(), rule->bytes_sent, rule->rounds}, r, json);
  return dnn::kExitOk;
}

}  // namespace ch08
