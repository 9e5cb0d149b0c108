// Output folders, atomic file writes, CSV and JSON results, machine description.
#include "dnn/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "dnn/error.hpp"

namespace fs = std::filesystem;

namespace dnn {

// ------------------------------------------------------------------ output folders and manifests

namespace {

// An output folder prepared by this run. (Results are written by the main thread only.)
struct OutputFolder {
  std::string shown;                // the folder as the user wrote it, for messages
  bool started = false;             // has this run written its first result there?
  std::set<std::string> listed;     // names in this run's manifest so far
};

std::map<std::string, OutputFolder> g_folders;  // key: canonical path of the folder

std::string folder_key(const fs::path& dir) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir, ec);
  return ec ? fs::absolute(dir).lexically_normal().string() : p.string();
}

// A manifest line may only name a file directly inside the folder: a path, "..", the manifest
// itself or a comment is ignored, so even an edited manifest cannot remove anything elsewhere.
bool is_plain_name(const std::string& name) {
  return !name.empty() && name[0] != '#' && name.find('/') == std::string::npos && name != "." &&
         name != ".." && name != kOutputManifest;
}

std::vector<std::string> read_manifest(const fs::path& dir) {
  std::vector<std::string> names;
  std::ifstream in(dir / kOutputManifest);
  std::string line;
  while (std::getline(in, line))
    if (is_plain_name(line)) names.push_back(line);
  return names;
}

// This run's first result in `dir`: remove the earlier run's files (all but `keep`, which the
// caller is about to replace), say so, and start a new manifest listing `keep`.
void start_manifest(const fs::path& dir, OutputFolder& f, const std::string& keep) {
  int replaced = 0;
  for (const std::string& name : read_manifest(dir)) {
    const fs::path p = dir / name;
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(p, ec))) continue;  // gone, or not a file we wrote
    if (name == keep || fs::remove(p, ec)) ++replaced;
  }
  write_file_atomic((dir / kOutputManifest).string(),
                    "# Files the last dnn-companion run wrote into this folder. The next run into it\n"
                    "# removes these (and only these) before it writes its own results.\n" + keep + "\n");
  f.started = true;
  f.listed = {keep};
  if (replaced > 0) {
    std::printf("note: %s: replacing %d file%s of an earlier run\n", f.shown.c_str(), replaced,
                replaced == 1 ? "" : "s");
    std::fflush(stdout);
  }
}

}  // namespace

void prepare_output_dir(const std::string& dir, const std::string& flag) {
  if (dir.empty()) throw InputError(flag + ": expected a folder name, got an empty string");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError(flag + ": '" + dir + "' exists and is not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw InputError(flag + ": cannot create folder '" + dir + "': " + ec.message());
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError(flag + ": folder '" + dir + "' is not writable: " + std::strerror(errno));
  // Nothing is removed yet: a run that stops on bad input must leave the earlier results alone.
  OutputFolder f;
  f.shown = fs::path(dir).lexically_normal().string();
  if (f.shown.size() > 1 && f.shown.back() == '/') f.shown.pop_back();
  g_folders[folder_key(dir)] = f;
}

void record_output(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const auto it = g_folders.find(folder_key(dir));
  if (it == g_folders.end()) return;  // not in an output folder
  OutputFolder& f = it->second;
  const std::string name = target.filename().string();
  if (!f.started) {
    start_manifest(dir, f, name);
    return;
  }
  if (!f.listed.insert(name).second) return;  // already listed (history.csv, rewritten each epoch)
  std::ofstream out(dir / kOutputManifest, std::ios::app);
  out << name << "\n";
  out.flush();
  if (!out) throw InputError("cannot update the list of results '" + (dir / kOutputManifest).string() + "'");
}

// ------------------------------------------------------------------ files named by flags

void check_input_file(const std::string& path, const std::string& flag, const std::string& what) {
  if (path.empty()) throw InputError(flag + ": expected " + what + ", got an empty name");
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw InputError(flag + ": '" + path + "' does not exist; expected " + what);
  if (fs::is_directory(st)) throw InputError(flag + ": '" + path + "' is a folder; expected " + what);
  if (access(path.c_str(), R_OK) != 0)
    throw InputError(flag + ": cannot read '" + path + "': " + std::strerror(errno));
}

OutputFileFlag::OutputFileFlag(const std::string& path, const std::string& flag, const std::string& resumed_from)
    : path_(path), flag_(flag) {
  if (path.empty()) throw InputError(flag + ": expected a file name, got an empty string");
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(flag + ": '" + path + "' is a folder; expected a file name");
  const fs::path parent = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  if (!fs::exists(parent, ec))
    throw InputError(flag + ": cannot write '" + path + "': the folder '" + parent.string() +
                     "' does not exist (create it first)");
  if (!fs::is_directory(parent, ec))
    throw InputError(flag + ": cannot write '" + path + "': '" + parent.string() + "' is not a folder");
  if (access(parent.c_str(), W_OK) != 0)
    throw InputError(flag + ": cannot write '" + path + "': folder '" + parent.string() +
                     "' is not writable: " + std::strerror(errno));
  replaces_earlier_ = fs::exists(path, ec) && !(!resumed_from.empty() && fs::equivalent(path, resumed_from, ec));
}

void OutputFileFlag::before_write() {
  std::error_code ec;
  if (replaces_earlier_ && fs::exists(path_, ec)) {
    std::printf("note: %s: replacing '%s', written by an earlier run\n", flag_.c_str(), path_.c_str());
    std::fflush(stdout);
  }
  replaces_earlier_ = false;  // said once
}

std::string join_path(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / name).string();
}

std::string draft_path(const std::string& path) { return path + ".tmp." + std::to_string(getpid()); }

void write_file_atomic(const std::string& path, const std::string& contents) {
  const fs::path target(path);
  std::error_code dir_ec;
  if (fs::is_directory(target, dir_ec))
    throw InputError("cannot write '" + path + "': it is a folder, expected a file name");
  const fs::path tmp = draft_path(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError("cannot write '" + tmp.string() + "': " + std::strerror(errno));
    errno = 0;
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();  // flushes, and reports an error the file system gives only when the file is closed
    if (!out) {
      const int err = errno;  // ENOSPC on a full disk
      std::error_code ec;
      fs::remove(tmp, ec);
      // Not bad input (exit 1, not 2): the disk is full or the file system refused the write.
      throw std::runtime_error("cannot write '" + path + "': " + (err ? std::strerror(err) : "write failed") +
                               (fs::exists(target, ec) ? " (the earlier file there is left as it was)" : ""));
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot move the new file into place at '" + path + "': " + ec.message());
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
  record_output(path);
  write_file_atomic(path, os.str());
}

void save_json(const std::string& path, const nlohmann::json& doc) {
  record_output(path);
  write_file_atomic(path, doc.dump(2) + "\n");
}

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
