// Chapter 07: the fast CPU trainer's plumbing — construction, weights, one SGD step, evaluation.
// The arithmetic of each step of the ladder is in its own file beside this one (1_… to 7_…,
// listed in shared.hpp); forward() and backward_and_update() pick, per layer, the function of the
// highest step that FastCpuFeatures switches on (see fast_cpu.hpp for the ideas).
//
// Memory layout: every layer's weights are a row-major `rows × ld` block with rows = pad(n_in) and
// ld = pad(n_out) (pad = next multiple of simd::kLanes floats: 50 → 64 on AVX-512, 56 on AVX2, 52
// on NEON). The padding is zero and stays zero: padded outputs have zero weights and bias, so their activations and gradients are 0, so their
// updates are 0. This lets every inner loop run over whole vectors (simd.hpp).
//
// One SGD step (batch B, layers 0..L−1, A[0] = input, A[l+1] = f(A[l]·W_l + b_l)):
//   forward  : layer 0 from the CSR rows (or dense), layers 1.. from A[l] skipping zeros,
//              bias + ReLU fused into the same loop;
//   loss     : softmax + cross-entropy + dZ_{L−1} = (P − onehot)/B in one loop per row;
//   backward : for l = L−1 … 1:  dZ_{l−1} = (dZ_l · W_lᵀ) ⊙ [A[l] > 0]   (needs the OLD W_l)
//                                 W_l −= η · A[l]ᵀ · dZ_l,  b_l −= η · Σ_i dZ_l[i,:]
//              layer 0:           W_0[k,:] −= η · Σ_i x_ik · dZ_0[i,:] over the non-zero x_ik only.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dnn/error.hpp"
#include "dnn/fast_cpu.hpp"
#include "dnn/timer.hpp"
#include "shared.hpp"

namespace dnn {

std::string FastCpuFeatures::label() const {
  std::string s = sparse_input ? "sparse-l1" : "dense-l1";
  s += (hand_kernels || fused_update) ? "+fused-update" : "+dW-then-sgd";
  s += hand_kernels ? "+hand-kernels" : "+eigen-gemm";
  const bool fused = fused_update || hand_kernels;
  if (by_pixel && sparse_input && fused) return s + "+by-pixel";
  if (pixel_blocks && sparse_input && fused) s += "+pixel-blocks";
  if (pixel_bytes && pixel_blocks && sparse_input && fused && !image_pairs) s += "+pixel-bytes";
  if (image_pairs && sparse_input) s += "+image-pairs";
  return s;
}

FastCpuFeatures ladder_step(int n) {
  if (n < 1 || n > 8) throw std::out_of_range("ladder_step: step " + std::to_string(n) + " outside 1..8");
  FastCpuFeatures f;
  f.sparse_input = n >= 2;
  f.fused_update = n >= 3;
  f.hand_kernels = n >= 4;
  f.pixel_blocks = n >= 5;
  f.pixel_bytes = n == 6;
  f.by_pixel = n == 7;
  f.image_pairs = n == 8;
  return f;
}

// ---------------------------------------------------------------- construction and weights

FastCpuTrainer::FastCpuTrainer(const Mlp& net, const OptimizerConfig& opt, const Matrix& train_x,
                               const std::vector<int>& train_y, int batch, FastCpuFeatures features)
    : opt_(opt), X_(train_x), y_(train_y), batch_(batch), features_(features) {
  if (batch < 1) throw InputError("--batch: expected an integer >= 1, got " + std::to_string(batch));
  if (opt.kind != OptimizerKind::SGD)
    throw InputError("--optimizer: the fastcpu backend implements plain SGD only (the textbook's optimizer), got '" +
                     to_string(opt.kind) + "'; use --backend eigen for momentum/Adam");
  if (net.layers.empty()) throw std::invalid_argument("FastCpuTrainer: the network has no layer");
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const Activation want = (l + 1 == net.layers.size()) ? Activation::Linear : Activation::ReLU;
    if (net.layers[l].act != want)
      throw InputError("--activation: the fastcpu backend needs ReLU hidden layers and a linear output layer "
                       "(softmax is in the loss); layer " + std::to_string(l + 1) + " is " +
                       to_string(net.layers[l].act));
  }
  require_training_set(train_x, train_y, net, "FastCpuTrainer");
  for (int y : train_y)
    if (y < 0 || y >= net.output_size())
      throw std::invalid_argument("FastCpuTrainer: label " + std::to_string(y) + " outside 0.." +
                                  std::to_string(net.output_size() - 1));
  if (features_.hand_kernels) features_.fused_update = true;  // the hand kernels always update in place

