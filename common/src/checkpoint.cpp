// Checkpoints: a small versioned binary format with a checksum, written atomically and read
// defensively (see checkpoint.hpp for the layout).
#include "dnn/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "dnn/error.hpp"
#include "dnn/idx.hpp"
#include "dnn/log.hpp"

namespace dnn {

namespace {

constexpr std::size_t kMagicSize = 8;
constexpr std::size_t kHeaderSize = kMagicSize + 4 + 8;  // magic, version, payload size
constexpr std::size_t kTrailerSize = 4;                  // CRC-32
constexpr std::uint32_t kMaxLayers = 64;
constexpr std::uint32_t kMaxDim = 1u << 24;
constexpr std::uint32_t kMaxString = 4096;

std::uint32_t crc32_of(const char* data, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  while (n > 0) {
    const uInt piece = static_cast<uInt>(n > (1u << 30) ? (1u << 30) : n);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), piece);
    data += piece;
    n -= piece;
  }
  return static_cast<std::uint32_t>(crc);
}

// ------------------------------------------------------------------ writing (little-endian)
class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k) u8(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  void u64(std::uint64_t v) {
    for (int k = 0; k < 8; ++k) u8(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_ += s;
  }
  void floats(const Matrix& m) {
    for (float v : m.data) f32(v);
  }
  void tensor(const Matrix& m) {
    u32(static_cast<std::uint32_t>(m.rows));
    u32(static_cast<std::uint32_t>(m.cols));
    floats(m);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// ------------------------------------------------------------------ reading (bounds-checked)
class Reader {
 public:
  Reader(const std::string& bytes, std::size_t begin, std::size_t end, const std::string& name)
      : b_(bytes), pos_(begin), end_(end), name_(name) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("checkpoint '" + name_ + "': " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  std::size_t left() const { return end_ - pos_; }
  void need(std::size_t n, const char* what) const {
    if (n > left())
      fail(std::string("payload ends in the middle of ") + what + " (needs " + std::to_string(n) + " bytes, " +
           std::to_string(left()) + " left)");
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return static_cast<std::uint8_t>(b_[pos_++]);
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b_[pos_ + k])) << (8 * k);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[pos_ + k])) << (8 * k);
    pos_ += 8;
    return v;
  }
  float f32(const char* what) {
    const std::uint32_t bits = u32(what);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  double f64(const char* what) {
    const std::uint64_t bits = u64(what);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  std::string str(const char* what) {
    const std::uint32_t n = u32(what);
    if (n > kMaxString) fail(std::string(what) + " is " + std::to_string(n) + " bytes long (at most " +
                             std::to_string(kMaxString) + " expected)");
    need(n, what);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // rows × cols floats; the size is checked against the bytes left before allocating.
  void floats(Matrix& m, std::uint32_t rows, std::uint32_t cols, const std::string& what) {
    if (rows > kMaxDim || cols > kMaxDim)
      fail(what + " has an impossible shape " + std::to_string(rows) + "x" + std::to_string(cols));
    const std::uint64_t count = static_cast<std::uint64_t>(rows) * cols;
    if (count * 4 > left())
      fail(what + " (" + std::to_string(rows) + "x" + std::to_string(cols) + " floats) does not fit in the " +
           std::to_string(left()) + " bytes left");
    m = Matrix(static_cast<int>(rows), static_cast<int>(cols));
    for (auto& v : m.data) v = f32(what.c_str());
  }
  void tensor(Matrix& m, const std::string& what) {
    const std::uint32_t rows = u32(what.c_str());
    const std::uint32_t cols = u32(what.c_str());
    floats(m, rows, cols, what);
  }

 private:
  const std::string& b_;
  std::size_t pos_;
  std::size_t end_;
  const std::string& name_;
};

std::uint32_t read_u32_at(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + k])) << (8 * k);
  return v;
}
std::uint64_t read_u64_at(const std::string& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[at + k])) << (8 * k);
  return v;
}

std::string printable(const std::string& s) {
  std::string r;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127) {
      r += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      r += buf;
    }
  }
  return r;
}

}  // namespace

