// Chapter 08 — parallel and distributed training (§7.2: 分布式训练, 并行训练, 异步训练) on MPI.
// The chapter-05 model (784-50-50-10, ReLU, softmax cross-entropy, SGD), trained by P processes.
//
//   08_parallel                                   one process (an MPI singleton)
//   mpirun -np 2 08_parallel                      synchronous data parallelism on 2 ranks
//   mpirun -np 2 08_parallel --allreduce ring     ... with the chapter's ring allreduce
//   mpirun -np 3 08_parallel --deterministic      the same weights, bit for bit, as one process
//   mpirun -np 2 08_parallel --compress topk:0.01 send 1 % of the gradient (error feedback)
//   mpirun -np 2 08_parallel --mode local-sgd --sync-every 8   average the models every 8 steps
//   08_parallel --mode hogwild --threads 2        asynchronous lock-free SGD, 2 threads, shared weights
//   08_parallel --mode stale --staleness 4        asynchrony simulated: gradients of 4-step-old weights
//   mpirun -np 2 08_parallel --mode comm          allreduce latency/bandwidth here + the cost model
//   08_parallel --mode noise-scale                the gradient noise scale B_simple at 0, 1, 5 epochs
#include "dnn/cli.hpp"
#include "parallel.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Chapter 08: data-parallel training of the chapter-05 MLP on MPI — synchronous SGD (allreduce "
               "mpi or ring, deterministic), gradient compression, local SGD. Start P ranks with mpirun -np P.",
               "08_parallel"};
  ch08::Options o;
  app.add_option("--mode", o.mode,
                 "sync (allreduce of the gradient every step), local-sgd (average the models every --sync-every "
                 "steps), hogwild (one process, --threads threads updating shared weights without locks) or stale "
                 "(each gradient computed on the weights of --staleness steps ago); comm measures the allreduce (alpha, "
                 "beta) and predicts P = 1 ... 1024; noise-scale estimates the gradient noise scale B_simple (one process) at 0, 1 "
                 "and 5 epochs of SGD")
      ->capture_default_str();
  app.add_option("--allreduce", o.allreduce, "mpi (MPI_Allreduce) or ring (the chapter's ring_allreduce exercise)")
      ->capture_default_str();
  app.add_flag("--deterministic", o.deterministic,
               "sync: sum the gradients exactly (64-bit fixed point), so any number of ranks gives bit-identical "
               "weights to one process");
  app.add_option("--compress", o.compress,
                 "sync: none, topk:F (send the fraction F of largest entries) or sign (1 bit per entry), both with "
                 "error feedback")
      ->capture_default_str();
  app.add_option("--sync-every", o.sync_every, "local-sgd: local steps H between two averagings of the models")
      ->capture_default_str()
      ->check(dnn::whole_number(1));
  app.add_option("--staleness", o.staleness, "stale: the gradient of step t is taken at the weights of step t − S")
      ->capture_default_str()
      ->check(dnn::whole_number(0, 10000));
  app.add_flag("--locked", o.locked, "hogwild: one mutex around every step (nothing overwritten, threads take turns)");
  app.add_option("--noise-examples", o.noise_examples,
                 "noise-scale: per-example gradients N of the estimate, the first N training images (default 4096, "
                 "or all if fewer)");
  app.add_option("--batch", o.batch, "Global minibatch B, split over the ranks (Keras default 32)")
      ->capture_default_str()
      ->check(dnn::whole_number(1));
  app.add_option("--lr", o.lr, "Learning rate η of SGD (the textbook: 0.01)")->capture_default_str()->check(dnn::positive());
  app.add_option("--warmup-epochs", o.warmup_epochs,
                 "Grow η linearly from ~0 to --lr over this many epochs (large batches, Goyal et al. 2017)")
      ->capture_default_str()
      ->check(dnn::whole_number(0));
  app.add_option("--epochs", o.epochs, "Epochs (the textbook: 10)")->capture_default_str()->check(dnn::whole_number(1));
  app.add_option("--hidden", o.hidden, "Hidden layer sizes, comma-separated (the textbook: 50,50)")
      ->capture_default_str();
  app.add_option("--ranks", o.expect_ranks,
                 "The number of ranks you mean to run: exit 2 unless mpirun started exactly that many")
      ->check(dnn::whole_number(1));
  app.add_option("--json", o.json,
                 "Also write the summary to FILE (mode, ranks, global_batch, test_accuracy, seconds_per_epoch, "
                 "weights_hash, ...)");
  dnn::add_common_options(app, o.common, "out/08_parallel");
  dnn::add_data_options(app, o.data);
  return dnn::run_program(app, argc, argv, [&] {
    o.hogwild_threads = o.common.threads;  // --threads: the Hogwild threads in mode hogwild
    return ch08::run(o);
  });
}
