// Output folders, atomic file writes, CSV and JSON results, machine description.
#include "dnn/log.hpp"
#include "dnn/simd.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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

// ---- the folder lock: one run per output folder at a time

// The locks this process holds, removed when it exits (normally or by an exception caught in
// main; a run killed by a signal leaves its lock, which the next run finds stale and takes over).
struct HeldLocks {
  std::vector<std::string> paths;
  ~HeldLocks() {
    for (const std::string& p : paths) ::unlink(p.c_str());
  }
};
HeldLocks& held_locks() {
  static HeldLocks locks;
  return locks;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// The PID written in a lock file (0 when it cannot be read).
long lock_owner(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid)) return 0;
  return pid;
}

// Takes `dir`'s lock, or throws InputError naming the run that holds it. Creating the lock is also
// the real test that files can be created there (root passes access(W_OK) even on /proc).
void take_folder_lock(const std::string& dir, const std::string& shown, const std::string& flag) {
  const std::string path = (fs::path(dir) / kOutputLock).string();
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const std::string pid = std::to_string(getpid()) + "\n";
      const bool ok = ::write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
      ::close(fd);
      held_locks().paths.push_back(path);
      if (!ok) throw InputError(flag + ": cannot write into folder '" + shown + "': " + std::strerror(errno));
      return;
    }
    if (errno != EEXIST)
      throw InputError(flag + ": cannot create files in folder '" + shown + "': " + std::strerror(errno));
    const long owner = lock_owner(path);
    if (owner == getpid()) return;  // this run prepared the folder already
    if (process_alive(owner))
      throw InputError(flag + ": folder '" + shown + "' is in use by another run (PID " + std::to_string(owner) +
                       ") writing its results there; wait until it ends or pick another " + flag);
    ::unlink(path.c_str());  // left by a run that was killed: take it over
  }
  throw InputError(flag + ": cannot lock folder '" + shown + "' (" + path + " keeps reappearing)");
}

// "name.tmp.PID" → PID (0 when `name` is not a draft's name).
long draft_owner(const std::string& name) {
  const std::size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at == 0 || at + 5 == name.size()) return 0;
  long pid = 0;
  for (std::size_t i = at + 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

}  // namespace

void remove_stale_drafts(const std::string& dir, const std::vector<std::string>& names) {
  const std::set<std::string> ours(names.begin(), names.end());
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long pid = draft_owner(name);
    if (pid == 0 || !ours.count(name.substr(0, name.rfind(".tmp.")))) continue;
    std::error_code e2;
    if (pid == 0 || pid == getpid() || process_alive(pid) || !fs::is_regular_file(it->symlink_status(e2))) continue;
    if (fs::remove(it->path(), e2)) ++removed;
  }
  if (removed > 0)
    std::fprintf(stderr, "note: removed %d unfinished draft%s (*.tmp.PID) left in '%s' by a run that was killed\n",
                 removed, removed == 1 ? "" : "s", dir.c_str());
}

void prepare_output_dir(const std::string& dir, const std::string& flag) {
  if (dir.empty()) throw InputError(flag + ": expected a folder name, got an empty string");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError(flag + ": '" + dir + "' exists and is not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw InputError(flag + ": cannot create folder '" + dir + "': " + ec.message());
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError(flag + ": folder '" + dir + "' is not writable: " + std::strerror(errno));
  // Nothing of the earlier run is removed yet: a run that stops on bad input must leave its
  // results alone. Only the lock is taken, and drafts of killed runs are cleaned.
  OutputFolder f;
  f.shown = fs::path(dir).lexically_normal().string();
  if (f.shown.size() > 1 && f.shown.back() == '/') f.shown.pop_back();
  take_folder_lock(dir, f.shown, flag);
  std::vector<std::string> ours = read_manifest(dir);  // a killed run listed a file before drafting it
  ours.push_back(kOutputManifest);
  remove_stale_drafts(dir, ours);
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
  if (!fs::is_regular_file(st))  // a FIFO would hang the read, /dev/zero would never end
    throw InputError(flag + ": '" + path + "' is not a regular file (a pipe, a device?); expected " + what);
  if (access(path.c_str(), R_OK) != 0)
    throw InputError(flag + ": cannot read '" + path + "': " + std::strerror(errno));
}

OutputFileFlag::OutputFileFlag(const std::string& path, const std::string& flag, const OwnedFileKind& kind,
                               const std::string& resumed_from)
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
  const fs::file_status st = fs::status(path, ec);
  if (fs::exists(st)) {
    // Replaced only when this program can prove the file is its own (its magic bytes or its JSON
    // "program"); anything else may be the learner's, and a rename would destroy it.
    if (!fs::is_regular_file(st))
      throw InputError(flag + ": '" + path + "' exists and is not a regular file; refusing to replace it with " +
                       kind.what + " (pick another name)");
    if (!kind.is_ours(path))
      throw InputError(flag + ": '" + path + "' exists and is not " + kind.what +
                       ", so it may be yours: refusing to replace it (pick another name, or remove the file first)");
  }
  replaces_earlier_ = fs::exists(st) && !(!resumed_from.empty() && fs::equivalent(path, resumed_from, ec));
  remove_stale_drafts(parent.string(), {fs::path(path).filename().string()});
}

OwnedFileKind result_json_kind(const std::string& program) {
  return {"a JSON result of " + program + " (an object whose \"program\" starts with \"" + program + "\")",
          [program](const std::string& path) {
            std::error_code ec;
            const auto size = fs::file_size(path, ec);
            if (ec || size > (64u << 20)) return false;
            std::ifstream in(path, std::ios::binary);
            const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
            if (!doc.is_object() || !doc.contains("program") || !doc["program"].is_string()) return false;
            return doc["program"].get<std::string>().rfind(program, 0) == 0;
          }};
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

void save_summary_json(const std::string& path, const nlohmann::json& doc, OutputFileFlag& also) {
  save_json(path, doc);
  std::printf("wrote %s\n", path.c_str());
  if (also.given()) {
    also.before_write();
    save_json(also.path(), doc);
    std::printf("wrote %s\n", also.path().c_str());
  }
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
  j["cpu_kernels"] = simd::describe();  // the vector width the hand-written kernels were compiled for
  return j;
}

}  // namespace dnn