void capture_training_state(const Trainer& trainer, const OptimizerConfig& optimizer, Checkpoint& c) {
  trainer.get_weights(c.net);
  Optimizer opt(optimizer, c.net);
  trainer.get_optimizer_state(opt);
  c.optimizer = opt.config();
  c.optimizer_steps = opt.steps();
  c.slots1 = opt.slots1();
  c.slots2 = opt.slots2();
}

std::string serialize_checkpoint(const Checkpoint& c) {
  Writer p;  // payload
  p.str(c.dataset);
  p.u32(static_cast<std::uint32_t>(c.train_size));
  p.u32(c.data_fingerprint);
  p.u64(c.seed);
  p.u32(static_cast<std::uint32_t>(c.batch));
  p.u32(static_cast<std::uint32_t>(c.epochs_done));
  p.u32(static_cast<std::uint32_t>(c.net.layers.size()));
  for (const auto& l : c.net.layers) {
    if (l.b.rows != 1 || l.b.cols != l.W.cols)
      throw std::invalid_argument("serialize_checkpoint: bias shape " + l.b.shape() + " does not match W " +
                                  l.W.shape());
    p.u32(static_cast<std::uint32_t>(l.W.rows));
    p.u32(static_cast<std::uint32_t>(l.W.cols));
    p.u8(static_cast<std::uint8_t>(l.act));
  }
  p.u8(static_cast<std::uint8_t>(c.optimizer.kind));
  p.f32(c.optimizer.lr);
  p.f32(c.optimizer.momentum);
  p.f64(c.optimizer.adam.beta1);
  p.f64(c.optimizer.adam.beta2);
  p.f64(c.optimizer.adam.eps);
  p.i64(c.optimizer_steps);
  for (const auto& l : c.net.layers) {
    p.floats(l.W);
    p.floats(l.b);
  }
  p.u32(static_cast<std::uint32_t>(c.slots1.size()));
  for (const auto& m : c.slots1) p.tensor(m);
  p.u32(static_cast<std::uint32_t>(c.slots2.size()));
  for (const auto& m : c.slots2) p.tensor(m);
  p.u32(static_cast<std::uint32_t>(c.history.size()));
  for (const auto& h : c.history) {
    p.u32(static_cast<std::uint32_t>(h.epoch));
    p.f64(h.train_loss);
    p.f64(h.train_accuracy);
    p.f64(h.test_loss);
    p.f64(h.test_accuracy);
    p.f64(h.seconds);
    p.f64(h.eval_seconds);
  }

  Writer f;  // the whole file
  f.bytes().append(kCheckpointMagic, kMagicSize);
  f.u32(kCheckpointVersion);
  f.u64(p.bytes().size());
  f.bytes() += p.bytes();
  f.u32(crc32_of(f.bytes().data(), f.bytes().size()));
  return std::move(f.bytes());
}

