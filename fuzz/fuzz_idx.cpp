// libFuzzer target for the IDX reader (common/io/idx.cpp): raw and gzip-compressed input.
// Built and run by scripts/fuzz.sh (clang++ -fsanitize=fuzzer,address,undefined).
//
// Contract under test: for ANY bytes, decode_idx_file_bytes either returns an array whose
// payload size equals the product of its dimensions, or throws dnn::InputError. Anything else
// — a crash, a sanitizer report, a leak, another exception type, an inconsistent result — is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <vector>

#include "dnn/error.hpp"
#include "dnn/idx.hpp"

namespace {

void check(const std::vector<unsigned char>& bytes, const char* name) {
  try {
    const dnn::IdxArray a = dnn::decode_idx_file_bytes(bytes, name);
    std::uint64_t n = 1;
    for (std::uint32_t d : a.dims) n *= d;
    if (a.dims.empty() || n != a.data.size()) {
      std::fprintf(stderr, "fuzz_idx: inconsistent result: %zu dims, %llu expected bytes, %zu found\n", a.dims.size(),
                   static_cast<unsigned long long>(n), a.data.size());
      std::abort();
    }
  } catch (const dnn::InputError&) {
    // The expected outcome for malformed input.
  }
  // Any other exception escapes and libFuzzer reports it as a crash.
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  check(bytes, "fuzz-input-idx3-ubyte");     // raw parser
  check(bytes, "fuzz-input-idx3-ubyte.gz");  // gzip path (then the raw parser)
  return 0;
}
