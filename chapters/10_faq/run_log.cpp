// Chapter 10: RunLog (run_log.hpp) — a stopped experiment continues from its finished runs.
#include "run_log.hpp"

#include <cstdio>
#include <fstream>

#include "dnn/error.hpp"

namespace ch10 {

namespace {
const char* const kFingerprint = "data_fingerprint";
const char* const kAccuracy = "test_accuracy";

// The identifying part of a line: all but the fingerprint and the result (nlohmann::json keeps the
// keys sorted, so the dump is the same whatever order they were written in).
std::string key_of(nlohmann::json line) {
  line.erase(kFingerprint);
  line.erase(kAccuracy);
  return line.dump();
}
}  // namespace

RunLog::RunLog(std::string path, bool resume, std::uint32_t fingerprint, std::string experiment)
    : path_(std::move(path)), fingerprint_(fingerprint), experiment_(std::move(experiment)) {
  std::vector<nlohmann::json> kept;
  if (resume) {
    std::ifstream in(path_);
    std::string text;
    int skipped = 0;
    while (std::getline(in, text)) {
      const nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (line.is_discarded() || !line.is_object() || !line.contains(kAccuracy) || !line[kAccuracy].is_number()) {
        ++skipped;
        continue;
      }
      if (line.value(kFingerprint, 0u) != fingerprint_)
        throw dnn::InputError("--resume: " + path_ + " holds runs on other data (fingerprint " +
                              std::to_string(line.value(kFingerprint, 0u)) + ", this data " +
                              std::to_string(fingerprint_) + "): use another --out");
      runs_[key_of(line)] = line[kAccuracy].get<double>();
      kept.push_back(line);
    }
    if (skipped > 0)
      std::printf("%s: %s: %d unreadable line(s) ignored (a run stopped while writing)\n", experiment_.c_str(),
                  path_.c_str(), skipped);
  }
  // Rewritten from what was kept: a cut-short last line is not left behind.
  std::ofstream out(path_, std::ios::trunc);
  for (const nlohmann::json& line : kept) out << line.dump() << "\n";
  out.flush();
  if (!out) throw dnn::InputError("--out: cannot write " + path_);
  std::printf("%s: every finished run is recorded in %s (%zu reused%s)\n", experiment_.c_str(), path_.c_str(),
              runs_.size(), resume ? "" : "; after a stop, --resume continues from it");
}

std::optional<double> RunLog::find(const nlohmann::json& run) const {
  const auto it = runs_.find(key_of(run));
  if (it == runs_.end()) return std::nullopt;
  return it->second;
}

void RunLog::add(const nlohmann::json& run, double test_accuracy) {
  nlohmann::json line = run;
  line[kFingerprint] = fingerprint_;
  line[kAccuracy] = test_accuracy;
  std::ofstream out(path_, std::ios::app);
  out << line.dump() << "\n";
  out.flush();
  if (!out) throw dnn::InputError("--out: cannot append to " + path_);
  runs_[key_of(line)] = test_accuracy;
}

}  // namespace ch10
