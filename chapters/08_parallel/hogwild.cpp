// Mode `hogwild`: see hogwild.hpp for what it does and why the weights are atomics.
#include "hogwild.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

#include <cstdio>

#include "dnn/ops.hpp"
#include "dnn/timer.hpp"
#include "parallel.hpp"

namespace ch08 {

SharedWeights::SharedWeights(const dnn::Mlp& net) : w_(static_cast<std::size_t>(parameter_floats(net))) {
  std::vector<float> flat;
  pack(net, flat);
  for (std::size_t k = 0; k < flat.size(); ++k) w_[k].store(flat[k], std::memory_order_relaxed);
}

void SharedWeights::read(dnn::Mlp& net) const {
  std::vector<float> flat(w_.size());
  for (std::size_t k = 0; k < w_.size(); ++k) flat[k] = w_[k].load(std::memory_order_relaxed);
  unpack(flat, net);
}

HogwildStats hogwild_epoch(SharedWeights& shared, const dnn::Mlp& shape, const dnn::Matrix& X,
                           const std::vector<int>& y, const std::vector<int>& order, int batch, float lr, int threads,
                           bool locked) {
  const int n = static_cast<int>(order.size());
  const long steps = (n + batch - 1) / batch;
  const std::size_t first_layer = shape.layers[0].W.size() + shape.layers[0].b.size();
  std::mutex lock;
  std::vector<HogwildStats> per_thread(static_cast<std::size_t>(threads));
  std::vector<StepStats> sums(static_cast<std::size_t>(threads));
  auto worker = [&](int t) {
    dnn::Mlp local = shape;                  // this thread's copy of the weights it read
    ShardGradient gradient(X, y, shape);     // its own buffers
    std::vector<float> g;
    HogwildStats& st = per_thread[static_cast<std::size_t>(t)];
    for (long s = t; s < steps; s += threads) {
      const int first = static_cast<int>(s * batch), count = std::min(batch, n - first);
      std::unique_lock<std::mutex> guard(lock, std::defer_lock);
      if (locked) guard.lock();
      shared.read(local);
      const StepStats r = gradient.compute(local, order.data() + first, count, count, g);
      sums[static_cast<std::size_t>(t)].loss_sum += r.loss_sum;
      sums[static_cast<std::size_t>(t)].correct += r.correct;
      for (std::size_t k = 0; k < g.size(); ++k) {
        if (g[k] == 0.0f) continue;  // sparse: pixels that are 0 in every image of the step
        const int layer = k < first_layer ? 0 : 1;
        float seen = shared[k].load(std::memory_order_relaxed);
        const float updated = seen - lr * g[k];
        ++st.updates[layer];
        if (!shared[k].compare_exchange_strong(seen, updated, std::memory_order_relaxed)) {
          ++st.overwritten[layer];                                // another thread wrote in between:
          shared[k].store(updated, std::memory_order_relaxed);   // Hogwild writes over it anyway
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  HogwildStats total;
  double loss = 0, correct = 0;
  for (int t = 0; t < threads; ++t) {
    const HogwildStats& s = per_thread[static_cast<std::size_t>(t)];
    for (int l = 0; l < 2; ++l) {
      total.updates[l] += s.updates[l];
      total.overwritten[l] += s.overwritten[l];
    }
    loss += sums[static_cast<std::size_t>(t)].loss_sum;
    correct += static_cast<double>(sums[static_cast<std::size_t>(t)].correct);
  }
  total.loss = loss / n;
  total.accuracy = correct / n;
  return total;
}

}  // namespace ch08

namespace ch08 {

RunResult train_hogwild(dnn::Mlp& net, const dnn::Dataset& ds, const Options& o, nlohmann::json& extra) {
  SharedWeights shared(net);
  RunResult res;
  std::vector<int> order;
  dnn::MlpWorkspace eval_ws;
  double seconds = 0;
  nlohmann::json epochs = nlohmann::json::array();
  for (int e = 0; e < o.epochs; ++e) {
    dnn::epoch_order(o.common.seed, e, ds.train_size(), order);
    const dnn::Timer t;
    const HogwildStats st = hogwild_epoch(shared, net, ds.train_x, ds.train_y, order, o.batch,
                                          static_cast<float>(o.lr), o.hogwild_threads, o.locked);
    EpochRecord rec;
    rec.stats.epoch = e + 1;
    rec.stats.seconds = t.seconds();
    seconds += rec.stats.seconds;
    rec.stats.train_loss = st.loss;
    rec.stats.train_accuracy = st.accuracy;
    if (dnn::loss_diverged(st.loss)) dnn::throw_divergence("the training loss", st.loss, e + 1, 0, 0, o.lr, "--lr");
    shared.read(net);
    const dnn::EvalResult test = dnn::mlp_evaluate(dnn::eigen_ops(), net, ds.test_x, ds.test_y, eval_ws);
    rec.stats.test_loss = test.loss;
    rec.stats.test_accuracy = test.accuracy;
    std::printf("Epoch %d/%d - %.2fs - loss: %.4f - accuracy: %.4f - test_accuracy: %.4f - overwritten: first layer "
                "%ld of %ld, other layers %ld of %ld\n",
                e + 1, o.epochs, rec.stats.seconds, st.loss, st.accuracy, test.accuracy, st.overwritten[0],
                st.updates[0], st.overwritten[1], st.updates[1]);
    epochs.push_back({{"epoch", e + 1},
                      {"updates_first_layer", st.updates[0]}, {"overwritten_first_layer", st.overwritten[0]},
                      {"updates_other_layers", st.updates[1]}, {"overwritten_other_layers", st.overwritten[1]}});
    res.history.push_back(rec);
  }
  extra["hogwild"] = {{"threads", o.hogwild_threads}, {"locked", o.locked}, {"epochs", epochs}};
  res.seconds_per_epoch = seconds / o.epochs;
  res.test = {res.history.back().stats.test_loss, res.history.back().stats.test_accuracy};
  res.weights_hash = hex(weights_hash(net));
  return res;
}

}  // namespace ch08