Checkpoint parse_checkpoint(const std::string& bytes, const std::string& name) {
  const std::string where = "checkpoint '" + name + "': ";
  if (bytes.size() < kHeaderSize + kTrailerSize)
    throw InputError(where + "file is " + std::to_string(bytes.size()) + " bytes, too short for a checkpoint (at least " +
                     std::to_string(kHeaderSize + kTrailerSize) + "): truncated or not a checkpoint");
  if (bytes.compare(0, kMagicSize, kCheckpointMagic, kMagicSize) != 0)
    throw InputError(where + "not a dnn-companion checkpoint (starts with \"" + printable(bytes.substr(0, kMagicSize)) +
                     "\", expected \"" + kCheckpointMagic + "\")");
  const std::uint32_t version = read_u32_at(bytes, kMagicSize);
  if (version != kCheckpointVersion && version != 1)
    throw InputError(where + "format version " + std::to_string(version) + ", but this program reads versions 1 to " +
                     std::to_string(kCheckpointVersion) + " (written by a different version of dnn-companion?)");
  const std::uint64_t payload = read_u64_at(bytes, kMagicSize + 4);
  const std::uint64_t available = bytes.size() - kHeaderSize - kTrailerSize;
  if (payload > available)
    throw InputError(where + "truncated: the header announces " + std::to_string(payload + kHeaderSize + kTrailerSize) +
                     " bytes, the file has " + std::to_string(bytes.size()));
  if (payload < available)
    throw InputError(where + std::to_string(available - payload) +
                     " unexpected bytes after the end of the checkpoint (file damaged or appended to)");
  const std::size_t crc_at = kHeaderSize + static_cast<std::size_t>(payload);
  const std::uint32_t stored = read_u32_at(bytes, crc_at);
  const std::uint32_t actual = crc32_of(bytes.data(), crc_at);
  if (stored != actual) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "checksum mismatch (stored %08x, computed %08x)", stored, actual);
    throw InputError(where + buf + ": the file is corrupt");
  }

  Reader r(bytes, kHeaderSize, crc_at, name);
  Checkpoint c;
  c.dataset = r.str("dataset name");
  const std::uint32_t train_size = r.u32("train size");
  if (train_size > (1u << 30)) r.fail("train size " + std::to_string(train_size) + " out of range");
  c.train_size = static_cast<int>(train_size);
  c.has_fingerprint = version >= 2;
  if (c.has_fingerprint) c.data_fingerprint = r.u32("data fingerprint");
  c.seed = r.u64("seed");
  const std::uint32_t batch = r.u32("batch size");
  const std::uint32_t epochs = r.u32("epochs done");
  if (batch < 1 || batch > kMaxDim) r.fail("batch size " + std::to_string(batch) + " out of range");
  if (epochs > 1000000) r.fail("epochs done " + std::to_string(epochs) + " out of range");
  c.batch = static_cast<int>(batch);
  c.epochs_done = static_cast<int>(epochs);

  const std::uint32_t L = r.u32("layer count");
  if (L < 1 || L > kMaxLayers)
    r.fail("layer count " + std::to_string(L) + " out of range 1.." + std::to_string(kMaxLayers));
  std::vector<std::uint32_t> n_in(L), n_out(L);
  c.net.layers.resize(L);
  for (std::uint32_t l = 0; l < L; ++l) {
    n_in[l] = r.u32("layer shape");
    n_out[l] = r.u32("layer shape");
    const std::uint8_t act = r.u8("activation");
    if (n_in[l] < 1 || n_out[l] < 1 || n_in[l] > kMaxDim || n_out[l] > kMaxDim)
      r.fail("layer " + std::to_string(l) + " has an impossible shape " + std::to_string(n_in[l]) + "x" +
             std::to_string(n_out[l]));
    if (l > 0 && n_in[l] != n_out[l - 1])
      r.fail("layer " + std::to_string(l) + " takes " + std::to_string(n_in[l]) + " inputs but layer " +
             std::to_string(l - 1) + " gives " + std::to_string(n_out[l - 1]));
    if (act > static_cast<std::uint8_t>(Activation::Tanh)) r.fail("unknown activation code " + std::to_string(act));
    c.net.layers[l].act = static_cast<Activation>(act);
  }
  const std::uint8_t kind = r.u8("optimizer kind");
  if (kind > static_cast<std::uint8_t>(OptimizerKind::Adam)) r.fail("unknown optimizer code " + std::to_string(kind));
  c.optimizer.kind = static_cast<OptimizerKind>(kind);
  c.optimizer.lr = r.f32("learning rate");
  c.optimizer.momentum = r.f32("momentum");
  c.optimizer.adam.beta1 = r.f64("adam beta1");
  c.optimizer.adam.beta2 = r.f64("adam beta2");
  c.optimizer.adam.eps = r.f64("adam epsilon");
  c.optimizer.adam.lr = c.optimizer.lr;
  if (!std::isfinite(c.optimizer.lr) || !(c.optimizer.lr > 0)) r.fail("learning rate is not a positive number");
  // What the optimizer would refuse later without naming the file (cli.hpp's ranges).
  if (!(c.optimizer.momentum >= 0 && c.optimizer.momentum < 1))
    r.fail("momentum " + format_number(c.optimizer.momentum) + " is outside [0, 1)");
  if (!(c.optimizer.adam.beta1 >= 0 && c.optimizer.adam.beta1 < 1))
    r.fail("adam beta1 " + format_number(c.optimizer.adam.beta1) + " is outside [0, 1)");
  if (!(c.optimizer.adam.beta2 >= 0 && c.optimizer.adam.beta2 < 1))
    r.fail("adam beta2 " + format_number(c.optimizer.adam.beta2) + " is outside [0, 1)");
  if (!std::isfinite(c.optimizer.adam.eps) || !(c.optimizer.adam.eps > 0))
    r.fail("adam epsilon " + format_number(c.optimizer.adam.eps) + " is not a number > 0");
  const std::int64_t steps = static_cast<std::int64_t>(r.u64("optimizer step count"));
  if (steps < 0) r.fail("negative optimizer step count");
  c.optimizer_steps = static_cast<long>(steps);

  for (std::uint32_t l = 0; l < L; ++l) {
    const std::string layer = "layer " + std::to_string(l);
    r.floats(c.net.layers[l].W, n_in[l], n_out[l], layer + " weights");
    r.floats(c.net.layers[l].b, 1, n_out[l], layer + " biases");
  }
  for (auto* slots : {&c.slots1, &c.slots2}) {
    const char* what = slots == &c.slots1 ? "optimizer slot 1" : "optimizer slot 2";
    const std::uint32_t K = r.u32(what);
    if (K > 2 * kMaxLayers) r.fail(std::string(what) + " count " + std::to_string(K) + " out of range");
    slots->resize(K);
    for (auto& m : *slots) r.tensor(m, what);
  }
  const std::uint32_t H = r.u32("history length");
  if (static_cast<std::uint64_t>(H) * (4 + 6 * 8) > r.left())
    r.fail("history of " + std::to_string(H) + " epochs does not fit in the bytes left");
  c.history.resize(H);
  for (auto& h : c.history) {
    const std::uint32_t epoch = r.u32("history");
    if (epoch > 1000000) r.fail("history epoch " + std::to_string(epoch) + " out of range");
    h.epoch = static_cast<int>(epoch);
    h.train_loss = r.f64("history");
    h.train_accuracy = r.f64("history");
    h.test_loss = r.f64("history");
    h.test_accuracy = r.f64("history");
    h.seconds = r.f64("history");
    h.eval_seconds = r.f64("history");
  }
  if (r.left() != 0) r.fail(std::to_string(r.left()) + " unexpected bytes at the end of the payload");
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& c) { write_file_atomic(path, serialize_checkpoint(c)); }

