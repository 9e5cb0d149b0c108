#include "dnn/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace dnn {

bool stdout_is_tty() { return isatty(fileno(stdout)) != 0; }

ProgressBar::ProgressBar(long total, std::string label, bool enabled)
    : total_(total > 0 ? total : 1), label_(std::move(label)), tty_(stdout_is_tty()), enabled_(enabled) {}

std::string ProgressBar::line(long done, const std::string& suffix) const {
  constexpr int kWidth = 30;
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(kWidth), '.');
  for (int i = 0; i < filled && i < kWidth; ++i) bar[static_cast<std::size_t>(i)] = '=';
  if (filled < kWidth) bar[static_cast<std::size_t>(filled)] = '>';
  char head[160];
  std::snprintf(head, sizeof head, "%ld/%ld [%s] - %.1fs", done, total_, bar.c_str(), timer_.seconds());
  std::string s = label_.empty() ? std::string() : label_ + " ";
  s += head;
  if (!suffix.empty()) s += " - " + suffix;
  return s;
}

void ProgressBar::update(long done, const std::string& suffix) {
  if (!enabled_ || !tty_ || finished_) return;
  const double now = timer_.seconds();
  if (done < total_ && now - last_draw_ < 0.1) return;  // redraw at most ~10 times a second
  last_draw_ = now;
  std::printf("\r%s\033[K", line(done, suffix).c_str());
  std::fflush(stdout);
}

void ProgressBar::finish(const std::string& suffix) {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  std::printf("%s%s\n", tty_ ? "\r\033[K" : "", line(total_, suffix).c_str());
  std::fflush(stdout);
}

}  // namespace dnn
