/// @file simd.hpp
/// @brief The CPU's vector registers as one C++ type: how many floats one instruction works on
///        (the *lanes*) and how many such registers there are, for the ISA this file is compiled for.
///
/// Chapters 06 and 07 write each hand-made kernel once, on `simd::Vec` — `kLanes` floats that
/// `+`, `-`, `*` act on lane by lane (GCC/Clang's vector extension; `acc + x * w` becomes one fused
/// multiply-add where the CPU has one) — and derive their tile sizes from `kLanes` and `kRegisters`:
///
/// | compiled for (`-march=`)            | ISA        | kLanes | kRegisters |
/// |-------------------------------------|------------|-------:|-----------:|
/// | x86-64-v4, or native on an AVX-512 CPU | AVX-512 | 16 | 32 |
/// | x86-64-v3, or native on an AVX2 CPU | AVX2 + FMA |      8 |         16 |
/// | AArch64 (any)                       | NEON       |      4 |         32 |
/// | x86-64 baseline (no -march)         | SSE2       |      4 |         16 |
/// | anything else                       | generic    |      4 |          8 |
///
/// The width is chosen at compile time from the compiler's target macros (`__AVX512F__`, `__AVX2__`,
/// `__ARM_NEON`, ...): the build (`-march=native` by default) decides, the program says which path it
/// runs (`describe()`, printed by the programs and written into every JSON's `machine`). A vector type
/// wider than the registers (the old 16-float type on an AVX2 CPU) still compiles, but every operation
/// is split in two and values passed between functions go through memory: correct, and slow.
#pragma once

#include <cstring>
#include <string>
#if defined(__FMA__)
#include <immintrin.h>
#endif

namespace dnn::simd {

#if defined(__AVX512F__)
inline constexpr int kLanes = 16;      ///< floats per vector register (zmm: 512 bits)
inline constexpr int kRegisters = 32;  ///< vector registers the compiler can allocate (zmm0–zmm31)
inline constexpr const char* kIsa = "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr int kLanes = 8;  // ymm: 256 bits
inline constexpr int kRegisters = 16;
inline constexpr const char* kIsa = "AVX2";
#elif defined(__AVX__)
inline constexpr int kLanes = 8;  // ymm, but no FMA: a multiply and an add
inline constexpr int kRegisters = 16;
inline constexpr const char* kIsa = "AVX (no FMA)";
#elif defined(__ARM_NEON) || defined(__aarch64__)
inline constexpr int kLanes = 4;  // q registers: 128 bits
inline constexpr int kRegisters = 32;
inline constexpr const char* kIsa = "NEON";
#elif defined(__SSE2__)
inline constexpr int kLanes = 4;  // xmm: 128 bits
inline constexpr int kRegisters = 16;
inline constexpr const char* kIsa = "SSE2";
#else
inline constexpr int kLanes = 4;  // no known vector unit: the compiler emits scalar code for Vec
inline constexpr int kRegisters = 8;
inline constexpr const char* kIsa = "generic";
#endif

/// Independent fused multiply-adds a core must have in flight to keep its FMA units busy: about
/// 4 cycles of latency × 2 units on the x86 and ARM cores of 2020–2026. A kernel whose loop carries
/// fewer independent accumulators than this waits on its own results.
inline constexpr int kFmaInFlight = 8;

/// One vector register's worth of floats. Arithmetic is lane-wise; `x * v` with a float x
/// multiplies every lane by x (the compiler broadcasts x once: vbroadcastss / dup); `a < b ? c : d` selects lane by lane.
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

/// Loads kLanes floats from p (any alignment).
inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);  // an unaligned vector load (vmovups / ldr q)
  return v;
}
/// Stores kLanes floats to p (any alignment).
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
/// Four floats (one xmm register on x86, one q register on ARM: the narrowest vector every ISA here
/// has). Chapter 07's layer-1 loops use it for the last, mostly-padding piece of a row on AVX-512
/// (50 floats = 3 × 16 + 2: a fourth zmm would be 14/16 padding).
using Vec4 = float __attribute__((vector_size(4 * sizeof(float))));

/// Loads 4 floats from p (any alignment).
inline Vec4 load4(const float* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// Stores 4 floats to p (any alignment).
inline void store4(float* p, Vec4 v) { std::memcpy(p, &v, sizeof v); }

/// a + x · b on 4 floats as one fused multiply-add where the CPU has one, written out: the Vec
/// loops get their FMAs from the compiler contracting `a + x * b`, which GCC does on every Vec but,
/// at -O2 with the sanitizers, not always on a Vec4 beside them (the bits then differ from the
/// whole-vector loops').
inline Vec4 fma4(Vec4 a, float x, Vec4 b) {
#if defined(__FMA__)
  return reinterpret_cast<Vec4>(_mm_fmadd_ps(_mm_set1_ps(x), reinterpret_cast<__m128>(b), reinterpret_cast<__m128>(a)));
#else
  return a + x * b;
#endif
}

/// Lane-wise max(v, 0); a NaN lane stays NaN (so divergence is still seen).
inline Vec relu(Vec v) {
  const Vec zero = {};
  return v < zero ? zero : v;
}

/// n rounded up to whole vectors (50 → 56 with 8 lanes, 64 with 16).
inline constexpr int round_up(int n) { return (n + kLanes - 1) / kLanes * kLanes; }

/// "AVX2, 8 lanes, 16 vector registers" — the path this build runs, for programs and JSON.
inline std::string describe() {
  return std::string(kIsa) + ", " + std::to_string(kLanes) + " lanes, " + std::to_string(kRegisters) +
         " vector registers";
}

}  // namespace dnn::simd
