// Chapter 05 — the textbook's Keras MNIST example (§4), reproduced in C++:
//
//     model = Sequential()
//     model.add(Dense(50, input_dim=784, activation='relu'))   # the book says 64: see README
//     model.add(Dense(50, activation='relu'))
//     model.add(Dense(10, activation='softmax'))
//     model.compile(loss='categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])
//     model.fit(x_train, y_train, epochs=10, batch_size=32)
//     score = model.evaluate(x_test, y_test)
//
// Same defaults as Keras: Glorot-uniform weights, zero biases, SGD with lr 0.01 and no
// momentum, batch 32, the training set reshuffled every epoch. Results go to --out:
// history.csv, summary.json, curves, confusion matrix and a gallery of mistakes.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>

#include "dnn/checkpoint.hpp"
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "dnn/error.hpp"
#include "dnn/gpu_trainer.hpp"
#include "dnn/log.hpp"
#include "dnn/mlp.hpp"
#include "dnn/ops.hpp"
#include "dnn/plot.hpp"
#include "dnn/rng.hpp"
#include "dnn/timer.hpp"
#include "dnn/train.hpp"
#include "options.hpp"

using namespace dnn;

namespace {

std::string sizes_text(const std::vector<int>& s) {
  std::string r;
  for (std::size_t k = 0; k < s.size(); ++k) r += (k ? "," : "") + std::to_string(s[k]);
  return r;
}

// ---------------------------------------------------------------- model summary (like Keras's)
void print_summary(const Mlp& net, const std::string& backend, const OptimizerConfig& opt, int batch, int epochs) {
  std::printf("Model: %d", net.input_size());
  for (const auto& l : net.layers) std::printf("-%d", l.W.cols);
  std::printf(" (");
  for (std::size_t k = 0; k < net.layers.size(); ++k)
    std::printf("%sDense(%d, %s)", k ? " -> " : "", net.layers[k].W.cols,
                k + 1 == net.layers.size() ? "softmax" : to_string(net.layers[k].act).c_str());
  std::printf("), %ld trainable parameters\n", net.parameter_count());
  std::printf("Training: backend %s, optimizer %s (lr %g", backend.c_str(), to_string(opt.kind).c_str(), opt.lr);
  if (opt.kind == OptimizerKind::Momentum) std::printf(", momentum %g", opt.momentum);
  std::printf("), batch %d, %d epochs, categorical cross-entropy\n", batch, epochs);
}

// ---------------------------------------------------------------- outputs

void plot_curves(const std::string& out, const std::vector<EpochStats>& h, const std::string& data) {
  if (h.size() < 2) {
    std::printf("note: training curves need at least 2 epochs (history.csv has the numbers)\n");
    return;
  }
  Series tl{"train loss (running mean over the epoch)", {}, {}, "linespoints"};
  Series vl{"test loss (after the epoch)", {}, {}, "linespoints"};
  Series ta{"train accuracy (running mean)", {}, {}, "linespoints"};
  Series va{"test accuracy", {}, {}, "linespoints"};
  for (const auto& e : h) {
    for (Series* s : {&tl, &vl, &ta, &va}) s->x.push_back(e.epoch);
    tl.y.push_back(e.train_loss);
    vl.y.push_back(e.test_loss);
    ta.y.push_back(e.train_accuracy);
    va.y.push_back(e.test_accuracy);
  }
  PlotSpec ls{"Loss (categorical cross-entropy) per epoch, " + data, "epoch", "loss", false, false, 900, 560};
  PlotSpec as{"Accuracy per epoch, " + data, "epoch", "accuracy", false, false, 900, 560};
  if (plot_lines(join_path(out, "loss_curves.png"), ls, {tl, vl}))
    std::printf("wrote %s\n", join_path(out, "loss_curves.png").c_str());
  if (plot_lines(join_path(out, "accuracy_curves.png"), as, {ta, va}))
    std::printf("wrote %s\n", join_path(out, "accuracy_curves.png").c_str());
}

Matrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& pred, int classes) {
  Matrix cm(classes, classes, 0.0f);
  for (std::size_t i = 0; i < truth.size(); ++i) cm(truth[i], pred[i]) += 1.0f;
  return cm;
}

