// Chapter 10: the finished runs of a long experiment, one JSON object per line in a file of --out
// (data_runs.jsonl, depth_runs.jsonl), so that a stopped grid continues with --resume instead of
// training again what it had already trained.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ch10 {

/// A line is the run's identifying fields (a flat JSON object: model, N, seed, epochs, …) plus the
/// training data's fingerprint and the test accuracy. Lines are appended and flushed as each run
/// ends; with `resume` the lines already in the file are reused, a last line cut short by a stop
/// is ignored and dropped, and lines from other training data are refused (InputError).
class RunLog {
 public:
  /// `experiment` names the messages ("data: …"). Without `resume` the file is started anew.
  RunLog(std::string path, bool resume, std::uint32_t fingerprint, std::string experiment);
  /// The test accuracy of the run `run` (its identifying fields), if it is in the log.
  std::optional<double> find(const nlohmann::json& run) const;
  /// Records a finished run.
  void add(const nlohmann::json& run, double test_accuracy);
  std::size_t size() const { return runs_.size(); }

 private:
  std::string path_;
  std::uint32_t fingerprint_;
  std::string experiment_;
  std::map<std::string, double> runs_;  // the run's fields (dumped, keys sorted) → test accuracy
};

}  // namespace ch10
