// Mode `sync --compress topk:F | sign` — send less than the whole gradient, with error feedback.
//
// An allreduce moves all n = 42 310 gradient entries every step. Two ways to send less:
//  - top-k (Deep Gradient Compression, Lin et al. 2018): each rank sends only the k = F·n entries
//    of largest magnitude, as (index, value) pairs: 8 bytes each instead of 4 bytes for all n;
//  - sign (1-bit SGD, Seide et al. 2014): each rank sends one bit per entry (its sign) and one
//    scale, the mean |entry|: n/8 bytes instead of 4n.
// Both drop information. Error feedback keeps it: what a rank did not send stays in its residual
// and is added to the next step's gradient (residual ← residual + g − sent), so every part of
// the gradient is applied eventually, only late. Without it, top-k at F = 0.001 never moves most
// weights at all. The messages are gathered (MPI_Allgather: sparse messages cannot be summed on
// the way like an allreduce), and every rank adds them up in rank order, so all ranks apply the
// same update and stay one model.
#include <cmath>
#include <cstdint>
#include <string>

#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/parallel.hpp"
#include "parallel.hpp"

namespace ch08 {

double parse_compress(const std::string& text) {
  if (text == "sign") return 0.0;
  const std::string prefix = "topk:";
  if (text.rfind(prefix, 0) == 0) {
    const std::string f = text.substr(prefix.size());
    std::size_t used = 0;
    double v = -1;
    try {
      v = std::stod(f, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == f.size() && !f.empty() && std::isfinite(v) && v > 0 && v <= 1) return v;
  }
  throw dnn::InputError("--compress: expected none, topk:F with a fraction 0 < F <= 1 (e.g. topk:0.01) or sign, got '" +
                        text + "'");
}

namespace {

class CompressedSyncSgd : public StepRule {
 public:
  CompressedSyncSgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world, double fraction)
      : world_(world), fraction_(fraction), shard_(ds.train_x, ds.train_y, net), sgd_(net) {
    const int n = parameter_floats(net);
    residual_.assign(static_cast<std::size_t>(n), 0.0f);
    k_ = std::max(1, static_cast<int>(std::lround(fraction * n)));
  }

  std::string name() const override {
    return fraction_ > 0 ? "sync --compress topk:" + dnn::format_number(fraction_) + " (k = " + std::to_string(k_) + ")"
                         : "sync --compress sign";
  }

  StepStats step(dnn::Mlp& net, const int* idx, int count, int batch, float lr) override {
    const StepStats st = shard_.compute(net, idx, count, batch, flat_);
    sum_.assign(flat_.size(), 0.0f);
    if (fraction_ > 0) {
      exchange_topk();
    } else {
      exchange_sign();
    }
    ++rounds;
    sgd_.apply(net, sum_, lr);
    return st;
  }

 private:
  void exchange_topk() {
    const int n = static_cast<int>(flat_.size());
    dnn::parallel::topk_error_feedback(flat_.data(), residual_.data(), n, k_, index_, value_);
    const std::size_t P = static_cast<std::size_t>(world_.size()), k = static_cast<std::size_t>(k_);
    all_index_.resize(P * k);
    all_value_.resize(P * k);
    MPI_Allgather(index_.data(), k_, MPI_INT, all_index_.data(), k_, MPI_INT, world_.comm());
    MPI_Allgather(value_.data(), k_, MPI_FLOAT, all_value_.data(), k_, MPI_FLOAT, world_.comm());
    for (std::size_t j = 0; j < P * k; ++j) sum_[static_cast<std::size_t>(all_index_[j])] += all_value_[j];
    bytes_sent += static_cast<double>(P - 1) * static_cast<double>(k) * (sizeof(int) + sizeof(float));  // allgather
  }

  void exchange_sign() {
    const std::size_t n = flat_.size(), bytes = (n + 7) / 8;
    double mean_abs = 0;
    for (std::size_t i = 0; i < n; ++i) {
      residual_[i] += flat_[i];  // a = residual + g
      mean_abs += std::fabs(residual_[i]);
    }
    const float scale = static_cast<float>(mean_abs / static_cast<double>(n));
    bits_.assign(bytes, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const bool positive = residual_[i] >= 0;
      if (positive) bits_[i / 8] |= static_cast<unsigned char>(1u << (i % 8));
      residual_[i] -= positive ? scale : -scale;  // what was not sent stays
    }
    const std::size_t P = static_cast<std::size_t>(world_.size());
    all_bits_.resize(P * bytes);
    all_scales_.resize(P);
    MPI_Allgather(bits_.data(), static_cast<int>(bytes), MPI_UNSIGNED_CHAR, all_bits_.data(), static_cast<int>(bytes),
                  MPI_UNSIGNED_CHAR, world_.comm());
    MPI_Allgather(&scale, 1, MPI_FLOAT, all_scales_.data(), 1, MPI_FLOAT, world_.comm());
    for (std::size_t r = 0; r < P; ++r)
      for (std::size_t i = 0; i < n; ++i)
        sum_[i] += (all_bits_[r * bytes + i / 8] >> (i % 8)) & 1u ? all_scales_[r] : -all_scales_[r];
    bytes_sent += static_cast<double>(P - 1) * static_cast<double>(bytes + sizeof(float));
  }

  const MpiWorld& world_;
  double fraction_;  // 0: sign
  int k_ = 0;
  ShardGradient shard_;
  SgdUpdate sgd_;
  std::vector<float> flat_, residual_, sum_, value_, all_value_, all_scales_;
  std::vector<int> index_, all_index_;
  std::vector<unsigned char> bits_, all_bits_;
};

}  // namespace

std::unique_ptr<StepRule> make_compressed_sync_sgd(const dnn::Dataset& ds, const dnn::Mlp& net, const MpiWorld& world,
                                                   const std::string& compress) {
  return std::make_unique<CompressedSyncSgd>(ds, net, world, parse_compress(compress));
}

}  // namespace ch08
