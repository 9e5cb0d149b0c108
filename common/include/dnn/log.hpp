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

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnn/timer.hpp"

namespace dnn {

/// The manifest of an output folder: the names of the files the last run wrote there.
inline constexpr const char* kOutputManifest = ".dnn-outputs";

/// The lock of an output folder: a hidden file holding the PID of the run writing there.
inline constexpr const char* kOutputLock = ".dnn-lock";

/// Creates `dir` (and parents) if needed and checks that files can be created there; otherwise
/// throws InputError naming the folder (flag `flag`, e.g. `--out`). The folder is then this run's:
/// it takes the folder's lock (kOutputLock, removed when the program exits), so a second run into
/// the same folder stops at once with exit 2 naming the first run's PID instead of mixing its
/// files with the first's; a lock left by a run that was killed (its PID is gone) is taken over.
/// Drafts of killed runs (`<listed name>.tmp.PID` with a dead PID) are removed. Its earlier results are
/// replaced as the file comment above describes.
void prepare_output_dir(const std::string& dir, const std::string& flag = "--out");

/// Removes the drafts `<name>.tmp.<PID>` (see draft_path) in `dir` of each of `names` whose process
/// is gone: what a run killed during a write (kill -9, power loss) left behind; says on stderr how
/// many. Drafts of running processes, and files of other names, are left alone. prepare_output_dir
/// passes the names of the folder's manifest, OutputFileFlag its own file's name.
void remove_stale_drafts(const std::string& dir, const std::vector<std::string>& names);

/// Called by every result helper just before it writes `path`. When `path` is in a folder
/// prepared by prepare_output_dir, the first call removes the files listed by the earlier run's
/// manifest (except `path` itself, which the write replaces atomically), prints the note and
/// starts this run's manifest; every call adds `path`'s name to it. Paths elsewhere (a
/// `--checkpoint` or `--json` file outside `--out`) are left to OutputFileFlag. Results are written
/// by the main thread only (this is not thread-safe).
void record_output(const std::string& path);

/// Checks a file named by an input flag (05_mlp `--resume` FILE) before any work starts:
/// InputError naming `flag` when it is missing, a folder, not a regular file (a FIFO would hang
/// the read, /dev/zero never ends) or unreadable; `what` says what was expected ("a checkpoint file").
void check_input_file(const std::string& path, const std::string& flag, const std::string& what);

/// What kind of file an OutputFileFlag writes, and how to recognise one this program wrote.
struct OwnedFileKind {
  std::string what;                                     ///< "a checkpoint (a file starting with DNN-CKPT)"
  std::function<bool(const std::string& path)> is_ours; ///< true for a file of this kind
};

/// A JSON result of `program` ("07_fast"): a JSON object whose "program" starts with `program`,
/// as every save_json document of the chapters has.
OwnedFileKind result_json_kind(const std::string& program);

/// A result file named by its own flag (05_mlp `--checkpoint` FILE, 07_fast `--json` FILE) rather
/// than placed in `--out`. Made before any work starts, it checks the name at once, so a typo
/// fails in a second and not after the training: InputError naming `flag` when the name is a
/// folder, or its folder is missing or not writable, and when the file exists but is not `kind`
/// (its magic bytes or JSON say so): a program replaces only a file it can prove is its own,
/// never the learner's notes.txt or an MNIST file. Stale drafts of the file are removed.
/// A checkpoint is in no manifest (it must outlive the next run: `--resume` reads it); a `--json`
/// file is, like every save_json file, when it lies in the `--out` folder. When the file existed
/// before this run, the first before_write() says that it is being replaced, unless it is
/// `resumed_from`, the checkpoint this run continues (rerunning a command must keep working, so
/// replacing is allowed, just never silent).
class OutputFileFlag {
 public:
  OutputFileFlag() = default;  ///< the flag was not given
  OutputFileFlag(const std::string& path, const std::string& flag, const OwnedFileKind& kind,
                 const std::string& resumed_from = "");
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

/// When to rewrite a file that is kept up to date after every epoch (history.csv, a checkpoint):
/// the first time and after the last epoch always, otherwise once the time since the previous
/// rewrite is at least 10 times what that rewrite took. Rewriting then costs at most about a
/// tenth of the run however many epochs there are (4000 tiny epochs no longer spend most of their
/// time rewriting a growing file), and the file after the last epoch is the same as before.
class RewriteSchedule {
 public:
  /// Whether the file should be written now; `last`: after the run's last epoch.
  bool due(bool last) const {
    return last || !written_ || since_.seconds() >= 10.0 * cost_;
  }
  /// Runs `write` (the rewrite) and remembers what it cost.
  template <class Write>
  void timed(Write&& write) {
    const Timer t;
    write();
    cost_ = t.seconds();
    since_.reset();
    written_ = true;
  }

 private:
  bool written_ = false;
  double cost_ = 0;
  Timer since_;
};

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

/// A program's summary: `doc` saved to `path` (its --out folder's summary), "wrote PATH" printed,
/// and, when the program's --json FILE was given (`also`), the same document there too, with its
/// own "wrote" line (OutputFileFlag::before_write checks it may replace the file).
void save_summary_json(const std::string& path, const nlohmann::json& doc, OutputFileFlag& also);

/// A short description of this machine and build (CPU model, cores, compiler, flags),
/// recorded in every benchmark/results file so numbers always come with their machine.
nlohmann::json machine_info();

/// Formats a double with `digits` significant digits (for CSV cells and messages).
std::string format_number(double v, int digits = 6);

}  // namespace dnn
