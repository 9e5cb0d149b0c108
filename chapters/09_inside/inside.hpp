// Chapter 09 — looking inside the network: the program's options and its run().
#pragma once

#include <cstdint>
#include <string>

#include "dnn/options.hpp"
#include "dnn/data.hpp"

namespace ch09 {

/// Every flag of 09_inside (main.cpp declares them, with their defaults).
struct Options {
  dnn::CommonOptions common;
  dnn::DataOptions data;
  std::string resume;          ///< a chapter-05 checkpoint of the textbook model ("" = train one)
  int epochs = 10;             ///< training epochs when no --resume is given (and of every retraining)
  int steps = 50;              ///< integrated-gradients steps of the maps
  int smooth_samples = 25;
  double smooth_sigma = 0.15;
  int patch = 4, stride = 2;   ///< occlusion
  int image = -1;              ///< one more test image to explain (-1: none)
  int explain_class = -1;      ///< explain this class instead of the predicted one (-1: predicted)
  int ig_images = 500;         ///< images of the completeness table
  std::string ig_steps = "20,50,300";
  int sanity_images = 100;
  int deletion_images = 500;
  int roar_train = 10000;      ///< training images of ROAR's retraining
  int roar_seeds = 1;
  bool full = false;           ///< ROAR with 3 seeds, every method, every fraction
  int importance_images = 2000;
  std::string select_k = "10,25,50,100,200,400,784";
  int select_train = 60000;    ///< training images of the feature-selection retraining
  bool skip_retraining = false;  ///< no ROAR and no feature selection (the CI test's fast path)
  std::string json;            ///< --json FILE
};

/// The whole chapter: load or train the model, then every picture and every measurement.
int run(const Options& o);

}  // namespace ch09
