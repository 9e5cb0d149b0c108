// Chapter 10 — the textbook's FAQ (§8) answered by experiment:
//   §8.1 why deep?     --experiment depth  (equal parameter budgets; Telgarsky's sawtooth)
//   §8.2 how much data? --experiment data  (learning curves, power-law fits, augmentation)
//   §8.3 how much time? --experiment time  (a FLOP + byte model of an epoch vs measurements)
//   beyond the book:    --experiment best  (the best plain MLP in ≤ 30 min on one core)
// main() only declares the options; run() (run.cpp) does the work, one experiment per file.
#include <CLI/CLI.hpp>

#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "faq.hpp"

int main(int argc, char** argv) {
  using dnn::whole_number;
  ch10::Options o;
  CLI::App app{"Chapter 10: the textbook's FAQ (section 8) answered by experiment: why deep networks (depth), "
               "how much data (data), how much time (time), and the best plain MLP on this machine (best).",
               "10_faq"};
  app.add_option("--experiment", o.experiment, "depth, data, time, best or all")
      ->check(CLI::IsMember({"depth", "data", "time", "best", "all"}))
      ->capture_default_str();
  app.add_flag("--quick", o.quick, "small grids and few epochs (the CI tests; seconds, not hours)");
  app.add_option("--json", o.json, "also write the summary (keys depth, data, time, best) to FILE");
  app.add_option("--seeds", o.seeds, "seeds per grid point")->check(whole_number(1, 100))->capture_default_str();
  auto* g1 = "8.1 depth";
  app.add_option("--budgets", o.budgets, "parameter budgets, comma-separated (42310 = the textbook MLP)")
      ->group(g1)->capture_default_str();
  app.add_option("--depths", o.depths, "hidden layers to compare (0 = softmax regression)")
      ->group(g1)->capture_default_str();
  app.add_option("--depth-epochs", o.depth_epochs, "epochs per depth run")
      ->check(whole_number(1, 1000))->group(g1)->capture_default_str();
  app.add_option("--sawtooth-k", o.sawtooth_k, "Telgarsky's sawtooth: 2^k teeth, a net k layers deep")
      ->check(whole_number(1, 12))->group(g1)->capture_default_str();
  auto* g2 = "8.2 data";
  app.add_option("--sizes", o.sizes, "training-set sizes (each at most 60000)")->group(g2)->capture_default_str();
  app.add_option("--data-epochs", o.data_epochs, "epochs per run (0: about --data-examples examples, 10 to 200 epochs)")
      ->check(whole_number(0, 1000))->group(g2)->capture_default_str();
  app.add_option("--data-examples", o.data_examples, "training examples per run when --data-epochs is 0")
      ->check(whole_number(1000))->group(g2)->capture_default_str();
  app.add_option("--models", o.models,
                 "learning curves to draw: ncm (nearest class mean), softmax, textbook (784-50-50-10), wide "
                 "(784-800-10), distorted (wide + distortions)")
      ->group(g2)->capture_default_str();
  auto* g3 = "8.3 time";
  app.add_option("--widths", o.widths, "hidden widths to time (784-w-10)")->group(g3)->capture_default_str();
  app.add_option("--batches", o.batches, "batch sizes to time")->group(g3)->capture_default_str();
  auto* g4 = "best plain MLP";
  app.add_option("--best-part", o.best_part, "plain, augmented, ablation or all")
      ->check(CLI::IsMember({"plain", "augmented", "ablation", "all"}))->group(g4)->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden layer sizes")->group(g4)->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs of the plain run")
      ->check(whole_number(1, 10000))->group(g4)->capture_default_str();
  app.add_option("--augmented-epochs", o.augmented_epochs, "epochs of the augmented run")
      ->check(whole_number(1, 10000))->group(g4)->capture_default_str();
  app.add_option("--ablation-epochs", o.ablation_epochs, "epochs of each ablation row")
      ->check(whole_number(1, 10000))->group(g4)->capture_default_str();
  app.add_option("--batch", o.batch, "minibatch size")->check(whole_number(1, 60000))->group(g4)->capture_default_str();
  app.add_option("--lr", o.lr, "Adam's learning rate")->check(dnn::positive())->group(g4)->capture_default_str();
  app.add_option("--lr-decay", o.lr_decay, "learning rate of epoch e: lr * decay^e")
      ->check(dnn::above_at_most(0, 1))->group(g4)->capture_default_str();
  app.add_option("--dropout", o.dropout, "dropout probability of hidden units")
      ->check(dnn::at_least_below(0, 1))->group(g4)->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "decoupled weight decay lambda")
      ->check(dnn::at_least(0))->group(g4)->capture_default_str();
  app.add_option("--augmented-lr-decay", o.augmented_lr_decay, "lr decay per epoch of the augmented run")
      ->check(dnn::above_at_most(0, 1))->group(g4)->capture_default_str();
  app.add_option("--augmented-dropout", o.augmented_dropout, "dropout of the augmented run")
      ->check(dnn::at_least_below(0, 1))->group(g4)->capture_default_str();
  app.add_flag("--resume", o.resume, "continue a stopped run from --out: the best runs from their checkpoints, the depth and data grids from their *_runs.jsonl")->group(g4);
  dnn::add_common_options(app, o.common, "out/10_faq");
  dnn::add_data_options(app, o.data);
  return dnn::run_program(app, argc, argv, [&] {
    ch10::validate(o);
    return ch10::run(o);
  });
}
