/// @file idx.hpp
/// @brief The IDX file format of MNIST (raw or gzip-compressed), read and validated.
///
/// An IDX file is a tiny header followed by the raw array, all integers big-endian:
///
///     byte 0..1   0x00 0x00               (always zero)
///     byte 2      data type               (0x08 = unsigned byte, the only one MNIST uses)
///     byte 3      rank (number of dims)   (3 for images N×rows×cols, 1 for labels N)
///     then        rank × uint32 sizes     (big-endian: the most significant byte first)
///     then        the payload             (product of the sizes × 1 byte, row-major)
///
/// So the "magic number" of an image file is 0x00000803 and of a label file 0x00000801.
/// Every function here checks the file completely (magic, rank, dims, exact payload size: a
/// truncated file and a file with extra bytes are both errors) and throws dnn::InputError with
/// a message that names the file and says what was expected and what was found.
/// Memory is bounded by the real size of the data, never by what a (possibly corrupt) header
/// claims.
///
/// This header and common/io/idx.cpp depend only on the standard library and zlib, so the
/// fuzzer (fuzz/fuzz_idx.cpp, scripts/fuzz.sh) can compile them with one clang++ command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dnn {

/// A decoded IDX array of unsigned bytes: `dims` (e.g. {60000, 28, 28}) and the payload,
/// row-major, `product(dims)` bytes.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<unsigned char> data;
};

/// The IDX magic numbers of the two kinds of MNIST file.
constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  ///< unsigned bytes, rank 3 (N×rows×cols)
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  ///< unsigned bytes, rank 1 (N)

/// Parses an uncompressed IDX file held in memory. `name` (the file name) is used in error
/// messages. Accepts data type 0x08 and rank 1..4; throws InputError on an empty buffer,
/// a truncated header, a bad magic number, zero-sized dimensions, or a payload that is not
/// exactly product(dims) bytes.
IdxArray parse_idx(const std::vector<unsigned char>& bytes, const std::string& name);

/// Decompresses a gzip file held in memory (several concatenated gzip members are allowed).
/// Throws InputError naming `name` for data that is not gzip, corrupt or truncated.
/// The output never grows beyond what the IDX header inside announces (extra bytes are only
/// counted, for the error message), so a lying header or a "zip bomb" cannot exhaust memory.
std::vector<unsigned char> gunzip_idx(const std::vector<unsigned char>& gz, const std::string& name);

/// Decodes the bytes of an IDX file as stored on disk: gzip-compressed when `name` ends in
/// ".gz" (it must then really be gzip: "not gzip" is an error), raw otherwise.
/// This is the single entry point the fuzzer drives.
IdxArray decode_idx_file_bytes(const std::vector<unsigned char>& bytes, const std::string& name);

/// The largest IDX file read_idx_file accepts (MNIST's largest is 47 MB raw).
constexpr std::uint64_t kMaxIdxFileBytes = 1ull << 30;

/// Reads a whole file into memory; InputError naming `path` when it is missing, unreadable, a
/// folder, not a regular file (a FIFO would hang, /dev/zero would never end: both are refused
/// before reading) or larger than `max_bytes`.
std::vector<unsigned char> read_file_bytes(const std::string& path, std::uint64_t max_bytes = kMaxIdxFileBytes);

/// Reads and validates an IDX file from disk (`.gz` or raw): read_file_bytes + decode_idx_file_bytes.
IdxArray read_idx_file(const std::string& path);

/// Reads an IDX image file: requires magic 0x00000803 (N × rows × cols).
IdxArray read_idx_images(const std::string& path);

/// Reads an IDX label file: requires magic 0x00000801 (N) and every label in 0..classes-1.
IdxArray read_idx_labels(const std::string& path, int classes);

/// Encodes an IDX file (unsigned bytes): header + payload. Used by tests, the fuzzer corpus
/// and anyone who wants to save a subset. Throws std::invalid_argument when the payload
/// size does not match product(dims).
std::vector<unsigned char> encode_idx(const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data);

}  // namespace dnn