  layers_.resize(net.layers.size());
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    FastCpuLayer& L = layers_[l];
    L.n_in = net.layers[l].W.rows;
    L.n_out = net.layers[l].W.cols;
    L.rows = pad_to_lane(L.n_in);
    L.ld = pad_to_lane(L.n_out);
    L.W.assign(static_cast<std::size_t>(L.rows) * L.ld, 0.0f);
    L.b.assign(static_cast<std::size_t>(L.ld), 0.0f);
    if (features_.hand_kernels && l > 0) L.Wt.assign(static_cast<std::size_t>(L.ld) * L.rows, 0.0f);
    if (!features_.fused_update) {
      L.dW.assign(L.W.size(), 0.0f);
      L.db.assign(L.b.size(), 0.0f);
    }
  }
  set_weights(net);

  Timer t;
  if (features_.sparse_input) Xs_ = to_csr(train_x);
  if (image_pairs()) pixel_bits_.build(Xs_);
  if (features_.pixel_bytes && pixel_blocks() && !image_pairs()) {  // step 6, where it can run
    if (!fast_cpu::fits_registers(layers_[0].ld))
      pixel_bytes_note_ = "layer 1's " + std::to_string(layers_[0].n_out) + " units are wider than the registers";
    else if (Xb_.build(Xs_, &pixel_bytes_note_))
      pixel_bytes_ = true;
    if (!pixel_bytes_) pixel_bytes_note_ = "step 6 (pixels in 3 bytes) does not run, step 5 does: " + pixel_bytes_note_;
  }
  csr_seconds_ = t.seconds();
  // A minibatch never has more rows than the training set (a --batch larger than the data is
  // one full-batch step); 256 rows are the evaluation chunk.
  ensure_capacity(std::max(std::min(batch_, train_x.rows), 256));
}

void FastCpuTrainer::ensure_capacity(int rows) {
  if (rows <= capacity_) return;
  capacity_ = rows;
  yb_.resize(static_cast<std::size_t>(rows));
  in_rows_.resize(static_cast<std::size_t>(rows));
  const std::size_t L = layers_.size();
  A_.resize(L + 1);
  dZ_.resize(L);
  // A_[0] (a gathered dense minibatch) is only used when layer 1 is not sparse.
  A_[0].assign(features_.sparse_input ? 0 : static_cast<std::size_t>(rows) * layers_[0].rows, 0.0f);
  for (std::size_t l = 0; l < L; ++l) {
    A_[l + 1].assign(static_cast<std::size_t>(rows) * layers_[l].ld, 0.0f);
    dZ_[l].assign(static_cast<std::size_t>(rows) * layers_[l].ld, 0.0f);
  }
}

void FastCpuTrainer::get_weights(Mlp& net) const {
  net.layers.resize(layers_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const FastCpuLayer& L = layers_[l];
    DenseLayer& d = net.layers[l];
    d.W.resize(L.n_in, L.n_out);
    d.b.resize(1, L.n_out);
    d.act = (l + 1 == layers_.size()) ? Activation::Linear : Activation::ReLU;
    for (int k = 0; k < L.n_in; ++k)
      std::memcpy(d.W.row(k), &L.W[static_cast<std::size_t>(k) * L.ld], sizeof(float) * L.n_out);
    std::memcpy(d.b.data.data(), L.b.data(), sizeof(float) * L.n_out);
  }
}

