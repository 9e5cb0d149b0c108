// Output folders, atomic file writes, CSV and JSON results, machine description.
#include "dnn/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "dnn/error.hpp"

namespace fs = std::filesystem;

namespace dnn {

void prepare_output_dir(const std::string& dir, const std::string& flag) {
  if (dir.empty()) throw InputError(flag + ": expected a folder name, got an empty string");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError(flag + ": '" + dir + "' exists and is not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw InputError(flag + ": cannot create folder '" + dir + "': " + ec.message());
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError(flag + ": folder '" + dir + "' is not writable: " + std::strerror(errno));
}

std::string join_path(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / name).string();
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  const fs::path target(path);
  const fs::path tmp = target.string() + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError("cannot write '" + tmp.string() + "': " + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError("writing '" + tmp.string() + "' failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError("cannot move the new file into place at '" + path + "': " + ec.message());
  }
}

std::string format_number(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

CsvTable::CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}

void CsvTable::add_row(const std::vector<double>& cells) {
  std::vector<std::string> s;
  s.reserve(cells.size());
  for (double c : cells) s.push_back(format_number(c, 9));
  add_row(s);
}

void CsvTable::add_row(const std::vector<std::string>& cells) {
  if (cells.size() != header_.size())
    throw std::invalid_argument("CsvTable::add_row: " + std::to_string(cells.size()) + " cells for " +
                                std::to_string(header_.size()) + " columns");
  rows_.push_back(cells);
}

namespace {
std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}
}  // namespace

void CsvTable::save(const std::string& path) const {
  std::ostringstream os;
  for (std::size_t j = 0; j < header_.size(); ++j) os << (j ? "," : "") << csv_escape(header_[j]);
  os << "\n";
  for (const auto& r : rows_) {
    for (std::size_t j = 0; j < r.size(); ++j) os << (j ? "," : "") << csv_escape(r[j]);
    os << "\n";
  }
  write_file_atomic(path, os.str());
}

void save_json(const std::string& path, const nlohmann::json& doc) { write_file_atomic(path, doc.dump(2) + "\n"); }

nlohmann::json machine_info() {
  nlohmann::json j;
  std::string cpu = "unknown";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto p = line.find(':');
      if (p != std::string::npos) cpu = line.substr(p + 2);
      break;
    }
  }
  j["cpu"] = cpu;
  j["hardware_threads"] = std::thread::hardware_concurrency();
  j["compiler"] = DNN_COMPILER_ID;
  j["build_type"] = DNN_BUILD_TYPE;
  j["march_native"] = static_cast<bool>(DNN_NATIVE_FLAG);
  return j;
}

}  // namespace dnn
