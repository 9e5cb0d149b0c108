/// @file progress.hpp
/// @brief A one-line progress bar for long loops, Keras style:
///        `1200/1875 [=================>..........] - 0.4s - loss: 0.3121`.
///
/// On a terminal the line redraws in place (at most ~10 times a second); when standard
/// output is not a terminal (a log file, CI) only the final line is printed.
#pragma once

#include <string>

#include "dnn/timer.hpp"

namespace dnn {

class ProgressBar {
 public:
  /// `total` steps; `label` is printed before the bar (e.g. "Epoch 3/10").
  ProgressBar(long total, std::string label = "", bool enabled = true);
  /// Report that `done` of `total` steps are finished; `suffix` goes after the bar.
  void update(long done, const std::string& suffix = "");
  /// Print the final line (always, also when not a terminal) and end it with a newline.
  void finish(const std::string& suffix = "");

 private:
  std::string line(long done, const std::string& suffix) const;
  long total_;
  std::string label_;
  bool tty_;
  bool enabled_;
  bool finished_ = false;
  double last_draw_ = -1.0;
  Timer timer_;
};

/// True when standard output is an interactive terminal.
bool stdout_is_tty();

}  // namespace dnn
