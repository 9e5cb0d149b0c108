// Output folders (log.hpp): a run replaces the files the previous run listed in the folder's
// manifest (.dnn-outputs) and nothing else, only once it writes its first result; files named by
// flags (--resume, --checkpoint, --json) are checked up front, each error naming the flag.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "catch.hpp"
#include "dnn/checkpoint.hpp"
#include "dnn/error.hpp"
#include "dnn/log.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) { return dnn_test::fresh_dir("dnn_output_folders", name); }

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

using dnn_test::read_text;

// The names the manifest lists (comments left out).
std::set<std::string> listed(const fs::path& dir) {
  std::set<std::string> names;
  std::ifstream in(dir / dnn::kOutputManifest);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') names.insert(line);
  return names;
}

// One "run" that writes `names` (CSV tables) into `dir`.
void run_writing(const fs::path& dir, const std::set<std::string>& names) {
  dnn::prepare_output_dir(dir.string());
  for (const std::string& n : names) {
    dnn::CsvTable t({"x"});
    t.add_row(std::vector<double>{1.0});
    t.save((dir / n).string());
  }
}

using dnn_test::contains;
using dnn_test::input_error_of;

}  // namespace

TEST_CASE("a rerun removes the files of the earlier run, and only those", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("rerun");
  run_writing(dir, {"curves.csv", "old_only.csv"});
  CHECK(listed(dir) == std::set<std::string>{"curves.csv", "old_only.csv"});
  write_text(dir / "mine.txt", "the user's own file\n");

  run_writing(dir, {"curves.csv", "new_only.csv"});
  CHECK(fs::exists(dir / "curves.csv"));
  CHECK(fs::exists(dir / "new_only.csv"));
  CHECK_FALSE(fs::exists(dir / "old_only.csv"));  // stale: the earlier run's, not rewritten
  CHECK(read_text(dir / "mine.txt") == "the user's own file\n");
  CHECK(listed(dir) == std::set<std::string>{"curves.csv", "new_only.csv"});
}

TEST_CASE("nothing is removed until the run writes its first result", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("lazy");
  run_writing(dir, {"summary.json"});
  dnn::prepare_output_dir(dir.string());  // a run that then stops on bad input...
  CHECK(fs::exists(dir / "summary.json"));  // ...leaves the earlier results alone
  CHECK(listed(dir) == std::set<std::string>{"summary.json"});
}

TEST_CASE("a file rewritten during the run is listed once", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("once");
  dnn::prepare_output_dir(dir.string());
  for (int epoch = 0; epoch < 3; ++epoch) dnn::save_json((dir / "history.json").string(), {{"epoch", epoch}});
  const std::string manifest = read_text(dir / dnn::kOutputManifest);
  CHECK(manifest.find("history.json") == manifest.rfind("history.json"));
}

TEST_CASE("an edited manifest cannot remove anything outside the folder or a folder", "[reliability][outputs]") {
  const fs::path root = fresh_dir("edited");
  const fs::path dir = root / "out";
  fs::create_directories(dir / "sub");
  write_text(root / "outside.txt", "keep\n");
  write_text(dir / "sub" / "inner.txt", "keep\n");
  write_text(dir / "#hash.txt", "keep\n");
  fs::create_directories(dir / "a_folder");
  write_text(dir / dnn::kOutputManifest, "../outside.txt\n" + (root / "outside.txt").string() +
                                             "\nsub/inner.txt\n#hash.txt\na_folder\n..\n.\n\n" +
                                             dnn::kOutputManifest + "\n");
  run_writing(dir, {"new.csv"});
  CHECK(fs::exists(root / "outside.txt"));
  CHECK(fs::exists(dir / "sub" / "inner.txt"));
  CHECK(fs::exists(dir / "#hash.txt"));
  CHECK(fs::is_directory(dir / "a_folder"));
  CHECK(listed(dir) == std::set<std::string>{"new.csv"});
}

TEST_CASE("files outside a prepared folder get no manifest", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("unprepared");
  dnn::save_json((dir / "x.json").string(), {{"a", 1}});
  CHECK(fs::exists(dir / "x.json"));
  CHECK_FALSE(fs::exists(dir / dnn::kOutputManifest));
}

