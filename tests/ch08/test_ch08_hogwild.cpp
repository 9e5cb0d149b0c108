// Chapter 08, mode hogwild: T threads updating shared weights without locks (hogwild.hpp).
// It trains; the counts of overwritten updates are consistent; the mutex version overwrites
// nothing. CI also builds this test with ThreadSanitizer (test_ch08_hogwild_tsan, .ci/run): the
// lock-free version must have no data race in the C++ sense, with no suppression.
#include <vector>

#include "catch.hpp"
#include "dnn/options.hpp"
#include "dnn/data.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/rng.hpp"
#include "dnn/train.hpp"
#include "hogwild.hpp"

namespace {

struct Setup {
  dnn::Dataset ds;
  dnn::Mlp net;
  Setup() {
    dnn::apply_threads(1);
    dnn::DataOptions d;
    d.dataset = "synthetic";
    d.limit_train = 800;
    d.limit_test = 200;
    ds = dnn::load_dataset(d);
    dnn::Rng rng(3);
    net = dnn::make_mlp(dnn::layer_sizes(ds.input_size(), {50, 50}, ds.classes), dnn::Activation::ReLU, rng);
  }
};

}  // namespace

TEST_CASE("hogwild: lock-free threads train, and count what they overwrote", "[ch08][hogwild]") {
  Setup s;
  for (int threads : {1, 2, 4}) {
    ch08::SharedWeights shared(s.net);
    std::vector<int> order;
    double first_loss = 0, last_loss = 0;
    long overwritten = 0;
    for (int e = 0; e < 3; ++e) {
      dnn::epoch_order(11, e, s.ds.train_size(), order);
      const ch08::HogwildStats st =
          ch08::hogwild_epoch(shared, s.net, s.ds.train_x, s.ds.train_y, order, 16, 0.1f, threads, false);
      INFO("threads " << threads << ", epoch " << e + 1 << ": loss " << st.loss);
      CHECK(st.updates[0] > 0);
      CHECK(st.updates[1] > 0);
      CHECK(st.overwritten[0] <= st.updates[0]);
      CHECK(st.overwritten[1] <= st.updates[1]);
      overwritten += st.overwritten[0] + st.overwritten[1];
      if (e == 0) first_loss = st.loss;
      last_loss = st.loss;
    }
    INFO("threads " << threads);
    CHECK(last_loss < 0.8 * first_loss);
    if (threads == 1) CHECK(overwritten == 0);  // nobody else to overwrite
    dnn::Mlp trained = s.net;
    shared.read(trained);
    dnn::MlpWorkspace ws;
    CHECK(dnn::mlp_evaluate(dnn::eigen_ops(), trained, s.ds.test_x, s.ds.test_y, ws).accuracy > 0.4);
  }
}

TEST_CASE("hogwild --locked: one mutex, nothing overwritten", "[ch08][hogwild]") {
  Setup s;
  ch08::SharedWeights shared(s.net);
  std::vector<int> order;
  dnn::epoch_order(11, 0, s.ds.train_size(), order);
  const ch08::HogwildStats st =
      ch08::hogwild_epoch(shared, s.net, s.ds.train_x, s.ds.train_y, order, 16, 0.1f, 3, true);
  CHECK(st.updates[0] > 0);
  CHECK(st.overwritten[0] == 0);
  CHECK(st.overwritten[1] == 0);
}
