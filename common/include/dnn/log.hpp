/// @file log.hpp
/// @brief Results on disk: output folders, CSV tables and JSON documents.
///
/// Files are written to a temporary name and renamed into place, so an interrupted run never
/// leaves a half-written result; an existing file is replaced only by a complete new one, and
/// the program says which file it wrote.
///
/// An output folder holds the results of one run. Each result helper (CsvTable::save,
/// save_json, the plots and PNGs of plot.hpp) lists the file it writes in the folder's manifest,
/// a hidden file `.dnn-outputs`. The next run into that folder removes the files of that list,
/// and only those, when it writes its first result, and says so in one line:
///
///     note: out/05_mlp: replacing 9 files of an earlier run
///
/// So no stale plot of an earlier, different run is left next to new numbers; a file we did not
/// write (the user may pass `--out ~`) is never touched; and a run that stops on bad input before
/// writing anything leaves the earlier results as they were.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dnn {

/// The manifest of an output folder: the names of the files the last run wrote there.
inline constexpr const char* kOutputManifest = ".dnn-outputs";

/// Creates `dir` (and parents) if needed and checks it is writable; otherwise throws
/// InputError naming the folder (flag `flag`, e.g. `--out`). The folder is then this run's:
/// its earlier results are replaced as the file comment above describes.
void prepare_output_dir(const std::string& dir, const std::string& flag = "--out");

/// Called by every result helper just before it writes `path`. When `path` is in a folder
/// prepared by prepare_output_dir, the first call removes the files listed by the earlier run's
/// manifest (except `path` itself, which the write replaces atomically), prints the note and
/// starts this run's manifest; every call adds `path`'s name to it. Paths elsewhere (a
/// `--checkpoint` or `--json` file outside `--out`) are left to OutputFileFlag. Results are written
/// by the main thread only (this is not thread-safe).
void record_output(const std::string& path);

/// Checks a file named by an input flag (05_mlp `--resume` FILE) before any work starts:
/// InputError naming `flag` when it is missing, a folder or unreadable; `what` says what was
/// expected ("a checkpoint file").
void check_input_file(const std::string& path, const std::string& flag, const std::string& what);

/// A result file named by its own flag (05_mlp `--checkpoint` FILE, 07_fast `--json` FILE) rather
/// than placed in `--out`. Made before any work starts, it checks the name at once, so a typo
/// fails in a second and not after the training: InputError naming `flag` when the name is a
/// folder, or its folder is missing or not writable.
/// A checkpoint is in no manifest (it must outlive the next run: `--resume` reads it); a `--json`
/// file is, like every save_json file, when it lies in the `--out` folder. When the file existed
/// before this run, the first before_write() says that it is being replaced, unless it is
/// `resumed_from`, the checkpoint this run continues (rerunning a command must keep working, so
/// replacing is allowed, just never silent).
class OutputFileFlag {
 public:
  OutputFileFlag() = default;  ///< the flag was not given
  OutputFileFlag(const std::string& path, const std::string& flag, const std::string& resumed_from = "");
  bool given() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  /// Call just before each write of the file.
  void before_write();

 private:
  std::string path_, flag_;
  bool replaces_earlier_ = false;  ///< the file existed before this run and is not resumed from
};

/// `dir + "/" + name`.
std::string join_path(const std::string& dir, const std::string& name);

/// The name a new version of `path` is written under before it replaces `path`: in the same folder
/// (so the replacement is a rename) and unique to this process (`<path>.tmp.<pid>`).
std::string draft_path(const std::string& path);

/// Writes `contents` to `path` atomically (draft_path(path) + rename).
/// Throws InputError when `path` is a folder or cannot be created, std::runtime_error naming the
/// path and the reason when the write itself fails (disk full, ...); an earlier file at `path` is
/// then left as it was.
void write_file_atomic(const std::string& path, const std::string& contents);

/// A CSV table built in memory and written atomically by save().
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> header);
  /// Appends one row; must have as many cells as the header.
  void add_row(const std::vector<double>& cells);
  void add_row(const std::vector<std::string>& cells);
  /// Writes the table (header + rows) to `path`.
  void save(const std::string& path) const;
  const std::vector<std::string>& header() const { return header_; }
  std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// Writes `doc` pretty-printed to `path`, atomically.
void save_json(const std::string& path, const nlohmann::json& doc);

/// A short description of this machine and build (CPU model, cores, compiler, flags),
/// recorded in every benchmark/results file so numbers always come with their machine.
nlohmann::json machine_info();

/// Formats a double with `digits` significant digits (for CSV cells and messages).
std::string format_number(double v, int digits = 6);

}  // namespace dnn