void save_confusion(const std::string& out, const Matrix& cm, const std::vector<std::string>& names,
                    const std::string& data) {
  std::vector<std::string> header{"true\\predicted"};
  header.insert(header.end(), names.begin(), names.end());
  CsvTable t(header);
  for (int i = 0; i < cm.rows; ++i) {
    std::vector<std::string> row{names[static_cast<std::size_t>(i)]};
    for (int j = 0; j < cm.cols; ++j) row.push_back(format_number(cm(i, j)));
    t.add_row(row);
  }
  t.save(join_path(out, "confusion.csv"));
  std::printf("wrote %s\n", join_path(out, "confusion.csv").c_str());
  PlotSpec spec{"Confusion matrix, " + data + " test set (rows: true class, columns: predicted)", "predicted",
                "true", false, false, 820, 760};
  if (plot_heatmap(join_path(out, "confusion.png"), spec, cm, names, names, true))
    std::printf("wrote %s\n", join_path(out, "confusion.png").c_str());
}

// The first misclassified test images as a labelled gallery: a gnuplot image with the tiles and
// "pred P / true T" above each; plus the bare tile grid (stb) and a CSV of the labels, so the
// gallery exists even without gnuplot.
void save_mistakes(const std::string& out, const Dataset& ds, const std::vector<int>& pred) {
  std::vector<int> wrong;
  for (int i = 0; i < ds.test_size() && wrong.size() < 40; ++i)
    if (pred[static_cast<std::size_t>(i)] != ds.test_y[static_cast<std::size_t>(i)]) wrong.push_back(i);
  CsvTable labels({"tile", "test_index", "predicted", "true"});
  for (std::size_t k = 0; k < wrong.size(); ++k)
    labels.add_row(std::vector<double>{double(k), double(wrong[k]), double(pred[static_cast<std::size_t>(wrong[k])]),
                                       double(ds.test_y[static_cast<std::size_t>(wrong[k])])});
  labels.save(join_path(out, "mistakes.csv"));
  std::printf("wrote %s\n", join_path(out, "mistakes.csv").c_str());
  if (wrong.empty()) return;

  const int cols = 8, rows = static_cast<int>((wrong.size() + cols - 1) / cols);
  // Room for a two-line caption ("pred T-shirt/top" over "true Shirt") above each tile.
  const int h = ds.height, w = ds.width, cell_w = w + 6, cell_h = h + 20;
  const int W = cols * cell_w, H = rows * cell_h;
  std::vector<float> canvas(static_cast<std::size_t>(W) * H, 0.0f);
  std::ostringstream cmd;
  for (std::size_t k = 0; k < wrong.size(); ++k) {
    const int ox = static_cast<int>(k % cols) * cell_w + 3, oy = static_cast<int>(k / cols) * cell_h + 18;
    const float* img = ds.test_x.row(wrong[k]);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) canvas[static_cast<std::size_t>(oy + y) * W + ox + x] = img[y * w + x];
    const int p = pred[static_cast<std::size_t>(wrong[k])], t = ds.test_y[static_cast<std::size_t>(wrong[k])];
    cmd << "set label " << k + 1 << " "
        << gnuplot_quote("pred " + ds.class_names[static_cast<std::size_t>(p)] + "\ntrue " +
                         ds.class_names[static_cast<std::size_t>(t)])
        << " at " << ox + w / 2.0 << "," << oy - 9
        << " center front font 'sans,8' textcolor rgb '#b2182b'\n";
  }
  std::ostringstream data;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) data << x << ' ' << y << ' ' << canvas[static_cast<std::size_t>(y) * W + x] << '\n';
  std::ostringstream script;
  script << "set title 'Misclassified " << display_name(ds) << " test images (first " << wrong.size()
         << "): predicted / true label'\n"
         << "unset key\nunset colorbox\nunset xtics\nunset ytics\nunset border\n"
         << "set palette gray negative\nset cbrange [0:1]\nset size ratio -1\n"
         << "set xrange [-0.5:" << W - 0.5 << "]\nset yrange [" << H - 0.5 << ":-0.5]\n"
         << cmd.str() << "plot $d0 using 1:2:3 with image\n";
  const std::string png = join_path(out, "mistakes.png");
  const int width_px = 1100, height_px = std::max(300, static_cast<int>(H * (width_px - 40.0) / W) + 70);
  if (plot_custom(png, width_px, height_px, script.str(), {data.str()})) {
    std::printf("wrote %s\n", png.c_str());
  } else {  // no gnuplot: the bare tiles (stb), in the order of mistakes.csv, which has their labels
    write_image_grid_png(join_path(out, "mistakes_grid.png"), ds.test_x, ds.height, ds.width, wrong, 8, 2);
    std::printf("wrote %s (the tiles without captions: their labels are in mistakes.csv)\n",
                join_path(out, "mistakes_grid.png").c_str());
  }
}

