// The IDX reader (MNIST's file format), raw or gzip. See dnn/idx.hpp for the format.
// Dependencies: the standard library, zlib and dnn/error.hpp only (the fuzzer compiles this
// file on its own with clang++).
#include "dnn/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnn/error.hpp"

namespace dnn {

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

std::string hex8(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

std::string first_bytes(const unsigned char* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && i < 4; ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    if (i) s += ' ';
    s += buf;
  }
  return s.empty() ? "(none)" : s;
}

std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

std::string dims_text(const std::vector<std::uint32_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

constexpr int kMaxRank = 4;

/// What the header says: dims, header size and payload size.
struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t header_bytes = 0;
  std::uint64_t payload_bytes = 0;
};

/// Parses and checks the header in p[0..n). Checks, in order: empty, too short for the magic,
/// magic (zero bytes, data type, rank), too short for the dims, zero dims, overflow.
IdxHeader parse_header(const unsigned char* p, std::size_t n, const std::string& name, const char* what) {
  if (n == 0)
    throw InputError(name + ": file is empty (0 bytes" + what +
                     "); expected an IDX file (4-byte magic number, dimensions, data)");
  if (n < 4)
    throw InputError(name + ": truncated header: " + std::to_string(n) + " byte(s)" + what +
                     ", expected at least 4 (the magic number)");
  const std::uint32_t magic = read_be32(p);
  if (p[0] != 0 || p[1] != 0)
    throw InputError(name + ": bad magic number " + hex32(magic) + " (first bytes " + first_bytes(p, n) +
                     "): expected 0x00000803 (IDX images) or 0x00000801 (IDX labels); is this an MNIST IDX file?");
  if (p[2] != 0x08)
    throw InputError(name + ": unsupported IDX data type " + hex8(p[2]) + " (magic " + hex32(magic) +
                     "): expected 0x08 (unsigned byte), the type MNIST uses");
  const int rank = p[3];
  if (rank < 1 || rank > kMaxRank)
    throw InputError(name + ": bad IDX rank " + std::to_string(rank) + " (magic " + hex32(magic) +
                     "): expected 1 to " + std::to_string(kMaxRank) + " dimensions");
  IdxHeader h;
  h.header_bytes = 4 + 4 * static_cast<std::size_t>(rank);
  if (n < h.header_bytes)
    throw InputError(name + ": truncated header: magic " + hex32(magic) + " announces " + std::to_string(rank) +
                     " dimension(s), so the header needs " + std::to_string(h.header_bytes) + " bytes, found only " +
                     std::to_string(n) + what);
  std::uint64_t payload = 1;
  for (int d = 0; d < rank; ++d) {
    const std::uint32_t v = read_be32(p + 4 + 4 * d);
    h.dims.push_back(v);
    if (v == 0)
      throw InputError(name + ": dimension " + std::to_string(d) + " of " + dims_text(h.dims) +
                       "... is 0: expected every dimension >= 1 (an empty dataset)");
    // product of at most 4 uint32 values can overflow 64 bits: stop at 2^62.
    if (payload > (std::uint64_t(1) << 62) / v)
      throw InputError(name + ": header dimensions are absurdly large (" + dims_text(h.dims) +
                       "...): the data would exceed 2^62 bytes");
    payload *= v;
  }
  h.payload_bytes = payload;
  return h;
}

[[noreturn]] void throw_size_mismatch(const std::string& name, const IdxHeader& h, std::uint64_t found,
                                      const char* what) {
  const std::uint64_t expected = h.payload_bytes;
  std::string msg = name + ": payload size mismatch: the header says " + dims_text(h.dims) + " = " +
                    std::to_string(expected) + " bytes of data, found " + std::to_string(found) + what + " (";
  if (found < expected)
    msg += std::to_string(expected - found) + " bytes missing: the file is truncated)";
  else
    msg += std::to_string(found - expected) + " extra bytes after the data: wrong header or corrupt file)";
  throw InputError(msg);
}

IdxArray parse_idx_impl(const std::vector<unsigned char>& bytes, const std::string& name, const char* what) {
  const IdxHeader h = parse_header(bytes.data(), bytes.size(), name, what);
  const std::uint64_t found = bytes.size() - h.header_bytes;
  if (found != h.payload_bytes) throw_size_mismatch(name, h, found, what);
  IdxArray a;
  a.dims = h.dims;
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(h.header_bytes), bytes.end());
  return a;
}

}  // namespace