void FastCpuTrainer::set_weights(const Mlp& net) {
  if (net.layers.size() != layers_.size())
    throw std::invalid_argument("FastCpuTrainer::set_weights: " + std::to_string(net.layers.size()) +
                                " layers, expected " + std::to_string(layers_.size()));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    FastCpuLayer& L = layers_[l];
    const DenseLayer& d = net.layers[l];
    require_shape(d.W, L.n_in, L.n_out, "FastCpuTrainer::set_weights W");
    require_shape(d.b, 1, L.n_out, "FastCpuTrainer::set_weights b");
    std::fill(L.W.begin(), L.W.end(), 0.0f);
    std::fill(L.b.begin(), L.b.end(), 0.0f);
    for (int k = 0; k < L.n_in; ++k)
      std::memcpy(&L.W[static_cast<std::size_t>(k) * L.ld], d.W.row(k), sizeof(float) * L.n_out);
    std::memcpy(L.b.data(), d.b.data.data(), sizeof(float) * L.n_out);
  }
}

void FastCpuTrainer::get_optimizer_state(Optimizer& opt) const {
  Mlp net;
  get_weights(net);
  opt = Optimizer(opt_, net);  // plain SGD has no slots: only the step count is state
  opt.set_steps(steps_done_);
}

void FastCpuTrainer::set_optimizer_state(const Optimizer& opt) {
  if (opt.config().kind != OptimizerKind::SGD)
    throw std::invalid_argument("FastCpuTrainer::set_optimizer_state: the fastcpu backend only runs SGD, got " +
                                to_string(opt.config().kind));
  steps_done_ = opt.steps();
}

// ---------------------------------------------------------------- one step

void FastCpuTrainer::forward(const int* idx, const Matrix* dense_x, const int* dense_rows, int count) {
  using namespace fast_cpu;
  const bool training = (dense_x == nullptr);
  const std::size_t L = layers_.size();
  for (std::size_t l = 0; l < L; ++l) {
    const FastCpuLayer& layer = layers_[l];
    const bool relu = (l + 1 < L);
    float* out = A_[l + 1].data();
    if (l == 0 && training && by_pixel()) {  // step 7
      forward_by_pixel(layer, pixels_, count, relu, out);
      continue;
    }
    if (l == 0 && training && image_pairs()) {  // step 8
      forward_sparse_pairs(layer, Xs_, pixel_bits_, idx, count, relu, out);
      continue;
    }
    if (l == 0 && training && pixel_bytes_) {  // step 6
      forward_sparse_blocks(layer, Xb_, idx, count, relu, out, block_cursors_, {next_idx_, next_count_});
      continue;
    }
    if (l == 0 && training && pixel_blocks()) {  // step 5
      forward_sparse_blocks(layer, Xs_, idx, count, relu, out, block_cursors_, {next_idx_, next_count_});
      continue;
    }
    if (l == 0 && training && features_.sparse_input) {  // step 2
      forward_sparse_rows(layer, Xs_, idx, count, relu, out, {next_idx_, next_count_});
      continue;
    }
    // Evaluation (dense_x) reads layer 1 from the dense images with the hand kernel; every other
    // dense layer takes the hand kernels only where its width fits the registers.
    const bool hand = (l == 0 && !training) || (features_.hand_kernels && fits_registers(layer.ld)) ||
                      (!training && fits_registers(layer.ld));
    if (hand) {  // step 4
      for (int i = 0; i < count; ++i) {
        const float* a = nullptr;
        if (l > 0)
          a = A_[l].data() + static_cast<std::size_t>(i) * layer.rows;
        else if (!training)
          a = dense_x->row(dense_rows ? dense_rows[i] : i);
        else
          a = A_[0].data() + static_cast<std::size_t>(i) * layer.rows;
        in_rows_[static_cast<std::size_t>(i)] = a;
      }
      forward_hand(layer, in_rows_.data(), count, relu, /*skip_zero_inputs=*/l == 0, out);
      continue;
    }
    forward_gemm(layer, A_[l].data(), count, relu, out);  // step 1
  }
}

float FastCpuTrainer::loss_and_output_grad(const int* labels, int count, long* correct) {
  const FastCpuLayer& last = layers_.back();
  const float* logits = A_.back().data();
  float* dz = dZ_.back().data();
  const float inv_b = 1.0f / static_cast<float>(count);
  double loss = 0.0;
  long right = 0;
  for (int i = 0; i < count; ++i) {
    int pred = 0;
    loss += fast_cpu::softmax_ce_row(logits + static_cast<std::size_t>(i) * last.ld, last.n_out, last.ld, labels[i], inv_b,
                           dz + static_cast<std::size_t>(i) * last.ld, &pred);
    right += (pred == labels[i]);
  }
  if (correct) *correct += right;
  return static_cast<float>(loss / count);
}