// naive/eigen: chapter 05's CpuTrainer over an Ops table; cuda/cublas: chapter 07's GPU trainer
// (hand-written kernels or cuBLAS; the data stays on the device). All implement Trainer, so the
// rest of this program does not care which one runs.
std::unique_ptr<Trainer> make_trainer(Backend b, const Mlp& net, const OptimizerConfig& opt, const Dataset& ds,
                                      int batch) {
  if (is_cpu_backend(b)) return std::make_unique<CpuTrainer>(ops_for(b), net, opt, ds.train_x, ds.train_y, batch);
#if DNN_HAVE_CUDA
  const cuda::GpuVariant v = b == Backend::Cublas ? cuda::GpuVariant::Cublas : cuda::GpuVariant::Persistent;
  return std::make_unique<cuda::GpuTrainer>(net, opt, ds.train_x, ds.train_y, batch, v);
#else
  throw InputError("--backend " + to_string(b) + ": this build has no CUDA (CMake found no nvcc, or -DDNN_ENABLE_CUDA=OFF)");
#endif
}

// ---------------------------------------------------------------- --bench
int run_bench(const ch05::Options& o, const ch05::Config& c, const Dataset& ds) {
  std::vector<int> sizes{ds.input_size()};
  sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(ds.classes);
  nlohmann::json results = nlohmann::json::array();
  std::printf("Benchmark: %d epoch(s) per configuration on %d training images (%s)\n", o.bench_epochs,
              ds.train_size(), ds.name.c_str());
  std::printf("%-8s %6s %12s %12s %12s %10s\n", "backend", "batch", "s/epoch(med)", "s/epoch(min)", "cpu_s(med)",
              "test_acc");
  for (Backend b : c.bench_backends) {
    for (int batch : c.bench_batches) {
      Rng rng(o.common.seed);
      CpuTrainer trainer(ops_for(b), make_mlp(sizes, c.activation, rng), c.optimizer, ds.train_x, ds.train_y, batch);
      std::vector<int> order;
      std::vector<double> secs, cpu_secs;
      EpochMetrics last;
      for (int e = 0; e < o.bench_epochs; ++e) {
        epoch_order(o.common.seed, e, ds.train_size(), order);
        Timer t;
        const std::clock_t c0 = std::clock();
        last = trainer.train_epoch(order, e + 1, {});
        cpu_secs.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        secs.push_back(t.seconds());
      }
      const EvalResult test = trainer.evaluate(ds.test_x, ds.test_y);
      std::vector<double> sorted = secs;
      std::sort(sorted.begin(), sorted.end());
      const double median = sorted[sorted.size() / 2];
      std::vector<double> cpu_sorted = cpu_secs;
      std::sort(cpu_sorted.begin(), cpu_sorted.end());
      const double cpu_median = cpu_sorted[cpu_sorted.size() / 2];
      std::printf("%-8s %6d %12.4f %12.4f %12.4f %10.4f\n", to_string(b).c_str(), batch, median, sorted.front(),
                  cpu_median, test.accuracy);
      std::fflush(stdout);
      results.push_back({{"backend", to_string(b)},
                         {"batch", batch},
                         {"epochs", o.bench_epochs},
                         {"seconds_per_epoch", secs},
                         {"median_seconds_per_epoch", median},
                         {"min_seconds_per_epoch", sorted.front()},
                         {"cpu_seconds_per_epoch", cpu_secs},
                         {"median_cpu_seconds_per_epoch", cpu_median},
                         {"last_train_loss", last.loss},
                         {"test_loss", test.loss},
                         {"test_accuracy", test.accuracy}});
    }
  }
  nlohmann::json doc{{"program", "05_mlp --bench"},
                     {"machine", machine_info()},
                     {"threads", o.common.threads},
                     {"seed", o.common.seed},
                     {"model", sizes},
                     {"optimizer", to_string(c.optimizer.kind)},
                     {"lr", c.optimizer.lr},
                     {"data", {{"name", ds.name}, {"source", ds.source}, {"train", ds.train_size()}}},
                     {"results", results}};
  const std::string path = join_path(o.common.out_dir, "bench.json");
  save_json(path, doc);
  std::printf("wrote %s\n", path.c_str());
  return kExitOk;
}

