/// @file log.hpp
/// @brief Results on disk: output folders, CSV tables and JSON documents.
///
/// Files are written to a temporary name and renamed into place, so an interrupted run never
/// leaves a half-written result; an existing file is replaced only by a complete new one, and
/// the program says which file it wrote.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dnn {

/// Creates `dir` (and parents) if needed and checks it is writable; otherwise throws
/// InputError naming the folder (flag `flag`, e.g. "--out").
void prepare_output_dir(const std::string& dir, const std::string& flag = "--out");

/// `dir + "/" + name`.
std::string join_path(const std::string& dir, const std::string& name);

/// Writes `contents` to `path` atomically (temp file in the same folder + rename).
/// Throws InputError naming the path on failure.
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