Checkpoint load_checkpoint(const std::string& path) {
  std::vector<unsigned char> raw;
  try {
    raw = read_file_bytes(path, kMaxCheckpointBytes);  // regular files only, size-bounded (idx.hpp)
  } catch (const InputError& e) {
    throw InputError("checkpoint " + std::string(e.what()));
  }
  return parse_checkpoint(std::string(raw.begin(), raw.end()), path);
}

OwnedFileKind checkpoint_file_kind() {
  return {std::string("a checkpoint (a file starting with \"") + kCheckpointMagic + "\")", [](const std::string& path) {
            std::ifstream in(path, std::ios::binary);
            char head[kMagicSize] = {};
            return in.read(head, kMagicSize) && std::memcmp(head, kCheckpointMagic, kMagicSize) == 0;
          }};
}

void restore_optimizer_state(const Checkpoint& c, Optimizer& opt, const std::string& name) {
  auto copy_slots = [&](const std::vector<Matrix>& from, std::vector<Matrix>& to, const char* what) {
    if (from.size() != to.size())
      throw InputError("checkpoint '" + name + "': " + std::to_string(from.size()) + " tensors of " + what +
                       ", the optimizer has " + std::to_string(to.size()));
    for (std::size_t k = 0; k < from.size(); ++k) {
      if (!from[k].same_shape(to[k]))
        throw InputError("checkpoint '" + name + "': " + what + " tensor " + std::to_string(k) + " is " +
                         from[k].shape() + ", expected " + to[k].shape());
      to[k] = from[k];
    }
  };
  copy_slots(c.slots1, opt.slots1(), "optimizer state 1");
  copy_slots(c.slots2, opt.slots2(), "optimizer state 2");
  opt.set_steps(c.optimizer_steps);
}

}  // namespace dnn
