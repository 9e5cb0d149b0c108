// The 00_data program's pictures, run as the learner runs it (the binary's path comes from CMake).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "catch.hpp"
#include "run_program.hpp"

namespace fs = std::filesystem;

namespace {

// Width and height of a PNG, from its IHDR chunk (bytes 16..23, big-endian).
std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& p) {
  const std::string b = dnn_test::read_text(p);
  REQUIRE(b.size() > 24);
  REQUIRE(b.compare(12, 4, "IHDR") == 0);
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(b[at + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("00_data's example grid keeps one row per class when a class has fewer examples", "[data][00_data]") {
  const fs::path work = dnn_test::work_dir_for("dnn_00_data");
  // 2000 synthetic digits: every class has its 10 examples. 30 digits: about 3 per class.
  const dnn_test::RunResult full =
      dnn_test::run_program(DNN_00_DATA, "--dataset synthetic --train-limit 2000 --test-limit 10 --show 0", work);
  REQUIRE(full.code == 0);
  const auto full_size = png_size(work / "out" / "examples_grid.png");
  const dnn_test::RunResult few =
      dnn_test::run_program(DNN_00_DATA, "--dataset synthetic --train-limit 30 --test-limit 10 --show 0", work);
  REQUIRE(few.code == 0);
  // Same picture size: 10 rows (one per class) of 10 tiles, the missing tiles left blank. (Before,
  // the 30 digits were packed into 3 rows, so row c was no longer class c.)
  CHECK(png_size(work / "out" / "examples_grid.png") == full_size);
}
