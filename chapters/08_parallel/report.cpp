// The results of a run, written by rank 0 only: history.csv (one row per epoch), summary.json and
// the --json FILE with the fields two runs are compared by (mode, ranks, global_batch,
// test_accuracy, seconds_per_epoch, weights_hash), and the learning curve as a PNG.
#include <cstdio>
#include <string>

#include "dnn/log.hpp"
#include "dnn/plot.hpp"
#include "parallel.hpp"

namespace ch08 {

void write_results(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, const dnn::Mlp& net,
                   const ModeSummary& mode, const RunResult& r, dnn::OutputFileFlag& json) {
  if (!world.root()) return;
  dnn::CsvTable csv({"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds", "cpu_seconds",
                     "bytes_sent_per_rank", "rounds"});
  nlohmann::json hist = nlohmann::json::array();
  for (const EpochRecord& e : r.history) {
    const dnn::EpochStats& s = e.stats;
    csv.add_row(std::vector<double>{static_cast<double>(s.epoch), s.train_loss, s.train_accuracy, s.test_loss,
                                    s.test_accuracy, s.seconds, e.cpu_seconds, e.bytes_sent,
                                    static_cast<double>(e.rounds)});
    hist.push_back({{"epoch", s.epoch}, {"train_loss", s.train_loss}, {"train_accuracy", s.train_accuracy},
                    {"test_loss", s.test_loss}, {"test_accuracy", s.test_accuracy}, {"seconds", s.seconds},
                    {"cpu_seconds", e.cpu_seconds}, {"bytes_sent_per_rank", e.bytes_sent}, {"rounds", e.rounds}});
  }
  const std::string csv_path = dnn::join_path(o.common.out_dir, "history.csv");
  csv.save(csv_path);
  std::printf("wrote %s\n", csv_path.c_str());
  const nlohmann::json doc{
      {"program", "08_parallel"},
      {"mode", o.mode},
      {"rule", mode.name},
      {"ranks", world.size()},
      {"global_batch", o.batch},
      {"local_batch", (o.batch + world.size() - 1) / world.size()},
      {"allreduce", o.allreduce},
      {"deterministic", o.deterministic},
      {"compress", o.compress},
      {"sync_every", o.sync_every},
      {"lr", o.lr},
      {"warmup_epochs", o.warmup_epochs},
      {"epochs", o.epochs},
      {"seed", o.common.seed},
      {"layers", dnn::layer_sizes(net)},
      {"parameters", net.parameter_count()},
      {"data", {{"name", ds.name}, {"train", ds.train_size()}, {"test", ds.test_size()}}},
      {"machine", dnn::machine_info()},
      {"test_loss", r.test.loss},
      {"test_accuracy", r.test.accuracy},
      {"seconds_per_epoch", r.seconds_per_epoch},
      {"bytes_sent_per_rank", mode.bytes_sent},
      {"rounds", mode.rounds},
      {"epoch_reached_97", r.epoch_reached_97},
      {"rounds_to_97", r.rounds_to_97},
      {"bytes_to_97", r.bytes_to_97},
      {"weights_hash", r.weights_hash},
      {"extra", mode.extra},
      {"history", hist}};
  dnn::save_summary_json(dnn::join_path(o.common.out_dir, "summary.json"), doc, json);
  std::vector<dnn::Series> series(2);
  series[0].label = "train accuracy";
  series[1].label = "test accuracy";
  for (const EpochRecord& e : r.history) {
    series[0].x.push_back(e.stats.epoch);
    series[0].y.push_back(e.stats.train_accuracy);
    series[1].x.push_back(e.stats.epoch);
    series[1].y.push_back(e.stats.test_accuracy);
  }
  const std::string png = dnn::join_path(o.common.out_dir, "accuracy.png");
  const dnn::PlotSpec spec{mode.name + ", P = " + std::to_string(world.size()) + ", global batch " +
                               std::to_string(o.batch),
                           "epoch", "accuracy"};
  if (dnn::plot_lines(png, spec, series)) std::printf("wrote %s\n", png.c_str());
}

}  // namespace ch08
