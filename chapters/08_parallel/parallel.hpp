// Chapter 08 — parallel and distributed training (§7.2: 并行训练, 分布式训练, 异步训练).
// What the chapter's files share: the options, the MPI world, the per-step interface of a mode,
// and the epoch loop that drives it. Each mode (sync, local-sgd, the deterministic sum, gradient
// compression) lives in its own file; see the README for the math of each.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace ch08 {

/// The command line of 08_parallel (main.cpp fills it, run() uses it).
struct Options {
  std::string mode = "sync";      ///< sync | local-sgd | hogwild | stale | comm | noise-scale
  std::string allreduce = "mpi";  ///< mpi (MPI_Allreduce) | ring (the chapter's ring_allreduce)
  bool deterministic = false;     ///< sync: exact fixed-point sum, the same weights for every P
  std::string compress = "none";  ///< sync: none | topk:F | sign (with error feedback)
  int sync_every = 1;
  int staleness = 0;              ///< stale: gradients computed on the weights of S steps ago             ///< local-sgd: H local steps between two averagings
  int batch = 32;                 ///< global minibatch B (split over the P ranks)
  double lr = 0.01;
  int warmup_epochs = 0;          ///< linear warm-up of the learning rate over this many epochs
  int epochs = 10;
  int hogwild_threads = 2;        ///< hogwild: threads sharing the weights (--threads)
  bool locked = false;            ///< hogwild: a mutex around every step instead of lock-free
  int expect_ranks = 0;           ///< --ranks P: refuse to run unless started with P processes
  int noise_examples = 0;         ///< noise-scale: per-example gradients N (0: 4096 or all if fewer)
  std::string hidden = "50,50";
  std::string json;
  dnn::CommonOptions common;
  dnn::DataOptions data;
};

/// Checks what can be checked before MPI starts (flags only); throws dnn::InputError.
void validate(const Options& o);

/// The program: MPI up, data, training in the chosen mode, results (rank 0 writes them).
int run(const Options& o);

/// This process's place among the ranks. MPI_Init in the constructor; MPI_Finalize in the
/// destructor, except while an exception unwinds: a rank that fails alone must not wait in
/// MPI_Finalize for ranks that are still training (it exits, and mpirun stops the others).
class MpiWorld {
 public:
  MpiWorld();
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  /// True when mpirun (or another MPI launcher) started this process, false for a plain start
  /// (an MPI "singleton": one rank).
  static bool launched_by_mpirun();

 private:
  int rank_ = 0, size_ = 1;
};

/// Sum of `data[0..n)` over all ranks, in place, with MPI_Allreduce or the ring ("mpi" | "ring").
template <typename T>
void allreduce_sum(T* data, int n, const std::string& how, MPI_Comm comm);

// ------------------------------------------------------------------ the flat parameter vector

/// Number of floats in all W and b of `net`.
int parameter_floats(const dnn::Mlp& net);
/// All gradients in one contiguous vector (W0, b0, W1, b1, ...): one message per step, not six.
void pack(const dnn::MlpGrads& g, std::vector<float>& flat);
void unpack(const std::vector<float>& flat, dnn::MlpGrads& g);
/// The same for the weights themselves (local SGD averages them).
void pack(const dnn::Mlp& net, std::vector<float>& flat);
void unpack(const std::vector<float>& flat, dnn::Mlp& net);
/// Gradients shaped like `net`, all zero.
dnn::MlpGrads zero_grads(const dnn::Mlp& net);
/// FNV-1a over the bytes of every weight: equal hashes ⇔ (almost surely) bit-identical weights.
std::uint64_t weights_hash(const dnn::Mlp& net);
std::string hex(std::uint64_t h);
/// Every rank's hash of its weights compared: throws std::runtime_error naming the epoch and the
/// ranks when they are not bit-identical (sync modes must keep one model on every rank).
void check_same_weights(const dnn::Mlp& net, const MpiWorld& world, int epoch);

// ------------------------------------------------------------------ a mode: what one step does

/// What a rank reports about its rows of one step.
struct StepStats {
  double loss_sum = 0;  ///< Σ over this rank's rows of the example's loss
  long correct = 0;     ///< rows predicted right (before the update)
};

/// One mode of training (sync, sync --deterministic, sync --compress, local-sgd). step() is
/// called on every rank for every global minibatch with this rank's rows of it.
class StepRule {
 public:
  virtual ~StepRule() = default;
  virtual std::string name() const = 0;
  /// Trains on the rows idx[0..count) (this rank's shard) of a global minibatch of `batch`
  /// rows with learning rate `lr`, updating `net`.
  virtual StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) = 0;
  /// Called after the last step of every epoch (local SGD averages the models here).
  virtual void end_epoch(dnn::Mlp& net) { (void)net; }
  /// True when the ranks must hold bit-identical weights after every step (checked per epoch).
  virtual bool keeps_one_model() const { return true; }
  /// Bytes this rank has sent so far (payload only, as the algorithm counts it).
  double bytes_sent = 0;
  /// Number of communication rounds (allreduces or averagings) so far.
  long rounds = 0;
};