TEST_CASE("checkpoints are in no manifest: the next run never removes them", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("checkpoint");
  dnn::prepare_output_dir(dir.string());
  dnn::write_file_atomic((dir / "run.ckpt").string(), "bytes");  // what save_checkpoint does
  run_writing(dir, {"a.csv"});
  run_writing(dir, {"b.csv"});
  CHECK(fs::exists(dir / "run.ckpt"));
  CHECK_FALSE(fs::exists(dir / "a.csv"));
}

TEST_CASE("file flags are checked up front and the error names the flag", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("flags");
  write_text(dir / "a_file", "x\n");
  std::string e = input_error_of([&] { dnn::OutputFileFlag((dir).string(), "--checkpoint", dnn::checkpoint_file_kind()); });
  CHECK(contains(e, "--checkpoint"));
  CHECK(contains(e, "is a folder"));
  e = input_error_of([&] { dnn::OutputFileFlag((dir / "nope" / "x.bin").string(), "--checkpoint", dnn::checkpoint_file_kind()); });
  CHECK(contains(e, "--checkpoint"));
  CHECK(contains(e, "does not exist"));
  e = input_error_of([&] { dnn::OutputFileFlag((dir / "a_file" / "x.json").string(), "--json", dnn::result_json_kind("07_fast")); });
  CHECK(contains(e, "--json"));
  CHECK(contains(e, "not a folder"));
  CHECK_NOTHROW(dnn::OutputFileFlag((dir / "new.bin").string(), "--checkpoint", dnn::checkpoint_file_kind()));

  e = input_error_of([&] { dnn::check_input_file(dir.string(), "--resume", "a checkpoint file"); });
  CHECK(contains(e, "--resume"));
  CHECK(contains(e, "is a folder; expected a checkpoint file"));
  e = input_error_of([&] { dnn::check_input_file((dir / "nope").string(), "--resume", "a checkpoint file"); });
  CHECK(contains(e, "does not exist"));
  CHECK_NOTHROW(dnn::check_input_file((dir / "a_file").string(), "--resume", "a checkpoint file"));
}

TEST_CASE("writing over a folder or loading a folder says so", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("folder_target");
  std::string e = input_error_of([&] { dnn::write_file_atomic(dir.string(), "x"); });
  CHECK(contains(e, "is a folder"));
  CHECK(fs::is_directory(dir));
  e = input_error_of([&] { dnn::load_checkpoint(dir.string()); });
  CHECK(contains(e, "is a folder"));
}

namespace {
// The PID of a process that has exited (a child that was reaped), for stale locks and drafts.
long dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}
}  // namespace

TEST_CASE("file flags (--checkpoint, --json) replace only a file the program can prove is its own", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("owned");
  write_text(dir / "notes.txt", "the learner's notes\n");
  std::string e = input_error_of(
      [&] { dnn::OutputFileFlag((dir / "notes.txt").string(), "--checkpoint", dnn::checkpoint_file_kind()); });
  CHECK(contains(e, "--checkpoint: '" + (dir / "notes.txt").string() + "' exists and is not a checkpoint"));
  e = input_error_of([&] { dnn::OutputFileFlag((dir / "notes.txt").string(), "--json", dnn::result_json_kind("07_fast")); });
  CHECK(contains(e, "--json: '" + (dir / "notes.txt").string() + "' exists and is not a JSON result of 07_fast"));
  CHECK(read_text(dir / "notes.txt") == "the learner's notes\n");
  write_text(dir / "other.json", "{\"program\": \"05_mlp\"}\n");  // JSON, but another program's
  CHECK_FALSE(input_error_of([&] {
                dnn::OutputFileFlag((dir / "other.json").string(), "--json", dnn::result_json_kind("07_fast"));
              }).empty());
  // what the program itself wrote is replaced (with the note of before_write)
  write_text(dir / "run.ckpt", std::string(dnn::kCheckpointMagic) + "rest");
  CHECK_NOTHROW(dnn::OutputFileFlag((dir / "run.ckpt").string(), "--checkpoint", dnn::checkpoint_file_kind()));
  write_text(dir / "ladder.json", "{\"program\": \"07_fast --ladder\", \"results\": []}\n");
  CHECK_NOTHROW(dnn::OutputFileFlag((dir / "ladder.json").string(), "--json", dnn::result_json_kind("07_fast")));
  // a FIFO or a device is never "replaced" by a rename
  REQUIRE(mkfifo((dir / "fifo").c_str(), 0644) == 0);
  e = input_error_of([&] { dnn::OutputFileFlag((dir / "fifo").string(), "--checkpoint", dnn::checkpoint_file_kind()); });
  CHECK(contains(e, "is not a regular file"));
  e = input_error_of([&] { dnn::check_input_file((dir / "fifo").string(), "--resume", "a checkpoint file"); });
  CHECK(contains(e, "--resume: '" + (dir / "fifo").string() + "' is not a regular file"));
}