IdxArray parse_idx(const std::vector<unsigned char>& bytes, const std::string& name) {
  return parse_idx_impl(bytes, name, "");
}

std::vector<unsigned char> gunzip_idx(const std::vector<unsigned char>& gz, const std::string& name) {
  if (gz.empty())
    throw InputError(name + ": file is empty (0 bytes); expected a gzip-compressed IDX file");
  if (gz.size() < 2 || gz[0] != 0x1f || gz[1] != 0x8b)
    throw InputError(name + ": not gzip (first bytes " + first_bytes(gz.data(), gz.size()) +
                     ", expected 1f 8b): the name ends in .gz but the content is not gzip-compressed; "
                     "re-download the file, or remove the .gz from its name if it is a raw IDX file");

  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK)  // 15 = max window, +16 = expect a gzip wrapper
    throw std::runtime_error(name + ": zlib inflateInit2 failed");
  struct Closer {
    z_stream* z;
    ~Closer() { inflateEnd(z); }
  } closer{&zs};

  zs.next_in = const_cast<unsigned char*>(gz.data());
  zs.avail_in = static_cast<uInt>(0);
  std::size_t in_pos = 0;
  auto feed = [&] {  // hand zlib the next piece of input (avail_in is 32-bit)
    const std::size_t chunk = std::min<std::size_t>(gz.size() - in_pos, 1u << 30);
    zs.next_in = const_cast<unsigned char*>(gz.data() + in_pos);
    zs.avail_in = static_cast<uInt>(chunk);
    in_pos += chunk;
  };
  feed();

  std::vector<unsigned char> out;
  // A hint from the gzip trailer (uncompressed size mod 2^32), used only to reserve memory once
  // the IDX header is known: never more than the header announces, nor more than a deflate
  // stream of this size can produce (ratio <= 1032:1). A lying trailer costs nothing.
  std::uint64_t isize_hint = 0;
  if (gz.size() >= 18) {
    const std::size_t n = gz.size();
    isize_hint = std::uint64_t(gz[n - 4]) | (std::uint64_t(gz[n - 3]) << 8) | (std::uint64_t(gz[n - 2]) << 16) |
                 (std::uint64_t(gz[n - 1]) << 24);
    isize_hint = std::min<std::uint64_t>(isize_hint, 1032 * std::uint64_t(n));
  }

  bool have_header = false;
  std::uint64_t limit = ~std::uint64_t(0);  // header + payload, once the header is known
  std::uint64_t extra = 0;                  // bytes beyond `limit` (counted, not stored)
  IdxHeader header;
  unsigned char buf[1 << 16];
  for (;;) {
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = sizeof buf - zs.avail_out;
    // Store what fits under the limit; count the rest.
    const std::uint64_t room = limit > out.size() ? limit - out.size() : 0;
    const std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(room, produced));
    out.insert(out.end(), buf, buf + keep);
    extra += produced - keep;
    const bool magic_bad = out.size() >= 4 && (out[0] != 0 || out[1] != 0 || out[2] != 0x08 || out[3] < 1 ||
                                               out[3] > kMaxRank);
    if (!have_header && out.size() >= 4 && (magic_bad || out.size() >= 4 + 4 * std::size_t(out[3]))) {
      header = parse_header(out.data(), out.size(), name, " after gunzip");  // throws on a bad header
      have_header = true;
      limit = header.header_bytes + header.payload_bytes;
      if (out.size() > limit) {
        extra += out.size() - limit;
        out.resize(static_cast<std::size_t>(limit));
      } else {
        out.reserve(static_cast<std::size_t>(std::min(limit, std::max<std::uint64_t>(isize_hint, out.size()))));
      }
    }
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (files made with `cat a.gz b.gz`); anything else is garbage.
      if (zs.avail_in == 0 && in_pos < gz.size()) feed();
      if (zs.avail_in == 0) break;
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        if (inflateReset(&zs) != Z_OK) throw std::runtime_error(name + ": zlib inflateReset failed");
        continue;
      }
      throw InputError(name + ": " + std::to_string(zs.avail_in + (gz.size() - in_pos)) +
                       " bytes of garbage after the end of the gzip data: corrupt file, re-download it");
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && produced == 0)) {
      if (zs.avail_in == 0 && in_pos < gz.size()) {
        feed();
        continue;
      }
      throw InputError(name + ": gzip data ends early (the compressed file is truncated after " +
                       std::to_string(gz.size()) + " bytes, " + std::to_string(out.size() + extra) +
                       " bytes decompressed): re-download the file");
    }
    if (rc != Z_OK) {
      const std::string why = zs.msg ? zs.msg : ("zlib error " + std::to_string(rc));
      throw InputError(name + ": corrupt gzip data (" + why + " after " + std::to_string(out.size() + extra) +
                       " decompressed bytes): re-download the file");
    }
  }
  if (extra > 0) throw_size_mismatch(name, header, out.size() - header.header_bytes + extra, " after gunzip");
  return out;
}