void FastCpuTrainer::backward_and_update(const int* idx, int count) {
  using namespace fast_cpu;
  const float neg_lr = -opt_.lr;
  const std::size_t L = layers_.size();
  for (std::size_t l = L; l-- > 0;) {
    FastCpuLayer& layer = layers_[l];
    const float* dz = dZ_[l].data();
    const float* a_in = A_[l].data();  // layer l's input (A_[0] is empty when layer 1 is sparse)
    // 1) Gradient for the layer below, with the OLD weights of this layer (before its update).
    if (l > 0) {
      if (features_.hand_kernels && fits_registers(layer.rows))
        backprop_hand(layer, dz, a_in, count, dZ_[l - 1].data());  // step 4
      else
        backprop_gemm(layer, dz, a_in, count, dZ_[l - 1].data());  // step 1
    }
    const bool sparse_in = (l == 0 && features_.sparse_input);
    if (features_.fused_update) {
      // 2) and 3) b −= η · Σ_i dZ[i, :] and W −= η · A_inᵀ · dZ, without dW or db (step 3).
      bias_update_fused(layer, dz, count, neg_lr);
      if (sparse_in && by_pixel())
        update_by_pixel(layer, pixels_, dz, neg_lr);  // step 7
      else if (sparse_in && pixel_bytes_)
        update_sparse_blocks(layer, Xb_, idx, count, dz, neg_lr, block_cursors_);  // step 6
      else if (sparse_in && pixel_blocks())
        update_sparse_blocks(layer, Xs_, idx, count, dz, neg_lr, block_cursors_);  // step 5
      else if (sparse_in)
        update_sparse_rows(layer, Xs_, idx, count, dz, neg_lr);  // step 3
      else if (features_.hand_kernels && fits_registers(layer.ld))
        update_hand(layer, a_in, dz, count, neg_lr);  // step 4
      else
        update_gemm(layer, a_in, dz, count, neg_lr);  // step 3
    } else {
      // The textbook order: compute the whole gradient ∂E/∂W into dW, then take the SGD step.
      bias_gradient(layer, dz, count);  // step 1
      if (sparse_in)
        weight_gradient_sparse_rows(layer, Xs_, idx, count, dz);  // step 2
      else
        weight_gradient_gemm(layer, a_in, dz, count);  // step 1
      sgd_step(layer, neg_lr);
    }
  }
}

float FastCpuTrainer::train_step(const int* idx, int count, long* correct) {
  if (count < 1 || count > capacity_)
    throw std::invalid_argument("FastCpuTrainer::train_step: minibatch of " + std::to_string(count) +
                                " rows, expected 1.." + std::to_string(capacity_));
  for (int i = 0; i < count; ++i) {
    if (idx[i] < 0 || idx[i] >= X_.rows)
      throw std::invalid_argument("FastCpuTrainer::train_step: row " + std::to_string(idx[i]) + " outside 0.." +
                                  std::to_string(X_.rows - 1));
    yb_[static_cast<std::size_t>(i)] = y_[static_cast<std::size_t>(idx[i])];
  }
  if (!features_.sparse_input) {  // gather the dense minibatch (the chapter-05 way)
    const int rows0 = layers_[0].rows;
    for (int i = 0; i < count; ++i) {
      float* dst = A_[0].data() + static_cast<std::size_t>(i) * rows0;
      std::memcpy(dst, X_.row(idx[i]), sizeof(float) * X_.cols);
      std::fill(dst + X_.cols, dst + rows0, 0.0f);
    }
  }
  if (features_.sparse_input)  // where each image's non-zeros start: random rows of a 240 KB array
    for (int i = 0; i < count; ++i)
      fast_cpu::prefetch_line<fast_cpu::CacheLevel::L1>(
          reinterpret_cast<const char*>((pixel_bytes_ ? Xb_.row_ptr.data() : Xs_.row_ptr.data()) + idx[i]));
  if (by_pixel()) {
    const fast_cpu::NextRows next{next_idx_, next_count_};
    for (int i = 0; i < next_count_; ++i) next.prefetch(Xs_, i);
    pixels_.build(Xs_, idx, count, layers_[0].n_in);
  }
  forward(idx, nullptr, nullptr, count);
  const float loss = loss_and_output_grad(yb_.data(), count, correct);
  if (loss_diverged(loss)) return loss;  // NaN, Inf or > 1000: no update, the caller stops
  backward_and_update(idx, count);
  ++steps_done_;
  return loss;
}