TEST_CASE("an output folder is locked: a second run names the first's PID, a dead run's lock is taken over",
          "[reliability][outputs]") {
  const fs::path dir = fresh_dir("lock");
  // a live run (the parent of this test) holds the folder
  write_text(dir / dnn::kOutputLock, std::to_string(getppid()) + "\n");
  std::string e = input_error_of([&] { dnn::prepare_output_dir(dir.string()); });
  CHECK(contains(e, "--out: folder '" + dir.string() + "' is in use by another run (PID " + std::to_string(getppid())));
  // a run that was killed left its lock: taken over, and this process's PID is written
  write_text(dir / dnn::kOutputLock, std::to_string(dead_pid()) + "\n");
  CHECK_NOTHROW(dnn::prepare_output_dir(dir.string()));
  CHECK(read_text(dir / dnn::kOutputLock) == std::to_string(getpid()) + "\n");
  CHECK_NOTHROW(dnn::prepare_output_dir(dir.string()));  // the same run again: its own lock
}

TEST_CASE("a folder where no file can be created is refused before any work", "[reliability][outputs]") {
  if (!fs::is_directory("/proc/self")) return;
  const std::string e = input_error_of([] { dnn::prepare_output_dir("/proc"); });
  CHECK(contains(e, "--out"));
  CHECK(contains(e, "/proc"));
}

TEST_CASE("drafts of killed runs are removed, other files and live drafts kept", "[reliability][outputs]") {
  const fs::path dir = fresh_dir("drafts");
  run_writing(dir, {"curves.csv"});
  const std::string dead = std::to_string(dead_pid()), live = std::to_string(getppid());
  write_text(dir / ("curves.csv.tmp." + dead), "half a file");
  write_text(dir / ("curves.csv.tmp." + live), "another run's draft");
  write_text(dir / ("mine.txt.tmp." + dead), "not ours: not in the manifest");
  write_text(dir / ("run.ckpt.tmp." + dead), "a killed checkpoint write");
  dnn::prepare_output_dir(dir.string());
  CHECK_FALSE(fs::exists(dir / ("curves.csv.tmp." + dead)));
  CHECK(fs::exists(dir / ("curves.csv.tmp." + live)));
  CHECK(fs::exists(dir / ("mine.txt.tmp." + dead)));
  CHECK(fs::exists(dir / ("run.ckpt.tmp." + dead)));  // not in the manifest: --checkpoint's own business
  dnn::OutputFileFlag((dir / "run.ckpt").string(), "--checkpoint", dnn::checkpoint_file_kind());
  CHECK_FALSE(fs::exists(dir / ("run.ckpt.tmp." + dead)));
}

TEST_CASE("RewriteSchedule: the first and last epochs always, otherwise not after a costly write",
          "[reliability][outputs]") {
  dnn::RewriteSchedule s;
  CHECK(s.due(false));
  s.timed([] {
    const dnn::Timer t;
    while (t.seconds() < 0.02) {
    }
  });
  CHECK_FALSE(s.due(false));  // 0.2 s must pass after a 0.02 s write
  CHECK(s.due(true));
}