// ---------------------------------------------------------------- --resume
// Settings come from the checkpoint; a flag given explicitly with another value is an error.
void adopt_checkpoint_settings(const CLI::App& app, const Checkpoint& ck, const std::string& file, const Dataset& ds,
                               ch05::Options& o, ch05::Config& c) {
  const std::string where = "--resume '" + file + "': ";
  auto conflict = [&](const char* flag, const std::string& mine, const std::string& theirs) {
    if (app.count(flag) > 0 && mine != theirs)
      throw InputError(where + "the checkpoint was trained with " + flag + " " + theirs + ", but " + flag + " " + mine +
                       " was given (leave " + flag + " out to continue the saved run)");
  };
  const std::vector<int> sizes = layer_sizes(ck.net);
  if (sizes.front() != ds.input_size() || sizes.back() != ds.classes)
    throw InputError(where + "the checkpoint's network takes " + std::to_string(sizes.front()) + " inputs and " +
                     std::to_string(sizes.back()) + " classes, the data has " + std::to_string(ds.input_size()) +
                     " and " + std::to_string(ds.classes));
  if (ck.dataset != ds.name || ck.train_size != ds.train_size())
    throw InputError(where + "the checkpoint was trained on " + ck.dataset + " (" + std::to_string(ck.train_size) +
                     " examples), this run loaded " + ds.name + " (" + std::to_string(ds.train_size()) +
                     " examples): resume with the same data");
  if (!ck.has_fingerprint)
    std::fprintf(stderr, "note: %s was written before checkpoints recorded their data: cannot check that it was "
                         "trained on this data\n", file.c_str());
  else if (ck.data_fingerprint != data_fingerprint(ds))
    throw InputError(where + "the checkpoint was trained on other " + ck.dataset + " data than " + ds.source +
                     " holds (same size, different images or labels: another folder, or train and test "
                     "swapped?): resume with the same data");
  const std::vector<int> hidden(sizes.begin() + 1, sizes.end() - 1);
  conflict("--hidden", sizes_text(c.hidden), sizes_text(hidden));
  const Activation act = ck.net.layers.size() > 1 ? ck.net.layers.front().act : c.activation;
  conflict("--activation", to_string(c.activation), to_string(act));
  conflict("--optimizer", to_string(c.optimizer.kind), to_string(ck.optimizer.kind));
  conflict("--lr", format_number(c.optimizer.lr), format_number(ck.optimizer.lr));
  if (ck.optimizer.kind == OptimizerKind::Momentum)
    conflict("--momentum", format_number(c.optimizer.momentum), format_number(ck.optimizer.momentum));
  conflict("--batch", std::to_string(o.batch), std::to_string(ck.batch));
  conflict("--seed", std::to_string(o.common.seed), std::to_string(ck.seed));
  c.hidden = hidden;
  c.activation = act;
  c.optimizer = ck.optimizer;
  o.batch = ck.batch;
  o.common.seed = ck.seed;
}

