// Step 6 of chapter 07's CPU ladder: the training images in 3 bytes per non-zero pixel — the
// fastcpu backend.
//
// Relative to step 5: what step 5 leaves is the memory traffic of the images themselves. A
// shuffled minibatch is 32 images from anywhere in the training set, and step 2's CsrMatrix spends
// 8 bytes on each non-zero pixel (a 4-byte int index and a 4-byte float): 72 MB for MNIST, more
// than the caches, so every step brings ≈ 38 KB of new non-zeros from L3 or main memory. But the
// pixel index is below 784 (16 bits are enough) and MNIST's pixels are bytes: the loader divides
// each byte by 255, so there are only 255 distinct non-zero values. ByteCsr stores a 16-bit index and
// an 8-bit code into the table of those values: 3 bytes per non-zero, 27 MB, 2.7× fewer cache lines
// per image. Each row also ends with a sentinel index (kEndOfRow, above every pixel), so the
// loops' "is the next entry still in this block?" is one comparison instead of two.
//
// The loops are step 5's (5_pixel_blocks.cpp), reading the pixels through BytePixels instead of
// CsrPixels (shared.hpp): the same pixels and the same float values in the same order, so the
// same bits as step 5 (tested). The update's −η·x is one product per code (255 per step) instead of
// one per non-zero, the same float product either way.
//
// When it cannot run (more than 256 distinct values, e.g. the synthetic digits, or a first layer
// wider than the registers) the trainer runs step 5 and says why (FastCpuTrainer::pixel_bytes_note).
//
// Measured (07_fast --ladder --ladder-epochs 10, CPU s/epoch, Intel Xeon Sapphire Rapids, 2 vCPUs
// shared with other machines, 2026-12-04, quiet): step 5 0.0527 → step 6 0.0445 with AVX-512,
// 0.0636 → 0.0549 with the AVX2 build. With the same minibatch every step (BM_SameStep: its images
// in the caches) step 6 is only 2 % (AVX2) to 10 % (AVX-512) faster than with new images each step,
// against 13 % and 26 % for step 5: the images' memory traffic is mostly gone.
#include <algorithm>
#include <cstddef>
#include <string>

#include "shared.hpp"

namespace dnn {

bool ByteCsr::build(const CsrMatrix& S, std::string* why) {
  *this = ByteCsr{};
  auto fail = [&](const std::string& reason) {
    *this = ByteCsr{};
    if (why) *why = reason;
    return false;
  };
  if (S.cols > kEndOfRow)
    return fail(std::to_string(S.cols) + " pixels per image do not fit 16-bit indices (at most 65535)");
  rows = S.rows;
  cols = S.cols;
  row_ptr.resize(static_cast<std::size_t>(rows) + 1);
  pixel.reserve(S.values.size() + static_cast<std::size_t>(rows));
  code.reserve(pixel.capacity());
  // The code of a value: its place in `value` (in order of first appearance). A byte-valued image
  // (v = n/255) finds it at once through the guess n = round(255·v); other values search the table.
  float guess_value[256];
  int guess_code[256];
  std::fill(guess_code, guess_code + 256, -1);
  auto code_of = [&](float v) -> int {
    const float t = v * 255.0f;
    const int n = (t >= 0.0f && t <= 255.0f) ? static_cast<int>(t + 0.5f) : 0;
    if (guess_code[n] >= 0 && guess_value[n] == v) return guess_code[n];
    int c = static_cast<int>(std::find(value.begin(), value.end(), v) - value.begin());
    if (c == static_cast<int>(value.size())) {
      if (value.size() == 256) return -1;
      value.push_back(v);
    }
    if (guess_code[n] < 0) {
      guess_value[n] = v;
      guess_code[n] = c;
    }
    return c;
  };
  row_ptr[0] = 0;
  for (int r = 0; r < rows; ++r) {
    for (int e = S.row_ptr[static_cast<std::size_t>(r)]; e < S.row_ptr[static_cast<std::size_t>(r) + 1]; ++e) {
      const float v = S.values[static_cast<std::size_t>(e)];
      if (!(v == v)) return fail("a pixel value is NaN (it has no code)");
      const int c = code_of(v);
      if (c < 0) return fail("more than 256 distinct pixel values do not fit 8-bit codes");
      pixel.push_back(static_cast<std::uint16_t>(S.col_idx[static_cast<std::size_t>(e)]));
      code.push_back(static_cast<std::uint8_t>(c));
    }
    pixel.push_back(kEndOfRow);  // the row's end; its code is never read
    code.push_back(0);
    row_ptr[static_cast<std::size_t>(r) + 1] = static_cast<int>(pixel.size());
  }
  return true;
}

}  // namespace dnn
