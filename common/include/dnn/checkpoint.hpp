/// @file checkpoint.hpp
/// @brief Saving and restoring a training run: model, optimizer state and position.
///
/// A checkpoint holds everything needed to continue training to the *same* result as a run
/// that never stopped: the layer shapes and activations, all weights, the optimizer's kind,
/// hyper-parameters, state (velocity / Adam moments) and step count, the seed, the batch size
/// and the number of finished epochs (the order of the next epoch is re-derived from the seed
/// and the epoch index, see epoch_order() in train.hpp), plus the per-epoch history.
///
/// File format, version 2 (all integers and floats little-endian):
///
///     offset 0    8 bytes   magic "DNN-CKPT"
///     offset 8    u32       format version (2; version 1 files are still read)
///     offset 12   u64       payload size N
///     offset 20   N bytes   payload (below)
///     offset 20+N u32       CRC-32 (zlib) of bytes [0, 20+N)
///
///     payload:  str dataset, u32 train_size, u32 data fingerprint (version 2 only),
///               u64 seed, u32 batch, u32 epochs_done,
///               u32 L, L × (u32 n_in, u32 n_out, u8 activation),
///               u8 optimizer, f32 lr, f32 momentum, f64 beta1, f64 beta2, f64 eps, i64 steps,
///               L × (W: n_in·n_out f32, b: n_out f32),
///               u32 K1, K1 × tensor,  u32 K2, K2 × tensor     (optimizer slots 1 and 2)
///               u32 H,  H × (u32 epoch, 6 × f64 train_loss train_acc test_loss test_acc s eval_s)
///     str = u32 length + bytes;  tensor = u32 rows, u32 cols, rows·cols f32
///
/// Reading checks everything before trusting it: size, magic, version, checksum, every length
/// against the bytes that are really left (a corrupt length never allocates memory), layer
/// shapes that chain, no bytes left over, hyper-parameters the optimizer accepts (momentum and
/// Adam β in [0, 1), ε > 0). Any problem is an InputError naming the file and
/// what is wrong; garbage never crashes (parse_checkpoint is the fuzzer's entry point).
/// Writing is atomic (temp file + rename): a crash never leaves a half-written checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnn/activation.hpp"
#include "dnn/log.hpp"
#include "dnn/matrix.hpp"
#include "dnn/mlp.hpp"
#include "dnn/optimizer.hpp"
#include "dnn/train.hpp"

namespace dnn {

/// Version 2 added the data fingerprint (data_fingerprint in data.hpp): a resume on other data
/// (Fashion-MNIST for MNIST, the test files in place of the training files) is refused.
constexpr std::uint32_t kCheckpointVersion = 2;
constexpr char kCheckpointMagic[9] = "DNN-CKPT";

struct Checkpoint {
  std::string dataset;          ///< name of the training data (a resume must use the same)
  int train_size = 0;           ///< number of training examples
  std::uint32_t data_fingerprint = 0;  ///< data_fingerprint() of the training data (data.hpp)
  bool has_fingerprint = true;  ///< false for a version 1 file (written before fingerprints)
  std::uint64_t seed = 0;
  int batch = 0;
  int epochs_done = 0;
  Mlp net;
  OptimizerConfig optimizer;
  long optimizer_steps = 0;
  std::vector<Matrix> slots1;   ///< Optimizer::slots1() (velocity or Adam m), may be empty
  std::vector<Matrix> slots2;   ///< Optimizer::slots2() (Adam v), may be empty
  std::vector<EpochStats> history;
};

/// The bytes of the file format above.
std::string serialize_checkpoint(const Checkpoint& c);

/// Parses and validates a checkpoint held in memory; `name` (the file name) is used in error
/// messages. Throws InputError for anything malformed; never anything else for bad bytes.
Checkpoint parse_checkpoint(const std::string& bytes, const std::string& name);

/// Writes `c` to `path` atomically. A checkpoint is not a result of `--out`: it is in no manifest,
/// so the next run into the folder never removes it (05_mlp says when it replaces one).
void save_checkpoint(const std::string& path, const Checkpoint& c);

/// Reads and parses `path`; InputError naming the file when it is missing, a folder, not a regular
/// file, larger than any checkpoint (kMaxCheckpointBytes), unreadable or bad.
Checkpoint load_checkpoint(const std::string& path);

/// The largest checkpoint load_checkpoint reads (4096-wide layers with Adam are ~0.3 GB).
constexpr std::uint64_t kMaxCheckpointBytes = 4ull << 30;

/// For OutputFileFlag (log.hpp): a checkpoint is a file that starts with kCheckpointMagic; only
/// such a file is replaced by `--checkpoint`.
OwnedFileKind checkpoint_file_kind();

/// Fills the model and optimizer part of `c` from `trainer`: its current weights, and the
/// optimizer's configuration, step count and slots (an Optimizer built from `optimizer` for those
/// weights and filled by trainer.get_optimizer_state). The fields of the run (dataset, train_size,
/// seed, batch, epochs_done, history) are the caller's and left as they are.
void capture_training_state(const Trainer& trainer, const OptimizerConfig& optimizer, Checkpoint& c);

/// Copies the optimizer state of a checkpoint into `opt` (built for the same network);
/// InputError naming `name` when the number or shapes of the slots do not match.
void restore_optimizer_state(const Checkpoint& c, Optimizer& opt, const std::string& name);

}  // namespace dnn
