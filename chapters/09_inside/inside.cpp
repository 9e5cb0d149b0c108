// Chapter 09 — run(): check the flags and the model, then every experiment in the order of the
// README, and the summary JSON.
#include <cstdio>

#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "dnn/timer.hpp"
#include "experiments.hpp"

namespace ch09 {

namespace {

dnn::Mlp load_or_train(const Options& o, const dnn::Dataset& ds) {
  if (o.resume.empty()) {
    std::printf("No --resume: training the textbook model (784-50-50-10, SGD 0.01, batch 32, %d epochs, chapter 07's "
                "fast CPU trainer) ...\n",
                o.epochs);
    std::fflush(stdout);
    return train_textbook_model(ds.train_x, ds.train_y, ds.classes, o.epochs, o.common.seed);
  }
  const dnn::Checkpoint ck = dnn::load_checkpoint(o.resume);
  std::string why;
  if (!is_textbook_model(ck.net, ds.input_size(), ds.classes, why))
    throw dnn::InputError("--resume '" + o.resume + "': this chapter explains the textbook model, but " + why +
                          " (train one with: 05_mlp --checkpoint FILE)");
  if (ck.dataset != ds.name)
    throw dnn::InputError("--resume '" + o.resume + "': the checkpoint was trained on " + ck.dataset +
                          ", this run loaded " + ds.name + " (pass the same --dataset/--data)");
  std::printf("Model: %s, %d epoch(s) of training (chapter 05)\n", o.resume.c_str(), ck.epochs_done);
  return ck.net;
}

}  // namespace

int run(const Options& o) {
  dnn::apply_threads(o.common.threads);
  parse_counts(o.ig_steps, "--ig-steps", 100000);
  parse_counts(o.select_k, "--select-k", 1000000);
  if (!o.resume.empty()) dnn::check_input_file(o.resume, "--resume", "a chapter-05 checkpoint (05_mlp --checkpoint)");
  dnn::prepare_output_dir(o.common.out_dir, "--out");
  dnn::OutputFileFlag json_file;
  if (!o.json.empty()) json_file = dnn::OutputFileFlag(o.json, "--json", dnn::result_json_kind("09_inside"));

  const dnn::Dataset ds = dnn::load_dataset(o.data);
  std::printf("%s\n", dnn::describe(ds).c_str());
  if (o.image >= ds.test_size())
    throw dnn::InputError("--image: expected a test image index from 0 to " + std::to_string(ds.test_size() - 1) +
                          ", got " + std::to_string(o.image));
  if (o.explain_class >= ds.classes)
    throw dnn::InputError("--class: expected a class from 0 to " + std::to_string(ds.classes - 1) + ", got " +
                          std::to_string(o.explain_class));
  parse_counts(o.select_k, "--select-k", ds.input_size());

  const dnn::Timer total;
  Context c{o, ds, load_or_train(o, ds), {}, {}, o.common.out_dir};
  c.net = to_double(c.model);
  c.settings.ig_steps = o.steps;
  c.settings.smooth_samples = o.smooth_samples;
  c.settings.smooth_sigma = o.smooth_sigma;
  c.settings.occlusion = {ds.height, ds.width, o.patch, o.stride, 0.0};
  c.settings.seed = o.common.seed;
  const double test_acc = accuracy(c.net, rows_as_double(ds.test_x), ds.test_y);
  std::printf("Test accuracy of the model explained: %.2f %%\n", 100 * test_acc);

  nlohmann::json summary{{"program", "09_inside"}, {"machine", dnn::machine_info()},
                         {"data", {{"name", ds.name}, {"train", ds.train_size()}, {"test", ds.test_size()}}},
                         {"model", {{"resumed_from", o.resume}, {"test_accuracy", test_acc}}},
                         {"settings", {{"steps", o.steps}, {"smooth_samples", o.smooth_samples},
                                       {"smooth_sigma", o.smooth_sigma}, {"patch", o.patch}, {"stride", o.stride},
                                       {"epochs", o.epochs}, {"seed", o.common.seed}, {"full", o.full}}}};
  auto timed = [&](const char* key, auto&& f) {
    const dnn::Timer t;
    summary[key] = f(c);
    summary["seconds"][key] = t.seconds();
    std::fflush(stdout);
  };
  timed("visualisation", visualise);
  timed("examples", attribution_grids);
  timed("ig_completeness", ig_completeness);
  timed("sanity", sanity_checks);
  summary["sanity_spearman"] = summary["sanity"]["all_pixels"];
  summary["sanity_spearman_ink"] = summary["sanity"]["ink_only"];
  summary.erase("sanity");
  timed("deletion_auc", deletion_curves);
  if (!o.skip_retraining) timed("roar", roar);
  timed("feature_importance", feature_importance);
  if (!o.skip_retraining) {
    summary["roar_auc"] = nlohmann::json::object();
    for (auto& [m, v] : summary["roar"]["auc"].items()) summary["roar_auc"][m] = v["mean"];
    summary["pixels_for_95"] = summary["feature_importance"]["pixels_for_95"];
  } else {
    summary["roar_auc"] = nullptr;
    summary["pixels_for_95"] = nullptr;
  }
  summary["seconds"]["total"] = total.seconds();
  const std::string path = dnn::join_path(o.common.out_dir, "summary.json");
  dnn::save_summary_json(path, summary, json_file);
  std::printf("Done in %.1f s\n", total.seconds());
  return 0;
}

}  // namespace ch09
