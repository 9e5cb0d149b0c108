// The MPI world of chapter 08: start and stop MPI, the allreduce switch (MPI_Allreduce or the
// chapter's ring), and the flat parameter vector every mode sends: all of W0, b0, W1, b1, ... in one
// contiguous buffer, so a step is one message and not one per tensor (what frameworks call a
// gradient bucket). Its hash proves that the ranks hold the same model.
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

#if DNN_SANITIZED
#include <sanitizer/lsan_interface.h>  // Open MPI keeps some start-up allocations to the end: not leaks of ours
#define CH08_LSAN_OFF __lsan_disable()
#define CH08_LSAN_ON __lsan_enable()
#else
#define CH08_LSAN_OFF (void)0
#define CH08_LSAN_ON (void)0
#endif

#include "dnn/parallel.hpp"
#include "parallel.hpp"

namespace ch08 {

MpiWorld::MpiWorld() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    CH08_LSAN_OFF;
    MPI_Init(nullptr, nullptr);
    CH08_LSAN_ON;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiWorld::~MpiWorld() {
  if (std::uncaught_exceptions() == 0) {
    CH08_LSAN_OFF;
    MPI_Finalize();
  }
}

bool MpiWorld::launched_by_mpirun() {
  // Open MPI's launcher sets OMPI_COMM_WORLD_SIZE; PMI_SIZE / PMIX_RANK cover MPICH and Slurm.
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

template <typename T>
void allreduce_sum(T* data, int n, const std::string& how, MPI_Comm comm) {
  if (how == "ring") {
    dnn::parallel::ring_allreduce(data, n, comm);
  } else {
    MPI_Allreduce(MPI_IN_PLACE, data, n, dnn::parallel::mpi_type<T>(), MPI_SUM, comm);
  }
}
template void allreduce_sum<float>(float*, int, const std::string&, MPI_Comm);
template void allreduce_sum<double>(double*, int, const std::string&, MPI_Comm);
template void allreduce_sum<std::int64_t>(std::int64_t*, int, const std::string&, MPI_Comm);

int parameter_floats(const dnn::Mlp& net) {
  long n = 0;
  for (const auto& l : net.layers) n += static_cast<long>(l.W.size()) + static_cast<long>(l.b.size());
  return static_cast<int>(n);
}

namespace {
// Appends the elements of `m` to `flat`.
void append(std::vector<float>& flat, const dnn::Matrix& m) { flat.insert(flat.end(), m.data.begin(), m.data.end()); }
// Copies the next m.size() elements of `flat`, from position `at`, into `m`.
void take(const std::vector<float>& flat, std::size_t& at, dnn::Matrix& m) {
  if (at + m.size() > flat.size()) throw std::logic_error("unpack: the flat vector is too short");
  std::copy(flat.begin() + static_cast<long>(at), flat.begin() + static_cast<long>(at + m.size()), m.data.begin());
  at += m.size();
}
}  // namespace

void pack(const dnn::MlpGrads& g, std::vector<float>& flat) {
  flat.clear();
  for (std::size_t l = 0; l < g.dW.size(); ++l) {
    append(flat, g.dW[l]);
    append(flat, g.db[l]);
  }
}
void unpack(const std::vector<float>& flat, dnn::MlpGrads& g) {
  std::size_t at = 0;
  for (std::size_t l = 0; l < g.dW.size(); ++l) {
    take(flat, at, g.dW[l]);
    take(flat, at, g.db[l]);
  }
}
void pack(const dnn::Mlp& net, std::vector<float>& flat) {
  flat.clear();
  for (const auto& layer : net.layers) {
    append(flat, layer.W);
    append(flat, layer.b);
  }
}
void unpack(const std::vector<float>& flat, dnn::Mlp& net) {
  std::size_t at = 0;
  for (auto& layer : net.layers) {
    take(flat, at, layer.W);
    take(flat, at, layer.b);
  }
}

dnn::MlpGrads zero_grads(const dnn::Mlp& net) {
  dnn::MlpGrads g;
  for (const auto& l : net.layers) {
    g.dW.emplace_back(l.W.rows, l.W.cols);
    g.db.emplace_back(l.b.rows, l.b.cols);
  }
  return g;
}

std::uint64_t weights_hash(const dnn::Mlp& net) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
  auto add = [&h](const dnn::Matrix& m) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(m.data.data());
    for (std::size_t i = 0; i < m.data.size() * sizeof(float); ++i) {
      h ^= bytes[i];
      h *= 1099511628211ull;
    }
  };
  for (const auto& l : net.layers) {
    add(l.W);
    add(l.b);
  }
  return h;
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void check_same_weights(const dnn::Mlp& net, const MpiWorld& world, int epoch) {
  const unsigned long long mine = weights_hash(net);
  std::vector<unsigned long long> all(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all.data(), 1, MPI_UNSIGNED_LONG_LONG, world.comm());
  for (int r = 1; r < world.size(); ++r)
    if (all[static_cast<std::size_t>(r)] != all[0])
      throw std::runtime_error("after epoch " + std::to_string(epoch) + " rank " + std::to_string(r) +
                               " holds other weights than rank 0 (hash " + hex(all[static_cast<std::size_t>(r)]) +
                               " vs " + hex(all[0]) + "): the ranks no longer train one model");
}

}  // namespace ch08
