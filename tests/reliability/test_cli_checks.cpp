// The shared checks of numeric flags (cli.hpp): what they accept, what they refuse and the words
// of the message, on a real CLI11 app. The bad-input matrix runs the programs; this pins the edges.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dnn/cli.hpp"

namespace {

/// Parses `args` (after the program name) into an app with one option `--x` checked by `check`;
/// returns "" on success, else CLI11's message ("--x: expected ...").
template <typename T>
std::string parse(T& value, const CLI::Validator& check, const std::vector<std::string>& args) {
  CLI::App app{"test"};
  app.add_option("--x", value)->check(check);
  std::vector<std::string> argv{"--x"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());  // CLI11 wants them in reverse
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("whole_number: plain decimal integers in range, everything else named", "[cli]") {
  int v = -7;
  CHECK(parse(v, dnn::whole_number(0), {"12"}).empty());
  CHECK(v == 12);
  CHECK(parse(v, dnn::whole_number(0), {"0"}).empty());
  CHECK(v == 0);
  // CLI11 reads a leading 0 as octal (010 = 8): refused rather than silently changed
  CHECK(parse(v, dnn::whole_number(0), {"010"}) ==
        "--x: expected a whole number >= 0, got '010' (write it without leading zeros)");
  CHECK(parse(v, dnn::whole_number(0), {"abc"}) == "--x: expected a whole number >= 0, got 'abc'");
  CHECK(parse(v, dnn::whole_number(0), {"-5"}) == "--x: expected a whole number >= 0, got '-5'");
  CHECK(parse(v, dnn::whole_number(0), {"1.5"}) == "--x: expected a whole number >= 0, got '1.5'");
  CHECK(parse(v, dnn::whole_number(0), {"99999999999"}) ==
        "--x: expected a whole number >= 0, got '99999999999' (at most 2147483647)");
  CHECK(parse(v, dnn::whole_number(1, 1024), {"0"}) == "--x: expected a whole number from 1 to 1024, got '0'");
  CHECK(parse(v, dnn::whole_number(1, 1024), {"1024"}).empty());
}

TEST_CASE("seed_number: the whole uint64 range, no sign, no wrap-around", "[cli]") {
  std::uint64_t s = 0;
  CHECK(parse(s, dnn::seed_number(), {"18446744073709551615"}).empty());
  CHECK(s == UINT64_MAX);
  CHECK(parse(s, dnn::seed_number(), {"0"}).empty());
  CHECK(s == 0);
  const std::string want = "--x: expected a whole number from 0 to 18446744073709551615, got ";
  CHECK(parse(s, dnn::seed_number(), {"-1"}) == want + "'-1'");
  CHECK(parse(s, dnn::seed_number(), {"18446744073709551616"}) == want + "'18446744073709551616'");
  CHECK(parse(s, dnn::seed_number(), {"abc"}) == want + "'abc'");
  CHECK(parse(s, dnn::seed_number(), {"042"}) == want + "'042'");
}

TEST_CASE("real numbers: finite, bounds in plain words, open and closed ends", "[cli]") {
  double d = 0;
  CHECK(parse(d, dnn::between(1e-10, 0.1), {"1e-3"}).empty());
  CHECK(d == 1e-3);
  CHECK(parse(d, dnn::between(1e-10, 0.1), {"0"}) == "--x: expected a number from 1e-10 to 0.1, got '0'");
  CHECK(parse(d, dnn::positive(), {"nan"}) == "--x: expected a number > 0, got 'nan'");
  CHECK(parse(d, dnn::positive(), {"inf"}) == "--x: expected a number > 0, got 'inf'");
  CHECK(parse(d, dnn::positive(), {"1e999"}) == "--x: expected a number > 0, got '1e999'");
  CHECK(parse(d, dnn::at_least(0), {"0"}).empty());
  CHECK(parse(d, dnn::at_least(0), {"-0.5"}) == "--x: expected a number >= 0, got '-0.5'");
  CHECK(parse(d, dnn::at_least_below(0, 1), {"0"}).empty());
  CHECK(parse(d, dnn::at_least_below(0, 1), {"1"}) == "--x: expected a number >= 0 and < 1, got '1'");
  CHECK(parse(d, dnn::above_at_most(0, 1), {"1"}).empty());
  CHECK(parse(d, dnn::above_at_most(0, 1), {"0"}) == "--x: expected a number > 0 and <= 1, got '0'");
  CHECK(parse(d, dnn::above_at_most(0, 1e6), {"fast"}) == "--x: expected a number > 0 and <= 1e+06, got 'fast'");
}

TEST_CASE("parse_layer_sizes: 1 to kMaxLayerWidth units per layer", "[cli]") {
  CHECK(dnn::parse_layer_sizes("50,50") == std::vector<int>{50, 50});
  CHECK(dnn::parse_layer_sizes("4096") == std::vector<int>{dnn::kMaxLayerWidth});
  CHECK_THROWS_WITH(dnn::parse_layer_sizes("100000,100000"),
                    "--hidden: expected comma-separated whole numbers from 1 to 4096 like 50,50, got '100000,100000'");
}

namespace {
// Runs `args` through dnn::run_program with one unchecked int option `--n` and one file option.
int run_with(const std::vector<std::string>& args, int& n, std::string& file) {
  CLI::App app{"test", "test_prog"};
  app.add_option("--n", n);  // no whole_number(): run_program adds the decimal rule
  app.add_option("--file", file)->check(dnn::file_name());
  std::vector<std::string> storage{"test_prog"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  return dnn::run_program(app, static_cast<int>(argv.size()), argv.data(), [] { return 0; });
}
}  // namespace

TEST_CASE("every integer flag is decimal: 0x10 and 010 are refused, not read as 16 or 8", "[cli]") {
  int n = 0;
  std::string file;
  CHECK(run_with({"--n", "12"}, n, file) == 0);
  CHECK(n == 12);
  n = 0;
  CHECK(run_with({"--n", "0x10"}, n, file) == 2);
  CHECK(n == 0);
  CHECK(run_with({"--n", "010"}, n, file) == 2);
  CHECK(n == 0);
  CHECK(run_with({"--n", "1e3"}, n, file) == 2);
  CHECK(run_with({"--n", "-4"}, n, file) == 0);  // the range is the program's check
  CHECK(n == -4);
}

TEST_CASE("file_name: an empty name (an unset variable) is refused, not taken as 'not given'", "[cli]") {
  int n = 0;
  std::string file = "before";
  CHECK(run_with({"--file", ""}, n, file) == 2);
  CHECK(run_with({"--file", "x.ckpt"}, n, file) == 0);
  CHECK(file == "x.ckpt");
}

TEST_CASE("a number > 0 that is 0 in 32-bit floats is refused (--lr 1e-300)", "[cli]") {
  double v = 1;
  CHECK(parse(v, dnn::above_at_most(0, 1e6), {"1e-300"}) == "--x: expected a number > 0 and <= 1e+06, got '1e-300'");
  CHECK(parse(v, dnn::positive(), {"1e-40"}) == "--x: expected a number > 0, got '1e-40'");
  CHECK(parse(v, dnn::above_at_most(0, 1e6), {"1e-30"}).empty());
  CHECK(parse(v, dnn::between(0, 10), {"1e-300"}).empty());  // 0 itself allowed: no such rule
}

TEST_CASE("the out-of-memory hint names the size flags this program has", "[cli]") {
  // stderr into a file for the duration of the run
  char path[] = "/tmp/dnn_oom_hint_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(fd, 2);
  CLI::App app{"test", "06_like"};
  int m = 1, n = 1, k = 1;
  app.add_option("--m", m);
  app.add_option("--n", n);
  app.add_option("--k", k);
  char name[] = "06_like";
  char* argv[] = {name};
  const int code = dnn::run_program(app, 1, argv, []() -> int { throw std::bad_alloc(); });
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::ifstream in(path);
  const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  close(fd);
  std::remove(path);
  CHECK(code == 1);
  CHECK(err.find("Lower the sizes (--m, --n, --k)") != std::string::npos);
  CHECK(err.find("--hidden") == std::string::npos);
}