/// The shard's mean-loss gradient through chapter 05's Eigen path (gather → mlp_loss_and_grads),
/// scaled by count / batch so that the sum over the ranks is the global minibatch's mean gradient.
class ShardGradient {
 public:
  ShardGradient(const dnn::Matrix& X, const std::vector<int>& y, const dnn::Mlp& net);
  /// Fills `flat` (parameter_floats floats) and returns this rank's loss sum and correct count.
  StepStats compute(const dnn::Mlp& net, const int* idx, int count, int batch, std::vector<float>& flat);

 private:
  const dnn::Matrix& X_;
  const std::vector<int>& y_;
  dnn::MlpWorkspace ws_;
  dnn::MlpGrads grads_;
  dnn::Matrix Xb_;
  std::vector<int> yb_, rows_;
};

/// The update every mode applies once it holds a gradient g as one flat vector (pack's order):
/// plain SGD, W ← W − η·g, through chapter 05's optimizer (unpack g into the shape of the
/// weights, set η for this step, step).
class SgdUpdate {
 public:
  explicit SgdUpdate(const dnn::Mlp& net);
  /// W ← W − lr·g, with g = `flat` (parameter_floats(net) floats).
  void apply(dnn::Mlp& net, const std::vector<float>& flat, float lr);

 private:
  dnn::MlpGrads grads_;
  dnn::Optimizer opt_;
};

/// sync_sgd.cpp: synchronous data-parallel SGD (allreduce of the gradient every step).
std::unique_ptr<StepRule> make_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                        const std::string& allreduce);
/// exact_sum.cpp: sync with a fixed-point gradient sum, bit-identical for every number of ranks.
std::unique_ptr<StepRule> make_exact_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                              const std::string& allreduce);
/// compress.cpp: sync sending only top-k entries or signs of the gradient, with error feedback.
std::unique_ptr<StepRule> make_compressed_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net,
                                                   const MpiWorld& world, const std::string& compress);
/// local_sgd.cpp: H local steps, then the models are averaged.
std::unique_ptr<StepRule> make_local_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                         const std::string& allreduce, int sync_every);

/// stale.cpp: sync SGD whose gradients are computed on the weights of `staleness` steps ago.
std::unique_ptr<StepRule> make_stale_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                         const std::string& allreduce, int staleness);

/// The fraction F of "topk:F" or 0 for "sign"; throws InputError naming --compress otherwise.
double parse_compress(const std::string& text);

// ------------------------------------------------------------------ the epoch loop and its results

/// One epoch's numbers, the same on every rank.
struct EpochRecord {
  dnn::EpochStats stats;
  double cpu_seconds = 0;  ///< this process's CPU time in the epoch (rank 0's)
  double bytes_sent = 0;   ///< per rank, cumulative
  long rounds = 0;         ///< cumulative
};

/// What a training run produced.
struct RunResult {
  std::vector<EpochRecord> history;
  dnn::EvalResult test;
  std::string weights_hash;
  double seconds_per_epoch = 0;
  int epoch_reached_97 = 0;  ///< first epoch with test accuracy >= 0.97 (0: never)
  long rounds_to_97 = 0;
  double bytes_to_97 = 0;
};

/// Runs the epochs: every rank visits the same epoch order (epoch_order(seed, e, n)), cuts each
/// global minibatch with shard_rows and hands its rows to `rule`. Test accuracy on rank 0 after
/// each epoch; weights compared across ranks after each epoch (keeps_one_model).
RunResult train(StepRule& rule, dnn::Mlp& net, const dnn::Dataset& ds, const Options& o, const MpiWorld& world);

/// hogwild.cpp: the epochs of mode hogwild (one process, o.hogwild_threads threads); adds the
/// overwritten-update counts to `extra`.
RunResult train_hogwild(dnn::Mlp& net, const dnn::Dataset& ds, const Options& o, nlohmann::json& extra);

/// comm.cpp: mode comm, the allreduce's α and β measured here and the cost model for P = 1 … 1024.
int run_comm(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, const dnn::Mlp& net,
             dnn::OutputFileFlag& json);

/// noise_scale_mode.cpp: mode noise-scale, B_simple at the initial weights and after 1 and 5
/// epochs of SGD (one process); writes noise_scale.csv, summary.json and --json FILE.
int run_noise_scale(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, dnn::Mlp& net,
                    dnn::OutputFileFlag& json);

/// What the report says about the mode that ran.
struct ModeSummary {
  std::string name;
  double bytes_sent = 0;  ///< per rank
  long rounds = 0;
  nlohmann::json extra = nlohmann::json::object();
};

/// report.cpp: history.csv, summary.json, accuracy.png and --json FILE (rank 0 only).
void write_results(const Options& o, const MpiWorld& world, const dnn::Dataset& ds, const dnn::Mlp& net,
                   const ModeSummary& mode, const RunResult& r, dnn::OutputFileFlag& json);

}  // namespace ch08
