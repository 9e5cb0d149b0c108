// Chapter 09 — looking inside the network (textbook §7.3 更好的interpretability: 可视化技术,
// 特征选择技术, 特征重要性技术). Every explanation method as a program, a picture and a measured
// claim about the chapter-05 textbook model (784-50-50-10, ReLU):
//
//   1. visualisation: layer-1 weights, the images each layer-2 unit likes most, PCA of layer 2;
//   2. attribution maps: gradient, gradient × input, SmoothGrad, integrated gradients (black and
//      blurred baseline), occlusion — for one digit per class and the most confident mistake;
//   3. integrated gradients' completeness, measured at 20, 50, 300 steps;
//   4. sanity checks: do the maps change when the model is destroyed?
//   5. faithfulness: deletion curves and ROAR (remove the "important" pixels, retrain);
//   6. feature importance (permutation) and selection: how many pixels does the model need?
//
// main() only reads the flags into ch09::Options; run() (inside.cpp) does the work.
#include "dnn/cli.hpp"
#include "dnn/data.hpp"
#include "inside.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Chapter 09: looking inside the textbook MNIST model — weights, saliency, integrated gradients, "
               "occlusion, sanity checks, ROAR, permutation importance and feature selection",
               "09_inside"};
  ch09::Options o;
  using dnn::whole_number;
  app.add_option("--resume", o.resume,
                 "A chapter-05 checkpoint of the textbook model (05_mlp --checkpoint FILE); without it a model is "
                 "trained here (chapter 07's fast CPU trainer, --epochs epochs)")
      ->check(dnn::file_name());
  app.add_option("--epochs", o.epochs, "Epochs of the model trained here, and of every retraining (ROAR, selection)")
      ->check(whole_number(1, 1000))
      ->capture_default_str();
  app.add_option("--steps", o.steps, "Integrated-gradients steps of the maps (a Riemann sum with this many points)")
      ->check(whole_number(1, 100000))
      ->capture_default_str();
  app.add_option("--smooth-samples", o.smooth_samples, "SmoothGrad: noisy copies per image")
      ->check(whole_number(1, 10000))
      ->capture_default_str();
  app.add_option("--smooth-sigma", o.smooth_sigma, "SmoothGrad: noise standard deviation (pixels are in [0, 1])")
      ->check(dnn::between(0.0, 10.0))
      ->capture_default_str();
  app.add_option("--patch", o.patch, "Occlusion: side of the square patch, in pixels")
      ->check(whole_number(1, 28))
      ->capture_default_str();
  app.add_option("--stride", o.stride, "Occlusion: pixels between two patch positions")
      ->check(whole_number(1, 28))
      ->capture_default_str();
  app.add_option("--image", o.image, "Also explain this test image (an index into the test set)")
      ->check(whole_number(0));
  app.add_option("--class", o.explain_class,
                 "Explain this class in every map instead of the class the model predicts (0 .. classes-1)")
      ->check(whole_number(0));
  app.add_option("--ig-images", o.ig_images, "Test images of the completeness table")
      ->check(whole_number(1, 10000))
      ->capture_default_str();
  app.add_option("--ig-steps", o.ig_steps, "Step counts of the completeness table, comma-separated")
      ->capture_default_str();
  app.add_option("--sanity-images", o.sanity_images, "Test images of the sanity checks")
      ->check(whole_number(1, 10000))
      ->capture_default_str();
  app.add_option("--deletion-images", o.deletion_images, "Test images of the deletion curves")
      ->check(whole_number(1, 10000))
      ->capture_default_str();
  app.add_option("--roar-train", o.roar_train, "Training images of ROAR's retraining (attributed, masked, retrained)")
      ->check(whole_number(100, 60000))
      ->capture_default_str();
  app.add_option("--roar-seeds", o.roar_seeds, "Seeds of each ROAR retraining (--full: 3)")
      ->check(whole_number(1, 10))
      ->capture_default_str();
  app.add_flag("--full", o.full,
               "ROAR's full grid: every method, removal 10 %, 20 % ... 90 %, 3 seeds (several minutes)");
  app.add_option("--importance-images", o.importance_images, "Test images of the permutation importance")
      ->check(whole_number(10, 10000))
      ->capture_default_str();
  app.add_option("--select-k", o.select_k, "Feature selection: numbers of pixels kept, comma-separated")
      ->capture_default_str();
  app.add_option("--select-train", o.select_train, "Training images of the feature-selection retraining")
      ->check(whole_number(100, 60000))
      ->capture_default_str();
  app.add_flag("--skip-retraining", o.skip_retraining, "Leave out ROAR and feature selection (the retraining parts)");
  app.add_option("--json", o.json, "Also write the summary (ig_completeness, sanity_spearman, roar_auc, "
                                   "pixels_for_95, ...) to FILE")
      ->check(dnn::file_name());
  dnn::add_common_options(app, o.common, "out/09_inside");
  dnn::add_data_options(app, o.data);
  return dnn::run_program(app, argc, argv, [&] { return ch09::run(o); });
}