EpochMetrics FastCpuTrainer::train_epoch(const std::vector<int>& order, int epoch, const StepCallback& on_step) {
  auto step = [this, &order](int first, int count, long* correct) {
    // The next minibatch of this epoch, for step 2's prefetch (NextRows in shared.hpp).
    const int n = static_cast<int>(order.size());
    next_idx_ = order.data() + std::min(first + count, n);
    next_count_ = std::min(count, n - std::min(first + count, n));
    const float loss = train_step(order.data() + first, count, correct);
    next_count_ = 0;
    return loss;
  };
  return train_minibatches(order, batch_, epoch, opt_.lr, opt_.lr_flag, on_step, step);
}

// ---------------------------------------------------------------- evaluation

EvalResult FastCpuTrainer::evaluate(const Matrix& X, const std::vector<int>& y) {
  if (X.rows != static_cast<int>(y.size()))
    throw std::invalid_argument("FastCpuTrainer::evaluate: " + std::to_string(X.rows) + " rows but " +
                                std::to_string(y.size()) + " labels");
  if (X.cols != layers_[0].n_in)
    throw std::invalid_argument("FastCpuTrainer::evaluate: rows have " + std::to_string(X.cols) +
                                " values, the network takes " + std::to_string(layers_[0].n_in));
  for (int label : y)
    if (label < 0 || label >= layers_.back().n_out)
      throw std::invalid_argument("FastCpuTrainer::evaluate: label " + std::to_string(label) + " outside 0.." +
                                  std::to_string(layers_.back().n_out - 1));
  EvalResult r;
  if (X.rows == 0) return r;
  double loss = 0.0;
  long correct = 0;
  std::vector<int> rows(static_cast<std::size_t>(capacity_));
  for (int start = 0; start < X.rows; start += capacity_) {
    const int count = std::min(capacity_, X.rows - start);
    for (int i = 0; i < count; ++i) rows[static_cast<std::size_t>(i)] = start + i;
    forward(nullptr, &X, rows.data(), count);
    // The loss without touching the weights: the gradient rows written to dZ_.back() are not used.
    loss += static_cast<double>(loss_and_output_grad(y.data() + start, count, &correct)) * count;
  }
  r.loss = loss / X.rows;
  r.accuracy = static_cast<double>(correct) / X.rows;
  return r;
}

std::vector<int> FastCpuTrainer::predict(const Matrix& X) {
  if (X.cols != layers_[0].n_in)
    throw std::invalid_argument("FastCpuTrainer::predict: rows have " + std::to_string(X.cols) +
                                " values, the network takes " + std::to_string(layers_[0].n_in));
  std::vector<int> pred(static_cast<std::size_t>(X.rows));
  std::vector<int> rows(static_cast<std::size_t>(capacity_));
  const FastCpuLayer& last = layers_.back();
  for (int start = 0; start < X.rows; start += capacity_) {
    const int count = std::min(capacity_, X.rows - start);
    for (int i = 0; i < count; ++i) rows[static_cast<std::size_t>(i)] = start + i;
    forward(nullptr, &X, rows.data(), count);
    for (int i = 0; i < count; ++i) {
      const float* z = A_.back().data() + static_cast<std::size_t>(i) * last.ld;
      int best = 0;
      for (int j = 1; j < last.n_out; ++j)
        if (z[j] > z[best]) best = j;
      pred[static_cast<std::size_t>(start + i)] = best;
    }
  }
  return pred;
}

}  // namespace dnn
