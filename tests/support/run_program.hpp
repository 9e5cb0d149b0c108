// Tests that run a chapter program as the learner would: the command line in, exit code and
// everything it printed (stdout + stderr) out. Shared by the chapter CLI tests.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "catch.hpp"
#include "test_util.hpp"

namespace dnn_test {

struct RunResult {
  int code = -1;
  std::string output;  // stdout + stderr
};

/// Runs `program args --out '<work>/out'` through the shell and captures its output.
inline RunResult run_program(const std::string& program, const std::string& args, const std::filesystem::path& work) {
  const std::string cmd = "'" + program + "' " + args + " --out '" + (work / "out").string() + "' 2>&1";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// A fresh folder under the system temp dir, one per test process (`name` + pid).
inline std::filesystem::path work_dir_for(const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace dnn_test