int run(CLI::App& app, ch05::Options o) {
  ch05::Config c = ch05::validate(o);
  apply_threads(o.common.threads);
  if (!o.resume.empty()) check_input_file(o.resume, "--resume", "a checkpoint file written by --checkpoint");
  prepare_output_dir(o.common.out_dir, "--out");
  // Checked now, not after the training; says so if it replaces another run's checkpoint.
  OutputFileFlag checkpoint_file;
  if (!o.checkpoint.empty())
    checkpoint_file = OutputFileFlag(o.checkpoint, "--checkpoint", checkpoint_file_kind(), o.resume);

  Dataset ds = load_dataset(o.data);
  std::printf("%s\n", describe(ds).c_str());
  if (o.batch > ds.train_size())
    std::printf("note: --batch %d is more than the %d training examples: clamped to %d (one step per epoch, "
                "full-batch gradient descent)\n",
                o.batch, ds.train_size(), ds.train_size());
  if (o.bench) return run_bench(o, c, ds);

  Checkpoint ck;
  const bool resuming = !o.resume.empty();
  if (resuming) {
    try {
      ck = load_checkpoint(o.resume);
    } catch (const InputError& e) {
      throw InputError(std::string("--resume: ") + e.what());
    }
    adopt_checkpoint_settings(app, ck, o.resume, ds, o, c);
    if (ck.epochs_done >= o.epochs)
      std::printf("Resuming %s: it already has %d epoch(s), --epochs is %d: nothing to train, evaluating it\n",
                  o.resume.c_str(), ck.epochs_done, o.epochs);
    else
      std::printf("Resuming %s: %d epoch(s) done, continuing to epoch %d\n", o.resume.c_str(), ck.epochs_done,
                  o.epochs);
  }

  std::vector<int> sizes{ds.input_size()};
  sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(ds.classes);
  Rng init_rng(o.common.seed);
  Mlp net = make_mlp(sizes, c.activation, init_rng);  // Glorot-uniform W, zero b (Keras)
  if (resuming) net = ck.net;

  std::unique_ptr<Trainer> trainer_ptr = make_trainer(c.backend, net, c.optimizer, ds, o.batch);
  Trainer& trainer = *trainer_ptr;
  if (resuming) {
    Optimizer opt(c.optimizer, net);
    restore_optimizer_state(ck, opt, o.resume);
    trainer.set_optimizer_state(opt);
  }
  print_summary(net, trainer.name(), c.optimizer, o.batch, o.epochs);

  std::vector<EpochStats> history = resuming ? ck.history : std::vector<EpochStats>{};
  const std::string csv = join_path(o.common.out_dir, "history.csv");
  FitOptions fo;
  fo.epochs = o.epochs;
  fo.first_epoch = resuming ? ck.epochs_done : 0;
  fo.seed = o.common.seed;
  fo.verbose = !o.common.quiet;
  fo.lr = c.optimizer.lr;
  fo.test_x = &ds.test_x;
  fo.test_y = &ds.test_y;
  // Kept up to date, so an interrupted run keeps its numbers and its last checkpoint, but rewritten
  // only when due (RewriteSchedule, log.hpp): 4000 tiny epochs must not cost 4000 whole rewrites.
  RewriteSchedule history_due, checkpoint_due;
  const std::uint32_t fingerprint = checkpoint_file.given() ? data_fingerprint(ds) : 0;
  fo.on_epoch_end = [&](const EpochStats& st) {
    history.push_back(st);
    const bool last = st.epoch >= fo.epochs;
    if (history_due.due(last)) history_due.timed([&] { save_history_csv(csv, history); });
    if (checkpoint_file.given() && checkpoint_due.due(last)) {
      Checkpoint out;
      out.dataset = ds.name;
      out.train_size = ds.train_size();
      out.data_fingerprint = fingerprint;
      out.seed = o.common.seed;
      out.batch = o.batch;
      out.epochs_done = st.epoch;
      capture_training_state(trainer, c.optimizer, out);
      out.history = history;
      checkpoint_file.before_write();
      checkpoint_due.timed([&] { save_checkpoint(checkpoint_file.path(), out); });
    }
  };
  const Timer total;
  try {
    fit(trainer, fo);
  } catch (const DivergenceError&) {
    save_history_csv(csv, history);  // the good epochs' numbers (the checkpoint keeps the last one written)
    throw;
  }
  const double train_seconds = total.seconds();

  // model.evaluate(x_test, y_test) — what the textbook prints at the end.
  const EvalResult test = trainer.evaluate(ds.test_x, ds.test_y);
  std::printf("Test loss: %.4f\nTest accuracy: %.4f (%s test set)\n", test.loss, test.accuracy,
              display_name(ds).c_str());
  const long steps = static_cast<long>(history.size()) * ((ds.train_size() + o.batch - 1) / o.batch);
  const bool learned_nothing = warn_if_not_learning("05_mlp", test.accuracy,
                                                    history.empty() ? 0.0 : history.back().train_loss, ds.classes,
                                                    steps, "--lr", c.optimizer.lr);
  if (!o.checkpoint.empty()) std::printf("checkpoint: %s\n", o.checkpoint.c_str());

  save_history_csv(csv, history);
  std::printf("wrote %s\n", csv.c_str());
  const std::vector<int> pred = trainer.predict(ds.test_x);
  save_confusion(o.common.out_dir, confusion_matrix(ds.test_y, pred, ds.classes), ds.class_names, display_name(ds));
  save_mistakes(o.common.out_dir, ds, pred);
  plot_curves(o.common.out_dir, history, display_name(ds));

  double epoch_seconds = 0;
  int timed = 0;
  for (const auto& e : history)
    if (e.epoch > fo.first_epoch) epoch_seconds += e.seconds, ++timed;
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& e : history)
    hist.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                    {"test_loss", e.test_loss}, {"test_accuracy", e.test_accuracy}, {"seconds", e.seconds}});
  nlohmann::json summary{
      {"program", "05_mlp"},
      {"config",
       {{"backend", trainer.name()}, {"layers", sizes}, {"activation", to_string(c.activation)},
        {"optimizer", to_string(c.optimizer.kind)}, {"lr", c.optimizer.lr}, {"momentum", c.optimizer.momentum},
        {"batch", o.batch}, {"epochs", o.epochs}, {"seed", o.common.seed}, {"threads", o.common.threads},
        {"resumed_from", o.resume}, {"parameters", net.parameter_count()}}},
      {"data",
       {{"name", ds.name}, {"dataset", display_name(ds)}, {"source", ds.source}, {"warning", ds.warning}, {"train", ds.train_size()},
        {"test", ds.test_size()}}},
      {"machine", machine_info()},
      {"final", {{"test_loss", test.loss}, {"test_accuracy", test.accuracy}}},
      {"mean_seconds_per_epoch", timed ? epoch_seconds / timed : 0.0},
      {"wall_seconds_training", train_seconds},
      {"history", hist}};
  save_json(join_path(o.common.out_dir, "summary.json"), summary);
  std::printf("wrote %s\n", join_path(o.common.out_dir, "summary.json").c_str());
  if (!ds.warning.empty()) std::printf("%s\n", fallback_reminder(ds).c_str());
  return learned_nothing ? kExitDiverged : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 05: the textbook's Keras MNIST MLP (784-50-50-10, ReLU, softmax, SGD 0.01, batch 32, "
               "10 epochs) in C++",
               "05_mlp"};
  ch05::Options o;
  ch05::add_options(app, o);
  return run_program(app, argc, argv, [&] { return run(app, o); });
}