IdxArray decode_idx_file_bytes(const std::vector<unsigned char>& bytes, const std::string& name) {
  if (ends_with(name, ".gz")) return parse_idx_impl(gunzip_idx(bytes, name), name, " after gunzip");
  return parse_idx_impl(bytes, name, "");
}

std::vector<unsigned char> read_file_bytes(const std::string& path, std::uint64_t max_bytes) {
  // Opened first, then checked through the open descriptor (no gap between check and read);
  // O_NONBLOCK so that opening a FIFO does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw InputError(path + ": is a folder, expected a file");
  if (!S_ISREG(st.st_mode))
    throw InputError(path + ": is not a regular file (" +
                     (S_ISFIFO(st.st_mode) ? std::string("a pipe") : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
                                                                         ? std::string("a device")
                                                                         : std::string("a socket or other special file")) +
                     "), expected a file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes)
    throw InputError(path + ": is " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) +
                     " bytes a file of this kind can have (the wrong file?)");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw InputError(path + ": read error after " + std::to_string(got) + " of " + std::to_string(size) +
                       " bytes" + (n < 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string(" (the file shrank)")));
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

IdxArray read_idx_file(const std::string& path) { return decode_idx_file_bytes(read_file_bytes(path), path); }

IdxArray read_idx_images(const std::string& path) {
  IdxArray a = read_idx_file(path);
  if (a.dims.size() != 3)
    throw InputError(path + ": expected an IDX image file (magic 0x00000803: N x rows x cols), found magic " +
                     hex32(0x800u | static_cast<std::uint32_t>(a.dims.size())) + " with dimensions " +
                     dims_text(a.dims) + (a.dims.size() == 1 ? " (a label file?)" : ""));
  return a;
}

IdxArray read_idx_labels(const std::string& path, int classes) {
  IdxArray a = read_idx_file(path);
  if (a.dims.size() != 1)
    throw InputError(path + ": expected an IDX label file (magic 0x00000801: N labels), found magic " +
                     hex32(0x800u | static_cast<std::uint32_t>(a.dims.size())) + " with dimensions " +
                     dims_text(a.dims) + (a.dims.size() == 3 ? " (an image file?)" : ""));
  for (std::size_t i = 0; i < a.data.size(); ++i)
    if (static_cast<int>(a.data[i]) >= classes)
      throw InputError(path + ": label " + std::to_string(a.data[i]) + " at index " + std::to_string(i) +
                       " is out of range: expected 0.." + std::to_string(classes - 1) + " for " +
                       std::to_string(classes) + " classes");
  return a;
}

std::vector<unsigned char> encode_idx(const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data) {
  if (dims.empty() || dims.size() > 255) throw std::invalid_argument("encode_idx: rank must be 1..255");
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  if (n != data.size())
    throw std::invalid_argument("encode_idx: dims " + dims_text(dims) + " need " + std::to_string(n) +
                                " bytes, got " + std::to_string(data.size()));
  std::vector<unsigned char> out = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>((d >> s) & 0xFF));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace dnn
